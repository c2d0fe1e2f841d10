"The committed module, notebooks and README are what exporting, cleaning and rendering the notebooks give."
import shutil, subprocess, sys
from pathlib import Path
from helpers import ROOT

BIN = Path(sys.executable).parent

def copy_tree(dst: Path):
    for name in ('nbs', 'spyx_axn', 'tools'): shutil.copytree(ROOT / name, dst / name)
    for name in ('settings.ini', 'README.md'): shutil.copy(ROOT / name, dst / name)
    return dst

def files(d: Path, pattern: str):
    return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob(pattern)) if '__pycache__' not in p.parts}

def test_export_changes_nothing(tmp_path):
    d = copy_tree(tmp_path)
    subprocess.run([BIN / 'nbdev_export'], cwd=d, check=True)
    assert files(d / 'spyx_axn', '*.py') == files(ROOT / 'spyx_axn', '*.py'), \
        "spyx_axn/ differs from the export of nbs/: run `make export` and commit"

def test_clean_changes_nothing(tmp_path):
    d = copy_tree(tmp_path)
    subprocess.run([BIN / 'nbdev_clean'], cwd=d, check=True)
    assert files(d / 'nbs', '*.ipynb') == files(ROOT / 'nbs', '*.ipynb'), "notebooks are not clean: run `nbdev_clean`"

def test_the_factories_imports_are_the_modules_exports():
    "spyx_axn/__init__.py imports every surrogate factory that a module of surrogates/ exports (tools/exports.py)."
    subprocess.run([sys.executable, ROOT / 'tools' / 'exports.py', '--check'], check=True)

def test_readme_is_rendered_index():
    subprocess.run([sys.executable, ROOT / 'tools' / 'readme.py', '--check'], check=True)

def test_relative_links_lead_somewhere():
    "README's and the notebooks' relative links name files that exist: they work on a code host as in a clone."
    import json, re, urllib.parse
    docs = [(ROOT, (ROOT / 'README.md').read_text())] + [
        (ROOT / 'nbs', ''.join(''.join(c['source']) for c in json.loads(p.read_text())['cells'] if c['cell_type'] == 'markdown'))
        for p in sorted((ROOT / 'nbs').glob('*.ipynb'))]
    checked = 0
    for base, text in docs:
        for target in re.findall(r'\]\(([^)#\s]+)', text):
            if urllib.parse.urlparse(target).scheme: continue
            assert (base / target).exists(), f"link to {target} from {base}: no such file"
            checked += 1
    assert checked, "no relative link found: the pattern no longer matches"

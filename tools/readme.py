"""Render nbs/index.ipynb, with its saved outputs, as README.md: `python tools/readme.py [--check]`.

Markdown cells are copied, visible code cells become fenced Python, text outputs fenced text and
Markdown outputs (tables) inline. Hidden cells (`#| hide`) are left out, as on the site; `#| echo: false`
cells show their output only. Links to other notebooks (`45_gallery.ipynb`), in text and in Markdown outputs,
become links into nbs/ from the repository's root. With --check, exit 1 if README.md differs from the rendering."""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def directives(src):
    return {l[3:].split(':')[0].strip(): l.split(':', 1)[1].strip() if ':' in l else ''
            for l in src.splitlines() if l.startswith('#| ')}

def into_nbs(md):
    "Markdown whose links to other notebooks (`45_gallery.ipynb`) lead into nbs/ from the repository's root."
    return re.sub(r'\]\(([\w-]+\.ipynb)', r'](nbs/\1', md)

def render(nb_path=root / 'nbs' / 'index.ipynb'):
    out = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': out.append(into_nbs(src)); continue
        d = directives(src)
        if 'hide' in d: continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#| ')).strip()
        if d.get('echo') != 'false' and code: out.append(f"```python\n{code}\n```")
        for o in cell.get('outputs', []):
            data = o.get('data', {})
            if 'text/markdown' in data: out.append(into_nbs(''.join(data['text/markdown'])))
            elif 'text/plain' in data: out.append("```\n" + ''.join(data['text/plain']) + "\n```")
            elif o.get('output_type') == 'stream': out.append("```\n" + ''.join(o['text']).rstrip() + "\n```")
    return '\n\n'.join(out).rstrip() + '\n'

if __name__ == '__main__':
    text, readme = render(), root / 'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != text: sys.exit("README.md is not the rendering of nbs/index.ipynb: run `python tools/readme.py`.")
    else: readme.write_text(text)

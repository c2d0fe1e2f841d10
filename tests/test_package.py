"The installed package: its public names, its import, and a wheel that needs nothing but jax."
import json, os, re, subprocess, sys, venv
import numpy as np
import pytest
from helpers import ROOT, run_python

SEED = ['Activation', 'heaviside', 'custom', 'superspike', 'arctan', 'boxcar', 'tanh', 'triangular']

def test_import_is_light_and_offline():
    out = run_python("""
import socket, sys
def refuse(*a, **k): raise AssertionError('network use at import')
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
import spyx_axn
assert 'matplotlib' not in sys.modules, 'importing spyx_axn imported matplotlib'
assert 'fastcore' not in sys.modules and 'nbdev' not in sys.modules
print(sorted(spyx_axn.__all__))
""")
    assert all(n in out for n in SEED)

def test_flat_api_like_spyx():
    import spyx_axn as axn, jax
    for n in SEED: assert hasattr(axn, n), n
    assert repr(axn.superspike()) == 'superspike(k=25)'
    assert repr(axn.boxcar()) == 'boxcar(width=2, height=0.5)'
    assert float(jax.grad(axn.superspike())(0.5)) == pytest.approx(0.00548697, rel=1e-6)

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    "The package built as a wheel, as `pip install .` builds it."
    dist = tmp_path_factory.mktemp('dist')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', dist, ROOT], check=True)
    wheel, = dist.glob('spyx_axn-*.whl')
    return wheel

USE = ("import spyx_axn as axn, jax; print(axn.__file__); print([repr(getattr(axn, n)()) for n in "
       "('superspike','arctan','boxcar','tanh','triangular','custom')], float(jax.grad(axn.tanh())(1.)))")

@pytest.mark.slow  # builds the wheel (about 20 s): the slow tier
def test_wheel_requires_jax_alone_and_works(wheel, tmp_path):
    "The wheel's metadata requires jax and nothing else (extras aside); its files, imported alone, work."
    import zipfile
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()
    requires = [l.split(':', 1)[1].strip() for l in meta.splitlines() if l.startswith('Requires-Dist:')]
    assert [r for r in requires if 'extra ==' not in r] == ['jax>=0.4.30'], requires
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', tmp_path / 'lib', wheel], check=True)
    out = subprocess.run([sys.executable, '-c', USE], check=True, capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, 'PYTHONPATH': str(tmp_path / 'lib')}).stdout
    assert out.startswith(str(tmp_path / 'lib')) and 'superspike(k=25)' in out and '0.419974' in out, out

def readme_example():
    "README's example: its code, with its last line printed, and the two arrays of rates its saved output shows."
    readme = (ROOT / 'README.md').read_text()
    code, shown = re.search(r'## Example\n.*?```python\n(.*?)\n```\n\n```\n(.*?)\n```', readme, re.S).groups()
    *body, last = code.splitlines()
    rates = [[float(v) for v in re.findall(r'[-\d.]+(?:e-?\d+)?', a)] for a in re.findall(r'Array\(\[(.*?)\]', shown, re.S)]
    return '\n'.join(body + [f'print([[float(v) for v in a] for a in ({last})])']), rates

@pytest.mark.slow
def test_wheel_installs_with_jax_only(wheel, tmp_path):
    """Install the wheel into a new virtual environment with its dependencies, and use it: only jax comes with it, and
    README's example runs there, giving the rates its saved output shows."""
    venv.create(tmp_path / 'env', with_pip=True)
    py = tmp_path / 'env' / 'bin' / 'python'
    subprocess.run([py, '-m', 'pip', 'install', '-q', wheel], check=True, capture_output=True)
    freeze = subprocess.run([py, '-m', 'pip', 'freeze'], check=True, capture_output=True, text=True).stdout
    installed = {line.split('==')[0].split(' @ ')[0].strip().lower() for line in freeze.splitlines()}
    assert 'jax' in installed and 'spyx_axn' in installed or 'spyx-axn' in installed, installed
    for dev in ('nbdev', 'fastcore', 'matplotlib', 'pytest', 'execnb'): assert dev not in installed, dev
    out = subprocess.run([py, '-c', USE], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert 'superspike(k=25)' in out and '0.419974' in out
    code, shown = readme_example()
    assert len(shown) == 2 and all(len(r) == 5 for r in shown), shown
    r = subprocess.run([py, '-c', code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, f"README's example failed in the wheel's environment:\n{r.stderr}"
    got = json.loads(r.stdout.strip().splitlines()[-1])
    # another JAX than the one that saved the output may round differently: one spike in 100 steps is 0.01
    np.testing.assert_allclose(got, shown, atol=0.0101, err_msg="README's example gives other rates from the wheel")

def settings():
    from configparser import ConfigParser
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']

def metadata(wheel):
    "The METADATA of a wheel, as text."
    import zipfile
    with zipfile.ZipFile(wheel) as z: return z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))).decode()

@pytest.mark.slow  # builds the wheel (about 20 s): the slow tier
def test_one_version_everywhere(wheel):
    """settings.ini's version is `spyx_axn.__version__`, the wheel's METADATA Version and CITATION.cff's version
    (tests/test_site.py checks every page's footer against the same)."""
    import spyx_axn
    version = settings()['version']
    meta = re.search(r'^Version: (.+)$', metadata(wheel), re.M).group(1)
    cff = re.search(r'^version: *"?([^"\s]+)"?\s*$', (ROOT / 'CITATION.cff').read_text(), re.M).group(1)
    assert {'__version__': spyx_axn.__version__, 'METADATA': meta, 'CITATION.cff': cff} == dict.fromkeys(
        ('__version__', 'METADATA', 'CITATION.cff'), version)
    assert re.search(rf'^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$', (ROOT / 'CHANGELOG.md').read_text(), re.M), \
        f"CHANGELOG.md has no section for {version}"

@pytest.mark.slow  # builds the wheel (about 20 s): the slow tier
def test_long_description_renders_on_an_index(wheel):
    """The description an index shows has no TeX between dollar signs and no link that leads only within the repository
    (outside code, where both are literal text)."""
    meta = metadata(wheel)
    body = meta.split('\n\n', 1)[1]
    assert 'Description-Content-Type: text/markdown' in meta and body.startswith('# spyx_axn')
    prose = re.sub(r'`[^`\n]*`', '', re.sub(r'^```.*?^```', '', body, flags=re.S | re.M))
    assert not re.findall(r'\$[^$\n]+\$', prose), re.findall(r'\$[^$\n]+\$', prose)[:5]
    links = re.findall(r'\]\(([^)\s]+)\)', prose)
    assert links and all(re.match(r'https?://', u) for u in links), [u for u in links if not re.match(r'https?://', u)]
    readme = (ROOT / 'README.md').read_text()
    assert '](nbs/' in readme and '$' in readme, "README.md no longer has what the description must rewrite: test the rewriting"

@pytest.mark.slow  # builds the wheel (about 20 s): the slow tier
def test_classifiers_name_the_pythons_tested(wheel):
    "The wheel lists the Python versions that settings.ini says the tiers test, this one among them."
    listed = re.findall(r'^Classifier: Programming Language :: Python :: (3\.\d+)$', metadata(wheel), re.M)
    assert listed == settings()['tested_python'].split() and f'{sys.version_info[0]}.{sys.version_info[1]}' in listed, listed

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    "`make dist`'s files: the sdist, and the wheel that `python -m build` builds from it."
    out = tmp_path_factory.mktemp('release')
    subprocess.run([sys.executable, '-m', 'build', '--outdir', out, ROOT], check=True, capture_output=True)
    (sdist,), (built,) = out.glob('spyx_axn-*.tar.gz'), out.glob('spyx_axn-*.whl')
    return sdist, built

@pytest.mark.slow
def test_sdist_builds_the_same_wheel(dist, wheel):
    "The wheel built from the sdist has the files and the METADATA of the wheel built from the working tree."
    import zipfile
    (sdist, built), names = dist, lambda w: sorted(zipfile.ZipFile(w).namelist())
    assert built.name == wheel.name and names(built) == names(wheel), set(names(built)) ^ set(names(wheel))
    assert metadata(built) == metadata(wheel)
    assert sdist.name == f"spyx_axn-{settings()['version']}.tar.gz"

@pytest.mark.slow
def test_the_release_marks_the_package_typed(dist):
    "PEP 561's py.typed is in the sdist and in the wheel built from it: a type checker reads the package's annotations."
    import tarfile, zipfile
    sdist, built = dist
    assert f"{sdist.name.removesuffix('.tar.gz')}/spyx_axn/py.typed" in tarfile.open(sdist).getnames()
    assert 'spyx_axn/py.typed' in zipfile.ZipFile(built).namelist()

@pytest.mark.slow
def test_twine_check_strict(dist):
    "`twine check --strict` passes on the sdist and the wheel: an index would take and render them."
    r = subprocess.run([sys.executable, '-m', 'twine', 'check', '--strict', *dist], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.count('PASSED') == 2, r.stdout + r.stderr

def test_citation_names_the_software():
    "CITATION.cff names the software, its licence (settings.ini's, as an SPDX expression) and its title."
    cff = (ROOT / 'CITATION.cff').read_text()
    assert re.search(r'^type: software$', cff, re.M) and re.search(r'^title: "spyx_axn\b', cff, re.M)
    assert re.search(r'^license: Apache-2\.0$', cff, re.M) and settings()['license'] == 'apache2'

def test_the_floor_tested_is_the_floor_declared():
    "`make test-floor` installs the lowest JAX that settings.ini's requirements allow, not another."
    from configparser import ConfigParser
    cfg = ConfigParser(); cfg.read(ROOT / 'settings.ini')
    declared = dict(r.split('>=') for r in cfg['DEFAULT']['requirements'].split())
    pins = dict(l.split('#')[0].strip().split('==') for l in (ROOT / 'requirements-floor.txt').read_text().splitlines()
                if '==' in l.split('#')[0])
    assert {p: pins.get(p) for p in ('jax', 'jaxlib')} == {'jax': declared['jax'], 'jaxlib': declared['jax']}, (pins, declared)

def test_help_shows_each_factorys_formulas_and_domains():
    "`help(factory)`: its surrogate's and primitive's formulas, as their docstrings write them, and each hyperparameter's rule."
    import inspect, pydoc, spyx_axn as axn
    for name in axn.available():
        f = getattr(axn, name)
        text, act = pydoc.render_doc(f, renderer=pydoc.plaintext), f()
        assert f"Surrogate: g(x) = {inspect.getdoc(act.bwd)}" in text, (name, text)
        assert act.prim is None or f"Primitive: F(x) = {inspect.getdoc(act.prim)}" in text, (name, text)
        for n, d in f.domains.items():  # the rule the factory's refusal states
            assert re.search(rf"^\s+{n}: {re.escape(d.rule)}", text, re.M), (name, n, text)

@pytest.mark.slow  # mypy reads JAX's annotations: 45 s from an empty cache
def test_a_type_checker_sees_every_factory(tmp_path):
    """mypy, on a user's script, with the package on the path as an installed one is (its py.typed beside it): every
    factory with its signature, the activation it returns, and a misspelt name an error, the only one."""
    import shutil, spyx_axn as axn
    shutil.copytree(ROOT / 'spyx_axn', tmp_path / 'lib' / 'spyx_axn', ignore=shutil.ignore_patterns('__pycache__'))
    names = axn.available()
    (tmp_path / 'user.py').write_text('import spyx_axn as axn\n' + ''.join(f'reveal_type(axn.{n})\n' for n in names)
                                      + 'reveal_type(axn.superspike(k=3.).surrogate)\naxn.superspik\n')
    cache = ROOT / '.cache' / 'mypy'  # what mypy read of jax, kept: 45 s once, a few seconds after
    r = subprocess.run([sys.executable, '-m', 'mypy', '--cache-dir', cache, 'user.py'], cwd=tmp_path,
                       capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': str(tmp_path / 'lib')})
    revealed = re.findall(r'^user\.py:(\d+): note: Revealed type is "(.*)"$', r.stdout, re.M)
    assert len(revealed) == len(names) + 1, r.stdout
    for n, (_, t) in zip(names, revealed):
        assert re.fullmatch(r'def \(.*\) -> spyx_axn\.core\.SpikeFunction', t), (n, t)
    assert re.fullmatch(r'def \(x: jax\.\S*Array\) -> jax\.\S*Array', revealed[-1][1]), revealed[-1]  # the method too
    errors = re.findall(r'^user\.py:\d+: error: (.*)$', r.stdout, re.M)
    assert errors == ['Module has no attribute "superspik"; maybe "superspike"?  [attr-defined]'], r.stdout

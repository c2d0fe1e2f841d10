"The installed package: its public names, its import, and a wheel that needs nothing but jax."
import os, subprocess, sys, venv
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

@pytest.mark.slow
def test_wheel_installs_with_jax_only(wheel, tmp_path):
    "Install the wheel into a new virtual environment with its dependencies, and use it: only jax comes with it."
    venv.create(tmp_path / 'env', with_pip=True)
    py = tmp_path / 'env' / 'bin' / 'python'
    subprocess.run([py, '-m', 'pip', 'install', '-q', wheel], check=True, capture_output=True)
    freeze = subprocess.run([py, '-m', 'pip', 'freeze'], check=True, capture_output=True, text=True).stdout
    installed = {line.split('==')[0].split(' @ ')[0].strip().lower() for line in freeze.splitlines()}
    assert 'jax' in installed and 'spyx_axn' in installed or 'spyx-axn' in installed, installed
    for dev in ('nbdev', 'fastcore', 'matplotlib', 'pytest', 'execnb'): assert dev not in installed, dev
    out = subprocess.run([py, '-c', USE], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert 'superspike(k=25)' in out and '0.419974' in out

def test_the_floor_tested_is_the_floor_declared():
    "`make test-floor` installs the lowest JAX that settings.ini's requirements allow, not another."
    from configparser import ConfigParser
    cfg = ConfigParser(); cfg.read(ROOT / 'settings.ini')
    declared = dict(r.split('>=') for r in cfg['DEFAULT']['requirements'].split())
    pins = dict(l.split('#')[0].strip().split('==') for l in (ROOT / 'requirements-floor.txt').read_text().splitlines()
                if '==' in l.split('#')[0])
    assert {p: pins.get(p) for p in ('jax', 'jaxlib')} == {'jax': declared['jax'], 'jaxlib': declared['jax']}, (pins, declared)

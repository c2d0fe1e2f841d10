"""A new surrogate is one module: written into a copy of the package, with no other file edited by hand (`make export`
writes its import in `__init__.py`), it is exported, registered, and passes every test parametrized by activation
(README, Develop: adding a surrogate)."""
import re, shutil, subprocess, sys
import pytest
from helpers import ROOT

# What `nbdev_export` writes for a page `NN_inverse_cube.ipynb` with `#| default_exp surrogates.inverse_cube`.
MODULE = r'''"""SuperSpike's shape with a cubed tail, $(1+k|x|)^{-3}$: peak 1, area $1/k$."""
__all__ = ['inverse_cube']
import jax.numpy as jnp
from ..core import SpikeFunction, custom, domains, positive, _symmetric_primitive

def _inverse_cube(x, k):
    r"$1/(1+k|x|)^3$"
    r = 1 / (1 + k * jnp.abs(x))
    return r * r * r

def _inverse_cube_primitive(x, k):
    r"$1/(2k(1-kx)^2)$ below 0"
    return _symmetric_primitive(lambda x: jnp.square(1 / (1 - k * x)) / (2 * k), x, 1 / k)

@domains(k=positive)
def inverse_cube(k:float=25, # slope: larger is narrower; positive and finite
                ) -> SpikeFunction:
    "Heaviside forward; backward SuperSpike's shape with a cubed tail."
    return custom(_inverse_cube, primitive=_inverse_cube_primitive, name='inverse_cube', k=k)
'''

CHECK = """
import numpy as np, spyx_axn as axn
from spyx_axn.testing import check_activation, check_primitive, check_peak_area, check_factory
assert 'inverse_cube' in axn.available() and 'inverse_cube' in axn.__all__, axn.available()
act = axn.get('inverse_cube', k=4.)
assert axn.get(**axn.config(act)) == act
check_activation(act); check_primitive(act); check_factory(axn.inverse_cube, k=4.)
check_peak_area(act, peak=1., area_=0.25, support=(-np.inf, np.inf))
print('ok')
"""

@pytest.fixture(scope='module')
def package(tmp_path_factory):
    "A copy of the package with one more surrogate module in `surrogates/`, and its import that `make export` writes."
    where = tmp_path_factory.mktemp('copy')
    shutil.copytree(ROOT / 'spyx_axn', where / 'spyx_axn', ignore=shutil.ignore_patterns('__pycache__'))
    (where / 'spyx_axn' / 'surrogates' / 'inverse_cube.py').write_text(MODULE)
    subprocess.run([sys.executable, ROOT / 'tools' / 'exports.py', '--package', where / 'spyx_axn'], check=True)
    assert 'from .surrogates.inverse_cube import inverse_cube' in (where / 'spyx_axn' / '__init__.py').read_text()
    return where

def run(package, *args):
    "Python run in the copy's folder, which is then first on its path: `import spyx_axn` imports the copy."
    r = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=package, timeout=900)
    assert r.returncode == 0, f"{args}\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return r.stdout

@pytest.mark.slow  # two fresh interpreters and a pytest session: make test-all
def test_a_new_module_is_exported_registered_and_checked(package):
    assert run(package, '-c', CHECK).split()[-1] == 'ok'

def sweeps() -> list[str]:
    """The test files that go through the activations: those that read the factories helpers.py finds, or the registry's
    names; but the site's, which ask each activation for its page (the copy has the module alone)."""
    return sorted(p.name for p in (ROOT / 'tests').glob('test_*.py') if p.name not in ('test_new_surrogate.py', 'test_site.py') and
                  re.search(r"\b(FACTORIES|HYPER)\b|available\(\)", p.read_text()))

@pytest.mark.slow
def test_a_new_module_passes_every_sweep(package):
    """Every test parametrized by activation, in every file that sweeps the factories, runs on the new one and passes:
    one pytest session in the copy, over those files, with the slow sweeps (`--all`)."""
    files = sweeps()
    out = run(package, '-m', 'pytest', '-v', '-n', '0', '--all', '-p', 'no:cacheprovider', '-k', 'inverse_cube',
              *(str(ROOT / 'tests' / f) for f in files))
    assert str(package) in run(package, '-c', 'import spyx_axn; print(spyx_axn.__file__)')
    assert not re.search(r'\d+ (failed|errors?)\b', out), out[-3000:]
    ran = {f for f in files if re.search(rf"{f}::\S*inverse_cube\S* PASSED", out)}
    assert {'test_activations.py', 'test_registry.py', 'test_misuse.py', 'test_residuals.py', 'test_adaptive.py'} <= ran, \
        f"no test of {set(files) - ran} ran on the new surrogate:\n{out[-3000:]}"

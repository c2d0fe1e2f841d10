"""Every exported activation, swept over what the notebooks test at one point: other hyperparameters,
float64, hyperparameter arrays and dtypes, and every invalid hyperparameter."""
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from spyx_axn.core import SpikeFunction
from spyx_axn.testing import check_activation, check_primitive, grad, grid
from conftest import run_python, factories
from fastcore.docments import docments

FACTORIES = factories()
HYPER = [(f, h) for f, hs in FACTORIES.items() for h in hs]

# Hyperparameters whose domain is not (0, inf) or [0, inf): the values the sweep uses instead of the
# default times 1e-3 and 1e3, and further values that must be refused.
OTHER_VALUES = {('q_pseudospike', 'alpha'): {1e-3: 1 + 1e-3, 0.1: 1.1, 10.: 20., 1e3: 2e3}}
ALSO_INVALID = {('q_pseudospike', 'alpha'): [1., 0.5]}

def test_every_seed_factory_found():
    assert {'custom', 'superspike', 'arctan', 'boxcar', 'tanh', 'triangular'} <= set(FACTORIES)

@pytest.mark.parametrize('factory,name', HYPER)
@pytest.mark.parametrize('scale', [1e-3, 1e3])
def test_contract_at_other_hyperparameters(factory, name, scale):
    d = FACTORIES[factory][name]
    check_activation(getattr(axn, factory)(**{name: OTHER_VALUES.get((factory, name), {}).get(scale, d * scale)}))

@pytest.mark.parametrize('factory,name', HYPER)
@pytest.mark.parametrize('scale', [0.1, 10.])
def test_primitive_at_other_hyperparameters(factory, name, scale):
    "The derivation each page executes at its values, at other ones: F' = g, F(-inf) = 0 and F(inf) = area (or F(0) = 1/2)."
    d = FACTORIES[factory][name]
    act = getattr(axn, factory)(**{name: OTHER_VALUES.get((factory, name), {}).get(scale, d * scale if d else scale)})
    hp = {n: float(v) for n, v in act.hyperparameters.items()}
    # The multi-Gaussian is a difference of bumps: F' and g agree to float32's resolution of its largest term.
    atol = float(np.finfo(np.float32).eps) * hp['scale'] * (1 + hp['h']) / (hp['sigma'] * np.sqrt(2 * np.pi)) if factory == 'multi_gaussian' else 1e-30
    check_primitive(act, atol=atol)

@pytest.mark.parametrize('factory', FACTORIES)
@pytest.mark.parametrize('dt', [jnp.float16, jnp.bfloat16, jnp.float32])
def test_array_hyperparameters_keep_the_input_dtype(factory, dt):
    "Hyperparameters given as float32 arrays, concrete or traced, do not promote the input's dtype."
    hs = {n: jnp.float32(v) for n, v in FACTORIES[factory].items()}
    x = jnp.asarray(grid()[::7].clip(-6e4, 6e4), dt)  # within float16's range
    act = getattr(axn, factory)(**hs)
    traced = jax.jit(lambda hs, x: grad(getattr(axn, factory)(**hs), x))(hs, x)
    for g in (grad(act, x), traced, jax.jvp(act, (x,), (jnp.ones_like(x),))[1]):
        assert g.dtype == dt and g.shape == x.shape
    np.testing.assert_array_equal(traced, grad(act, x))

def zero_allowed(factory, name):
    "Whether a hyperparameter is documented (in its docments comment) as non-negative rather than positive."
    return 'non-negative' in (docments(getattr(axn, factory))[name] or '')

@pytest.mark.parametrize('factory,name', HYPER)
def test_invalid_hyperparameters_are_refused_by_name(factory, name):
    f = getattr(axn, factory)
    bad_values = [-1., float('inf'), float('nan'), np.array([1., -1.])] + ([] if zero_allowed(factory, name) else [0.]) \
        + ALSO_INVALID.get((factory, name), [])
    for v in bad_values:
        with pytest.raises(ValueError, match=rf"{factory}: {name} must be .* got {name}="):
            f(**{name: v})
    for v in ('1', None, True, 1j):
        with pytest.raises(TypeError, match=rf"{factory}: {name} must be a real number"):
            f(**{name: v})

def test_traced_hyperparameters_are_never_checked():
    "A traced value cannot be checked without breaking tracing: it is passed on, whatever its value."
    for factory, hs in FACTORIES.items():
        for name in hs:
            g = jax.jit(lambda v: grad(getattr(axn, factory)(**{name: v}), 0.25))(-1.)
            assert g.shape == ()

def test_float64_under_x64():
    "The whole contract again with jax_enable_x64, where float64 is one of the dtypes checked."
    out = run_python("""
import jax
jax.config.update('jax_enable_x64', True)
import jax.numpy as jnp, numpy as np, spyx_axn as axn
from spyx_axn.testing import check_activation, check_formula, grad
for name in ['custom'] + axn.available():
    check_activation(getattr(axn, name)())
x = jnp.linspace(-3, 3, 601)
assert grad(axn.superspike(), x).dtype == jnp.float64
np.testing.assert_allclose(grad(axn.superspike(), x), 1 / (1 + 25 * np.abs(np.asarray(x)))**2, rtol=1e-14)
np.testing.assert_allclose(grad(axn.tanh(3.), x), 1 / np.cosh(3 * np.asarray(x))**2, rtol=1e-13)
print('ok')
""")
    assert out.strip() == 'ok'

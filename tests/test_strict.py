"""The contract under every JAX safety flag: jax_enable_x64, jax_numpy_dtype_promotion='strict',
jax_numpy_rank_promotion='raise', and jax_debug_nans for the backward pass of every finite input.
Strict dtype and rank promotion are on in every test run (conftest.py); x64 is process-wide and changes what is
computed (float64 becomes one of the dtypes checked, a Python float a float64, an integer input int64), so it has a
session of its own, SPYX_AXN_STRICT=1: `make test-strict`, part of `make test-all`, runs this file and
tests/test_misuse.py (integer inputs and traced hyperparameters, whose dtypes x64 changes) there, and the tests
below run only there. The notebooks are not rerun: their cells state dtypes of JAX's default mode (int32, float32)."""
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from spyx_axn.testing import check_activation, dtypes, extremes, grad, grid
from helpers import FACTORIES, STRICT, STRICT_FLAGS

strict_only = pytest.mark.skipif(not STRICT, reason="runs in the strict session (make test-strict)")

@strict_only
def test_the_flags_are_on():
    for flag, value in STRICT_FLAGS.items(): assert getattr(jax.config, flag) == value, flag
    with pytest.raises(jax.dtypes.TypePromotionError): jnp.ones(2, jnp.bfloat16) + jnp.ones(2, jnp.float32)
    with pytest.raises(ValueError, match='rank'): jnp.ones(2) + jnp.ones((3, 2))
    assert jnp.asarray(1.).dtype == jnp.float64

@strict_only
@pytest.mark.parametrize('factory', FACTORIES)
def test_contract_under_x64(factory):
    "The whole contract at the defaults, where float64 is one of the dtypes checked and a Python float is float64."
    check_activation(getattr(axn, factory)())

@strict_only
def test_float64_is_computed_in_float64():
    "The gradient of a float64 input is float64 and as exact as float64 allows, not float32 cast up."
    x = jnp.linspace(-3, 3, 601)
    assert grad(axn.superspike(), x).dtype == jnp.float64
    np.testing.assert_allclose(grad(axn.superspike(), x), 1 / (1 + 25 * np.abs(np.asarray(x)))**2, rtol=1e-14)
    np.testing.assert_allclose(grad(axn.tanh(3.), x), 1 / np.cosh(3 * np.asarray(x))**2, rtol=1e-13)

def finite_inputs(dt):
    "The grid and every finite extreme of `dt` (zeros of both signs, subnormal, tiny, largest), as `dt`."
    xs = np.concatenate([extremes(dt), grid()])
    with np.errstate(over='ignore'): xs = np.asarray(xs, dt)
    return jnp.asarray(xs[np.isfinite(xs.astype(np.float64))])

@strict_only
@pytest.mark.parametrize('factory', FACTORIES)
def test_backward_of_every_finite_input_makes_no_nan(factory):
    "Under jax_debug_nans, any NaN made in a backward pass raises: grad, vjp, jvp and jit(grad) make none."
    act = getattr(axn, factory)()
    with jax.debug_nans(True):
        for dt in dtypes():
            x = finite_inputs(dt)
            ones = jnp.ones_like(x)
            for g in (grad(act, x), jax.vjp(act, x)[1](ones)[0], jax.jvp(act, (x,), (ones,))[1],
                      jax.jit(grad, static_argnums=0)(act, x)):
                assert g.dtype == dt and np.isfinite(np.asarray(g, np.float64)).all()

def float64_arithmetic(jaxpr) -> list:
    "Equations of `jaxpr`, sub-jaxprs included, that compute in float64 (casts aside)."
    out = []
    for eqn in jaxpr.eqns:
        subs = [p.jaxpr if hasattr(p, 'jaxpr') else p for p in eqn.params.values() if hasattr(p, 'eqns') or hasattr(p, 'jaxpr')]
        if subs: out += [e for s in subs for e in float64_arithmetic(s)]
        elif eqn.primitive.name != 'convert_element_type' and any(
                getattr(v.aval, 'dtype', None) == jnp.float64 for v in (*eqn.invars, *eqn.outvars)):
            out.append(eqn)
    return out

@strict_only
@pytest.mark.parametrize('factory', FACTORIES)
def test_python_number_hyperparameters_keep_bfloat16(factory):
    "Under x64 a Python float is float64; it is cast, never promoted: the gradient stays bfloat16 and nothing computes in float64."
    act = getattr(axn, factory)(**{n: float(v) for n, v in FACTORIES[factory].items()})
    x = jnp.linspace(-2, 2, 9, dtype=jnp.bfloat16)
    jaxpr = jax.make_jaxpr(lambda x: grad(act, x))(x)
    assert jaxpr.out_avals[0].dtype == jnp.bfloat16
    assert not float64_arithmetic(jaxpr.jaxpr), float64_arithmetic(jaxpr.jaxpr)
    assert grad(act, x).dtype == jnp.bfloat16

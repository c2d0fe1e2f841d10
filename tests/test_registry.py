"""The registry over every registered activation: configs that survive JSON text with other, NumPy and
array hyperparameters, and the errors `get`, `config` and `describe` give, for every name."""
import json
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from spyx_axn.testing import grad, grid
from spyx_axn.measure import minimum
from helpers import FACTORIES, HYPER

NAMES = axn.available()

def round_trip(act):
    "`act` written as JSON text and built again from it, which must give an equal activation."
    text = json.dumps(axn.config(act), allow_nan=False)
    back = axn.get(**json.loads(text))
    assert back == act, (text, back, act)
    return back

def test_available_is_sorted_and_named_by_its_factories():
    assert NAMES == sorted(NAMES) and 'custom' not in NAMES
    for n in NAMES:
        assert n in axn.__all__ and axn.get(n).name == n and axn.get(n) == getattr(axn, n)()

@pytest.mark.parametrize('factory', NAMES)
def test_round_trip_at_other_values(factory):
    "Every hyperparameter doubled (within its declared domain), and the gradient it gives kept."
    doubled = {h: 2 * d for h, d in FACTORIES[factory].items()}
    assert all(v in getattr(axn, factory).domains[h] for h, v in doubled.items()), doubled
    act = getattr(axn, factory)(**doubled)
    xs = grid()
    np.testing.assert_array_equal(grad(round_trip(act), xs), grad(act, xs))

@pytest.mark.parametrize('factory', NAMES)
def test_wrapped_activations_nest_their_config(factory):
    "multilevel and escape_noise around every registered activation, at doubled hyperparameters: nested configs that come back equal."
    act = getattr(axn, factory)(**{h: 2 * d for h, d in FACTORIES[factory].items()})
    assert axn.config(round_trip(axn.signed(act)))['act'] == axn.config(act)
    ml = round_trip(axn.multilevel(act, levels=3))
    assert axn.config(ml)['act'] == axn.config(act) and axn.config(ml)['levels'] == 3
    np.testing.assert_array_equal(grad(ml, grid(lim=5)), grad(axn.multilevel(act, levels=3), grid(lim=5)))
    if np.isfinite(axn.describe(act)['area']) and minimum(act) >= 0:  # which escape_noise accepts: test_misuse.py
        assert axn.config(round_trip(axn.escape_noise(act)))['act'] == axn.config(act)

@pytest.mark.parametrize('factory', NAMES)
def test_round_trip_of_numpy_jax_and_array_values(factory):
    ds = FACTORIES[factory]
    for kind in (np.float32, np.float64, jnp.float32, lambda d: np.array([d, 2 * d], np.float32),
                 lambda d: jnp.array([[d], [2 * d]])):
        act = getattr(axn, factory)(**{h: kind(d) for h, d in ds.items()})
        cfg = axn.config(act)
        assert all(type(v) in (float, list) for h, v in cfg.items() if h != 'name'), cfg
        round_trip(act)

@pytest.mark.parametrize('factory', NAMES)
def test_get_names_what_it_accepts(factory):
    with pytest.raises(ValueError,
                       match=rf"get: {factory} has no hyperparameter 'nonexistent'; it accepts {factory}\("):
        axn.get(factory, nonexistent=1.)
    for h in FACTORIES[factory]:  # which values each domain refuses: test_invalid_hyperparameters_are_refused_by_name
        with pytest.raises(ValueError, match=rf"get: {factory}: {h} must be .*It accepts {factory}\("):
            axn.get(factory, **{h: float('nan')})

@pytest.mark.parametrize('factory,h', [(f, h) for f, h in HYPER if f in NAMES])
def test_traced_values_are_refused_by_config_and_describe(factory, h):
    for f in (axn.config, axn.describe):
        with pytest.raises(TypeError, match=f"traced hyperparameter {h}"):
            jax.jit(lambda v: f(getattr(axn, factory)(**{h: v})))(FACTORIES[factory][h])

@pytest.mark.parametrize('factory', NAMES)
def test_describe_agrees_with_the_gradient(factory):
    "Peak is the gradient at 0, the support holds 0 and every point with a nonzero gradient, the area is positive."
    act = axn.get(factory)
    d = axn.describe(act)
    xs = grid(lim=30.)
    g = np.asarray(grad(act, xs))
    assert d['peak'] == float(grad(act, np.float32(0.)))  # describe measures in float32, x64 or not
    assert d['area'] > 0 and not np.isnan(d['area'])
    lo, hi = d['support']
    assert lo <= 0 <= hi and np.all((xs[g != 0] >= lo) & (xs[g != 0] <= hi))

def test_names_outside_the_registry():
    for bad in ('custom', 'Superspike', '', 3, None):
        with pytest.raises(ValueError, match="Available: arctan, asymmetric, boxcar"):
            axn.get(bad)
    with pytest.raises(ValueError, match="'custom' is built from functions"):
        axn.config(axn.custom(lambda x: x))
    with pytest.raises(ValueError, match="not that activation's surrogate"):
        axn.config(axn.custom(lambda x, k: jnp.ones_like(x), name='superspike', k=25.))

def test_bfloat16_hyperparameters():
    round_trip(axn.superspike(jnp.bfloat16(25.)))

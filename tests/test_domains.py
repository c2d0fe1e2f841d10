"""What a hyperparameter's domain guarantees: a concrete value is checked as float32, the least precision an activation
computes in, holds it, and every value that passes gives finite surrogates, primitives and gradients."""
import re
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from helpers import HYPER

def _domain(factory, name): return getattr(axn, factory).domains[name]

@pytest.mark.parametrize('factory,name', [(f, h) for f, h in HYPER if f != 'custom'])
def test_values_float32_cannot_hold_are_refused(factory, name):
    "Above the bound as float64 holds it, but flushed to 0, rounded onto an open bound, or rounded to infinity in float32."
    d, f = _domain(factory, name), getattr(axn, factory)
    values = [1e39]
    if d.low is not None and not d.closed:
        values.append(1e-40 if d.low == 0 else float(np.nextafter(d.low, np.inf)))
    for v in values:
        assert np.all(d.holds(np.asarray(v, np.float64))), v  # in the domain as float64 holds it
        with pytest.raises(ValueError, match=rf"^{factory}: {name} must be {re.escape(d.rule)} and finite, "
                                             rf"got {name}={re.escape(repr(v))}, which float32, .* holds as (0\.0|inf|{d.low})\.$"):
            f(**{name: v})

@pytest.mark.parametrize('factory,name', [(f, h) for f, h in HYPER if f != 'custom'])
def test_every_magnitude_the_domain_accepts_computes_finite_values(factory, name):
    """From 1e-30 to 1e30, where in the domain: g, F' and the gradient of the spikes are finite at every input, and F
    where |x| <= 1e3 (beyond, an infinite area's F may truly exceed float32's range: leak = 1e10 times x = 1e30)."""
    d, f = _domain(factory, name), getattr(axn, factory)
    x = jnp.array([-1e30, -1e3, -1., -0.3, -1e-31, 0., 1e-31, 0.2, 1., 1e3, 1e30], jnp.float32)
    for v in 10. ** np.arange(-30, 31, 5):
        if v not in d: continue
        act = f(**{name: v})
        parts = [act.surrogate(x), jax.vmap(jax.grad(act))(x)]
        if act.prim is not None: parts += [act.primitive(x[1:-1]), jax.vmap(jax.grad(act.primitive))(x)]
        for what, y in zip(('g', 'the gradient', 'F', "F'"), parts):
            assert np.isfinite(np.asarray(y)).all(), (f"{act!r}: {what} is not finite", np.asarray(y))

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

@pytest.mark.parametrize('factory,name', [(f, h) for f, h in HYPER if f != 'custom'])
def test_traced_values_outside_the_domain_give_nan_or_an_error(factory, name):
    """Traced (under vmap, and as a jit argument), a value outside the domain gives NaN for g, F, the spikes' gradient
    and the derivatives along the value, never a finite wrong number; in the domain, the values of the factory without
    its domains in the same compiled program, bit for bit (the derivatives along the value within one ulp). Under
    `domain_errors`, an error that names the hyperparameter, its rule and its value."""
    d, f = _domain(factory, name), getattr(axn, factory)
    default = float(f().hyperparameters[name])
    bad = [v for v in [*d.outside(), -1., -np.inf, np.inf, np.nan] if v not in d]
    vs = jnp.array([default, *bad], jnp.float32)
    x = jnp.array([-0.7, -0.2, 0., 0.3, 1.1], jnp.float32)
    def parts(build):
        out = {'g': lambda v: build(v).surrogate(x), 'the gradient': lambda v: jax.vmap(jax.grad(build(v)))(x),
               'dg/dv': lambda v: jax.vmap(jax.grad(lambda v, x: build(v).surrogate(x)), (None, 0))(v, x)}
        if f().prim is not None:
            out |= {'F': lambda v: build(v).primitive(x),
                    'dF/dv': lambda v: jax.vmap(jax.grad(lambda v, x: build(v).primitive(x)), (None, 0))(v, x)}
        return out
    build = lambda v: f(**{name: v})
    every = lambda build: jax.jit(jax.vmap(lambda v: {w: p(v) for w, p in parts(build).items()}))(vs)
    # the same batch, in one program each: the same program but the guard
    got, unchecked = every(build), every(lambda v: f.__wrapped__(**{name: v}))  # the factory without its domains
    for what, y in got.items():
        y = np.asarray(y)
        assert np.isnan(y[1:]).all(), (f"{factory}: {what} with {name} traced outside its domain is not NaN", bad, y[1:])
        want = np.asarray(unchecked[what][0])
        if what.endswith('/dv'):  # along the value, XLA may compile the guarded program's arithmetic otherwise
            np.testing.assert_array_max_ulp(y[0], want, 1)
        else: np.testing.assert_array_equal(y[0], want, f"{factory}: {what} in the domain")
    step = jax.jit(lambda v: jax.vmap(jax.grad(build(v)))(x))
    checked = axn.domain_errors(step)
    with pytest.raises(ValueError, match=rf"{factory}: {name} must be {re.escape(d.rule)} and finite, got {name}="):
        checked(jnp.float32(bad[0]))
    np.testing.assert_array_equal(checked(jnp.float32(default)), step(jnp.float32(default)))

def test_traced_values_outside_the_domain_give_nan_through_every_wrapper():
    "multilevel, signed, escape_noise, twin and relaxed of an activation whose traced width is outside its domain: NaN."
    from spyx_axn.diagnostics import twin
    x, key = jnp.array([-3., -0.2, 0., 0.3, 3.], jnp.float32), jax.random.key(0)
    wraps = {'multilevel': lambda a: axn.multilevel(a, levels=3), 'signed': axn.signed,
             'escape_noise': lambda a: (lambda x: axn.escape_noise(a)(x, key)), 'twin': twin,
             'relaxed': lambda a: (lambda x: axn.relaxed(a, p=0.5)(x, key))}
    for name, wrap in wraps.items():
        grad = jax.jit(lambda w: jax.vmap(jax.grad(wrap(axn.boxcar(width=w))))(x))
        assert np.isnan(grad(-1.)).all() and np.isfinite(grad(1.)).all(), name
        hyper = jax.jit(jax.grad(lambda w: jax.grad(lambda x: wrap(axn.boxcar(width=w))(x).sum())(x).sum()))
        assert np.isnan(hyper(-1.)), name

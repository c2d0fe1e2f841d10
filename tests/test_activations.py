"""Every exported activation, swept over what the notebooks test at one point: other hyperparameters,
float64, hyperparameter arrays and dtypes, and every invalid hyperparameter."""
import re
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from spyx_axn.testing import check_activation, check_primitive, extremes, grad, grid, _check_integrals
from spyx_axn.measure import minimum
from fastcore.docments import docments
from helpers import FACTORIES, HYPER

def domain(factory, name):
    "The domain the factory declares for its hyperparameter `name`."
    return getattr(axn, factory).domains[name]

def other_value(factory, name, scale):
    """The default times `scale`; where that leaves the declared domain (q_pseudospike's alpha > 1), `scale` times as
    far from its bound."""
    d, declared = FACTORIES[factory][name], domain(factory, name)
    if not d: return scale
    return d * scale if d * scale in declared else declared.scaled(d, scale)

def cancellation_atol(act, xs, terms=1):
    """Where the surrogate takes both signs (negative lobes, as `minimum` measures them) it is a difference of larger
    terms, and two evaluations that round them differently agree to float32's resolution of the largest |g| times the
    number of terms summed; a surrogate of one sign is held to 1e-30."""
    if minimum(act) >= 0: return 1e-30
    return float(np.finfo(np.float32).eps) * terms * float(np.abs(np.asarray(act.surrogate(xs))).max())

def test_every_seed_factory_found():
    assert {'custom', 'superspike', 'arctan', 'boxcar', 'tanh', 'triangular'} <= set(FACTORIES)

@pytest.mark.parametrize('factory,name', HYPER)
@pytest.mark.parametrize('scale', [1e-3, 1e3])
def test_contract_at_other_hyperparameters(factory, name, scale):
    check_activation(getattr(axn, factory)(**{name: other_value(factory, name, scale)}))

@pytest.mark.slow  # a sweep around every activation: make test-all
@pytest.mark.parametrize('factory,name', HYPER)
@pytest.mark.parametrize('scale', [0.1, 10.])
def test_primitive_at_other_hyperparameters(factory, name, scale):
    "The derivation each page executes at its values, at other ones: F' = g, F(-inf) = 0 and F(inf) = area (or F(0) = 1/2)."
    act = getattr(axn, factory)(**{name: other_value(factory, name, scale)})
    check_primitive(act, atol=cancellation_atol(act, grid()))

@pytest.mark.slow  # a sweep around every activation: make test-all
@pytest.mark.parametrize('factory,name', HYPER)
@pytest.mark.parametrize('scale', [1e-6, 1e-3, 1e3, 1e6])
def test_primitive_is_the_integral_at_extreme_hyperparameters(factory, name, scale):
    """F against a float64 quadrature of g, as check_primitive holds it, with each hyperparameter at the extremes the
    contract is swept at and beyond: differences of F, F from the grid's first point, F(0) = A/2 for a symmetric g.
    (The rest of check_primitive asks F' to be finite in float16, which cannot hold a surrogate whose peak is 1e6.)"""
    act = getattr(axn, factory)(**{name: other_value(factory, name, scale)})
    xs = grid()
    lo, mid, hi = (float(v) for v in act.primitive(jnp.array([-np.inf, 0., np.inf], jnp.float32)))
    _check_integrals(act, xs, hi - lo if np.isfinite(hi) else np.inf, mid, hi, rtol=1e-6)

@pytest.mark.parametrize('factory', FACTORIES)
def test_array_hyperparameters_keep_the_input_dtype(factory):
    """Hyperparameters given as float32 arrays, concrete or traced, do not promote the input's dtype (float16, bfloat16
    and float32): the dtypes of both modes from `jax.eval_shape`, exact as dtypes are static; the traced values, every
    dtype from one program, equal the concrete ones."""
    f = getattr(axn, factory)
    hs = {n: jnp.float32(v) for n, v in FACTORIES[factory].items()}
    xs = [jnp.asarray(grid()[::7].clip(-6e4, 6e4), dt) for dt in (jnp.float16, jnp.bfloat16, jnp.float32)]  # within float16's range
    act = f(**hs)
    for x in xs:
        for g in jax.eval_shape(lambda x: (grad(act, x), jax.jvp(act, (x,), (jnp.ones_like(x),))[1],
                                           grad(f(**hs), x)), x):
            assert (g.dtype, g.shape) == (x.dtype, x.shape), (factory, x.dtype, g)
    traced = jax.jit(lambda hs, xs: [grad(f(**hs), x) for x in xs])(hs, xs)
    for x, t in zip(xs, traced):
        c = grad(act, x)
        assert t.dtype == c.dtype == x.dtype
        np.testing.assert_array_equal(t, c)

def _escape_noise_at_one_key():
    s, key = axn.escape_noise(axn.sigmoid()), jax.random.key(0)
    return lambda x: s(x, key)

WRAPPED = {'multilevel': lambda: axn.multilevel(axn.superspike(), levels=3), 'escape_noise': _escape_noise_at_one_key,
           'signed': lambda: axn.signed(axn.superspike())}

def build(factory):
    "The activation `factory` names, with its defaults: an exported factory's, or one of the wrapped activations above."
    return WRAPPED[factory]() if factory in WRAPPED else getattr(axn, factory)()

def _loops(compiled) -> list:
    "The operations of a compiled program's entry computation that loop over data: all but parameters, tuples and views."
    text = compiled.as_text()
    ops = re.findall(r'^\s*\S+ = .*?\s([a-z][\w-]*)\(', text[text.index('\nENTRY'):], re.M)
    return [op for op in ops if op not in ('parameter', 'constant', 'tuple', 'get-tuple-element', 'bitcast')]

@pytest.mark.parametrize('factory', list(FACTORIES) + [w for w in WRAPPED if w != 'escape_noise'])
def test_forward_and_backward_compile_to_two_loops(factory):
    """Spikes and gradient in one program are at most two loops over the input, with no array stored between them:
    the surrogate is fused into the loop that multiplies the cotangent, and the program moves no more bytes than the
    floor that `benchmarks/elementwise.py` compares it with. (escape_noise's random draw adds loops of its own, and its cost is
    compared with its floor there.)"""
    act = build(factory)
    def fwd_bwd(x, ct):
        y, vjp = jax.vjp(act, x)
        return y, vjp(ct)[0]
    for dt in (jnp.float32, jnp.bfloat16, jnp.float16):
        x = jnp.zeros(4096, dt)
        compiled = jax.jit(fwd_bwd).lower(x, x).compile()
        assert 1 <= len(_loops(compiled)) <= 2, f"{factory} in {jnp.dtype(dt).name}: {_loops(compiled)}"
        assert compiled.memory_analysis().temp_size_in_bytes == 0, f"{factory} in {jnp.dtype(dt).name} stores an intermediate array"

@pytest.mark.parametrize('factory,name', HYPER)
def test_invalid_hyperparameters_are_refused_by_name(factory, name):
    "Every value outside the declared domain is refused by name; the parameter's documentation states the same rule."
    f = getattr(axn, factory)
    assert domain(factory, name).rule in docments(f)[name], (factory, name, domain(factory, name).rule)
    bad_values = [-1., float('inf'), float('nan'), np.array([1., -1.])] + domain(factory, name).outside()
    for v in bad_values:
        with pytest.raises(ValueError, match=rf"{factory}: {name} must be .* got {name}="):
            f(**{name: v})
    for v in ('1', None, True, 1j):
        with pytest.raises(TypeError, match=rf"{factory}: {name} must be a real number"):
            f(**{name: v})

def test_traced_hyperparameters_are_never_checked():
    "A traced value is never refused, which would break tracing: the activation runs, whatever the value (NaN outside the domain)."
    for factory, hs in FACTORIES.items():
        for name in hs:
            g = jax.jit(lambda v: grad(getattr(axn, factory)(**{name: v}), 0.25))(-1.)
            assert g.shape == ()

@pytest.mark.slow  # a sweep around every activation: make test-all (the core and meta-learning pages test one)
def test_a_loss_of_spikes_does_not_move_any_hyperparameter():
    """The forward pass is H(x) for every hyperparameter, so a loss of the spikes has derivative exactly 0 with respect
    to each, in reverse and forward mode, while its derivative with respect to x is not 0."""
    x = jnp.linspace(-2., 2., 17)
    for factory, hs in FACTORIES.items():
        for name, default in hs.items():
            f = lambda v: getattr(axn, factory)(**{name: v})
            loss = lambda v, x: jnp.sum((f(v)(x) - 0.3) ** 2)
            v = jnp.float32(default)
            assert jax.grad(loss)(v, x) == 0, (factory, name)
            assert jax.jvp(lambda v: loss(v, x), (v,), (jnp.float32(1.),))[1] == 0, (factory, name)
            assert jnp.any(jax.grad(loss, argnums=1)(v, x) != 0), (factory, name)

# The wrappers are not factories with defaults: they are swept here around every registered activation.

@pytest.mark.slow  # a sweep around every activation: make test-all
@pytest.mark.parametrize('factory', FACTORIES)
def test_multilevel_around_every_activation(factory):
    "multilevel(act, levels=3): the staircase forward, the shifted surrogates summed, and the summed primitives' gradient."
    inner = getattr(axn, factory)()
    act, xs = axn.multilevel(inner, levels=3), jnp.asarray(grid(0., 1., 2., lim=5))
    np.testing.assert_array_equal(act(xs), sum((np.asarray(xs) > j) for j in range(3)).astype(np.float32))  # NumPy: no subnormal flushing
    want = sum(inner.surrogate(xs - j) for j in range(3))
    atol = cancellation_atol(inner, xs, terms=3)  # sums in another order, of three shifted surrogates
    np.testing.assert_allclose(grad(act, xs), want, rtol=1e-6, atol=atol)
    np.testing.assert_allclose(jax.jvp(act, (xs,), (jnp.ones_like(xs),))[1], want, rtol=1e-6, atol=atol)
    if factory != 'custom':
        np.testing.assert_allclose(jax.vmap(jax.grad(act.primitive))(xs), want, rtol=1e-5, atol=atol)
        np.testing.assert_allclose(act.primitive(0.), sum(inner.primitive(-j) for j in range(3)), rtol=1e-6)

def test_multilevel_contract():
    "The whole contract, dtypes, extremes and transforms, for every surrogate with negative lobes (the page checks superspike's)."
    lobed = [f for f in FACTORIES if f != 'custom' and minimum(getattr(axn, f)()) < 0]
    assert lobed, "no surrogate with negative lobes to check"
    for factory in lobed:
        act = axn.multilevel(getattr(axn, factory)(), levels=3)
        check_activation(act, xs=grid(0., 1., 2., lim=5), forward=lambda x: sum((x > j) for j in range(3)))

@pytest.mark.slow  # a sweep around every activation: make test-all
@pytest.mark.parametrize('factory', [f for f in FACTORIES if f != 'custom'])
def test_escape_noise_around_every_activation(factory):
    """escape_noise(act): refused where the measured area is infinite or the surrogate negative somewhere; else 0/1 spikes
    in the input's dtype and shape, gradient g/area in every transform, finite for every finite input."""
    act = getattr(axn, factory)()
    finite = np.isfinite(axn.describe(act)['area'])
    if not finite or minimum(act) < 0:
        with pytest.raises(ValueError, match="is negative" if finite else "infinite area"):
            axn.escape_noise(act)
        return
    s, key = axn.escape_noise(act), jax.random.key(0)
    xs = jnp.asarray(grid())
    area = float(act.primitive(jnp.inf))
    want = np.asarray(act.surrogate(xs), np.float64) / area
    for g in (jax.grad(lambda x: s(x, key).sum())(xs), jax.jvp(lambda x: s(x, key), (xs,), (jnp.ones_like(xs),))[1]):
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-30)
    for dt in (jnp.float16, jnp.bfloat16, jnp.float32):
        x = jnp.asarray(extremes(dt)[:-3], dt)  # the finite ones
        y, g = s(x, key), jax.grad(lambda x: s(x, key).sum())(x)
        assert y.dtype == dt and g.dtype == dt and set(np.unique(np.asarray(y, np.float32))) <= {0., 1.}
        assert np.isfinite(np.asarray(g, np.float32)).all()
        np.testing.assert_array_equal(np.asarray(y)[np.asarray(x) == -np.inf], 0)


@pytest.mark.slow  # a sweep around every activation: make test-all
@pytest.mark.parametrize('factory', FACTORIES)
def test_signed_around_every_activation(factory):
    "signed(act): spikes -1, 0, +1, the two bumps g(x) + g(-x-1), and the primitive's gradient."
    inner = getattr(axn, factory)()
    act, xs = axn.signed(inner), jnp.asarray(grid(0., -1., lim=4))
    xn = np.asarray(xs)
    np.testing.assert_array_equal(act(xs), ((xn > 0) * 1. - (-xn - 1 > 0)).astype(np.float32))
    want = inner.surrogate(xs) + inner.surrogate(-xs - 1)
    atol = cancellation_atol(inner, xs, terms=2)  # the two bumps
    np.testing.assert_allclose(grad(act, xs), want, rtol=1e-6, atol=atol)
    if factory != 'custom':
        np.testing.assert_allclose(jax.vmap(jax.grad(act.primitive))(xs), want, rtol=1e-5, atol=atol)

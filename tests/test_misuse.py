"""Every misuse of every exported activation is refused early, by a TypeError or ValueError that names the
activation, what was wrong and what was received; none reaches XLA."""
import re
import numpy as np
import jax, jax.numpy as jnp
import pytest
import spyx_axn as axn
from spyx_axn.measure import minimum
from helpers import FACTORIES, HYPER

@pytest.mark.parametrize('factory', FACTORIES)
def test_inputs_that_are_not_real_numbers(factory):
    act = getattr(axn, factory)()
    name = re.escape(repr(act))
    for bad, got in (('0.5', 'str'), (None, 'NoneType'), ({}, 'dict'), (object(), 'object'), (['a'], 'list')):
        for use in (act, act.surrogate):  # (jax.grad refuses them itself: "... is not a valid JAX type")
            with pytest.raises(TypeError, match=rf"^{name}: the input must be a number or an array of numbers, got {got}\."):
                use(bad)
    for use in (act, act.surrogate, jax.grad(lambda x: act(x).real)):
        with pytest.raises(TypeError, match=rf"^{name}: the input must be real, got dtype complex64\. .* floating-point array"):
            use(jnp.complex64(0.5))

@pytest.mark.parametrize('factory', FACTORIES)
def test_integer_and_boolean_inputs_have_no_gradient(factory):
    "They spike (in their own dtype); asking for their gradient is JAX's error, which names the dtype needed."
    act = getattr(axn, factory)()
    integer = jnp.int64 if jax.config.jax_enable_x64 else jnp.int32
    np.testing.assert_array_equal(act(jnp.array([-1, 0, 2])), jnp.array([0, 0, 1], integer))
    np.testing.assert_array_equal(act(jnp.array([True, False])), jnp.array([True, False]))
    for x in (jnp.array(1), jnp.array(True)):
        with pytest.raises(TypeError, match=r"grad requires real- or complex-valued inputs .* but got (int|bool)"):
            jax.grad(act)(x)

@pytest.mark.parametrize('factory,name', HYPER)
def test_hyperparameter_arrays_must_broadcast_to_the_input(factory, name):
    act = getattr(axn, factory)(**{name: jnp.full(3, FACTORIES[factory][name], jnp.float32)})
    for x in (jnp.ones(4), jnp.ones(()), jnp.ones((3, 2))):
        shape = re.escape(str(x.shape))
        with pytest.raises(ValueError, match=rf"hyperparameter {name} of shape \(3,\) does not broadcast to the input's shape {shape}"):
            jax.grad(lambda x: act(x).sum())(x)
    assert jax.grad(lambda x: act(x).sum())(jnp.ones((2, 3))).shape == (2, 3)

@pytest.mark.parametrize('factory,name', HYPER)
def test_traced_hyperparameters_of_the_wrong_dtype(factory, name):
    f = getattr(axn, factory)
    for bad, dt in ((jnp.complex64(1.), 'complex64'), (jnp.array(True), 'bool')):
        with pytest.raises(TypeError, match=rf"^{factory}: {name} must be a real number or an array of real numbers, "
                                            rf"got a traced value of dtype {dt}\."):
            jax.jit(lambda v: jax.grad(f(**{name: v}))(0.5))(bad)

@pytest.mark.parametrize('factory', FACTORIES)
def test_rebuilding_an_activation_compiles_nothing_new(factory):
    "Equal hyperparameters make equal, equally hashed activations: as a static jit argument, rebuilt at every step, one compilation."
    from spyx_axn.core import _apply
    f, hyper = getattr(axn, factory), FACTORIES[factory]
    step = jax.jit(lambda act, x: jax.grad(lambda x: act(x).sum())(x), static_argnums=0)
    x = jnp.linspace(-1, 1, 7, dtype=jnp.float32)
    sizes = []
    for _ in range(3):
        # the same values in other types
        for same in (f(**hyper), f(**{n: float(v) for n, v in hyper.items()}), f(**{n: np.float64(v) for n, v in hyper.items()})):
            assert same == f(**hyper) and hash(same) == hash(f(**hyper))
            step(same, x)
            same(x)
        sizes.append(_apply._cache_size())
    assert step._cache_size() == 1, step._cache_size()
    assert sizes[0] == sizes[-1], sizes  # eager calls: one program per hyperparameter type, made in the first round only

@pytest.mark.parametrize('wrap', ['multilevel', 'signed', 'escape_noise'])
def test_rebuilding_a_wrapped_activation_compiles_nothing_new(wrap):
    "multilevel, signed and escape_noise rebuilt with equal arguments are equal, equally hashed static arguments: one compilation."
    build = {'multilevel': lambda k: axn.multilevel(axn.sigmoid(k), levels=3), 'signed': lambda k: axn.signed(axn.sigmoid(k)),
             'escape_noise': lambda k: axn.escape_noise(axn.sigmoid(k))}[wrap]
    key = jax.random.key(0)
    call = (lambda act, x: act(x, key)) if wrap == 'escape_noise' else (lambda act, x: act(x))
    step = jax.jit(lambda act, x: jax.grad(lambda x: call(act, x).sum())(x), static_argnums=0)
    x = jnp.linspace(-1, 1, 7, dtype=jnp.float32)
    for k in (4, 4., np.float64(4.), np.float32(4.)):
        assert build(k) == build(4) and hash(build(k)) == hash(build(4))
        step(build(k), x)
    assert step._cache_size() == 1, step._cache_size()

def _sigmoid_with(primitive, k=4.):
    "sigmoid's surrogate with the primitive `primitive(x, k)` in place of its own."
    return axn.custom(axn.sigmoid().bwd, primitive=primitive, name='with_primitive', k=k)

@pytest.mark.parametrize('wrap', ['escape_noise', 'twin'])
def test_a_primitive_that_is_no_distribution_function_is_refused(wrap):
    "F/F(inf) must rise from 0 to 1 as F' = g says: F(-inf) = 0, and F rising by the integral of g. Refused when built, in jit too."
    from spyx_axn.diagnostics import twin
    build = {'escape_noise': axn.escape_noise, 'twin': twin}[wrap]
    shifted = _sigmoid_with(lambda x, k: jax.nn.sigmoid(k * x) + 1)  # fires half the time at x = -inf
    assert float(shifted.primitive(-10.) / shifted.primitive(jnp.inf)) == 0.5
    start = rf"^{wrap}: the primitive of with_primitive\(.*\) has F\(-inf\) = "
    with pytest.raises(ValueError, match=start + r"1, not 0 \(and F\(inf\) = 2\), so F/F\(inf\) does not rise from 0 to 1"):
        build(shifted)
    with pytest.raises(ValueError, match=start + r"-1, not 0 \(and F\(inf\) = 0\)"):
        build(_sigmoid_with(lambda x, k: jax.nn.sigmoid(k * x) - 1))
    # an array of hyperparameters, wrong at one of its values only: the message shows that one
    with pytest.raises(ValueError, match=start + r"0\.5, not 0 \(and F\(inf\) = 1\.5\)"):
        build(_sigmoid_with(lambda x, k: jax.nn.sigmoid(k * x) + jnp.where(k > 5, 0.5, 0.), k=jnp.array([4., 8.])))
    with pytest.raises(ValueError, match=rf"^{wrap}: the primitive of .* rises by 2 from x = -1e\+06 to 1e\+06, where the "
                                         rf"integral of g is 1\.0000\d \(± 0\.0069\): F' is not g"):
        build(_sigmoid_with(lambda x, k: 2 * jax.nn.sigmoid(k * x)))
    with pytest.raises(ValueError, match=start + "1, not 0"):  # concrete hyperparameters inside jit: refused before tracing
        jax.jit(lambda x: build(shifted)(x, jax.random.key(0)) if wrap == 'escape_noise' else build(shifted)(x))(jnp.zeros(3))
    right = build(_sigmoid_with(lambda x, k: jax.nn.sigmoid(k * x)))  # the integral of g from -inf
    np.testing.assert_array_equal(right.probability(jnp.array([-10., 0., 10.])), jax.nn.sigmoid(jnp.array([-40., 0., 40.])))

@pytest.mark.parametrize('factory', axn.available())
def test_every_registered_activation_of_finite_non_negative_surrogate_is_a_distribution(factory):
    """escape_noise accepts every registered activation whose surrogate measures finite in area and non-negative, at its
    defaults, at a tenth and ten times them, and at all three at once (an array of hyperparameters); it refuses the others."""
    f, ds = getattr(axn, factory), FACTORIES[factory]
    values = [{h: m * d for h, d in ds.items()} for m in (0.1, 1., 10.)]
    values = [v for v in values if all(x in f.domains[h] for h, x in v.items())]
    acts = [f(**v) for v in values]
    finite = [np.isfinite(axn.describe(a)['area']) and minimum(a) >= 0 for a in acts]
    for act, ok in zip(acts, finite):
        if ok: assert axn.escape_noise(act).act == act
        else:
            with pytest.raises(ValueError, match=r"^escape_noise: the surrogate of .* (has infinite area|is negative|has area)"):
                axn.escape_noise(act)
    if all(finite) and ds:
        together = f(**{h: jnp.array([v[h] for v in values], jnp.float32) for h in ds})
        assert axn.escape_noise(together).act == together

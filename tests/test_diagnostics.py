"""spyx_axn.diagnostics beyond its page: properties that hold for every network (hypothesis), the curl of the three
networks whose answer is known, jit and float32/float64, the training record, and misuse."""
import numpy as np
import pytest
import jax, jax.numpy as jnp
from hypothesis import given, settings, strategies as st
import spyx_axn as axn
from spyx_axn.diagnostics import twin, alignment, curl, active_fraction, diagnose
from helpers import EXAMPLES


def network(params, spike, x, y, detach=False):
    """x [steps, batch, in] through the LIF layers params['hidden'], a linear readout of the last layer's spike counts;
    `detach`: the reset stops the gradient."""
    s = x
    for w in params['hidden']:
        def step(v, i):
            v = 0.8 * v + i
            out = spike(v - 1.)
            return v - (jax.lax.stop_gradient(out) if detach else out), out
        _, s = jax.lax.scan(step, jnp.zeros(s.shape[1:-1] + w.shape[1:], w.dtype), s @ w)
    logits = s.sum(0) @ params['out']
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1).mean()


def weights(seed, widths=(6, 5, 5), n_out=3, steps=4, batch=8, dtype=jnp.float32, scale=2.5):
    ks = jax.random.split(jax.random.key(seed), len(widths) + 2)
    x = (jax.random.uniform(ks[0], (steps, batch, widths[0])) < 0.4).astype(dtype)
    y = jax.random.randint(ks[1], (batch,), 0, n_out)
    params = {'hidden': [jax.random.normal(k, (a, b), dtype) * scale / a ** 0.5
                         for k, a, b in zip(ks[2:], widths[:-1], widths[1:])],
              'out': jax.random.normal(ks[-1], (widths[-1], n_out), dtype) / widths[-1] ** 0.5}
    return params, x, y


@jax.jit  # one program for every example: the weights, data and slope are arguments
def twin_asymmetry(params, x, y, k):
    return curl(lambda p, s: network(p, s, x, y), params, twin(axn.sigmoid(k)), exact=True).asymmetry

@settings(max_examples=5 * EXAMPLES)
@given(seed=st.integers(0, 2**16), k=st.floats(0.5, 20), scale=st.floats(0.5, 5))
def test_the_twins_field_is_a_gradient(seed, k, scale):
    "The twin network is smooth and its jax.grad a true gradient, whatever the weights: its Jacobian is symmetric."
    with jax.enable_x64(True):
        params, x, y = weights(seed, dtype=jnp.float64, scale=scale)
        assert twin_asymmetry(params, x, y, k) < 1e-6


@jax.jit
def scores(params, x, y, c):
    a = alignment(lambda p, s: network(p, s, x, y), params, axn.superspike())
    b = alignment(lambda p, s: c * network(p, s, x, y), params, axn.superspike())
    return a.total, b.total

@settings(max_examples=5 * EXAMPLES)
@given(seed=st.integers(0, 2**16), e=st.floats(-3, 3))
def test_alignment_does_not_depend_on_the_losss_scale(seed, e):
    "Cosine, sign agreement and norm ratio are the same for c * loss, c > 0."
    a, b = scores(*weights(seed), jnp.float32(10. ** e))
    np.testing.assert_allclose(a.cosine, b.cosine, atol=1e-5)
    np.testing.assert_allclose(a.ratio, b.ratio, rtol=1e-4)
    assert a.sign == b.sign


@jax.jit
def totals(params, x, y):
    loss = lambda p, s: network(p, s, x, y, detach=True)  # each path crosses one spike per layer: a factor per layer
    return [alignment(loss, params, act) for act in (axn.exponential(k=8.), axn.unit_exponential(k=8.))]

def test_the_total_does_not_depend_on_the_surrogates_area():
    "The same g at two areas (1/4 and 1): the gradients' scale per layer differs, the total cosine does not."
    params, x, y = weights(1, widths=(6, 8, 8, 8))
    quarter, one = totals(params, x, y)
    cos = lambda a: [float(s.cosine) for s in jax.tree.leaves(a.layers, is_leaf=lambda s: hasattr(s, 'cosine'))]
    np.testing.assert_allclose(cos(quarter), cos(one), atol=1e-5)  # the same direction, layer by layer
    ratios = [float(s.ratio) for s in jax.tree.leaves(quarter.layers, is_leaf=lambda s: hasattr(s, 'cosine'))]
    assert max(ratios) / min(ratios) > 10  # the layers' scales differ: area^depth in the hidden layers
    np.testing.assert_allclose(quarter.total.cosine, one.total.cosine, atol=1e-5)
    assert quarter.total.ratio < 0.5 * one.total.ratio  # the one score of scale keeps it
    sizes = np.array([l.size for l in jax.tree.leaves(params)], float)
    np.testing.assert_allclose(one.total.cosine, (sizes * cos(one)).sum() / sizes.sum(), rtol=1e-5)


@pytest.mark.slow  # two alignments of a three-layer network: the slow tier
def test_a_zero_leaf_has_no_direction():
    "A leaf that neither gradient reaches has no direction: the total is that of the other leaves."
    params, x, y = weights(2)
    loss = lambda p, s: network({k: v for k, v in p.items() if k != 'unused'}, s, x, y)
    a, b = alignment(loss, params, axn.sigmoid()), alignment(loss, {**params, 'unused': jnp.ones(7)}, axn.sigmoid())
    np.testing.assert_allclose(a.total.cosine, b.total.cosine, rtol=1e-6)


def chain(read):
    "Two escape-noise neurons in series, the hidden spike read through `read`: L = o, o ~ p(w2 read(h) - 0.2), h ~ p(1.2 w1)."
    def loss(w, spike, key):
        k1, k2 = jax.random.split(key)
        return spike(w[1] * read(spike(1.2 * w[0], k1)) - 0.2, k2)
    return loss

def test_the_monte_carlo_reference_against_exact_enumeration():
    """Unbiased where every spike reaches the loss along a differentiable path (weight zero will do); refused where one
    reaches it only through stop_gradient, an integer cast or a comparison, whose score the backward pass never sees."""
    with jax.enable_x64(True):
        s = axn.escape_noise(axn.sigmoid(4.))
        def expected(w):  # enumerating h
            ph = s.probability(1.2 * w[0])
            return ph * s.probability(w[1] - 0.2) + (1 - ph) * s.probability(-0.2)
        w = jnp.array([0.4, 0.8])
        exact = jax.grad(expected)(w)
        for read in (lambda h: h, lambda h: jax.lax.stop_gradient(h) + 0 * h):
            mc = alignment(chain(read), w, s, 'mc', key=jax.random.key(3), n=40_000)
            assert (jnp.abs(mc.reference - exact) < 5 * mc.stderr).all(), (mc.reference, exact, mc.stderr)
        cut = {'stop_gradient': jax.lax.stop_gradient, 'an integer cast': lambda h: h.astype(jnp.int32).astype(h.dtype),
               'a comparison': lambda h: jnp.where(h > 0.5, 1., 0.)}
        for name, read in cut.items():
            with pytest.raises(ValueError, match="1 of the 2 calls of the activation in loss depend on params but their "
                                                 "spikes reach the loss along no differentiable path"):
                alignment(chain(read), w, s, 'mc', key=jax.random.key(3), n=16)
        with pytest.raises(ValueError, match="along no differentiable path"):  # under jit: refused as it is traced
            jax.jit(lambda w: alignment(chain(jax.lax.stop_gradient), w, s, 'mc', key=jax.random.key(3), n=16))(w)


def test_the_monte_carlo_reference_takes_a_scan_a_detached_reset_and_a_retraced_body():
    "A scan whose weakly typed carry makes JAX trace its body twice, a reset through stop_gradient: nothing refused."
    s, xs = axn.escape_noise(axn.sigmoid()), jnp.linspace(-1, 1, 6)
    def loss(w, spike, key):
        def step(v, it):
            v = 0.8 * v + w * it[0]
            o = spike(v - 0.5, jax.random.fold_in(key, it[1]))
            return v - jax.lax.stop_gradient(o), o
        return jnp.sum(jax.lax.scan(step, 0., (xs, jnp.arange(6)))[1] ** 2)
    assert jnp.isfinite(alignment(loss, jnp.array(0.7), s, 'mc', key=jax.random.key(0), n=8).reference)


@pytest.mark.slow  # five measurements on 120,000 potentials: the slow tier
def test_active_fraction_cuts_at_a_fraction_of_the_largest_value():
    """asymmetric's largest value is bias + 1/2 at the window's upper edge, not g(0) = bias: on potentials uniform in
    [-1, 1], 90% lie above a tenth of it (g(x) = x/2 + 1/2 > 0.1), not 95%; where k varies by unit, each unit's peak."""
    v = jnp.broadcast_to(jnp.linspace(-1, 1, 20_001)[None, :, None], (2, 20_001, 3))
    np.testing.assert_allclose(active_fraction(v, axn.asymmetric()).active, 0.9, atol=1e-3)
    np.testing.assert_allclose(active_fraction(v, axn.asymmetric(width=1.)).active, 0.45, atol=1e-3)  # x > -0.4
    k = jnp.array([2., 8., 32.])
    per_unit = active_fraction(v, axn.sigmoid(k)).active
    each = [float(active_fraction(v[..., i:i + 1], axn.sigmoid(float(ki))).active[0]) for i, ki in enumerate(k)]
    np.testing.assert_allclose(per_unit, np.mean(each), atol=1e-6)
    np.testing.assert_allclose(jax.jit(lambda k: active_fraction(v, axn.asymmetric(width=k)).active)(2.), 0.9, atol=1e-3)


@pytest.mark.slow  # three exact curls in float64: the slow tier
def test_curl_of_the_three_networks_with_known_answers():
    "float64: the twin network and one spiking layer seen once are gradients (< 1e-6); two spiking layers are not."
    with jax.enable_x64(True):
        params, x, y = weights(3, dtype=jnp.float64)
        loss = lambda p, s: network(p, s, x, y)
        assert curl(loss, params, twin(axn.sigmoid()), exact=True).asymmetry < 1e-6
        readout = jax.random.normal(jax.random.key(1), (5, 3), jnp.float64)
        single = lambda p, s: -jax.nn.log_softmax(s(x[0] @ p['w'] - 1.) @ readout)[:, 0].mean()
        assert curl(single, {'w': params['hidden'][0]}, axn.sigmoid(), exact=True).asymmetry < 1e-6
        assert curl(loss, params, axn.sigmoid(), exact=True).asymmetry > 1e-3


@pytest.mark.slow
def test_the_curl_estimate_comes_near_the_exact_value():
    "From 256 random directions, the estimate of the two-layer network's asymmetry is within 25% of the exact one."
    with jax.enable_x64(True):
        params, x, y = weights(3, dtype=jnp.float64)
        loss = lambda p, s: network(p, s, x, y)
        est = curl(loss, params, axn.sigmoid(), jax.random.key(0), n=256)
        np.testing.assert_allclose(est.asymmetry, curl(loss, params, axn.sigmoid(), exact=True).asymmetry, rtol=0.25)


@pytest.mark.slow  # about 30 s of compilation: the CI tier and the strict session
@pytest.mark.parametrize('dtype', [jnp.float32, jnp.float64])
def test_every_function_works_under_jit_in_float32_and_float64(dtype):
    with jax.enable_x64(dtype == jnp.float64):
        params, x, y = weights(0, dtype=dtype)
        loss, act, key = (lambda p, s: network(p, s, x, y)), axn.superspike(), jax.random.key(0)
        for f in (lambda p: alignment(loss, p, act), lambda p: alignment(loss, p, act, 'fd', key=key, n=4),
                  lambda p: curl(loss, p, act, key, n=2), lambda p: curl(loss, p, act, exact=True),
                  lambda p: diagnose(loss, p, act, key)):
            eager, jitted = f(params), jax.jit(f)(params)
            for a, b in zip(jax.tree.leaves(eager), jax.tree.leaves(jitted)):
                assert a.dtype == dtype and not jnp.isnan(a).any()
                np.testing.assert_allclose(a, b, rtol=1e-4 if dtype == jnp.float32 else 1e-10, atol=1e-6)
        v = jnp.linspace(-1, 1, 24, dtype=dtype).reshape(4, 2, 3)
        out = jax.jit(lambda v: active_fraction(v, act))(v)
        assert out.active.shape == (4,) and out.active.dtype == dtype and out.dead.dtype == dtype
        stochastic = lambda p, s, k: jnp.sum(s(p['w'], k)).astype(dtype)
        mc = jax.jit(lambda p: alignment(stochastic, p, axn.escape_noise(axn.sigmoid()), 'mc', key=key, n=8))(
            {'w': jnp.zeros(3, dtype)})
        assert mc.reference['w'].dtype == dtype


@pytest.mark.slow  # a training run, compiled twice: 13 s of the fast tier's budget
def test_training_records_diagnostics_and_is_unchanged_by_them():
    "diagnostics=True returns the same accuracy and a record per epoch, before the first one included."
    from spyx_axn.training import randman, split, train
    data = jax.tree.map(jnp.asarray, split(*randman(n_classes=3, n_samples=40, n_steps=12)))
    kw = dict(n_classes=3, n_hidden=16, epochs=2, batch=16)
    run = jax.jit(lambda key, data, d: train(axn.superspike(), data, key, diagnostics=d, **kw), static_argnums=2)
    plain, (acc, record) = run(jax.random.key(0), data, False), run(jax.random.key(0), data, True)
    assert plain == acc == record.accuracy[-1]
    assert record.accuracy.shape == (3,) and record.curl.asymmetry.shape == (3,)
    assert record.alignment.layers['w_in'].cosine.shape == (3,) and record.activity.active.shape == (3, 12)
    with pytest.raises(ValueError, match="noisy=True"):
        train(axn.escape_noise(axn.sigmoid()), data, jax.random.key(0), noisy=True, diagnostics=True, **kw)


def test_misuse_is_refused_by_argument():
    params, x, y = weights(0)
    loss, act = (lambda p, s: network(p, s, x, y)), axn.sigmoid()
    with pytest.raises(TypeError, match=r"alignment: loss must be a function of \(params, spike\)"):
        alignment(lambda p: 0., params, act)
    with pytest.raises(TypeError, match="curl: loss must be a function loss"):
        curl(3, params, act, jax.random.key(0))
    with pytest.raises(ValueError, match="twin: custom.* has no primitive F"):
        alignment(loss, params, axn.custom(lambda x: jnp.exp(-x * x)))
    with pytest.raises(TypeError, match="curl: key must be a JAX random key"):
        curl(loss, params, act, 42)
    with pytest.raises(TypeError, match="key must be a JAX random key"):
        curl(loss, params, act)
    with pytest.raises(TypeError, match=r"loss must be a function of \(params, spike, key\)"):
        alignment(loss, params, axn.escape_noise(act), 'mc', key=jax.random.key(0))
    with pytest.raises(ValueError, match="active_fraction: act must be one activation or a pytree of them like x's"):
        active_fraction({'a': jnp.zeros((2, 3)), 'b': jnp.zeros((2, 3))}, {'a': act})
    with pytest.raises(ValueError, match=r"active_fraction: x\['a'\] must be floats \[steps, ..., units\]"):
        active_fraction({'a': jnp.zeros(3)}, act)
    with pytest.raises(ValueError, match="fraction must be a number in"):
        active_fraction(jnp.zeros((2, 3)), act, fraction=1.5)
    with pytest.raises(ValueError, match="exact=True builds the 5000x5000 Jacobian"):
        curl(lambda p, s: s(p).sum(), jnp.zeros(5000), act, exact=True)
    with pytest.raises(ValueError, match="diagnose: escape_noise.* draws its spikes"):
        diagnose(lambda p, s, k: s(p, k).sum(), jnp.zeros(3), axn.escape_noise(act), jax.random.key(0))

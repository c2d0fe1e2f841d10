"""`relaxed`, `Width` and `window` (nbs/52_adaptive.ipynb) beyond the page: every registered activation, every float
dtype, the hyperparameters' derivative against finite differences in float64, properties for all inputs and keys, and
(slow) each way of moving a width through `train`."""
import numpy as np
import jax, jax.numpy as jnp
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
import spyx_axn as axn
from spyx_axn.adaptive import Width, relaxed, window
from spyx_axn.diagnostics import twin
from spyx_axn.testing import dtypes, extremes, _enable_x64
from helpers import EXAMPLES, FACTORIES

KEY = jax.random.key(0)

def accepted():
    "Every registered activation at its defaults that escape_noise accepts (a distribution function F/A), by name."
    out = {}
    for name in axn.available():
        try: axn.escape_noise(axn.get(name))
        except ValueError: continue
        out[name] = axn.get(name)
    return out

ACCEPTED = accepted()

def sweep(names, fast=('sigmoid',)):
    "`names` as parameters; all but `fast` in the slow tier (make test-all), which sweeps every activation."
    return [pytest.param(n, marks=[] if n in fast else [pytest.mark.slow]) for n in names]

@pytest.mark.parametrize('name', axn.available())
def test_relaxed_refuses_what_escape_noise_refuses(name):
    "The same rule, shared: relaxed accepts an activation exactly when escape_noise does, with the same reason."
    act = axn.get(name)
    if name in ACCEPTED: assert relaxed(act).act == act
    else:
        with pytest.raises(ValueError) as theirs: axn.escape_noise(act)
        reason = str(theirs.value).split(': ', 1)[1]
        with pytest.raises(ValueError, match=r"^relaxed: ") as ours: relaxed(act)
        assert str(ours.value).split(': ', 1)[1] == reason

@pytest.mark.parametrize('name', sweep(ACCEPTED))
def test_every_dtype_is_kept_and_no_gradient_is_nan(name):
    "Output and gradient in the input's dtype; finite gradients, along x and the hyperparameters, for every extreme input."
    act = ACCEPTED[name]
    for dt in dtypes():
        x = jnp.asarray(np.concatenate([extremes(dt)[:-1], np.linspace(-3, 3, 13)]).astype(dt))  # NaN aside
        r = relaxed(act, p=0.5)
        y = r(x, KEY)
        assert y.dtype == dt and y.shape == x.shape
        gx = jax.grad(lambda x: r(x, KEY).astype(jnp.float32).sum())(x)
        assert gx.dtype == dt and np.isfinite(np.asarray(gx, np.float64)).all()
        wide = jnp.float32 if jnp.finfo(dt).bits < 32 else dt
        once = twin(act).surrogate(x.astype(wide)).astype(dt)  # computed in at least float32, rounded once to dt
        np.testing.assert_allclose(np.asarray(gx, np.float64), np.asarray(once, np.float64), rtol=2 * float(jnp.finfo(dt).eps))
        hs = {h: jnp.float32(v) for h, v in FACTORIES[name].items()}
        if hs:
            gh = jax.grad(lambda hs: relaxed(axn.get(name, **hs), p=0.5)(x, KEY).astype(jnp.float32).sum())(hs)
            assert all(np.isfinite(np.asarray(g)).all() for g in gh.values()), (name, dt, gh)

@pytest.mark.parametrize('name', sweep([n for n in ACCEPTED if FACTORIES[n]]))
def test_hyperparameter_derivative_is_that_of_f_over_a(name):
    """d(F/A)/d(hyperparameter), with the area and its derivative those of F(inf), against central differences of F/A in
    float64: the claim on the page, for every accepted activation."""
    xs = np.concatenate([np.linspace(-3, 3, 25) + 0.0123, [40.0123, -39.9877]])  # off every corner of a piecewise g
    with _enable_x64(True):
        x = jnp.asarray(xs, jnp.float64)
        relax = lambda h, t: relaxed(axn.get(name, **{h: t}), p=1.)(x, KEY)
        for h, v in FACTORIES[name].items():
            v = float(v) or 1.
            ratio = lambda t: (lambda a: a.primitive(x) / a.primitive(jnp.full_like(x, jnp.inf)))(axn.get(name, **{h: t}))
            s = 1e-6 * abs(v)
            if v - s in getattr(axn, name).domains[h]: fd = (ratio(v + s) - ratio(v - s)) / (2 * s)
            else: fd = (-3 * ratio(v) + 4 * ratio(v + s) - ratio(v + 2 * s)) / (2 * s)  # at the domain's bound: one-sided
            ours = jax.jacfwd(lambda t: relax(h, t))(jnp.float64(v))
            scale = np.abs(np.asarray(fd)).max() or 1.
            np.testing.assert_allclose(ours, jax.jacrev(lambda t: relax(h, t))(jnp.float64(v)), rtol=0, atol=1e-13 * scale)
            # the difference's own error: truncation (s^2) and rounding (float64 eps / s, about 1e-10)
            np.testing.assert_allclose(ours, fd, rtol=0, atol=1e-6 * scale + 1e-9, err_msg=f"{name}.{h}")
            # the second order: d/d(hyperparameter) of the gradient along x, g/A, both ways round, against its differences
            slope = lambda t: twin(axn.get(name, **{h: t})).surrogate(x)
            fd = (slope(v + s) - slope(v - s)) / (2 * s) if v - s in getattr(axn, name).domains[h] else \
                 (-3 * slope(v) + 4 * slope(v + s) - slope(v + 2 * s)) / (2 * s)
            dx = lambda t: jax.vmap(jax.grad(lambda x, t: relaxed(axn.get(name, **{h: t}), p=1.)(x, KEY)), (0, None))(x, t)
            dt = jax.vmap(jax.grad(lambda x, t: relaxed(axn.get(name, **{h: t}), p=1.)(x, KEY), 1), (0, None))
            scale = np.abs(np.asarray(fd)).max() or 1.
            for mixed in (jax.jacfwd(dx)(jnp.float64(v)), jax.vmap(jax.grad(lambda x: dt(x[None], jnp.float64(v))[0]))(x)):
                np.testing.assert_allclose(mixed, fd, rtol=0, atol=1e-6 * scale + 1e-9, err_msg=f"{name}.{h}: second order")

@pytest.mark.parametrize('dt', ['float32', 'float64'])
def test_hyperparameter_derivative_with_tails_too_heavy_for_any_finite_stand_in(dt):
    """q_pseudospike near alpha = 1, whose F at 1e19 is still percents short of its area: d(F/A)/d(alpha) against the
    closed form, sigma = u^(1 - alpha)/2 below 0 with u = 1 + 2|x|/(alpha - 1), and 1 minus its mirror above."""
    xs = np.array([-40., -1., -0.1, 0.3, 2., 1e4])
    with _enable_x64(dt == 'float64'):
        for alpha in (1.01, 1.0625, 1.1):
            a, x = float(np.asarray(alpha, dt)), np.asarray(xs, dt).astype(np.float64)  # the values the dtype holds
            u = 1 + 2 * np.abs(x) / (a - 1)
            tail = u ** (1 - a) / 2
            exact = np.sign(-x) * tail * (2 * np.abs(x) / ((a - 1) * u) - np.log(u))
            f = lambda t: relaxed(axn.q_pseudospike(alpha=t), p=1.)(jnp.asarray(xs, dt), KEY)
            for ours in (jax.jacfwd(f)(jnp.asarray(alpha, dt)), jax.jacrev(f)(jnp.asarray(alpha, dt))):
                assert ours.dtype == dt
                np.testing.assert_allclose(np.asarray(ours, np.float64), exact, rtol=0,
                                           atol=16 * float(jnp.finfo(dt).eps) * np.abs(exact).max(), err_msg=f"alpha={alpha}")

def test_steering_moves_a_slope_and_a_width_toward_the_target():
    """The steering direction is the activation's: sigmoid's k (larger narrows the window) and asymmetric's width (larger
    widens it) both settle at the target share of active units, on fixed potentials."""
    from spyx_axn.diagnostics import active_fraction
    v = jax.random.normal(KEY, (1, 1000))
    for w in (Width(axn.sigmoid, 4., target=0.2), Width(axn.asymmetric, 2., target=0.2, name='width')):
        share = lambda log_k: active_fraction(v, w.spiking(jnp.exp(log_k))).active.mean()
        log_k = jax.lax.fori_loop(0, 100, lambda t, log_k: w.steered(log_k, share(log_k)), jnp.log(w.start))
        assert abs(float(share(log_k)) - 0.2) <= 0.01, (w, float(jnp.exp(log_k)), float(share(log_k)))

@settings(max_examples=5 * EXAMPLES, deadline=None)  # deep (make test-all): 50
@given(hnp.arrays(np.float32, 24, elements=st.floats(-1e4, 1e4, width=32)),  # one shape: one compilation per (p, k) kind
       st.integers(0, 2**31 - 1), st.floats(0., 1.), st.floats(0.05, 50.))
def test_each_unit_is_its_spike_or_its_twin_and_the_gradient_is_the_twins(x, seed, p, k):
    key = jax.random.key(seed)
    act = axn.sigmoid(k=k)
    r = relaxed(act, p=p)
    y, smooth = np.asarray(r(x, key)), np.asarray(r.smooth(x, key))
    np.testing.assert_array_equal(y[~smooth], (x[~smooth] > 0).astype(np.float32))
    np.testing.assert_array_equal(y[smooth], np.asarray(twin(act)(x))[smooth])
    np.testing.assert_array_equal(jax.grad(lambda x: r(x, key).sum())(jnp.asarray(x)), twin(act).surrogate(x))
    if p == 0: assert not smooth.any()
    if p == 1: assert smooth.all()

def test_relaxed_under_jit_vmap_scan_and_rebuilt_compiles_once():
    step = jax.jit(lambda act, x, key: jax.grad(lambda x: act(x, key).sum())(x), static_argnums=0)
    x = jnp.linspace(-1, 1, 7)
    for k in (4, 4., np.float32(4.)): step(relaxed(axn.sigmoid(k), p=0.3), x, KEY)
    assert step._cache_size() == 1
    keys = jax.random.split(KEY, 3)
    f = lambda k, key: relaxed(axn.sigmoid(k=k))(x, key)
    np.testing.assert_array_equal(jax.vmap(f, (None, 0))(4., keys)[1], f(4., keys[1]))
    ks = jax.vmap(jax.grad(lambda k: f(k, KEY).sum()))(jnp.array([1., 4.]))
    assert ks.shape == (2,) and (ks != 0).all()
    carry = lambda v, t: (0.9 * v + 0.4, relaxed(axn.sigmoid())(v - 1., jax.random.fold_in(KEY, t)))
    assert jax.lax.scan(carry, jnp.zeros(3), jnp.arange(10))[1].shape == (10, 3)

def test_relaxed_config_round_trip():
    r = relaxed(axn.superspike(k=10.), p=0.3)
    assert axn.config(r) == {'name': 'relaxed', 'act': {'name': 'superspike', 'k': 10.0}, 'p': 0.3}
    assert axn.get(**axn.config(r)) == r

def test_width_errors_name_the_argument():
    with pytest.raises(TypeError, match="Width: factory must be an activation factory such as sigmoid, got 3"): Width(3, 1.)
    with pytest.raises(ValueError, match="Width: start must be a positive finite number, got start=inf"): Width(axn.sigmoid, np.inf)
    with pytest.raises(ValueError, match=r"Width: rate must be a positive finite number, got rate=-1"): Width(axn.sigmoid, 1., rate=-1)
    with pytest.raises(ValueError, match=r"Width: p must be a number in \[0, 1\]"): Width(axn.sigmoid, 1., learn=True, p=2.)
    with pytest.raises(ValueError, match="relaxed: .*no primitive"):
        Width(lambda k: axn.custom(lambda x, k: k * jnp.ones_like(x), k=k), 1., learn=True)

def test_train_refuses_what_a_width_cannot_take():
    from spyx_axn.training import train, randman, split
    data = split(*randman(n_samples=4))
    with pytest.raises(ValueError, match="train: a Width trains with its own activation"):
        train(Width(axn.sigmoid, 4.), data, KEY, diagnostics=True)
    with pytest.raises(ValueError, match="train: widths=True records a Width's value"):
        train(axn.sigmoid(), data, KEY, widths=True)

def test_window_keeps_the_width_where_no_gradient_reaches():
    u = jnp.linspace(-3., 3., 40).reshape(4, 10)
    widths = jnp.full(4, 1.5)
    np.testing.assert_array_equal(window(u, jnp.zeros_like(u), widths), widths)  # every candidate scores the same
    new = window(u, jnp.ones_like(u), widths)
    assert new.shape == (4,) and ((0.2 <= new) & (new <= 2.)).all()

@pytest.mark.slow  # four training runs: make test-all
def test_every_way_of_moving_a_width_trains():
    "The page's comparison, reduced: each method on two seeds, two starts, five epochs; each learns above chance."
    from spyx_axn.training import train, randman, split
    data = split(*randman(n_samples=40))
    seeds = jax.random.split(jax.random.key(0), 2)
    for method in (lambda k: Width(axn.sigmoid, k), lambda k: Width(axn.sigmoid, k, end=16 * k),
                   lambda k: Width(axn.sigmoid, k, target=0.2), lambda k: Width(axn.sigmoid, k, learn=True)):
        go = jax.jit(jax.vmap(jax.vmap(lambda k, key: train(method(k), data, key, epochs=5, widths=True), (None, 0)), (0, None)))
        acc, ks = go(jnp.array([0.25, 4.]), seeds)
        assert acc.shape == (2, 2) and ks.shape[:2] == (2, 2) and np.isfinite(np.asarray(ks)).all()
        assert float(acc.mean()) > 0.2, acc  # ten classes: chance is 0.1
    short = dict(epochs=2, batch=50, widths=True)
    _, ks = train(Width(axn.sigmoid, 0.25, end=4.), data, KEY, **short)
    np.testing.assert_allclose([ks[0], ks[-1]], [0.25, 4.], rtol=1e-5)  # annealed from start to end
    _, ks = train(Width(axn.sigmoid, 4., target=0.9), data, KEY, **short)
    assert ks[-1] < ks[0] == 4.  # too few potentials in the window: wider
    _, ks = train(Width(axn.sigmoid, 4., learn=True), data, KEY, **short)
    assert ks[-1] != ks[0]  # learned: the loss moves it

"""What the backward pass keeps: for every activation, combinator and `custom`, in every floating dtype, the residuals of
`jax.vjp` and `jax.linearize` are the least that gives the surrogate again (none for a constant surrogate, one byte
for a two-valued one, the input or the surrogate otherwise), and the gradient is unchanged, bit for bit, against the
formula: the cotangent times the surrogate, in float32 for half precision, rounded once. A surrogate or forward function
that closes over a traced value works wherever a hand-written `jax.custom_jvp` does, with its gradients."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import spyx_axn as axn
from spyx_axn.diagnostics import Twin, twin
from spyx_axn.escape_noise import EscapeNoise
from spyx_axn.testing import grid
from helpers import FACTORIES

DTYPES = (jnp.float32, jnp.bfloat16, jnp.float16)

def _inner(name): return axn.custom() if name == 'custom' else getattr(axn, name)()

def measured_kind(act) -> str:
    """What the backward pass of `act` must keep, from its surrogate on the test grid: nothing where g takes one value
    (it does not depend on x), one byte where it takes two (one value inside a window, another outside: a comparison
    of x decides), g or x where it takes more."""
    values = len(np.unique(np.asarray(act.surrogate(jnp.asarray(grid())))))
    return 'none' if values == 1 else 'mask' if values == 2 else 'dense'

KINDS = {name: measured_kind(_inner(name)) for name in FACTORIES}
ACTIVATIONS = {name: (lambda n=name: _inner(n), KINDS[name]) for name in FACTORIES}
# Around one activation of each kind (the first found), multilevel and signed keep what it keeps; escape noise and the
# twin, which need a finite area, too.
for kind in ('none', 'mask', 'dense'):
    inner = next(n for n in FACTORIES if KINDS[n] == kind and n != 'custom')
    ACTIVATIONS[f'multilevel({inner})'] = (lambda i=inner: axn.multilevel(_inner(i), levels=4), kind)
    ACTIVATIONS[f'signed({inner})'] = (lambda i=inner: axn.signed(_inner(i)), kind)
for inner in ('boxcar', 'superspike'):
    ACTIVATIONS[f'escape_noise({inner})'] = (lambda i=inner: axn.escape_noise(_inner(i)), KINDS[inner])
    ACTIVATIONS[f'twin({inner})'] = (lambda i=inner: twin(_inner(i)), KINDS[inner])
ACTIVATIONS['escape_noise(sigmoid)'] = (lambda: axn.escape_noise(axn.sigmoid(k=4.)), 'dense')
ACTIVATIONS['custom(window)'] = (lambda: axn.custom(lambda x, w: jnp.where(jnp.clip(x, -w, w) == x, 0.5, 0.), w=1.), 'mask')
ACTIVATIONS['custom(two windows)'] = (
    lambda: axn.custom(lambda x: jnp.where(x < -1, 0.1, jnp.where(x > 1, 0.2, 0.3))), 'mask')
ACTIVATIONS['custom(bump)'] = (lambda: axn.custom(lambda x, s: jnp.exp(-(x / s)**2), s=0.5), 'dense')


def _keyed(act):
    "`act` as a function of x alone: escape noise at one fixed key."
    key = jax.random.key(0)
    return (lambda x: act(x, key)) if isinstance(act, EscapeNoise) else act

def expected(kind, dtype, half='auto') -> list:
    "The dtypes kept per element, by the documented rule: nothing, one byte, or x or g as `residuals(half=...)` says."
    if kind == 'none': return []
    if kind == 'mask': return [1]
    if jnp.finfo(dtype).bits == 32: return [jnp.dtype(jnp.float32)]
    if half == 'auto': half = 'surrogate' if jax.default_backend() == 'cpu' and dtype == jnp.bfloat16 else 'input'
    return [jnp.dtype(jnp.float32 if half == 'surrogate' else dtype)]

def kept(f, x) -> tuple[list, list]:
    """The residuals of `jax.vjp` and of `jax.linearize` of `f` at `x`, traced without running: per element of x (their
    dtypes, one byte as 1) and the rest (their shapes)."""
    out = []
    for make in (lambda x: jax.vjp(f, x)[1], lambda x: jax.linearize(f, x)[1]):
        leaves = [l for l in jax.tree_util.tree_leaves(jax.eval_shape(make, x)) if hasattr(l, 'dtype')]
        per = [1 if jnp.dtype(l.dtype).itemsize == 1 else jnp.dtype(l.dtype) for l in leaves if l.shape == x.shape]
        out.append((per, [l.shape for l in leaves if l.shape != x.shape]))
    return out


@pytest.mark.parametrize('name', list(ACTIVATIONS))
def test_the_backward_pass_keeps_the_least(name):
    make, kind = ACTIVATIONS[name]
    f = _keyed(make())
    for dt in DTYPES:
        x = jnp.zeros((4, 8), dt)
        for mode, (per, rest) in zip(('vjp', 'linearize'), kept(f, x)):
            assert per == expected(kind, dt), f"{name} {jnp.dtype(dt).name} {mode}: keeps {per} per element"
            assert all(s == () for s in rest), f"{name} {jnp.dtype(dt).name} {mode}: keeps arrays of shapes {rest}"


def _formula(act, x, ct):
    """The gradient as the formula gives it: the cotangent times g(x) (g(x)/A for escape noise and the twin), both in
    float32 for half precision, the product rounded once."""
    c = jnp.dtype(jnp.float32) if jnp.finfo(x.dtype).bits < 32 else x.dtype  # chosen, not promoted (strict session)
    per_area = isinstance(act, (EscapeNoise, Twin))
    base = act.act if per_area else act
    hs = {n: jnp.asarray(v, c) for n, v in base.hyperparameters.items()}
    g = jnp.broadcast_to(base.bwd(x.astype(c), **hs), x.shape).astype(c)
    if per_area: g = (g / jnp.broadcast_to(base.prim(jnp.full_like(x.astype(c), jnp.inf), **hs), x.shape)).astype(c)
    return (ct.astype(c) * g).astype(x.dtype)


@pytest.mark.parametrize('name', list(ACTIVATIONS))
def test_the_gradient_is_unchanged_bit_for_bit(name):
    """vjp and jvp give the formula's bits in every dtype: in half precision, the cotangent (tangent) times the float32
    surrogate, rounded once. (Rounding the surrogate first, then the product, differs in the last bit for some inputs.)"""
    act = ACTIVATIONS[name][0]()
    f = _keyed(act)
    xs = jnp.linspace(-3, 3, 2001, dtype=jnp.float32)  # crosses every window's edges and the thresholds 0, ..., 3
    ct = jnp.sin(7 * xs) * 3
    def both(xs, ct):
        out = {}
        for dt in DTYPES:
            x, c = xs.astype(dt), ct.astype(dt)
            out[jnp.dtype(dt).name] = (jax.vjp(f, x)[1](c)[0], jax.jvp(f, (x,), (c,))[1], _formula(act, x, c))
        return out
    for dt, (vjp, jvp, want) in jax.jit(both)(xs, ct).items():
        want = np.asarray(want, np.float32)
        # multi_gaussian is a difference of Gaussians: where XLA fuses the test's formula and the library's program
        # differently, the cancellation leaves up to two ulps of the largest product (cotangent times peak), measured,
        # instead of ulps of the result. (The library's own gradients did not change, bit for bit, in any dtype.)
        peak = float(np.abs(ct).max()) * float(act.surrogate(jnp.zeros((), jnp.float32)))
        ulp = 2 * np.spacing(np.float32(peak)) if name == 'multi_gaussian' else 0
        for mode, got in (('vjp', vjp), ('jvp', jvp)):
            assert np.all(np.abs(np.asarray(got, np.float32) - want) <= ulp), (
                f"{name} {mode} {dt}: differs by up to {np.abs(np.asarray(got, np.float32) - want).max():.3g}")


@pytest.mark.parametrize('half', ['input', 'surrogate'])
def test_the_half_precision_policy_is_followed(half):
    f = axn.superspike()
    for dt in (jnp.bfloat16, jnp.float16):
        with axn.residuals(half=half):
            per, _ = kept(f, jnp.zeros(8, dt))[0]
        assert per == expected('dense', dt, half), (half, dt, per)
    with pytest.raises(ValueError, match=r"residuals: half must be 'auto', 'input' or 'surrogate', got half='x'"):
        axn.residuals(half='x')


def test_hyperparameter_arrays_are_kept_once_not_per_step():
    """A hyperparameter array (one per neuron) is kept as given, never broadcast to the input's shape; over a scan of T
    steps only the mask is stacked, and the hyperparameter is kept once."""
    T, B, N = 5, 4, 8
    for act, per_step in ((axn.boxcar(width=jnp.linspace(1., 2., N)), 1),
                          (axn.superspike(k=jnp.linspace(10., 30., N)), jnp.dtype(jnp.float16))):
        dt = jnp.float16
        per, rest = kept(act, jnp.zeros((B, N), dt))[0]
        assert per == [per_step] and sorted(rest) in ([], [()], [(N,)], [(), (N,)]), (act, per, rest)
        def lif(v0):
            def step(v, _):
                s = act(v - jnp.asarray(1., dt))
                return jnp.asarray(0.9, dt) * v + jnp.asarray(0.5, dt) - s, s
            return jax.lax.scan(step, v0, None, length=T)[1]
        leaves = [l for l in jax.tree_util.tree_leaves(jax.eval_shape(lambda v: jax.vjp(lif, v)[1], jnp.zeros((B, N), dt)))
                  if hasattr(l, 'shape') and np.prod(l.shape) >= N]
        stacked = [(jnp.dtype(l.dtype).itemsize, l.shape) for l in leaves if l.shape[:1] == (T,)]
        assert stacked == [(1 if per_step == 1 else 2, (T, B, N))], (act, stacked)
        assert [l.shape for l in leaves if l.shape[:1] != (T,)] in ([(N,)], []), (act, [l.shape for l in leaves])


# A surrogate (or forward function) that closes over a traced value: each transformation against the same surrogate in
# a hand-written `jax.custom_jvp`. The activation must accept whatever the hand-written one accepts, and give its
# gradients: within a few ulps of the largest, since the two compile to programs that XLA may fuse differently.
def _plain(g):
    "The spike with surrogate g and Heaviside forward, as a hand-written `jax.custom_jvp`."
    @jax.custom_jvp
    def spike(x): return (x > 0).astype(x.dtype)
    spike.defjvp(lambda p, t: (spike(p[0]), g(p[0]) * t[0]))
    return spike

CLOSED = {  # g of x, closing over c: one of each kind of residual, and a mask whose value is c
    'dense': lambda c: lambda x: jnp.exp(-(x - c)**2),
    'mask': lambda c: lambda x: jnp.where(jnp.abs(x - c) < 1, 0.5, 0.),
    'none': lambda c: lambda x: jnp.zeros_like(x) + c,
    'mask of c': lambda c: lambda x: jnp.where(jnp.abs(x) < 1, c, 0.),
}
_X = jnp.linspace(-2, 2, 7)
_CS = jnp.array([0.1, 0.3])
_W = jnp.arange(1., 8.)

def _steps(f, c, x):
    "Three steps of a recurrence through the activation, in `lax.scan`, c closed over from outside the scan."
    return jax.lax.scan(lambda a, _: (0.9 * a + f(c, x + a), None), 0., None, length=3)[0]

def _remat_steps(f, c, x):
    return jax.lax.scan(jax.checkpoint(lambda a, _: (0.9 * a + f(c, x + a), None)), 0., None, length=3)[0]

TRANSFORMS = {
    'jit': lambda f: jax.jit(jax.grad(f, 1))(0.3, _X),
    'vmap': lambda f: jax.vmap(jax.grad(f, 1), (0, None))(_CS, _X),
    'jit of vmap': lambda f: jax.jit(jax.vmap(jax.grad(f, 1), (0, None)))(_CS, _X),
    'scan': lambda f: jax.jit(lambda c, x: jax.grad(lambda x: _steps(f, c, x))(x))(0.3, _X),
    'vmap of scan': lambda f: jax.vmap(lambda c: jax.grad(lambda x: _steps(f, c, x))(_X))(_CS),
    'grad inside scan': lambda f: jax.jit(
        lambda x: jax.lax.scan(lambda a, c: (a + jax.grad(f, 1)(c, x), None), jnp.zeros(7), _CS)[0])(_X),
    'checkpoint': lambda f: jax.jit(jax.grad(lambda c, x: jax.checkpoint(lambda x: f(c, x))(x), 1))(0.3, _X),
    'scan of checkpoint': lambda f: jax.jit(lambda c, x: jax.grad(lambda x: _remat_steps(f, c, x))(x))(0.3, _X),
    'vmap, scan and checkpoint': lambda f: jax.jit(jax.vmap(lambda c: jax.grad(lambda x: _remat_steps(f, c, x))(_X)))(_CS),
    'grad of grad': lambda f: jax.jit(lambda c, x: jax.grad(lambda x: jax.grad(f, 1)(c, x).sum())(x))(0.3, _X),
    'd/dc of grad': lambda f: jax.jit(jax.grad(lambda c: jax.grad(f, 1)(c, _X).sum()))(0.3),
    'd/dc of grad, in scan': lambda f: jax.jit(jax.grad(lambda c: jax.grad(lambda x: _steps(f, c, x))(_X).sum()))(0.3),
    'jacfwd of grad': lambda f: jax.jit(jax.jacfwd(jax.grad(f, 1), 0))(0.3, _X),
    'hessian': lambda f: jax.jit(lambda c, x: jax.hessian(lambda x: f(c, x))(x))(0.3, _X),
    'array made in jit': lambda f: jax.jit(jax.grad(lambda x: f(jnp.full(7, 0.3), x)))(_X),
}

def _loss(make, g_of_c):
    return lambda c, x: jnp.sum(make(g_of_c(c))(x) * _W)

def _close(got, want, what):
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    assert got.shape == want.shape and np.all(np.isfinite(got) == np.isfinite(want)), (what, got, want)
    ulps = 4 * np.spacing(np.float32(np.abs(want[np.isfinite(want)]).max(initial=1.)))
    assert np.all(np.abs(got - want)[np.isfinite(want)] <= ulps), f"{what}: {got} against {want}"


# The fast tier runs one transform of each family (jit, a scan under vmap, a checkpoint in a scan, a derivative with
# respect to the closed-over value); the slow tier runs them all.
FAST = {'jit', 'vmap of scan', 'scan of checkpoint', 'd/dc of grad'}

@pytest.mark.parametrize('transform', [pytest.param(t, marks=[] if t in FAST else [pytest.mark.slow]) for t in TRANSFORMS])
def test_a_surrogate_may_close_over_a_traced_value(transform):
    "Whatever a hand-written `custom_jvp` accepts, the activation accepts, and gives its gradients: each kind of residual."
    run = TRANSFORMS[transform]
    for kind, g_of_c in CLOSED.items():
        _close(run(_loss(axn.custom, g_of_c)), run(_loss(_plain, g_of_c)), f"{transform}, {kind}")


def test_functions_of_an_activation_may_close_over_a_traced_value():
    "multilevel and signed of such an activation: under jit, against their surrogates written out by hand."
    g_of_c = CLOSED['dense']
    for wrap, g in ((lambda a: axn.multilevel(a, levels=2), lambda c: lambda x: g_of_c(c)(x) + g_of_c(c)(x - 1)),
                    (axn.signed, lambda c: lambda x: g_of_c(c)(x) + g_of_c(c)(-x - 1))):
        got = jax.jit(jax.grad(lambda c, x: jnp.sum(wrap(axn.custom(g_of_c(c)))(x) * _W), 1))(0.3, _X)
        _close(got, _W * g(0.3)(_X), repr(wrap(axn.custom())))


def test_a_forward_function_may_close_over_a_traced_value():
    """A forward function that reads c: the surrogate's gradient, and no derivative with respect to c through the
    spikes (as for a hyperparameter), under jit and vmap."""
    make = lambda c: axn.custom(lambda x: jnp.exp(-(x - c)**2), fwd=lambda x: x > c)
    f = lambda c, x: jnp.sum(make(c)(x) * _W)
    test = lambda c: _W * jnp.exp(-(_X - c)**2)
    _close(jax.jit(jax.grad(f, 1))(0.3, _X), test(0.3), 'jit')
    _close(jax.vmap(jax.grad(f, 1), (0, None))(_CS, _X), jax.vmap(test)(_CS), 'vmap')
    assert float(jax.jit(jax.grad(f))(0.3, _X)) == 0.
    assert np.array_equal(jax.jit(f)(0.3, _X), jnp.sum((_X > 0.3).astype(_W.dtype) * _W))


def test_a_surrogate_that_cannot_be_traced_is_left_to_the_backward_pass():
    "Asking whether a surrogate closes over a traced value never raises: an error in it is the backward pass's, as before."
    scale = 2.
    act = axn.custom(lambda x: float(x) * scale)  # no trace can run it; it closes over a number, so it is traced to ask
    assert np.array_equal(jax.jit(act)(_X), (_X > 0).astype(_X.dtype))
    with pytest.raises(TypeError):
        jax.jit(jax.grad(lambda x: act(x).sum()))(_X)

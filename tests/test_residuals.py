"""What the backward pass keeps: for every activation, combinator and `custom`, in every floating dtype, the residuals of
`jax.vjp` and `jax.linearize` are the least that gives the surrogate again (none for a constant surrogate, one byte
for a two-valued one, the input or the surrogate otherwise), and the gradient is unchanged, bit for bit, against the
formula: the cotangent times the surrogate, in float32 for half precision, rounded once."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import spyx_axn as axn
from spyx_axn.diagnostics import Twin, twin
from spyx_axn.escape_noise import EscapeNoise
from helpers import FACTORIES

DTYPES = (jnp.float32, jnp.bfloat16, jnp.float16)
CONSTANT = {'custom', 'straight_through'}  # g does not depend on x
TWO_VALUED = {'boxcar', 'piecewise_leaky_relu'}  # g takes one value inside a window and another outside it

def _inner(name): return axn.custom() if name == 'custom' else getattr(axn, name)()

ACTIVATIONS = {name: (lambda n=name: _inner(n), 'none' if name in CONSTANT else 'mask' if name in TWO_VALUED else 'dense')
               for name in FACTORIES}
for inner, kind in (('straight_through', 'none'), ('boxcar', 'mask'), ('piecewise_leaky_relu', 'mask'),
                    ('superspike', 'dense')):
    ACTIVATIONS[f'multilevel({inner})'] = (lambda i=inner: axn.multilevel(_inner(i), levels=4), kind)
    ACTIVATIONS[f'signed({inner})'] = (lambda i=inner: axn.signed(_inner(i)), kind)
    if inner in ('boxcar', 'superspike'):  # escape noise and the twin need a finite area
        ACTIVATIONS[f'escape_noise({inner})'] = (lambda i=inner: axn.escape_noise(_inner(i)), kind)
        ACTIVATIONS[f'twin({inner})'] = (lambda i=inner: twin(_inner(i)), kind)
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

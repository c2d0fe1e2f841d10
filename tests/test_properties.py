"""Property-based tests (hypothesis) of every exported activation: random shapes (0-d to 4-d, empty), dtypes,
in-domain hyperparameters (Python floats, 0-d arrays, one value per element) and values (zeros of both signs,
subnormals, infinities, NaN, the dtype's largest values, points at and next to likely breakpoints)."""
from functools import partial
import numpy as np
import jax, jax.numpy as jnp
from hypothesis import assume, given, note, settings, strategies as st
from hypothesis.extra import numpy as hnp
import spyx_axn as axn
from spyx_axn.testing import grad
from helpers import FACTORIES, PROPERTY_EXAMPLES

def _compute_dtype(dt):
    "The dtype the package computes a surrogate in, as its contract states it: float32 for half precision, else `dt`."
    return jnp.dtype(jnp.float32) if jnp.finfo(dt).bits < 32 else jnp.dtype(dt)

DTYPES = [jnp.float16, jnp.bfloat16, jnp.float32] + ([jnp.float64] if jax.config.jax_enable_x64 else [])

def accepts(factory, **hyper) -> bool:
    try: factory(**hyper)
    except (TypeError, ValueError): return False
    return True

# A hyperparameter is its default times a factor drawn on a log scale (or, for a default of 0, the factor
# itself), kept where the factory accepts it: no table of domains, so new factories are covered as they come.
factors = st.one_of(st.just(1.), st.floats(-2, 2).map(lambda e: 10. ** e))

@st.composite
def hyperparameters(draw, name:str, shape:tuple, dt, kinds=('float', 'float32', 'input dtype', 'per element')):
    "In-domain hyperparameters of factory `name` for an input of `shape` and dtype `dt`, in a drawn representation."
    f, out = getattr(axn, name), {}
    for h, d in FACTORIES[name].items():
        kind = draw(st.sampled_from([k for k in kinds if k != 'per element' or len(shape)]))
        vs = [d * s if d else s for s in draw(st.lists(factors, min_size=1, max_size=1) if kind != 'per element'
                                               else st.lists(factors, min_size=shape[-1], max_size=shape[-1]))]
        out[h] = {'float': lambda: float(vs[0]), 'float32': lambda: jnp.float32(vs[0]),
                  'input dtype': lambda: jnp.asarray(vs[0], dt), 'per element': lambda: jnp.asarray(vs, jnp.float32)}[kind]()
        assume(accepts(f, **{h: out[h]}))
    assume(accepts(f, **out))
    return out

def computed(dt, hyper:dict, shape) -> dict:
    "The hyperparameters as the core evaluates them: rounded to the compute dtype, broadcast to the input's shape."
    ct = _compute_dtype(dt)
    return {n: (lambda a: a if a.ndim == 0 else np.broadcast_to(a, shape))(np.asarray(jnp.asarray(p).astype(ct), np.float64))
            for n, p in hyper.items()}

def scales(hyper:dict) -> list[float]:
    "Where a surrogate of these hyperparameters has its features: each value, its half, double and reciprocals."
    vs = [abs(float(v)) for p in hyper.values() for v in np.ravel(np.asarray(p, np.float64))] or [1.]
    return sorted({s for v in vs if v > 0 for s in (v, v / 2, 2 * v, 1 / v, 1 / (2 * v), 2 / v)})

def special_values(dt, points) -> list[float]:
    "0, -0, subnormal, tiny, 1, eps, max, inf, NaN and `points`, rounded to `dt`, with both signs and their neighbours in `dt`."
    fi = jnp.finfo(dt)
    base = [0., float(fi.smallest_subnormal), float(fi.tiny), float(fi.eps), 1., float(fi.max), np.inf, np.nan, *points]
    with np.errstate(over='ignore'):
        xs = np.asarray(np.concatenate([base, np.negative(base)]), dt)
        xs = np.concatenate([xs, np.nextafter(xs, np.asarray(np.inf, dt)), np.nextafter(xs, np.asarray(-np.inf, dt))])
    return sorted(set(xs.astype(np.float64).tolist()), key=lambda v: (np.isnan(v), v))

@st.composite
def cases(draw, kinds=('float', 'float32', 'input dtype', 'per element')):
    "An activation of a drawn factory and hyperparameters, and an input of a drawn dtype, shape and values."
    name = draw(st.sampled_from(sorted(FACTORIES)))
    dt = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    hyper = draw(hyperparameters(name, shape, dt, kinds))
    ss = scales(computed(dt, hyper, shape))
    elements = st.one_of(st.sampled_from(special_values(dt, ss)), st.floats(-4, 4).flatmap(lambda u: st.sampled_from([u * s for s in ss])),
                         st.floats(-10, 10), st.floats(width=32))
    with np.errstate(over='ignore'): x = jnp.asarray(np.asarray(draw(hnp.arrays(np.float64, shape, elements=elements)), dt))
    act = getattr(axn, name)(**hyper)
    note(f"{act!r} at {dt.__name__}{list(shape)} x={np.asarray(x, np.float64).tolist()}")
    return act, x

@partial(jax.jit, static_argnums=0)
def _formula(bwd, x, hyper): return jnp.broadcast_to(bwd(x, **hyper), x.shape)

def reference(act, x, hyper64:dict) -> np.ndarray:
    "`act.bwd`, the formula each page pins against its transcription, evaluated in float64."
    with jax.enable_x64(True):
        return np.asarray(_formula(act.bwd, jnp.asarray(x, jnp.float64), {n: jnp.asarray(v, jnp.float64) for n, v in hyper64.items()}))

def magnitude(act, x, hyper64:dict) -> float:
    "The surrogate's peak |g|: on a grid spanning its features when the hyperparameters are scalars, else at `x`."
    if all(np.ndim(v) == 0 for v in hyper64.values()): x = np.outer(np.linspace(-3, 3, 61), scales(hyper64)).ravel()
    return float(np.nanmax(np.abs(reference(act, x, hyper64)), initial=0.))

def check_against_formula(act, x, g):
    """The gradient `g` equals the float64 formula at `x` to a tolerance set by the dtypes: the core evaluates it in
    the compute dtype `ct` (float32 for half precision) and rounds it to the input's dtype `dt`. So `g` must lie
    within the formula's range over x(1 +- 8 eps_ct) (rounding of x*k or of a comparison moves the argument by
    that much; it also covers jumps at breakpoints), widened by 8 eps_ct (1 + |ln g|) relative error of the
    computation (a value made as exp(z) or a power carries z's absolute error eps*|z| = eps*|ln g| as a
    relative error: tiny tail values are only that accurate), 4 eps_ct of the surrogate's peak (terms that cancel, as in a
    difference of bumps), half an ulp of `dt`
    and dt's smallest normal (subnormal results may be flushed to zero)."""
    dt, ct = x.dtype, _compute_dtype(x.dtype)
    eps, fi = float(jnp.finfo(ct).eps), jnp.finfo(dt)
    hyper = computed(dt, act.hyperparameters, x.shape)
    with np.errstate(over='ignore'):  # float64's largest values widen to +-inf, where no formula is compared (cmp below)
        xs = np.asarray(x, np.float64) * (1 + np.array([-8 * eps, 0., 8 * eps])).reshape((3,) + (1,) * x.ndim)
    refs = reference(act, xs, {n: np.broadcast_to(v, xs.shape) if np.ndim(v) else v for n, v in hyper.items()})
    peak = max(magnitude(act, x, hyper), float(np.nanmax(np.abs(refs), initial=0.)))
    got = np.asarray(g, np.float64)
    mag = np.abs(refs).max(0)
    tol = (8 * eps * mag * (1 + np.abs(np.log(np.maximum(mag, float(jnp.finfo(ct).tiny)))))
           + 4 * eps * peak + float(fi.eps) / 2 * mag + float(fi.tiny))
    cmp = np.isfinite(refs).all(0)
    bad = cmp & ((got < refs.min(0) - tol) | (got > refs.max(0) + tol))
    assert not bad.any(), (f"{act!r} at {dt}: gradient != its formula at x={np.asarray(x, np.float64)[bad]}: "
                           f"got {got[bad]}, formula {refs[1][bad]}")

@settings(max_examples=15 * PROPERTY_EXAMPLES)  # deep (make test-all): 300
@given(cases())
def test_forward_and_gradient(case):
    "Forward is exactly H(x); the gradient has x's dtype and shape, is finite wherever x is not NaN, and is the formula."
    act, x = case
    dt, x64 = x.dtype, np.asarray(x, np.float64)
    y = act(x)
    assert y.dtype == dt and y.shape == x.shape, f"forward is {y.dtype}{list(y.shape)}"
    np.testing.assert_array_equal(np.asarray(y, np.float64), (x64 > 0).astype(np.float64), err_msg="forward is not the step")
    g = grad(act, x)
    assert g.dtype == dt and g.shape == x.shape, f"gradient is {g.dtype}{list(g.shape)}"
    number = ~np.isnan(x64)
    # The backward pass of the non-NaN inputs, under jax_debug_nans: a NaN made anywhere in it raises.
    with jax.debug_nans(True):
        g_numbers = grad(act, jnp.where(jnp.asarray(number), x, jnp.zeros_like(x)))
    gn = np.asarray(g_numbers, np.float64)
    assert np.isfinite(gn).all(), f"non-finite gradient at x={x64[~np.isfinite(gn)]}"
    np.testing.assert_array_equal(np.asarray(g, np.float64)[number], gn[number], err_msg="a NaN input changed other elements' gradients")
    check_against_formula(act, x, g)

@settings(max_examples=5 * PROPERTY_EXAMPLES)  # deep: 100
@given(cases(), st.integers(1, 4), st.booleans())
def test_multilevel_and_signed(case, levels, sign):
    """multilevel(act, levels) and signed(act) around a drawn activation: their forward pass exactly, finite gradients, and
    the summed formula."""
    inner, x = case
    act = axn.signed(inner) if sign else axn.multilevel(inner, levels=levels)
    dt, x64 = x.dtype, np.asarray(x, np.float64)
    y = act(x)
    with np.errstate(invalid='ignore'):
        want = ((x64 > 0) * 1. - (-x64 - 1 > 0)) if sign else sum((x64 > j) * 1. for j in range(levels))
    assert y.dtype == dt and y.shape == x.shape
    np.testing.assert_array_equal(np.asarray(y, np.float64), want, err_msg=f"forward of {act!r}")
    g = grad(act, x)
    assert g.dtype == dt and g.shape == x.shape
    number = ~np.isnan(x64)
    finite = np.isfinite(np.asarray(g, np.float64))
    assert finite[number].all(), f"non-finite gradient at x={x64[number & ~finite]}"
    check_against_formula(act, x, g)

@settings(max_examples=5 * PROPERTY_EXAMPLES)  # deep: 100
@given(cases())
def test_transforms_agree(case):
    "jvp, vjp and grad give the same numbers, jvp is linear in the tangent, jit equals eager, vmap equals a loop."
    act, x = case
    g = grad(act, x)
    ones = jnp.ones_like(x)
    same = lambda a, b, what: np.testing.assert_array_equal(np.asarray(a, np.float64), np.asarray(b, np.float64), err_msg=what)
    same(jax.jvp(act, (x,), (ones,))[1], g, "jvp != grad")  # (as float64: NumPy's NaN == NaN skips bfloat16)
    same(jax.vjp(act, x)[1](ones)[0], g, "vjp != grad")
    # Linear in the tangent: g * t is rounded once to x's dtype, so -2 g is exact except where it is subnormal, whose
    # grid is absolute: there round(-2 g) and -2 round(g) may differ by one step of it (superspike at float16 x = -50).
    np.testing.assert_allclose(np.asarray(jax.jvp(act, (x,), (-2 * ones,))[1], np.float64), np.asarray(-2 * g, np.float64),
                               rtol=0, atol=float(jnp.finfo(x.dtype).smallest_subnormal), err_msg="jvp is not linear in the tangent")
    # Under jit, concrete hyperparameters are compile-time constants, and XLA may fold and reassociate
    # arithmetic on them (arctan(k=2) at x=-4: 1 ulp of float32): equal to a few ulps of the compute dtype.
    jitted, tiny = np.asarray(jax.jit(grad, static_argnums=0)(act, x), np.float64), float(jnp.finfo(x.dtype).tiny)
    ulps = max(4 * float(jnp.finfo(_compute_dtype(x.dtype)).eps), float(jnp.finfo(x.dtype).eps))
    np.testing.assert_allclose(jitted, np.asarray(g, np.float64), rtol=ulps, atol=tiny, err_msg="jit(grad) != grad")
    if x.ndim and x.shape[0] and accepts(act, x=x[0]):
        same(jax.vmap(lambda row: grad(act, row))(x), jnp.stack([grad(act, row) for row in x]), "vmap != a loop")

def weight_gradient_norm(factory, hyper:dict, data) -> jax.Array:
    r"$Q = \|\nabla_w L\|^2$ for $L(w) = \sum_i c_i H(x_i \cdot w)$: a quantity built from the surrogate gradient."
    xs, c, w = data
    gw = jax.grad(lambda w: jnp.sum(c * factory(**hyper)(xs @ w)))(w)
    return jnp.sum(gw * gw)

@settings(max_examples=4 * PROPERTY_EXAMPLES)  # deep: 80
@given(st.sampled_from(sorted(n for n in FACTORIES if FACTORIES[n])).flatmap(
    lambda n: st.tuples(st.just(n), hyperparameters(n, (), jnp.float32, kinds=('float',)))))
def test_hyperparameter_derivatives(case):
    "With the hyperparameters traced, dQ/dk (a derivative through the surrogate gradient) equals central finite differences, in float64."
    name, hyper = case
    factory = getattr(axn, name)
    with jax.enable_x64(True):
        k = jax.random.split(jax.random.key(0), 3)
        data = (jax.random.normal(k[0], (64, 8), jnp.float64), jax.random.normal(k[1], (64,), jnp.float64),
                jax.random.normal(k[2], (8,), jnp.float64) / 3)
        hyper = {n: jnp.float64(v) for n, v in hyper.items()}
        q = float(weight_gradient_norm(factory, hyper, data))
        dq = jax.grad(lambda hs: weight_gradient_norm(factory, hs, data))(hyper)
        for n, v in hyper.items():
            def fd(step):
                Q = lambda s: float(weight_gradient_norm(factory, {**hyper, n: v * (1 + s)}, data))
                if float(v) * (1 - step) in factory.domains[n]: return (Q(step) - Q(-step)) / (2 * step * float(v))
                return (-3 * Q(0.) + 4 * Q(step) - Q(2 * step)) / (2 * step * float(v))  # on a closed bound: one-sided
            # Q jumps where a sample crosses a breakpoint that moves with the hyperparameter: there, neither side
            # is a derivative. Two step sizes that agree show Q is smooth at v.
            coarse, fine = fd(1e-5), fd(1e-6)
            assume(abs(coarse - fine) <= 1e-4 * abs(fine) + 1e-9 * q / abs(float(v)))
            note(f"{name}({n}={float(v)}): Q={q}, jax {float(dq[n])}, finite difference {fine}")
            np.testing.assert_allclose(float(dq[n]), fine, rtol=1e-5, atol=1e-8 * q / abs(float(v)), err_msg=f"dQ/d{n} of {name}")

"""Section 8 of the benchmarks: what backpropagation through time keeps. The temporary memory of the compiled gradient
of a LIF layer over T steps (`memory_analysis().temp_size_in_bytes`, from compilation alone) with every activation
in every dtype, against the rule of spyx_axn 0.1.0 (g kept in float32 for every activation, re-created here), the
least a hand-written `jax.custom_vjp` keeps, and spyx 1.0.0; the longest T within a memory budget; and the time of
the gradient against that hand-written floor, timed in turn."""
from functools import partial
import numpy as np
import jax
import jax.numpy as jnp
from timing import spyx_axn_1, timed  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn
from spyx_axn.core import _arguments, _compute_dtype as _compute, _evaluate, heaviside

DTYPES = (jnp.float32, jnp.bfloat16, jnp.float16)
TS = (100, 400, 1000)
B, N_IN, N = 64, 128, 1024
BUDGET = 4 * 2**30
"The memory budget of the longest-T column: 4 GiB."
LONGEST = 10**6
"The longest T looked for: a million steps, where the surrogate keeps nothing and the layer's memory hardly grows."


def activations() -> dict:
    "Every activation of the registry at its defaults, the straight-through `custom()`, and two combinators."
    acts = {'custom': axn.custom(), **{n: axn.get(n) for n in axn.available()}}
    acts['multilevel(boxcar)'] = axn.multilevel(axn.boxcar(), levels=4)
    acts['signed(boxcar)'] = axn.signed(axn.boxcar())
    return acts


def lif_gradient(act, T: int, dtype, b: int = B, n_in: int = N_IN, n: int = N):
    """The jitted gradient, with respect to the input weights, of the spike count of a LIF layer (decay 0.9, threshold
    1, reset by subtraction) over T steps, lowered for a batch `b`, `n_in` inputs and `n` neurons in `dtype`. The
    count is summed in the carry, so that the spikes are not stacked: what the scan keeps per step is the surrogate's."""
    def count(w, x):
        def step(carry, xt):
            v, total = carry
            s = act(v - jnp.asarray(1, dtype))
            return (jnp.asarray(0.9, dtype) * v + xt @ w - s, total + s.astype(jnp.float32).sum()), None
        return jax.lax.scan(step, (jnp.zeros((b, n), dtype), jnp.zeros((), jnp.float32)), x)[0][1]
    args = jax.ShapeDtypeStruct((n_in, n), dtype), jax.ShapeDtypeStruct((T, b, n_in), dtype)
    return jax.jit(jax.grad(count)), args


def temp_bytes(act, T: int, dtype, **sizes) -> int:
    "The temporary memory, in bytes, of `lif_gradient` compiled."
    f, args = lif_gradient(act, T, dtype, **sizes)
    return int(f.lower(*args).compile().memory_analysis().temp_size_in_bytes)


def _g(act, x):
    "`act`'s surrogate at x, in the compute dtype, its hyperparameters as constants of the program."
    return _evaluate(act.bwd, x, act.hyperparameters)


def _inputs(T: int, dtype) -> tuple:
    "Input weights and T steps of input spikes (probability 0.2) for `lif_gradient`, in `dtype`."
    kx, kw = jax.random.split(jax.random.key(0))
    return ((jax.random.normal(kw, (N_IN, N)) / np.sqrt(N_IN)).astype(dtype),
            (jax.random.uniform(kx, (T, B, N_IN)) < 0.2).astype(dtype))


def hand_written(keep, recompute):
    """A spike with a hand-written `jax.custom_vjp`: forward the step, keeping `keep(x)`; backward the cotangent times
    `recompute(kept, x's dtype)` in the compute dtype, rounded once."""
    @jax.custom_vjp
    def spike(x): return heaviside(x)
    def fwd(x): return heaviside(x), keep(x)
    def bwd(kept, ct):
        g = recompute(kept, ct.dtype)
        return ((ct.astype(g.dtype) * g).astype(ct.dtype),)
    spike.defvjp(fwd, bwd)
    return spike


def floors(name: str, act) -> dict:
    """The hand-written spikes that keep the least, by what they keep: g in the compute dtype and x for every
    activation; nothing for the straight-through estimator; for the two-valued surrogates, the window mask as
    booleans, and for multilevel and signed of the boxcar the count of windows hit, one byte."""
    out = {}  # the least first: where two floors keep the same, the table names the first
    h = {k: float(v) for k, v in getattr(act, 'act', act).hyperparameters.items()}
    one = lambda dt: jnp.ones((), _compute(dt))
    if name in ('custom', 'straight_through'):
        out['nothing'] = hand_written(lambda x: (), lambda _, dt: one(dt))
    if name == 'boxcar':
        out['mask'] = hand_written(lambda x: jnp.abs(x.astype(_compute(x.dtype))) <= h['width'] / 2,
                                   lambda m, dt: jnp.where(m, h['height'], 0).astype(_compute(dt)))
    if name == 'piecewise_leaky_relu':
        out['mask'] = hand_written(lambda x: jnp.abs(x.astype(_compute(x.dtype))) <= h['width'] / 2,
                                   lambda m, dt: jnp.where(m, 1 / h['width'], h['leak']).astype(_compute(dt)))
    if name in ('multilevel(boxcar)', 'signed(boxcar)'):
        shifts = [lambda x, j=j: x - j for j in range(4)] if name.startswith('multilevel') else [lambda x: x, lambda x: -x - 1]
        def count(x):
            x = x.astype(_compute(x.dtype))
            return sum((jnp.abs(s(x)) <= h['width'] / 2).astype(jnp.uint8) for s in shifts)
        out['count'] = hand_written(count, lambda n, dt: (h['height'] * n.astype(_compute(dt))))
    out['input'] = hand_written(lambda x: x, lambda x, dt: _g(act, x))
    out['surrogate'] = hand_written(lambda x: _g(act, x), lambda g, dt: g)
    return out


def kept(act, dtype) -> str:
    "What `jax.vjp` of `act` keeps per element, by dtype ('nothing' where it keeps no array of the input's shape)."
    leaves = jax.tree_util.tree_leaves(jax.eval_shape(lambda x: jax.vjp(act, x)[1], jax.ShapeDtypeStruct((8, 4), dtype)))
    return ' + '.join(jnp.dtype(l.dtype).name for l in leaves if getattr(l, 'shape', None) == (8, 4)) or 'nothing'


def before(act):
    """The rule of spyx_axn 0.1.0, re-created: a jitted `custom_jvp` that takes the hyperparameters as arguments, whose
    tangent is g(x) times the tangent, g computed in the rule and so kept in the compute dtype, whatever the
    activation."""
    @partial(jax.custom_jvp, nondiff_argnums=(0,))
    def spike(bwd, x, params): return heaviside(x)
    @spike.defjvp
    def rule(bwd, primals, tangents):
        (x, params), (t, _) = primals, tangents
        g = _evaluate(bwd, x, params)
        return heaviside(x), (g * t.astype(g.dtype)).astype(x.dtype)
    apply = jax.jit(spike, static_argnums=0)
    return lambda x: apply(act.bwd, x, _arguments(act.hyperparameters))


def policies(reps: int, T: int, timing_T: int) -> list:
    """The half-precision policy measured: SuperSpike's gradient in bfloat16 and float16 under `residuals(half=...)`,
    keeping x ('input') or g in float32 ('surrogate'). For each dtype, the temporary bytes at T under each, and the
    seconds of each repetition of the gradient at `timing_T` under each, timed in turn."""
    out = []
    for dt in (jnp.bfloat16, jnp.float16):
        mem, fns = {}, {}
        for half in ('input', 'surrogate'):
            with axn.residuals(half=half):  # read when the activation is traced: at lowering
                mem[half] = temp_bytes(axn.superspike(), T, dt)
                f, args = lif_gradient(axn.superspike(), timing_T, dt)
                fns[half] = f.lower(*args).compile()
        out.append(dict(dtype=jnp.dtype(dt).name, bytes=mem, times=timed(fns, *_inputs(timing_T, dt), reps=reps)))
    return out


def residuals(reps: int, Ts=TS, timing_T: int = 100) -> dict:
    """Section 8. For every activation and dtype: the temporary bytes at each T of `Ts` ('library'), and at the last T of
    the rule of 0.1.0 ('before', at each T), of each hand-written floor ('floors') and of spyx 1.0.0's activation of that name
    ('spyx', where it has one); the longest T within `BUDGET` ('longest', from a linear fit of the library's bytes over
    `Ts`, then compiled at that T to check it); and the seconds of each repetition of the gradient at `timing_T` with
    the library, with its smallest floor and with the rule of 0.1.0, timed in turn ('times'). What the library keeps
    per element: 'kept'. And the half-precision policy, measured by `policies` ('policies')."""
    rows, T = [], Ts[-1]
    for dt in DTYPES:
        for name, act in activations().items():
            lib = [temp_bytes(act, t, dt) for t in Ts]
            fl = {k: temp_bytes(f, T, dt) for k, f in floors(name, act).items()}
            row = dict(dtype=jnp.dtype(dt).name, name=name, kept=kept(act, dt), library=lib,
                       before=[temp_bytes(before(act), t, dt) for t in Ts], floors=fl)
            if spyx_axn_1 is not None and name in ('superspike', 'arctan', 'tanh', 'boxcar', 'triangular'):
                row['spyx'] = temp_bytes(getattr(spyx_axn_1, name)(), T, dt)
            slope, icept = np.polyfit(Ts, lib, 1)
            longest = min(int((BUDGET - icept) / slope), LONGEST) if slope > 0 else LONGEST
            row['longest'] = dict(T=longest, bytes=None if longest is None else temp_bytes(act, longest, dt))
            least = min(fl, key=fl.get)
            fns = {'library': lif_gradient(act, timing_T, dt)[0], 'floor': lif_gradient(floors(name, act)[least], timing_T, dt)[0],
                   'before': lif_gradient(before(act), timing_T, dt)[0]}
            row['times'] = timed(fns, *_inputs(timing_T, dt), reps=reps)
            row['least'] = least
            rows.append(row)
            print(f"  8 {row['dtype']} {name}: {lib[-1] / 2**20:.1f} MiB (0.1.0 {row['before'][-1] / 2**20:.1f}, "
                  f"floor {fl[least] / 2**20:.1f})", flush=True)
    return dict(Ts=list(Ts), timing_T=timing_T, batch=B, inputs=N_IN, width=N, budget=BUDGET, rows=rows,
                policies=policies(reps, T, timing_T))

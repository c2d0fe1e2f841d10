"""Sections 1, 2 and 2b of the benchmarks: forward and backward passes of every activation on one large array of each
dtype, against the elementwise floor, against the activation written out by hand and against spyx 1.0.0."""
import jax
import jax.numpy as jnp
from timing import recycled, spyx_axn_1, timed  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn

DTYPES = (jnp.float32, jnp.bfloat16, jnp.float16)
SPYX_NAMES = ['superspike', 'arctan', 'tanh', 'boxcar', 'triangular', 'custom']


def fwd_bwd(act):
    "Forward and backward of `act` in one program: reads x and the cotangent, writes spikes and gradient."
    def f(x, ct):
        y, vjp = jax.vjp(act, x)
        return y, vjp(ct)[0]
    return jax.jit(f)


def floor(x, ct):
    """The least elementwise work that moves the same bytes: two arrays read, two written, one comparison and one
    product."""
    return (x > 0).astype(x.dtype), ct * x


def own_floor(act):
    """`act` written out by hand in one jitted function, without spyx_axn's wrapper: the step, and the cotangent times
    its own surrogate `act.bwd` at its hyperparameters (constants here), computed in float32 for half-precision
    input."""
    def f(x, ct):
        c = jnp.promote_types(x.dtype, jnp.float32)
        return (x > 0).astype(x.dtype), (ct.astype(c) * act.bwd(x.astype(c), **act.hyperparameters)).astype(x.dtype)
    return jax.jit(f)


def elementwise(n: int, reps: int) -> list:
    """Sections 1 and 2: forward+backward on `n` elements, timed in turn with the elementwise floor, with the same
    activation written out by hand (its own floor) and with spyx 1.0.0's. For each dtype, its size in bytes and the
    seconds of each repetition by library ('spyx_axn', whose 'floor' is the elementwise floor; 'own'; 'spyx', where
    installed) and activation."""
    out = []
    for dt in DTYPES:
        kx, kc = jax.random.split(jax.random.key(0))
        x, ct = jax.random.normal(kx, (n,), dt), jax.random.normal(kc, (n,), dt)
        fns = {('spyx_axn', 'floor'): recycled(floor)}
        for name in ['custom'] + axn.available():
            act = axn.custom() if name == 'custom' else axn.get(name)
            fns['spyx_axn', name], fns['own', name] = recycled(fwd_bwd(act)), recycled(own_floor(act))
            if spyx_axn_1 is not None and name in SPYX_NAMES:
                fns['spyx', name] = recycled(fwd_bwd(getattr(spyx_axn_1, name)()))
        times = {}
        for (lib, name), ts in timed(fns, x, ct, reps=reps).items(): times.setdefault(lib, {})[name] = ts
        out.append(dict(dtype=jnp.dtype(dt).name, itemsize=jnp.dtype(dt).itemsize, times=times))
    return out


def _multilevel_floor(x, ct, D=4, k=25.):
    """multilevel(superspike(k=25), levels=4) written out by hand: the staircase, and the cotangent times the summed
    bumps, computed in float32 for half-precision input as the library computes it."""
    c = jnp.promote_types(x.dtype, jnp.float32)
    xc = x.astype(c)
    g = sum(jnp.square(1 / (1 + k * jnp.abs(xc - j))) for j in range(D))
    return sum((xc > j) for j in range(D)).astype(x.dtype), (ct.astype(c) * g).astype(x.dtype)


def _escape_floor(x, ct, key, k=4.):
    """escape_noise(sigmoid(k=4)) written out by hand: one uniform draw against sigmoid(kx), and the cotangent times its
    derivative."""
    p = jax.nn.sigmoid(k * x.astype(jnp.float32))
    y = (jax.random.uniform(key, x.shape) < p).astype(x.dtype)
    return y, (ct.astype(jnp.float32) * k * p * (1 - p)).astype(x.dtype)


def wrapped(n: int, reps: int) -> list:
    """Section 2b: forward+backward of multilevel (D = 4) and escape_noise, each timed in turn with its own fused floor.
    For each dtype and activation, its name and the seconds of each repetition of it and of its floor."""
    rows = []
    ml, esc = axn.multilevel(axn.superspike(k=25.), levels=4), axn.escape_noise(axn.sigmoid(k=4.))
    def esc_fwd_bwd(x, ct, key):
        y, vjp = jax.vjp(lambda x: esc(x, key), x)
        return y, vjp(ct)[0]
    for dt in DTYPES:
        kx, kc, kk = jax.random.split(jax.random.key(0), 3)
        x, ct = jax.random.normal(kx, (n,), dt) * 3, jax.random.normal(kc, (n,), dt)
        t = timed({'multilevel': recycled(fwd_bwd(ml)), 'multilevel floor': recycled(_multilevel_floor)},
                  x, ct, reps=reps)
        t.update(timed({'escape_noise': recycled(esc_fwd_bwd), 'escape_noise floor': recycled(_escape_floor)},
                       x, ct, kk, reps=reps))
        rows += [dict(dtype=jnp.dtype(dt).name, name=repr(act), t=t[name], floor=t[f'{name} floor'])
                 for name, act in (('multilevel', ml), ('escape_noise', esc))]
    return rows

"""Why bfloat16 is slow in the framework benchmark's LIF loop on a CPU, and whether the package is the cause: the LIF
layer alone (the README's loop, batch 16, 500 steps, 512 neurons, the gradient of the spike count with respect to the
current), in float32 and in bfloat16, with `superspike()` and with SuperSpike written by hand as a `jax.custom_vjp`
(its surrogate computed in float32, as spyx_axn computes a half-precision one). Prints the median milliseconds of each
(all four taking turns in every repetition) and the bfloat16 / float32 ratios.

    python benchmarks/loop_dtypes.py [REPS]"""
import sys
import numpy as np
import jax
import jax.numpy as jnp
from timing import timed, machine  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn

T, B, N = 500, 16, 512


@jax.custom_vjp
def by_hand(x): return (x > 0).astype(x.dtype)
def _fwd(x): return by_hand(x), x
def _bwd(x, ct):
    g = 1 / (1 + 25 * jnp.abs(x.astype(jnp.float32))) ** 2
    return ((ct.astype(jnp.float32) * g).astype(x.dtype),)
by_hand.defvjp(_fwd, _bwd)


def program(spike, dtype):
    "The gradient of the layer's spike count with respect to its input current [T, B, N]."
    def lif(current):
        def step(v, i):
            v = jnp.asarray(0.9, dtype) * v + i
            s = spike(v - jnp.asarray(1., dtype))
            return v - s, s
        return jax.lax.scan(step, jnp.zeros_like(current[0]), current)[1]
    return jax.jit(jax.grad(lambda c: lif(c).astype(jnp.float32).sum()))


def main(reps: int = 9):
    current = np.random.default_rng(0).standard_normal((T, B, N)).astype(np.float32)
    fns, args = {}, {}
    for dt in ('float32', 'bfloat16'):
        for name, spike in (('superspike()', axn.superspike()), ('by hand', by_hand)):
            fns[dt, name] = program(spike, jnp.dtype(dt))
            args[dt, name] = jnp.asarray(current, dt)
    # `timed` calls every function on the same arguments: each gets its own through a closure
    calls = {k: (lambda f=f, a=args[k]: f(a)) for k, f in fns.items()}
    ms = {k: 1e3 * float(np.median(t)) for k, t in timed(calls, reps=reps).items()}
    print(f"{machine()}\n")
    print(f"LIF layer alone, T = {T}, batch {B}, {N} neurons, forward and backward: median ms of {reps} repetitions\n")
    print("| spike | float32 | bfloat16 | bfloat16 / float32 |\n|---|---|---|---|")
    for name in ('superspike()', 'by hand'):
        f32, bf16 = ms['float32', name], ms['bfloat16', name]
        print(f"| {name} | {f32:.1f} | {bf16:.1f} | {bf16 / f32:.1f} |")


if __name__ == '__main__':
    main(*map(int, sys.argv[1:2]))

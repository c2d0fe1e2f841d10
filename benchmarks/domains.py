"""What checking a traced hyperparameter against its domain costs: the gradient of a sum of spikes over 2^16, 2^20 and
2^23 float32 inputs, the hyperparameter traced (a `jit` argument), with the check (the factory, whose hyperparameter is NaN
wherever the value is outside the domain) and without it (the undecorated factory, `factory.__wrapped__`), for three
surrogates. The selects by which a formula that reads a hyperparameter in one branch or only through a comparison
gives NaN (dspike's, boxcar's) are part of the formula, in both programs: this measures the check alone. Prints a
table of XLA's FLOP count for each compiled program and the median time of each (both in one run, taking turns), and
their ratios. A concrete hyperparameter is checked when the activation is built, and costs nothing.

The NaN itself is a select on a scalar inside the same fused loop: the FLOPs do not change. What a traced check does
cost is a fixed time per call of the compiled program, whatever its size: the check that `domain_errors` turns into an
error (`checkify.debug_check`) marks the program as having an effect, which JAX dispatches by its slower path. On two
CPU cores that was 50 to 80 microseconds a call (2-4x at 2^16 inputs, 1.3x at 2^20, 1.02-1.04x at 2^23); a training
step that traces its slopes pays it once per step.

    python benchmarks/domains.py [REPS]"""
import sys
import numpy as np
import jax
import jax.numpy as jnp
from timing import timed, machine  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn

SIZES = (2 ** 16, 2 ** 20, 2 ** 23)
CASES = {'superspike': 'k', 'dspike': 'b', 'boxcar': 'width'}


def program(factory, name):
    "The gradient of the spike count with respect to x, the hyperparameter `name` a traced argument."
    return jax.jit(lambda v, x: jax.grad(lambda x: factory(**{name: v})(x).sum())(x))


def flops(f, *args) -> float:
    cost = f.lower(*args).compile().cost_analysis()
    return float((cost[0] if isinstance(cost, (list, tuple)) else cost)['flops'])


def main(reps: int = 30):
    print(f"{machine()}\n")
    print("| inputs | surrogate | FLOPs unchecked | FLOPs checked | ratio | ms unchecked | ms checked | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for n, (factory, name) in ((n, c) for n in SIZES for c in CASES.items()):
        x = jax.random.normal(jax.random.key(0), (n,), jnp.float32)
        f = getattr(axn, factory)
        v = jnp.float32(f().hyperparameters[name])
        fns = {'unchecked': program(f.__wrapped__, name), 'checked': program(f, name)}
        assert np.array_equal(fns['unchecked'](v, x), fns['checked'](v, x))  # in the domain: the same gradient, bit for bit
        fl = {k: flops(g, v, x) for k, g in fns.items()}
        t = {k: 1e3 * float(np.median(s)) for k, s in timed(fns, v, x, reps=reps).items()}
        print(f"| 2^{n.bit_length() - 1} | {factory} | {fl['unchecked']:.3g} | {fl['checked']:.3g} | {fl['checked'] / fl['unchecked']:.3f} "
              f"| {t['unchecked']:.3f} | {t['checked']:.3f} | {t['checked'] / t['unchecked']:.3f} |")


if __name__ == '__main__':
    main(*map(int, sys.argv[1:2]))

"""What checking a traced hyperparameter against its domain costs: the gradient of a sum of spikes over 2^20 float32
inputs, the hyperparameter traced (a `jit` argument), with the check (the factory, whose hyperparameter is NaN
wherever the value is outside the domain) and without it (the undecorated factory, `factory.__wrapped__`), for three
surrogates. The selects by which a formula that reads a hyperparameter in one branch or only through a comparison
gives NaN (dspike's, boxcar's) are part of the formula, in both programs: this measures the check alone. Prints a
table of XLA's FLOP count for each compiled program and the median time of each (both in one run, taking turns), and
their ratios. A concrete hyperparameter is checked when the activation is built, and costs nothing.

    python benchmarks/domains.py [REPS]"""
import sys
import numpy as np
import jax
import jax.numpy as jnp
from timing import timed, machine  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn

N = 2 ** 20
CASES = {'superspike': 'k', 'dspike': 'b', 'boxcar': 'width'}


def program(factory, name):
    "The gradient of the spike count with respect to x, the hyperparameter `name` a traced argument."
    return jax.jit(lambda v, x: jax.grad(lambda x: factory(**{name: v})(x).sum())(x))


def flops(f, *args) -> float:
    cost = f.lower(*args).compile().cost_analysis()
    return float((cost[0] if isinstance(cost, (list, tuple)) else cost)['flops'])


def main(reps: int = 30):
    x = jax.random.normal(jax.random.key(0), (N,), jnp.float32)
    print(f"{machine()}\n")
    print("| surrogate | FLOPs unchecked | FLOPs checked | ratio | ms unchecked | ms checked | ratio |")
    print("|---|---|---|---|---|---|---|")
    for factory, name in CASES.items():
        f = getattr(axn, factory)
        v = jnp.float32(f().hyperparameters[name])
        fns = {'unchecked': program(f.__wrapped__, name), 'checked': program(f, name)}
        assert np.array_equal(fns['unchecked'](v, x), fns['checked'](v, x))  # in the domain: the same gradient, bit for bit
        fl = {k: flops(g, v, x) for k, g in fns.items()}
        t = {k: 1e3 * float(np.median(s)) for k, s in timed(fns, v, x, reps=reps).items()}
        print(f"| {factory} | {fl['unchecked']:.3g} | {fl['checked']:.3g} | {fl['checked'] / fl['unchecked']:.3f} "
              f"| {t['unchecked']:.3f} | {t['checked']:.3f} | {t['checked'] / t['unchecked']:.3f} |")


if __name__ == '__main__':
    main(*map(int, sys.argv[1:2]))

"""Section 7 of the benchmarks: what `spyx_axn.diagnostics` costs against one training step of the Randman network of
`spyx_axn.training` (20 inputs, 100 hidden LIF neurons, 10 readouts, 50 time steps, a batch of 64), which
`train(..., diagnostics=True)` diagnoses once per epoch."""
import jax
import jax.numpy as jnp
from timing import timed  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn
from spyx_axn.diagnostics import active_fraction, alignment, curl, diagnose
from spyx_axn.training import _adam, forward, init, loss, randman


def diagnostics(reps: int) -> dict:
    """The seconds of each repetition of a training step (gradient and Adam update) and of each diagnostic on the same
    batch, compiled, with SuperSpike at its default: `diagnose` (alignment with the twin and the curl from one
    direction, what training records), alignment and curl alone, curl from 8 directions, and the active fraction with
    the forward pass that gives it the potentials."""
    x, y = randman()
    x, y = jnp.asarray(x[:64]), jnp.asarray(y[:64])
    params = init(jax.random.key(0), 20, 100, 10)
    moments = jax.tree.map(lambda p: (jnp.zeros_like(p), jnp.zeros_like(p)), params)
    act, key = axn.superspike(), jax.random.key(1)
    f = lambda p, spike: loss(p, x, y, spike)

    def step(params, moments):  # train's step: the gradient and Adam's update, as `train` takes it
        return _adam(params, moments, jax.grad(loss)(params, x, y, act), 1, 1e-2)

    fns = {'step': jax.jit(step),
           'diagnose': jax.jit(lambda p, m: diagnose(f, p, act, key)),
           'alignment': jax.jit(lambda p, m: alignment(f, p, act)),
           'curl': jax.jit(lambda p, m: curl(f, p, act, key, n=1)),
           'curl, 8 directions': jax.jit(lambda p, m: curl(f, p, act, key, n=8)),
           'active fraction': jax.jit(lambda p, m: active_fraction(forward(p, x, act, potentials=True)[2], act))}
    return timed(fns, params, moments, reps=reps)

"""Sections 3 to 6 of the benchmarks: a LIF training step with spyx_axn's and spyx 1.0.0's SuperSpike, gradients for
many slopes, the time of importing spyx_axn, and how the first two grow with the work."""
import os, re, subprocess, sys, time
import numpy as np
import jax
import jax.numpy as jnp
from timing import ROOT, spyx_axn_1, timed  # first: it puts this repository's spyx_axn on the path
import spyx_axn as axn
from spyx_axn.training import loss


def lif_step(act, T: int, B: int, sizes: tuple, lr: float = 1e-3):
    """A jitted SGD step of the 700-256-20 LIF network of `spyx_axn.training` (lax.scan over T steps) with `act`, and
    its inputs."""
    n_in, n_hidden, n_out = sizes
    kx, kw1, kw2 = jax.random.split(jax.random.key(1), 3)
    x = (jax.random.uniform(kx, (B, T, n_in)) < 0.05).astype(jnp.float32)
    y = jnp.arange(B) % n_out
    params = {'w_in': jax.random.normal(kw1, (n_in, n_hidden)) * 3 / np.sqrt(n_in),
              'w_out': jax.random.normal(kw2, (n_hidden, n_out)) / np.sqrt(n_hidden)}
    def step(params, x, y):
        l, g = jax.value_and_grad(loss)(params, x, y, act)
        return jax.tree.map(lambda p, g: p - lr * g, params, g), l
    return step, (params, x, y)


def program(compiled) -> dict:
    """A compiled step's temporary memory in bytes, its size (lines of optimised HLO, fusions) and XLA's cost analysis
    (floating-point operations and bytes accessed per step); NaN where JAX does not report one."""
    mem, hlo = compiled.memory_analysis(), compiled.as_text()
    cost = compiled.cost_analysis()
    cost = (cost[0] if isinstance(cost, (list, tuple)) else cost) or {}  # a list of one dict in older JAX
    return dict(temp_bytes=getattr(mem, 'temp_size_in_bytes', float('nan')), lines=len(hlo.splitlines()),
                fusions=len(re.findall(r'^\s*\S+ = \S+ fusion\(', hlo, re.M)),
                flops=cost.get('flops', float('nan')), bytes=cost.get('bytes accessed', float('nan')))


def network(T: int, B: int, sizes: tuple, reps: int) -> dict:
    """Section 3: a LIF training step with spyx_axn's and spyx 1.0.0's SuperSpike ('spyx_axn', 'spyx'): for each, the
    seconds of three compilations ('compiles'), the compiled `program` and the seconds of each repetition ('steps')."""
    acts = {'spyx_axn': axn.superspike()}
    if spyx_axn_1 is not None: acts['spyx'] = spyx_axn_1.superspike()
    steps, compiles = {}, {lib: [] for lib in acts}
    for _ in range(3):  # the libraries take turns, so that one-time costs of the first compilation fall on neither
        for lib, act in acts.items():
            step, args = lif_step(act, T, B, sizes)
            t = time.perf_counter(); steps[lib] = jax.jit(step).lower(*args).compile()
            compiles[lib].append(time.perf_counter() - t)
    rows = {lib: dict(compiles=compiles[lib], **program(steps[lib])) for lib in acts}
    for lib, ts in timed(steps, *args, reps=reps).items(): rows[lib]['steps'] = ts
    return rows


def slopes(T: int, B: int, sizes: tuple, n_k: int) -> dict:
    """Section 4: the seconds, compilation included, of gradients of the LIF loss for `n_k` slopes: one vmapped program
    ('vmap'), a jit argument ('jit'), or spyx's rebuild per k ('spyx')."""
    ks = jnp.geomspace(1., 100., n_k)
    _, (params, x, y) = lif_step(axn.superspike(), T, B, sizes)
    grad_k = lambda k, params, x, y: jax.grad(loss)(params, x, y, axn.superspike(k))
    out = {}
    t = time.perf_counter()
    jax.block_until_ready(jax.jit(jax.vmap(grad_k, (0, None, None, None)))(ks, params, x, y))
    out['vmap'] = time.perf_counter() - t
    t = time.perf_counter()
    g = jax.jit(grad_k)
    jax.block_until_ready([g(k, params, x, y) for k in ks])
    out['jit'] = time.perf_counter() - t
    if spyx_axn_1 is not None:
        t = time.perf_counter()
        jax.block_until_ready([jax.jit(lambda p, x, y, a=spyx_axn_1.superspike(float(k)): jax.grad(loss)(p, x, y, a))(
            params, x, y) for k in ks])
        out['spyx'] = time.perf_counter() - t
    return out


def scaling(T: int, B: int, sizes: tuple, n_k: int, net: dict, sw: dict, Ts: tuple, widths: tuple, n_ks: tuple,
            reps: int) -> dict:
    """Section 6: how the costs grow with the work. The training step of section 3 at other lengths (its hidden width)
    and other hidden widths (its length), and the slope sweep of section 4 at other numbers of slopes, each measured
    with spyx 1.0.0 at that size. The sizes of sections 3 and 4 are their rows, measured once."""
    n_in, hidden, n_out = sizes
    steps = [dict(T=t, width=hidden, network=net if t == T else network(t, B, sizes, reps)) for t in Ts]
    steps += [dict(T=T, width=w, network=network(T, B, (n_in, w, n_out), reps)) for w in widths if w != hidden]
    sweeps = [dict(n_k=k, slopes=sw if k == n_k else slopes(T, B, sizes, k)) for k in n_ks]
    return dict(steps=steps, sweeps=sweeps)


def imports(reps: int) -> list:
    """Section 5: in each of `reps` fresh interpreters, the seconds of `import jax` and then of `import jax` and
    `import spyx_axn` together."""
    code = ("import time; t = time.perf_counter(); import jax; a = time.perf_counter(); import spyx_axn; "
            "print(a - t, time.perf_counter() - t)")
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get('PYTHONPATH')] if p])}
    return [list(map(float, subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                                           cwd=ROOT, env=env).stdout.split())) for _ in range(reps)]

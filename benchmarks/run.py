"""Benchmarks of spyx_axn against the memory-bandwidth floor and against spyx 1.0.0, in one process.

    python benchmarks/run.py            # full run: writes benchmarks/results.md and results.png (about 10 min on two cores)
    python benchmarks/run.py --quick    # about a minute and a half on two cores: writes benchmarks/quick/
    python benchmarks/run.py --out benchmarks/results-h200 --peak-gbps 4800

Every figure is the median of several repetitions after a warm-up call, each timed to
`jax.block_until_ready`. spyx 1.0.0 (`pip install spyx_axn[bench]`) is optional: without it the
comparisons with spyx are skipped and say so.
"""
import argparse, os, platform, re, statistics, subprocess, sys, time
from pathlib import Path
import numpy as np
import jax
import jax.numpy as jnp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import spyx_axn as axn
from spyx_axn.training import loss

try:
    import spyx.axn as spyx_axn_1
    SPYX = __import__('spyx').__version__
except ImportError:
    spyx_axn_1, SPYX = None, None

PEAK_GBPS = {'NVIDIA H200': 4800, 'NVIDIA H100 80GB HBM3': 3350, 'NVIDIA H100': 3350,
             'NVIDIA A100-SXM4-80GB': 2039, 'NVIDIA A100-SXM4-40GB': 1555}
"Vendor peak memory bandwidth (GB/s), by `jax.Device.device_kind`; `--peak-gbps` overrides it."
SPYX_NAMES = ['superspike', 'arctan', 'tanh', 'boxcar', 'triangular', 'custom']


def timed(fns: dict, *args, reps: int, min_s: float = 0.01, every: bool = False) -> dict:
    """Median seconds of one call of each function in `fns` on `args` (with `every`, the seconds of each repetition).
    The functions take turns in every repetition, so that a change in the machine's load falls on all of them alike;
    calls are batched so that each timed repetition lasts at least `min_s`."""
    inner = {}
    for name, f in fns.items():
        jax.block_until_ready(f(*args))
        t = time.perf_counter(); jax.block_until_ready(f(*args)); one = time.perf_counter() - t
        inner[name] = max(1, int(min_s / max(one, 1e-9)))
    times = {name: [] for name in fns}
    for _ in range(reps):
        for name, f in fns.items():
            t = time.perf_counter()
            for _ in range(inner[name]): out = f(*args)
            jax.block_until_ready(out)
            times[name].append((time.perf_counter() - t) / inner[name])
    return times if every else {name: statistics.median(ts) for name, ts in times.items()}


def ratios(a: list, b: list) -> list:
    """The paired ratios of two functions timed in turn by `timed(..., every=True)`: a / b within each repetition.
    Every ratio in the report is their median, so that a change of load between repetitions cancels out."""
    return [x / y for x, y in zip(a, b)]


def machine() -> str:
    "The processor, its cores, the JAX device and the library versions, as one line."
    cpu = platform.processor() or platform.machine()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    d = jax.devices()[0]
    load = f", load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, 'getloadavg') else ''
    return (f"{cpu}, {cores} cores{load}; JAX {jax.__version__} on {d.platform} ({d.device_kind}); "
            f"spyx_axn {axn.__version__}; spyx {SPYX or 'not installed'}")


def fwd_bwd(act):
    "Forward and backward of `act` in one program: reads x and the cotangent, writes spikes and gradient."
    def f(x, ct):
        y, vjp = jax.vjp(act, x)
        return y, vjp(ct)[0]
    return jax.jit(f)


def recycled(fn):
    """`fn(*args)`, which returns two arrays of the input's shape and dtype (spikes and gradient), compiled so that each
    call writes them into the buffers of the call before, donated to it. Otherwise every call's outputs are fresh
    memory, which the operating system maps and zeroes page by page as the program first writes it: on the two-core
    CPU that was half to three quarters of a call's time at 2^24 elements, a cost of the allocator and not of the
    function."""
    f = jax.jit(lambda y, g, *args: fn(*args), donate_argnums=(0, 1), keep_unused=True)  # kept, or JAX drops them
    out = None
    def call(*args):
        nonlocal out
        out = f(*(out or (jnp.empty_like(args[0]), jnp.empty_like(args[0]))), *args)
        return out
    return call


def floor(x, ct):
    "The least elementwise work that moves the same bytes: two arrays read, two written, one comparison and one product."
    return (x > 0).astype(x.dtype), ct * x


def own_floor(act):
    """`act` written out by hand in one jitted function, without spyx_axn's wrapper: the step, and the cotangent times
    its own surrogate `act.bwd` at its hyperparameters (constants here), computed in float32 for half-precision input."""
    def f(x, ct):
        c = jnp.promote_types(x.dtype, jnp.float32)
        return (x > 0).astype(x.dtype), (ct.astype(c) * act.bwd(x.astype(c), **act.hyperparameters)).astype(x.dtype)
    return jax.jit(f)


def elementwise(n: int, reps: int, peak: float | None):
    """Section 1 and 2: forward+backward on `n` elements, against the elementwise floor, against the same activation
    written out by hand (its own floor) and against spyx 1.0.0."""
    rows = []
    for dt in (jnp.float32, jnp.bfloat16, jnp.float16):
        kx, kc = jax.random.split(jax.random.key(0))
        x, ct = jax.random.normal(kx, (n,), dt), jax.random.normal(kc, (n,), dt)
        gb = 4 * n * jnp.dtype(dt).itemsize / 1e9
        fns = {('spyx_axn', 'floor'): recycled(floor)}
        for name in ['custom'] + axn.available():
            act = axn.custom() if name == 'custom' else axn.get(name)
            fns['spyx_axn', name], fns['own', name] = recycled(fwd_bwd(act)), recycled(own_floor(act))
            if spyx_axn_1 is not None and name in SPYX_NAMES: fns['spyx', name] = recycled(fwd_bwd(getattr(spyx_axn_1, name)()))
        every = timed(fns, x, ct, reps=reps, every=True)
        t = {k: statistics.median(v) for k, v in every.items()}
        ratio = lambda a, b: statistics.median(ratios(every[a], every[b])) if b in every else None
        for lib, name in fns:
            if lib != 'spyx_axn': continue
            rows.append(dict(dtype=jnp.dtype(dt).name, name=name, t=t[lib, name], gbps=gb / t[lib, name],
                             floor=ratio((lib, name), (lib, 'floor')) if name != 'floor' else None,
                             own=ratio((lib, name), ('own', name)), spyx=ratio((lib, name), ('spyx', name))))
    for r in rows: r['peak'] = peak and r['gbps'] / peak
    return rows


def _multilevel_floor(x, ct, D=4, k=25.):
    """multilevel(superspike(k=25), levels=4) written out by hand: the staircase, and the cotangent times the summed bumps,
    computed in float32 for half-precision input as the library computes it."""
    c = jnp.promote_types(x.dtype, jnp.float32)
    xc = x.astype(c)
    g = sum(jnp.square(1 / (1 + k * jnp.abs(xc - j))) for j in range(D))
    return sum((xc > j) for j in range(D)).astype(x.dtype), (ct.astype(c) * g).astype(x.dtype)


def _escape_floor(x, ct, key, k=4.):
    "escape_noise(sigmoid(k=4)) written out by hand: one uniform draw against sigmoid(kx), and the cotangent times its derivative."
    p = jax.nn.sigmoid(k * x.astype(jnp.float32))
    y = (jax.random.uniform(key, x.shape) < p).astype(x.dtype)
    return y, (ct.astype(jnp.float32) * k * p * (1 - p)).astype(x.dtype)


def wrapped(n: int, reps: int):
    "Section 2b: forward+backward of multilevel (D = 4) and escape_noise, each against its own fused floor."
    rows = []
    ml, esc = axn.multilevel(axn.superspike(k=25.), levels=4), axn.escape_noise(axn.sigmoid(k=4.))
    def esc_fwd_bwd(x, ct, key):
        y, vjp = jax.vjp(lambda x: esc(x, key), x)
        return y, vjp(ct)[0]
    for dt in (jnp.float32, jnp.bfloat16, jnp.float16):
        kx, kc, kk = jax.random.split(jax.random.key(0), 3)
        x, ct = jax.random.normal(kx, (n,), dt) * 3, jax.random.normal(kc, (n,), dt)
        t = timed({'multilevel': recycled(fwd_bwd(ml)), 'multilevel floor': recycled(_multilevel_floor)}, x, ct, reps=reps, every=True)
        t.update(timed({'escape_noise': recycled(esc_fwd_bwd), 'escape_noise floor': recycled(_escape_floor)}, x, ct, kk, reps=reps, every=True))
        for name, act in (('multilevel', repr(ml)), ('escape_noise', repr(esc))):
            rows.append(dict(dtype=jnp.dtype(dt).name, name=act, t=statistics.median(t[name]), floor_t=statistics.median(t[f'{name} floor']),
                             ratio=statistics.median(ratios(t[name], t[f'{name} floor']))))
    return rows


def lif_step(act, T: int, B: int, sizes: tuple, lr: float = 1e-3):
    "A jitted SGD step of the 700-256-20 LIF network of `spyx_axn.training` (lax.scan over T steps) with `act`, and its inputs."
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


def network(T: int, B: int, sizes: tuple, reps: int):
    "Section 3: a LIF training step with spyx_axn's and spyx 1.0.0's SuperSpike: step time, compile time, temporary memory."
    acts = {'spyx_axn': axn.superspike()}
    if spyx_axn_1 is not None: acts['spyx 1.0.0'] = spyx_axn_1.superspike()
    rows, steps, compiles = {}, {}, {lib: [] for lib in acts}
    for _ in range(3):  # the libraries take turns, so that one-time costs of the first compilation fall on neither
        for lib, act in acts.items():
            step, args = lif_step(act, T, B, sizes)
            t = time.perf_counter(); steps[lib] = jax.jit(step).lower(*args).compile()
            compiles[lib].append(time.perf_counter() - t)
    for lib in acts:
        mem, hlo = steps[lib].memory_analysis(), steps[lib].as_text()
        cost = steps[lib].cost_analysis()
        cost = (cost[0] if isinstance(cost, (list, tuple)) else cost) or {}  # a list of one dict in older JAX
        rows[lib] = dict(compile=statistics.median(compiles[lib]), temp=getattr(mem, 'temp_size_in_bytes', float('nan')) / 2**20,
                         lines=len(hlo.splitlines()), fusions=len(re.findall(r'^\s*\S+ = \S+ fusion\(', hlo, re.M)),
                         flops=cost.get('flops', float('nan')), bytes=cost.get('bytes accessed', float('nan')))
    for lib, ts in timed(steps, *args, reps=reps, every=True).items(): rows[lib].update(step=statistics.median(ts), steps=ts)
    return rows


def step_ratios(net: dict) -> list:
    "spyx_axn's step time over spyx 1.0.0's in each repetition; the table gives their median."
    return ratios(net['spyx_axn']['steps'], net['spyx 1.0.0']['steps'])


def slopes(T: int, B: int, sizes: tuple, n_k: int):
    "Section 4: gradients of the LIF loss for `n_k` slopes: one vmapped program, a jit argument, or spyx's rebuild per k."
    ks = jnp.geomspace(1., 100., n_k)
    _, (params, x, y) = lif_step(axn.superspike(), T, B, sizes)
    grad_k = lambda k, params, x, y: jax.grad(loss)(params, x, y, axn.superspike(k))
    out = {}
    t = time.perf_counter()
    jax.block_until_ready(jax.jit(jax.vmap(grad_k, (0, None, None, None)))(ks, params, x, y))
    out['spyx_axn: one vmap over k'] = time.perf_counter() - t
    t = time.perf_counter()
    g = jax.jit(grad_k)
    jax.block_until_ready([g(k, params, x, y) for k in ks])
    out[f'spyx_axn: k as a jit argument, {n_k} calls'] = time.perf_counter() - t
    if spyx_axn_1 is not None:
        t = time.perf_counter()
        jax.block_until_ready([jax.jit(lambda p, x, y, a=spyx_axn_1.superspike(float(k)): jax.grad(loss)(p, x, y, a))(params, x, y)
                               for k in ks])
        out['spyx 1.0.0: an activation and a compilation per k'] = time.perf_counter() - t
    return out


def scaling(T: int, B: int, sizes: tuple, n_k: int, net: dict, sw: dict, Ts: tuple, widths: tuple, n_ks: tuple, reps: int):
    """Section 6: how the costs grow with the work. The training step of section 3 at other lengths (its hidden width)
    and other hidden widths (its length), and the slope sweep of section 4 at other numbers of slopes, each with its
    ratio to spyx 1.0.0 at that size. The sizes of sections 3 and 4 are their rows, measured once."""
    n_in, hidden, n_out = sizes
    steps = [(t, hidden, net if t == T else network(t, B, sizes, reps)) for t in Ts]
    steps += [(T, w, network(T, B, (n_in, w, n_out), reps)) for w in widths if w != hidden]
    sweeps = [(k, sw if k == n_k else slopes(T, B, sizes, k)) for k in n_ks]
    return steps, sweeps


def imports(reps: int):
    """Section 5: in each of `reps` fresh interpreters, the seconds of `import jax` and then of `import spyx_axn`; the
    medians of the first and of the sum, and the median of their ratio within each interpreter (the load of the machine
    changes the time of importing JAX from one interpreter to the next far more than spyx_axn adds to it)."""
    code = ("import time; t = time.perf_counter(); import jax; a = time.perf_counter(); import spyx_axn; "
            "print(a - t, time.perf_counter() - t)")
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get('PYTHONPATH')] if p])}
    runs = [tuple(map(float, subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True,
                                            cwd=ROOT, env=env).stdout.split())) for _ in range(reps)]
    return {'jax': statistics.median(j for j, _ in runs), 'spyx_axn': statistics.median(s for _, s in runs),
            'ratio': statistics.median(s / j for j, s in runs)}


def fmt(v, spec='.2f', none='—'):
    return none if v is None or v != v else format(v, spec)


def report(args, where, el, net, sw, imp, sizes, wr=(), scale=None) -> str:
    n = args.n
    L = [f"## Benchmark results{' (quick mode)' if args.quick else ''}", "",
         f"Machine: {where}.", "",
         f"Command: `python benchmarks/run.py{' --quick' if args.quick else ''}`. Medians of {args.long_reps} repetitions "
         f"in sections 1, 2 and 2b and of {args.reps} in section 5 (sections 3 and 6 give theirs); a ratio between two "
         "functions timed in turn is the median of their ratios within each repetition. In sections 1, 2 and 2b every "
         "function writes its outputs into the buffers of its previous call (donated to it), so that the times are of "
         "the computation and not of the operating system supplying fresh pages for every output.", "",
         f"### 1–2. Forward + backward on 2^{int(np.log2(n))} elements", "",
         "Time of one forward and backward pass (spikes and gradient from input and cotangent: two arrays "
         "read, two written), its ratio to the elementwise floor that moves the same bytes, the bandwidth "
         "reached" + (", its fraction of the peak" if any(r['peak'] for r in el) else "")
         + ", the ratio to its own floor (the same step and surrogate written out by hand in one jitted function, "
           "without spyx_axn's wrapper: what the wrapper costs), and the ratio to spyx 1.0.0's activation of the same "
           "name (below 1: spyx_axn is faster). `custom` is the straight-through estimator in spyx_axn, gradient `x` in "
           "spyx 1.0.0: same cost, different gradient.", "",
         "| dtype | activation | time (µs) | ratio to floor | GB/s | fraction of peak | ratio to its own floor | ratio to spyx 1.0.0 |",
         "|---|---|---|---|---|---|---|---|"]
    for r in el:
        L.append(f"| {r['dtype']} | `{r['name']}` | {r['t'] * 1e6:.0f} | {fmt(r.get('floor'))} | {r['gbps']:.1f} "
                 f"| {fmt(r['peak'], '.0%')} | {fmt(r.get('own'))} | {fmt(r.get('spyx'))} |")
    L += ["", f"### 2b. Wrapped activations: forward + backward on 2^{int(np.log2(n))} elements", "",
          "Each against its own fused floor: the same forward and gradient written out by hand in one jitted function "
          "(four comparisons and four bumps; one uniform draw, a sigmoid and its derivative).", "",
          "| dtype | activation | time (µs) | floor (µs) | ratio to its floor |", "|---|---|---|---|---|"]
    L += [f"| {r['dtype']} | `{r['name']}` | {r['t'] * 1e6:.0f} | {r['floor_t'] * 1e6:.0f} | {r['ratio']:.2f} |" for r in wr]
    T, B = args.T, args.B
    L += ["", f"### 3. LIF training step (T={T}, batch {B}, {'-'.join(map(str, sizes))}, `lax.scan`, SuperSpike)", "",
          "Compile time is the median of three compilations, the libraries taking turns.", "",
          "The compiled program's size (lines of optimised HLO, fusions) and XLA's cost analysis (floating-point "
          "operations and bytes accessed per step) show whether the two programs do the same work.", "",
          "| library | step (ms) | compile (s) | temporary memory (MiB) | HLO lines | fusions | GFLOP | GB accessed |",
          "|---|---|---|---|---|---|---|---|"]
    for lib, r in net.items():
        L.append(f"| {lib} | {r['step'] * 1e3:.1f} | {r['compile']:.2f} | {r['temp']:.1f} | {r['lines']} | {r['fusions']} "
                 f"| {r['flops'] / 1e9:.3f} | {r['bytes'] / 1e9:.3f} |")
    if len(net) == 2:
        a, b = net['spyx_axn'], net['spyx 1.0.0']
        rs = step_ratios(net)
        L += ["", f"Ratios spyx_axn / spyx 1.0.0: step time {statistics.median(rs):.2f} (the median of {len(rs)} repetitions' "
                  f"ratios; {min(rs):.2f} to {max(rs):.2f}), compile time "
                  f"{a['compile'] / b['compile']:.2f}, temporary memory {a['temp'] / b['temp']:.2f}."]
    L += ["", f"### 4. Gradients for {args.n_k} slopes k (same network), total wall time including compilation", "",
          "| how | total (s) | ratio to spyx 1.0.0 |", "|---|---|---|"]
    ref = sw.get('spyx 1.0.0: an activation and a compilation per k')
    for how, t in sw.items():
        L.append(f"| {how} | {t:.2f} | {fmt(ref and t / ref)} |")
    L += ["", "### 5. Import time", "", "| import | seconds |", "|---|---|"]
    L += [f"| `import {m}` | {imp[m]:.3f} |" for m in ('jax', 'spyx_axn')]
    L += ["", f"`import spyx_axn` / `import jax`: {imp['ratio']:.2f} (the median of the ratios within each of {args.reps} "
              "interpreters, each timing `import jax` and then `import spyx_axn`)."]
    if scale:
        steps, sweeps = scale
        L += ["", "### 6. Scaling", "",
              f"The training step of section 3 (batch {B}) at other lengths T and hidden widths (one changed at a time, "
              f"the other as in section 3), and the slope sweep of section 4 at other numbers of slopes: the ratio to "
              f"spyx 1.0.0 at every size (the step ratio as in section 3, over {len(next(r for _, _, r in steps if r is not net)['spyx_axn']['steps'])} "
              f"repetitions away from section 3's size). The rows at the sizes of sections 3 and 4 are theirs.", "",
              "| step at | spyx_axn step (ms) | spyx 1.0.0 step (ms) | step ratio | compile ratio | temporary memory ratio |",
              "|---|---|---|---|---|---|"]
        for t, w, r in steps:
            a, b = r['spyx_axn'], r.get('spyx 1.0.0')
            L.append(f"| T = {t}, width {w} | {a['step'] * 1e3:.1f} | {fmt(b and b['step'] * 1e3, '.1f')} | {fmt(b and statistics.median(step_ratios(r)))} "
                     f"| {fmt(b and a['compile'] / b['compile'])} | {fmt(b and a['temp'] / b['temp'])} |")
        L += ["", "| slopes | one vmap (s) | k as a jit argument (s) | spyx 1.0.0, a compilation per k (s) | vmap / spyx | jit argument / spyx |",
              "|---|---|---|---|---|---|"]
        for n_k, sw_ in sweeps:
            v, j = sw_['spyx_axn: one vmap over k'], sw_[f'spyx_axn: k as a jit argument, {n_k} calls']
            r = sw_.get('spyx 1.0.0: an activation and a compilation per k')
            L.append(f"| {n_k} | {v:.2f} | {j:.2f} | {fmt(r)} | {fmt(r and v / r)} | {fmt(r and j / r)} |")
    if SPYX is None: L += ["", "spyx is not installed: the comparisons with spyx 1.0.0 are left out (`pip install spyx_axn[bench]`)."]
    return '\n'.join(L) + '\n'


def plot(el, path):
    "Ratio to the floor of every activation, float32 and bfloat16, and spyx 1.0.0's where it has the activation."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = [r['name'] for r in el if r['dtype'] == 'float32' and r['name'] != 'floor']
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(names) + 1.6), dpi=100)
    pos = np.arange(len(names))
    for j, dt in enumerate(('float32', 'bfloat16')):
        rows = {r['name']: r for r in el if r['dtype'] == dt}
        ax.barh(pos + 0.2 * (2 * j - 1), [rows[n]['floor'] for n in names], height=0.38, label=f'spyx_axn, {dt}')
        spyx = [(i, rows[n]['floor'] / rows[n]['spyx']) for i, n in enumerate(names) if rows[n].get('spyx')]
        if spyx: ax.plot([s for _, s in spyx], [i + 0.2 * (2 * j - 1) for i, _ in spyx], 'kD' if j else 'kx',
                         ms=5, mfc='none', label=f'spyx 1.0.0, {dt}')
    ax.axvline(1, color='grey', lw=0.8)
    ax.set(yticks=pos, yticklabels=names, xlabel='forward + backward time / elementwise floor (1 = memory bound)')
    ax.invert_yaxis(); ax.legend(fontsize='small', frameon=False, loc='lower center', bbox_to_anchor=(0.5, 1), ncol=4)
    fig.tight_layout(); fig.savefig(path, metadata={'Software': None})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true', help='small sizes and few repetitions: about a minute and a half on two cores')
    p.add_argument('--out', help='output path without suffix (default benchmarks/results, or benchmarks/quick/results)')
    p.add_argument('--peak-gbps', type=float, help='peak memory bandwidth in GB/s (default: looked up by device name)')
    args = p.parse_args(argv)
    args.n, args.reps, args.T, args.B, args.n_k = (2**20, 5, 25, 32, 8) if args.quick else (2**24, 10, 100, 128, 16)
    args.long_reps = 3 * args.reps  # sections 1, 2, 2b and 3: cheap enough to repeat more, and their ratios are the criteria
    sizes = (700, 256, 20)
    out = Path(args.out or ROOT / 'benchmarks' / ('quick/results' if args.quick else 'results'))
    out.parent.mkdir(parents=True, exist_ok=True)
    peak = args.peak_gbps or PEAK_GBPS.get(jax.devices()[0].device_kind)
    start, where = time.perf_counter(), machine()
    el = elementwise(args.n, args.long_reps, peak); print(f"1-2 elementwise: {time.perf_counter() - start:.0f} s", flush=True)
    wr = wrapped(args.n, args.long_reps); print(f"2b wrapped: {time.perf_counter() - start:.0f} s", flush=True)
    net = network(args.T, args.B, sizes, args.long_reps); print(f"3 network: {time.perf_counter() - start:.0f} s", flush=True)
    sw = slopes(args.T, args.B, sizes, args.n_k); print(f"4 slopes: {time.perf_counter() - start:.0f} s", flush=True)
    imp = imports(args.reps)
    scale = scaling(args.T, args.B, sizes, args.n_k, net, sw,
                    *(((10, 25, 50), (128, 512), (4, 8)) if args.quick else ((25, 100, 400), (128, 512, 2048), (4, 16, 64))), reps=3 * args.reps // 2); print(f"6 scaling: {time.perf_counter() - start:.0f} s", flush=True)
    text = report(args, where, el, net, sw, imp, sizes, wr, scale)
    out.with_suffix('.md').write_text(text)
    plot(el, out.with_suffix('.png'))
    print(text)
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.png')} in {time.perf_counter() - start:.0f} s")


if __name__ == '__main__':
    main()

"""The Open Neuromorphic framework benchmark (open-neuromorphic.org, "Spiking neural network framework benchmarking"),
reproduced: one Linear layer and one LIF layer, batch 16, 500 time steps, forward and backward, for each framework with
its own LIF, time and peak memory, at several widths.

    python benchmarks/field.py            # this CPU, 2 threads: benchmarks/field.json, .md, .png (about 15 min)
    python benchmarks/field.py --quick    # 512 and 1024 neurons, two repetitions: benchmarks/quick/field.*
    python benchmarks/field.py --gpu      # one GPU, up to 16k neurons, within about 8 min: benchmarks/field-gpu.*
    python benchmarks/field.py --report benchmarks/field   # the .md and .png again, from the .json

`make bench-field` runs the first in the peers' environment (.venv-peers), where the frameworks are installed. Every
framework gets the same weights, the same input spikes and the same loss (the sum of the output spikes); a framework
that is not installed is left out and the report says so. The frameworks take turns within every repetition, so that
the ratios within one run are fair on a shared machine; a figure is the median of the repetitions.
"""
import argparse, ctypes, gc, json, os, platform, signal, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T, B, P_IN, BETA = 500, 16, 0.05, 0.9
"The blog's 500 time steps and batch 16; input spikes with probability 0.05; the decay per step of every LIF."
CHECK = dict(n=48, T=60, B=3)
"The size of the forward and gradient check between the frameworks."


def pin_cpu(threads: int):
    """Run this process on `threads` cores, before JAX or PyTorch start their thread pools: XLA's CPU client sizes its
    pool by the cores the process may use, and PyTorch is told `torch.set_num_threads` as well."""
    if hasattr(os, 'sched_setaffinity'):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:threads])
    os.environ.setdefault('OMP_NUM_THREADS', str(threads))
    os.environ['JAX_PLATFORMS'] = 'cpu'


# --------------------------------------------------------------------------------------------------------------------
# peak memory of a call on the CPU

_libc = ctypes.CDLL(None) if sys.platform.startswith('linux') else None


def _status(key: str) -> int:
    "A line of /proc/self/status in bytes (VmRSS: resident now, VmHWM: resident at most since the last reset)."
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'): return int(line.split()[1]) * 1024
    raise KeyError(key)


def rss_peak(call) -> float:
    """The bytes by which the resident memory of this process rose, at its highest, during `call()`: the heap's free
    memory is returned to the system first (`malloc_trim`), the high-water mark reset (`/proc/self/clear_refs`), and
    the mark read after the call. NaN where the system has no such counters (not Linux)."""
    if _libc is None or not os.path.exists('/proc/self/clear_refs'): return float('nan')
    gc.collect(); _libc.malloc_trim(0)
    base = _status('VmRSS')
    with open('/proc/self/clear_refs', 'w') as f: f.write('5')
    call()
    return float(_status('VmHWM') - base)


# --------------------------------------------------------------------------------------------------------------------
# the problem, the same for every framework

def problem(n: int, T: int = T, B: int = B, seed: int = 0):
    """Input spikes `x` [T, B, n] (Bernoulli, P_IN) and the Linear layer's weights `w` [n_in, n_out], drawn so that
    the input current has unit variance, in float32 NumPy: every framework starts from these."""
    import numpy as np
    rng = np.random.default_rng(seed)
    x = (rng.random((T, B, n)) < P_IN).astype(np.float32)
    w = (rng.standard_normal((n, n)) * (1.5 / np.sqrt(P_IN * n))).astype(np.float32)
    return x, w


# --------------------------------------------------------------------------------------------------------------------
# JAX: spyx_axn in a plain lax.scan (the README's loop), spyx 1.0.0's LIF and its associative-scan neuron

def jax_arms() -> dict:
    import jax, jax.numpy as jnp
    sys.path.insert(0, str(ROOT))
    import spyx_axn as axn

    def axn_loop(spike):
        "The README's loop: leaky integration, spike where v crosses 1, reset by subtraction."
        def lif(current):
            def step(v, i):
                v = BETA * v + i
                s = spike(v - 1.)
                return v - s, s
            return jax.lax.scan(step, jnp.zeros_like(current[0]), current)[1]
        return lif

    arms = {'spyx_axn superspike': dict(lif=axn_loop(axn.superspike()), version=f'spyx_axn {axn.__version__}',
                                        surrogate='superspike(k=25)'),
            'spyx_axn boxcar': dict(lif=axn_loop(axn.boxcar()), version=f'spyx_axn {axn.__version__}',
                                    surrogate='boxcar() (keeps a one-byte mask)')}
    try:
        import spyx, spyx.nn as snn
        from flax import nnx
        act = spyx.axn.superspike()
        lif = snn.LIF((1,), beta=BETA, activation=act, rngs=nnx.Rngs(0))
        psu = snn.PSU_LIF((1,), beta=BETA, activation=act, rngs=nnx.Rngs(0))
        # the layer's state has the layer's shape; the neurons here are broadcast over it, with a scalar beta
        def spyx_lif(current):
            return snn.run(lif, current, jnp.zeros_like(current[0]))[0]
        arms['spyx LIF'] = dict(lif=spyx_lif, version=f'spyx {spyx.__version__}', surrogate='spyx superspike(k=25)')
        arms['spyx PSU_LIF (associative scan)'] = dict(lif=psu.parallel, version=f'spyx {spyx.__version__}',
                                                       surrogate='spyx superspike(k=25)')
        assert issubclass(snn.AssociativeLIF, snn.PSU_LIF) and snn.AssociativeLIF.parallel is snn.PSU_LIF.parallel
    except ImportError:
        pass
    return arms


def linear(x, w):
    """The Linear layer on [T, B, n_in] as one matrix product of [T * B, n_in] by [n_in, n_out], as torch's `nn.Linear`
    computes it: XLA's CPU backend ran the same product written over three dimensions (an einsum) slower."""
    T, B, n = x.shape
    return (x.reshape(T * B, n) @ w).reshape(T, B, w.shape[1])


def jax_build(arm: dict, n: int, dtype: str, check=False):
    """The compiled forward and backward pass of `arm` at width `n`: a function of no arguments that returns the loss
    and the weights' gradient, ready; and the compiled program (for its memory and cost analysis)."""
    import jax, jax.numpy as jnp
    x, w = problem(n, **({k: CHECK[k] for k in ('T', 'B')} if check else {}))
    dt = jnp.dtype(dtype)
    x, w = jnp.asarray(x, dt), jnp.asarray(w, dt)
    lif = arm['lif']
    def loss(w, x):
        return lif(linear(x, w)).astype(jnp.float32).sum()
    program = jax.jit(jax.value_and_grad(loss)).lower(w, x).compile()
    return (lambda: jax.block_until_ready(program(w, x))), program


def jax_linear(n: int, dtype: str):
    "The Linear layer alone, forward and the weights' gradient for a fixed cotangent: what every network shares."
    import jax, jax.numpy as jnp, numpy as np
    x, w = problem(n)
    dt = jnp.dtype(dtype)
    g = jnp.asarray(np.random.default_rng(1).random(x.shape, np.float32), dt)
    x, w = jnp.asarray(x, dt), jnp.asarray(w, dt)
    loss = lambda w, x, g: (linear(x, w) * g).astype(jnp.float32).sum()
    program = jax.jit(jax.value_and_grad(loss)).lower(w, x, g).compile()
    return lambda: jax.block_until_ready(program(w, x, g))


def program_memory(program) -> dict:
    "The compiled program's temporary and output bytes, and XLA's cost analysis."
    m = program.memory_analysis()
    cost = program.cost_analysis()
    cost = (cost[0] if isinstance(cost, (list, tuple)) else cost) or {}
    return dict(temp=float(getattr(m, 'temp_size_in_bytes', float('nan'))),
                output=float(getattr(m, 'output_size_in_bytes', float('nan'))),
                flops=float(cost.get('flops', float('nan'))), bytes=float(cost.get('bytes accessed', float('nan'))))


# --------------------------------------------------------------------------------------------------------------------
# PyTorch: snnTorch, Norse, SpikingJelly, Sinabs, each eager and under torch.compile

def torch_arms() -> dict:
    "Each installed PyTorch framework's Linear + LIF network, as a function of (width, weights) to a module."
    import torch
    arms = {}

    def linear(w):
        fc = torch.nn.Linear(w.shape[0], w.shape[1], bias=False)
        with torch.no_grad(): fc.weight.copy_(torch.from_numpy(w.T.copy()))
        return fc

    try:
        import snntorch
        from snntorch import surrogate as snn_surrogate

        class SnnTorchNet(torch.nn.Module):
            "snnTorch's tutorial form: Leaky stepped in a Python loop over time."
            def __init__(self, w):
                super().__init__()
                self.fc = linear(w)
                self.lif = snntorch.Leaky(beta=BETA, threshold=1., reset_mechanism='subtract',
                                          spike_grad=snn_surrogate.fast_sigmoid(slope=25))
            def forward(self, x):  # [T, B, n]
                cur = self.fc(x)
                mem = torch.zeros_like(cur[0])
                spikes = []
                for c in cur:  # iterating unbinds: one gradient for all steps, not one full-size one per step
                    s, mem = self.lif(c, mem)
                    spikes.append(s)
                return torch.stack(spikes)
        arms['snnTorch'] = dict(net=SnnTorchNet, layout='tbn', version=f'snnTorch {snntorch.__version__}',
                                surrogate='fast_sigmoid(slope=25) = superspike(k=25)')
    except ImportError:
        pass
    try:
        import norse
        from norse.torch import LIF, LIFParameters

        class NorseNet(torch.nn.Module):
            "Norse's LIF module (current-based: a synaptic current and a membrane, reset to v_reset), run over time."
            def __init__(self, w):
                super().__init__()
                self.fc = linear(w)
                self.lif = LIF(p=LIFParameters(method='super', alpha=torch.tensor(25.)))
            def forward(self, x):  # [T, B, n]
                return self.lif(self.fc(x))[0]
        arms['Norse'] = dict(net=NorseNet, layout='tbn', version=f'Norse {norse.__version__}',
                             surrogate="threshold 'super' = superspike(k=1) (Norse ignores alpha)")
    except ImportError:
        pass
    try:
        import spikingjelly
        from spikingjelly.activation_based import neuron, surrogate as sj_surrogate, functional

        class JellyNet(torch.nn.Module):
            "SpikingJelly's LIFNode, multi-step (its own kernel choice); soft reset, input not divided by tau."
            def __init__(self, w):
                super().__init__()
                self.fc = linear(w)
                self.lif = neuron.LIFNode(tau=1 / (1 - BETA), decay_input=False, v_threshold=1., v_reset=None,
                                          surrogate_function=sj_surrogate.Sigmoid(alpha=4.), step_mode='m')
            def forward(self, x):  # [T, B, n]
                functional.reset_net(self)
                return self.lif(self.fc(x))
        version = getattr(spikingjelly, '__version__', None)
        if version is None:
            from importlib.metadata import version as _v
            version = _v('spikingjelly')
        arms['SpikingJelly'] = dict(net=JellyNet, layout='tbn', version=f'SpikingJelly {version}',
                                    surrogate='Sigmoid(alpha=4) = sigmoid(k=4)')
    except ImportError:
        pass
    try:
        import sinabs
        from sinabs.layers import LIF as SinabsLIF
        from sinabs.activation import MembraneSubtract, SingleSpike

        def superspike_grad(v_mem, spike_threshold):
            return 1 / (25 * (v_mem - spike_threshold).abs() + 1)**2

        class SinabsNet(torch.nn.Module):
            "Sinabs' LIF: input not normalised, single spike per step, reset by subtraction."
            def __init__(self, w):
                super().__init__()
                self.fc = linear(w)
                self.lif = SinabsLIF(tau_mem=torch.tensor(-1 / __import__('math').log(BETA)), norm_input=False,
                                     spike_threshold=1., spike_fn=SingleSpike, reset_fn=MembraneSubtract(),
                                     surrogate_grad_fn=superspike_grad)
            def forward(self, x):  # [B, T, n]
                self.lif.reset_states()
                return self.lif(self.fc(x))
        arms['Sinabs'] = dict(net=SinabsNet, layout='btn', version=f'Sinabs {sinabs.__version__}',
                              surrogate='1/(25|v - 1| + 1)^2 = superspike(k=25)')
    except ImportError:
        pass
    return arms


def torch_build(arm: dict, n: int, dtype: str, compiled: bool, device: str = 'cpu', check=False):
    """A function of no arguments that runs `arm`'s network forward and backward (loss: the sum of the spikes) and
    returns the spikes and the weights' gradient; the gradient is cleared before each call."""
    import torch
    x, w = problem(n, **({k: CHECK[k] for k in ('T', 'B')} if check else {}))
    dt = getattr(torch, dtype)
    net = arm['net'](w).to(device=device, dtype=dt)
    xt = torch.from_numpy(x if arm['layout'] == 'tbn' else x.transpose(1, 0, 2).copy()).to(device=device, dtype=dt)
    run = torch.compile(net) if compiled else net
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    def call():
        net.fc.weight.grad = None
        s = run(xt)
        s.float().sum().backward()
        sync()
        return s, net.fc.weight.grad
    return call


def torch_linear(n: int, dtype: str, device: str = 'cpu'):
    import numpy as np, torch
    x, w = problem(n)
    dt = getattr(torch, dtype)
    fc = torch.nn.Linear(n, n, bias=False).to(device=device, dtype=dt)
    xt = torch.from_numpy(x).to(device=device, dtype=dt)
    g = torch.from_numpy(np.random.default_rng(1).random(x.shape, np.float32)).to(device=device, dtype=dt)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    def call():
        fc.weight.grad = None
        fc(xt).backward(g)
        sync()
    return call


# --------------------------------------------------------------------------------------------------------------------
# the check: the same forward spikes and gradients where the neuron models agree

def check(jarms: dict, tarms: dict) -> list:
    """At a small size (CHECK), each PyTorch framework against spyx_axn's loop with the peer's surrogate translated
    (nbs/41_translation.ipynb), where their LIFs are the same model; and spyx's LIF against snnTorch's Leaky, which
    differ by one step in when the spike is emitted. Reports the fraction of equal spikes and the largest relative
    difference of the weights' gradients."""
    import numpy as np, jax, jax.numpy as jnp
    import spyx_axn as axn
    n, Tc, Bc = CHECK['n'], CHECK['T'], CHECK['B']
    x, w = problem(n, Tc, Bc, seed=0)
    def axn_ref(spike, order='readme'):
        def loss(w):
            cur = jnp.einsum('tbi,io->tbo', x, w)
            def step(v, i):
                if order == 'readme':  # integrate, spike on the new v, subtract
                    v = BETA * v + i; s = spike(v - 1.); return v - s, s
                if order == 'snntorch':  # Leaky: subtract the previous step's spike, detached; spike on the new v
                    v = BETA * v + i - jax.lax.stop_gradient(spike(v - 1.)); return v, spike(v - 1.)
                # spyx's LIF: spike on the old v, then integrate and subtract
                s = spike(v - 1.); return BETA * v + i - s, s
            s = jax.lax.scan(step, jnp.zeros((Bc, n)), cur)[1]
            return s.sum(), s
        (_, s), g = jax.value_and_grad(loss, has_aux=True)(jnp.asarray(w))
        return np.asarray(s), np.asarray(g)
    def compare(name, ref_name, s, g, s_ref, g_ref, note):
        same = float(np.mean(s == s_ref))
        err = float(np.max(np.abs(g - g_ref)) / max(np.max(np.abs(g_ref)), 1e-30))
        return dict(framework=name, against=ref_name, spikes_equal=same, grad_rel_err=err, note=note)
    rows = []
    refs = {'snnTorch': (axn.superspike(25.), 'snntorch'), 'SpikingJelly': (axn.sigmoid(k=4.), 'readme'),
            'Sinabs': (axn.superspike(25.), 'readme'), 'Norse': (axn.superspike(1.), None)}
    notes = {
        'snnTorch': "differs: Leaky subtracts the threshold for the previous step's spike before adding the input, "
                    "spikes on the new potential and detaches the reset from the gradient; spyx's LIF is the same "
                    "recurrence with the spike read one step earlier; checked against spyx_axn in Leaky's order",
        'Norse': 'differs: current-based (a synaptic current decaying with tau_syn feeds the membrane), dt = 1 ms, '
                 'tau_mem = 10 ms (decay 0.9), reset to zero',
        'SpikingJelly': 'the same model: v <- v - v/tau + i (tau = 10), spike at v >= 1, soft reset',
        'Sinabs': 'the same model: v <- alpha v + i, alpha = exp(-1/tau_mem) = 0.9, spike at v >= 1, subtract 1'}
    for name, arm in tarms.items():
        try:
            s, g = torch_build(arm, n, 'float32', False, check=True)()
            s = s.detach().numpy()
            s = s if arm['layout'] == 'tbn' else s.transpose(1, 0, 2)
            g = g.detach().numpy().T
            spike, order = refs[name]
            if order is None:
                s_ref, g_ref = axn_ref(spike)
                rows.append(compare(name, "spyx_axn, README's loop", s, g, s_ref, g_ref, notes[name]))
            else:
                s_ref, g_ref = axn_ref(spike, order)
                against = "spyx_axn, README's loop" if order == 'readme' else "spyx_axn, snnTorch's order"
                rows.append(compare(name, against, s, g, s_ref, g_ref, notes[name]))
        except Exception as e:  # a framework whose API changed: said, not hidden
            rows.append(dict(framework=name, against='', spikes_equal=float('nan'), grad_rel_err=float('nan'),
                             note=f'check failed: {type(e).__name__}: {e}'))
    if 'spyx LIF' in jarms:
        (_, g), _ = jax_build(jarms['spyx LIF'], n, 'float32', check=True)[0](), None
        cur = jnp.einsum('tbi,io->tbo', x, jnp.asarray(w))
        s = np.asarray(jarms['spyx LIF']['lif'](cur))
        s_ref, g_ref = axn_ref(axn.superspike(25.), order='spyx')
        rows.append(compare('spyx LIF', "spyx_axn, spyx LIF's order", s, np.asarray(g), s_ref, g_ref,
                            "the same model in its own order (spike on the previous potential); spyx's superspike"))
        s_ref, g_ref = axn_ref(axn.superspike(25.))
        rows.append(compare('spyx_axn superspike', "spyx_axn, README's loop", *jax_spikes(jarms, 'spyx_axn superspike', x, w),
                            s_ref, g_ref, 'the same loop (a sanity check of the harness)'))
    return rows


def jax_spikes(jarms, name, x, w):
    import numpy as np, jax, jax.numpy as jnp
    lif = jarms[name]['lif']
    loss = lambda w: (lambda s: (s.sum(), s))(lif(jnp.einsum('tbi,io->tbo', x, w)))
    (_, s), g = jax.value_and_grad(loss, has_aux=True)(jnp.asarray(w))
    return np.asarray(s), np.asarray(g)


# --------------------------------------------------------------------------------------------------------------------
# where spyx_axn's LIF layer spends its time

def scan_profile(sizes, reps: int = 5) -> list:
    """The LIF layer alone (the current given), forward and backward, at each width: spyx_axn's loop with superspike
    and with boxcar; the same loop with a hand-written `jax.custom_vjp` SuperSpike that keeps g (no spyx_axn: what the
    package costs over it); and the same arithmetic without the loop, all T steps at once as one elementwise pass
    (the leak left out, so not a LIF: what XLA reaches on these bytes when no loop carries a state). Their ratio is the
    price of XLA's CPU while loop: a fixed cost per iteration, which the small per-step work (batch x width) cannot
    amortise."""
    import jax, jax.numpy as jnp
    import spyx_axn as axn

    @jax.custom_vjp
    def hand(x): return (x > 0).astype(x.dtype)
    def hand_fwd(x): return hand(x), 1 / (1 + 25 * jnp.abs(x))**2
    def hand_bwd(g, ct): return (ct * g,)
    hand.defvjp(hand_fwd, hand_bwd)

    def loop(spike):
        def lif(current):
            def step(v, i):
                v = BETA * v + i
                s = spike(v - 1.)
                return v - s, s
            return jax.lax.scan(step, jnp.zeros_like(current[0]), current)[1]
        return lif
    arms = {'spyx_axn superspike': loop(axn.superspike()), 'spyx_axn boxcar': loop(axn.boxcar()),
            'hand-written custom_vjp': loop(hand), 'no loop (one elementwise pass)': lambda c: hand(c - 1.)}
    rows = []
    for n in sizes:
        current = jax.random.normal(jax.random.key(0), (T, B, n)) * 1.5
        fns = {k: jax.jit(jax.grad(lambda c, f=f: f(c).sum())).lower(current).compile() for k, f in arms.items()}
        for f in fns.values(): jax.block_until_ready(f(current))
        times = {k: [] for k in fns}
        for _ in range(reps):
            for k, f in fns.items():
                t = time.perf_counter(); jax.block_until_ready(f(current)); times[k].append(time.perf_counter() - t)
        rows.append(dict(n=n, times=times, temp={k: float(f.memory_analysis().temp_size_in_bytes)
                                                 for k, f in fns.items()}))
    return rows


# --------------------------------------------------------------------------------------------------------------------
# the roofline of this machine

def roofline(device: str) -> dict:
    """The machine's float32 matmul rate (FLOP/s: a 4096^3 matmul in JAX, the best of 5) and its memory bandwidth
    (bytes/s: reading and writing 2^26 float32 values, `x + 1` into a donated buffer, the best of 5): the rates
    this machine reaches, the roof that a framework's time is set against."""
    import jax, jax.numpy as jnp
    m = 4096 if device == 'cpu' else 16384
    a = jax.random.normal(jax.random.key(0), (m, m))
    mm = jax.jit(lambda a: a @ a)
    jax.block_until_ready(mm(a))
    ts = []
    for _ in range(5):
        t = time.perf_counter(); jax.block_until_ready(mm(a)); ts.append(time.perf_counter() - t)
    flops = 2 * m**3 / min(ts)
    k = 2**26 if device == 'cpu' else 2**28
    add = jax.jit(lambda y, x: x + 1, donate_argnums=0, keep_unused=True)  # y's buffer is reused
    x, y = jnp.zeros(k), jnp.zeros(k)
    y = jax.block_until_ready(add(y, x))
    ts = []
    for _ in range(5):
        t = time.perf_counter(); y = jax.block_until_ready(add(y, x)); ts.append(time.perf_counter() - t)
    return dict(matmul_flops=flops, bandwidth=2 * 4 * k / min(ts), matmul_n=m, copy_elements=k)


def ideal_seconds(n: int, roof: dict, itemsize: int = 4) -> dict:
    """The least time at the measured roofline: the Linear layer's FLOPs (forward, and the weights' gradient:
    2 T B n^2 each) at the matmul rate, and the LIF scan's bytes (forward: read the current, write what the backward
    pass keeps; backward: read it, write the current's gradient: 4 T B n values) at the bandwidth."""
    linear = 4 * T * B * n * n / roof['matmul_flops']
    scan = 4 * T * B * n * itemsize / roof['bandwidth']
    return dict(linear=linear, scan=scan, total=linear + scan)


# --------------------------------------------------------------------------------------------------------------------
# the run

def machine(device: str) -> dict:
    import jax
    cpu = platform.processor() or platform.machine()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    out = dict(cpu=cpu, cores=len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count(),
               load=os.getloadavg()[0] if hasattr(os, 'getloadavg') else None, jax=jax.__version__,
               device=jax.devices()[0].device_kind, platform=jax.devices()[0].platform, python=platform.python_version())
    try:
        import torch
        out['torch'] = torch.__version__
        out['torch_threads'] = torch.get_num_threads()
    except ImportError:
        pass
    return out


def settings(args) -> dict:
    """Sizes, repetitions and budgets. `reps`: the timed repetitions after the memory call, by kind, at sizes up to
    1024 and above it; `slow_s`: an arm whose memory call took longer is timed by that call alone; `cap_s`: an arm whose
    call at the last size foretells more than this at the next is left out there (2.5 times the time for each doubling of
    the width: between the scan's bytes, which double, and the Linear layer's FLOPs, which quadruple); `compile_at`: the
    sizes where the torch.compile variants run interleaved with the others; `probe`: on the CPU, where compiling the
    500 unrolled steps takes minutes, each torch.compile variant is instead tried at `probe['n']` in a process of its
    own, given `probe['timeout_s']` to compile and be timed (not interleaved with the others, and said so)."""
    if args.gpu:
        return dict(device='gpu', sizes=[512, 1024, 2048, 4096, 8192, 16384], threads=None,
                    reps=dict(jax=(10, 10), compiled=(5, 5), eager=(3, 3)), slow_s=5., cap_s=30.,
                    dtypes=dict(float32=None, bfloat16=None), compile_at=[4096, 16384], probe=None)
    if args.quick:
        return dict(device='cpu', sizes=[512, 1024], threads=2, reps=dict(jax=(2, 2), compiled=(2, 2), eager=(2, 2)),
                    slow_s=2., cap_s=10., dtypes=dict(float32=None, bfloat16=[512]), compile_at=[],
                    probe=dict(n=512, timeout_s=20, reps=2))
    return dict(device='cpu', sizes=[512, 1024, 2048, 4096], threads=2,
                reps=dict(jax=(5, 3), compiled=(3, 3), eager=(3, 2)), slow_s=8., cap_s=60.,
                dtypes=dict(float32=None, bfloat16=[512]), compile_at=[], probe=dict(n=512, timeout_s=45, reps=3))


def measure(s: dict, log=print) -> dict:
    import numpy as np
    device = s['device']
    import torch
    if s['threads']: torch.set_num_threads(s['threads'])
    tdev = 'cuda' if device == 'gpu' else 'cpu'
    jarms, tarms = jax_arms(), torch_arms()
    start = time.perf_counter()
    data = dict(settings=s, machine=machine(device), roofline=roofline(device), T=T, B=B, p_in=P_IN, beta=BETA,
                versions={**{k: a['version'] for k, a in jarms.items()}, **{k: a['version'] for k, a in tarms.items()}},
                surrogates={**{k: a['surrogate'] for k, a in jarms.items()},
                            **{k: a['surrogate'] for k, a in tarms.items()}},
                check=check(jarms, tarms), rows=[], failures=[], skipped=[], compile_s={})
    log(f"roofline and check: {time.perf_counter() - start:.0f} s")
    last = {}  # (arm, dtype): (n, seconds of its last call)
    def foretold(label, dtype, n):
        if (label, dtype) not in last: return 0.
        n0, t0 = last[(label, dtype)]
        return t0 * 2.5 ** np.log2(n / n0)
    for n in s['sizes']:
        for dtype, only in s['dtypes'].items():
            if only is not None and n not in only: continue
            big = n > 1024
            fns, kinds, programs = {}, {}, {}
            def skip(label):
                t = foretold(label, dtype, n)
                if t > s['cap_s']:
                    data['skipped'].append(dict(framework=label, n=n, dtype=dtype, foretold_s=t)); return True
                return False
            for name, arm in jarms.items():
                if skip(name): continue
                try:
                    fns[name], programs[name] = jax_build(arm, n, dtype)
                    kinds[name] = 'jax'
                except Exception as e:
                    data['failures'].append(dict(framework=name, n=n, dtype=dtype, error=f'{type(e).__name__}: {e}'))
            fns['Linear alone (JAX)'] = jax_linear(n, dtype); kinds['Linear alone (JAX)'] = 'jax'
            for name, arm in tarms.items():
                for compiled in (False, True):
                    label = name + (' + torch.compile' if compiled else '')
                    if compiled and (n not in s['compile_at'] or dtype != 'float32'): continue
                    if skip(label): continue
                    try:
                        f = torch_build(arm, n, dtype, compiled, tdev)
                        if compiled:
                            t = time.perf_counter(); f(); data['compile_s'].setdefault(label, {})[n] = \
                                time.perf_counter() - t
                            log(f"  {label} compiled at {n} in {data['compile_s'][label][n]:.0f} s")
                        fns[label], kinds[label] = f, 'compiled' if compiled else 'eager'
                    except Exception as e:
                        data['failures'].append(dict(framework=label, n=n, dtype=dtype,
                                                     error=f'{type(e).__name__}: {str(e)[:300]}'))
            fns['Linear alone (PyTorch)'] = torch_linear(n, dtype, tdev); kinds['Linear alone (PyTorch)'] = 'eager'
            # the first call of each, after compilation: its peak memory, and its time
            memory, times = {}, {k: [] for k in fns}
            for k, f in fns.items():
                t = time.perf_counter()
                if device == 'cpu': memory[k] = rss_peak(f)
                else:
                    torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated(); f()
                    memory[k] = float(torch.cuda.max_memory_allocated() - base) if kinds[k] != 'jax' else float('nan')
                first = time.perf_counter() - t
                last[(k, dtype)] = (n, first)
                if first > s['slow_s']: times[k].append(first)  # timed by this call alone
            reps = {k: 0 if times[k] else s['reps'][kinds[k]][big] for k in fns}
            for r in range(max(reps.values())):  # every framework in turn, in every repetition
                for k, f in fns.items():
                    if r >= reps[k]: continue
                    t = time.perf_counter(); f(); times[k].append(time.perf_counter() - t)
            for k in fns:
                if times[k]: last[(k, dtype)] = (n, min(times[k]))
                data['rows'].append(dict(framework=k, n=n, dtype=dtype, kind=kinds[k], times=times[k],
                                         rss_peak=memory[k], **({'xla': program_memory(programs[k])}
                                                                if k in programs else {})))
            del fns, programs; gc.collect()
            log(f"n = {n} {dtype}: {time.perf_counter() - start:.0f} s; "
                + ', '.join(f"{k} {np.median(v):.3f}" for k, v in times.items()))
    if s['probe']:
        data['probes'] = {name: compile_probe(name, **s['probe'], threads=s['threads']) for name in tarms}
        log(f"torch.compile probes: {time.perf_counter() - start:.0f} s")
    data['profile'] = scan_profile(s['sizes'], reps=s['reps']['jax'][0])
    log(f"profile of the LIF scan: {time.perf_counter() - start:.0f} s")
    data['wall_s'] = time.perf_counter() - start
    return data


def compile_probe(name: str, n: int, timeout_s: float, reps: int, threads: int) -> dict:
    """`name`'s network under torch.compile at width `n`, in a fresh process given `timeout_s` seconds: the seconds of
    its first call (compilation) and of `reps` calls after it, or that it did not finish."""
    cmd = [sys.executable, __file__, '--probe', name, '--n', str(n), '--reps', str(reps), '--threads', str(threads)]
    t = time.perf_counter()
    # a session of its own, so that on a timeout its compiler workers are ended with it
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL); proc.communicate()
        return dict(n=n, finished=False, timeout_s=timeout_s)
    lines = [line for line in stdout.splitlines() if line.startswith('{')]
    if proc.returncode or not lines:
        return dict(n=n, finished=False, error=(stderr.strip().splitlines() or ['?'])[-1][:300],
                    seconds=time.perf_counter() - t)
    return dict(n=n, finished=True, **json.loads(lines[-1]))


def probe_main(name: str, n: int, reps: int, threads: int):
    "The probe's own process: compile, time, print one line of JSON."
    pin_cpu(threads)
    import torch
    torch.set_num_threads(threads)
    f = torch_build(torch_arms()[name], n, 'float32', True)
    t = time.perf_counter(); f(); first = time.perf_counter() - t
    times = []
    for _ in range(reps):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    print(json.dumps(dict(compile_s=first, times=times)), flush=True)


# --------------------------------------------------------------------------------------------------------------------
# the report

def med(v): return statistics.median(v) if v else float('nan')


def table_rows(data: dict, dtype: str) -> dict:
    "{framework: {n: row}} for one dtype, with the LIF's share: the network's time less its backend's Linear alone."
    out = {}
    lin = {(r['n'], r['framework']): r for r in data['rows'] if r['dtype'] == dtype and 'Linear alone' in r['framework']}
    for r in data['rows']:
        if r['dtype'] != dtype or 'Linear alone' in r['framework']: continue
        backend = 'Linear alone (JAX)' if r['kind'] == 'jax' else 'Linear alone (PyTorch)'
        lt = lin[(r['n'], backend)]['times']
        k = min(len(lt), len(r['times']))
        lif = med([a - b for a, b in zip(r['times'][:k], lt[:k])])  # paired: the same repetition
        out.setdefault(r['framework'], {})[r['n']] = dict(r, t=med(r['times']), lif=lif)
    return out


def fmt_mem(b):
    return '—' if b != b else f"{b / 2**20:.0f}"


def matmul_roof(data: dict) -> tuple:
    """The highest float32 matmul rate measured in the run (FLOP/s) and where: JAX's 4096^3 product, or a backend's
    Linear layer alone (4 T B n^2 FLOPs a call) at a width where it ran faster. The roof is the best this machine was
    seen to reach, whichever library reached it."""
    best = (data['roofline']['matmul_flops'], f"a {data['roofline']['matmul_n']}^3 product in JAX")
    for r in data['rows']:
        if r['dtype'] == 'float32' and 'Linear alone' in r['framework'] and r['times']:
            rate = 4 * data['T'] * data['B'] * r['n'] ** 2 / med(r['times'])
            if rate > best[0]: best = (rate, f"the {r['framework'][len('Linear alone ('):-1]} Linear layer alone at {r['n']}")
    return best


def render(data: dict, out_name: str) -> str:
    s, m = data['settings'], data['machine']
    rate, rate_from = matmul_roof(data)
    roof = dict(data['roofline'], matmul_flops=rate)
    sizes = s['sizes']
    where = (f"{m['cpu']}, {m['cores']} cores" if m['platform'] == 'cpu' else m['device'])
    L = [f"## Against the field: Linear + LIF, batch {data['B']}, {data['T']} steps, forward and backward, on {where}", ""]
    if m['platform'] == 'cpu':
        L += [f"Measured on a shared machine (load average {m['load']:.1f} at the start); every framework on "
              f"{s['threads']} threads (`torch.set_num_threads({s['threads']})`, XLA's CPU client on {s['threads']} "
              "cores). The frameworks took turns within every repetition, so the ratios within this run are fair; "
              "absolute times move with the machine's load.", ""]
    L += [f"JAX {m['jax']}, PyTorch {m.get('torch', '—')}; " + '; '.join(sorted(set(data['versions'].values()))) + ".",
          "", f"Median seconds of one forward and backward pass ({s['reps']['jax'][0]} repetitions for JAX up to 1024 "
          f"neurons and {s['reps']['jax'][1]} above, {s['reps']['eager'][0]} and {s['reps']['eager'][1]} for "
          "eager PyTorch, after compilation and a first call, which gives the peak memory; a call longer than "
          f"{s['slow_s']:g} s is timed by that first call alone, and a framework foretold above {s['cap_s']:g} s a "
          "call is left out at that width), and in brackets the LIF's share: the median over repetitions of the network's time "
          "less the Linear layer's alone in the same repetition and framework (JAX or PyTorch). Where the share is "
          "smaller than the spread of the Linear layer's time it is within the noise, and can come out negative; the "
          "LIF layer timed alone is in the section on where spyx_axn's layer spends its time.", ""]
    for dtype in s['dtypes']:
        rows = table_rows(data, dtype)
        if not rows: continue
        ns = [n for n in sizes if any(n in r for r in rows.values())]
        L += [f"### {dtype}: seconds (LIF's share)", "", "| framework | " + ' | '.join(f"{n}" for n in ns) + " |",
              "|---|" + "---|" * len(ns)]
        lin = {r['framework']: r for r in data['rows'] if r['dtype'] == dtype and 'Linear alone' in r['framework']}
        order = sorted(rows, key=lambda k: rows[k].get(ns[-1], {}).get('t', float('inf')))
        for k in order:
            L.append(f"| {k} | " + ' | '.join(
                f"{rows[k][n]['t']:.3f} ({rows[k][n]['lif']:.3f})" if n in rows[k] else '—' for n in ns) + " |")
        for k in ('Linear alone (JAX)', 'Linear alone (PyTorch)'):
            ts = {r['n']: med(r['times']) for r in data['rows'] if r['dtype'] == dtype and r['framework'] == k}
            L.append(f"| *{k}* | " + ' | '.join(f"{ts[n]:.3f}" if n in ts else '—' for n in ns) + " |")
        del lin
        mem_kind = ('resident memory high-water mark above the resident memory before the call (MiB; the heap '
                    'trimmed and the mark reset first, /proc/self/clear_refs)' if m['platform'] == 'cpu'
                    else 'torch.cuda.max_memory_allocated above the memory allocated before the call (MiB)')
        L += ["", f"### {dtype}: peak memory of one call, {mem_kind}; for JAX, XLA's compiled "
                  "`memory_analysis()` (temporary + output, MiB) beside it", "",
              "| framework | " + ' | '.join(f"{n}" for n in ns) + " |", "|---|" + "---|" * len(ns)]
        for k in order:
            cells = []
            for n in ns:
                r = rows[k].get(n)
                if r is None: cells.append('—'); continue
                x = r.get('xla')
                cells.append(fmt_mem(r['rss_peak']) + (f" / {fmt_mem(x['temp'] + x['output'])}" if x else ''))
            L.append(f"| {k} | " + ' | '.join(cells) + " |")
        L.append("")
    # roofline
    L += ["### Roofline", "",
          f"Measured here: float32 matmul {rate / 1e9:.1f} GFLOP/s (the best rate of the run: {rate_from}; JAX's "
          f"{roof['matmul_n']}^3 product reached {data['roofline']['matmul_flops'] / 1e9:.1f}), "
          f"memory bandwidth {roof['bandwidth'] / 1e9:.1f} GB/s (`x + 1` on {roof['copy_elements']:,} float32 "
          "values, read and written). The least time of a size is the Linear layer's 4 T B n^2 FLOPs (forward and "
          "the weights' gradient) at the matmul rate plus the LIF scan's 16 T B n bytes (the current read and what "
          "the backward pass keeps written, forward; that read and the current's gradient written, backward) at the "
          "bandwidth; the fraction is that least time over the measured (float32).", "",
          "| framework | " + ' | '.join(f"{n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    rows = table_rows(data, 'float32')
    ideal = {n: ideal_seconds(n, roof) for n in sizes}
    L.append("| *least time (s): Linear + scan* | " + ' | '.join(
        f"{ideal[n]['linear']:.3f} + {ideal[n]['scan']:.4f}" for n in sizes) + " |")
    for k in sorted(rows, key=lambda k: rows[k].get(sizes[-1], {}).get('t', float('inf'))):
        L.append(f"| {k} | " + ' | '.join(
            f"{ideal[n]['total'] / rows[k][n]['t']:.0%}" if n in rows[k] else '—' for n in sizes) + " |")
    if data.get('profile'):
        prof = data['profile']
        names = list(prof[0]['times'])
        L += ["", "### Where spyx_axn's LIF layer spends its time", "",
              "The LIF layer alone (the current given), forward and backward, float32: median milliseconds, and in "
              f"brackets microseconds per loop iteration (2 T = {2 * data['T']} iterations, forward and backward). "
              "*hand-written custom_vjp*: the same loop with SuperSpike written by hand, without spyx_axn. *no loop*: "
              "the same spike and surrogate on all T steps at once, one elementwise pass (not a LIF: the leak needs "
              "the loop); what XLA reaches on these bytes. *Roof*: the scan's 16 T B n bytes at the measured "
              "bandwidth, over spyx_axn superspike's time.", "",
              "| width | " + ' | '.join(names) + " | roof | temporary MiB (superspike / boxcar) |",
              "|---|" + "---|" * (len(names) + 2)]
        for r in prof:
            cells = []
            for k in names:
                t = med(r['times'][k])
                cells.append(f"{t * 1e3:.1f}" + (f" ({t / (2 * data['T']) * 1e6:.0f} µs)" if 'no loop' not in k else ''))
            roof_t = ideal_seconds(r['n'], roof)['scan'] / med(r['times']['spyx_axn superspike'])
            L.append(f"| {r['n']} | " + ' | '.join(cells) + f" | {roof_t:.0%} | {fmt_mem(r['temp']['spyx_axn superspike'])} / "
                     f"{fmt_mem(r['temp']['spyx_axn boxcar'])} |")
    # the check
    L += ["", f"### Do they compute the same? (n = {CHECK['n']}, T = {CHECK['T']}, batch {CHECK['B']}, float32)", "",
          "Each framework against spyx_axn's loop with the framework's surrogate translated "
          "([translation table](41_translation.ipynb)), in the framework's neuron model where that is the README's, "
          "and the plain difference where it is not.", "",
          "| framework | against | equal spikes | gradient, largest relative difference | neuron model |",
          "|---|---|---|---|---|"]
    for c in data['check']:
        e = c['grad_rel_err']
        L.append(f"| {c['framework']} | {c['against']} | {c['spikes_equal']:.2%} | "
                 f"{'—' if e != e else f'{e:.1e}'} | {c['note']} |")
    L += ["", "Surrogates: " + '; '.join(f"{k}: {v}" for k, v in data['surrogates'].items()) + "."]
    if data.get('probes'):
        L += ["", "### torch.compile", "",
              "Each network under `torch.compile` (default mode), in a process of its own at the width given: the "
              "seconds of its first call, which compiles, and the median of the calls after it (not interleaved with "
              "the table's frameworks: compare it with the same framework's eager time at that width only roughly).", "",
              "| framework | width | compiled? | first call (s) | call after (s) | eager, in the table (s) |",
              "|---|---|---|---|---|---|"]
        eager = table_rows(data, 'float32')
        for k, pr in data['probes'].items():
            e = eager.get(k, {}).get(pr['n'], {}).get('t', float('nan'))
            if pr['finished']:
                L.append(f"| {k} | {pr['n']} | yes | {pr['compile_s']:.0f} | {med(pr['times']):.3f} | {e:.3f} |")
            else:
                why = (f"did not finish compiling within {pr['timeout_s']:.0f} s" if 'timeout_s' in pr
                       else f"failed: {pr['error']}")
                L.append(f"| {k} | {pr['n']} | {why} | — | — | {e:.3f} |")
    if data.get('compile_s'):
        L += ["", "torch.compile's first call (compilation) in seconds: " + '; '.join(
            f"{k}: " + ', '.join(f"{n}: {t:.0f}" for n, t in v.items()) for k, v in data['compile_s'].items()) + "."]
    if data.get('skipped'):
        L += ["", "Left out: " + '; '.join(f"{f['framework']} at {f['n']} {f['dtype']} (foretold {f['foretold_s']:.0f} s "
                                           "a call)" for f in data['skipped']) + "."]
    if data['failures']:
        L += ["", "Did not run: " + '; '.join(f"{f['framework']} at {f['n']} {f['dtype']} ({f['error']})"
                                              for f in data['failures']) + "."]
    L += ["", f"Command: `{'make bench-field' if m['platform'] == 'cpu' else 'python benchmarks/field.py --gpu'}`; "
              f"the whole run took {data['wall_s'] / 60:.1f} min. Written to {out_name}.json/.md/.png."]
    return '\n'.join(L) + '\n'


def plot(data: dict, path):
    "Seconds of the network and its peak memory against the width, float32, per framework, on log-log axes."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    rows = table_rows(data, 'float32')
    for ax, key, label in zip(axes, ('t', 'rss_peak'), ('seconds, forward + backward', 'peak memory (MiB)')):
        for i, (k, r) in enumerate(sorted(rows.items())):
            ns = sorted(r)
            ys = [r[n][key] / (2**20 if key == 'rss_peak' else 1) for n in ns]
            ax.loglog(ns, ys, 'o-' if 'spyx_axn' in k else 'x--', color=f'C{i % 10}', label=k,
                      lw=2 if 'spyx_axn' in k else 1)
        ax.set(xlabel='neurons', ylabel=label, title=f"{label.split(',')[0].split(' (')[0]}, float32")
        ax.set_xticks(data['settings']['sizes'], [str(n) for n in data['settings']['sizes']])
        ax.minorticks_off()
    axes[1].legend(fontsize='x-small', frameon=False, loc='center left', bbox_to_anchor=(1, 0.5))
    fig.tight_layout(); fig.savefig(path, metadata={'Software': None})


def write(out: Path) -> str:
    data = json.loads(out.with_suffix('.json').read_text())
    text = render(data, out.name)
    out.with_suffix('.md').write_text(text)
    plot(data, out.with_suffix('.png'))
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true', help='512 and 1024 neurons, two repetitions')
    p.add_argument('--gpu', action='store_true', help='on the GPU, up to 16k neurons: benchmarks/field-gpu.*')
    p.add_argument('--out', help='output path without suffix')
    p.add_argument('--report', help='render <path>.md and .png again from <path>.json, measuring nothing')
    p.add_argument('--probe', help=argparse.SUPPRESS)  # compile_probe's own process: a framework's name
    p.add_argument('--n', type=int, help=argparse.SUPPRESS)
    p.add_argument('--reps', type=int, help=argparse.SUPPRESS)
    p.add_argument('--threads', type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe:
        probe_main(args.probe, args.n, args.reps, args.threads); return
    if args.report:
        print(write(Path(args.report).with_suffix(''))); return
    s = settings(args)
    if s['threads']: pin_cpu(s['threads'])
    if args.gpu:
        import jax
        if jax.devices()[0].platform != 'gpu':
            sys.exit("--gpu: JAX sees no GPU; install JAX's CUDA build (pip install 'jax[cuda12]') and PyTorch's "
                     "CUDA build, where the peers' GPU backends run")
    out = Path(args.out or ROOT / 'benchmarks' / ('field-gpu' if args.gpu else 'quick/field' if args.quick else 'field'))
    out.parent.mkdir(parents=True, exist_ok=True)
    data = measure(s, log=lambda m: print(m, flush=True))
    out.with_suffix('.json').write_text(json.dumps(data, indent=1) + '\n')
    print(write(out))


if __name__ == '__main__':
    main()

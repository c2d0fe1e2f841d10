"""What the benchmarks time with: each function's seconds per repetition, functions that write their outputs into
donated buffers, and the machine the times are taken on. Importing it puts this repository first on the path, so that
the benchmarks import its spyx_axn, and imports spyx 1.0.0 where it is installed."""
import os, platform, sys, time
from pathlib import Path
import jax
import jax.numpy as jnp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import spyx_axn as axn

try:
    import spyx.axn as spyx_axn_1
    SPYX = __import__('spyx').__version__
except ImportError:
    spyx_axn_1, SPYX = None, None


def timed(fns: dict, *args, reps: int, min_s: float = 0.01) -> dict:
    """The seconds of one call of each function in `fns` on `args`, in each of `reps` repetitions.
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
    return times


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


def machine() -> dict:
    """The processor, its cores and load average (None where the system has none), the JAX device and the library
    versions."""
    cpu = platform.processor() or platform.machine()
    try: cpu = next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    d = jax.devices()[0]
    return dict(cpu=cpu, cores=cores, load=os.getloadavg()[0] if hasattr(os, 'getloadavg') else None,
                jax=jax.__version__, platform=d.platform, device_kind=d.device_kind, spyx_axn=axn.__version__,
                spyx=SPYX)

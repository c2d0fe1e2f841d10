"""Shared by every test file: the two tiers, a JAX compilation cache shared by the run, a subprocess runner,
the discovery of every exported factory, the hypothesis profiles, and the strict session (SPYX_AXN_STRICT=1).

Tiers: tests marked `slow` (training runs, the notebooks' `#| slow` cells, the multi-device run, float64 under
x64) are left out unless pytest is given `--all`; `make test` runs the rest, `make test-all` everything, the
strict session and the lowest supported JAX too."""
import gc, inspect, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

# A persistent compilation cache, one folder for the whole run: a program compiled once is read back instead of
# compiled again, by a later test that builds the same program anew (a page's closures, a sweep's other
# hyperparameters), by the other xdist worker, by the subprocesses a test starts and waits for (the site build, the
# lab's kernel, the x64 and multi-device runs), and by the next run. The folder is set here, in the process that starts
# the workers, and they inherit it. JAX keys each entry by the program, its flags, the backend and the JAX version, so
# a stale entry is never used.
os.environ.setdefault('JAX_COMPILATION_CACHE_DIR', str(ROOT / '.cache' / 'jax'))

def _write_entries_whole():
    """JAX writes a cache entry in place: a worker reading an entry that the other is still writing would find it
    truncated (JAX then warns, and compiles again). Each entry is written to a file of its own and renamed into place,
    which on one file system is atomic. JAX's own writer is kept where it locks the folder (a cache with a size limit)."""
    try:
        from jax._src import lru_cache
        put, suffix = lru_cache.LRUCache.put, lru_cache._CACHE_SUFFIX
    except (ImportError, AttributeError): return  # another JAX: its own writer
    def whole(self, key, value):
        if getattr(self, 'eviction_enabled', True) or not key: return put(self, key, value)
        path = Path(str(self.path)) / f"{key}{suffix}"
        if path.exists(): return
        part = path.with_name(f".{path.name}.{os.getpid()}")
        part.write_bytes(value)
        os.replace(part, path)
    lru_cache.LRUCache.put = whole
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS', '0')
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES', '0')

def pytest_addoption(parser):
    parser.addoption('--all', action='store_true', help="also run the tests marked slow (make test-all)")

# The fast tier compiles with XLA's classic CPU loop emitters rather than its newer fusion emitters, and without LLVM's
# optimisation. Compiling is most of what the tests spend their time on (thousands of small programs, each run a few
# times): the classic emitters compile them in about half the time, and LLVM at -O0 takes a third off what is left
# (a fresh clone's first `make test` on 2 cores: 174 s against 198 s). Neither changes what XLA computes, only how
# fast the emitted code runs; the one check that told them apart (s2nn's second derivative at k = 1e30 was NaN at -O0
# and infinite at -O2) showed a derivative that relied on the optimiser to avoid inf - inf, and s2nn now computes its
# bump so that it never meets one. `--all` (make test-all) runs every test again at XLA's defaults, as users run them,
# so a result that depended on these settings would still be caught there. The flags are those of the pinned jaxlib
# (requirements-dev.txt); another jaxlib, such as the floor's, keeps its defaults, since XLA refuses flags it does not
# know.
QUICK_XLA = '--xla_cpu_use_fusion_emitters=false --xla_backend_optimization_level=0'
PINNED_JAXLIB = re.search(r'^jaxlib==(\S+)', (ROOT / 'requirements-dev.txt').read_text(), re.M).group(1)

def runs_tests(config):
    "Whether this process runs tests: an xdist worker, or pytest without workers; not the process that starts the workers."
    return hasattr(config, 'workerinput') or config.getoption('dist', 'no') == 'no'

def pytest_configure(config):
    """Before any test runs JAX: the quick compiler settings for the fast tier (each xdist worker configures itself),
    and the cache's writer, in the processes that run tests (the one that starts the workers never imports JAX)."""
    if runs_tests(config): _write_entries_whole()
    from importlib.metadata import version
    chosen = os.environ.get('XLA_FLAGS', '')  # a flag the user sets is left as set
    if not config.getoption('--all') and version('jaxlib') == PINNED_JAXLIB and not any(f.split('=')[0] in chosen for f in QUICK_XLA.split()):
        os.environ['XLA_FLAGS'] = f"{chosen} {QUICK_XLA}".strip()

# Garbage collection. JAX keeps every program it traces (jaxprs, their variables and equations) in caches that live as
# long as the process: a worker's heap grows past a million objects, and each of CPython's full collections walks all
# of them, half a second and more apiece. The processes that run tests leave the objects made before the first test
# (modules, JAX itself) out of collections, and collect the oldest generation only after a thousand collections of the
# middle one, where CPython would after ten; young garbage is collected as usual. At the end, one full collection
# (finalizers that raise are still reported), then nothing more to walk: pytest collects five times more as it exits,
# which on that heap took longer than xdist waits for a worker to stop (10 s, then a KeyboardInterrupt).
def pytest_collection_finish(session):
    if runs_tests(session.config):
        gc.collect(); gc.freeze(); gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 1000)

def pytest_unconfigure(config):
    if runs_tests(config): gc.collect(); gc.freeze()

@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    "Without --all, the tests marked slow are deselected: `make test` is the fast tier. Then each activation's tests are grouped."
    if not config.getoption('--all'):
        slow = [i for i in items if i.get_closest_marker('slow')]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [i for i in items if not i.get_closest_marker('slow')]
    group_by_activation(items)

def activation_of(item):
    "The activation a test is about: its `factory` parameter, or the family a notebook page defines (NN_name.ipynb)."
    params = getattr(getattr(item, 'callspec', None), 'params', {})
    if 'factory' in params: return params['factory']
    if 'nb' in params: return re.sub(r'^\d+_', '', Path(params['nb']).stem)
    return None

GROUP = pytest.StashKey[str]()  # an item's xdist group, for the ordering below
CATALOGUE = {'index', 'registry', 'translation', 'gallery'}  # the pages that go through every activation

def group_by_activation(items):
    """Each activation's page and its tests elsewhere go to one xdist worker (`--dist loadgroup`), the page first:
    the sweeps then run the programs the page's checks compiled (they take the hyperparameters as arguments) from
    that process's memory instead of compiling them again. The pages that go through every activation share a
    worker too (and what `describe` measured). The two longest groups start first: the site's tests (a worker
    that shared them would wait for the build), then those pages."""
    names = set(factories())
    order = {id(i): n for n, i in enumerate(items)}
    is_page = lambda i: i.nodeid.startswith('tests/test_notebooks.py')
    first = {}
    for i in items:
        a = activation_of(i)
        if i.nodeid.startswith('tests/test_site.py'): group, first['site'] = 'site', -2
        elif a in CATALOGUE and is_page(i): group, first['catalogue'] = 'catalogue', -1
        elif a in names: group = a
        else: continue
        i.add_marker(pytest.mark.xdist_group(group))
        if is_page(i): first.setdefault(group, order[id(i)])
        i.stash[GROUP] = group
    # a group's items together, in collection order, at the place of its first page; everything else keeps its place
    items.sort(key=lambda i: (first.get(i.stash.get(GROUP, None), order[id(i)]), not is_page(i), order[id(i)]))

# The strict session: the whole contract again with every JAX safety flag on. The flags are process-wide,
# so they are set here, before anything else imports JAX, and only in the subprocess `test_strict.py` starts.
STRICT = os.environ.get('SPYX_AXN_STRICT') == '1'
STRICT_FLAGS = {'jax_enable_x64': True, 'jax_numpy_dtype_promotion': 'strict', 'jax_numpy_rank_promotion': 'raise'}
if STRICT:
    import jax
    for flag, value in STRICT_FLAGS.items(): jax.config.update(flag, value)

def pytest_sessionfinish(session, exitstatus):
    "In the strict session nothing may be skipped: a check skipped there is a check never made under the flags."
    skipped = session.config.pluginmanager.get_plugin('terminalreporter').stats.get('skipped', [])
    if STRICT and skipped and session.exitstatus == 0:
        print(f"\n{len(skipped)} tests skipped in the strict session: {[r.nodeid for r in skipped]}")
        session.exitstatus = 1

from hypothesis import HealthCheck, settings

# `ci` (the default, `make test`) is derandomized: every run draws the same examples, so a failure reproduces.
# `deep` (`make test-all`) draws ten times as many, still derandomized. `thorough` draws twenty times as many,
# at random, for a longer search: `make test-thorough`.
_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('ci', derandomize=True, database=None, **_common)
settings.register_profile('deep', settings.get_profile('ci'))
settings.register_profile('thorough', settings.get_profile('ci'), derandomize=False, **_common)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
EXAMPLES = {'deep': 10, 'thorough': 20}.get(os.environ.get('HYPOTHESIS_PROFILE'), 1)  # multiplier of each test's example count

def run_python(code: str, env: dict | None = None, timeout: float = 600) -> str:
    "Run `code` in a fresh Python process (for process-wide JAX flags); fail the test with its output if it fails."
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, env={**os.environ, **(env or {})})
    if r.returncode: pytest.fail(f"subprocess failed ({r.returncode}):\n{r.stdout}\n{r.stderr}", pytrace=False)
    return r.stdout

def factories():
    "Every activation factory (the registry's, and `custom`), with its numeric hyperparameters' defaults."
    import spyx_axn as axn
    return {name: {p.name: p.default for p in inspect.signature(getattr(axn, name)).parameters.values()
                   if isinstance(p.default, (int, float)) and not isinstance(p.default, bool)}
            for name in ['custom'] + axn.available()}

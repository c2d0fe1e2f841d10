"""Hooks and settings for every test file: the two tiers, the fast tier's compiler settings, a JAX compilation cache,
the grouping of each activation's tests on one xdist worker, garbage collection in the workers, the hypothesis
profiles, strict dtype and rank promotion, and the strict session (SPYX_AXN_STRICT=1). What the test files share is
in helpers.py. Which test holds which guarantee, and in which tier: tests/README.md.

Tiers: tests marked `slow` (training runs, the notebooks' `#| slow` cells, the sweeps around every activation, the
multi-device run, the wheel installed with its dependencies) are left out unless pytest is given `--all`, which also
compiles at XLA's default settings; `make test` runs the rest, `make test-all` everything, then the strict session
(x64), the lowest and the newest supported JAX, and the peers."""
import gc, os, sys
import pytest
from hypothesis import HealthCheck, settings
from helpers import ROOT, STRICT, factories, set_strict_flags

def pytest_addoption(parser):
    parser.addoption('--all', action='store_true',
                     help="also run the tests marked slow, and compile every test at XLA's default settings instead of "
                          "the fast tier's quicker ones (QUICK_XLA in tests/conftest.py); `make test-all` runs with it")
    parser.addoption('--peers', action='store_true',
                     help="run the tests marked peers, which call snnTorch, SpikingJelly, Norse, Sinabs and braintools: "
                          "`make test-peers` runs them in .venv-peers (requirements-peers.txt), and only them")

# A persistent compilation cache: a program compiled once is read back instead of compiled again, by a later test
# that builds the same program anew (a page's closures, a sweep's other hyperparameters), by the subprocesses a test
# starts and waits for (the site build, the lab's kernel, the x64 and multi-device runs), and by the next run.
# Each process that runs tests has a folder of its own, .cache/jax/<xdist worker id> (or main): JAX writes an entry in
# place, and in a cache without a size limit it takes no lock, so in a shared folder a worker could read an entry that
# the other is still writing. The other safe choice, one folder with a size limit (JAX_COMPILATION_CACHE_MAX_SIZE),
# where JAX locks the folder for every read and write (it needs the filelock package for that), is the slower: on the
# sweeps of test_activations, test_misuse and test_registry with seven pages (380 tests, 2 workers, on 2 cores shared
# with other work, two runs of each, alternated), from an empty cache 54 and 59 s a folder per worker (93 and 102 s of
# CPU) against 124 and 100 s shared (153 and 149 s of CPU): each write lists the whole folder and reads every entry's
# access time, which grows with the folder. From a full cache, 48 and 55 s against 46 and 46 s: a worker reads back
# only what it compiled itself, and a group does not always go to the same worker twice, so a folder per worker
# compiles again what the other worker compiled last time until both have seen it. (Measured when the package had
# seven pages; the comparison, not the seconds, is what holds.)
# JAX keys each entry by the program, its flags, the backend and the JAX version, so a stale entry is never used.
# A folder set in JAX_COMPILATION_CACHE_DIR is used as set, by every worker.
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS', '0')
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES', '0')

# The fast tier compiles with XLA's classic CPU loop emitters rather than its newer fusion emitters, and without LLVM's
# optimisation. Compiling is most of what the tests spend their time on (thousands of small programs, each run a few
# times): the classic emitters compile them in about half the time, and LLVM at -O0 takes a third off what is left
# (when measured, a fresh clone's first `make test` on 2 cores: 174 s against 198 s). Neither changes what XLA computes, only how
# fast the emitted code runs; the one check that told them apart (s2nn's second derivative at k = 1e30 was NaN at -O0
# and infinite at -O2) showed a derivative that relied on the optimiser to avoid inf - inf, and s2nn now computes its
# bump so that it never meets one. `--all` (make test-all) runs every test again at XLA's defaults, as users run them,
# so a result that depended on these settings would still be caught there. The flags are the pinned jaxlib's
# (requirements-dev.txt); a jaxlib that does not know one stops at its first computation ("Unknown flag in
# XLA_FLAGS"). The other jaxlibs the tests run on, the lowest supported and the newest (make test-floor, make
# test-newest), always run them with `--all` (and `-m 'not slow'`), so they never get them.
QUICK_XLA = '--xla_cpu_use_fusion_emitters=false --xla_backend_optimization_level=0'

def runs_tests(config):
    """Whether this process runs tests: an xdist worker, or pytest without workers; not the process that starts the
    workers."""
    return hasattr(config, 'workerinput') or config.getoption('dist', 'no') == 'no'

def pytest_configure(config):
    """In each process that runs tests (the one that starts the workers never imports JAX), before any test file is
    imported: the strict session's flags, the cache's folder, and the quick compiler settings for the fast tier."""
    if not runs_tests(config): return
    set_strict_flags()
    worker = getattr(config, 'workerinput', {}).get('workerid', 'main')
    os.environ.setdefault('JAX_COMPILATION_CACHE_DIR', str(ROOT / '.cache' / 'jax' / worker))
    chosen = os.environ.get('XLA_FLAGS', '')  # a flag the user sets is left as set
    if not config.getoption('--all') and not any(f.split('=')[0] in chosen for f in QUICK_XLA.split()):
        os.environ['XLA_FLAGS'] = f"{chosen} {QUICK_XLA}".strip()

# Garbage collection. JAX keeps every program it traces (jaxprs, their variables and equations) in caches that live as
# long as the process: a worker's heap grows past a million objects, and each of CPython's full collections walks all
# of them, half a second and more apiece. The processes that run tests leave the objects made before the first test
# (modules, JAX itself) out of collections, and collect the oldest generation only after a thousand collections of the
# middle one, where CPython would after ten; young garbage is collected as usual. At the end, one full collection
# (finalizers that raise are still reported), then nothing more to walk: pytest collects five times more as it exits,
# which on that heap took longer than xdist waits for a worker to stop (10 s, then a KeyboardInterrupt).
# An xdist worker then leaves at once. Its reports, the last of them "workerfinished" in pytest_sessionfinish, are
# written to the controller's pipe and flushed as they are sent (execnet), so nothing is lost; what is skipped is JAX's
# exit handler, which empties every cache it holds and took 3.5 s per worker at the end of `make test` (measured with a
# timing wrapper around each atexit function), while the controller waited.
def pytest_collection_finish(session):
    if runs_tests(session.config):
        gc.collect(); gc.freeze(); gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], 1000)

@pytest.hookimpl(trylast=True)  # after every other plugin's
def pytest_unconfigure(config):
    if not runs_tests(config): return
    gc.collect(); gc.freeze()
    if hasattr(config, 'workerinput'):
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(0)

@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Without --all, the tests marked slow are deselected: `make test` is the fast tier. Without --peers, the tests
    marked peers are, and with it every other test: they need the peers' environment. Then each activation's tests
    are grouped."""
    peers = config.getoption('--peers')
    off = [i for i in items if bool(i.get_closest_marker('peers')) != peers]
    if off:
        config.hook.pytest_deselected(items=off)
        items[:] = [i for i in items if bool(i.get_closest_marker('peers')) == peers]
    if not config.getoption('--all'):
        slow = [i for i in items if i.get_closest_marker('slow')]
        if slow:
            config.hook.pytest_deselected(items=slow)
            items[:] = [i for i in items if not i.get_closest_marker('slow')]
    group_by_activation(items)

# The groups that test files give themselves, which start before every other: the two longest. The site's tests
# (tests/test_site.py; a worker that shared them would wait for the build), then the pages that go through every
# activation (CATALOGUE in tests/test_notebooks.py).
FIRST = {'site': -2, 'catalogue': -1}

def group_by_activation(items):
    """Each activation's page and its tests elsewhere go to one xdist worker (`--dist loadgroup`), the page first:
    the sweeps then run the programs the page's checks compiled (they take the hyperparameters as arguments) from
    that process's memory instead of compiling them again. A test's activation is its `factory` parameter; on a
    notebook's page, the activation the page defines (tests/test_notebooks.py). A test marked with an xdist group
    keeps it; the groups in FIRST start first."""
    names = set(factories())
    def group_of(i):
        if mark := i.get_closest_marker('xdist_group'):
            return mark.args[0] if mark.args else mark.kwargs.get('name', 'default')
        factory = getattr(getattr(i, 'callspec', None), 'params', {}).get('factory')
        if factory in names:
            i.add_marker(pytest.mark.xdist_group(factory))
            return factory
    order = {id(i): n for n, i in enumerate(items)}
    group = {id(i): group_of(i) for i in items}
    is_page = lambda i: i.nodeid.startswith('tests/test_notebooks.py')
    first = dict(FIRST)
    for i in items:
        if group[id(i)] and is_page(i): first.setdefault(group[id(i)], order[id(i)])
    # a group's items together, in collection order, at the place of its first page; everything else keeps its place
    items.sort(key=lambda i: (first.get(group[id(i)], order[id(i)]), not is_page(i), order[id(i)]))

# Strict dtype and rank promotion in every test but the pages': a Python scalar takes the input's dtype, a jnp constant
# that would promote it (or an array broadcast by rank) raises where it is made. The pages run as users run them, in
# JAX's default mode. x64, which is process-wide and changes what the tests compute, is the strict session's alone.
PAGES = ('tests/test_notebooks.py', 'tests/test_shown_cells.py')

@pytest.fixture(autouse=True)
def strict_promotion(request):
    if request.node.nodeid.startswith(PAGES): yield; return
    import jax
    with jax.numpy_dtype_promotion('strict'), jax.numpy_rank_promotion('raise'): yield

def pytest_sessionfinish(session, exitstatus):
    "In the strict session nothing may be skipped: a check skipped there is a check never made under the flags."
    skipped = session.config.pluginmanager.get_plugin('terminalreporter').stats.get('skipped', [])
    if STRICT and skipped and session.exitstatus == 0:
        print(f"\n{len(skipped)} tests skipped in the strict session: {[r.nodeid for r in skipped]}")
        session.exitstatus = 1

# `ci` (the default, `make test`) is derandomized: every run draws the same examples, so a failure reproduces.
# `deep` (`make test-all`) draws ten times as many, still derandomized. `thorough` draws twenty times as many,
# at random, for a longer search: `make test-thorough`. (The multiplier is EXAMPLES in helpers.py.)
_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('ci', derandomize=True, database=None, **_common)
settings.register_profile('deep', settings.get_profile('ci'))
settings.register_profile('thorough', settings.get_profile('ci'), derandomize=False, **_common)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))

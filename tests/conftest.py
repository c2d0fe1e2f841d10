"""Shared by every test file: the two tiers, a JAX compilation cache shared by the run, a subprocess runner,
the discovery of every exported factory, the hypothesis profiles, and the strict session (SPYX_AXN_STRICT=1).

Tiers: tests marked `slow` (training runs, the notebooks' `#| slow` cells, the multi-device run, float64 under
x64) are left out unless pytest is given `--all`; `make test` runs the rest, `make test-all` everything, the
strict session and the lowest supported JAX too."""
import inspect, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

# One persistent compilation cache for the whole run: the xdist workers and every subprocess (strict session,
# x64, multi-device) read the programs another process already compiled instead of compiling them again.
# JAX keys each entry by the program, its flags, the backend and the JAX version, so a stale entry is never used.
os.environ.setdefault('JAX_COMPILATION_CACHE_DIR', str(ROOT / '.cache' / 'jax'))
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS', '0')
os.environ.setdefault('JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES', '0')

def pytest_addoption(parser):
    parser.addoption('--all', action='store_true', help="also run the tests marked slow (make test-all)")

def pytest_collection_modifyitems(config, items):
    "Without --all, the tests marked slow are deselected: `make test` is the fast tier."
    if config.getoption('--all'): return
    slow = [i for i in items if i.get_closest_marker('slow')]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [i for i in items if not i.get_closest_marker('slow')]

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
# `deep` (`make test-all`) draws five times as many, still derandomized. `thorough` draws ten times as many,
# at random, for a longer search: `make test-thorough`.
_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('ci', derandomize=True, database=None, **_common)
settings.register_profile('deep', settings.get_profile('ci'))
settings.register_profile('thorough', settings.get_profile('ci'), derandomize=False, **_common)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
EXAMPLES = {'deep': 5, 'thorough': 10}.get(os.environ.get('HYPOTHESIS_PROFILE'), 1)  # multiplier of each test's example count

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

"""Shared by every test file: a subprocess runner, the discovery of every exported factory, the hypothesis
profiles, and the strict session (SPYX_AXN_STRICT=1) that `test_strict.py` starts."""
import inspect, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

# The strict session: the whole contract again with every JAX safety flag on. The flags are process-wide,
# so they are set here, before anything else imports JAX, and only in the subprocess `test_strict.py` starts.
STRICT = os.environ.get('SPYX_AXN_STRICT') == '1'
STRICT_FLAGS = {'jax_enable_x64': True, 'jax_numpy_dtype_promotion': 'strict', 'jax_numpy_rank_promotion': 'raise'}
if STRICT:
    import jax
    for flag, value in STRICT_FLAGS.items(): jax.config.update(flag, value)

from hypothesis import HealthCheck, settings

# `ci` (the default) is derandomized: every run draws the same examples, so a failure reproduces.
# `thorough` draws ten times as many, at random, for a longer search: HYPOTHESIS_PROFILE=thorough make test.
_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('ci', derandomize=True, database=None, **_common)
settings.register_profile('thorough', settings.get_profile('ci'), derandomize=False, **_common)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
EXAMPLES = 10 if os.environ.get('HYPOTHESIS_PROFILE') == 'thorough' else 1  # multiplier of each test's example count

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

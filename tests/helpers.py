"""What the test files share: the project's root, a subprocess runner, the notebooks' cells and flags, every exported
factory with its hyperparameters, the examples multiplier of the hypothesis profiles, and the strict session's flags.
Importing this module imports neither JAX nor the package: conftest.py imports it in the process that starts the
xdist workers too. `FACTORIES` and `HYPER`, which import the package, are made when a test file first imports them."""
import inspect, json, os, re, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def run_python(code: str, env: dict | None = None, timeout: float = 600) -> str:
    "Run `code` in a fresh Python process (for process-wide JAX flags); fail the test with its output if it fails."
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, env={**os.environ, **(env or {})})
    if r.returncode: pytest.fail(f"subprocess failed ({r.returncode}):\n{r.stdout}\n{r.stderr}", pytrace=False)
    return r.stdout

def cells(nb: str) -> list[dict]:
    "The cells of notebook `nb` (its file name in nbs/)."
    return json.loads((ROOT / 'nbs' / nb).read_text())['cells']

def has_flag(source, *flags):
    "Whether cell `source` carries one of the nbdev test flags `flags` (a line `#| slow`)."
    return any(re.search(rf'^#\|\s*{flag}\s*$', source, re.M) for flag in flags)

def factories():
    "Every activation factory (the registry's, and `custom`), with its numeric hyperparameters' defaults."
    import spyx_axn as axn
    return {name: {p.name: p.default for p in inspect.signature(getattr(axn, name)).parameters.values()
                   if isinstance(p.default, (int, float)) and not isinstance(p.default, bool)}
            for name in ['custom'] + axn.available()}

def __getattr__(name):
    """`FACTORIES`, `factories()` made once, and `HYPER`, every (factory, hyperparameter) pair: made when a test file
    first imports one of them."""
    global FACTORIES, HYPER
    if name not in ('FACTORIES', 'HYPER'): raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    FACTORIES = factories()
    HYPER = [(f, h) for f, hs in FACTORIES.items() for h in hs]
    return globals()[name]

# The multiplier of each property test's example count, by hypothesis profile (registered in conftest.py): `ci` (the
# default, `make test`) 1, `deep` (`make test-all`) 10, `thorough` (`make test-thorough`) 20. The property tests of
# the contract (test_properties.py) take twice the multiplier in the deeper profiles: half their examples of the
# others run in the fast tier (PROPERTY_EXAMPLES).
EXAMPLES = {'deep': 10, 'thorough': 20}.get(os.environ.get('HYPOTHESIS_PROFILE'), 1)
PROPERTY_EXAMPLES = 2 * EXAMPLES if EXAMPLES > 1 else 1

# The strict session (SPYX_AXN_STRICT=1, `make test-strict`): x64 with every other JAX safety flag on (tests/test_strict.py).
# The flags are process-wide: conftest.py sets them in each process that runs tests, before any test file is imported,
# and a subprocess that computes with JAX sets them itself (tests/test_devices.py).
STRICT = os.environ.get('SPYX_AXN_STRICT') == '1'
STRICT_FLAGS = {'jax_enable_x64': True, 'jax_numpy_dtype_promotion': 'strict', 'jax_numpy_rank_promotion': 'raise'}

def set_strict_flags():
    "In the strict session, turn every flag in `STRICT_FLAGS` on; elsewhere, nothing."
    if STRICT:
        import jax
        for flag, value in STRICT_FLAGS.items(): jax.config.update(flag, value)

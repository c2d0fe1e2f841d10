"""Data-parallel training on 8 simulated CPU devices equals the single-device step, for every exported activation.
JAX fixes its device count when it starts, so the check runs in a subprocess with XLA_FLAGS set: it executes the
"Scaling out" page there (its own check included), then applies the page's `check_data_parallel` to every factory."""
import pytest
from helpers import FACTORIES, run_python

@pytest.mark.slow
def test_data_parallel_step_equals_single_device_on_8_devices():
    out = run_python("""
import sys
sys.path.insert(0, 'tests')
import helpers
helpers.set_strict_flags()  # in the strict session, as in the tests' own processes
import jax
import spyx_axn as axn
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
assert jax.device_count() == 8, jax.devices()
shell = CaptureShell(path='nbs')
shell.run_all(read_nb('nbs/51_scaling_out.ipynb'), exc_stop=True)
assert shell.user_ns['n'] == 8
check = shell.user_ns['check_data_parallel']
for name, hyper in helpers.FACTORIES.items():
    check(getattr(axn, name), **hyper)
    print(name)
""", env={'XLA_FLAGS': '--xla_force_host_platform_device_count=8'})
    assert set(out.split()) == set(FACTORIES), out

import subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def run_python(code: str, env: dict | None = None, timeout: float = 600) -> str:
    "Run `code` in a fresh Python process (for process-wide JAX flags); fail the test with its output if it fails."
    import os
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=timeout,
                       cwd=ROOT, env={**os.environ, **(env or {})})
    if r.returncode: pytest.fail(f"subprocess failed ({r.returncode}):\n{r.stdout}\n{r.stderr}", pytrace=False)
    return r.stdout

"Execute every notebook, so that `pytest` alone runs the inline tests on every page."
import os
from pathlib import Path
import pytest
from nbdev import test as nbdev_test

NBS = Path(__file__).resolve().parent.parent / 'nbs'

@pytest.mark.parametrize('nb', sorted(p.name for p in NBS.glob('*.ipynb')))
def test_notebook(nb, monkeypatch):
    monkeypatch.chdir(NBS)
    ok, secs = nbdev_test.test_nb(NBS / nb, skip_flags=['notest'], showerr=True)
    assert ok, f"{nb} failed (see the traceback above)"

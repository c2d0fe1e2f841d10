"""Execute every notebook, so that `pytest` alone runs the inline tests on every page. As `nbdev_test` does,
cells flagged `#| notest` never run and cells flagged `#| slow` are left to the slow tier (`make test-all`),
which runs each notebook that has them again, whole. Cells flagged `#| peers` call the peer libraries: only the
peers tier runs them (tests/test_peers.py, in their environment). Each xdist worker runs its notebooks in one process,
in a fresh shell per notebook."""
import atexit, re
import pytest
from execnb.shell import CaptureShell
from nbdev import test as nbdev_test
from helpers import ROOT, cells, has_flag

NBS = ROOT / 'nbs'
ALL = sorted(p.name for p in NBS.glob('*.ipynb'))

def flagged(nb, flag):
    "Whether a code cell of notebook `nb` carries the nbdev test flag `flag`."
    return any(c['cell_type'] == 'code' and has_flag(''.join(c['source']), flag) for c in cells(nb))

def defines(nb):
    "The activation that page `nb` defines, as its `#| default_exp surrogates.<name>` line says; None on other pages."
    for c in cells(nb):
        if m := re.search(r'^#\|\s*default_exp\s+surrogates\.(\w+)\s*$', ''.join(c['source']), re.M): return m.group(1)

# The pages that go through every activation: one worker runs them (and what `describe` measures, once), among the
# first groups to start (conftest.py).
CATALOGUE = {'index.ipynb', '40_registry.ipynb', '41_translation.ipynb', '45_gallery.ipynb'}

def pages(nbs):
    """Each notebook in `nbs` as the parameters `nb, factory`: its file name, and the activation it defines, which
    runs the page on one worker with that activation's other tests, before them (conftest.py)."""
    catalogue = pytest.mark.xdist_group('catalogue')
    return [pytest.param(nb, defines(nb), id=nb, marks=[catalogue] if nb in CATALOGUE else []) for nb in nbs]

class Shell(CaptureShell):
    """nbdev's shell, with two differences. Every figure is drawn, as in nbdev_test, but rasterised once rather than
    at nbdev's retina resolution (four times the pixels): the saved outputs, made by `make outputs`, are retina.
    And the shell is let go when its notebook is done: IPython registers each shell to be reset when Python exits,
    which keeps every notebook's namespace (arrays, closures, their compiled programs) alive until then, and each
    reset then collects garbage in a heap that holds all of them: seconds per notebook at exit."""
    def __init__(self, path): super().__init__(path, mpl_format='png')

    def release(self):
        atexit.unregister(self.atexit_operations)
        if self.history_manager is not None: self.history_manager.close()  # its saving thread
        type(self).clear_instance()
        self.user_ns.clear(); self.user_ns_hidden.clear()

def run(nb, skip_flags, monkeypatch):
    monkeypatch.chdir(NBS)
    shells = []  # the one shell nbdev makes for the notebook
    def make(path):
        shells.append(Shell(path)); return shells[-1]
    monkeypatch.setattr(nbdev_test, 'CaptureShell', make)
    try: ok, secs = nbdev_test.test_nb(NBS / nb, skip_flags=skip_flags, showerr=True)
    finally:
        for shell in shells: shell.release()
    assert ok, f"{nb} failed (see the traceback above)"

# Guides whose checks take long and whose functions have tests of their own in the fast tier: the slow tier runs them
# whole (test_notebook_with_its_slow_cells), the fast tier leaves them out. Diagnostics: tests/test_diagnostics.py;
# coming from spyx: tests/test_keys.py; meta-learning: tests/test_adaptive.py and tests/test_properties.py (the
# hyperparameter derivatives it trains with).
GUIDES = {'39_diagnostics.ipynb', '46_from_spyx.ipynb', '50_meta_learning.ipynb'}

@pytest.mark.parametrize('nb,factory', pages(nb for nb in ALL if nb not in GUIDES))
def test_notebook(nb, factory, monkeypatch): run(nb, ['notest', 'slow', 'peers'], monkeypatch)

# The spoken-digits comparison trains 26 activations and a slope sweep, 10 seeds each: about 80 minutes on two cores,
# which would take `make test-all` far past its budget of 25 minutes (README, Develop). Its saved outputs come from
# `make outputs`; in the slow tier, tests/test_spoken_digits.py makes the data and trains three surrogates on a reduced
# set. The adaptive-widths page trains four methods from three widths on ten seeds, on Randman and the spoken digits
# (240 runs, about half an hour); in the slow tier, tests/test_adaptive.py trains each method on a reduced set.
# The page on why escape noise wins trains two kinds of spikes, four other kinds of noise, a sweep of the width and a
# second split of the spoken digits, ten seeds each (about two hours in all), and keeps the accuracies in
# nbs/64_escape_noise_why.npz, which its saved outputs are made from.
TOO_LONG_FOR_CI = {'63_spoken_digits.ipynb', '52_adaptive.ipynb', '64_escape_noise_why.ipynb'}

@pytest.mark.slow
@pytest.mark.parametrize('nb,factory', pages(nb for nb in ALL if (flagged(nb, 'slow') or nb in GUIDES)
                                             and nb not in TOO_LONG_FOR_CI))
def test_notebook_with_its_slow_cells(nb, factory, monkeypatch): run(nb, ['notest', 'peers'], monkeypatch)

def test_the_slow_flag_is_nbdevs():
    "nbdev_test skips the same cells: `slow` and `peers` are among settings.ini's tst_flags."
    from configparser import ConfigParser
    cfg = ConfigParser(); cfg.read(NBS.parent / 'settings.ini')
    assert {'notest', 'slow', 'peers'} <= set(cfg['DEFAULT']['tst_flags'].split())

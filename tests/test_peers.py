"""The peers tier (`make test-peers`, in .venv-peers with requirements-peers.txt): the translation page's rows run
against snnTorch, SpikingJelly, Norse, Sinabs, braintools and spyx themselves, and the conformance page runs this
package's contract on them. Both pages are executed whole, with their cells flagged `#| peers`, which the other
tiers skip. The check that the pins are the versions the rows read needs no peer: it runs in the fast tier."""
import re
import pytest
from helpers import ROOT
from test_notebooks import ALL, flagged, run
from spyx_axn.translation import ROWS, runnable

PAGES = sorted(nb for nb in ALL if flagged(nb, 'peers'))

def test_the_peers_pages():
    assert PAGES == ['41_translation.ipynb', '42_conformance.ipynb']

def test_the_pins_are_the_versions_the_rows_read():
    pins = dict(re.findall(r'^([\w-]+)==([\w.+]+)', (ROOT / 'requirements-peers.txt').read_text(), re.M))
    read = {tuple(r.package.split()) for r in ROWS if r.runs}
    assert {'snntorch', 'spikingjelly', 'norse', 'sinabs', 'braintools', 'spyx'} == {name for name, _ in read}
    dev = dict(re.findall(r'^([\w-]+)==([\w.+]+)', (ROOT / 'requirements-dev.txt').read_text(), re.M))
    for name, v in read: assert {**dev, **pins}.get(name) == v, (name, v)

@pytest.mark.peers
def test_every_row_that_names_a_peer_runs_it():
    assert all(runnable(r) for r in ROWS if r.runs)

@pytest.mark.peers
@pytest.mark.parametrize('nb', PAGES)
def test_page_with_its_peers_cells(nb, monkeypatch): run(nb, ['notest', 'slow'], monkeypatch)

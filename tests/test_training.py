"""A reduced version of the training page: a few surrogates train a small LIF network on a small
Randman task well above chance. No timing is asserted. A training run: the slow tier."""
import pytest
import spyx_axn as axn
from spyx_axn.training import compare, randman, split, sweep

DATA = split(*randman(n_classes=4, n_units=16, n_steps=25, n_samples=80, seed=1))
SMALL = dict(n_classes=4, n_hidden=32, epochs=8, batch=32)
CHANCE = 1 / 4
pytestmark = pytest.mark.slow

def test_surrogates_learn_above_chance():
    acc = compare([axn.superspike(), axn.triangular(), axn.arctan()], DATA, seeds=2, **SMALL)
    assert acc.shape == (3, 2)
    assert acc.min() > 2 * CHANCE, acc

def test_vmapped_slope_sweep_learns_above_chance():
    acc = sweep(axn.superspike, [5., 25.], DATA, seeds=2, **SMALL)
    assert acc.shape == (2, 2)
    assert acc.min() > 2 * CHANCE, acc

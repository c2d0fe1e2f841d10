"""The spoken-digits generator (nbs/63_spoken_digits.ipynb) on a tiny set: shapes, determinism, the cache and the split
by speaker, and the error without espeak-ng. The page checks the cochlea and the argument errors. The slow tier trains
on a reduced set."""
import shutil, subprocess
import numpy as np
import pytest
from helpers import ROOT
from spyx_axn.spoken_digits import spoken_digits, utterances

needs_espeak = pytest.mark.skipif(shutil.which('espeak-ng') is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng; CI installs it)")
GRID = dict(languages=('en',), speakers=('m1', 'f1'), test_speakers=('f1',), rates=(160,), pitches=(50,))
TINY = dict(GRID, n_channels=16, n_steps=40)

def arrays(data):
    "((x, y), (x_test, y_test)) as four NumPy arrays."
    return [np.asarray(a) for pair in data for a in pair]

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "The tiny set, made once into a cache folder of its own: (folder, data)."
    cache = tmp_path_factory.mktemp('spoken_digits')
    return cache, spoken_digits(**TINY, cache=cache)

@needs_espeak
def test_shapes_and_dtypes(tiny):
    (x, y), (xt, yt) = tiny[1]
    assert (x.shape, xt.shape, y.shape, yt.shape) == ((10, 40, 16), (10, 40, 16), (10,), (10,))
    assert (x.dtype, xt.dtype, y.dtype, yt.dtype) == (np.float32, np.float32, np.int32, np.int32)
    assert set(np.unique(np.asarray(x))) | set(np.unique(np.asarray(xt))) == {0., 1.}
    assert (np.asarray(x).sum((1, 2)) > 0).all(), "every word spikes"
    np.testing.assert_array_equal(y, np.arange(10))
    np.testing.assert_array_equal(yt, np.arange(10))

@needs_espeak
def test_same_arguments_same_spikes_made_again_or_read_back(tiny):
    cache, first = tiny
    assert len(list(cache.glob('spoken_digits-*.npz'))) == 1
    for again in (spoken_digits(**TINY, cache=None), spoken_digits(**TINY, cache=cache)):
        for a, b in zip(arrays(first), arrays(again)): np.testing.assert_array_equal(a, b)
    spoken_digits(**dict(TINY, n_steps=30), cache=cache)
    assert len(list(cache.glob('spoken_digits-*.npz'))) == 2, "other arguments, another file"

@needs_espeak
def test_split_by_speaker(tiny):
    "A sample depends on its utterance alone, so swapping which speaker is held out swaps the two sets."
    x, _, xt, _ = arrays(tiny[1])
    xs, _, xst, _ = arrays(spoken_digits(**dict(TINY, test_speakers=('m1',)), cache=None))
    np.testing.assert_array_equal(x, xst)
    np.testing.assert_array_equal(xt, xs)
    assert (x != xt).any(axis=(1, 2)).all(), "the two voices differ in every word"
    train, test = utterances(**GRID)
    assert {u.speaker for u in train} == {'m1'} and {u.speaker for u in test} == {'f1'}

@needs_espeak
def test_unknown_voice_refused():
    "espeak-ng would speak an unknown variant in its default voice, silently: the generator refuses it."
    with pytest.raises(ValueError, match=r"speakers must be espeak-ng voice variants .*got unknown \['m99'\]"):
        spoken_digits(**dict(TINY, speakers=('m1', 'm99'), test_speakers=('m1',)), cache=None)

def test_clear_error_without_espeak(monkeypatch, tmp_path):
    "Without espeak-ng on PATH: the program and how to install it, before anything is run or written."
    monkeypatch.setenv('PATH', str(tmp_path))  # an empty folder
    def refuse(*a, **k): raise AssertionError(f"ran {a}")
    monkeypatch.setattr(subprocess, 'run', refuse)
    with pytest.raises(FileNotFoundError, match=r"needs the program espeak-ng.*`apt-get install espeak-ng`"):
        spoken_digits(**TINY, cache=tmp_path / 'cache')
    assert not (tmp_path / 'cache').exists()

# The slow tier: a reduced set (6 speakers, 2 rates, 2 pitches: 320 training and 160 test samples) and network.
REDUCED = dict(speakers=('m1', 'm2', 'm3', 'f1', 'f2', 'f3'), test_speakers=('m3', 'f2'), rates=(140, 180), pitches=(40, 60),
               n_channels=32)
SMALL = dict(n_classes=20, n_hidden=64, epochs=20, batch=32)
CHANCE = 1 / 20

@pytest.mark.slow
@needs_espeak
def test_surrogates_learn_at_least_twice_chance():
    import jax, spyx_axn as axn
    from spyx_axn.training import compare, train
    data = spoken_digits(**REDUCED, cache=ROOT / '.cache' / 'spoken_digits')
    assert (len(data[0][0]), len(data[1][0])) == (320, 160)
    acc = compare([axn.superspike(), axn.sigmoid(), axn.triangular()], data, seeds=2, **SMALL)
    assert acc.shape == (3, 2)
    assert acc.min() >= 2 * CHANCE, acc
    assert float(train(axn.superspike(), data, jax.random.key(0), **SMALL)) >= 2 * CHANCE  # the data go to train as they are

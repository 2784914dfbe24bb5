"""The synthetic generators refuse bad settings naming the argument and the fix, before any
compute (issue 25): :func:`freqxai.data.eeg.make_alpha_eeg` (no mne needed) and
:func:`freqxai.data.synthetic.make_synthetic`; valid edge settings still run."""

from __future__ import annotations

import numpy as np
import pytest

from freqxai.data.eeg import make_alpha_eeg
from freqxai.data.synthetic import class_frequencies, make_synthetic

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("settings, message", [
    ({"fs": -1}, "fs (the sampling rate in Hz) must be a finite number > 40"),
    ({"fs": 0}, "fs (the sampling rate in Hz)"),
    ({"fs": NAN}, "fs (the sampling rate in Hz)"),
    ({"fs": INF}, "fs (the sampling rate in Hz)"),
    ({"fs": None}, "fs (the sampling rate in Hz)"),
    ({"fs": "128"}, "fs (the sampling rate in Hz)"),
    ({"fs": 20.0}, "beta distractor must lie below the Nyquist"),  # 20 Hz beta would alias
    ({"n": 0}, "n (the number of signals) must be an integer >= 1"),
    ({"n": -3}, "n (the number of signals)"),
    ({"n": 2.5}, "n (the number of signals)"),
    ({"n": True}, "n (the number of signals)"),
    ({"n": "4"}, "n (the number of signals)"),
    ({"seconds": 0}, "seconds (the duration of every signal) must be a finite number > 0"),
    ({"seconds": -1.0}, "seconds (the duration"),
    ({"seconds": NAN}, "seconds (the duration"),
    ({"seconds": INF}, "seconds (the duration"),
    ({"seconds": 0.001}, "use seconds >= 0.0156"),  # 0 samples at 128 Hz
    ({"alpha_hz": 0}, "alpha_hz (the alpha rhythm's frequency in Hz) must be a finite number > 0"),
    ({"alpha_hz": -10}, "alpha_hz"),
    ({"alpha_hz": NAN}, "alpha_hz"),
    ({"alpha_hz": 100.0}, "alpha_hz=100 is not below the Nyquist frequency fs/2 = 64"),
    ({"amplitude": -1}, "amplitude (of the alpha rhythm) must be a finite number >= 0"),
    ({"amplitude": NAN}, "amplitude"),
    ({"amplitude": INF}, "amplitude"),
    ({"seed": -1}, "seed must be None or an integer"),
    ({"seed": 1.5}, "seed must be None or an integer"),
])
def test_make_alpha_eeg_refuses_bad_settings_naming_them(settings, message):
    with pytest.raises(ValueError) as info:
        make_alpha_eeg(**{"n": 4, **settings})
    assert message in str(info.value)


@pytest.mark.parametrize("settings, shape", [
    ({"n": 1}, (1, 10, 256)),
    ({"n": 3, "fs": 41.0, "seconds": 1.0}, (3, 10, 41)),
    ({"n": 2, "seconds": 2 / 128}, (2, 10, 2)),  # the shortest signal: 2 samples
    ({"n": 2, "amplitude": 0.0}, (2, 10, 256)),  # classes without a difference: a null control
    ({"n": 2, "alpha_hz": 63.5}, (2, 10, 256)),
    ({"n": np.int64(4), "fs": np.float32(128), "seed": None}, (4, 10, 256)),
])
def test_make_alpha_eeg_edge_settings_run(settings, shape):
    X, y, names = make_alpha_eeg(**settings)
    assert X.shape == shape and X.dtype == np.float32 and np.isfinite(X).all()
    assert y.tolist() == [i % 2 for i in range(shape[0])] and len(names) == 10


@pytest.mark.parametrize("settings, error, message", [
    ({"n": -1}, ValueError, "n (the number of signals) must be an integer >= 0"),
    ({"n": 2.5}, ValueError, "n (the number of signals)"),
    ({"n": None}, ValueError, "n (the number of signals)"),
    ({"noise": NAN}, ValueError, "noise (the standard deviation of the Gaussian noise) must be a "
                                 "finite number >= 0"),
    ({"noise": INF}, ValueError, "noise (the standard deviation"),
    ({"noise": None}, ValueError, "noise (the standard deviation"),
    ({"length": 200.0}, ValueError, "length (samples per signal"),
    ({"length": 120}, ValueError, "must be an integer >= 121"),
    ({"length": True}, ValueError, "length (samples per signal"),
    ({"n_components": 5}, ValueError, "n_components must be a pair of integers (lo, hi)"),
    ({"n_components": (10,)}, ValueError, "n_components must be a pair"),
    ({"n_components": (10.5, 20)}, ValueError, "n_components must be a pair"),
    ({"n_components": None}, ValueError, "n_components must be a pair"),
    ({"max_frequency": 10, "n_components": (4, 5)}, ValueError,
     "max_frequency (distractors lie in 1..max_frequency; the class frequencies reach 53) must "
     "be an integer >= 53"),
    ({"max_frequency": 60.5}, ValueError, "max_frequency"),
    ({"seed": -1}, ValueError, "seed must be None or an integer"),
    ({"seed": "a"}, ValueError, "seed must be None or an integer"),
    ({"dtype": np.int32}, TypeError, "dtype must be a floating dtype"),
    ({"dtype": complex}, TypeError, "dtype must be a floating dtype"),
    ({"dtype": "nope"}, TypeError, "dtype must be a floating dtype"),
    ({"dtype": None}, TypeError, "dtype must be a floating dtype"),
])
def test_make_synthetic_refuses_bad_settings_naming_them(settings, error, message):
    with pytest.raises(error) as info:
        make_synthetic(**{"n": 3, **settings})
    assert message in str(info.value)


@pytest.mark.parametrize("settings, shape, dtype", [
    ({"n": 0}, (0, 1, 2560), np.float32),
    ({"n": 2, "length": 121}, (2, 1, 121), np.float32),
    ({"n": 2, "max_frequency": 53, "n_components": (4, 5)}, (2, 1, 2560), np.float32),
    ({"n": 2, "n_components": np.array([10, 50]), "dtype": "float64"}, (2, 1, 2560), np.float64),
])
def test_make_synthetic_edge_settings_run(settings, shape, dtype):
    X, y = make_synthetic(**settings)
    assert X.shape == shape and X.dtype == dtype and np.isfinite(X).all()
    assert y.shape == shape[:1] and ((0 <= y) & (y < 16)).all()


@pytest.mark.parametrize("label", [2.5, True, "a", None, -1, 16])
def test_class_frequencies_refuses_what_is_not_a_class_index(label):
    with pytest.raises(ValueError, match=r"label must be a class index, an integer in \[0, 16\)"):
        class_frequencies(label)
    assert class_frequencies(np.int64(3)) == (32,)

import numpy as np
import pytest

from freqxai.data import SUBSETS, class_frequencies, make_synthetic


def test_class_order_is_the_powerset_by_size():
    assert SUBSETS[0] == () and SUBSETS[1] == (5,) and SUBSETS[4] == (53,)
    assert SUBSETS[5] == (5, 16) and SUBSETS[15] == (5, 16, 32, 53) and len(SUBSETS) == 16
    assert class_frequencies(10) == (32, 53)
    with pytest.raises(ValueError):
        class_frequencies(16)


def test_spectrum_holds_class_and_distractor_frequencies():
    X, y = make_synthetic(500, noise=0.0, seed=1)
    assert X.shape == (500, 1, 2560) and X.dtype == np.float32 and y.dtype == np.int64
    amp = np.abs(np.fft.rfft(X[:, 0].astype(np.float64), axis=1)) / (2560 / 2)
    active = amp > 0.5
    # unit sinusoids: every active bin has amplitude 1, every other bin 0
    np.testing.assert_allclose(amp[active], 1.0, atol=1e-4)
    assert amp[~active].max() < 1e-4
    assert not active[:, 0].any() and not active[:, 61:].any()
    n_active = active.sum(1)
    assert n_active.min() >= 10 and n_active.max() <= 49
    for i in range(500):
        freqs = set(np.flatnonzero(active[i]))
        assert {5, 16, 32, 53} & freqs == set(class_frequencies(y[i]))
    assert set(np.unique(y)) == set(range(16))


def test_noise_level_and_determinism():
    a, ya = make_synthetic(50, noise=0.8, seed=3)
    b, yb = make_synthetic(50, noise=0.8, seed=3)
    clean, _ = make_synthetic(50, noise=0.0, seed=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(make_synthetic(50, noise=0.8, seed=4)[0], a)
    # noise is drawn after the signal: the difference to the clean signal is the noise
    assert np.std(a - clean) == pytest.approx(0.8, rel=0.02)


def test_bad_arguments():
    with pytest.raises(ValueError, match="noise"):
        make_synthetic(3, noise=-1)
    with pytest.raises(ValueError, match="n_components"):
        make_synthetic(3, n_components=(2, 70))

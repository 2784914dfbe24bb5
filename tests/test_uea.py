"""Real data bundled in aeon's wheel (the ``uea`` extra); skips without aeon."""

import numpy as np
import pytest
import torch

pytest.importorskip("aeon")

from freqxai import FreqRISE  # noqa: E402
from freqxai.data.uea import bundled_sets, load_uea  # noqa: E402
from freqxai.models.cnn import SmallCNN  # noqa: E402


def test_basicmotions_loads_offline_with_its_metadata():
    names = bundled_sets()
    assert {"BasicMotions", "GunPoint"} <= set(names)
    # every listed set is a classification set: aeon's regression sets are left out
    assert "CardanoSentiment" not in names and "Covid3Month" not in names
    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    assert train.X.shape == test.X.shape == (40, 6, 100) and train.X.dtype == np.float32
    assert train.class_names == test.class_names == ["badminton", "running", "standing", "walking"]
    assert np.bincount(test.y).tolist() == [10, 10, 10, 10]
    assert train.fs == 10.0 and len(train.channel_names) == 6
    with pytest.raises(ValueError, match="not bundled"):
        load_uea("FordA")
    with pytest.raises(ValueError, match="split"):
        load_uea("BasicMotions", "validation")


def test_freqrise_defaults_are_stable_on_a_real_model():
    from freqxai.explainers.freqrise import top_jaccard
    from freqxai.models.training import fit_classifier

    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    model = SmallCNN(6, 4)
    fit_classifier(model, (train.X, train.y), epochs=60, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)
    x = torch.from_numpy(test.X[::4])
    a = FreqRISE(model.eval(), "fft").attribute(x, n_masks=1000, seed=0, warn_if_noise=False)
    b = FreqRISE(model, "fft").attribute(x, n_masks=1000, seed=1, warn_if_noise=False)
    assert top_jaccard(a.flatten(1).double(), b.flatten(1).double()).mean() >= 0.7


def test_freqrise_finds_the_stride_frequency_of_running_and_walking():
    """With each channel's mean removed the CNN must read the motion: the class-mean FreqRISE
    spectrum (defaults, 1000 masks) peaks at the data's own stride frequency (the peak of the
    class's amplitude spectrum, 1.1 Hz running, 0.7 Hz walking), and so does the largest band."""
    from freqxai import band_attributions
    from freqxai.models.training import fit_classifier

    train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")
    center = lambda X: X - X.mean(-1, keepdims=True)  # noqa: E731
    model = SmallCNN(6, 4)
    fit_classifier(model, (center(train.X), train.y), epochs=60, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)
    freqs = np.fft.rfftfreq(test.X.shape[-1], 1 / test.fs)
    for name in ("running", "walking"):
        k = list(test.class_names).index(name)
        x = torch.from_numpy(center(test.X[test.y == k]))
        amplitude = torch.fft.rfft(x).abs().sum(1).mean(0)
        stride = freqs[int(amplitude.argmax())]
        rel = FreqRISE(model.eval(), "fft").attribute(x, target=k, n_masks=1000, seed=0).sum(1)
        assert abs(freqs[int(rel.mean(0).argmax())] - stride) < 0.15, name
        bands, names = band_attributions(rel, freqs, axis=1, reduce="mean")
        lo, hi = (float(v) for v in names[int(bands.mean(0).argmax())].removesuffix(" Hz").split("-"))
        assert lo <= stride <= hi, (name, stride, names)

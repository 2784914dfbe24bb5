"""Series of unequal length: explained at their own length, summarised on common bands."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from freqxai import get_domain, get_explainer
from freqxai.ragged import coefficient_grid, crop_relevance, pad_coefficients, unpad_series
from freqxai.summary import summarize

F0 = 0.125  # cycles per sample: the frequency the model reads, at any length
LENGTHS = (48, 64, 80, 64, 96)


class ToneModel(torch.nn.Module):
    """Logit 0 is the power at ``F0`` cycles per sample (any length); logit 1 a constant."""

    def forward(self, x):
        n = torch.arange(x.shape[-1], dtype=x.dtype)
        c = (x * torch.cos(2 * torch.pi * F0 * n)).sum(-1)
        s = (x * torch.sin(2 * torch.pi * F0 * n)).sum(-1)
        z = (c.square() + s.square()).sum(1) / x.shape[-1]
        return torch.stack([z, torch.full_like(z, 2.0)], 1)


def _series(seed=0, channels=1):
    rng = np.random.default_rng(seed)
    out = []
    for length in LENGTHS:
        t = np.arange(length)
        x = np.sin(2 * np.pi * F0 * t + rng.uniform(0, 6)) + 0.3 * rng.normal(size=(channels, length))
        out.append(x.astype(np.float32))
    return out


OPTIONS = {"freqrise": {"seed": 0}, "flex": {"n_steps": 16}, "ig": {"n_steps": 16},
           "saliency": {}, "random": {"seed": 0}, "amplitude": {}}
SETTINGS = {"freqrise": {"n_masks": 400}}  # constructor settings


def _explainer(method, model):
    return get_explainer(method, model, domain="fft", **SETTINGS.get(method, {}))


@pytest.mark.parametrize("method", list(OPTIONS))
def test_each_series_is_explained_at_its_own_length_as_if_alone(method):
    xs = _series()
    explainer = _explainer(method, ToneModel())
    rels = explainer.attribute(xs, target=0, **OPTIONS[method])
    assert isinstance(rels, list) and len(rels) == len(xs)
    for x, r in zip(xs, rels, strict=True):
        assert isinstance(r, np.ndarray) and r.dtype == np.float32
        assert r.shape[-1] == x.shape[-1] // 2 + 1
    for i in (0, 4):  # a series alone gives what it gets in the list (one length, one batch)
        alone = explainer.attribute(xs[i][None], target=0, **OPTIONS[method])[0]
        np.testing.assert_allclose(rels[i], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", ["freqrise", "flex", "ig"])
def test_the_known_frequency_tops_every_series(method):
    xs = _series()
    rels = _explainer(method, ToneModel()).attribute(xs, target=0, **OPTIONS[method])
    for x, r in zip(xs, rels, strict=True):
        assert r[0].argmax() == round(F0 * x.shape[-1])  # bin of F0 at this length


def test_summary_puts_every_series_on_the_bands_of_the_longest():
    xs = _series()
    model = ToneModel()
    rel = {m: _explainer(m, model).attribute(xs, target=0, **OPTIONS[m])
           for m in ("freqrise", "flex")}
    y = np.zeros(len(xs), dtype=int)
    df = summarize(rel, y, domain="fft", length=[x.shape[-1] for x in xs], fs=1.0)
    top = df[df["rank"] == 1].set_index("method")
    for m in ("freqrise", "flex"):
        assert top.loc[m, "low_hz"] <= F0 < top.loc[m, "high_hz"]
        assert top.loc[m, "significant"]
    # a band a short series has no bin in counts only the series that have one
    assert (df["n_inputs"] <= len(xs)).all() and (top["n_inputs"] == len(xs)).all()
    with pytest.raises(ValueError, match="length has 2 entries for 5 inputs"):
        summarize(rel, y, domain="fft", length=[48, 64], fs=1.0)


def test_tensors_targets_and_multiple_outputs():
    xs = [torch.from_numpy(x) for x in _series(channels=2)]
    targets = [0, 1, 0, 1, 0]
    rel, se = get_explainer("freqrise", ToneModel(), domain="fft", n_masks=64).attribute(
        xs, target=targets, seed=0, warn_if_noise=False, return_standard_error=True)
    assert all(isinstance(r, torch.Tensor) for r in rel) and len(se) == len(xs)
    assert [tuple(r.shape) for r in rel] == [(1, n // 2 + 1) for n in LENGTHS]


@pytest.mark.parametrize("inputs, exc, fragment", [
    ([], ValueError, "empty list"),
    ([np.zeros(16)], ValueError, r"\(channels, length\)"),
    ([np.zeros((1, 16)), torch.zeros(1, 16)], TypeError, "mixes tensors"),
    ([np.zeros((1, 16)), np.zeros((2, 16))], ValueError, "same number of channels"),
    ([[0.0] * 16], TypeError, "inputs\\[0\\]"),
])
def test_bad_lists_are_refused(inputs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        get_explainer("flex", ToneModel()).attribute(inputs, target=0)


def test_per_series_targets_must_match():
    with pytest.raises(ValueError, match="target has 2 entries for 5 series"):
        get_explainer("flex", ToneModel()).attribute(_series(), target=[0, 1])


def test_a_band_without_a_coefficient_of_a_short_series_averages_the_others():
    # fs 1: the 16-sample series' rFFT bins are 1/16 apart, so the band of the 64-sample series'
    # lowest bins (1/64..1/32) holds no bin of it; the band's mean is the long series' alone
    long_, short = np.ones((1, 33)), np.full((1, 9), 5.0)
    bands = {"DC": (0.0, 1 / 64), "low": (1 / 64, 1 / 32), "rest": (1 / 32, 0.5)}
    df = summarize({"m": [long_, long_, short]}, [0, 0, 0], domain="fft", length=[64, 64, 16],
                   fs=1.0, bands=bands, additive={"m": False})
    low = df[df["band"] == "low"].iloc[0]
    assert low["n_inputs"] == 2 and low["relevance"] == 1.0
    rest = df[df["band"] == "rest"].iloc[0]
    assert rest["n_inputs"] == 3 and np.isclose(rest["relevance"], 7 / 3)


def test_band_intervention_takes_series_of_unequal_length():
    from freqxai.models.cnn import SmallCNN
    from freqxai.summary import band_intervention

    torch.manual_seed(0)
    model = SmallCNN(1, 3).eval()
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(1, n)).astype(np.float32) for n in (40, 64, 40, 90, 64, 40)]
    y = np.array([0, 1, 2, 0, 1, 2])
    band = (0.05, 0.2)
    got = band_intervention(model, xs, y, band)
    parts = [(band_intervention(model, np.stack([xs[i] for i in idx]), y[idx], band), len(idx))
             for idx in ([0, 2, 5], [1, 4], [3])]
    for key in ("accuracy", "kept", "removed"):
        assert got[key] == pytest.approx(sum(r[key] * n for r, n in parts) / len(xs))
    assert got["n_bins"] == min(r["n_bins"] for r, _ in parts)
    with pytest.raises(ValueError, match="one class per input"):
        band_intervention(model, xs, y[:3], band)


# ---- issue 25, left-over cases of the bad-input tour: the runner's padded storage ---------------

def _padded():
    from freqxai.ragged import pad_series

    return pad_series([np.ones((2, 64), np.float32), np.ones((2, 48), np.float32)])


def _rel():
    return [np.ones((2, 33)), np.ones((2, 25))]  # rFFT relevance of the 64- and 48-sample series


@pytest.mark.parametrize("call, exc, fragment", [
    pytest.param(lambda X, n: unpad_series(X, [64, 80]), ValueError,
                 r"lengths must lie in \[2, 64\] \(the padded length of X\)", id="unpad-beyond-X"),
    pytest.param(lambda X, n: unpad_series(X, [64]), ValueError, r"lengths has 1 entries for 2 series",
                 id="unpad-another-count"),
    pytest.param(lambda X, n: unpad_series(X[0], n), ValueError,
                 r"X must be the padded \(n, channels, max length\) array, got shape \(2, 64\)",
                 id="unpad-2d-X"),
    pytest.param(lambda X, n: coefficient_grid(get_domain("fft"), []), ValueError,
                 r"lengths must hold one length .* got none", id="grid-no-lengths"),
    pytest.param(lambda X, n: coefficient_grid(get_domain("fft"), [64, 1]), ValueError,
                 r"lengths must be .* >= 2", id="grid-length-1"),
    pytest.param(lambda X, n: coefficient_grid(get_domain("fft"), [64.0]), ValueError,
                 r"lengths must be .*integer", id="grid-float-lengths"),
    pytest.param(lambda X, n: coefficient_grid(object(), n), ValueError, r"domain must be one of",
                 id="grid-not-a-domain"),
    pytest.param(lambda X, n: pad_coefficients(np.ones((1, 2, 33)), (25,)), ValueError,
                 r"grid \(25,\) is smaller than the coefficients \(33,\)", id="pad-grid-too-small"),
    pytest.param(lambda X, n: pad_coefficients(np.ones(33), (33,)), ValueError,
                 r"a has shape \(33,\): expected \(g, channels, \*coefficients\)", id="pad-1d"),
    pytest.param(lambda X, n: pad_coefficients(np.ones((1, 2, 33)), (33.5,)), ValueError,
                 r"grid\[0\] must be an integer >= 1, got 33.5", id="pad-float-grid"),
    pytest.param(lambda X, n: crop_relevance(np.ones((2, 33)), "fft", [64, 48]), ValueError,
                 r"padded has shape \(2, 33\): expected \(series, channels, \*coefficients\)",
                 id="crop-no-channel-axis"),
    pytest.param(lambda X, n: crop_relevance(np.ones((2, 2, 33)), "fft", [64, 48, 48]), ValueError,
                 r"lengths has 3 entries for the 2 series of padded", id="crop-another-count"),
    pytest.param(lambda X, n: crop_relevance(np.ones((2, 2, 25)), "fft", [64, 48]), ValueError,
                 r"padded has coefficients \(25,\), fewer than the \(33,\) of series 0 \(64 samples\)",
                 id="crop-grid-too-small"),
])
def test_bad_padded_storage_is_refused(call, exc, fragment):
    X, lengths = _padded()
    with pytest.raises(exc, match=fragment):
        call(X, lengths)


def test_padded_storage_round_trips_and_takes_a_domain_name():
    X, lengths = _padded()
    assert [x.shape for x in unpad_series(X, lengths)] == [(2, 64), (2, 48)]
    assert coefficient_grid("fft", lengths) == coefficient_grid(get_domain("fft"), lengths) == (33,)
    padded = np.concatenate([pad_coefficients(r[None], (33,)) for r in _rel()])
    assert np.isnan(padded[1, :, 25:]).all()
    back = crop_relevance(padded, "fft", lengths)
    assert [b.shape for b in back] == [(2, 33), (2, 25)] and all(np.isfinite(b).all() for b in back)

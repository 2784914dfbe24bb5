"""The run's answer table (freqxai.summary): known answers, aggregation rules, shared band edges."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from freqxai import STFT, Wavelet, get_explainer
from freqxai.summary import SUMMARY_COLUMNS, headline, signal_bands, summarize
from freqxai.testing import LinearSpectrumModel

FS = 64.0
LENGTH = 128  # rFFT bins every 0.5 Hz up to 32 Hz


def _band_model():
    """Class 0 reads 2-4 Hz, class 1 reads 8-16 Hz (octaves of the default bands)."""
    freqs = np.fft.rfftfreq(LENGTH, 1 / FS)
    w = torch.zeros(2, freqs.size)
    w[0, (freqs >= 2) & (freqs < 4)] = 1.0
    w[1, (freqs >= 8) & (freqs < 16)] = 1.0
    return LinearSpectrumModel(w)


def _signals(n=12):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 1, LENGTH, generator=g)


def test_default_bands_are_eeg_only_for_eeg_data():
    plain = signal_bands(LENGTH, FS)
    assert list(plain)[:3] == ["DC", "0.5-1 Hz", "1-2 Hz"] and "alpha" not in plain
    eeg = signal_bands(LENGTH, FS, eeg=True)
    assert list(eeg)[:4] == ["slow", "delta", "theta", "alpha"] and eeg["gamma"] == (30.0, 32.0)
    assert list(signal_bands(LENGTH))[1].endswith("cycles/sample")  # no fs: no Hz in the names


def test_known_answer_bands_per_class_agree_across_methods():
    model, x = _band_model(), _signals(24)
    y = torch.tensor([0, 1] * 12)
    rel = {m: get_explainer(m, model, domain="fft").attribute(x, target=y, **opts)
           for m, opts in [("freqrise", {"n_masks": 2000, "seed": 0, "warn_if_noise": False}),
                           ("flex", {"n_steps": 16}), ("ig", {"n_steps": 16}),
                           ("random", {"seed": 0})]}
    df = summarize(rel, y.numpy(), domain="fft", length=LENGTH, fs=FS, class_names=["slow", "fast"])
    assert list(df.columns) == SUMMARY_COLUMNS and df.attrs["frequency_unit"] == "Hz"
    top = df[(df["rank"] == 1) & ~df["reference"]].set_index(["method", "class"])["band"]
    for m in ("freqrise", "flex", "ig"):
        assert top[(m, "slow")] == "2-4 Hz" and top[(m, "fast")] == "8-16 Hz"
    best = df[(df["rank"] == 1) & ~df["reference"]]
    assert best["significant"].all() and (best["agreement"] == 1.0).all()
    assert best["top_methods"].iloc[0] == "freqrise, flex, ig"
    # the reference is flat across bands (mean per coefficient), not growing with band width
    rnd = df[(df["method"] == "random") & (df["class"] == "slow") & (df["band"] != "DC")]
    wide = rnd[rnd["n_coefficients"] >= 4]["relevance"]
    assert wide.between(0.4, 0.6).all()  # summed, the 33-bin band would be 8x the 4-bin one
    assert rnd["reference"].all() and rnd["top_methods"].eq("").all()
    assert not rnd["significant"].any() and rnd["p_value"].isna().all()
    lines = headline(df)
    assert lines[0].startswith("slow: 2-4 Hz, top band of freqrise, flex, ig (3 of 3")
    assert lines[1].startswith("fast: 8-16 Hz")


def test_additive_methods_sum_and_effects_average():
    ones = np.ones((2, 1, LENGTH // 2 + 1))
    df = summarize({"ig": ones, "freqrise": ones}, [0, 0], domain="fft", length=LENGTH, fs=FS)
    ig, rise = (df[(df["method"] == m)].set_index("band") for m in ("ig", "freqrise"))
    assert ig.loc["8-16 Hz", "relevance"] == 16 and ig.loc["8-16 Hz", "aggregation"] == "sum"
    assert rise.loc["8-16 Hz", "relevance"] == 1 and rise.loc["DC", "relevance"] == 1
    assert (ig["n_coefficients"] == rise["n_coefficients"]).all()
    assert ig["n_coefficients"].sum() == LENGTH // 2 + 1  # every bin in exactly one band


def test_every_domain_shares_the_band_edges():
    model, x = _band_model(), _signals(4)
    y = np.array([0, 1, 0, 1])
    doms = {"fft": "fft", "stft": STFT(n_fft=32, hop_length=8), "wavelet": Wavelet()}
    rel = {("flex", d): get_explainer("flex", model, domain=dom).attribute(x, target=y, n_steps=8)
           for d, dom in doms.items()}
    df = summarize(rel, y, domains=doms, length=LENGTH, fs=FS)
    edges = {d: g[["band", "low_hz", "high_hz"]].drop_duplicates().values.tolist()
             for d, g in df.groupby("domain")}
    assert edges["fft"] == edges["stft"] == edges["wavelet"]
    # coarser domains leave narrow low bands empty: NaN, never a silent zero
    stft = df[(df["domain"] == "stft") & (df["n_coefficients"] == 0)]
    assert stft["relevance"].isna().all() and (stft["rank"] == 0).all()
    top = df[(df["rank"] == 1) & (df["class"] == "1")].set_index("domain")["band"]
    assert top["fft"] == "8-16 Hz" and top["stft"] == "8-16 Hz"


def test_channels_get_rows_of_their_own():
    rel = np.zeros((2, 3, LENGTH // 2 + 1))
    rel[:, 1, 20] = 1.0  # channel 1, 10 Hz
    df = summarize({"ig": rel}, [0, 0], domain="fft", length=LENGTH, fs=FS,
                   channel_names=["Fz", "Cz", "Pz"])
    assert set(df["channel"]) == {"all", "Fz", "Cz", "Pz"}
    cz = df[(df["channel"] == "Cz") & (df["rank"] == 1)]
    assert cz["band"].item() == "8-16 Hz" and cz["relevance"].item() == 1.0


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda: summarize({}, [0], domain="fft", length=8), TypeError, "non-empty mapping"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0.0, 1.0], domain="fft", length=8), TypeError,
     "integer class indices"),
    (lambda: summarize({"ig": np.ones((3, 1, 5))}, [0, 1], domain="fft", length=8), ValueError,
     "2 inputs"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], length=8), ValueError, "domain="),
    (lambda: summarize({"ig": np.full((2, 1, 5), np.nan)}, [0, 1], domain="fft", length=8),
     ValueError, "NaN"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8, fs=np.inf),
     ValueError, "fs must be"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8,
                       class_names="ab"), TypeError, "class_names must be a sequence of strings"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8,
                       class_names=["a"]), ValueError, "class_names has 1 names"),
    (lambda: summarize({"ig": np.ones((2, 3, 5))}, [0, 1], domain="fft", length=8,
                       channel_names=["a", "b"]), ValueError, "channel_names has 2 names"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, -1], domain="fft", length=8), ValueError,
     "targets must be class indices >= 0"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8, eeg="yes"),
     TypeError, "eeg must be True or False"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8, fs="32"),
     TypeError, "fs must be a number"),
    (lambda: summarize({"ig": torch.ones(2, 1, 5, dtype=torch.cfloat)}, [0, 1], domain="fft",
                       length=8), TypeError, "real-valued"),
    (lambda: summarize({"freqrise": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8,
                       standard_errors={"freqrise": np.full((2, 1, 5), np.nan)}), ValueError,
     "standard_errors"),
    (lambda: summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8, bands={}),
     ValueError, "at least one"),
    (lambda: headline({"a": 1}), TypeError, "headline reads the DataFrame"),
    (lambda: headline(summarize({"ig": np.ones((2, 1, 5))}, [0, 1], domain="fft", length=8),
                      domain="stft"), ValueError, "domain 'stft' is not in the table"),
])
def test_bad_input_is_refused(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


def test_one_input_without_a_standard_error_is_not_called_significant():
    rel = np.zeros((2, 1, LENGTH // 2 + 1))
    rel[:, 0, 20] = 1.0
    df = summarize({"ig": rel}, [0, 1], domain="fft", length=LENGTH, fs=FS)  # one input a class
    assert not df["significant"].any() and df["p_value"].isna().all()
    se = np.full_like(rel, 0.01)  # with a Monte-Carlo error the one input is tested
    df = summarize({"freqrise": rel}, [0, 1], domain="fft", length=LENGTH, fs=FS,
                   standard_errors={"freqrise": se})
    assert df[df["rank"] == 1]["significant"].all()


def test_band_intervention_keeps_and_removes_the_band_in_the_models_dtype():
    from freqxai.summary import band_intervention

    model = _band_model().double()  # a float64 model: the filtered signals come in float64
    x = _signals(12).double()
    y = model(x).argmax(1)
    fast = band_intervention(model, x, y, (8.0, 16.0), fs=FS)
    slow = band_intervention(model, x, y, (2.0, 4.0), fs=FS)
    assert fast["accuracy"] == 1.0 and fast["n_bins"] == 16
    # only the band of class 1 kept: class-1 signals stay class 1, class-0 ones do not
    assert fast["kept"] == (y == 1).double().mean().item()
    assert slow["kept"] == (y == 0).double().mean().item()
    with pytest.raises(ValueError, match="one class per input"):
        band_intervention(model, x, y[:3], (8.0, 16.0), fs=FS)

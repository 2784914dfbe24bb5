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
    rel = {m: get_explainer(m, model, domain="fft", **settings).attribute(x, target=y, **opts)
           for m, settings, opts in [
               ("freqrise", {"n_masks": 2000}, {"seed": 0, "warn_if_noise": False}),
               ("flex", {}, {"n_steps": 16}), ("ig", {}, {"n_steps": 16}),
               ("random", {}, {"seed": 0})]}
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
    # (the answer takes each method's band of largest |relevance|: for one of the three, the
    # other class's band, which lowers "slow" through the softmax, weighs more; 2 of 3 still agree)
    assert lines[0].startswith("slow: 2-4 Hz raises the score [supported] (")
    assert "of 3 methods name it" in lines[0]
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


# ---- issue 25: no silent result, no cryptic message -------------------------------------------

N_BINS = LENGTH // 2 + 1  # 65 rFFT bins, 0.5 Hz apart up to 32 Hz


def _ones(n=2, channels=1):
    return np.ones((n, channels, N_BINS))


def _summary(**kw):
    args = {"relevance": {"ig": _ones()}, "targets": [0, 1], "domain": "fft", "length": LENGTH,
            "fs": FS, **kw}
    return summarize(args.pop("relevance"), args.pop("targets"), **args)


@pytest.mark.parametrize("kw, exc, fragment", [
    ({"bands": {"a": (1.0, 8.0), "b": (4.0, 16.0)}}, ValueError,
     r"bands overlap: 'a' \(1-8 Hz\) and 'b' \(4-16 Hz\) share 4-8 Hz"),
    ({"bands": {"all": (0.0, 32.0), "alpha": (8.0, 12.0)}}, ValueError,
     r"bands overlap: 'all' .* and 'alpha' .*split 'all' around 'alpha'"),
    ({"bands": {"low": (0.0, 16.0), "high": (16.0, 32.0), "above": (40.0, 50.0)}}, ValueError,
     r"band 'above' \(40-50 Hz\) holds no frequency bin .*above the highest frequency"),
    ({"bands": {"low": (0.0, 10.1), "thin": (10.1, 10.2), "high": (10.2, 32.0)}}, ValueError,
     r"band 'thin' .* narrower than the bin spacing"),
    ({"fs": None, "bands": {"alpha": (8.0, 12.0)}}, ValueError, r"looks like a band in Hz; give fs="),
    ({"fs": None, "eeg": True}, ValueError, r"eeg=True selects the EEG bands.*give fs="),
    ({"bands": (8.0, 12.0)}, TypeError, r"for one band give \[\(8.0, 12.0\)\]"),
    ({"bands": {0: (0.0, 32.0)}}, TypeError, r"bands must be keyed by band names"),
    ({"bands": {"a": (0.0, np.inf)}}, ValueError, r"bands\['a'\] must have finite edges"),
    ({"relevance": {"ig": np.ones((2, N_BINS))}}, ValueError,
     r"shape \(2, 65\): expected rank 3, \(batch, channels, frequency\).*rel\[:, None\]"),
    ({"relevance": {"freqrise": _ones()}, "standard_errors": {"freqrise": np.ones((2, 1, 10))}},
     ValueError, r"standard_errors of 'freqrise' have shape \(2, 1, 10\), the relevance \(2, 1, 65\)"),
    ({"relevance": {"freqrise": _ones()}, "standard_errors": {"rise": _ones()}}, ValueError,
     r"standard_errors has keys \[\"'rise'\"\] that relevance lacks"),
    ({"interventions": [{"class": "0", "band": "DC", "accuracy": 1.0, "removed": 0.5}]},
     ValueError, r"interventions\[0\] lacks \['kept'\]"),
    ({"interventions": [{"class": "0", "band": "alpha", "accuracy": 1.0, "kept": 1.0,
                         "removed": 0.5}]}, ValueError, r"band 'alpha', which the table does not"),
    ({"interventions": [{"class": "7", "band": "DC", "accuracy": 1.0, "kept": 1.0,
                         "removed": 0.5}]}, ValueError, r"class '7', which the table does not"),
    ({"interventions": [{"class": "0", "band": "DC", "accuracy": 2.0, "kept": 1.0,
                         "removed": 0.5}]}, ValueError, r"interventions\[0\]\['accuracy'\]"),
    ({"relevance": {"ig": [_ones(1)[0], np.ones((1, 33))]}}, ValueError,
     r"input 1 has coefficients \(33,\), not the \(65,\) of a 128-sample signal.*length= one per"),
    ({"relevance": {"ig": [_ones(1)[0], np.ones((1, 33))]}, "length": [LENGTH, 100]}, ValueError,
     r"input 1 has coefficients \(33,\), not the \(51,\) .*length\[1\] = 100"),
    ({"length": 100}, ValueError, r"give length= the signals' length in samples"),
])
def test_bad_bands_shapes_and_interventions_are_refused(kw, exc, fragment):
    with pytest.raises(exc, match=fragment):
        _summary(**kw)


def test_a_bad_entry_is_refused_before_any_entry_is_computed(monkeypatch):
    import freqxai.summary as summary

    calls = []
    monkeypatch.setattr(summary, "_rows", lambda *a: calls.append(a) or [])
    with pytest.raises(ValueError, match="'flex'"):
        _summary(relevance={"ig": _ones(), "flex": np.ones((2, N_BINS))})
    assert calls == []


def test_bands_as_a_list_of_pairs_are_named_by_their_edges():
    rel = np.random.default_rng(0).normal(size=(4, 1, N_BINS))
    named = _summary(relevance={"ig": rel}, targets=[0, 1, 0, 1],
                     bands={"low": (0.0, 8.0), "high": (8.0, 32.0)})
    pairs = _summary(relevance={"ig": rel}, targets=[0, 1, 0, 1], bands=[(0, 8), (8, 32)])
    assert list(dict.fromkeys(pairs["band"])) == ["0-8 Hz", "8-32 Hz"]
    np.testing.assert_array_equal(pairs["relevance"], named["relevance"])
    assert headline(pairs)[0].startswith("0: ")  # named by edges: no "(low-high Hz)" added twice
    assert "Hz (" not in " ".join(headline(pairs))


def test_a_gap_between_bands_is_warned_about_naming_the_uncovered_range():
    with pytest.warns(UserWarning, match=r"bands leave 8 of 65 frequency bins in no band "
                                         r"\(4-7.5 Hz\).*share and rank compare the given bands"):
        df = _summary(bands={"low": (0.0, 4.0), "high": (8.0, 32.0)})
    assert set(df["band"]) == {"low", "high"} and df["relevance"].notna().all()


def test_eeg_defaults_leave_out_bands_without_a_bin():
    # 16 samples at 128 Hz: bins 8 Hz apart, none in delta (0.5-4), theta (4-8) or sigma (12-16)
    assert list(signal_bands(16, 128.0, eeg=True)) == ["slow", "alpha", "beta", "gamma"]
    df = summarize({"ig": np.ones((2, 1, 9))}, [0, 1], domain="fft", length=16, fs=128.0, eeg=True)
    assert (df["n_coefficients"] > 0).all() and df["relevance"].notna().all()


def test_valid_bands_that_reach_past_nyquist_are_kept():
    # gamma up to 100 Hz at 64 Hz sampling holds the bins up to Nyquist: clipped, not refused
    df = _summary(bands={"low": (0.0, 30.0), "gamma": (30.0, 100.0)})
    assert df.set_index("band").loc["gamma", "n_coefficients"].max() == 5


def test_headline_from_csv_refuses_a_table_that_is_not_a_summary(tmp_path):
    from freqxai.summary import headline_from_csv

    other = tmp_path / "results.csv"
    other.write_text("method,score\nflex,0.5\n")
    with pytest.raises(ValueError, match=r"results.csv is not a run's summary: it lacks the "
                                         r"columns \['domain', 'class'.*summary.csv a run writes"):
        headline_from_csv(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is not a CSV table"):
        headline_from_csv(empty)
    with pytest.raises(ValueError, match=r"lacks the columns \['reference'\]"):
        headline(_summary().drop(columns="reference"))
    # a run folder reads its summary.csv; a folder without one has no headline (no run yet)
    df = _summary(relevance={"ig": np.random.default_rng(0).normal(size=(4, 1, N_BINS))},
                  targets=[0, 1, 0, 1])
    df.to_csv(tmp_path / "summary.csv", index=False)
    assert headline_from_csv(tmp_path) == headline_from_csv(tmp_path / "summary.csv") == headline(df)
    assert headline_from_csv(tmp_path / "none") == []


class _Counting(torch.nn.Module):
    """Counts the forward passes of the band model."""

    def __init__(self):
        super().__init__()
        self.model, self.calls = _band_model(), 0

    def forward(self, x):
        self.calls += 1
        return self.model(x)


@pytest.mark.parametrize("kw, fragment", [
    ({"band": (8.0, 16.0), "fs": None}, r"looks like a band in Hz; give fs="),
    ({"band": (40.0, 50.0)}, r"band \(40-50 Hz\) holds no frequency bin .*above the highest"),
    ({"band": (10.1, 10.2)}, r"narrower than the bin spacing"),
    ({"band": (16.0, 8.0)}, r"band must have low < high"),
    ({"fs": 0}, r"fs \(sampling rate in Hz\) must be a finite number > 0"),
    ({"fs": -1.0}, r"fs \(sampling rate in Hz\) must be a finite number > 0"),
    ({"fs": float("nan")}, r"fs \(sampling rate in Hz\) must be a finite number > 0"),
    ({"targets": np.array([0.0, 1.5, 1.0, 0.0])}, r"targets must hold integer class indices"),
    ({"targets": np.array([True, False, True, False])}, r"targets must hold integer class"),
    ({"targets": np.array([0, -1, 1, 0])}, r"targets out of range: class indices are >= 0"),
    ({"targets": np.array([0, 1])}, r"targets must hold one class per input \(4\)"),
    ({"batch_size": 0}, r"batch_size must be an integer >= 1, got 0"),
    ({"batch_size": -1}, r"batch_size must be an integer >= 1, got -1"),
    ({"batch_size": 2.5}, r"batch_size must be an integer >= 1"),
])
def test_band_intervention_refuses_bad_input_before_any_model_call(kw, fragment):
    from freqxai.summary import band_intervention

    model = _Counting()
    args = {"inputs": _signals(4), "targets": np.array([0, 1, 1, 0]), "band": (8.0, 16.0),
            "fs": FS, **kw}
    with pytest.raises(ValueError, match=fragment):
        band_intervention(model, args.pop("inputs"), args.pop("targets"), args.pop("band"), **args)
    assert model.calls == 0


def test_band_intervention_refuses_targets_beyond_the_models_classes_after_one_probe():
    from freqxai.summary import band_intervention

    model = _Counting()
    with pytest.raises(ValueError, match=r"targets out of range: the model has 2 classes \(0 to 1\), "
                                         r"got 5"):
        band_intervention(model, _signals(4), np.array([0, 1, 5, 0]), (8.0, 16.0), fs=FS)
    assert model.calls == 1  # one signal, for the number of classes; no intervention ran


def test_band_intervention_of_a_list_refuses_a_band_no_length_holds():
    from freqxai.summary import band_intervention

    class Energy(torch.nn.Module):  # reads any length
        def forward(self, x):
            e = x.pow(2).mean((1, 2))
            return torch.stack([e, 1 - e], 1)

    xs = [np.zeros((1, n), np.float32) for n in (16, 32)]
    with pytest.raises(ValueError, match="holds no frequency bin"):
        band_intervention(Energy(), xs, [0, 1], (0.26, 0.27))
    # a band that some lengths hold is checked; the others report 0 bins (their kept signal is 0)
    got = band_intervention(Energy(), xs, [0, 1], (1 / 32, 1 / 16))
    assert got["n_bins"] == 0 and got["accuracy"] == 0.5


# ---- issue 25, left-over cases of the bad-input tour -------------------------------------------

@pytest.mark.parametrize("kw, exc, fragment", [
    # targets all of class 0: one name covers the table, but no classifier has one class
    ({"targets": [0, 0], "class_names": ["only"]}, ValueError,
     r"class_names has 1 name: a classifier has at least 2 classes"),
    ({"relevance": {("ig", "stft"): np.ones((2, 1, 3, 3))}, "domain": None, "domains": ["stft"]},
     TypeError, r"domains must map domain names to Domain objects, e.g. \{'stft': STFT\("),
    ({"additive": {"ig": "yes"}}, TypeError, r"additive\['ig'\] must be True or False, got 'yes'"),
    ({"additive": {"ig": 1}}, TypeError, r"additive\['ig'\] must be True or False, got 1"),
])
def test_left_over_bad_summary_arguments_are_refused(kw, exc, fragment):
    with pytest.raises(exc, match=fragment):
        _summary(**kw)


def test_additive_takes_numpy_booleans():
    plain = _summary(additive={"ig": False})
    assert (plain["aggregation"] == "mean").all()
    assert _summary(additive={"ig": np.bool_(False)}).equals(plain)


@pytest.mark.parametrize("eeg", ["yes", 1, None, "True"])
def test_signal_bands_refuses_an_eeg_flag_that_is_not_a_bool(eeg):
    with pytest.raises(TypeError, match=rf"eeg must be True or False, got {eeg!r}"):
        signal_bands(64, 32.0, eeg=eeg)


@pytest.mark.parametrize("path", [None, 3, ["summary.csv"]])
def test_headline_from_csv_names_a_path_that_is_not_one(path):
    from freqxai.summary import headline_from_csv

    with pytest.raises(TypeError, match=r"path must be a str or Path: a run's summary.csv"):
        headline_from_csv(path)

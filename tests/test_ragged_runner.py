"""Series of unequal length through the runner: data files, storage, resume, summary, training."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from freqxai import get_explainer
from freqxai.bands import band_membership
from freqxai.ragged import coefficient_grid, common_profile, pad_series, unpad_series
from freqxai.runner import RunConfig, run_experiment
from freqxai.runner.compute import unit_seed
from freqxai.runner.store import ResultStore
from freqxai.runner.tasks import read_data_file
from freqxai.summary import signal_bands, summarize

FS = 100.0
F0 = 20.0  # Hz: inside the band 13.3-26.7 Hz of the longest (120-sample) series at 100 Hz
LENGTHS = (40, 56, 72, 88, 104, 120, 40, 120, 72, 56)


class ToneModel(torch.nn.Module):
    """Logit 0: the power at F0 Hz (any length); logit 1: a constant."""

    def forward(self, x):
        n = torch.arange(x.shape[-1], dtype=x.dtype)
        w = 2 * torch.pi * F0 / FS
        c = (x * torch.cos(w * n)).sum(-1)
        s = (x * torch.sin(w * n)).sum(-1)
        z = (c * c + s * s).sum(1) / x.shape[-1]
        return torch.stack([z, torch.full_like(z, 2.0)], 1)


def _tones(seed=0):
    rng = np.random.default_rng(seed)
    return [(np.sin(2 * np.pi * F0 / FS * np.arange(n) + rng.uniform(0, 6))[None]
             + 0.3 * rng.normal(size=(1, n))).astype(np.float32) for n in LENGTHS]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ragged")
    X, lengths = pad_series(_tones())
    X[0, :, lengths[0]:] = np.nan  # NaN padding (as aeon pads) is ignored
    with h5py.File(d / "data.h5", "w") as f:
        f["X"], f["lengths"], f["fs"] = X, lengths, FS
        f["y"] = np.zeros(len(X), dtype=np.int64)
    dims = {"x": {0: torch.export.Dim("batch"), 2: torch.export.Dim("time", min=2, max=4096)}}
    torch.export.save(torch.export.export(ToneModel(), (torch.zeros(2, 1, 40),),
                                          dynamic_shapes=dims), d / "tone.pt2")
    return d


def _cfg(files, out, **extra):
    return RunConfig(dataset="custom", data=str(files / "data.h5"), model=str(files / "tone.pt2"),
                     out=str(out), methods=["freqrise", "flex"], domains=["fft", "stft"],
                     n_masks=200, n_steps=8, chunk_size=4, seed=0, **extra)


@pytest.fixture(scope="module")
def run(files):
    cfg = _cfg(files, files / "run")
    run_experiment(cfg, progress=False)
    return cfg, ResultStore(files / "run")


# ---- data files ---------------------------------------------------------------------------------

def test_h5_with_lengths_reads_padded_series(files):
    d = read_data_file(files / "data.h5")
    assert d["lengths"].tolist() == list(LENGTHS) and d["X"].shape == (10, 1, 120)
    assert np.isfinite(d["X"]).all() and (d["X"][0, :, 40:] == 0).all()  # NaN padding zeroed
    for x, s in zip(unpad_series(d["X"], d["lengths"]), _tones(), strict=True):
        np.testing.assert_array_equal(x, s)


def test_object_arrays_need_trust_pickle(tmp_path):
    series = np.empty(3, dtype=object)
    series[:] = [np.ones((2, n), np.float32) for n in (5, 9, 7)]
    np.savez(tmp_path / "obj.npz", X=series, y=np.arange(3))
    with pytest.raises(ValueError, match=r"unpickling.*'lengths' array, best in an \.h5"):
        read_data_file(tmp_path / "obj.npz")
    d = read_data_file(tmp_path / "obj.npz", trust_pickle=True)
    assert d["lengths"].tolist() == [5, 9, 7] and d["X"].shape == (3, 2, 9)
    assert d["X"][0, :, 5:].sum() == 0 and d["X"][1].sum() == 18


def test_cli_refuses_an_object_array_in_one_line(files, tmp_path, capsys):
    from freqxai.cli import main

    series = np.empty(2, dtype=object)
    series[:] = [np.ones((1, n), np.float32) for n in (50, 60)]
    np.savez(tmp_path / "obj.npz", X=series)
    rc = main(["run", "custom", "--model", str(files / "tone.pt2"), "--data",
               str(tmp_path / "obj.npz"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "--trust-pickle" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("lengths, fragment", [
    (np.array([5, 9]), "has 2 entries for 3 series"),
    (np.array([5, 9, 10]), r"must lie in \[2, 9\]"),
    (np.array([5.0, 9, 7]), "integer lengths"),
    (np.array([1, 9, 7]), r"must lie in \[2, 9\]"),
])
def test_bad_lengths_are_refused(tmp_path, lengths, fragment):
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 1, 9), np.float32), lengths=lengths)
    with pytest.raises(ValueError, match=fragment):
        read_data_file(tmp_path / "d.npz")


def test_one_length_after_all_is_an_ordinary_batch(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.ones((3, 1, 9), np.float32), lengths=np.array([6, 6, 6]))
    d = read_data_file(tmp_path / "d.npz")
    assert "lengths" not in d and d["X"].shape == (3, 1, 6)


def test_a_model_of_one_fixed_length_is_refused_with_the_fix(files, tmp_path):
    fixed = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(120, 2))
    torch.export.save(torch.export.export(fixed, (torch.zeros(2, 1, 120),), dynamic_shapes={
        "input": {0: torch.export.Dim("batch")}}), tmp_path / "fixed.pt2")
    cfg = RunConfig(dataset="custom", data=str(files / "data.h5"), model=str(tmp_path / "fixed.pt2"),
                    out=str(tmp_path / "out"), methods=["saliency"], domains=["fft"])
    with pytest.raises(ValueError, match="cannot read a series of 40 samples .* never padded"
                                         ".* give a model that reads any length"):
        run_experiment(cfg, progress=False)


# ---- the run ------------------------------------------------------------------------------------

def test_relevance_is_stored_nan_padded_and_read_back_per_series(run):
    cfg, store = run
    assert store.read_lengths().tolist() == list(LENGTHS)
    for d in cfg.domains:
        domain = cfg.domain(d)
        grid = coefficient_grid(domain, LENGTHS)
        raw = store.read_unit(f"flex__{d}", ["relevance"])["relevance"]
        assert raw.shape[2:] == grid
        per = store.read_relevance("flex", domain)
        for n, r in zip(LENGTHS, per, strict=True):
            assert r.shape[1:] == tuple(domain.coefficient_shape(n)) and np.isfinite(r).all()
        assert np.isnan(raw[0]).any() and not np.isnan(raw[5]).any()  # 40 padded, 120 not
    scores = store.read_unit("freqrise__fft", ["deletion", "insertion"])
    assert all(np.isfinite(v).all() and v.shape == (10,) for k, v in scores.items()
               if k != "_attrs")


@pytest.mark.parametrize("method", ["flex", "freqrise"])
def test_each_series_gets_what_it_gets_explained_alone(run, method):
    cfg, store = run
    X, lengths = store.read_data("X"), store.read_lengths()
    model = ToneModel()
    per = store.read_relevance(method, cfg.domain("fft"))
    for i in (0, 5, 9):
        chunk = i // cfg.chunk_size
        init, options = cfg.explainer_settings(method, "fft", int(lengths[i]),
                                               unit_seed(cfg, method, "fft", chunk))
        alone = get_explainer(method, model, cfg.domain("fft"), **init).attribute(
            torch.from_numpy(X[i : i + 1, :, : lengths[i]]), target=torch.tensor([0]),
            **options)
        np.testing.assert_allclose(per[i], alone[0].detach().numpy(), rtol=1e-4, atol=1e-6)


def test_the_known_band_tops_every_length_group(run):
    cfg, store = run
    lengths = store.read_lengths()
    bands = signal_bands(int(lengths.max()), FS)  # the run's bands: those of the longest series
    for d in ("fft", "stft"):
        rel = {m: store.read_relevance(m, cfg.domain(d)) for m in ("freqrise", "flex")}
        for n in np.unique(lengths):
            idx = np.flatnonzero(lengths == n)
            # the bands that hold a bin at this length (a band without one is refused)
            held = band_membership(np.fft.rfftfreq(int(n), 1 / FS), bands).any(0)
            df = summarize({m: [r[i] for i in idx] for m, r in rel.items()},
                           np.zeros(len(idx), dtype=int), domain=cfg.domain(d),
                           length=lengths[idx], fs=FS,
                           bands={b: e for b, e, h in zip(bands, bands.values(), held,
                                                          strict=True) if h})
            top = df[(df["rank"] == 1) & (df["channel"] == "all")]
            assert ((top["low_hz"] <= F0) & (F0 < top["high_hz"])).all(), (d, n, top)
    import pandas as pd

    csv = pd.read_csv(store.run_dir / "summary.csv")
    top = csv[(csv["rank"] == 1) & (csv["channel"] == "all") & ~csv["reference"]]
    assert ((top["low_hz"] <= F0) & (F0 < top["high_hz"])).all()
    assert (top["n_inputs"] == len(LENGTHS)).all()
    # the band intervention ran per length: only the band kept, the tone class holds
    checks = top.dropna(subset=["kept_accuracy"])
    assert len(checks) and (checks["kept_accuracy"] == 1).all()
    assert (checks["removed_accuracy"] == 0).all()


def test_report_states_how_unequal_lengths_are_shown(run):
    _, store = run
    html = (store.run_dir / "report.html").read_text()
    assert "unequal lengths" in html and "40 to 120 samples (6 lengths)" in html
    assert (store.run_dir / "examples_fft.png").is_file()


@pytest.mark.slow  # a second run (about 20 s on a loaded 2-core machine)
def test_a_finished_run_leaves_no_lock_file(run):
    _, store = run
    assert store.path.is_file() and not (store.run_dir / ".freqxai.lock").exists()


def test_a_ragged_run_is_estimated_before_its_work(files, tmp_path):
    """Series of unequal length get an estimate too (one series of the median length timed per
    method, per series): on a toy model the run's overheads dominate, so only its order of
    magnitude is checked here (the 2x rule is tested on a model with real cost)."""
    summary = run_experiment(_cfg(files, tmp_path / "est", threads=1), progress=False)
    assert summary.estimated_seconds is not None and summary.estimated_seconds > 0
    assert 0.2 <= summary.estimated_seconds / summary.explain_seconds <= 5


def test_resumed_ragged_run_is_identical(files, run):
    from lightning import Callback

    class Stop(Callback):
        def on_predict_batch_end(self, trainer, *args, **kwargs):
            if trainer.predict_loop.batch_progress.current.completed >= 2:
                raise KeyboardInterrupt

    cfg = _cfg(files, files / "resumed")
    with pytest.raises(KeyboardInterrupt):
        run_experiment(cfg, progress=False, callbacks=[Stop()])
    assert list((files / "resumed" / "shards").glob("*.npz"))
    summary = run_experiment(_cfg(files, files / "resumed"), progress=False)
    assert 0 < summary.n_computed < summary.n_items
    ref, got = run[1], ResultStore(files / "resumed")
    for unit in ref.completed_units():
        a, b = ref.read_unit(unit), got.read_unit(unit)
        for k in a:
            if k != "_attrs":
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{unit}/{k}")


# ---- report figure helper ------------------------------------------------------------------------

def test_common_profile_keeps_relevance_per_hz():
    from freqxai.domains import get_domain

    fft = get_domain("fft")
    # a flat profile of 1 per bin: an additive method's relevance per Hz is 1 / bin width
    rel = [np.ones((1, n // 2 + 1)) for n in (40, 120)]
    prof, grid = common_profile(rel, fft, [40, 120], FS, additive=True)
    np.testing.assert_allclose(grid, np.fft.rfftfreq(120, 1 / FS))
    np.testing.assert_allclose(prof[0], 40 / 120) and np.testing.assert_allclose(prof[1], 1.0)
    prof, _ = common_profile(rel, fft, [40, 120], FS, additive=False)
    np.testing.assert_allclose(prof, 1.0)
    assert common_profile(rel, get_domain("time"), [40, 120], FS) is None


# ---- training on series of unequal length --------------------------------------------------------

def test_length_buckets_hold_one_length_and_every_series_once():
    from freqxai.models.training import LengthBucketSampler

    lengths = np.array([7, 9, 7, 7, 12, 9, 7, 12, 7])
    sampler = LengthBucketSampler(lengths, 2, seed=3)
    first, second = list(sampler), list(sampler)
    for batches in (first, second):
        assert len(batches) == len(sampler) == 3 + 1 + 1
        assert sorted(i for b in batches for i in b) == list(range(9))
        assert all(len({lengths[i] for i in b}) == 1 and len(b) <= 2 for b in batches)
    assert first != second  # reshuffled per epoch
    assert list(LengthBucketSampler(lengths, 2, seed=3)) == first  # and seeded
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        LengthBucketSampler(lengths, 0)


def test_smallcnn_trains_on_a_list_of_series():
    from freqxai.models.cnn import SmallCNN
    from freqxai.models.training import _loader, accuracy, fit_classifier

    rng = np.random.default_rng(0)
    series = [rng.normal(size=(1, n)).astype(np.float32) for n in rng.choice([20, 33, 47], 48)]
    y = np.arange(48) % 2
    batches = list(_loader(series, y, 16, True, 0))
    assert sum(len(b[0]) for b in batches) == 48  # every series, at its own length
    assert {b[0].shape[-1] for b in batches} == {20, 33, 47}
    torch.manual_seed(0)
    model = SmallCNN(1, 2)
    before = [p.detach().clone() for p in model.parameters()]
    fit_classifier(model, (series, y), epochs=1, batch_size=16, progress=False, accelerator="cpu")
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    with torch.no_grad():
        pred = [int(model(torch.from_numpy(x)[None]).argmax()) for x in series]
    assert accuracy(model, series, y) == np.mean(np.array(pred) == y)


def test_uea_unequal_length_set_loads_padded():
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification

    from freqxai.data.uea import load_uea

    ds = load_uea("JapaneseVowels", "test")
    assert ds.X.shape == (370, 12, 29) and ds.fs == 156.25
    assert ds.lengths.min() == 7 and ds.lengths.max() == 29
    raw, _ = load_classification("JapaneseVowels", split="test")
    for a, b in zip(ds.series(), raw, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_uea_estimator_without_unequal_length_is_refused(tmp_path):
    pytest.importorskip("aeon")
    cfg = RunConfig(dataset="uea", name="JapaneseVowels", classifier="minirocket",
                    out=str(tmp_path / "out"), methods=["random"], domains=["fft"])
    with pytest.raises(ValueError, match="cannot fit series of unequal length .* "
                                         "capability:unequal_length .* --classifier cnn"):
        run_experiment(cfg, progress=False)


def test_uea_estimator_with_unequal_length_gets_the_list(tmp_path, monkeypatch):
    pytest.importorskip("aeon")
    from aeon.classification.dummy import DummyClassifier

    from freqxai.data.uea import load_uea
    from freqxai.runner.sources.uea import fit_estimator as _fit_estimator
    from freqxai.runner.tasks import _accuracy

    seen = []
    fit = DummyClassifier.fit
    monkeypatch.setattr(DummyClassifier, "fit", lambda self, X, y: seen.append(X) or fit(self, X, y))
    train = load_uea("JapaneseVowels", "train")
    cfg = RunConfig(dataset="uea", name="JapaneseVowels", out=str(tmp_path / "out"),
                    classifier="aeon.classification.dummy:DummyClassifier")
    model, _, _ = _fit_estimator(cfg, train)  # aeon's tag capability:unequal_length is set
    assert isinstance(seen[0], list) and len(seen[0]) == 270
    assert [x.shape for x in seen[0]] == [(12, n) for n in train.lengths]
    test = load_uea("JapaneseVowels", "test")
    prior = np.bincount(train.y).argmax()  # DummyClassifier predicts the most frequent class
    assert _accuracy(model, test.X, test.y, test.lengths) == pytest.approx(np.mean(test.y == prior))

"""Issue 29, item 2: what comes after the explanation phase reads ``results.h5`` a slice of
signals at a time (:mod:`freqxai._stream`), and its numbers are those of the whole arrays.

Every phase is computed with slices of one row (and of a few rows) and compared with the same
phase reading each array in one slice (bit for bit the arrays in memory): the summary table, the
answer, the band checks, the scores table, the class averages of the figures, and the merge of
shards into ``results.h5``. The phases are also run with the whole-array reads of the store
disabled, so that none of them comes back unnoticed.
"""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from freqxai import _stream
from freqxai.runner.store import ResultStore, StoredRows, save_shard, unit_name

FS = 32.0
TONES = (4.0, 10.0, 14.0)  # Hz, one per class
# slices of one row (every array), and of 7 per-input scores (one relevance map)
SMALL = (1, 56)


class ThreeTones(torch.nn.Module):
    """Class c: the energy of both channels around TONES[c] (64 samples at 32 Hz)."""

    def forward(self, x):
        s = torch.fft.rfft(x, dim=-1).abs().sum(1)
        a, b, c = s[:, 6:10].sum(-1), s[:, 18:22].sum(-1), s[:, 26:30].sum(-1)
        return torch.stack([a - (b + c) / 2, b - (a + c) / 2, c - (a + b) / 2], -1) / 10


def _signals(seed=0, n_per_class=7):
    rng = np.random.default_rng(seed)
    t = np.arange(64) / FS
    y = np.repeat(np.arange(3), n_per_class)
    rng.shuffle(y)
    X = np.stack([[np.sin(2 * np.pi * TONES[c] * t + rng.uniform(0, 6)) * rng.uniform(0.5, 1.5)
                   for _ in range(2)] for c in y])
    return (X + 0.4 * rng.standard_normal(X.shape)).astype(np.float32), y


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A custom run: 21 signals of 2 channels and 3 classes, band Shapley, gradient x input and
    the amplitude reference in fft and stft, with deletion curves."""
    from freqxai.cli import main

    folder = tmp_path_factory.mktemp("streaming")
    X, y = _signals()
    program = torch.export.export(ThreeTones(), (torch.from_numpy(X[:2]),),
                                  dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    torch.export.save(program, folder / "net.pt2")
    np.savez(folder / "data.npz", X=X, y=y, fs=FS)
    out = folder / "run"
    rc = main(["run", "custom", "--model", str(folder / "net.pt2"), "--data",
               str(folder / "data.npz"), "--out", str(out), "--methods", "shapley,gxi,amplitude",
               "--domains", "fft,stft", "--metrics", "deletion,complexity", "--no-sanity",
               "--chunk-size", "4", "--threads", "1", "--quiet"])
    assert rc == 0
    return out


def _copy(run, tmp_path, name="copy"):
    out = tmp_path / name
    shutil.copytree(run, out)
    return out


def _assert_frames_equal(a: pd.DataFrame, b: pd.DataFrame, rtol: float = 1e-12) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for col in a.columns:
        x, z = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind == "f" or z.dtype.kind == "f":
            np.testing.assert_allclose(x.astype(float), z.astype(float), rtol=rtol, atol=1e-15,
                                       equal_nan=True, err_msg=col)
        else:
            assert (pd.isna(a[col]) == pd.isna(b[col])).all(), col
            assert (a[col][~pd.isna(a[col])] == b[col][~pd.isna(b[col])]).all(), col


# -- the running moments ---------------------------------------------------------------------------

def test_moments_of_slices_are_those_of_the_whole():
    rng = np.random.default_rng(1)
    v = rng.normal(3.0, 2.0, size=(50, 4, 6))
    v[rng.random(v.shape) < 0.2] = np.nan
    v[:, 0, 0] = np.nan  # an entry with no value at all
    k = np.isfinite(v).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.nansum(v, 0) / np.maximum(k, 1), np.nan)
        sem = np.sqrt(np.nansum((v - mean) ** 2, 0) / (k - 1)) / np.sqrt(k)
    whole = _stream.Moments()
    whole.add(v)
    np.testing.assert_array_equal(whole.mean, mean)  # one slice: bit for bit
    np.testing.assert_array_equal(whole.sem(), sem)
    for step in (1, 3, 7, 49):
        m = _stream.Moments()
        for lo in range(0, len(v), step):
            m.add(v[lo:lo + step])
        np.testing.assert_array_equal(m.k, k)
        np.testing.assert_allclose(m.mean, mean, rtol=1e-13, equal_nan=True)
        np.testing.assert_allclose(m.sem(), sem, rtol=1e-12, equal_nan=True)


def test_row_chunks_cover_every_row_once(monkeypatch):
    monkeypatch.setattr(_stream, "STREAM_BYTES", 56)
    assert _stream.chunk_rows(8) == 7 and _stream.chunk_rows(10**9) == 1
    slices = list(_stream.row_chunks(20, 8))
    assert [(s.start, s.stop) for s in slices] == [(0, 7), (7, 14), (14, 20)]
    assert list(_stream.row_chunks(0, 8)) == []


# -- the summary -----------------------------------------------------------------------------------

def _in_memory_summary(store: ResultStore):
    """run_summary's table from the arrays read whole (the path before streaming)."""
    from freqxai.domains import get_domain
    from freqxai.runner.answer import _names
    from freqxai.summary import summarize

    cfg, attrs = store.read_config(), store.read_attrs()
    relevance = {(m, d): store.read_unit(unit_name(m, d), ["relevance"])["relevance"]
                 for m in cfg["methods"] for d in cfg["domains"]}
    params = cfg.get("domain_params") or {"stft": cfg.get("stft") or {}}
    return summarize(relevance, store.read_data("y").astype(int),
                     length=int(store.read_data("X").shape[-1]), fs=float(attrs["fs"]),
                     domains={d: get_domain(d, **params.get(d, {})) for d in cfg["domains"]},
                     class_names=_names(attrs.get("class_names")) or None)


def test_the_summary_read_in_slices_is_the_summary_of_the_whole_arrays(run, monkeypatch):
    from freqxai.runner.answer import run_summary

    store = ResultStore(run)
    whole = _in_memory_summary(store)
    streamed = run_summary(store).drop(columns="survives_randomization")
    checks = ["accuracy", "kept_accuracy", "removed_accuracy"]
    # one slice: the same numbers, bit for bit, as the arrays in memory
    _assert_frames_equal(streamed.drop(columns=checks), whole.drop(columns=checks), rtol=0)
    assert {"ch 0", "ch 1"} <= set(whole["channel"]) and whole["class"].nunique() == 3
    for size in SMALL:
        monkeypatch.setattr(_stream, "STREAM_BYTES", size)
        _assert_frames_equal(run_summary(store).drop(columns="survives_randomization"),
                             streamed)


def test_summarize_reads_arrays_on_disk_a_slice_at_a_time(run, monkeypatch):
    """The public summarize takes an h5py dataset as it takes the array (rows of 7)."""
    from freqxai.summary import summarize

    store = ResultStore(run)
    y = store.read_data("y").astype(int)
    rel = store.read_unit("gxi__fft", ["relevance"])["relevance"]
    expected = summarize({"gxi": rel}, y, domain="fft", length=64, fs=FS)
    monkeypatch.setattr(_stream, "STREAM_BYTES", 7 * 8 * 2 * 33)
    with h5py.File(store.path, "r") as f:
        got = summarize({"gxi": f["units/gxi__fft/relevance"]}, y, domain="fft", length=64,
                        fs=FS)
        with pytest.raises(ValueError, match="holds 21 inputs"):
            summarize({"gxi": f["units/gxi__fft/relevance"]}, y[:5], domain="fft", length=64)
        with pytest.raises(ValueError, match=r"shape \(21, 2, 33\): expected rank 4"):
            summarize({"gxi": f["units/gxi__fft/relevance"]}, y, domain="stft", length=64)
    _assert_frames_equal(got, expected)
    # in memory, slice by slice too: the same table
    _assert_frames_equal(summarize({"gxi": rel}, y, domain="fft", length=64, fs=FS), expected)


# -- the band checks, the answer and the scores ------------------------------------------------------

def test_band_checks_in_slices_count_what_the_whole_class_counts(run, monkeypatch):
    from freqxai.runner.answer import band_interventions
    from freqxai.summary import band_intervention

    store = ResultStore(run)
    whole = band_interventions(store, ThreeTones())
    assert whole == [{k: (float(v) if k in ("accuracy", "kept", "removed") else v)
                      for k, v in c.items()} for c in whole] and whole
    X, y = store.read_data("X"), store.read_data("y").astype(int)
    table = _in_memory_summary(store)
    for check in whole:  # the checks of the whole class, as band_intervention gives them
        c = int(check["class"])
        row = table[(table["class"] == check["class"]) & (table["band"] == check["band"])].iloc[0]
        r = band_intervention(ThreeTones(), X[y == c], y[y == c],
                              (row["low_hz"], row["high_hz"]), fs=FS)
        assert (r["accuracy"], r["kept"], r["removed"]) == (
            check["accuracy"], check["kept"], check["removed"])
    for size in SMALL:
        monkeypatch.setattr(_stream, "STREAM_BYTES", size)
        assert band_interventions(store, ThreeTones()) == whole


def _reference_rows(store):
    """summary_rows of the arrays read whole (the code before streaming)."""
    from freqxai.report.tables import metric_columns
    from freqxai.runner.compute import CERTAINTY, CERTAINTY_DEVIATION

    def mean_sem(v):
        v = v[np.isfinite(v)]
        if v.size == 0:
            return float("nan"), float("nan")
        return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0

    def spread(key, v):
        finite = np.flatnonzero(np.isfinite(v))
        if finite.size == 0:
            return {"min": float("nan"), "max": float("nan"), "worst": "", "undefined": v.size}
        order = finite[np.argsort(-CERTAINTY_DEVIATION[key](v[finite]), kind="stable")][:3]
        return {"min": float(v[finite].min()), "max": float(v[finite].max()),
                "worst": ";".join(str(i) for i in order), "undefined": int(v.size - finite.size)}

    cfg = store.read_config()
    rows = []
    for method in cfg["methods"]:
        for domain in cfg["domains"]:
            unit = store.read_unit(unit_name(method, domain))
            row = {"method": method, "domain": domain, "n": len(unit["relevance"])}
            for key in CERTAINTY:
                row[key], row[key + "_sem"] = mean_sem(unit[key]) if key in unit else (
                    float("nan"),) * 2
                s = spread(key, unit[key]) if key in unit else {
                    "min": float("nan"), "max": float("nan"), "worst": "", "undefined": 0}
                row.update({f"{key}_{k}": v for k, v in s.items()})
            for _, key, _ in metric_columns(cfg["metrics"]):
                row[key], row[key + "_sem"] = mean_sem(unit[key]) if key in unit else (
                    float("nan"),) * 2
            rows.append(row)
    return rows


def _assert_rows_equal(a, b, rtol):
    assert [r.keys() for r in a] == [r.keys() for r in b]
    for x, z in zip(a, b, strict=True):
        for k in x:
            if isinstance(x[k], float):
                np.testing.assert_allclose(x[k], z[k], rtol=rtol, equal_nan=True, err_msg=k)
            else:
                assert x[k] == z[k], k


def test_the_scores_table_in_slices(run, tmp_path, monkeypatch):
    from freqxai.report.writer import summary_rows

    copy = _copy(run, tmp_path)
    store = ResultStore(copy)
    # certainty figures with NaN and ties (gxi has none of its own: give it one)
    conserved = np.array([1, 0, np.nan, 0, 1, 0, 0, np.nan] + [1] * 13, dtype=float)
    with h5py.File(store.path, "a") as f:
        f["units/gxi__fft/conserved"] = conserved
        f["units/gxi__stft/conserved"] = np.full(21, np.nan)
    reference = _reference_rows(store)
    whole = summary_rows(store)
    _assert_rows_equal(whole, reference, rtol=0)  # one slice: bit for bit
    assert (whole[2]["method"], whole[2]["domain"]) == ("gxi", "fft")
    assert whole[2]["conserved_worst"] == "1;3;5" and whole[2]["conserved_undefined"] == 2
    assert whole[3]["conserved_worst"] == "" and whole[3]["conserved_undefined"] == 21
    for size in SMALL:
        monkeypatch.setattr(_stream, "STREAM_BYTES", size)
        _assert_rows_equal(summary_rows(store), reference, rtol=1e-12)


def test_methods_not_counted_in_slices(run, tmp_path, monkeypatch):
    from freqxai.runner.answer import not_counted

    store = ResultStore(_copy(run, tmp_path))
    with h5py.File(store.path, "a") as f:  # 11 of 20 checked inputs failed: not counted
        f["units/gxi__fft/conserved"] = np.array([0.0] * 11 + [1.0] * 9 + [np.nan])
    whole = not_counted(store, "fft")
    assert whole == {"gxi": "relevance not conserved on 11 of 20 inputs"} or (
        "11 of 20 inputs" in whole["gxi"])
    monkeypatch.setattr(_stream, "STREAM_BYTES", 8)
    assert not_counted(store, "fft") == whole


# -- the report ------------------------------------------------------------------------------------

def test_class_averages_in_slices(run, monkeypatch):
    from freqxai.report.figures import _class_statistics

    store = ResultStore(run)
    y = store.read_data("y").astype(int)
    classes = np.unique(y)
    rows = store.rows("units/gxi__stft/relevance")

    def chunks():
        return ((sl, np.asarray(r, dtype=np.float64).sum(1)) for sl, r in rows.chunks())

    whole = store.read_unit("gxi__stft", ["relevance"])["relevance"].astype(np.float64).sum(1)
    mean = np.stack([whole[y == c].mean(0) for c in classes])
    sem = np.stack([whole[y == c].std(0, ddof=1) / np.sqrt((y == c).sum()) for c in classes])
    got = _class_statistics(chunks(), y, classes, test=True)
    np.testing.assert_array_equal(got[0], mean)
    np.testing.assert_array_equal(got[1], sem)
    monkeypatch.setattr(_stream, "STREAM_BYTES", 1)
    small = _class_statistics(chunks(), y, classes, test=True)
    np.testing.assert_allclose(small[0], mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small[1], sem, rtol=1e-12, atol=1e-15)
    assert all((a == b).all() for a, b in zip(small[2], got[2], strict=True))


def _without_whole_reads(monkeypatch):
    """The store's whole-array reads fail; every slice read is counted."""
    def refuse(*args, **kwargs):
        raise AssertionError("a whole per-signal array was read")

    reads = []
    get = StoredRows.__getitem__

    def counted(self, index):
        out = get(self, index)
        reads.append((self.path, len(out)))
        return out

    monkeypatch.setattr(ResultStore, "read_unit", refuse)
    monkeypatch.setattr(ResultStore, "read_relevance", refuse)
    read_data = ResultStore.read_data
    monkeypatch.setattr(ResultStore, "read_data", lambda self, key: refuse() if key == "X"
                        else read_data(self, key))
    monkeypatch.setattr(StoredRows, "__getitem__", counted)
    return reads


def test_the_report_reads_every_per_signal_array_in_slices(run, tmp_path, monkeypatch):
    from freqxai.report import write_report
    from freqxai.runner.answer import band_interventions

    whole = _copy(run, tmp_path, "whole")
    write_report(whole)
    sliced = _copy(run, tmp_path, "sliced")
    store = ResultStore(sliced)
    monkeypatch.setattr(_stream, "STREAM_BYTES", 56)  # 7 scores, 1 relevance map, 1 signal
    reads = _without_whole_reads(monkeypatch)
    band_interventions(store, ThreeTones())
    written = write_report(sliced)
    assert reads and max(n for _, n in reads) <= 7
    assert {p for p, _ in reads} >= {"X", "units/gxi__stft/relevance",
                                      "units/shapley__fft/deletion_curve"}
    for name in ("summary.csv", "answer.csv", "results.csv"):
        a, b = pd.read_csv(whole / name), pd.read_csv(sliced / name)
        _assert_frames_equal(a, b, rtol=1e-5)  # (written to 6 significant digits)
    assert (whole / "results.md").read_text() == (sliced / "results.md").read_text()
    assert sorted(p.name for p in written.values()) == sorted(
        p.name for p in write_report(whole).values())


# -- series of unequal length ------------------------------------------------------------------------

F0 = 20.0


class ToneModel(torch.nn.Module):
    """Logit 0: the power at F0 Hz (any length); logit 1: a constant."""

    def forward(self, x):
        n = torch.arange(x.shape[-1], dtype=x.dtype)
        w = 2 * torch.pi * F0 / 100.0
        c = (x * torch.cos(w * n)).sum(-1)
        s = (x * torch.sin(w * n)).sum(-1)
        z = (c * c + s * s).sum(1) / x.shape[-1]
        return torch.stack([z, torch.full_like(z, 2.0)], 1)


@pytest.fixture(scope="module")
def ragged_run(tmp_path_factory):
    from freqxai.ragged import pad_series
    from freqxai.runner import RunConfig, run_experiment

    d = tmp_path_factory.mktemp("ragged_streaming")
    rng = np.random.default_rng(0)
    lengths = (40, 56, 72, 88, 104, 120, 40, 120, 72, 56, 88, 64)
    y = np.array([0, 1] * 6)
    series = [(np.sin(2 * np.pi * F0 / 100 * np.arange(n) + rng.uniform(0, 6))[None] * (1 - c)
               + 0.5 * rng.normal(size=(1, n))).astype(np.float32)
              for n, c in zip(lengths, y, strict=True)]
    X, lens = pad_series(series)
    with h5py.File(d / "data.h5", "w") as f:
        f["X"], f["lengths"], f["fs"], f["y"] = X, lens, 100.0, y
    dims = {"x": {0: torch.export.Dim("batch"), 2: torch.export.Dim("time", min=2, max=4096)}}
    torch.export.save(torch.export.export(ToneModel(), (torch.zeros(2, 1, 40),),
                                          dynamic_shapes=dims), d / "tone.pt2")
    cfg = RunConfig(dataset="custom", data=str(d / "data.h5"), model=str(d / "tone.pt2"),
                    out=str(d / "run"), methods=["flex"], domains=["fft", "stft"], n_steps=8,
                    chunk_size=5, seed=0, sanity=False, threads=1)
    run_experiment(cfg, progress=False)
    return d / "run"


def test_unequal_lengths_in_slices(ragged_run, monkeypatch):
    from freqxai.domains import get_domain
    from freqxai.ragged import common_profile
    from freqxai.report.figures import _profile_chunks
    from freqxai.runner.answer import band_interventions, run_summary

    store = ResultStore(ragged_run)
    lengths = store.read_lengths()
    whole = run_summary(store)
    checks = band_interventions(store, ToneModel())
    assert checks
    fft = get_domain("fft")
    expected = common_profile(store.read_relevance("flex", fft), fft, lengths, 100.0)[0]
    monkeypatch.setattr(_stream, "STREAM_BYTES", 1)
    _assert_frames_equal(run_summary(store), whole)
    assert band_interventions(store, ToneModel()) == checks
    got = np.concatenate([p for _, p in _profile_chunks(store, "flex", fft, lengths, 100.0,
                                                        additive=True)])
    np.testing.assert_array_equal(got, expected)


# -- the merge of shards ---------------------------------------------------------------------------

def test_shards_merge_one_at_a_time_into_row_chunked_datasets(tmp_path):
    from freqxai.runner import store as store_module

    rng = np.random.default_rng(0)
    sizes = (25, 25, 25, 7)
    parts = [{"relevance": rng.normal(size=(n, 1, 1501)).astype(np.float32),
              "deletion": rng.random(n), "deletion_curve": rng.random((n, 20)),
              "flag": rng.random(n) < 0.5} for n in sizes]
    paths = []
    for i, p in enumerate(parts):
        paths.append(tmp_path / f"shard{i}.npz")
        save_shard(paths[-1], p)
    a, b = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    a.write_shards({"m__fft": paths}, {"m__fft": {"method": "m"}})
    b.write(units={"m__fft": {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}},
            unit_attrs={"m__fft": {"method": "m"}})
    got, want = a.read_unit("m__fft"), b.read_unit("m__fft")
    assert got.keys() == want.keys() and got["_attrs"] == want["_attrs"] == {"method": "m"}
    for k in parts[0]:
        np.testing.assert_array_equal(got[k], want[k])
        assert got[k].dtype == want[k].dtype
    with h5py.File(a.path, "r") as f, h5py.File(b.path, "r") as g:
        rel = f["units/m__fft/relevance"]
        assert rel.compression == "gzip" and rel.chunks[1:] == (1, 1501)
        assert rel.chunks[0] * 1501 * 4 <= store_module.H5_CHUNK_BYTES
        assert rel.chunks == g["units/m__fft/relevance"].chunks
        assert f["units/m__fft/deletion"].chunks is None  # (82 values: not compressed)
    bad = tmp_path / "bad.npz"
    save_shard(bad, {**parts[0], "relevance": np.zeros((3, 1, 5), np.float32)})
    with pytest.raises(ValueError, match="cannot be merged"):
        a.write_shards({"x__fft": [paths[0], bad]})
    assert a.completed_units() == {"m__fft"}  # a failed merge leaves the file as it was

"""The runner's sanity phase (issue 20): tables in results.h5, the flag in summary.csv and the API
table, resuming, skips with their reason, and the report's section; the model-swap deletion test
(issue 26): its tables, resuming, and the answer's methods not counted."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import shared_path

import freqxai.sanity
from freqxai.cli import main
from freqxai.runner import ResultStore, RunConfig, run_experiment
from freqxai.runner.sanity_phase import (
    DEFAULT_SIGNALS,
    SWAP_SIGNALS,
    model_swap_outcomes,
    read_sanity,
    run_sanity_phase,
    sanity_size,
    swap_size,
)

# gxi passes in fft and survives in stft on the paper's MLP (DFT-LRP's STFT projection follows
# the signal's energy); amplitude survives by construction
TINY = {"n_test": 6, "chunk_size": 6, "n_steps": 4, "threads": 1, "methods": ["gxi", "amplitude"],
        "domains": ["fft", "stft"], "metrics": ["complexity"], "sanity": 4}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    weights = shared_path("reference-models", "synth_mlp_0.01.pt")
    out = tmp_path_factory.mktemp("sanity") / "run"
    run_experiment(RunConfig(out=str(out), weights=str(weights), **TINY), progress=False)
    return out


def test_the_run_stores_each_table_and_its_flag(run):
    with h5py.File(run / "results.h5") as f:
        g = f["sanity/cascading/amplitude__fft"]
        assert [v.decode() for v in g["layer"][()]][0] == "original"
        assert bool(g.attrs["survives"]) is True
        assert len(g.attrs["signals"].strip("[]").split(",")) == 4
        assert "sanity/data" not in f  # the weights were given: no retraining
    results = read_sanity(ResultStore(run))
    assert set(results.tables) == {("cascading", m, d) for m in ("gxi", "amplitude")
                                   for d in ("fft", "stft")}
    amplitude = results.tables[("cascading", "amplitude", "fft")]
    np.testing.assert_allclose(amplitude["spearman"], 1.0)  # the model-free reference
    gxi = results.tables[("cascading", "gxi", "fft")]
    assert gxi.attrs["survives"] is False and gxi["spearman"].iloc[-1] < 0.5
    assert list(gxi["layer"]) == ["original", "mlp.6", "mlp.4", "mlp.2", "mlp.0"]
    assert results.survives() == {("gxi", "fft"): False, ("gxi", "stft"): True,
                                  ("amplitude", "fft"): True, ("amplitude", "stft"): True}
    assert "was given" in results.skipped["data randomization"]


def test_summary_csv_carries_the_flag(run):
    df = pd.read_csv(run / "summary.csv")
    flags = df.groupby(["method", "domain"])["survives_randomization"].agg(set).to_dict()
    assert flags == {("amplitude", "fft"): {True}, ("amplitude", "stft"): {True},
                     ("gxi", "fft"): {False}, ("gxi", "stft"): {True}}


def test_the_report_gives_the_model_swap_outcome_and_the_spearman_as_a_description(run):
    page = (run / "report.html").read_text()
    section = page[page.index("<section id='sanity'>"):]
    section = section[: section.index("</section>")]
    assert "model-swap deletion test" in section and "for description only" in section
    # the amplitude reference never reads the model: exactly no evidence of model dependence
    assert "<b>amplitude</b> (reference): fft: <b>no evidence of model dependence</b>" in section
    assert "<b>gxi</b>: fft: <b>" in section
    assert "after all layers randomized: fft 0." in section and "on 4 class-stratified" in section
    assert 'alt="sanity checks per method"' in section and (run / "sanity.png").is_file()
    assert "Labels not permuted: the model was given" in section
    assert "href='#sanity'>Sanity checks</a>" in page  # nav
    answer = page[page.index("<section id='answer'>"):page.index("<section id='scores'>")]
    assert "⚠" not in answer  # the Spearman flag marks nothing: only the model swap decides


def test_the_printed_answer_does_not_rest_on_the_spearman_flag(run, capsys):
    from freqxai.cli import _print_answer

    _print_answer(run)
    assert "survives the sanity checks" not in capsys.readouterr().out


def test_a_resumed_run_recomputes_only_missing_tables(run, monkeypatch):
    calls = []
    original = freqxai.sanity.parameter_randomization

    def counted(*args, **kwargs):
        calls.append((kwargs["method"], kwargs["domain"].name))
        return original(*args, **kwargs)

    monkeypatch.setattr(freqxai.sanity, "parameter_randomization", counted)
    cfg = RunConfig(out=str(run), weights=str(shared_path("reference-models",
                                                          "synth_mlp_0.01.pt")), **TINY)
    summary = run_experiment(cfg, progress=False)
    assert summary.n_computed == 0 and calls == []  # all there: nothing recomputed
    with h5py.File(run / "results.h5", "a") as f:
        del f["sanity/cascading/gxi__stft"]
    run_experiment(cfg, progress=False)
    assert calls == [("gxi", "stft")]
    assert ("cascading", "gxi", "stft") in read_sanity(ResultStore(run)).tables


def test_sanity_added_to_a_finished_run_and_turned_off(tmp_path, capsys):
    weights = str(shared_path("reference-models", "synth_mlp_0.01.pt"))
    out = tmp_path / "run"
    args = ["run", "synthetic", "--weights", weights, "--out", str(out), "--n-test", "4",
            "--methods", "amplitude", "--domains", "fft", "--metrics", "complexity", "--quiet"]
    assert main([*args, "--no-sanity"]) == 0, capsys.readouterr().err
    assert not read_sanity(ResultStore(out))
    assert "Not run for this folder" in (out / "report.html").read_text()
    assert main([*args, "--sanity", "2"]) == 0, capsys.readouterr().err  # same result key
    table = read_sanity(ResultStore(out)).tables[("cascading", "amplitude", "fft")]
    assert table.attrs["survives"] is True and len(table.attrs["signals"]) == 2
    assert main([*args, "--sanity", "-1"]) == 2
    assert "sanity must be True, False or a number of test signals >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("value, dataset, n", [
    (None, "synthetic", DEFAULT_SIGNALS), (None, "custom", DEFAULT_SIGNALS), (None, "fsdd", 0),
    (None, "uea", 0), (True, "uea", DEFAULT_SIGNALS),
    (False, "synthetic", 0), (0, "uea", 0), (7, "audiomnist", 7)])
def test_sanity_size(value, dataset, n):
    cfg = RunConfig.__new__(RunConfig)
    object.__setattr__(cfg, "sanity", value)
    object.__setattr__(cfg, "dataset", dataset)
    assert sanity_size(cfg) == n


def test_a_forward_only_model_is_skipped_with_the_reason(tmp_path):
    from freqxai.adapters import NumpyModel
    from freqxai.runner.tasks import Task

    weights = np.random.default_rng(0).normal(size=(32, 3))
    model = NumpyModel(lambda a: a.reshape(len(a), -1) @ weights, output_kind="logits")
    X = np.random.default_rng(1).normal(size=(6, 1, 32)).astype(np.float32)
    task = Task(X, np.array([0, 1, 2, 0, 1, 2]), 32.0, model)
    cfg = RunConfig(dataset="custom", out=str(tmp_path), methods=["freqrise", "amplitude"],
                    domains=["fft"], n_masks=20, sanity=3)
    results = run_sanity_phase(cfg, task, ResultStore(tmp_path))
    assert not results.tables
    assert results.skipped["freqrise"] == results.skipped["amplitude"] == (
        "a numpy function has no layers with weights to randomize (forward passes only); "
        "parameter randomization re-initializes a torch module's layers")
    assert "was given" in results.skipped["data randomization"]
    from freqxai.runner.html import _sanity_section

    section = _sanity_section(ResultStore(tmp_path), cfg.to_dict(), {"amplitude"}, None)
    assert ("No method of this run could be checked:</p><ul class='howto'><li><b>freqrise</b>: "
            "not checked: a numpy function has no layers") in section


def test_the_uea_cnn_is_retrained_on_permuted_labels(tmp_path, capsys):
    pytest.importorskip("aeon")
    out = tmp_path / "uea"
    args = ["run", "uea", "--name", "BasicMotions", "--out", str(out), "--n-test", "8",
            "--epochs", "2", "--methods", "gxi,amplitude", "--domains", "fft", "--metrics",
            "complexity", "--sanity", "4", "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    assert (out / "model_permuted_labels.pt").is_file()
    results = read_sanity(ResultStore(out))
    data = results.tables[("data", "amplitude", "fft")]
    assert list(data["layer"]) == ["original", "permuted labels"] and data.attrs["survives"]
    assert ("data", "gxi", "fft") in results.tables and "data randomization" not in results.skipped
    swap = results.swaps[("data", "amplitude", "fft")]  # the model-swap test, labels permuted
    assert swap.iloc[0]["randomization"] == "permuted labels" and swap.iloc[0]["gap"] == 0.0
    assert ("data", "gxi", "fft") in results.swaps and ("cascading", "gxi", "fft") in results.swaps
    permuted = torch.load(out / "model_permuted_labels.pt", weights_only=True)
    trained = torch.load(out / "model.pt", weights_only=True)
    assert not torch.equal(permuted["net.0.weight"], trained["net.0.weight"])
    page = (out / "report.html").read_text()
    assert "after retraining on permuted labels: fft" in page and "Labels not permuted" not in page


def test_an_onnx_custom_run_checks_its_layers_and_never_crashes_after_the_run(tmp_path, capsys,
                                                                              monkeypatch):
    """``run custom --model cnn.onnx`` (issue 25): onnx2pytorch's layers (``Conv_/net/...``) are
    randomized like any module's; a model that cannot be randomized is skipped with the reason,
    the run and its report complete."""
    import warnings

    pytest.importorskip("onnx")
    pytest.importorskip("onnx2pytorch")
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    model = SmallCNN(2, 3).eval()
    X = torch.randn(6, 2, 64)
    np.savez(tmp_path / "data.npz", X=X.numpy(), y=model(X).argmax(1).numpy(), fs=32.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (X[:1],), str(tmp_path / "cnn.onnx"), input_names=["x"],
                          output_names=["y"], dynamo=False, dynamic_axes={"x": {0: "batch"}})
    out = tmp_path / "run"
    args = ["run", "custom", "--model", str(tmp_path / "cnn.onnx"), "--data",
            str(tmp_path / "data.npz"), "--out", str(out), "--methods", "gxi,amplitude",
            "--domains", "fft", "--metrics", "complexity", "--sanity", "3", "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    results = read_sanity(ResultStore(out))
    gxi = results.tables[("cascading", "gxi", "fft")]
    assert gxi["layer"].iloc[1] == "Gemm_y" and len(gxi) == 5  # 3 convolutions and the output
    assert gxi["spearman"].iloc[-1] < 0.99 and "gxi" not in results.skipped
    assert (out / "report.html").is_file()

    def fails(*args, **kwargs):  # any failure of a check: skipped with its reason
        raise AttributeError("no layer named 'x'")

    monkeypatch.setattr(freqxai.sanity, "parameter_randomization", fails)
    out2 = tmp_path / "run2"
    assert main([*args[:7], str(out2), *args[8:]]) == 0, capsys.readouterr().err
    skipped = read_sanity(ResultStore(out2)).skipped
    assert skipped["gxi"] == "AttributeError: no layer named 'x'"
    assert "no layer named" in (out2 / "report.html").read_text()


# ---- issue 26: the model-swap deletion test in runs -------------------------------------------------

def test_the_run_stores_the_model_swap_tables(run):
    with h5py.File(run / "results.h5") as f:
        g = f["model_swap/cascading/amplitude__fft"]
        assert g["gaps"].shape == (6,) and not g["gaps"][()].any()  # all 6 test signals (< 20)
        assert g.attrs["outcome"] == "no evidence of model dependence"
        assert "one-sided paired t-test" in g.attrs["test"]
    swaps = read_sanity(ResultStore(run)).swaps
    assert set(swaps) == {("cascading", m, d) for m in ("gxi", "amplitude")
                          for d in ("fft", "stft")}
    gxi = swaps[("cascading", "gxi", "fft")]
    assert gxi.iloc[0]["randomization"] == "layers" and gxi.iloc[0]["n"] == 6
    assert len(gxi.attrs["gaps"]) == len(gxi.attrs["signals"]) == 6
    assert gxi.iloc[0]["gap"] == pytest.approx(np.mean(gxi.attrs["gaps"]))
    outcomes = model_swap_outcomes(ResultStore(run))
    assert outcomes[("amplitude", "fft")][0] == "no evidence of model dependence"
    assert "(layers randomized, n = 6)" in outcomes[("amplitude", "fft")][1]
    assert outcomes[("gxi", "fft")][0] in freqxai.sanity.SWAP_OUTCOMES


def test_a_resumed_run_recomputes_only_missing_model_swap_tables(run, monkeypatch):
    calls = []
    original = freqxai.sanity.model_swap_deletion

    def counted(*args, **kwargs):
        calls.append((kwargs["method"], kwargs["domain"].name))
        return original(*args, **kwargs)

    monkeypatch.setattr(freqxai.sanity, "model_swap_deletion", counted)
    cfg = RunConfig(out=str(run), weights=str(shared_path("reference-models",
                                                          "synth_mlp_0.01.pt")), **TINY)
    run_experiment(cfg, progress=False)
    assert calls == []
    with h5py.File(run / "results.h5", "a") as f:
        del f["model_swap/cascading/gxi__fft"]
    run_experiment(cfg, progress=False)
    assert calls == [("gxi", "fft")]
    assert ("cascading", "gxi", "fft") in read_sanity(ResultStore(run)).swaps


def test_not_counted_takes_the_model_swap_outcome_only(run, tmp_path):
    """A method whose model-swap test finds no evidence of model dependence is not counted, with
    the reason; the Adebayo flag alone (gxi survives in stft) excludes nothing; references are
    never listed (they are never counted)."""
    import shutil

    from freqxai.runner.answer import not_counted

    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    store = ResultStore(copy)
    outcomes = model_swap_outcomes(store)
    for domain in ("fft", "stft"):
        assert ("gxi" in not_counted(store, domain)) == (
            outcomes[("gxi", domain)][0] == "no evidence of model dependence")
        assert "amplitude" not in not_counted(store, domain)
    assert read_sanity(store).survives()[("gxi", "stft")] is True
    reason = ("its map does not depend on the model: deleting by the randomized model's map "
              "does as well (gap 0.02, upper bound 0.06)")
    with h5py.File(copy / "results.h5", "a") as f:
        f["model_swap/cascading/gxi__fft"].attrs.update(
            outcome="no evidence of model dependence", reason=reason)
    assert not_counted(store, "fft") == {"gxi": f"{reason} (layers randomized, n = 6)"}
    from freqxai.runner.answer import run_answer, run_summary

    rows = run_answer(store, run_summary(store))
    assert rows["not_counted"].str.contains("gxi: its map does not depend on the model").all()


def test_model_swap_failures_are_kept_with_their_reason(run, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    with h5py.File(copy / "results.h5", "a") as f:
        del f["model_swap"]

    def fails(*args, **kwargs):
        raise RuntimeError("no gradient")

    monkeypatch.setattr(freqxai.sanity, "model_swap_deletion", fails)
    cfg = RunConfig(out=str(copy), weights=str(shared_path("reference-models",
                                                           "synth_mlp_0.01.pt")), **TINY)
    run_experiment(cfg, progress=False)
    results = read_sanity(ResultStore(copy))
    assert not results.swaps and len(results.tables) == 4  # the Adebayo tables are kept
    assert results.swap_skipped["gxi (layers, fft)"] == "RuntimeError: no gradient"
    monkeypatch.undo()
    run_experiment(cfg, progress=False)  # fixed: computed, the failure forgotten
    results = read_sanity(ResultStore(copy))
    assert len(results.swaps) == 4 and not results.swap_skipped


@pytest.mark.parametrize("value, dataset, n", [
    (None, "synthetic", SWAP_SIGNALS), (4, "synthetic", SWAP_SIGNALS), (30, "custom", 30),
    (None, "uea", 0), (False, "synthetic", 0), (True, "uea", SWAP_SIGNALS)])
def test_swap_size(value, dataset, n):
    cfg = RunConfig.__new__(RunConfig)
    object.__setattr__(cfg, "sanity", value)
    object.__setattr__(cfg, "dataset", dataset)
    assert swap_size(cfg) == n


def test_a_centered_run_retrains_on_centered_signals(tmp_path, monkeypatch):
    """--center: the model retrained on permuted labels sees what the run's model saw (each
    series' channel means removed), not the raw signals."""
    pytest.importorskip("aeon")
    from freqxai.runner import sanity_phase

    seen = {}

    def recording(factory, X, y, **kwargs):
        seen["X"] = X
        return factory()

    monkeypatch.setattr(freqxai.sanity, "train_on_permuted_labels", recording)
    cfg = RunConfig(dataset="uea", name="BasicMotions", center=True, epochs=1, out=str(tmp_path))
    sanity_phase._permuted_model(cfg, None, False)
    np.testing.assert_allclose(seen["X"].mean(axis=-1), 0.0, atol=1e-5)

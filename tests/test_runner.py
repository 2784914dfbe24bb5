import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch
from conftest import assert_same_units as _assert_same
from conftest import run_units as _units

from freqxai.cli import main
from freqxai.data import make_synthetic
from freqxai.models import SynthMLP
from freqxai.models.training import fit_classifier, save_state_dict
from freqxai.runner import ResultStore, RunConfig, run_experiment, write_report

FAST = {"n_test": 12, "chunk_size": 3, "n_masks": 300, "n_steps": 8, "threads": 1,
        "methods": ["freqrise", "gxi", "lrp", "random"], "domains": ["fft", "stft"],
        "sanity": False}  # the sanity phase has its own tests (test_sanity_runner.py)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    torch.manual_seed(0)
    train = make_synthetic(10000, noise=0.01, seed=1)
    res = fit_classifier(SynthMLP(), train, epochs=6, seed=0, progress=False)
    return str(save_state_dict(res.model, tmp_path_factory.mktemp("w") / "mlp.pt"))




def test_run_writes_one_hdf5_with_provenance_tables_and_figures(tmp_path, weights):
    out = tmp_path / "run"
    summary = run_experiment(RunConfig(out=str(out), weights=weights, **FAST), progress=False)
    assert summary.n_computed == 4 * 2 * 4 and summary.test_accuracy > 0.9
    with h5py.File(out / "results.h5") as f:
        assert {"config", "result_key", "data_sha256", "freqxai_version", "seed"} <= set(f.attrs)
        assert f["units/freqrise__fft/relevance"].shape == (12, 1, 1281)
        assert f["units/lrp__stft/deletion_curve"].shape == (12, 20)
        assert "axes/stft/frequency" in f
    # FreqRISE finds the class frequencies; the random reference does not
    units = _units(out)
    assert np.nanmean(units["freqrise__fft"]["localization"]) > 0.9
    assert np.nanmean(units["random__fft"]["localization"]) < 0.2
    assert units["freqrise__fft"]["deletion"].mean() < units["random__fft"]["deletion"].mean()
    # LRP reports its conservation per signal, the same in both domains (DFT-LRP keeps sums)
    lrp = units["lrp__fft"]["conservation"]
    np.testing.assert_array_equal(lrp, units["lrp__stft"]["conservation"])
    assert lrp.shape == (12,) and np.allclose(lrp, 1, atol=0.05)
    assert not (out / "shards").exists()
    table = (out / "results.md").read_text()
    assert "| freqrise | fft |" in table
    for name in ("deletion_fft.png", "insertion_stft.png", "examples_fft.png", "examples_stft.png"):
        assert (out / name).stat().st_size > 5000
    # report re-renders from the HDF5 file alone
    (out / "results.md").unlink()
    write_report(out)
    assert (out / "results.md").read_text() == table


class _Crash(Exception):
    pass


class _CrashAfter(__import__("lightning").Callback):
    def __init__(self, n):
        self.n = n

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if batch_idx + 1 >= self.n:
            raise _Crash()


def test_interrupted_run_resumes_to_identical_results(tmp_path, weights):
    ref = tmp_path / "ref"
    run_experiment(RunConfig(out=str(ref), weights=weights, **FAST), progress=False)
    out = tmp_path / "resumed"
    cfg = RunConfig(out=str(out), weights=weights, **FAST)
    with pytest.raises(_Crash):
        run_experiment(cfg, progress=False, callbacks=[_CrashAfter(5)])
    # 5 (method, chunk) items done, each with its 2 domains
    assert len(list((out / "shards").glob("*.npz"))) == 10
    assert not list(out.rglob("*.tmp*"))
    summary = run_experiment(cfg, progress=False)
    assert summary.n_computed == 32 - 10
    _assert_same(_units(ref), _units(out))


def _kill_after_shards(cmd: list[str], out, n: int, sig=signal.SIGKILL) -> subprocess.Popen:
    """Start ``cmd``, send ``sig`` once ``n`` shards are written, and wait for the process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300  # a loaded 2-core machine needs a while to import torch
    while time.time() < deadline and len(list((out / "shards").glob("*.npz"))) < n:
        time.sleep(0.05)
    os.kill(proc.pid, sig)
    proc.wait()
    return proc


def test_killed_cli_run_resumes(tmp_path, weights):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "freqxai.cli", "run", "synthetic", "--out", str(out), "--weights",
           weights, "--n-test", "12", "--chunk-size", "3", "--n-masks", "300", "--threads", "1",
           "--methods", "freqrise,gxi,lrp,random", "--domains", "fft,stft", "--quiet"]
    _kill_after_shards(cmd, out, 3)
    assert not (out / "results.md").exists()  # it really was cut short
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    ref = tmp_path / "ref"
    assert subprocess.run([*cmd[:6], str(ref), *cmd[7:]], capture_output=True).returncode == 0
    # n_steps differs from FAST; compare the two CLI runs with each other
    _assert_same(_units(ref), _units(out))


def test_two_processes_give_the_same_numbers_as_one(tmp_path, weights):
    base = [sys.executable, "-m", "freqxai.cli", "run", "synthetic", "--weights", weights,
            "--n-test", "8", "--chunk-size", "2", "--n-masks", "200", "--threads", "1",
            "--methods", "freqrise,ig,lrp", "--domains", "fft,stft", "--quiet"]
    for name, devices in (("one", "1"), ("two", "2")):
        r = subprocess.run([*base, "--out", str(tmp_path / name), "--devices", devices],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
    _assert_same(_units(tmp_path / "one"), _units(tmp_path / "two"))


@pytest.mark.parametrize("args, message", [
    (["--methods", "freqrise,shap"], "unknown method ['shap']"),
    (["--domains", "cqt"], "unknown domain ['cqt']"),
    (["--metrics", "fidelity"], "unknown metric ['fidelity']"),
    (["--weights", "/nonexistent/model.pt"], "weights file not found"),
])
def test_bad_configuration_fails_at_start(tmp_path, capsys, args, message):
    t0 = time.perf_counter()
    rc = main(["run", "synthetic", "--out", str(tmp_path / "r"), *args])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert time.perf_counter() - t0 < 5  # no training, no compute
    assert not (tmp_path / "r" / "results.h5").exists()


def test_unwritable_output_and_config_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", "synthetic", "--out", str(blocker / "x")]) == 2
    assert "not writable" in capsys.readouterr().err
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"methods": ["freqrise"], "bogus_key": 1}')
    assert main(["run", "synthetic", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "unknown config keys ['bogus_key']" in capsys.readouterr().err


def test_changed_configuration_is_not_mixed_into_an_old_run(tmp_path, weights):
    out = tmp_path / "run"
    cfg = dict(FAST, methods=["random"], domains=["fft"])
    run_experiment(RunConfig(out=str(out), weights=weights, **cfg), progress=False)
    with pytest.raises(ValueError, match="different configuration"):
        run_experiment(RunConfig(out=str(out), weights=weights, **dict(cfg, n_masks=10)),
                       progress=False)


def test_reference_models_on_the_reference_test_set(tmp_path):
    from conftest import shared_path

    data = shared_path("reference-data", "synthetic_test_n100.npz")
    w = shared_path("reference-models", "synth_mlp_0.01.pt")
    cfg = RunConfig(out=str(tmp_path / "ref"), test_data=str(data), weights=str(w), n_test=20,
                    chunk_size=10, n_masks=1000, methods=["freqrise", "lrp", "random"],
                    domains=["fft"])
    summary = run_experiment(cfg, progress=False)
    assert summary.test_accuracy == 1.0
    units = _units(tmp_path / "ref")
    assert np.nanmean(units["freqrise__fft"]["localization"]) > 0.9


def _custom_files(tmp_path, y=True):
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    model = SmallCNN(2, 3).eval()
    X = torch.randn(8, 2, 64).numpy()
    arrays = {"X": X, "fs": 32.0, "class_names": np.array(["a", "b", "c"]),
              "channel_names": np.array(["left", "right"])}
    if y:
        arrays["y"] = model(torch.from_numpy(X)).argmax(1).numpy()
    np.savez(tmp_path / "data.npz", **arrays)
    path = tmp_path / "model.pt2"
    batch = torch.export.Dim("batch")
    torch.export.save(torch.export.export(model, (torch.from_numpy(X[:2]),),
                                          dynamic_shapes={"x": {0: batch}}), path)
    return path, tmp_path / "data.npz"


def test_custom_run_with_an_exported_model(tmp_path, capsys):
    model, data = _custom_files(tmp_path, y=False)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(model), "--data", str(data), "--out", str(out),
               "--methods", "freqrise,gxi,amplitude,ig", "--domains", "fft,wavelet", "--n-masks",
               "200", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    store = ResultStore(out)
    attrs = store.read_attrs()
    import hashlib
    import json

    assert attrs["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert json.loads(attrs["class_names"]) == ["a", "b", "c"] and attrs["fs"] == 32.0
    unit = store.read_unit("freqrise__fft")
    assert unit["relevance"].shape == (8, 1, 33) and unit["z_score"].shape == (8, 1, 33)
    assert np.isfinite(unit["significant"]).all()
    # every method reports its certainty: IG its integration error (the same in every domain:
    # the projection keeps each signal's sum), gradients are exact
    ig = store.read_unit("ig__fft")["integration_error"]
    np.testing.assert_array_equal(ig, store.read_unit("ig__wavelet")["integration_error"])
    assert ig.shape == (8,) and (ig < 0.05).all()
    md = (out / "results.md").read_text()
    assert "| freqrise | fft | coefficients with abs z > 3 |" in md
    assert "| ig | wavelet | integration error |" in md and "| gxi | fft | exact |" in md


@pytest.mark.parametrize("make, message", [
    (lambda X, y: {"X": X, "y": y.astype(float)}, "integer class indices"),
    (lambda X, y: {"X": X.astype(complex), "y": y}, "real numbers"),
    (lambda X, y: {"X": X, "y": y[:5]}, "5 labels for 8 signals"),
    (lambda X, y: {"X": X[:, :, :3], "y": y}, "cannot read signals"),
    (lambda X, y: {"signals": X}, "must hold an array 'X'"),
])
def test_custom_data_is_checked_with_one_line(tmp_path, capsys, make, message):
    model, data = _custom_files(tmp_path)
    with np.load(data) as d:
        X, y = d["X"], d["y"]
    np.savez(tmp_path / "bad.npz", **make(X, y))
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(model), "--data", str(tmp_path / "bad.npz"),
               "--out", str(out), "--methods", "gxi", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err
    assert not out.exists()  # a failed start leaves no empty folder


def test_lrp_on_a_compiled_model_fails_before_any_compute(tmp_path, capsys):
    model, data = _custom_files(tmp_path)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(model), "--data", str(data), "--out", str(out),
               "--methods", "gxi,lrp", "--quiet"])
    assert rc == 2 and "lrp: needs eager modules for its rules; a torch.export graph" in capsys.readouterr().err
    assert not out.exists()


def test_uea_run_trains_and_explains(tmp_path, capsys):
    pytest.importorskip("aeon")
    runs = []
    for i in range(2):  # the global random state differs between the runs; the seed does not
        torch.rand(i + 1)
        out = tmp_path / f"uea{i}"
        rc = main(["run", "uea", "--name", "BasicMotions", "--out", str(out), "--n-test", "8",
                   "--epochs", "40", "--methods", "freqrise,gxi", "--domains", "fft",
                   "--n-masks", "200", "--quiet"])
        assert rc == 0, capsys.readouterr().err
        runs.append(out)
    attrs = ResultStore(runs[0]).read_attrs()
    assert attrs["fs"] == 10.0 and (runs[0] / "model.pt").is_file()
    assert "running" in attrs["class_names"]
    # how long training took, for the estimate of retraining it on permuted labels
    from freqxai.runner.sources.base import training_record

    record = training_record(runs[0])
    assert record is not None and 1 <= record["epochs"] <= 40 and record["seconds"] > 0
    # the same seed trains the same weights: the run repeats exactly
    weights = [torch.load(r / "model.pt", weights_only=True) for r in runs]
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    _assert_same(_units(runs[0]), _units(runs[1]))


@pytest.mark.parametrize("values, message", [
    ({"clip_negative": "false"}, "clip_negative: input should be a valid boolean"),
    ({"use_softmax": "no"}, "use_softmax: input should be a valid boolean"),
    ({"seed": "abc"}, "seed: input should be a valid integer"),
    ({"n_test": True}, "n_test: input should be a valid integer"),
    ({"methods": "freqrise"}, "methods: input should be a valid list"),
    ({"p_keep": "0.5"}, "p_keep: input should be a valid number"),
    ({"num_cells": {"fft": [1, 2]}}, "num_cells['fft'] must be"),
    ({"modle": "x.pt"}, "unknown config keys ['modle']"),
])
def test_config_files_are_type_checked(tmp_path, capsys, values, message):
    import json

    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"out": str(tmp_path / "from_config"), **values}))
    rc = main(["run", "synthetic", "--config", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err


def test_a_config_file_keeps_its_out_and_noise(tmp_path):
    import json

    from freqxai.runner import load_config

    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"out": "mine", "noise": 0.8}))
    cfg = load_config(path, dataset="synthetic", noise=None, out=None)
    assert cfg.out == "mine" and cfg.noise == 0.8


def test_ctrl_c_exits_130_and_the_run_resumes(tmp_path, weights):
    out = tmp_path / "interrupted"
    cmd = [sys.executable, "-m", "freqxai.cli", "run", "synthetic", "--out", str(out), "--weights",
           weights, "--n-test", "12", "--chunk-size", "3", "--n-masks", "300", "--threads", "1",
           "--methods", "freqrise,gxi,random", "--domains", "fft", "--quiet"]
    proc = _kill_after_shards(cmd, out, 2, signal.SIGINT)
    err = proc.stderr.read()
    assert proc.returncode == 130 and "run the same command to resume" in err, err
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    assert (out / "results.md").is_file()


def test_a_run_folder_is_locked_while_a_run_writes_it(tmp_path, capsys, weights):
    from filelock import FileLock

    out = tmp_path / "locked"
    out.mkdir()
    with FileLock(out / ".freqxai.lock"):  # another run holds the folder
        rc = main(["run", "synthetic", "--out", str(out), "--weights", weights, "--n-test", "2",
                   "--methods", "random", "--domains", "fft", "--quiet"])
    assert rc == 2 and "being written by another freqxai run" in capsys.readouterr().err
    assert not (out / "results.h5").exists()


def test_killed_custom_run_resumes_bit_identical(tmp_path):
    model, data = _custom_files(tmp_path)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "freqxai.cli", "run", "custom", "--model", str(model), "--data",
           str(data), "--out", str(out), "--chunk-size", "2", "--n-masks", "300", "--threads", "1",
           "--methods", "freqrise,gxi,random", "--domains", "fft,wavelet", "--quiet"]
    _kill_after_shards(cmd, out, 3)
    assert not (out / "results.md").exists()
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    ref = tmp_path / "ref"
    i = cmd.index("--out")
    assert subprocess.run([*cmd[: i + 1], str(ref), *cmd[i + 2 :]], capture_output=True).returncode == 0
    _assert_same(_units(ref), _units(out))


def test_a_method_or_domain_named_twice_runs_once_with_a_warning(tmp_path, capsys):
    """``--methods freqrise,freqrise`` (issue 25): valid input, de-duplicated before any compute
    with a warning naming it (an alias counts), and the report is written."""
    cfg = RunConfig(out=str(tmp_path / "cfg"), methods=["freqrise", "FreqRISE",
                    "gxi"], domains=["fft", "FFT"], metrics=["complexity", "complexity"])
    with pytest.warns(UserWarning, match=r"methods.*'freqrise' named twice"):
        cfg.validate(create_out=False)
    assert cfg.methods == ["freqrise", "gxi"] and cfg.domains == ["fft"]
    assert cfg.metrics == ["complexity"]
    model, data = _custom_files(tmp_path)
    out = tmp_path / "run"
    with pytest.warns(UserWarning, match="'freqrise' named twice"):
        rc = main(["run", "custom", "--model", str(model), "--data", str(data), "--out",
                   str(out), "--methods", "freqrise,freqrise", "--domains", "fft", "--metrics",
                   "complexity", "--n-masks", "50", "--no-sanity", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert (out / "report.html").is_file() and (out / "summary.csv").is_file()
    # printed by Python (no recorder: a process of its own), the warning is one line naming
    # freqxai, without a file, line and source line
    res = subprocess.run(
        [sys.executable, "-m", "freqxai.cli", "run", "custom", "--model", str(model), "--data",
         str(data), "--out", str(tmp_path / "run2"), "--methods", "gxi,gxi", "--domains", "fft",
         "--metrics", "complexity", "--no-sanity", "--quiet"], capture_output=True, text=True,
        timeout=300)
    assert res.returncode == 0, res.stderr
    assert "freqxai: warning: methods: 'gxi' named twice; computed once\n" in res.stderr
    assert "UserWarning" not in res.stderr and ".py:" not in res.stderr


def test_quick_runs_default_to_band_shapley_and_flex_on_fft_with_ten_signals_per_class(tmp_path):
    from freqxai.runner import make_config

    cfg = make_config(dataset="uea", name="BasicMotions", quick=True, out=str(tmp_path / "q"))
    assert (cfg.methods, cfg.domains, cfg.sanity) == (["shapley", "flex"], ["fft"], False)
    assert cfg.n_test is None and cfg.n_explained(4) == 40 and cfg.n_explained(16) == 100
    # settings given explicitly win over quick's defaults
    given = make_config(dataset="uea", name="BasicMotions", quick=True, methods=["freqrise"],
                        domains=["stft"], n_test=8, sanity=3, out=str(tmp_path / "g"))
    assert (given.methods, given.domains, given.n_explained(4), given.sanity) == (
        ["freqrise"], ["stft"], 8, 3)
    full = make_config(dataset="uea", name="BasicMotions", out=str(tmp_path / "f"))
    assert full.n_test == 100 and full.domains == ["fft", "stft"]
    # folders of runs made before --quick and --center keep their result key
    assert full.result_key() == make_config(dataset="uea", name="BasicMotions", center=False,
                                            out=str(tmp_path / "f")).result_key()
    assert full.result_key() != make_config(dataset="uea", name="BasicMotions", center=True,
                                            out=str(tmp_path / "f")).result_key()


def test_center_removes_each_series_channel_means_over_its_own_length():
    from freqxai.data.uea import UEADataset
    from freqxai.runner.tasks import centered

    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 1.0, size=(3, 2, 10)).astype(np.float32)
    lengths = np.array([10, 6, 4])
    for i, n in enumerate(lengths):
        X[i, :, n:] = 0.0
    ds = UEADataset(X, np.zeros(3, dtype=int), ["a"], ["x", "y"], None, "t", lengths)
    out = centered(ds)
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(out.X[i, :, :n].mean(-1), 0.0, atol=1e-6)
        np.testing.assert_array_equal(out.X[i, :, n:], 0.0)  # the padding stays zero
    assert out.X.dtype == np.float32 and np.all(ds.X[0, :, :10].mean(-1) > 1)  # a copy
    same = centered(UEADataset(X[:, :, :4], np.zeros(3, dtype=int), ["a"], ["x", "y"], None, "t"))
    np.testing.assert_allclose(same.X.mean(-1), 0.0, atol=1e-6)


@pytest.mark.parametrize("argv, fragment", [
    (["run", "synthetic", "--center"], "center"),
    (["run", "custom", "--model", "m.pt", "--data", "d.npz", "--center"], "unrecognized"),
])
def test_center_is_refused_where_the_run_does_not_train(tmp_path, capsys, argv, fragment):
    assert main([*argv, "--out", str(tmp_path / "r")]) == 2
    assert fragment in capsys.readouterr().err

"""Issue 16, the runner's part: SIGTERM stops a run like Ctrl-C, a run that loses the folder lock
removes nothing, warnings survive a resume, the certainty table names the worst inputs, and a
damaged results.h5 is named with its fix."""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import h5py
import lightning as L
import numpy as np
import pytest
import torch
from conftest import assert_same_units as _assert_same
from conftest import run_units as _units

from freqxai.cli import main
from freqxai.runner import ResultStore, RunConfig, run_experiment

# Models built by --model-factory from a module in the test's folder (a subprocess imports it
# through PYTHONPATH): a linear classifier of (batch, 2, 64) signals, a slow copy for the SIGTERM
# test, and one whose LRP relevance is not conserved for inputs of large amplitude.
MODELS = '''
import time

from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(128, 3))

    def forward(self, x):
        return self.net(x)


class SlowNet(Net):
    def forward(self, x):
        time.sleep(0.02)
        return self.net(x)


class Unconserved(Net):
    """Scales the input by its own mean |x| outside any module: no LRP rule sees the scale, so
    the bias-free relevance sums to mean |x| times the target logit."""

    def forward(self, x):
        return self.net(x * x.detach().abs().mean((1, 2), keepdim=True))
'''


def _files(tmp_path, n=8, loud=None):
    """The models' module, a state dict and a data file of ``n`` signals with mean |x| = 1
    (input ``loud`` three times that)."""
    (tmp_path / "hygiene_models.py").write_text(MODELS)
    g = torch.Generator().manual_seed(0)
    torch.save({"net.1.weight": 0.1 * torch.randn(3, 128, generator=g),
                "net.1.bias": torch.randn(3, generator=g)}, tmp_path / "state.pt")
    X = torch.randn(n, 2, 64, generator=g)
    X = X / X.abs().mean((1, 2), keepdim=True)
    if loud is not None:
        X[loud] *= 3
    np.savez(tmp_path / "data.npz", X=X.numpy(), fs=32.0)
    return tmp_path / "state.pt", tmp_path / "data.npz"


def _args(tmp_path, out, model="Net", methods="gxi", domains="fft", extra=()):
    state, data = tmp_path / "state.pt", tmp_path / "data.npz"
    return ["run", "custom", "--model", str(state), "--model-factory", f"hygiene_models:{model}",
            "--data", str(data), "--out", str(out), "--methods", methods, "--domains", domains,
            "--threads", "1", "--quiet", *extra]


def _config(tmp_path, out, **kw):
    return RunConfig(dataset="custom", model=str(tmp_path / "state.pt"),
                     model_factory="hygiene_models:Net", data=str(tmp_path / "data.npz"),
                     out=str(out), threads=1, **{"methods": ["gxi"], "domains": ["fft"], **kw})


@pytest.fixture
def models(tmp_path, monkeypatch):
    _files(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path



# -- 1. SIGTERM ----------------------------------------------------------------------------------

def test_sigterm_exits_143_and_the_run_resumes_to_the_same_results(models, capsys):
    out, ref = models / "terminated", models / "ref"
    args = _args(models, out, "SlowNet", "freqrise,gxi", "fft",
                 ["--chunk-size", "1", "--n-masks", "100"])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(models), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "freqxai.cli", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "shards").glob("*.npz")):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 143, err[-2000:]
    assert "terminated; run the same command to resume" in err and "Traceback" not in err
    assert list((out / "shards").glob("*.npz")) and not (out / "results.md").exists()
    # the same command resumes (here in this process; without --quiet, which prints only the
    # report's path, to read how many work items this call computed)
    assert main([a for a in args if a != "--quiet"]) == 0
    done = capsys.readouterr().out
    assert "of 16 work items computed" in done and "16 of 16" not in done  # only the rest
    assert main([a if a != str(out) else str(ref) for a in args]) == 0
    _assert_same(_units(ref), _units(out))


class _SigtermAfter(L.Callback):
    def __init__(self, n):
        self.n = n

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if batch_idx + 1 == self.n:
            os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_in_process_raises_terminated_and_restores_the_handler(models):
    from freqxai.runner.engine import Terminated

    def mine(signum, frame):  # the caller's handler: back in place after the run
        raise AssertionError("the run's own handler should have taken SIGTERM")

    cfg = _config(models, models / "run", chunk_size=2)
    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with pytest.raises(Terminated):
            run_experiment(cfg, progress=False, callbacks=[_SigtermAfter(1)])
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(list((models / "run" / "shards").glob("*.npz"))) == 1
    summary = run_experiment(cfg, progress=False)  # the lock was released; 3 of 4 chunks left
    assert summary.n_computed == 3


# -- 2. the folder lock --------------------------------------------------------------------------

def test_a_run_that_loses_the_lock_removes_nothing(models, monkeypatch, capsys):
    """Two runs start on the same new --out: the loser may even have made the folder, but the
    winner took the lock first; the loser's failed start must leave the winner's folder and lock."""
    from filelock import FileLock

    out = models / "new"
    winner = FileLock(out / ".freqxai.lock")
    validate = RunConfig.validate

    def validate_then_winner_locks(self, *a, **kw):
        result = validate(self, *a, **kw)  # creates the folder if missing
        if not winner.is_locked:
            winner.acquire(timeout=0)  # the other run takes the folder at this very moment
        return result

    monkeypatch.setattr(RunConfig, "validate", validate_then_winner_locks)
    try:
        assert main(_args(models, out)) == 2
        assert "being written by another freqxai run" in capsys.readouterr().err
        assert (out / ".freqxai.lock").is_file() and winner.is_locked
    finally:
        winner.release()
    monkeypatch.undo()
    assert main(_args(models, out)) == 0  # the winner's folder is usable
    assert (out / "results.h5").is_file()


# -- 3. warnings across a resume -----------------------------------------------------------------

class _Crash(Exception):
    pass


class _Warn(L.Callback):
    """Warns ``message`` after the first item; raises after ``crash_after`` items."""

    def __init__(self, message, crash_after=None):
        self.message, self.crash_after = message, crash_after

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0):
        if batch_idx == 0:
            warnings.warn(self.message, UserWarning, stacklevel=1)
        if self.crash_after is not None and batch_idx + 1 >= self.crash_after:
            raise _Crash()


def test_warnings_of_every_part_of_a_resumed_run_are_kept(models):
    import json

    out = models / "run"
    cfg = _config(models, out, chunk_size=2)
    with pytest.raises(_Crash):
        run_experiment(cfg, progress=False, callbacks=[_Warn("first part: odd input", 2)])
    run_experiment(cfg, progress=False, callbacks=[_Warn("second part: odd input")])
    kept = json.loads(ResultStore(out).read_attrs()["warnings"])
    assert kept.index("first part: odd input") < kept.index("second part: odd input")
    page = (out / "report.html").read_text()
    assert "first part: odd input" in page and "second part: odd input" in page
    assert not (out / "shards").exists()  # the saved warnings were folded in and removed


# -- 4. the certainty figure names its spread and worst inputs -----------------------------------

def test_lrp_certainty_reports_range_and_worst_input(tmp_path, monkeypatch):
    _files(tmp_path, loud=5)  # input 5: mean |x| = 3, so its relevance sums to 3 x the logit
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "run"
    assert main(_args(tmp_path, out, "Unconserved", "lrp", "fft")) == 0
    assert "not conserved for 1 of 8 inputs" in ResultStore(out).read_attrs()["warnings"]
    conservation = ResultStore(out).read_unit("lrp__fft")["conservation"]
    np.testing.assert_allclose(np.delete(conservation, 5), 1, atol=1e-3)
    assert conservation[5] == pytest.approx(3, rel=1e-3)
    line = next(x for x in (out / "results.md").read_text().splitlines()
                if x.startswith("| lrp | fft | conservation"))
    assert "; range 1..3; worst inputs #5, #" in line, line
    assert "range 1..3; worst inputs #5, #" in (out / "report.html").read_text()
    with open(out / "results.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["conservation_worst"].split(";")[0] == "5"
    assert float(row["conservation_max"]) == pytest.approx(3, rel=1e-3)


# -- 5. a damaged results.h5 ---------------------------------------------------------------------

def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path):
    path.write_bytes(b"not an HDF5 file\n" * 64)


def _drop(key):
    def drop(path):
        with h5py.File(path, "a") as f:
            del f[key]
    return drop


def _drop_config(path):
    with h5py.File(path, "a") as f:
        del f.attrs["config"]


DAMAGE = [
    ("truncated", _truncate, "truncated file"),
    ("not-hdf5", _garble, "file signature not found"),
    ("no-relevance", _drop("units/gxi__fft/relevance"), "'relevance' is missing"),
    ("no-signals", _drop("X"), "'X' doesn't exist"),
    ("no-config", _drop_config, "no readable 'config' attribute"),
]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("finished")
    _files(base)
    sys.path.insert(0, str(base))
    try:
        assert main(_args(base, base / "run")) == 0
    finally:
        sys.path.remove(str(base))
    return base


@pytest.mark.parametrize("command", ["report", "run"])
@pytest.mark.parametrize("name, damage, reason", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_a_damaged_results_file_is_named_with_its_fix(finished_run, tmp_path, monkeypatch, capsys,
                                                      command, name, damage, reason):
    monkeypatch.syspath_prepend(str(finished_run))
    out = tmp_path / "run"
    shutil.copytree(finished_run / "run", out)
    results = out / "results.h5"
    damage(results)
    before = results.read_bytes()
    argv = ["report", str(out)] if command == "report" else _args(finished_run, out)
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{results} cannot be read" in err and reason in err, err
    assert "delete the folder" in err and "another --out" in err, err
    if command == "report" or name in ("truncated", "not-hdf5"):
        assert results.read_bytes() == before  # the damaged file is left as it was


@pytest.mark.parametrize("model, methods", [("SlowNet", "gxi,freqrise"), ("SlowNet", "ig,flex")])
def test_the_estimate_before_the_work_is_within_2x_of_what_it_took(tmp_path, models, model,
                                                                    methods, caplog):
    """A probe of 1, 4 and again 1 signal per method gives a work item's fixed cost and its cost
    per signal; summed over the run's items the estimate holds within a factor 2 (issue 26). (A model
    whose forward takes 20 ms: on a trivial one the run's own overhead per item, writing shards,
    is all there is to time.)"""
    import logging

    _files(tmp_path, n=50)
    cfg = RunConfig(dataset="custom", model=str(tmp_path / "state.pt"),
                    model_factory=f"hygiene_models:{model}", data=str(tmp_path / "data.npz"),
                    out=str(tmp_path / "out"), threads=1, methods=methods.split(","),
                    domains=["fft"], n_masks=64, sanity=False)
    with caplog.at_level(logging.INFO, logger="freqxai.progress"):
        summary = run_experiment(cfg, progress=False)
    assert summary.estimated_seconds is not None
    ratio = summary.estimated_seconds / summary.explain_seconds
    assert 0.5 <= ratio <= 2.0, (summary.estimated_seconds, summary.explain_seconds)
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "estimated time: explaining about" in text and "explained in" in text


@pytest.mark.parametrize("load, threads, expected", [(3.2, None, 1), (0.1, None, None),
                                                     (3.2, 2, None)])
def test_a_busy_machine_gets_the_threads_it_has_free(monkeypatch, load, threads, expected):
    """Two torch threads on 2 cores another job uses ran 20-40x slower than one (issue 26):
    without --threads a run takes the cores the load leaves free, and restores the setting."""
    from freqxai.runner import engine

    monkeypatch.setattr(engine, "_busy_cores", lambda cores: load)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        cfg = RunConfig(threads=threads)
        with engine._threads_for_the_load(cfg) as n:
            assert n == expected
            assert torch.get_num_threads() == (expected or 2)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_load_average_of_a_finished_job_does_not_count_as_busy(monkeypatch):
    """The 1-minute load average lags (1.5 a minute after a job ended): the busy cores are the
    lower of it and what /proc/stat shows busy now, which can never exceed the cores."""
    from freqxai.runner import engine

    monkeypatch.setattr(engine.os, "getloadavg", lambda: (100.0, 100.0, 100.0))
    busy = engine._busy_cores(2, window=0.05)
    assert 0.0 <= busy <= 2.0 or not os.path.exists("/proc/stat")
    monkeypatch.setattr(engine.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert engine._busy_cores(2, window=0.05) == 0.0


def test_a_quick_run_answers_with_band_shapley_values_and_flex(tmp_path, models, capsys):
    """--quick (issue 26): band Shapley values and FLEX, fft only, no sanity checks; answer.csv
    holds one row per class and the terminal prints it."""
    import pandas as pd

    out = tmp_path / "quick"
    args = ["run", "custom", "--model", str(tmp_path / "state.pt"), "--model-factory",
            "hygiene_models:Net", "--data", str(tmp_path / "data.npz"), "--out", str(out),
            "--threads", "1", "--quick"]
    assert main(args) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    cfg = ResultStore(out).read_config()
    assert (cfg["methods"], cfg["domains"], cfg["sanity"]) == (["shapley", "flex"], ["fft"], False)
    rows = pd.read_csv(out / "answer.csv")
    assert len(rows) == rows["class"].nunique() >= 1
    assert "which band drives each class (answer.csv):" in printed


def test_the_estimate_counts_the_sanity_tables_and_the_model_swap_test():
    from freqxai.runner.estimate import estimate_text

    costs = {"m": (1.0, 0.5)}  # a work item: 1 s fixed, 0.5 s per signal
    work = {"m": [(10, 1.0)]}
    text, seconds = estimate_text(costs, work, sanity_signals=10, sanity_steps=3)
    assert seconds == 6.0 and "sanity checks about 18 s" in text  # (1 + 5) x 3 randomizations
    text, _ = estimate_text(costs, work, sanity_signals=10, sanity_steps=3, swap_signals=20,
                            swap_steps=2)
    assert "sanity checks about 40 s" in text  # + (1 + 10) x 2 maps of the model-swap test

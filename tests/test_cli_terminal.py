"""What a user meets first: start-up, help, the terminal's answer, the default method set, plug-ins."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from freqxai.cli import build_parser, main
from freqxai.runner.store import ResultStore
from freqxai.runner.tasks import stratified_sample


def _python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_import_and_help_load_no_torch():
    assert _python("import sys, freqxai; print('torch' in sys.modules)") == "False"
    code = ("import sys; from freqxai.cli import build_parser; p = build_parser(); "
            "p.format_help(); print('torch' in sys.modules)")
    assert _python(code) == "False"


def _subparser(*words: str):
    """The parser of ``freqxai WORD WORD ...``."""
    sub = build_parser()
    for w in words:
        sub = next(a for a in sub._subparsers._group_actions).choices[w]
    return sub


def _help(*words: str) -> str:
    return _subparser(*words).format_help()


@pytest.mark.parametrize("source, own, foreign", [
    ("synthetic", ["--noise", "--test-data"], ["--model", "--fs", "--name", "--data"]),
    ("custom", ["--model", "--data", "--fs", "--trust-pickle", "--eeg"], ["--noise", "--name"]),
    ("uea", ["--name", "--classifier", "--model"], ["--noise", "--data", "--label"]),
    ("fsdd", ["--data", "--label", "--fold"], ["--model", "--noise", "--name"]),
])
def test_each_data_source_lists_only_its_own_flags_with_an_example(source, own, foreign):
    text = _help("run", source)
    for flag in own:
        assert flag in text
    for flag in foreign:
        assert f"{flag} " not in text and f"{flag}\n" not in text
    assert f"examples:\n  freqxai run {source}" in text or "examples:\n  freqxai data" in text
    assert "--quiet" in text and "--plugin" in text


def test_every_flag_is_described():
    for words in (("run", "custom"), ("run", "uea"), ("run", "synthetic"), ("quickstart",),
                  ("report",), ("list",)):
        sub = _subparser(*words)
        undocumented = [a.option_strings for a in sub._actions if a.option_strings and not a.help]
        assert not undocumented, (words, undocumented)


def test_a_foreign_flag_is_refused_in_one_line(capsys):
    assert main(["run", "synthetic", "--fs", "100"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "see 'freqxai run synthetic --help'" in err


def test_stratified_sample_keeps_every_class_in_proportion():
    y = np.repeat([0, 1, 2, 3], [50, 30, 15, 5])  # a test set sorted by class
    idx = stratified_sample(y, 20, seed=0)
    assert len(idx) == 20 and (np.diff(idx) > 0).all()
    counts = np.bincount(y[idx], minlength=4)
    assert counts.tolist() == [10, 6, 3, 1]
    np.testing.assert_array_equal(idx, stratified_sample(y, 20, seed=0))  # seeded
    assert not np.array_equal(idx, stratified_sample(y, 20, seed=1))
    assert (np.bincount(y[stratified_sample(y, 4, 0)], minlength=4) == 1).all()
    np.testing.assert_array_equal(stratified_sample(y, 500, 0), np.arange(100))
    few = np.array([0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])  # classes of one signal cannot take two
    for n in range(1, len(few) + 1):
        idx = stratified_sample(few, n, 0)
        assert len(np.unique(idx)) == n == len(idx)


def _custom(tmp_path, model, n=8):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2, 32)).astype(np.float32)
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(n) % 3, fs=16.0)
    return tmp_path / "d.npz"


def test_a_torchscript_model_runs_every_method_but_lrp_which_is_named(tmp_path, capsys):
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    net = SmallCNN(2, 3).eval()
    path = tmp_path / "traced.pt"
    with pytest.warns(FutureWarning):
        torch.jit.save(torch.jit.trace(net, torch.zeros(2, 2, 32)), path)
    data = _custom(tmp_path, net)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(path), "--data", str(data), "--out", str(out),
               "--n-masks", "64", "--domains", "fft", "--metrics", "complexity"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "left out lrp: needs eager modules for its rules; a TorchScript graph" in captured.err
    cfg = ResultStore(out).read_config()
    assert "lrp" not in cfg["methods"] and {"freqrise", "flex", "ig", "gxi"} <= set(cfg["methods"])
    left = ResultStore(out).read_attrs()["methods_left_out"]
    assert "lrp" in (json.loads(left) if isinstance(left, str) else left)
    assert "which band drives each class (answer.csv):" in captured.out
    assert captured.out.rstrip().splitlines()[-1].startswith("report: ")
    assert (out / "summary.csv").is_file()


def test_quiet_prints_only_the_report_path(tmp_path, capsys):
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    path = tmp_path / "m.pt2"
    net = SmallCNN(2, 3).eval()
    batch = torch.export.Dim("batch")
    torch.export.save(torch.export.export(net, (torch.zeros(2, 2, 32),),
                                          dynamic_shapes={"x": {0: batch}}), path)
    data = _custom(tmp_path, net)
    rc = main(["run", "custom", "--model", str(path), "--data", str(data), "--out",
               str(tmp_path / "run"), "--methods", "amplitude", "--domains", "fft", "--quiet"])
    captured = capsys.readouterr()
    assert rc == 0
    assert captured.out.strip() == str((tmp_path / "run" / "report.html").resolve())
    assert captured.err == ""


PLUGIN = '''
import torch
from freqxai.explainers import Explainer, register_explainer


@register_explainer("ones")
class Ones(Explainer):
    """Relevance 1 everywhere (a plug-in for the test)."""

    needs_model = False

    def __init__(self, model=None, domain="fft"):
        super().__init__(model, domain)

    def attribute(self, inputs, target=None):
        prep = self._prepare(inputs, target)
        shape = (len(prep.x), 1, *self.domain.coefficient_shape(prep.x.shape[-1]))
        return self._finish(torch.ones(shape, dtype=prep.x.dtype), prep)
'''


def test_a_plugin_method_is_listed_and_runs_from_the_cli(isolated, tmp_path, monkeypatch, capsys):
    from freqxai.models.cnn import SmallCNN

    (tmp_path / "my_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    # the plug-in registers into copies of the registries (isolated), put back after the test
    # (other tests check that their tables cover every registered method)
    monkeypatch.delitem(sys.modules, "my_plugin", raising=False)
    assert main(["list", "--plugin", "my_plugin"]) == 0
    assert "ones " in capsys.readouterr().out
    torch.manual_seed(0)
    path = tmp_path / "m.pt2"
    batch = torch.export.Dim("batch")
    torch.export.save(torch.export.export(SmallCNN(2, 3).eval(), (torch.zeros(2, 2, 32),),
                                          dynamic_shapes={"x": {0: batch}}), path)
    rc = main(["run", "custom", "--model", str(path), "--data", str(_custom(tmp_path, None)),
               "--out", str(tmp_path / "run"), "--plugin", "my_plugin", "--methods", "ones",
               "--domains", "fft", "--metrics", "complexity", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    rel = ResultStore(tmp_path / "run").read_unit("ones__fft")["relevance"]
    assert rel.shape == (8, 1, 17) and (rel == 1).all()


def test_a_data_file_without_fs_runs_in_cycles_per_sample(tmp_path, capsys):
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    path = tmp_path / "m.pt2"
    batch = torch.export.Dim("batch")
    torch.export.save(torch.export.export(SmallCNN(2, 3).eval(), (torch.zeros(2, 2, 32),),
                                          dynamic_shapes={"x": {0: batch}}), path)
    X = np.random.default_rng(0).normal(size=(6, 2, 32)).astype(np.float32)
    np.savez(tmp_path / "nofs.npz", X=X)  # no fs, no labels
    rc = main(["run", "custom", "--model", str(path), "--data", str(tmp_path / "nofs.npz"),
               "--out", str(tmp_path / "run"), "--methods", "amplitude,gxi", "--domains", "fft",
               "--metrics", "complexity", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    import pandas as pd

    df = pd.read_csv(tmp_path / "run" / "summary.csv")
    assert (df["unit"] == "cycles/sample").all() and df["high_hz"].max() == 0.5


def test_progress_bars_only_on_a_terminal(monkeypatch):
    """Piped output (a log file, CI) gets phase lines, not a bar's redraws (issue 28)."""
    import argparse

    from freqxai import cli

    args = argparse.Namespace(quiet=False)
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: False, raising=False)
    assert cli._bars(args) is False
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    assert cli._bars(args) is True
    assert cli._bars(argparse.Namespace(quiet=True)) is False


def test_answer_lines_fit_100_columns(capsys):
    from freqxai import cli

    line = ("running: 0.8-1.6 Hz raises the score [confirmed] (4 of 4 methods name it, and "
            "removing it takes accuracy from 1.00 to 0.00 on 10 signals (p = 5.4e-06)); not "
            "counted: lrp (relevance not conserved on 25 of 25 inputs)")
    cli._print_wrapped(line)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) > 1 and all(len(p) <= 100 for p in printed)
    assert printed[0].startswith("  running: ") and all(p.startswith("    ") for p in printed[1:])
    assert " ".join(p.strip() for p in printed) == line


@pytest.mark.parametrize("command", [["quickstart"], ["train"], ["train", "custom"],
                                     ["train", "synthetic"], ["train", "fsdd"], ["data"],
                                     ["run", "uea"], ["run", "custom"], ["report"], ["list"]])
def test_every_command_has_a_description_defaults_and_an_example(command, capsys):
    """``--help`` of every command (issue 28): a description, an example, and the defaults of its
    options stated."""
    with pytest.raises(SystemExit):
        main(command + ["--help"])
    text = capsys.readouterr().out
    usage, _, rest = text.partition("\n\n")
    assert rest and not rest.startswith(("options:", "positional")), "no description"
    assert "example" in text
    seeds = [line for line in text.splitlines() if line.strip().startswith("--seed")]
    assert all("default" in line or "default" in text.split(line)[1].split("\n")[1]
               for line in seeds)

"""The data sources of ``freqxai run`` (:mod:`freqxai.runner.sources`) and the configuration's
sections: one class per source declares its flags, fields, defaults, loading and retraining;
adding one is one file; result keys of existing run folders do not change."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import textwrap

import pytest

from freqxai.cli import build_parser
from freqxai.runner import RunConfig
from freqxai.runner.config import SECTIONS
from freqxai.runner.sources import Flag, Source, get_source, list_sources, source_class

BUILTIN = ["synthetic", "audiomnist", "fsdd", "custom", "uea"]
M = {"methods": ["freqrise", "ig"], "domains": ["fft", "stft"],
     "metrics": ["localization", "complexity"]}

# result keys computed before the sources and sections existed (the runner of issue 26): a run
# folder written then must be recognised as the same run
KEYS_BEFORE = [
    ({**M}, "e06c55d8e0c72d2c"),
    ({"noise": 0.8, "quick": True, "metrics": ["complexity"]}, "0952ef05f504cd88"),
    ({"weights": "w.pt", "n_test": 20, "seed": 3, **M}, "45f29873890667f8"),
    ({"dataset": "audiomnist", "data": "am.h5", "label": "gender", "fold": 2, **M},
     "216c2ca0dfaef0c0"),
    ({"dataset": "fsdd", "data": "fsdd.h5", "epochs": 5, **M}, "c7b472c058906943"),
    ({"dataset": "custom", "data": "x.npz", "model": "m.pt2", "fs": 250.0, "eeg": True, **M},
     "b7b2a93b74a0e791"),
    ({"dataset": "custom", "data": "x.npz", "model": "m.pt2", "n_masks": 500,
      "explainer_options": {"freqrise": {"normalize": "minmax"}},
      "domain_params": {"stft": {"n_fft": 64, "hop_length": 16, "window": "hann"}},
      "num_cells": {"fft": 10}, **M}, "2a517ad3e79c18a6"),
    ({"dataset": "uea", "name": "BasicMotions", **M}, "6f52cd23d6b8706f"),
    ({"dataset": "uea", "name": "BasicMotions", "center": True, "classifier": "minirocket", **M},
     "f475fb3195b3e6f8"),
    ({"dataset": "uea", "name": "BasicMotions", "quick": True, "metrics": ["complexity"]},
     "a88f8b2b3c54a15f"),
]


@pytest.mark.parametrize(("values", "key"), KEYS_BEFORE)
def test_result_keys_of_existing_runs_do_not_change(values, key):
    assert RunConfig(**values).result_key() == key


def test_the_source_defaults_are_those_of_the_paper_and_of_other_data():
    synthetic, audio, uea = (RunConfig(dataset="synthetic"), RunConfig(dataset="fsdd"),
                             RunConfig(dataset="uea", name="BasicMotions"))
    assert (synthetic.epochs, audio.epochs, uea.epochs, RunConfig(dataset="custom").epochs) == (
        20, 50, 200, 20)
    assert synthetic.n_masks == audio.n_masks == 3000 and uea.n_masks == "auto"
    assert synthetic.stft == {"n_fft": 128, "hop_length": 32, "window": "hann"}
    assert audio.stft == {"n_fft": 455, "hop_length": 35, "window": "hann"}
    assert uea.stft is None and uea.num_cells == {} and uea.explainer_options == {}
    assert audio.explainer_options == {"freqrise": {"normalize": "minmax", "estimator": "paper"}}
    # a default is a copy: changing one run's does not change the next run's
    synthetic.num_cells["fft"] = 7
    assert RunConfig().num_cells["fft"] == 0


def test_every_field_is_in_one_section_and_the_views_are_live():
    fields = [f.name for f in dataclasses.fields(RunConfig)]
    by_section = [RunConfig.section_fields(s) for s in SECTIONS]
    assert sorted(sum(by_section, ())) == sorted(fields)
    cfg = RunConfig(dataset="uea", name="BasicMotions", n_masks=500, devices=2)
    assert cfg.sections.data.name == "BasicMotions" and cfg.sections.explain.n_masks == 500
    assert cfg.sections.compute.to_dict()["devices"] == 2 and "seed" in cfg.sections.compute
    cfg.n_masks = 700  # a view reads the configuration, it holds no copy
    assert cfg.sections.explain.n_masks == 700
    with pytest.raises(AttributeError, match="the data section of a RunConfig has no field"):
        cfg.sections.data.n_masks  # noqa: B018
    with pytest.raises(ValueError, match="section must be one of"):
        RunConfig.section_fields("model")


def test_the_builtin_sources_are_registered_in_order_and_declare_real_fields():
    assert list_sources()[:5] == BUILTIN
    data_fields = set(RunConfig.section_fields("data"))
    for name in BUILTIN:
        source = source_class(name)
        assert source.name == name and source.summary and source.examples
        assert set(source.fields) <= data_fields, name
        for flag in source.flags:  # every flag sets a field of the configuration
            assert flag.field in data_fields, (name, flag.name)
        assert set(source.defaults) <= {f.name for f in dataclasses.fields(RunConfig)}
    with pytest.raises(ValueError, match="unknown source 'toy'; choose from"):
        get_source("toy")


def test_what_each_source_says_about_training_sanity_and_its_folder():
    assert get_source("synthetic").default_out({"noise": 0.8, "quick": True}) == \
        "runs/synthetic_noise0.8_quick"
    assert get_source("synthetic").default_out({}) == "runs/synthetic_noise0.01"
    assert get_source("uea").default_out({"name": "BasicMotions", "center": True}) == \
        "runs/uea_BasicMotions_center"
    assert get_source("custom").default_out({"data": "some/dir/test.npz"}) == "runs/custom_test"
    assert get_source("fsdd").default_out({"label": None}) == "runs/fsdd_digit"
    from freqxai.runner.sanity_phase import _trained_by_run, sanity_size

    assert [sanity_size(RunConfig(dataset=d)) for d in BUILTIN] == [10, 0, 0, 10, 0]
    assert _trained_by_run(RunConfig()) is None
    assert "was given" in _trained_by_run(RunConfig(weights="w.pt"))
    assert "was given" in _trained_by_run(RunConfig(dataset="custom"))
    assert "retrains the CNN only" in _trained_by_run(RunConfig(dataset="uea", name="X",
                                                                 classifier="rocket"))


def test_the_synthetic_splits_have_one_seed_recipe():
    from freqxai.data.synthetic import split_seed

    assert [split_seed(4, s) for s in ("train", "val", "test")] == [13, 14, 15]
    with pytest.raises(ValueError, match="split must be one of"):
        split_seed(0, "dev")


def _help(*words: str) -> str:
    sub = build_parser()
    for w in words:
        sub = next(a for a in sub._subparsers._group_actions).choices[w]
    return sub.format_help()


@pytest.mark.parametrize("name", BUILTIN)
def test_each_flag_is_described_once(name):
    text = _help("run", name)
    options = text.split("\n\n", 2)[2]  # (after the usage and the description)
    flags = re.findall(r"^  (--[a-z-]+)", options, flags=re.M)
    assert flags and len(flags) == len(set(flags)), flags
    assert {f.name for f in source_class(name).flags} <= set(flags)


def test_run_help_lists_each_source_once():
    text = _help("run")
    for name in BUILTIN:
        assert len(re.findall(rf"^  {name} ", text, flags=re.M)) == 1, name


def test_a_flag_sets_its_field():
    flag = Flag("--n-train", "training signals", type=int)
    parser = build_parser().__class__(prog="x")
    flag.add_to(parser)
    Flag("--center", "center", switch=True).add_to(parser)
    assert vars(parser.parse_args(["--n-train", "5"])) == {"n_train": 5, "center": None}
    assert parser.parse_args(["--center"]).center is True


TOY = '''
import numpy as np
import torch

from freqxai.runner.sources import Flag, Source, register_source


@register_source("toy")
class Toy(Source):
    summary = "sinusoids of 5 or 12 Hz and a linear model"
    examples = ("freqxai run toy --fs 64",)
    flags = (Flag("--fs", "sampling rate in Hz", type=float, metavar="HZ"),)
    fields = ("fs",)

    def out_tag(self, values):
        return f"fs{values.get('fs') or 64:g}"

    def load(self, cfg, progress):
        from freqxai.runner.tasks import Task

        fs = cfg.fs or 64.0
        y = np.arange(cfg.n_explained(2)) % 2
        t = np.arange(64) / fs
        X = np.sin(2 * np.pi * np.where(y, 12.0, 5.0)[:, None] * t)[:, None, :]
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)).eval()
        return Task(X.astype(np.float32), y, fs, model, model_source="toy")
'''


def _freqxai(cwd, *argv: str) -> subprocess.CompletedProcess:
    code = "import sys; from freqxai.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_a_source_in_one_file_runs_from_the_command_line(tmp_path):
    """A plug-in module with one Source class: ``freqxai run toy`` has its flags and runs end to
    end (in a fresh process: the registry of this one is left as it is)."""
    (tmp_path / "toy_source.py").write_text(textwrap.dedent(TOY))
    shown = _freqxai(tmp_path, "run", "toy", "--plugin", "toy_source", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "--fs HZ" in shown.stdout and "examples:\n  freqxai run toy --fs 64" in shown.stdout
    done = _freqxai(tmp_path, "run", "toy", "--plugin", "toy_source", "--fs", "32", "--n-test",
                    "4", "--methods", "random", "--domains", "fft", "--no-sanity", "--quiet")
    assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "runs" / "toy_fs32"
    assert done.stdout.strip() == str((run_dir / "report.html").resolve())
    from freqxai.runner import ResultStore

    attrs = ResultStore(run_dir).read_attrs()
    config = attrs["config"] if isinstance(attrs["config"], dict) else json.loads(attrs["config"])
    assert config["dataset"] == "toy" and config["fs"] == 32.0 and attrs["fs"] == 32.0
    # a field only other sources read is refused on its runs, naming the sources that read it
    refused = _freqxai(tmp_path, "run", "toy", "--plugin", "toy_source", "--config",
                       _write(tmp_path / "c.json", {"noise": 0.5}), "--quiet")
    assert refused.returncode == 2
    assert "noise=0.5 applies to synthetic runs only; a toy run would ignore it" in refused.stderr


def _write(path, values) -> str:
    path.write_text(json.dumps(values))
    return str(path)


def test_a_source_without_load_says_so():
    with pytest.raises(NotImplementedError, match="does not define load"):
        Source().load(RunConfig(), False)

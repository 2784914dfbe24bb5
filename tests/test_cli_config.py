"""Issue 16, the CLI and the run configuration: no silent result, no cryptic error.

Every bad setting is refused before anything is written, through ``freqxai.cli.main``: exit code 2,
one line on stderr that names the setting and the fix, no traceback, no run folder.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from freqxai.cli import main
from freqxai.models import SynthMLP
from freqxai.models.cnn import SmallCNN
from freqxai.models.training import fit_classifier, save_state_dict
from freqxai.runner import RunConfig, load_config, make_config


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Untrained weights and models (no run gets far enough to use them) and a data file."""
    root = tmp_path_factory.mktemp("hygiene")
    torch.manual_seed(0)
    save_state_dict(SynthMLP().eval(), root / "mlp.pt")
    torch.jit.save(torch.jit.script(SmallCNN(2, 3).eval()), root / "cnn.pt")
    torch.jit.save(torch.jit.script(SmallCNN(3, 4).eval()), root / "cnn3.pt")
    X = np.random.default_rng(0).standard_normal((6, 2, 64)).astype(np.float32)
    np.savez(root / "data.npz", X=X, fs=32.0)
    return root, X


def _npz(root, name, **arrays):
    np.savez(root / f"{name}.npz", **arrays)
    return str(root / f"{name}.npz")


def _config(root, name, content):
    path = root / f"{name}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _synthetic(root, X, *args):
    return ["run", "synthetic", "--weights", str(root / "mlp.pt"), "--n-test", "2",
            "--methods", "random", "--domains", "fft", "--quiet", *args]


def _custom(root, X, *args, data=None):
    return ["run", "custom", "--model", str(root / "cnn.pt"), "--data",
            data or str(root / "data.npz"), "--n-test", "2", "--methods", "random", "--domains",
            "fft", "--quiet", *args]


# (id, argv from (root, X), fragment of the one-line error)
CASES = [
    # settings the chosen data set does not read
    # each data source takes only its own flags: the others are refused by the parser
    ("synthetic --fs", lambda r, X: _synthetic(r, X, "--fs", "100"),
     "unrecognized arguments: --fs 100 (not an option of 'freqxai run synthetic'"),
    ("synthetic --model", lambda r, X: _synthetic(r, X, "--model", str(r / "cnn.pt")),
     "unrecognized arguments: --model"),
    ("synthetic --name", lambda r, X: _synthetic(r, X, "--name", "BasicMotions"),
     "see 'freqxai run synthetic --help'"),
    ("synthetic --epochs with weights", lambda r, X: _synthetic(r, X, "--epochs", "3"),
     "epochs=3 has no effect"),
    ("custom noise", lambda r, X: _custom(r, X, "--config", _config(r, "noise", {"noise": 0.5})),
     "noise=0.5 applies to synthetic runs only; a custom run would ignore it"),
    ("custom label", lambda r, X: _custom(r, X, "--config", _config(r, "label", {"label": "gender"})),
     "label='gender' applies to audiomnist and fsdd runs only"),
    ("custom fold", lambda r, X: _custom(r, X, "--config", _config(r, "fold", {"fold": 2})),
     "fold=2 applies to audiomnist and fsdd runs only"),
    ("custom --weights with a model file", lambda r, X: _custom(r, X, "--weights", str(r / "mlp.pt")),
     "weights is read only with --model package.module:Name"),
    ("num_cells of an unknown domain",
     lambda r, X: _synthetic(r, X, "--config", _config(r, "nc", {"num_cells": {"cqt": 4}})),
     "num_cells names unknown domain 'cqt'"),
    ("domain_params of an unknown domain",
     lambda r, X: _synthetic(r, X, "--config", _config(r, "dp", {"domain_params": {"cqt": {}}})),
     "domain_params names unknown domain 'cqt'"),
    ("a domain keyed twice",
     lambda r, X: _synthetic(r, X, "--config", _config(r, "twice", {"num_cells": {"fft": 4, "FFT": 8}})),
     "num_cells sets domain 'fft' twice"),
    ("explainer_options sets the model",
     lambda r, X: _synthetic(r, X, "--config", _config(
         r, "eom", {"explainer_options": {"freqrise": {"model": "other.pt"}}})),
     "explainer_options['freqrise'] sets ['model'], which the run sets itself"),
    ("stft and domain_params.stft disagree",
     lambda r, X: _synthetic(r, X, "--config", _config(
         r, "stft", {"stft": {"n_fft": 64}, "domain_params": {"stft": {"n_fft": 128}}})),
     "stft {'n_fft': 64} and domain_params['stft'] {'n_fft': 128} disagree"),
    ("--methods ''", lambda r, X: _synthetic(r, X, "--methods", ""), "methods must not be empty"),
    ("--domains ','", lambda r, X: _synthetic(r, X, "--domains", ","), "domains must not be empty"),
    # the data file
    ("data fs of two rates", lambda r, X: _custom(r, X, data=_npz(r, "fs2", X=X, fs=[100, 250])),
     "sampling rate in Hz, got [100, 250]"),
    ("data fs=[]", lambda r, X: _custom(r, X, data=_npz(r, "fs0", X=X, fs=np.array([]))),
     "must be one positive, finite sampling rate in Hz, got []"),
    ("data fs=inf", lambda r, X: _custom(r, X, data=_npz(r, "fsinf", X=X, fs=np.inf)),
     "must be one positive, finite sampling rate in Hz, got inf"),
    ("data fs='100Hz'", lambda r, X: _custom(r, X, data=_npz(r, "fsstr", X=X, fs="100Hz")),
     "must be one positive, finite sampling rate in Hz, got '100Hz'"),
    ("data class_names of the wrong length",
     lambda r, X: _custom(r, X, data=_npz(r, "cn", X=X, class_names=np.array(["a", "b"]))),
     "class_names has 2 names for a model with 3 outputs"),
    ("data beyond float32", lambda r, X: _custom(r, X, data=_npz(r, "big", X=X.astype(np.float64) * 1e300)),
     "beyond float32's range (max 3.4e+38)"),
    ("--fs inf", lambda r, X: _custom(r, X, "--fs", "inf"), "fs must be a positive, finite number"),
    # the configuration file
    ("config holding []", lambda r, X: _synthetic(r, X, "--config", _config(r, "empty", "[]")),
     "must hold a mapping of settings to values"),
    ("config holding a list", lambda r, X: _synthetic(r, X, "--config", _config(r, "list", '[["seed", 1]]')),
     "must hold a mapping of settings to values"),
    ("seed 2**70", lambda r, X: _synthetic(r, X, "--config", _config(r, "seed", {"seed": 2**70})),
     "seed must be an integer in [0, 2**32)"),
    ("--seed -1", lambda r, X: _synthetic(r, X, "--seed", "-1"), "seed must be an integer in [0, 2**32)"),
    ("stft num_cells of 3 entries (STFT fitted to the data)",
     lambda r, X: _custom(r, X, "--domains", "stft", "--config", _config(
         r, "nc3", {"num_cells": {"stft": [4, 4, 4]}})),
     "num_cells['stft'] must be 'auto', an integer >= 0 (0: one cell per coefficient) or 2 such"),
    # explainer options: checked with the rest, before anything is written
    ("freqrise estimator",
     lambda r, X: _synthetic(r, X, "--methods", "freqrise", "--config", _config(
         r, "est", {"explainer_options": {"freqrise": {"estimator": "bogus"}}})),
     "explainer_options['freqrise']: estimator must be one of ['centered', 'paper'], got 'bogus'"),
    ("freqrise n_masks",
     lambda r, X: _synthetic(r, X, "--methods", "freqrise", "--config", _config(
         r, "nm", {"explainer_options": {"freqrise": {"n_masks": 0}}})),
     "explainer_options['freqrise']: n_masks must be an integer >= 1"),
    ("freqrise antithetic design with p_keep 0.3",
     lambda r, X: _synthetic(r, X, "--methods", "freqrise", "--config", _config(
         r, "anti", {"p_keep": 0.3, "explainer_options": {"freqrise": {"design": "antithetic"}}})),
     "design='antithetic' needs p_keep=0.5"),
    ("flex n_steps",
     lambda r, X: _synthetic(r, X, "--methods", "flex", "--config", _config(
         r, "ns", {"explainer_options": {"flex": {"n_steps": 0}}})),
     "explainer_options['flex']: n_steps must be an integer >= 1"),
    ("lrp composite",
     lambda r, X: _synthetic(r, X, "--methods", "lrp", "--config", _config(
         r, "comp", {"explainer_options": {"lrp": {"composite": "nope"}}})),
     "explainer_options['lrp']: composite must be one of"),
    ("saliency abs",
     lambda r, X: _synthetic(r, X, "--methods", "saliency", "--config", _config(
         r, "abs", {"explainer_options": {"saliency": {"abs": "yes"}}})),
     "explainer_options['saliency']: abs must be True or False"),
]


@pytest.mark.parametrize("case, argv, message", CASES, ids=[c[0] for c in CASES])
def test_run_refuses_in_one_line_before_writing(files, tmp_path, capsys, case, argv, message):
    root, X = files
    out = tmp_path / "run"
    rc = main([*argv(root, X), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not out.exists()  # checked before anything is written


def test_uea_model_of_other_channels_is_refused_in_one_line(files, tmp_path, capsys):
    pytest.importorskip("aeon")
    root, _ = files
    out = tmp_path / "run"
    rc = main(["run", "uea", "--name", "BasicMotions", "--model", str(root / "cnn3.pt"),
               "--n-test", "2", "--methods", "random", "--domains", "fft", "--quiet",
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "the model expects 3 input channels, the data has 6" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


TRAINING_CASES = [
    ("quickstart --epochs 0", ["quickstart", "--epochs", "0"], "epochs must be an integer >= 1"),
    ("quickstart --n-train 0", ["quickstart", "--n-train", "0"], "n_train must be an integer >= 1"),
    ("quickstart --n-explain 0", ["quickstart", "--n-explain", "0"], "n_explain must be an integer >= 1"),
    ("quickstart --n-masks 0", ["quickstart", "--n-masks", "0"], "n_masks must be an integer >= 1"),
    ("quickstart --seed -1", ["quickstart", "--seed", "-1"], "seed must be an integer in [0, 2**32)"),
    ("train --epochs 0", ["train", "synthetic", "--noise", "0.01", "--epochs", "0"],
     "epochs must be an integer >= 1"),
    ("train --n-train 0", ["train", "synthetic", "--noise", "0.01", "--n-train", "0"],
     "n_train must be an integer >= 1"),
    ("train --noise -1", ["train", "synthetic", "--noise", "-1"], "noise must be a finite number >= 0"),
]


@pytest.mark.parametrize("case, argv, message", TRAINING_CASES, ids=[c[0] for c in TRAINING_CASES])
def test_training_commands_refuse_in_one_line_before_writing(tmp_path, capsys, case, argv, message):
    out = tmp_path / "out"
    rc = main([*argv, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_fit_classifier_refuses_zero_epochs_and_lightning_seeds():
    data = (np.zeros((4, 1, 2560), np.float32), np.zeros(4, np.int64))
    with pytest.raises(ValueError, match=r"epochs must be an integer >= 1"):
        fit_classifier(SynthMLP(), data, epochs=0, progress=False)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*32\)"):
        fit_classifier(SynthMLP(), data, epochs=1, seed=2**32, progress=False)


def test_config_files_hold_mappings(tmp_path):
    path = tmp_path / "cfg.json"
    path.write_text("[]")
    with pytest.raises(ValueError, match="must hold a mapping of settings to values.*holds a list"):
        load_config(path)


def test_one_problem_is_one_line_and_several_are_listed(tmp_path):
    with pytest.raises(ValueError) as one:
        make_config(out=str(tmp_path / "o"), seed=-1).validate(create_out=False)
    assert str(one.value) == ("invalid run configuration: seed must be an integer in [0, 2**32), "
                              "got -1")
    with pytest.raises(ValueError) as two:
        make_config(out=str(tmp_path / "o"), seed=-1, fs=8.0).validate(create_out=False)
    lines = str(two.value).splitlines()
    assert lines[0] == "invalid run configuration:" and len(lines) == 3


def test_aliases_as_keys_reach_their_entry():
    """``num_cells``/``explainer_options`` keyed by an alias or another case were ignored: the
    lookups use registered names."""
    cfg = RunConfig(num_cells={"Fourier": 4}, explainer_options={"FreqRISE": {"estimator": "paper"}},
                    domain_params={"DWT": {"wavelet": "db2"}})
    assert cfg.num_cells == {"fft": 4} and cfg.domain_params["wavelet"] == {"wavelet": "db2"}
    init, _ = cfg.explainer_settings("freqrise", "fft", 2560, seed=0)
    assert init["estimator"] == "paper" and init["num_cells"] == 4


def test_freqrise_output_option_replaces_use_softmax():
    """``output`` is the newer spelling of the shared ``use_softmax``: set for a method, it wins
    (before, the run failed midway: 'use_softmax=True contradicts output')."""
    cfg = make_config(explainer_options={"freqrise": {"output": "log_softmax"}})
    cfg.validate(create_out=False)
    init, _ = cfg.explainer_settings("freqrise", "fft", 2560, seed=0)
    assert init["output"] == "log_softmax" and "use_softmax" not in init
    init, _ = make_config().explainer_settings("freqrise", "fft", 2560, seed=0)
    assert init["use_softmax"] is True


def test_settings_probe_uses_an_explainer_check_hook_and_computes_nothing():
    from freqxai.explainers import FreqRISE
    from freqxai.runner.config import _probe_settings

    seen = {}

    class Hooked(FreqRISE):
        @classmethod
        def check_options(cls, domain=None, **settings):
            seen.update(settings)
            if settings.get("n_masks") == 7:
                raise ValueError("n_masks may not be 7")

    assert _probe_settings(Hooked, "fft", {}, {"n_masks": 7}) == "n_masks may not be 7"
    assert seen == {"n_masks": 7}
    # without a hook: the explainer's own checks, and the stand-in model is never called
    assert _probe_settings(FreqRISE, "fft", {}, {"n_masks": 10, "p_keep": 0.5}) is None
    assert "p_keep" in _probe_settings(FreqRISE, "fft", {}, {"p_keep": 1.5})


@pytest.mark.parametrize("make, argv, message", [
    (lambda d: (d / "bad.toml").write_text("x = ["),
     lambda d: ["run", "synthetic", "--config", str(d / "bad.toml")], "is not valid TOML"),
    (lambda d: (d / "g.h5").write_text("garbage"),
     lambda d: ["run", "fsdd", "--data", str(d / "g.h5")], "cannot be read as HDF5"),
    (lambda d: None, lambda d: ["train", "synthetic", "--noise", "0.1", "--devices", "0"],
     "devices must be an integer >= 1"),
], ids=["toml", "not-hdf5", "devices-0"])
def test_more_files_and_settings_fail_in_one_line(tmp_path, capsys, make, argv, message):
    make(tmp_path)
    rc = main([*argv(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("settings, message", [
    ({"domains": ["fft"], "domain_params": {"stft": {"n_fft": -1}}}, "domain 'stft'"),
    ({"methods": ["gxi"], "explainer_options": {"freqrise": {"n_masks": -1}}},
     "explainer_options['freqrise']"),
], ids=["stft-not-run", "options-of-a-method-not-run"])
def test_bad_settings_are_refused_even_where_unused(tmp_path, settings, message):
    from freqxai.runner import make_config

    cfg = make_config(out=str(tmp_path / "o"), **settings)
    with pytest.raises(ValueError, match=re.escape(message)):
        cfg.validate(create_out=False)

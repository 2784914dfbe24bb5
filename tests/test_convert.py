"""Issue 25, model loading: a state dict with bookkeeping beside its tensors loads, and a
``model_factory`` that would be ignored is refused, naming the option."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from freqxai import load_model
from freqxai.cli import main
from freqxai.models.cnn import SmallCNN

X = torch.randn(3, 2, 64, generator=torch.Generator().manual_seed(0))


def _cnn() -> SmallCNN:
    torch.manual_seed(0)
    return SmallCNN(2, 3).eval()


def _factory() -> SmallCNN:
    return SmallCNN(2, 3)


# (id, what torch.save writes, the names the warning lists)
WITH_BOOKKEEPING = [
    ("an int epoch", lambda: {**_cnn().state_dict(), "epoch": 3}, "('epoch')"),
    ("epoch, step and a name", lambda: {"epoch": 3, **_cnn().state_dict(), "step": 12,
                                        "arch": "SmallCNN"}, "3 entries"),
    ("a float loss", lambda: {**_cnn().state_dict(), "best_loss": 0.25}, "'best_loss'"),
]


@pytest.mark.parametrize("make, names", [c[1:] for c in WITH_BOOKKEEPING],
                         ids=[c[0] for c in WITH_BOOKKEEPING])
def test_a_state_dict_with_non_tensor_entries_loads_with_a_warning(tmp_path, make, names):
    torch.save(make(), tmp_path / "w.pt")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = load_model(tmp_path / "w.pt", model_factory=_factory)
    said = " ".join(str(w.message) for w in caught)
    assert "w.pt: ignored" in said and "not" in said and names in said, said
    torch.testing.assert_close(module(X), _cnn()(X))


def test_a_state_dict_with_an_epoch_runs_from_the_cli(tmp_path, capsys):
    torch.save({**_cnn().state_dict(), "epoch": 3}, tmp_path / "w.pt")
    (tmp_path / "factory_mod_epoch.py").write_text(
        "from freqxai.models.cnn import SmallCNN\n\ndef build():\n    return SmallCNN(2, 3)\n")
    np.savez(tmp_path / "d.npz", X=X.numpy(), fs=64.0)
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        rc = main(["run", "custom", "--model", str(tmp_path / "w.pt"), "--model-factory",
                   "factory_mod_epoch:build", "--data", str(tmp_path / "d.npz"), "--n-test", "2",
                   "--methods", "random", "--domains", "fft", "--metrics", "complexity",
                   "--no-sanity", "--quiet", "--out", str(tmp_path / "run")])
    finally:
        sys.path.remove(str(tmp_path))
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Boolean value of Tensor" not in err


def _skops(tmp_path):
    sio = pytest.importorskip("skops.io")
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    clf = LogisticRegression().fit(rng.standard_normal((10, 128)), np.arange(10) % 2)
    sio.dump(clf, tmp_path / "clf.skops")
    return tmp_path / "clf.skops"


def _scripted(tmp_path):
    torch.jit.save(torch.jit.script(_cnn()), tmp_path / "cnn.pt")
    return tmp_path / "cnn.pt"


def _exported(tmp_path):
    torch.export.save(torch.export.export(_cnn(), (X,)), tmp_path / "cnn.pt2")
    return tmp_path / "cnn.pt2"


def _pickled(tmp_path):
    torch.save(_cnn(), tmp_path / "whole.pt")
    return tmp_path / "whole.pt"


# (id, writes the file, load_model's extra options, what the message says the file holds)
IGNORED_FACTORY = [
    ("skops classifier", _skops, {}, "a scikit-learn/aeon classifier (.skops)"),
    ("TorchScript", _scripted, {}, "TorchScript"),
    ("torch.export", _exported, {}, "a torch.export program"),
    ("pickled module", _pickled, {"trust_pickle": True}, "a whole pickled module (SmallCNN)"),
]


@pytest.mark.parametrize("write, options, holds", [c[1:] for c in IGNORED_FACTORY],
                         ids=[c[0] for c in IGNORED_FACTORY])
def test_a_model_factory_that_would_be_ignored_is_refused(tmp_path, write, options, holds):
    path = write(tmp_path)
    with pytest.raises(ValueError, match="model_factory") as info:
        load_model(path, model_factory=_factory, **options)
    message = str(info.value)
    assert "--model-factory" in message and holds in message and "ignored" in message
    assert isinstance(load_model(path, **options), torch.nn.Module)  # without it, it loads


def test_cli_refuses_a_skops_classifier_given_a_model_factory(tmp_path, capsys):
    path = _skops(tmp_path)
    np.savez(tmp_path / "d.npz", X=np.zeros((4, 2, 64), np.float32), fs=64.0)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(path), "--model-factory",
               "freqxai.models.cnn:SmallCNN", "--data", str(tmp_path / "d.npz"), "--n-test", "2",
               "--methods", "random", "--domains", "fft", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("freqxai: error: ") and "--model-factory" in err and "clf.skops" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()

import csv

import numpy as np
import pytest
import torch

from freqxai.cli import main
from freqxai.data import make_synthetic
from freqxai.models import SynthMLP, load_synth_mlp
from freqxai.models.training import accuracy, fit_classifier, save_state_dict


def test_lightning_training_learns_the_benchmark(tmp_path):
    train = make_synthetic(10000, noise=0.01, seed=1)
    val = make_synthetic(300, noise=0.8, seed=2)
    test = make_synthetic(300, noise=0.0, seed=3)
    torch.manual_seed(0)
    untrained = accuracy(SynthMLP(), *test)
    res = fit_classifier(SynthMLP(), train, val, test, epochs=6, seed=0, progress=False)
    assert untrained < 0.3
    assert res.test_acc > 0.9
    path = save_state_dict(res.model, tmp_path / "m.pt")
    again = load_synth_mlp(path)
    x = torch.from_numpy(test[0][:5])
    torch.testing.assert_close(again(x), res.model(x))
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def test_quickstart_writes_figure_and_table(tmp_path, capsys):
    out = tmp_path / "qs"
    rc = main(["quickstart", "--out", str(out), "--n-train", "10000", "--epochs", "6",
               "--n-explain", "4", "--n-masks", "1000", "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "localization" in text
    assert (out / "quickstart.png").stat().st_size > 10_000
    rows = list(csv.DictReader(open(out / "quickstart.csv")))
    assert len(rows) == 4
    assert sum(float(r["localization"]) for r in rows) / 4 >= 0.75
    # the cached model is reused on the second run
    mtime = (out / "model.pt").stat().st_mtime_ns
    assert main(["quickstart", "--out", str(out), "--n-explain", "2", "--n-masks", "200", "--quiet"]) == 0
    assert (out / "model.pt").stat().st_mtime_ns == mtime


def test_cli_reports_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc = main(["quickstart", "--out", str(blocker / "sub"), "--quiet"])
    assert rc == 2
    assert "not writable" in capsys.readouterr().err


def _fsdd(path):
    import h5py
    import numpy as np

    with h5py.File(path, "w") as f:
        f["signals"] = np.random.default_rng(0).standard_normal((12, 1, 8000)).astype(np.float32)
        f["digit"] = np.arange(12) % 10
        f["gender"] = np.zeros(12, dtype=np.int64)
        f["speaker"] = np.arange(12) % 3
        f.attrs["dataset"] = "fsdd"
        f.attrs["fs"] = 8000
    return path


# (id, the --weights file's bytes or what torch.save writes, fragments of the one line)
BAD_WEIGHTS = [
    ("garbage", b"garbage bytes, not a torch file",
     ("w.pt is not a readable state dict", "expected AudioNet weights for digit",
      "'freqxai train fsdd'")),
    ("empty", b"", ("w.pt is not a readable state dict",)),
    ("a list", [1, 2, 3], ("w.pt does not hold AudioNet weights", "not a state dict")),
]


@pytest.mark.parametrize("content, fragments", [c[1:] for c in BAD_WEIGHTS],
                         ids=[c[0] for c in BAD_WEIGHTS])
def test_fsdd_weights_that_are_no_audionet_state_dict_fail_in_one_line(tmp_path, capsys, content,
                                                                       fragments):
    if isinstance(content, bytes):
        (tmp_path / "w.pt").write_bytes(content)
    else:
        torch.save(content, tmp_path / "w.pt")
    out = tmp_path / "run"
    rc = main(["run", "fsdd", "--data", str(_fsdd(tmp_path / "fsdd.h5")), "--weights",
               str(tmp_path / "w.pt"), "--n-test", "2", "--methods", "random", "--domains", "fft",
               "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert all(f in err for f in fragments), err
    assert "file an issue" not in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_train_custom_trains_on_ones_own_file_and_prints_the_run_command(tmp_path, capsys):
    """``freqxai train custom`` (issue 28): SmallCNN on an .npz with early stopping, the weights
    as a state dict and a self-contained .pt2 that ``run custom`` explains as printed."""
    import shlex

    rng = np.random.default_rng(0)
    t = np.arange(128) / 64
    X = np.stack([np.sin(2 * np.pi * (4 if c else 12) * t + rng.uniform(0, 6))[None]
                  + 0.3 * rng.normal(size=(1, 128)) for c in [0, 1] * 20]).astype(np.float32)
    y = np.array([0, 1] * 20)
    np.savez(tmp_path / "train.npz", X=X, y=y, fs=64.0)
    np.savez(tmp_path / "test.npz", X=X[:6], y=y[:6], fs=64.0)
    out = tmp_path / "models"
    assert main(["train", "custom", "--data", str(tmp_path / "train.npz"), "--out", str(out),
                 "--epochs", "15", "--accelerator", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert (out / "model.pt").is_file() and (out / "model.pt2").is_file()
    command = next(line for line in printed.splitlines() if line.startswith("explain it: "))
    argv = shlex.split(command.removeprefix("explain it: freqxai "))
    argv = [str(tmp_path / "test.npz") if a == "TEST_FILE" else a for a in argv]
    assert main(argv + ["--quick", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert (tmp_path / "run" / "answer.csv").is_file()
    # a file without labels: one line, exit 2
    np.savez(tmp_path / "nolabels.npz", X=X)
    assert main(["train", "custom", "--data", str(tmp_path / "nolabels.npz"), "--out",
                 str(tmp_path / "m2")]) == 2
    assert "has no labels (y)" in capsys.readouterr().err

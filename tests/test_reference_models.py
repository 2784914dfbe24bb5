"""The paper's own trained MLPs from ../shared (skipped when absent)."""

import numpy as np
import pytest
import torch
from conftest import shared_path

from freqxai import FreqRISE
from freqxai.data import class_frequencies
from freqxai.metrics import relevance_rank_accuracy
from freqxai.models import SynthMLP, load_synth_mlp


@pytest.fixture(scope="module")
def test_set():
    d = np.load(shared_path("reference-data", "synthetic_test_n100.npz"))
    return torch.from_numpy(d["X"])[:, None, :], torch.from_numpy(d["y"])


@pytest.mark.parametrize("noise", ["0.01", "0.8"])
def test_reference_weights_load_and_classify(noise, test_set):
    model = load_synth_mlp(shared_path("reference-models", f"synth_mlp_{noise}.pt"))
    assert isinstance(model, SynthMLP) and not model.training
    x, y = test_set
    with torch.inference_mode():
        assert (model(x).argmax(1) == y).float().mean().item() == 1.0


@pytest.mark.parametrize("noise", ["0.01", "0.8"])
def test_freqrise_localizes_class_frequencies_on_reference_models(noise, test_set):
    model = load_synth_mlp(shared_path("reference-models", f"synth_mlp_{noise}.pt"))
    x, y = test_set
    keep = (y > 0).nonzero()[:, 0][:24]
    rel = FreqRISE(model, "fft", n_masks=3000, num_cells=1281).attribute(x[keep], target=y[keep],
                                                                       seed=0)
    truth = [class_frequencies(int(c)) for c in y[keep]]
    scores = relevance_rank_accuracy(rel[:, 0], truth)
    assert np.nanmean(scores) >= 0.95


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_synth_mlp(tmp_path / "missing.pt")
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="mlp"):
        load_synth_mlp(tmp_path / "other.pt")

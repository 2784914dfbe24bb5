"""What a run explains: test signals, labels, the trained model and (if known) the ground truth."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..domains import Domain
from .config import RunConfig

log = logging.getLogger(__name__)

__all__ = ["Task", "load_task", "data_hash"]


@dataclass
class Task:
    """Test data and model of a run.

    Attributes
    ----------
    X, y : test signals ``(n, channels, time)`` float32 and labels.
    fs : sampling rate in Hz used for plots and axes.
    model : the classifier, in eval mode.
    truth_frequencies : per test signal the frequencies (Hz) that define its class, or None.
    model_source : where the model came from (for the record).
    """

    X: np.ndarray
    y: np.ndarray
    fs: float
    model: nn.Module
    truth_frequencies: list[tuple[float, ...]] | None = None
    model_source: str = ""
    test_accuracy: float = float("nan")

    def ground_truth(self, domain: Domain) -> list[list[int]] | None:
        """Indices of the ground-truth frequencies in ``domain``'s frequency profile, or None.

        Localization ranks the domain's frequency profile (STFT: relevance summed over frames;
        wavelet: per band), so the indices are its entries holding each true frequency.
        """
        if self.truth_frequencies is None:
            return None
        length = self.X.shape[-1]
        if domain.frequency_axis(length) is None:
            return None
        return [[domain.profile_index(f, length, self.fs) for f in fs]
                for fs in self.truth_frequencies]


def data_hash(*arrays: np.ndarray) -> str:
    """SHA-256 of the arrays' bytes (recorded with every run)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _synthetic_task(cfg: RunConfig, progress: bool) -> Task:
    from ..data.synthetic import class_frequencies, make_synthetic
    from ..models.mlp import load_synth_mlp
    from ..models.training import accuracy, save_state_dict, train_synthetic_mlp

    if cfg.test_data:
        with np.load(cfg.test_data) as d:
            if "X" not in d or "y" not in d:
                raise ValueError(f"{cfg.test_data} must hold arrays 'X' and 'y'")
            X, y = d["X"].astype(np.float32), d["y"].astype(np.int64)
        if X.ndim == 2:
            X = X[:, None, :]
        X, y = X[: cfg.n_test], y[: cfg.n_test]
    else:
        X, y = make_synthetic(cfg.n_test, noise=0.0, seed=cfg.seed * 3 + 3)
    if cfg.weights:
        model, source = load_synth_mlp(cfg.weights), str(cfg.weights)
    else:
        cached = Path(cfg.out) / "model.pt"
        if cached.is_file():
            model, source = load_synth_mlp(cached), f"{cached} (trained by this run)"
        else:
            log.info("training the synthetic MLP (noise %s)", cfg.noise)
            res = train_synthetic_mlp(cfg.noise, n_train=cfg.n_train, epochs=cfg.epochs, seed=cfg.seed,
                                      accelerator="cpu", progress=progress)
            save_state_dict(res.model, cached)
            model, source = load_synth_mlp(cached), f"{cached} (trained by this run)"
    model.eval()
    truth = [tuple(float(f) for f in class_frequencies(int(c))) for c in y]
    # 2560 samples read as one second: bin k of the rFFT is k Hz (k cycles per signal).
    return Task(X, y, float(X.shape[-1]), model, truth, source, accuracy(model, X, y))


def _audio_task(cfg: RunConfig, progress: bool) -> Task:
    """Test clips of the configured split and fold, and AudioNet (trained and cached if needed)."""
    from ..data.audio import FS, load_audio, n_classes, split_indices
    from ..models.audionet import AudioNet
    from ..models.training import accuracy, save_state_dict, train_audionet

    ds = load_audio(cfg.data)
    if ds.name != cfg.dataset:
        raise ValueError(f"{cfg.data} holds {ds.name}, but the run is for {cfg.dataset}")
    idx = split_indices(ds, cfg.label, cfg.fold)
    test = idx["test"]
    rng = np.random.default_rng(cfg.seed)
    pick = np.sort(rng.choice(test, size=min(cfg.n_test, len(test)), replace=False))
    X, y = ds.signals[pick], ds.labels(cfg.label)[pick]
    weights = Path(cfg.weights) if cfg.weights else Path(cfg.out) / "model.pt"
    if not weights.is_file():
        res = train_audionet(ds, cfg.label, cfg.fold, epochs=cfg.epochs, seed=cfg.seed,
                             checkpoint_dir=Path(cfg.out) / "checkpoints", progress=progress)
        save_state_dict(res.model, weights)
    model = AudioNet(n_classes(cfg.label), length=ds.signals.shape[-1])
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    model.eval()
    return Task(X, y, float(ds.attrs.get("fs", FS)), model, None, str(weights),
                accuracy(model, X, y, batch_size=100))


_TASKS: dict[str, Callable[[RunConfig, bool], Task]] = {
    "synthetic": _synthetic_task,
    "audiomnist": _audio_task,
    "fsdd": _audio_task,
}


def load_task(cfg: RunConfig, progress: bool = True) -> Task:
    """Build the :class:`Task` of ``cfg`` (trains and caches the model if needed)."""
    task = _TASKS[cfg.dataset](cfg, progress)
    if not np.isfinite(task.X).all():
        raise ValueError("test signals contain NaN or Inf")
    task.X = np.ascontiguousarray(task.X, dtype=np.float32)
    with torch.no_grad():
        n_out = task.model(torch.from_numpy(task.X[:1])).shape[1]
    if task.y.max() >= n_out:
        raise ValueError(f"labels go up to {task.y.max()} but the model has {n_out} outputs")
    return task

"""``freqxai run audiomnist``: AudioMNIST speech and the paper's AudioNet (FSDD: :mod:`.fsdd`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .base import Flag, Retraining, Source, record_training, register_source
from .synthetic import PAPER_DEFAULTS

LABELS = ("digit", "gender")


@register_source("audiomnist")
class AudioMNIST(Source):
    """Spoken digits preprocessed by ``freqxai data`` (:mod:`freqxai.data.audio`): the test
    clips of a speaker fold, and AudioNet trained on its training speakers (cached in the run
    folder) or loaded from ``weights``."""

    summary = "AudioMNIST speech (HDF5 from 'freqxai data'; trains AudioNet, or --weights)"
    examples = ("freqxai data audiomnist --src AudioMNIST --out am.h5",
                "freqxai run audiomnist --data am.h5 --label gender --fold 0")
    flags = (
        Flag("--data", "HDF5 file from 'freqxai data'", metavar="H5", required=True),
        Flag("--label", "the task (default digit)", choices=LABELS),
        Flag("--fold", "speaker split fold (default 0)", type=int),
        Flag("--weights", "AudioNet's state dict (else trained)", metavar="PT"),
        Flag("--epochs", "training epochs without --weights (default 50)", type=int),
    )
    fields = ("data", "label", "fold")
    # the paper's STFT (n_fft 455, hop 35, Hann) and 200 cells
    defaults = {**PAPER_DEFAULTS, "epochs": 50,
                "stft": {"n_fft": 455, "hop_length": 35, "window": "hann"},
                "num_cells": {"fft": 200, "stft": 200, "time": 200}}
    # retraining AudioNet on permuted labels takes as long as its training (tens of minutes to
    # hours on CPU): --sanity N turns the checks on
    sanity_by_default = False

    def trains(self, cfg: Any) -> bool:
        return cfg.weights is None

    def check(self, cfg: Any) -> list[str]:
        problems = []
        if cfg.data is None:
            problems.append(f"dataset {self.name!r} needs --data PATH.h5 (from 'freqxai data')")
        if cfg.label not in LABELS:
            problems.append(f"label must be 'digit' or 'gender', got {cfg.label!r}")
        return problems

    def out_tag(self, values) -> str:
        return values.get("label") or "digit"

    def load(self, cfg: Any, progress: bool) -> Any:
        """Test clips of the configured split and fold, and AudioNet (trained and cached if
        needed)."""
        import numpy as np
        import torch

        from ...data.audio import FS, load_audio, split_indices
        from ...models.training import accuracy, save_state_dict, train_audionet
        from ..tasks import Task

        ds = load_audio(cfg.data)
        if ds.name != cfg.dataset:
            raise ValueError(f"{cfg.data} holds {ds.name}, but the run is for {cfg.dataset}")
        idx = split_indices(ds, cfg.label, cfg.fold)
        test = idx["test"]
        rng = np.random.default_rng(cfg.seed)
        labels = ds.labels(cfg.label)
        n = cfg.n_explained(len(np.unique(labels[test])))
        pick = np.sort(rng.choice(test, size=min(n, len(test)), replace=False))
        X, y = ds.signals[pick], labels[pick]
        weights = Path(cfg.weights) if cfg.weights else Path(cfg.out) / "model.pt"
        if not weights.is_file():
            started = time.perf_counter()
            res = train_audionet(ds, cfg.label, cfg.fold, epochs=cfg.epochs, seed=cfg.seed,
                                 checkpoint_dir=Path(cfg.out) / "checkpoints", progress=progress)
            record_training(cfg.out, time.perf_counter() - started, res.epochs)
            save_state_dict(res.model, weights)
        model = self._model(cfg, ds)
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
        except Exception as err:  # garbage, truncated or pickled-object files; torch's message
            # (which asks to file an issue with torch) is not quoted
            raise ValueError(f"{weights} is not a readable state dict ({type(err).__name__} when "
                             f"loaded with weights_only=True); expected AudioNet weights for "
                             f"{cfg.label}, the file 'freqxai train {cfg.dataset}' wrote") from err
        try:
            if not isinstance(state, dict):
                raise KeyError(f"the file holds a {type(state).__name__}, not a state dict")
            model.load_state_dict(state)
        except (RuntimeError, KeyError) as err:  # another model's weights
            raise ValueError(f"{weights} does not hold AudioNet weights for {cfg.label} "
                             f"({str(err).splitlines()[0][:160]}); give the file 'freqxai train "
                             f"{cfg.dataset}' wrote") from err
        model.eval()
        return Task(X, y, float(ds.attrs.get("fs", FS)), model, None, str(weights),
                    accuracy(model, X, y, batch_size=100))

    @staticmethod
    def _model(cfg: Any, ds: Any) -> Any:
        """An untrained AudioNet for the task and the clips' length."""
        from ...data.audio import n_classes
        from ...models.audionet import AudioNet

        return AudioNet(n_classes(cfg.label), length=ds.signals.shape[-1])

    def retrain_reason(self, cfg: Any) -> str | None:
        return None if self.trains(cfg) else super().retrain_reason(cfg)

    def retraining(self, cfg: Any) -> Retraining:
        from ...data.audio import load_audio, split_indices

        ds = load_audio(cfg.data)

        def data():
            idx = split_indices(ds, cfg.label, cfg.fold)["train"]
            return ds.signals[idx], ds.labels(cfg.label)[idx]

        return Retraining(lambda: self._model(cfg, ds), data, {"batch_size": 100, "lr": 5e-4})

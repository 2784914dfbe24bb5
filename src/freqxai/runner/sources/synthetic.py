"""``freqxai run synthetic``: the FreqRISE paper's sinusoid benchmark and its MLP."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .base import Flag, Retraining, Source, changed, phases, record_training, register_source

# the FreqRISE paper's settings on its data sets (as published): 3000 masks, its estimator and
# evaluation
PAPER_DEFAULTS: dict[str, Any] = {
    "n_masks": 3000,
    "explainer_options": {"freqrise": {"normalize": "minmax", "estimator": "paper"}},
}


@register_source("synthetic")
class Synthetic(Source):
    """The synthetic benchmark (:mod:`freqxai.data.synthetic`): noise-free test signals of its 16
    classes (or ``test_data``), the paper's MLP trained on signals of noise level ``noise`` (or
    loaded from ``weights``); the class frequencies are the ground truth of localization."""

    summary = "the FreqRISE paper's synthetic sinusoids (trains the paper's MLP, or --weights)"
    examples = ("freqxai run synthetic --noise 0.8 --n-test 20",
                "freqxai run synthetic --weights synth_mlp_0.01.pt --methods freqrise,ig")
    flag_group = "synthetic data"
    flags = (
        Flag("--noise", "noise level of the training signals (0.01, 0.8)", type=float),
        Flag("--test-data", ".npz with X (n, 2560) and y as test set", metavar="NPZ"),
        Flag("--weights", "the MLP's state dict (else trained and cached)", metavar="PT"),
        Flag("--epochs", "training epochs without --weights (default 20)", type=int),
        Flag("--n-train", "training signals without --weights (default 100000)", type=int),
    )
    fields = ("noise", "test_data", "n_train")
    # one mask cell per bin (1281 bins of single sinusoids), as the published synthetic run
    defaults = {**PAPER_DEFAULTS, "epochs": 20,
                "stft": {"n_fft": 128, "hop_length": 32, "window": "hann"},
                "num_cells": {"fft": 0, "stft": [64, 16], "time": 200}}
    n_classes = 16

    def trains(self, cfg: Any) -> bool:
        return cfg.weights is None

    def check(self, cfg: Any) -> list[str]:
        import math

        problems = []
        if not self.trains(cfg) and changed(cfg, "n_train"):
            problems.append(f"n_train={cfg.n_train!r} has no effect: the model is loaded from "
                            "--weights, not trained; remove --n-train")
        if not 0 <= cfg.noise < math.inf:
            problems.append(f"noise must be a finite number >= 0, got {cfg.noise}")
        return problems

    def out_tag(self, values) -> str:
        noise = values.get("noise")
        return f"noise{0.01 if noise is None else noise:g}"

    def load(self, cfg: Any, progress: bool) -> Any:
        from ...data.synthetic import class_frequencies, make_synthetic, split_seed
        from ...models.mlp import load_synth_mlp
        from ...models.training import accuracy, save_state_dict, train_synthetic_mlp
        from ..tasks import Task, _first_outputs, read_data_file

        if cfg.test_data:
            d = read_data_file(cfg.test_data)  # no pickles; shapes, dtypes and lengths checked
            if "y" not in d:
                raise ValueError(f"{cfg.test_data} must hold arrays 'X' and 'y'")
            if "lengths" in d:
                raise ValueError(f"{cfg.test_data} holds series of unequal length; the synthetic "
                                 "MLP reads one length: give signals of its length without "
                                 "'lengths'")
            n = cfg.n_explained(self.n_classes)
            X, y = d["X"][:n], d["y"][:n]
        else:
            X, y = make_synthetic(cfg.n_explained(self.n_classes), noise=0.0,
                                  seed=split_seed(cfg.seed, "test"))
        if cfg.weights:
            model, source = load_synth_mlp(cfg.weights), str(cfg.weights)
        else:
            cached = Path(cfg.out) / "model.pt"
            if not cached.is_file():
                phases.info("training the synthetic MLP (noise %s, %d epochs)", cfg.noise,
                            cfg.epochs)
                started = time.perf_counter()
                res = train_synthetic_mlp(cfg.noise, n_train=cfg.n_train, epochs=cfg.epochs,
                                          seed=cfg.seed, accelerator="cpu", progress=progress)
                record_training(cfg.out, time.perf_counter() - started, res.epochs)
                save_state_dict(res.model, cached)
            model, source = load_synth_mlp(cached), f"{cached} (trained by this run)"
        model.eval()
        truth = [tuple(float(f) for f in class_frequencies(int(c))) for c in y]
        # 2560 samples read as one second: bin k of the rFFT is k Hz (k cycles per signal).
        _first_outputs(model, X)
        return Task(X, y, float(X.shape[-1]), model, truth, source, accuracy(model, X, y))

    def retrain_reason(self, cfg: Any) -> str | None:
        return None if self.trains(cfg) else super().retrain_reason(cfg)

    def retraining(self, cfg: Any) -> Retraining:
        from ...data.synthetic import make_synthetic, split_seed
        from ...models.mlp import SynthMLP

        def data():  # the training signals of train_synthetic_mlp (its seeds)
            return make_synthetic(cfg.n_train, noise=cfg.noise, seed=split_seed(cfg.seed, "train"))

        return Retraining(SynthMLP, data, {"batch_size": 256, "lr": 1e-3})

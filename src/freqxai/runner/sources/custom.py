"""``freqxai run custom``: your model file on your data file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import Flag, Source, register_source

# the fields of a source that explains a model file (custom; uea with --model)
MODEL_FIELDS = ("model", "model_factory", "trust_pickle")


def model_problems(cfg: Any) -> list[str]:
    """What is wrong with the model settings of a run that loads a model file (``--model FILE``
    with ``--model-factory`` for a state dict, or ``--model package.module:Name --weights
    STATE_DICT``), each in one line."""
    problems = []
    class_path = cfg.model is not None and ":" in cfg.model and not Path(cfg.model).is_file()
    if cfg.weights is not None and not class_path:
        problems.append("weights is read only with --model package.module:Name (custom and uea "
                        "runs); a model file is loaded as it is: remove --weights, or give the "
                        "state dict as --model with --model-factory")
    if cfg.model_factory is not None and (cfg.model is None or class_path):
        problems.append("model_factory builds the module a --model state dict is loaded into; "
                        + ("this run has no --model: add one or remove --model-factory"
                           if cfg.model is None else
                           "--model package.module:Name already names the class: remove "
                           "--model-factory"))
    if cfg.model is not None and not Path(cfg.model).is_file() and not (
            ":" in cfg.model and cfg.weights):  # (--model package.module:Name --weights w.pt)
        problems.append(f"model file not found: {cfg.model} (a class path "
                        "package.module:Name needs --weights with the state dict)")
    return problems


@register_source("custom")
class Custom(Source):
    """Your model (:func:`freqxai.load_model`: TorchScript, ``torch.export``, ONNX, Keras, a
    state dict, scikit-learn/aeon estimators) on your data file (:func:`freqxai.runner.tasks.
    read_data_file`: ``.npz``, ``.h5`` or MNE epochs); without labels the predicted class is
    explained."""

    summary = "your model file on your data file"
    examples = ("freqxai run custom --model model.pt2 --data test.npz",
                "freqxai run custom --model clf.skops --data test.npz --trust-pickle",
                "freqxai run custom --model mypkg.nets:CNN --weights w.pt --data test.h5 --fs 250")
    flag_group = "your model and data"
    flags = (
        Flag("--data", ".npz/.h5 with X (n, channels, time), optional y, fs, class_names, "
             "channel_names; or MNE epochs (-epo.fif: EEG/MEG channels, sfreq, event names as "
             "classes)", metavar="FILE", required=True),
        Flag("--model", "TorchScript, .pt2, .onnx, .keras, a state dict (with --model-factory), "
             ".skops or .joblib classifier, or package.module:Name with --weights",
             metavar="FILE", required=True),
        Flag("--model-factory", "builds the module a state dict is loaded into",
             metavar="MODULE:NAME"),
        Flag("--weights", "state dict for --model package.module:Name", metavar="PT"),
        Flag("--trust-pickle", "allow files that run code when loaded (pickled modules, .joblib, "
             "types skops does not trust)", switch=True),
        Flag("--fs", "sampling rate (overrides the file's)", type=float, metavar="HZ"),
        Flag("--eeg", "the data is EEG: summarise in EEG bands (default: if the channel names "
             "are 10-20 electrodes)", switch=True),
    )
    fields = ("data", *MODEL_FIELDS, "fs", "eeg")

    def check(self, cfg: Any) -> list[str]:
        problems = model_problems(cfg)
        if cfg.model is None or cfg.data is None:
            problems.append("dataset 'custom' needs --model MODEL and --data DATA.npz|.h5")
        return problems

    def out_tag(self, values) -> str:
        return Path(values["data"]).stem if values.get("data") else ""

    def load(self, cfg: Any, progress: bool) -> Any:
        """Your model on your data file (no labels: the predicted class is explained)."""
        import numpy as np

        from ..tasks import (
            Task,
            _accuracy,
            _crop_to_longest,
            _first_outputs,
            _load_user_model,
            _predict,
            _ragged_outputs,
            read_data_file,
            stratified_sample,
        )

        d = read_data_file(cfg.data, trust_pickle=cfg.trust_pickle)
        model, source, digest = _load_user_model(cfg)
        lengths = d.get("lengths")
        if lengths is None:
            _first_outputs(model, d["X"][:1])
        else:
            _ragged_outputs(model, d["X"], lengths)
        if "y" in d:
            keep = stratified_sample(d["y"], cfg.n_explained(len(np.unique(d["y"]))), cfg.seed)
        else:  # no labels: the predicted class is explained, and the sample is stratified by it
            pred = _predict(model, d["X"], lengths)
            keep = stratified_sample(pred, cfg.n_explained(len(np.unique(pred))), cfg.seed)
        lengths = None if lengths is None else lengths[keep]
        X = _crop_to_longest(d["X"][keep], lengths)
        y = d["y"][keep] if "y" in d else pred[keep]
        fs = cfg.fs or d.get("fs")
        if cfg.eeg is None and d.get("eeg"):  # MNE epochs: EEG/MEG channels, in EEG bands
            cfg.eeg = True
        return Task(X, y, float(fs) if fs else 0.0, model, None, source,
                    _accuracy(model, X, y, lengths) if "y" in d else float("nan"),
                    d.get("class_names"), d.get("channel_names"), digest, lengths)

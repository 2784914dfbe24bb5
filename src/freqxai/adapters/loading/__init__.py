"""Load models from elsewhere as ``torch.nn.Module``: torch as is, ONNX and Keras converted,
fitted scikit-learn/aeon classifiers wrapped; one module per format.

- :mod:`~freqxai.adapters.loading.formats`: what a file holds, read from its content;
- :mod:`~freqxai.adapters.loading.torch_files`: state dicts, ``torch.export`` programs, pickled
  modules (only with ``trust_pickle=True``), :func:`resolve_factory`;
- :mod:`~freqxai.adapters.loading.onnx`: ONNX graphs, converted with ``onnx2pytorch``;
- :mod:`~freqxai.adapters.loading.keras`: Keras models, through ``tf2onnx``;
- :mod:`~freqxai.adapters.loading.estimators`: ``.skops`` files, and pickles only with
  ``trust_pickle=True``.

Graphs exported for a fixed batch size (``torch.export`` without a dynamic batch, ONNX with a
number as the first input dimension) are wrapped in :class:`~freqxai.adapters.FixedBatch`, which
feeds them that many inputs at a time; channels-last models in
:class:`~freqxai.adapters.ChannelsLast`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..wrappers import ChannelsLast, FixedBatch, as_model, is_estimator
from ._common import _one_line, _refuse_factory, _refuse_meta
from .estimators import _ESTIMATOR_SUFFIXES, _load_estimator
from .formats import _DESCRIPTION, _file_format
from .keras import _from_keras, _is_keras
from .onnx import _ONNX_HINT, _from_onnx_proto
from .torch_files import _export_input_shape, _from_exported, _from_torch_file, resolve_factory

__all__ = ["ChannelsLast", "FixedBatch", "load_model", "resolve_factory"]


def load_model(model: str | Path | Any, channels_last: bool | None = None, *,
               model_factory: str | Callable[[], nn.Module] | None = None,
               trust_pickle: bool = False) -> nn.Module:
    """Return a ``torch.nn.Module`` for ``model`` that reads ``(batch, channels, time)``.

    Parameters
    ----------
    model : nn.Module, str, Path, ExportedProgram, onnx.ModelProto or keras.Model
        A torch module is returned unchanged (a ``torch.export`` graph with a fixed batch is
        wrapped in :class:`FixedBatch`). Files, by what they hold (read from the content; the
        extension decides only when the content is not recognised, and a file whose content
        and extension disagree is loaded as what it holds, with a warning naming both):

        - TorchScript (``torch.jit.save``): loaded with ``torch.jit.load``;
        - a ``torch.export`` program (``.pt2``): ``torch.export.load(...).module()``;
        - a state dict (``.pt``/``.pth``/``.ckpt``), also nested in a checkpoint (Lightning's
          ``state_dict``, or the one state dict of a dict such as ``{"epoch": ...,
          "model_state_dict": ...}``): loaded with ``weights_only=True`` into
          ``model_factory()``. Keys that fit the module once one prefix is removed (``model.``
          of a LightningModule, ``module.`` of DataParallel, ``_orig_mod.`` of
          ``torch.compile``), or added, are renamed with a warning; a module built on the meta
          device takes the file's tensors (``assign=True``);
        - ONNX (``.onnx``) or an ``onnx.ModelProto``: converted with ``onnx2pytorch``;
        - Keras (a live model, ``.keras``/``.h5``): exported with ``tf2onnx``, then converted;
        - a whole pickled module: only with ``trust_pickle=True``, since unpickling runs code
          from the file;
        - a fitted scikit-learn/aeon classifier: ``.skops`` (skops' secure format; types skops
          does not trust are listed and need ``trust_pickle=True``), ``.joblib``/``.pkl`` only
          with ``trust_pickle=True``; returned as an :class:`~freqxai.adapters.EstimatorModel`
          (forward-only: FreqRISE and the references explain it).

        Graphs exported for a fixed batch size are wrapped in :class:`FixedBatch` (with a
        warning): they run that many inputs at a time.
    channels_last : bool, optional
        The model reads ``(batch, time, channels)`` (or ``(batch, time)``): wrap it in
        :class:`ChannelsLast`. Default: True for Keras models (Keras' convention), False otherwise.
        A model that turns out to read ``(batch, channels, time)`` is refused on its first call.
    model_factory : str or callable, optional
        Builds the module a state dict is loaded into: a callable, or ``"package.module:Name"``
        (a class or function, called without arguments; the way Lightning's CLI names classes).
    trust_pickle : bool
        Allow a file that holds a pickled module (it can run arbitrary code when loaded).

    Raises
    ------
    ImportError
        Naming the extra to install when a converter is missing.
    RuntimeError
        When TensorFlow was imported before freqxai and loading the converter would crash the
        interpreter (TensorFlow >= 2.20 with triton installed; import freqxai first).
    ValueError
        For a pickled module without ``trust_pickle``, a state dict without ``model_factory``,
        weights that do not fit the factory's module, an unreadable file (named, with the format
        expected), or a model whose weights are on the meta device.
    TypeError
        For anything else.

    Examples
    --------
    Models saved in a file, by what the file holds (written here to the working folder):

    >>> import torch
    >>> from freqxai import load_model
    >>> def make_net():
    ...     return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2))
    >>> net = make_net()
    >>> torch.jit.save(torch.jit.script(net), "model.ts")         # TorchScript
    >>> load_model("model.ts")(torch.randn(4, 1, 256)).shape
    torch.Size([4, 2])
    >>> torch.save(net.state_dict(), "weights.pt")                # a state dict
    >>> model = load_model("weights.pt", model_factory=make_net)
    >>> torch.equal(model[1].weight, net[1].weight)
    True
    """
    if channels_last is not None and not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True, False or None, got {channels_last!r}")
    if not isinstance(trust_pickle, bool):
        raise TypeError(f"trust_pickle must be True or False, got {trust_pickle!r}")
    if isinstance(model, str | Path):
        path = Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {model}")
        if path.suffix.lower() in _ESTIMATOR_SUFFIXES:
            _refuse_factory(model_factory, path, "a scikit-learn/aeon classifier "
                            f"({path.suffix.lower()})")
            return _load_estimator(path, trust_pickle)
        kind = _file_format(path)
        if kind != "torch":
            _refuse_factory(model_factory, path, _DESCRIPTION[kind])
        if kind == "Keras":
            return _from_keras(path, True if channels_last is None else channels_last)
        module, declared = _load_file(path, kind, model_factory, trust_pickle)
        source = str(path)
    elif _is_keras(model):
        return _from_keras(model, True if channels_last is None else channels_last)
    else:
        module, declared = _load(model)
        source = "the model"
    _refuse_meta(module, source)
    return ChannelsLast(module, input_shape=declared) if channels_last else module


def _load_file(path: Path, kind: str, model_factory: Any, trust_pickle: bool
               ) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """The module in ``path`` (which holds ``kind``) and the input shape it declares."""
    if kind == "ONNX":
        try:
            import onnx
        except ImportError as err:
            raise ImportError(_ONNX_HINT) from err
        try:
            proto = onnx.load(str(path))
        except Exception as err:  # protobuf's DecodeError, a missing external-data file
            raise ValueError(f"cannot read {path} as an ONNX model ({type(err).__name__}: "
                             f"{_one_line(err)}); expected an ONNX ModelProto, as written by "
                             "torch.onnx.export or onnx.save") from err
        return _from_onnx_proto(proto, str(path))
    if kind == "torch.export":
        try:
            program = torch.export.load(str(path))
        except Exception as err:  # torch raises many types for a bad archive
            raise ValueError(f"{path} is not a torch.export program: {err}") from err
        return _from_exported(program.module(), str(path))
    if kind == "TorchScript":
        try:
            return torch.jit.load(str(path), map_location="cpu").eval(), None
        except Exception as err:
            raise ValueError(f"cannot load {path} as TorchScript: {_one_line(err)}") from err
    return _from_torch_file(path, model_factory, trust_pickle), None


def _load(model: Any) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """A module from a live object: a module, an exported program or an ONNX ModelProto (an
    estimator becomes an :class:`~freqxai.adapters.EstimatorModel`)."""
    if is_estimator(model):
        return as_model(model), None
    if isinstance(model, nn.Module):
        if _export_input_shape(model):
            return _from_exported(model, "the torch.export graph")
        return model, None
    if isinstance(model, getattr(torch.export, "ExportedProgram", ())):
        return _from_exported(model.module(), "the exported program")
    if type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx"):
        return _from_onnx_proto(model)
    raise TypeError(
        f"cannot load a model of type {type(model).__name__}: give a torch.nn.Module, a model "
        "file, a torch.export.ExportedProgram, an onnx.ModelProto or a Keras model"
    )

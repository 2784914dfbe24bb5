"""Load models from elsewhere as ``torch.nn.Module``: torch as is, ONNX and Keras converted.

ONNX graphs are converted with ``onnx2pytorch`` (0.6.0, 2026). ``onnx2torch`` (1.5.15, last
released 2024) was tried on exports of today's ``torch.onnx.export`` and fails on opset 18/19
operators (``Constant``, ``ReduceMean``); ``onnx2pytorch`` converts both the TorchScript and the
dynamo exports, with gradients, which FLEX and the gradient baselines need. Keras models go
through ``tf2onnx`` first; they are channels-last by Keras' convention, so the returned module is
wrapped to take freqxai's ``(batch, channels, time)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from ._compat import TRITON_AFTER_TENSORFLOW, triton_import_would_crash

__all__ = ["ChannelsLast", "load_model"]

_ONNX_HINT = 'ONNX models need the "onnx" extra: pip install "freqxai[onnx]"'
_KERAS_HINT = 'Keras models need the "keras" extra: pip install "freqxai[keras]"'


class ChannelsLast(nn.Module):
    """Runs a model that reads ``(batch, time, channels)`` (Keras' default) or ``(batch, time)``
    on freqxai's ``(batch, channels, time)``.

    Parameters
    ----------
    model : nn.Module
        The channels-last model.
    squeeze : bool
        The model reads ``(batch, time)``: inputs must have one channel, which is dropped.
    """

    def __init__(self, model: nn.Module, squeeze: bool = False) -> None:
        super().__init__()
        self.model = model
        self.squeeze = squeeze
        self.train(model.training)

    def forward(self, x, *args, **kwargs):
        if x.dim() != 3:
            raise ValueError(f"inputs must be (batch, channels, time), got shape {tuple(x.shape)}")
        if self.squeeze:
            if x.shape[1] != 1:
                raise ValueError(
                    f"the model reads (batch, time): give inputs with one channel, got {x.shape[1]}"
                )
            return self.model(x[:, 0], *args, **kwargs)
        return self.model(x.transpose(1, 2), *args, **kwargs)


class GlobalAvgPool(nn.AdaptiveAvgPool1d):
    """Mean over every axis after the channel axis, kept as size 1 (ONNX ``GlobalAveragePool``).

    A subclass of :class:`torch.nn.AdaptiveAvgPool1d`, so Zennit's composites give it their
    average-pooling rule; onnx2pytorch's own module has none (LRP was 34 % off through it).
    """

    def __init__(self) -> None:
        super().__init__(1)

    def forward(self, x):
        flat = super().forward(x.flatten(2))
        return flat.reshape(*x.shape[:2], *([1] * (x.dim() - 2)))


# onnx2pytorch module class name -> torch equivalent that LRP rules know
_ONNX_EQUIVALENTS = {"GlobalAveragePool": GlobalAvgPool}


def _torch_equivalents(module: nn.Module) -> nn.Module:
    """Replace the onnx2pytorch modules of ``_ONNX_EQUIVALENTS`` by their torch equivalents."""
    for name, child in list(module.named_children()):
        cls = type(child)
        if cls.__module__.startswith("onnx2pytorch") and cls.__name__ in _ONNX_EQUIVALENTS:
            setattr(module, name, _ONNX_EQUIVALENTS[cls.__name__]())
        else:
            _torch_equivalents(child)
    return module


def _from_onnx_proto(proto: Any) -> nn.Module:
    if triton_import_would_crash():
        raise RuntimeError(TRITON_AFTER_TENSORFLOW)
    try:
        from onnx2pytorch import ConvertModel
    except ImportError as err:
        raise ImportError(_ONNX_HINT) from err
    return _torch_equivalents(ConvertModel(proto, experimental=False)).eval()


def _is_keras(model: Any) -> bool:
    mod = type(model).__module__
    return mod.startswith(("keras", "tensorflow", "tf_keras"))


def load_model(model: str | Path | Any, channels_last: bool | None = None) -> nn.Module:
    """Return a ``torch.nn.Module`` for ``model`` that reads ``(batch, channels, time)``.

    Parameters
    ----------
    model : nn.Module, str, Path, onnx.ModelProto or keras.Model
        A torch module is returned unchanged. A path to an ``.onnx`` file or an ``onnx.ModelProto``
        is converted with ``onnx2pytorch``; a Keras model (or a ``.keras``/``.h5`` file) is
        exported with ``tf2onnx`` and then converted. A path to a ``.pt``/``.pth`` file must hold
        a whole pickled module (use ``torch.load`` with your class for state dicts).
    channels_last : bool, optional
        The model reads ``(batch, time, channels)`` (or ``(batch, time)``): wrap it in
        :class:`ChannelsLast`. Default: True for Keras models (Keras' convention), False otherwise.

    Raises
    ------
    ImportError
        Naming the extra to install when a converter is missing.
    RuntimeError
        When TensorFlow was imported before freqxai and loading the converter would crash the
        interpreter (TensorFlow >= 2.20 with triton installed; import freqxai first).
    TypeError
        For anything else.
    """
    if channels_last is not None and not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True, False or None, got {channels_last!r}")
    if isinstance(model, str | Path) and not Path(model).is_file():
        raise FileNotFoundError(f"model file not found: {model}")
    if _is_keras(model) or (isinstance(model, str | Path)
                            and Path(model).suffix.lower() in (".keras", ".h5")):
        return _from_keras(model, True if channels_last is None else channels_last)
    module = _load(model)
    return ChannelsLast(module) if channels_last else module


def _from_keras(model: Any, channels_last: bool) -> nn.Module:
    try:
        import tensorflow as tf
        import tf2onnx
    except ImportError as err:
        raise ImportError(_KERAS_HINT) from err
    if isinstance(model, str | Path):
        model = tf.keras.models.load_model(str(model), compile=False)
    shape = tuple(model.inputs[0].shape)
    if len(shape) not in (2, 3):
        raise ValueError(
            f"the Keras model reads inputs of shape {shape}; expected (batch, time, channels) or "
            "(batch, time)"
        )
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=13)
    module = _from_onnx_proto(proto)
    if not channels_last:
        return module
    return ChannelsLast(module, squeeze=len(shape) == 2)


def _load(model: Any) -> nn.Module:
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, str | Path):
        path = Path(model)
        if path.suffix.lower() == ".onnx":
            try:
                import onnx
            except ImportError as err:
                raise ImportError(_ONNX_HINT) from err
            return _from_onnx_proto(onnx.load(str(path)))
        if path.suffix.lower() in (".pt", ".pth"):
            import torch

            obj = torch.load(path, map_location="cpu", weights_only=False)
            if isinstance(obj, nn.Module):
                return obj.eval()
            raise TypeError(
                f"{path} holds a {type(obj).__name__}, not a module; build your model and call "
                "model.load_state_dict(torch.load(path)) (freqxai.models.load_synth_mlp loads the "
                "paper's MLP)"
            )
        raise TypeError(
            f"unsupported model file {path.name!r}: expected .onnx, .pt, .pth, .keras or .h5"
        )
    if type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx"):
        return _from_onnx_proto(model)
    raise TypeError(
        f"cannot load a model of type {type(model).__name__}: give a torch.nn.Module, an .onnx "
        "path, an onnx.ModelProto or a Keras model"
    )

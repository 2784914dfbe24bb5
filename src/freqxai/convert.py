"""Load models from elsewhere as ``torch.nn.Module``: torch as is, ONNX and Keras converted.

ONNX graphs are converted with ``onnx2pytorch`` (0.6.0, 2026). ``onnx2torch`` (1.5.15, last
released 2024) was tried on exports of today's ``torch.onnx.export`` and fails on opset 18/19
operators (``Constant``, ``ReduceMean``); ``onnx2pytorch`` converts both the TorchScript and the
dynamo exports, with gradients, which FLEX and the gradient baselines need. Keras models go
through ``tf2onnx`` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

__all__ = ["load_model"]

_ONNX_HINT = 'ONNX models need the "onnx" extra: pip install "freqxai[onnx]"'
_KERAS_HINT = 'Keras models need the "keras" extra: pip install "freqxai[keras]"'


def _from_onnx_proto(proto: Any) -> nn.Module:
    try:
        from onnx2pytorch import ConvertModel
    except ImportError as err:
        raise ImportError(_ONNX_HINT) from err
    return ConvertModel(proto, experimental=False).eval()


def _is_keras(model: Any) -> bool:
    mod = type(model).__module__
    return mod.startswith(("keras", "tensorflow", "tf_keras"))


def load_model(model: str | Path | Any) -> nn.Module:
    """Return a ``torch.nn.Module`` for ``model``.

    Parameters
    ----------
    model : nn.Module, str, Path, onnx.ModelProto or keras.Model
        A torch module is returned unchanged. A path to an ``.onnx`` file or an ``onnx.ModelProto``
        is converted with ``onnx2pytorch``; a Keras model is exported with ``tf2onnx`` and then
        converted. A path to a ``.pt``/``.pth`` file must hold a whole pickled module (use
        ``torch.load`` with your class for state dicts).

    Raises
    ------
    ImportError
        Naming the extra to install when a converter is missing.
    TypeError
        For anything else.
    """
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, str | Path):
        path = Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
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
        raise TypeError(f"unsupported model file {path.name!r}: expected .onnx, .pt or .pth")
    if type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx"):
        return _from_onnx_proto(model)
    if _is_keras(model):
        try:
            import tensorflow as tf
            import tf2onnx
        except ImportError as err:
            raise ImportError(_KERAS_HINT) from err
        spec = (tf.TensorSpec(model.inputs[0].shape, tf.float32, name="input"),)
        proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=13)
        return _from_onnx_proto(proto)
    raise TypeError(
        f"cannot load a model of type {type(model).__name__}: give a torch.nn.Module, an .onnx "
        "path, an onnx.ModelProto or a Keras model"
    )

"""Keras models (a live model, ``.keras``/``.h5``): exported with ``tf2onnx``, then converted as
ONNX. They are channels-last by Keras' convention, so the returned module is wrapped in
:class:`~freqxai.adapters.ChannelsLast` to take freqxai's ``(batch, channels, time)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from ..wrappers import ChannelsLast
from .onnx import _from_onnx_proto

_KERAS_HINT = 'Keras models need the "keras" extra: pip install "freqxai[keras]"'


def _is_keras(model: Any) -> bool:
    mod = type(model).__module__
    return mod.startswith(("keras", "tensorflow", "tf_keras"))


def _from_keras(model: Any, channels_last: bool) -> nn.Module:
    try:
        import tensorflow as tf
        import tf2onnx
    except ImportError as err:
        raise ImportError(_KERAS_HINT) from err
    source = str(model) if isinstance(model, str | Path) else "the Keras model"
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
    module, declared = _from_onnx_proto(proto, source)
    if not channels_last:
        return module
    return ChannelsLast(module, squeeze=len(shape) == 2, input_shape=declared)

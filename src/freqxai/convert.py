"""Load models from elsewhere as ``torch.nn.Module``: torch as is, ONNX and Keras converted.

ONNX graphs are converted with ``onnx2pytorch`` (0.6.0, 2026). ``onnx2torch`` (1.5.15, last
released 2024) was tried on exports of today's ``torch.onnx.export`` and fails on opset 18/19
operators (``Constant``, ``ReduceMean``); ``onnx2pytorch`` converts both the TorchScript and the
dynamo exports, with gradients, which FLEX and the gradient baselines need. Keras models go
through ``tf2onnx`` first; they are channels-last by Keras' convention, so the returned module is
wrapped to take freqxai's ``(batch, channels, time)``.
"""

from __future__ import annotations

from collections.abc import Callable
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


def load_model(model: str | Path | Any, channels_last: bool | None = None, *,
               model_factory: str | Callable[[], nn.Module] | None = None,
               trust_pickle: bool = False) -> nn.Module:
    """Return a ``torch.nn.Module`` for ``model`` that reads ``(batch, channels, time)``.

    Parameters
    ----------
    model : nn.Module, str, Path, onnx.ModelProto or keras.Model
        A torch module is returned unchanged. Files, by what they hold:

        - TorchScript (``torch.jit.save``; any suffix): loaded with ``torch.jit.load``;
        - a ``torch.export`` program (``.pt2``): ``torch.export.load(...).module()``;
        - a state dict (``.pt``/``.pth``): loaded with ``weights_only=True`` into
          ``model_factory()``;
        - ONNX (``.onnx``) or an ``onnx.ModelProto``: converted with ``onnx2pytorch``;
        - Keras (a live model, ``.keras``/``.h5``): exported with ``tf2onnx``, then converted;
        - a whole pickled module: only with ``trust_pickle=True``, since unpickling runs code
          from the file.
    channels_last : bool, optional
        The model reads ``(batch, time, channels)`` (or ``(batch, time)``): wrap it in
        :class:`ChannelsLast`. Default: True for Keras models (Keras' convention), False otherwise.
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
        weights that do not fit the factory's module, or an unreadable file.
    TypeError
        For anything else.
    """
    if channels_last is not None and not isinstance(channels_last, bool):
        raise TypeError(f"channels_last must be True, False or None, got {channels_last!r}")
    if not isinstance(trust_pickle, bool):
        raise TypeError(f"trust_pickle must be True or False, got {trust_pickle!r}")
    if isinstance(model, str | Path) and not Path(model).is_file():
        raise FileNotFoundError(f"model file not found: {model}")
    if _is_keras(model) or (isinstance(model, str | Path)
                            and Path(model).suffix.lower() in (".keras", ".h5")):
        return _from_keras(model, True if channels_last is None else channels_last)
    module = _load(model, model_factory, trust_pickle)
    return ChannelsLast(module) if channels_last else module


def resolve_factory(spec: str | Callable[[], nn.Module]) -> Callable[[], nn.Module]:
    """A callable from ``"package.module:Name"`` (imported from an installed package or the
    working directory) or a callable passed through."""
    if callable(spec):
        return spec
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise ValueError(f"model_factory must be 'package.module:Name' or a callable, got {spec!r}")
    import importlib
    import sys

    module_name, attr = spec.split(":")
    if "" not in sys.path and "." not in sys.path:
        sys.path.append(".")  # the user's own module in the working directory, as `python -m`
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"cannot import {spec!r}: {err}") from err
    if not callable(obj):
        raise ValueError(f"{spec!r} is not a class or function")
    return obj


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


def _is_torchscript(path: Path) -> bool:
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(n.endswith(("constants.pkl", "/code/__torch__.py")) or "/code/" in n
                   for n in z.namelist())


def _load(model: Any, model_factory: Any = None, trust_pickle: bool = False) -> nn.Module:
    if isinstance(model, nn.Module):
        return model
    if isinstance(model, str | Path):
        import torch

        path = Path(model)
        suffix = path.suffix.lower()
        if suffix == ".onnx":
            try:
                import onnx
            except ImportError as err:
                raise ImportError(_ONNX_HINT) from err
            return _from_onnx_proto(onnx.load(str(path)))
        if suffix == ".pt2":
            try:
                return torch.export.load(str(path)).module()
            except Exception as err:  # torch raises many types for a bad archive
                raise ValueError(f"{path} is not a torch.export program: {err}") from err
        if _is_torchscript(path):
            return torch.jit.load(str(path), map_location="cpu").eval()
        if suffix in (".pt", ".pth", ".ckpt", ".bin"):
            return _from_torch_file(path, model_factory, trust_pickle)
        raise TypeError(
            f"unsupported model file {path.name!r}: expected TorchScript, .pt2, a .pt/.pth state "
            "dict, .onnx, .keras or .h5"
        )
    if type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx"):
        return _from_onnx_proto(model)
    raise TypeError(
        f"cannot load a model of type {type(model).__name__}: give a torch.nn.Module, an .onnx "
        "path, an onnx.ModelProto or a Keras model"
    )


def _from_torch_file(path: Path, model_factory: Any, trust_pickle: bool) -> nn.Module:
    """A state dict (``weights_only=True``) into ``model_factory()``, or a pickled module only
    with ``trust_pickle``."""
    import pickle

    import torch

    if trust_pickle:
        obj = torch.load(path, map_location="cpu", weights_only=False)  # the user's opt-in
    else:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as err:
            # torch words every refusal alike; a refused global is a pickled object, anything
            # else (an unknown opcode, a truncated stream) an unreadable file
            if "global" not in str(err).lower():
                raise ValueError(f"{path} is not a readable torch file (not a state dict, "
                                 "TorchScript or torch.export archive)") from err
            raise ValueError(
                f"{path} holds a pickled Python object (e.g. a whole module); loading it runs code "
                "from the file. If you trust the file, pass trust_pickle=True (--trust-pickle); "
                "better, save model.state_dict() and give the class (--model-factory "
                "package.module:Name), or save TorchScript / torch.export"
            ) from err
        except (RuntimeError, EOFError, OSError) as err:
            raise ValueError(f"{path} is not a readable torch file: {err}") from err
    if isinstance(obj, nn.Module):
        return obj.eval()
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]  # a Lightning checkpoint
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f"{path} holds a {type(obj).__name__}, not a state dict or a module")
    if model_factory is None:
        raise ValueError(f"{path} holds a state dict: give the module to load it into with "
                         "model_factory='package.module:Name' (--model-factory)")
    module = resolve_factory(model_factory)()
    if not isinstance(module, nn.Module):
        raise ValueError(f"model_factory returned a {type(module).__name__}, not an nn.Module")
    try:
        module.load_state_dict(obj)
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0]
        raise ValueError(f"the weights in {path} do not fit {type(module).__name__}: {first}") from err
    return module.eval()

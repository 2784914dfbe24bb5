"""Load models from elsewhere as ``torch.nn.Module``: torch as is, ONNX and Keras converted.

ONNX graphs are converted with ``onnx2pytorch`` (0.6.0, 2026). ``onnx2torch`` (1.5.15, last
released 2024) was tried on exports of today's ``torch.onnx.export`` and fails on opset 18/19
operators (``Constant``, ``ReduceMean``); ``onnx2pytorch`` converts both the TorchScript and the
dynamo exports, with gradients, which FLEX and the gradient baselines need. Keras models go
through ``tf2onnx`` first; they are channels-last by Keras' convention, so the returned module is
wrapped to take freqxai's ``(batch, channels, time)``.

A file's format is read from its content (zip members, ONNX's protobuf header, HDF5's and pickle's
magic bytes); its extension decides only when the content is not recognised, and a file whose
content and extension disagree (TorchScript named ``.onnx``) is loaded as what it holds, with a
warning naming both. Graphs exported for a fixed batch size (``torch.export`` without a dynamic
batch, ONNX with a number as the first input dimension) are wrapped in :class:`FixedBatch`, which
feeds them that many inputs at a time.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ._checks import check_bool, check_positive_int
from ._compat import TRITON_AFTER_TENSORFLOW, triton_import_would_crash

__all__ = ["ChannelsLast", "FixedBatch", "load_model"]

_ONNX_HINT = 'ONNX models need the "onnx" extra: pip install "freqxai[onnx]"'
_KERAS_HINT = 'Keras models need the "keras" extra: pip install "freqxai[keras]"'


class ChannelsLast(nn.Module):
    """Runs a model that reads ``(batch, time, channels)`` (Keras' default) or ``(batch, time)``
    on freqxai's ``(batch, channels, time)``.

    A model that in fact reads ``(batch, channels, time)`` is refused with a ``ValueError``
    naming ``channels_last`` on its first call: when its declared ``input_shape`` matches the
    untransposed signals only, or when it fails (or returns another batch size) on the transposed
    signals and runs on the untransposed ones. A model that runs on both layouts (a flattening
    one whose ``time x channels`` equals ``channels x time``) cannot be told apart without
    ``input_shape``.

    Parameters
    ----------
    model : nn.Module
        The channels-last model.
    squeeze : bool
        The model reads ``(batch, time)``: inputs must have one channel, which is dropped.
    input_shape : tuple of int or None, optional
        The input shape the model declares after the batch axis (ONNX and Keras models state it;
        None for a free axis).
    """

    def __init__(self, model: nn.Module, squeeze: bool = False, *,
                 input_shape: tuple[int | None, ...] | None = None) -> None:
        super().__init__()
        _check_wrapped(model, "ChannelsLast", "(batch, time, channels) or (batch, time)")
        self.model = model
        self.squeeze = check_bool(squeeze, "squeeze")
        self.input_shape = _check_input_shape(input_shape)
        self.training = getattr(model, "training", False)

    def train(self, mode: bool = True) -> ChannelsLast:
        return _train(self, mode)

    def forward(self, x, *args, **kwargs):
        if x.dim() != 3:
            raise ValueError(f"inputs must be (batch, channels, time), got shape {tuple(x.shape)}")
        if self.squeeze:
            if x.shape[1] != 1:
                raise ValueError(
                    f"the model reads (batch, time): give inputs with one channel, got {x.shape[1]}"
                )
            return self.model(x[:, 0], *args, **kwargs)
        channels, length = x.shape[1], x.shape[2]
        declared = self.input_shape
        if (declared is not None and len(declared) == 2 and channels != length
                and _fits(declared, (channels, length)) and not _fits(declared, (length, channels))):
            raise ValueError(
                f"channels_last=True, but the model's declared input is (batch, "
                f"{', '.join('?' if d is None else str(d) for d in declared)}), which is (batch, "
                f"channels, time) for these {channels}-channel signals of length {length}; load "
                "it with channels_last=False"
            )
        try:
            out = self.model(x.transpose(1, 2), *args, **kwargs)
        except Exception as err:
            if self._reads_channels_first(x, args, kwargs):
                raise ValueError(self._wrong_layout(channels, length, "fails on")) from err
            raise
        if (isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] != x.shape[0]
                and self._reads_channels_first(x, args, kwargs)):
            raise ValueError(self._wrong_layout(channels, length,
                                                f"returns {out.shape[0]} outputs for {x.shape[0]} inputs on"))
        return out

    def _reads_channels_first(self, x, args, kwargs) -> bool:
        """Whether the model runs on the untransposed signals, one output per input."""
        try:
            with torch.no_grad():
                out = self.model(x, *args, **kwargs)
        except Exception:
            return False
        return isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] == x.shape[0]

    @staticmethod
    def _wrong_layout(channels: int, length: int, what: str) -> str:
        return (f"channels_last=True, but the model reads (batch, channels, time): it {what} the "
                f"transposed signals (batch, {length}, {channels}) and runs on (batch, {channels}, "
                f"{length}); load it with channels_last=False")


def _train(wrapper: nn.Module, mode: bool) -> nn.Module:
    """``nn.Module.train`` for a wrapper whose model may be a ``torch.export`` graph, which has
    no mode to set and raises NotImplementedError from ``train()`` and ``eval()``."""
    wrapper.training = mode
    if not isinstance(wrapper.model, nn.Module):  # a plain callable has no mode
        return wrapper
    try:
        wrapper.model.train(mode)
    except NotImplementedError:
        pass
    return wrapper


def _check_wrapped(model: Any, wrapper: str, reads: str) -> None:
    """Raise ``TypeError`` naming ``model`` unless it is a module or a callable."""
    if isinstance(model, type) or not callable(model):
        raise TypeError(f"model must be a torch.nn.Module (or a callable) reading {reads} "
                        f"inputs for {wrapper} to wrap, got "
                        f"{model.__name__ if isinstance(model, type) else type(model).__name__}"
                        f"{' (a class: build it first)' if isinstance(model, type) else ''}")


def _check_input_shape(input_shape: Any) -> tuple[int | None, ...] | None:
    """``input_shape`` as a tuple of sizes >= 1 or None (a free axis); None stays None."""
    if input_shape is None:
        return None
    if isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence | torch.Size):
        raise TypeError(f"input_shape must be None or a tuple of axis sizes after the batch axis "
                        f"(None for a free axis), e.g. (64, 3), got {input_shape!r:.60}")
    for d in input_shape:
        if d is not None:
            check_positive_int(d, f"every entry of input_shape {tuple(input_shape)!r:.60} (or None)")
    return tuple(None if d is None else int(d) for d in input_shape)


def _fits(declared: tuple[int | None, ...], shape: tuple[int, ...]) -> bool:
    """Whether ``shape`` matches ``declared`` (None matches any size)."""
    return len(declared) == len(shape) and all(
        d is None or d == s for d, s in zip(declared, shape, strict=True))


class FixedBatch(nn.Module):
    """Runs a graph exported for a fixed batch size on any batch, ``max_batch_size`` inputs at a
    time (the last piece padded with copies of its last input, whose outputs are dropped).

    Gradients flow through it, so gradient methods (FLEX, IG) work; it costs one model call per
    ``max_batch_size`` inputs. Only the first input is split; other arguments are passed as is.

    Parameters
    ----------
    model : nn.Module
        The graph that reads exactly ``max_batch_size`` inputs.
    max_batch_size : int
        The batch size the graph was exported for.
    input_shape : tuple of int or None, optional
        The shape of one input the graph reads (after the batch axis; None for a free axis):
        other shapes are refused with a ``ValueError`` naming both before the graph runs.
    """

    def __init__(self, model: nn.Module, max_batch_size: int, *,
                 input_shape: tuple[int | None, ...] | None = None) -> None:
        super().__init__()
        _check_wrapped(model, "FixedBatch", f"exactly {max_batch_size!r}")
        if isinstance(max_batch_size, bool) or not isinstance(max_batch_size, int) \
                or max_batch_size < 1:
            raise ValueError(f"max_batch_size must be a positive int, got {max_batch_size!r}")
        self.model = model
        self.max_batch_size = max_batch_size
        self.input_shape = _check_input_shape(input_shape)
        self.training = getattr(model, "training", False)

    def train(self, mode: bool = True) -> FixedBatch:
        return _train(self, mode)

    def forward(self, x, *args, **kwargs):
        n = self.max_batch_size
        if self.input_shape is not None and not _fits(self.input_shape, tuple(x.shape[1:])):
            declared = ", ".join("?" if d is None else str(d) for d in (n, *self.input_shape))
            raise ValueError(
                f"the model was exported for inputs of shape ({declared}) and cannot read "
                f"{tuple(x.shape)}: export it with dynamic axes (torch.export's dynamic_shapes)"
            )  # short: the runner shows the first 200 characters
        if x.shape[0] == n:
            return self.model(x, *args, **kwargs)
        if x.shape[0] == 0:
            return _take(self.model(x.new_zeros(n, *x.shape[1:]), *args, **kwargs), 0)
        outs = []
        for start in range(0, x.shape[0], n):  # the graph reads n inputs, no more, no fewer
            piece = x[start : start + n]
            k = piece.shape[0]
            if k < n:
                piece = torch.cat([piece, piece[-1:].detach().expand(n - k, *piece.shape[1:])])
            outs.append(_take(self.model(piece, *args, **kwargs), k))
        if isinstance(outs[0], torch.Tensor):
            return torch.cat(outs)
        return type(outs[0])(torch.cat(parts) for parts in zip(*outs, strict=True))


def _take(out: Any, k: int) -> Any:
    """The first ``k`` rows of a tensor output or of each tensor of a tuple/list output."""
    if isinstance(out, torch.Tensor):
        return out[:k]
    if isinstance(out, tuple | list) and all(isinstance(o, torch.Tensor) for o in out):
        return type(out)(o[:k] for o in out)
    raise TypeError(f"a fixed-batch model must return a tensor or a tuple of tensors to be split "
                    f"into batches, got {type(out).__name__}")


def _fixed_batch_warning(source: str, n: int) -> None:
    warnings.warn(
        f"{source} was exported for a fixed batch of {n}: it runs {n} input(s) at a time, "
        "which is slower; export it with a dynamic batch (torch.export.export(..., "
        "dynamic_shapes=...) or torch.onnx.export(..., dynamic_axes=...)) to run whole batches",
        UserWarning, stacklevel=5,
    )


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


def _onnx_input_shape(proto: Any) -> tuple[int | None, ...] | None:
    """The shape of the graph's one input (None for a named or unknown axis); None when the
    graph reads several inputs or states no shape."""
    initialized = {t.name for t in proto.graph.initializer}  # old exports list weights as inputs
    inputs = [i for i in proto.graph.input if i.name not in initialized]
    if len(inputs) != 1 or not inputs[0].type.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in inputs[0].type.tensor_type.shape.dim)


def _batch_is_free(module: nn.Module, shape: tuple[int | None, ...], n: int) -> bool:
    """Whether ``module``, declared for a batch of ``n``, gives on ``n + 1`` inputs what it gives
    ``n`` at a time (onnx2pytorch often ignores the declared batch; a constant reshape does not)."""
    if any(d is None for d in shape):
        return False  # nothing to try it on: treat the batch as fixed
    x = torch.randn((n + 1, *shape), generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad():
            whole, pieces = module(x), FixedBatch(module, n)(x)
    except Exception:  # fails on another batch size, or on its own: keep the declared batch
        return False
    return (isinstance(whole, torch.Tensor) and isinstance(pieces, torch.Tensor)
            and whole.shape == pieces.shape and torch.allclose(whole, pieces, rtol=1e-4, atol=1e-5))


def _from_onnx_proto(proto: Any, source: str = "the ONNX model"
                     ) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """The converted module (in :class:`FixedBatch` when the graph reads a fixed batch only) and
    the input shape the graph declares after the batch axis."""
    if triton_import_would_crash():
        raise RuntimeError(TRITON_AFTER_TENSORFLOW)
    try:
        from onnx2pytorch import ConvertModel
    except ImportError as err:
        raise ImportError(_ONNX_HINT) from err
    if not proto.graph.node or not proto.graph.output:
        raise ValueError(f"{source} is not an ONNX model: it holds no graph (expected an ONNX "
                         "ModelProto, as written by torch.onnx.export or onnx.save)")
    try:
        module = _torch_equivalents(ConvertModel(proto, experimental=False)).eval()
    except Exception as err:  # an operator onnx2pytorch lacks, a malformed graph
        raise ValueError(f"onnx2pytorch cannot convert {source}: {type(err).__name__}: "
                         f"{_one_line(err)}") from err
    shape = _onnx_input_shape(proto)
    if not shape:
        return module, None
    if shape[0] is not None and not _batch_is_free(module, shape[1:], shape[0]):
        _fixed_batch_warning(source, shape[0])
        module = FixedBatch(module, shape[0])  # onnx2pytorch may read other lengths: no check
    return module, shape[1:]


def _export_input_shape(module: nn.Module) -> tuple[int | None, ...] | None:
    """The input shape a ``torch.export`` graph was traced with (None for a dynamic axis); None
    for other modules and graphs with several inputs."""
    if not isinstance(module, torch.fx.GraphModule):
        return None
    inputs = [node for node in module.graph.nodes if node.op == "placeholder"]
    value = inputs[0].meta.get("val") if len(inputs) == 1 else None
    if not isinstance(value, torch.Tensor) or value.dim() == 0:
        return None
    return tuple(d if isinstance(d, int) else None for d in value.shape)


def _from_exported(module: nn.Module, source: str
                   ) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """A ``torch.export`` graph, in :class:`FixedBatch` when its batch is static (its guards
    refuse every other batch size: 'Guard failed: x.size()[0] == 1')."""
    shape = _export_input_shape(module)
    if not shape:
        return module, None
    if shape[0] is not None:
        _fixed_batch_warning(source, shape[0])
        module = FixedBatch(module, shape[0], input_shape=shape[1:])
    return module, shape[1:]


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return "; ".join(lines)[:300] or type(err).__name__


def _is_keras(model: Any) -> bool:
    mod = type(model).__module__
    return mod.startswith(("keras", "tensorflow", "tf_keras"))


def _refuse_meta(module: nn.Module, source: str) -> None:
    """Raise when ``module`` holds tensors on the meta device (shapes without values)."""
    import itertools

    names = [name for name, t in itertools.chain(module.named_parameters(),
                                                 module.named_buffers()) if t.is_meta]
    if names:
        raise ValueError(
            f"{source} has {len(names)} parameter(s) or buffer(s) on the meta device "
            f"({_few(names)}): its weights were never materialised, so its outputs would mean "
            "nothing. Load its weights first: model.load_state_dict(state_dict, assign=True), or "
            "model.to_empty(device='cpu') and then model.load_state_dict(state_dict)"
        )


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


def _refuse_factory(model_factory: Any, path: Path, what: str) -> None:
    """Raise ``ValueError`` when ``model_factory`` is given for a file that is not a state dict
    (it would be ignored)."""
    if model_factory is not None:
        raise ValueError(
            f"model_factory (--model-factory) builds the module a state dict is loaded into, but "
            f"{path} holds {what}, which is loaded as it is: the factory would be ignored; "
            "remove --model-factory (model_factory=None)")


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


# The formats of model files, by what the extension claims.
_BY_SUFFIX = {".onnx": "ONNX", ".pt2": "torch.export", ".pt": "torch", ".pth": "torch",
              ".ckpt": "torch", ".bin": "torch", ".keras": "Keras", ".h5": "Keras"}
# What each claim admits without a warning: torch's own formats share .pt/.pth.
_ADMITS = {"torch": {"torch", "TorchScript", "torch.export"}}
_DESCRIPTION = {"ONNX": "an ONNX model", "torch.export": "a torch.export program",
                "TorchScript": "TorchScript", "torch": "a torch.save file (state dict or pickle)",
                "Keras": "a Keras model"}
_SUFFIX_FOR = {"ONNX": ".onnx", "torch.export": ".pt2", "TorchScript": ".pt", "torch": ".pt",
               "Keras": ".keras"}


def _sniff(path: Path) -> str | None:
    """The format of a model file by its content: 'ONNX', 'TorchScript', 'torch.export',
    'torch' (``torch.save``: a state dict or a pickle), 'Keras', or None when not recognised."""
    import zipfile

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "Keras"  # HDF5, Keras' .h5 format
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError):
            return None
        inner = {n.split("/", 1)[-1] for n in names}  # torch's archives hold one top folder
        if "constants.pkl" in inner or any(n.startswith("code/") for n in inner):
            return "TorchScript"
        if inner & {"archive_format", "serialized_exported_program.json"} \
                or any(n.startswith("models/") and n.endswith(".json") for n in inner):
            return "torch.export"
        if "data.pkl" in inner:
            return "torch"
        if "config.json" in inner and inner & {"metadata.json", "model.weights.h5"}:
            return "Keras"
        return None
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "torch"  # a pickle: torch.save's legacy format
    if len(head) >= 2 and head[0] == 0x08 and 0 < head[1] < 0x80:
        return "ONNX"  # protobuf field 1 (ir_version), which ONNX writers put first
    return None


def _file_format(path: Path) -> str:
    """The format ``path`` holds, warning when its extension claims another one."""
    suffix = path.suffix.lower()
    claimed = _BY_SUFFIX.get(suffix)
    found = _sniff(path)
    if found is None and claimed is None:
        raise TypeError(
            f"unsupported model file {path.name!r}: its content is none of TorchScript, a "
            "torch.export program, a torch.save state dict, ONNX or Keras, and its extension "
            "names none of .pt/.pth/.ckpt, .pt2, .onnx, .keras, .h5"
        )
    if found is not None and claimed is not None and found not in _ADMITS.get(claimed, {claimed}):
        warnings.warn(
            f"{path.name} holds {_DESCRIPTION[found]} by its content, not {_DESCRIPTION[claimed]} "
            f"as its extension {suffix!r} says: loading it as {found}; rename it to "
            f"{path.stem}{_SUFFIX_FOR[found]} to silence this warning",
            UserWarning, stacklevel=3,
        )
    return found or claimed


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


_ESTIMATOR_SUFFIXES = (".skops", ".joblib", ".pkl", ".pickle")


def _load_estimator(path: Path, trust_pickle: bool) -> nn.Module:
    """A fitted scikit-learn/aeon classifier from ``path``, as an
    :class:`~freqxai.adapters.EstimatorModel`.

    ``.skops`` files (skops' secure format) load without running code when every type they hold
    is one skops trusts; others are listed and loaded only with ``trust_pickle=True`` (after the
    user checked them). ``.joblib``/``.pkl`` are pickles: loaded only with ``trust_pickle=True``.
    """
    from .adapters import EstimatorModel, is_estimator

    if path.suffix.lower() == ".skops":
        try:
            import skops.io as sio
        except ImportError as err:
            raise ImportError("reading .skops files needs skops: pip install 'freqxai[sklearn]'"
                              ) from err
        try:
            untrusted = sio.get_untrusted_types(file=path)
        except Exception as err:  # not a skops archive
            raise ValueError(f"cannot read {path} as a skops file ({type(err).__name__}: "
                             f"{_one_line(err)}); expected a file written by skops.io.dump") from err
        if untrusted and not trust_pickle:
            raise ValueError(
                f"{path} holds types skops does not trust by default: {', '.join(untrusted[:8])}"
                f"{' ...' if len(untrusted) > 8 else ''}; loading them can run their code. Check "
                "them (skops.io.get_untrusted_types) and rerun with --trust-pickle "
                "(trust_pickle=True) to load them")
        estimator = sio.load(path, trusted=untrusted or None)
    else:
        if not trust_pickle:
            raise ValueError(
                f"{path} is a pickle ({path.suffix}): loading it runs code from the file. Save the "
                "classifier with skops (skops.io.dump(clf, 'clf.skops')), or rerun with "
                "--trust-pickle (trust_pickle=True) if you trust the file")
        import pickle

        try:
            import joblib

            estimator = joblib.load(path)
        except ImportError:
            with open(path, "rb") as fh:
                estimator = pickle.load(fh)  # trusted by the caller (trust_pickle=True)
    if not is_estimator(estimator):
        raise TypeError(f"{path} holds a {type(estimator).__name__}, not a fitted classifier with "
                        "predict_proba or decision_function")
    return EstimatorModel(estimator)


def _load(model: Any) -> tuple[nn.Module, tuple[int | None, ...] | None]:
    """A module from a live object: a module, an exported program or an ONNX ModelProto (an
    estimator becomes an :class:`~freqxai.adapters.EstimatorModel`)."""
    from .adapters import as_model, is_estimator

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


def _from_torch_file(path: Path, model_factory: Any, trust_pickle: bool) -> nn.Module:
    """A state dict (``weights_only=True``) into ``model_factory()``, or a pickled module only
    with ``trust_pickle``."""
    import pickle

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
        _refuse_factory(model_factory, path, f"a whole pickled module ({type(obj).__name__})")
        return obj.eval()
    state = _state_dict_in(obj, path)
    if model_factory is None:
        raise ValueError(f"{path} holds a state dict: give the module to load it into with "
                         "model_factory='package.module:Name' (--model-factory)")
    module = resolve_factory(model_factory)()
    if not isinstance(module, nn.Module):
        raise ValueError(f"model_factory returned a {type(module).__name__}, not an nn.Module")
    state = _fit_keys(state, module, path)
    # a module built on the meta device has no storage to copy into: it takes the file's tensors
    on_meta = any(t.is_meta for t in module.state_dict().values())
    try:
        module.load_state_dict(state, assign=on_meta)
    except RuntimeError as err:
        raise ValueError(f"the weights in {path} do not fit {type(module).__name__}: "
                         f"{_one_line(err)}") from err
    return module.eval()


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values())


def _state_dict_in(obj: Any, path: Path) -> dict:
    """The state dict ``obj`` is, or the one it holds (Lightning's ``state_dict``, or the only
    state dict of a checkpoint dict)."""
    if _is_state_dict(obj):
        return obj
    if isinstance(obj, dict):
        if _is_state_dict(obj.get("state_dict")) and obj["state_dict"]:
            return obj["state_dict"]  # a Lightning checkpoint
        # (a tensor has no truth value: test the entries' type and size, never `if v`)
        nested = [k for k, v in obj.items() if _is_state_dict(v) and len(v) > 0]
        if len(nested) == 1:
            return obj[nested[0]]  # {"epoch": 3, "model_state_dict": {...}, "optimizer": ...}
        if nested:
            raise ValueError(f"{path} holds several state dicts ({', '.join(map(repr, nested))}):"
                             " save the model's alone (torch.save(model.state_dict(), path))")
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:  # a state dict with bookkeeping beside the tensors ({"epoch": 3, ...})
            others = [str(k) for k in obj if k not in tensors]
            which = ("1 entry that is not a tensor" if len(others) == 1
                     else f"{len(others)} entries that are not tensors")
            warnings.warn(f"{path.name}: ignored {which} ({_few(others)}); loaded its "
                          f"{len(tensors)} tensors as the state dict", UserWarning, stacklevel=5)
            return tensors
    raise ValueError(f"{path} holds a {type(obj).__name__}, not a state dict or a module")


def _few(names: list[str], n: int = 3) -> str:
    shown = ", ".join(repr(x) for x in names[:n])
    return f"{shown} and {len(names) - n} more" if len(names) > n else shown


def _prefixes(longer: set[str], shorter: set[str]) -> list[str]:
    """The prefixes ``p`` (ending in '.') such that the keys of ``longer`` that start with ``p``,
    with ``p`` removed, are exactly ``shorter``."""
    if not shorter:
        return []
    probe = min(shorter)
    found: list[str] = []
    for key in sorted(longer):
        if key.endswith("." + probe):
            p = key[: len(key) - len(probe)]
            if p not in found and {k[len(p):] for k in longer if k.startswith(p)} == shorter:
                found.append(p)
    return found


def _fit_keys(state: dict, module: nn.Module, path: Path) -> dict:
    """``state`` with its keys fitted to ``module``'s: as they are, with one prefix removed or
    added (with a warning), else a ``ValueError`` listing what does not fit."""
    own = module.state_dict()
    want, have = set(own), set(state)
    name = type(module).__name__
    if have == want:
        return _check_shapes(state, own, path, name)
    strip = _prefixes(have, want)
    add = [p for p in _prefixes(want, have) if all(k.startswith(p) for k in want)]
    if len(strip) + len(add) > 1:
        raise ValueError(
            f"the weights in {path} fit {name} with any of the prefixes "
            f"{', '.join(map(repr, strip + add))} removed or added: save the state dict of the "
            "one submodule you mean (torch.save(model.<submodule>.state_dict(), path))"
        )
    if strip:
        p = strip[0]
        rest = sorted(k for k in have if not k.startswith(p))
        warnings.warn(
            f"{path.name}: removed the prefix {p!r} from its keys to fit {name}"
            + (f"; ignored {len(rest)} entries outside it ({_few(rest)})" if rest else ""),
            UserWarning, stacklevel=5,
        )
        return _check_shapes({k[len(p):]: v for k, v in state.items() if k.startswith(p)},
                             own, path, name)
    if add:
        p = add[0]
        warnings.warn(f"{path.name}: added the prefix {p!r} to its keys to fit {name}",
                      UserWarning, stacklevel=5)
        return _check_shapes({p + k: v for k, v in state.items()}, own, path, name)
    missing, unexpected = sorted(want - have), sorted(have - want)
    lead = hint = ""
    heads = {k.split(".", 1)[0] + "." for k in have if "." in k}
    if len(heads) == 1 and all("." in k for k in have):
        head = next(iter(heads))  # every key in the file carries it: compare without it
        stripped = {k[len(head):] for k in have}
        if len(want ^ stripped) < len(missing) + len(unexpected):
            missing, unexpected = sorted(want - stripped), sorted(stripped - want)
            lead = f"after removing the prefix {head!r} that all its keys carry, "
            hint = "; check that model_factory builds the model the file was saved from"
    problems = [f"{len(missing)} missing key(s): {_few(missing)}" if missing else "",
                f"{len(unexpected)} unexpected key(s): {_few(unexpected)}" if unexpected else ""]
    raise ValueError(f"the weights in {path} do not fit {name}: {lead}"
                     f"{'; '.join(p for p in problems if p)}{hint}")


def _check_shapes(state: dict, own: dict, path: Path, name: str) -> dict:
    wrong = [k for k in sorted(own) if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if wrong:
        shown = ", ".join(f"{k} (file {tuple(state[k].shape)}, model {tuple(own[k].shape)})"
                          for k in wrong[:3])
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise ValueError(f"the weights in {path} do not fit {name}: {len(wrong)} tensor(s) of "
                         f"another shape: {shown}{more}")
    return state

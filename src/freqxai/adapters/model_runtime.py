"""How a model is run and what it allows: device, dtype, evaluation mode, checked outputs,
capabilities.

Explainers and metrics run a model through these helpers (re-exported by
:mod:`freqxai._validation` for the code that imported them there): :func:`checked_outputs` is one
finite ``(batch, n_classes)`` floating tensor or an error that names the fix;
:func:`eval_mode` restores every submodule's mode afterwards.

:func:`capabilities` states what a model allows, following aeon's estimator tags: whether it can
be differentiated, whether it has eager modules for LRP's rules, what it returns, how it reads its
input and in what batches. Explainers declare what they need; their
:func:`~freqxai.explainers.method_support` joins the two.

This module imports nothing from freqxai above :mod:`freqxai.adapters`.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .wrappers import EstimatorModel, NumpyModel, as_model

__all__ = [
    "ModelCapabilities",
    "capabilities",
    "channel_mismatch",
    "check_finite_outputs",
    "check_model",
    "checked_outputs",
    "class_scores",
    "compute_dtype",
    "eval_mode",
    "input_channels",
    "model_device",
    "model_dtype",
    "model_outputs_probabilities",
    "outputs_are_probabilities",
]

_HALF = (torch.float16, torch.bfloat16)


def model_device(model: Any) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for parameter-free callables)."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            return tensor.device
    return torch.device("cpu")


def model_dtype(model: Any) -> torch.dtype | None:
    """The floating dtype of the model's first floating parameter or buffer, if any."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            if tensor.is_floating_point():
                return tensor.dtype
    return None


def compute_dtype(model: Any, input_dtype: torch.dtype) -> torch.dtype:
    """The dtype to run ``model`` in: its parameters' dtype; for parameter-free callables the
    input's, with half precision and integers promoted to float32."""
    dtype = model_dtype(model)
    if dtype is not None:
        return dtype
    if not input_dtype.is_floating_point or input_dtype in _HALF:
        return torch.float32
    return input_dtype


def check_model(model: Any, name: str = "model") -> Any:
    """``model`` as explainers read it: a fitted scikit-learn/aeon estimator (or its bound
    ``predict_proba``) wrapped in :class:`~freqxai.adapters.EstimatorModel`. Raise ``TypeError``
    unless it is callable, ``ValueError`` for a module whose weights were never materialised (on
    the meta device)."""
    if isinstance(model, type):
        raise TypeError(f"{name} is the class {model.__name__}, not a model: build it first, e.g. "
                        f"{model.__name__}(...) with its weights loaded")
    model = as_model(model)
    if not callable(model):
        raise TypeError(
            f"{name} must be a torch.nn.Module or a callable mapping (batch, channels, time) to "
            f"(batch, n_classes), got {type(model).__name__}"
        )
    if isinstance(model, nn.Module) and any(
        t.is_meta for t in (*model.parameters(), *model.buffers())
    ):
        raise ValueError(
            f"{name} has parameters on the meta device (built without data, weights never "
            "loaded); materialise it first, e.g. model.to_empty(device='cpu') followed by "
            "model.load_state_dict(weights), or load_state_dict(weights, assign=True)"
        )
    return model


@contextlib.contextmanager
def eval_mode(model: Any) -> Iterator[None]:
    """Run ``model`` in evaluation mode and restore every submodule's own mode afterwards.

    Explanations and metrics are of the deterministic model: dropout off, batch norm reading
    (not updating) its running statistics. The caller's modules are left exactly as they were,
    also when the body raises.
    """
    if not isinstance(model, nn.Module):
        yield
        return
    modes = [(m, m.training) for m in model.modules()]
    if not any(mode for _, mode in modes):
        yield
        return
    try:
        model.eval()
    except NotImplementedError:  # torch.export's module: its mode was fixed when exported
        yield
        return
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


# Rows that are non-negative and sum to 1 within this tolerance are read as probabilities
# (float32 softmax sums are exact to ~1e-6; half precision to ~1e-3).
_PROBABILITY_ATOL = {torch.float16: 1e-2, torch.bfloat16: 2e-2}


def outputs_are_probabilities(outputs: torch.Tensor) -> bool:
    """Whether every row of ``outputs`` ``(batch, n_classes)`` is a probability vector
    (non-negative, summing to 1): the model ends in a softmax or is ``predict_proba``."""
    o = outputs.detach()
    atol = _PROBABILITY_ATOL.get(o.dtype, 1e-4)
    return bool((o >= 0).all() and ((o.double().sum(1) - 1).abs() <= atol).all())


def model_outputs_probabilities(model: Any, outputs: torch.Tensor, who: str,
                                stacklevel: int = 5) -> bool:
    """Whether ``model``'s outputs are probabilities: declared by the model (an attribute
    ``output_kind`` of ``"probabilities"`` or ``"logits"``), else read off ``outputs``, with a
    warning saying so (``who`` names the reader: an explainer or metric)."""
    declared = getattr(model, "output_kind", None)
    if declared in ("probabilities", "logits", "scores"):
        return declared == "probabilities"
    if outputs_are_probabilities(outputs):
        warnings.warn(
            f"{who}: the model's outputs are probabilities (non-negative, every row sums to 1: a "
            "final softmax or predict_proba); they are read as probabilities, without another "
            "softmax. Set model.output_kind = 'logits' if that is wrong.",
            UserWarning, stacklevel=stacklevel,
        )
        return True
    return False


def class_scores(outputs: torch.Tensor, kind: str, probabilities: bool) -> torch.Tensor:
    """The score ``kind`` of every class from model ``outputs`` ``(..., n_classes)``.

    ``kind``: ``"softmax"`` (the class probability), ``"log_softmax"`` (its logarithm) or
    ``"logit"`` (the output as it is). For a model whose outputs are already probabilities the
    probability is the output itself (never a second softmax) and its log is taken directly.
    """
    if kind == "logit":
        return outputs
    if probabilities:
        if kind == "softmax":
            return outputs
        return outputs.clamp_min(torch.finfo(outputs.dtype).tiny).log()
    return outputs.softmax(dim=-1) if kind == "softmax" else outputs.log_softmax(dim=-1)


def input_channels(model: Any) -> int | None:
    """The channels the model's first convolution reads (None when it cannot be told: a
    linear first layer, a graph without modules)."""
    if not isinstance(model, nn.Module):
        return None
    for module in model.modules():
        kind = getattr(module, "original_name", type(module).__name__)
        channels = getattr(module, "in_channels", None)
        if kind.startswith("Conv") and isinstance(channels, int):
            return channels
        if kind in ("Linear", "LazyLinear", "RNN", "LSTM", "GRU"):
            return None
    return None


def channel_mismatch(model: Any, channels: int, what: str = "the inputs have") -> str:
    """``"the model expects E input channels, the inputs have C: "`` when the model's first
    convolution reads another number of channels than given, else ``""`` (a prefix for the
    message of a model that failed on the data)."""
    expected = input_channels(model)
    if expected is None or expected == channels:
        return ""
    return f"the model expects {expected} input channels, {what} {channels}: "


def check_finite_outputs(outputs: torch.Tensor, what: str = "the inputs") -> torch.Tensor:
    """Raise ``ValueError`` when ``outputs`` ``(batch, ...)`` hold NaN or Inf, naming the rows."""
    finite = torch.isfinite(outputs.detach()).flatten(1).all(1)
    if not bool(finite.all()):
        bad = (~finite).nonzero()[:, 0].tolist()
        shown = ", ".join(f"#{i}" for i in bad[:5]) + (", ..." if len(bad) > 5 else "")
        raise ValueError(
            f"the model returned NaN or Inf outputs for {len(bad)} of {len(finite)} of {what} "
            f"({shown}); explanations of such outputs are meaningless. Check the model on these "
            "signals (an overflow, a log of zero, a division by a zero norm)"
        )
    return outputs


def checked_outputs(model: Any, x: torch.Tensor, *extra: Any) -> torch.Tensor:
    """``model(x, *extra)``, checked to be one finite floating ``(batch, n_classes)`` tensor
    with at least two classes."""
    try:
        out = model(x, *extra)
    except RuntimeError as err:  # most often: the model reads another number of channels
        mismatch = channel_mismatch(model, x.shape[1])
        if mismatch:
            raise ValueError(f"{mismatch}give inputs of shape (batch, "
                             f"{input_channels(model)}, time)") from err
        text = str(err)
        if not any(s in text for s in ("shapes cannot be multiplied", "size mismatch",
                                       "is invalid for input of size", "must match the size")):
            raise
        # a shape error on the right channels: a model of one fixed input length (a Linear
        # layer on the flattened signal, a reshape to a fixed size)
        channels, length = int(x.shape[1]), int(x.shape[-1])
        first = next((m for m in model.modules() if any(True for _ in m.parameters(False))),
                     None) if isinstance(model, nn.Module) else None
        features = getattr(first, "in_features", None) if isinstance(first, nn.Linear) else None
        expected = ""
        for n in dict.fromkeys((features // channels, features) if features else ()):
            try:  # the length its first Linear layer implies, if the model reads it
                with torch.no_grad():
                    model(x[:1, :, :1].new_zeros(1, channels, n), *extra)
            except Exception:  # noqa: BLE001 - not this length
                continue
            if n != length:
                expected = (f" ({n} samples: its first layer is Linear({features}, ...))")
            break
        raise ValueError(
            f"the model cannot read signals of length {length} (inputs of shape "
            f"{tuple(x.shape)}): it expects inputs of one fixed length{expected} "
            f"({type(err).__name__}: {text.strip().splitlines()[0][:160]}); give signals of the "
            "length it was trained on, or a model that reads any length (e.g. global pooling "
            "over time)") from err
    if isinstance(out, np.ndarray):
        raise TypeError(
            "the model returned a numpy array; explainers pass torch tensors. Wrap a function of "
            "numpy arrays as freqxai.adapters.NumpyModel(fn, output_kind='probabilities' or "
            "'logits'), or give a scikit-learn/aeon estimator itself (wrapped automatically)"
        )
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"the model returned a {type(out).__name__}, explainers need one (batch, n_classes) "
            "tensor of scores; wrap the model so it returns the logits, e.g. "
            "`lambda x: model(x)[0]` or an nn.Module whose forward does that"
        )
    if out.dim() != 2 or out.shape[0] != x.shape[0]:
        raise ValueError(
            f"the model must return (batch, n_classes) outputs for {x.shape[0]} inputs, got shape "
            f"{tuple(out.shape)}"
        )
    if not out.is_floating_point():
        raise TypeError(f"the model must return floating scores, got {out.dtype}")
    if out.shape[1] < 2:
        raise ValueError(
            "the model returns one output per input; explainers need one score per class "
            "(batch, n_classes >= 2). For a binary classifier with one logit (or one sigmoid "
            "probability) wrap it: freqxai.BinaryClassifier(model) (or "
            "BinaryClassifier(model, output='probability')) returns both classes, class 1 being "
            "the one the single output scores"
        )
    return check_finite_outputs(out)


def _graph_kind(model: Any) -> str | None:
    """'TorchScript' or 'torch.export' when ``model`` (or a submodule) is such a graph."""
    if hasattr(torch, "export") and isinstance(model, getattr(torch.export, "ExportedProgram", ())):
        return "torch.export"
    if not isinstance(model, nn.Module):
        return None
    for module in model.modules():
        if isinstance(module, torch.jit.ScriptModule):
            return "TorchScript"
        if isinstance(module, torch.fx.GraphModule) and any(
            node.op == "call_function" and "aten" in str(node.target) for node in module.graph.nodes
        ):
            return "torch.export"
    return None


@dataclass(frozen=True)
class ModelCapabilities:
    """What a model allows (aeon's estimator tags are the model of this).

    Attributes
    ----------
    kind : str
        ``"torch"`` (an eager module), ``"torchscript"``, ``"torch.export"``, ``"estimator"``,
        ``"numpy"`` (a :class:`NumpyModel`) or ``"callable"``.
    differentiable : bool or None
        Gradients reach the input (None: not known without running it; explainers probe it).
    has_modules : bool
        Eager modules whose forward runs, so LRP's rules can hook into them.
    output_kind : str or None
        ``"logits"``, ``"probabilities"`` or ``"scores"`` as declared (None: read off the
        outputs when explaining).
    layout : str
        How the model reads a signal: ``"channels_first"`` or ``"flat"``.
    max_batch_size : int or None
        Most signals per call (a fixed-batch export; None: any).

    Examples
    --------
    >>> import torch
    >>> from freqxai.adapters import capabilities
    >>> caps = capabilities(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2)))
    >>> caps.kind, caps.has_modules, caps.layout
    ('torch', True, 'channels_first')
    >>> type(caps).__name__
    'ModelCapabilities'
    """

    kind: str
    differentiable: bool | None
    has_modules: bool
    output_kind: str | None
    layout: str = "channels_first"
    max_batch_size: int | None = None


def capabilities(model: Any) -> ModelCapabilities:
    """What ``model`` allows, from what it is (no forward pass; :class:`ModelCapabilities`).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from freqxai.adapters import NumpyModel, capabilities
    >>> capabilities(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2)))
    ModelCapabilities(kind='torch', differentiable=..., has_modules=True, ...)
    >>> caps = capabilities(NumpyModel(lambda x: np.ones((len(x), 2)) / 2))
    >>> caps.kind, caps.differentiable, caps.output_kind
    ('numpy', False, 'probabilities')
    """
    model = as_model(model)
    if not callable(model):
        raise TypeError(f"model must be a torch.nn.Module, a callable or a fitted estimator, got "
                        f"{type(model).__name__}")
    declared = getattr(model, "output_kind", None)
    batch = getattr(model, "max_batch_size", None)
    if isinstance(model, NumpyModel):
        kind = "estimator" if isinstance(model, EstimatorModel) else "numpy"
        return ModelCapabilities(kind, False, False, declared, model.layout, batch)
    graph = _graph_kind(model)
    if graph is not None:
        return ModelCapabilities("torchscript" if graph == "TorchScript" else "torch.export",
                                 True, False, declared, max_batch_size=batch)
    if isinstance(model, nn.Module):
        return ModelCapabilities("torch", getattr(model, "differentiable", None), True, declared,
                                 max_batch_size=batch)
    return ModelCapabilities("callable", None, False, declared, max_batch_size=batch)

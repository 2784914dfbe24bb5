"""What LRP can explain faithfully, checked before and after attributing.

Zennit attaches its rules to the modules of an eager ``nn.Module`` with hooks. Where no hook
fires, the backward pass is the plain gradient and the "relevance" silently stops being LRP:

- TorchScript (``torch.jit.trace`` / ``torch.jit.script``) and ``torch.export`` graphs run their
  own code, not the modules' forward, so no hook fires at all (on a traced CNN the result was 7x
  off the eager model's LRP);
- a layer with parameters, or an operation that mixes inputs (pooling, normalisation,
  attention), that the composite has no rule for is passed by its gradient (onnx2pytorch's
  ``GlobalAveragePool`` made the relevance of an ONNX-converted CNN 34 % off).

:func:`check_lrp_model` walks the module tree before attributing and raises (or warns with
``strict=False``); :func:`conservation_ratio` is checked after every call: relevance should sum to
about the target logit (the rules absorb some of it through biases and stabilisers).
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

from ..adapters.model_runtime import _graph_kind

__all__ = ["check_lrp_model", "refuse_compiled_graph", "conservation_ratio", "CONSERVATION_BAND", "CONSERVATION_TOLERANCE"]

# With the biases left out of the rules, relevance must sum to the target logit within this
# relative tolerance (measured: within 5e-6 on the BasicMotions CNN and the paper's MLP).
CONSERVATION_TOLERANCE = 0.05
# For composite instances (bias handling unknown): the result's own ratio must lie in this band.
CONSERVATION_BAND = (0.5, 2.0)

# Parameter-free modules that only route, reshape or apply an elementwise function: the gradient
# through them is what LRP prescribes, so they need no rule.
_SAFE_TYPES: tuple[type, ...] = (
    nn.Flatten, nn.Unflatten, nn.Identity, nn.modules.dropout._DropoutNd,
    nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd,
)
# onnx2pytorch's reshaping and routing operators, by class name (its package is optional).
_SAFE_ONNX = {"Flatten", "Reshape", "Squeeze", "Unsqueeze", "Transpose", "Shape", "Constant",
              "Cast", "Dropout", "Identity", "Gather", "Slice", "GlobalMaxPool"}

_FIX = ("explain the eager torch.nn.Module the file was made from (LRP needs its layers), or use "
        "a gradient method (saliency, gxi, ig), which works on any differentiable model")


def refuse_compiled_graph(model: Any) -> None:
    """Raise ``TypeError`` naming the fix when ``model`` is a TorchScript or torch.export graph."""
    kind = _graph_kind(model)
    if kind is not None:
        raise TypeError(f"LRP cannot explain a {kind} graph: Zennit's rules hook into the "
                        f"modules of an eager nn.Module and never fire in a compiled graph; {_FIX}")


def check_lrp_model(model: Any, composite: Any, *, strict: bool = True) -> list[str]:
    """Raise (``strict``) or warn when LRP with ``composite`` would not be LRP on ``model``.

    Returns
    -------
    list of str
        The modules without a rule (empty when everything is covered).

    Raises
    ------
    TypeError
        For TorchScript and ``torch.export`` graphs (always: nothing would be LRP).
    ValueError
        With ``strict``, for modules that need a rule and have none.
    """
    refuse_compiled_graph(model)
    ctx: dict = {}
    problems = []
    modules = dict(model.named_modules())
    for name, module in modules.items():
        rule = composite.module_map(ctx, name, module)
        if rule is not None or next(module.children(), None) is not None:
            continue  # has a rule, or a container whose leaves are checked themselves
        if isinstance(module, _SAFE_TYPES) or _is_activation(module):
            continue
        if type(module).__module__.startswith("onnx2pytorch") and type(module).__name__ in _SAFE_ONNX:
            continue
        if _is_merged_batch_norm(name, module, modules, composite):
            continue
        what = "has parameters" if any(True for _ in module.parameters(recurse=False)) \
            else "may mix its inputs"
        problems.append(f"{name or 'the model'} ({type(module).__name__}, {what})")
    if problems:
        message = (f"the LRP composite has no rule for {len(problems)} module(s): "
                   f"{', '.join(problems[:6])}{' ...' if len(problems) > 6 else ''}; their "
                   "relevance would be their plain gradient, not LRP. Give a composite with rules "
                   "for them, convert them to torch layers, or use a gradient method (saliency, "
                   "gxi, ig); LRP(..., strict=False) explains anyway with a warning")
        if strict:
            raise ValueError(message)
        warnings.warn(message, UserWarning, stacklevel=3)
    return problems


def _is_activation(module: nn.Module) -> bool:
    from zennit.types import Activation

    return isinstance(module, Activation)


def _is_merged_batch_norm(name: str, module: nn.Module, modules: dict, composite: Any) -> bool:
    """Batch norm right after a linear or convolutional layer in a Sequential, with a canonizer
    that merges it (zennit's SequentialMergeBatchNorm)."""
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.types import BatchNorm, Convolution

    if not isinstance(module, BatchNorm) or not any(
        isinstance(c, SequentialMergeBatchNorm) for c in (composite.canonizers or [])
    ):
        return False
    parent_name, _, child = name.rpartition(".")
    parent = modules.get(parent_name)
    if not isinstance(parent, nn.Sequential) or not child.isdigit() or int(child) == 0:
        return False
    previous = parent[int(child) - 1]
    return isinstance(previous, Convolution | nn.Linear)


def conservation_ratio(relevance: torch.Tensor, target_logits: torch.Tensor) -> torch.Tensor:
    """Summed relevance over target logit per input (NaN where the logit is about 0)."""
    total = relevance.detach().flatten(1).sum(1).double()
    logit = target_logits.detach().double()
    return torch.where(logit.abs() > 1e-6, total / logit, torch.full_like(logit, float("nan")))

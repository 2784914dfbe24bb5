"""Input preparation shared by every explainer and metric: signals as tensors, targets as class
indices, results back in the caller's type.

Explainers follow Captum's convention: a public ``attribute`` validates and normalises its
arguments with these helpers (through :class:`freqxai.explainers.base.Explainer`) and a private
method does the math. Every check raises before any compute, naming the argument and the fix.

The layer above :mod:`freqxai.adapters`: the model-side helpers (device, dtype, evaluation mode,
checked outputs) live in :mod:`freqxai.adapters.model_runtime` and the pure argument checks in
:mod:`freqxai._checks`; both are re-exported here for the code that imports them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ._checks import (  # noqa: F401 - re-exported: the checks every layer uses
    check_bool,
    check_choice,
    check_fraction,
    check_number,
    check_positive_int,
    check_seed,
)
from .adapters.model_runtime import (  # noqa: F401 - re-exported: how models are run
    _HALF,
    _PROBABILITY_ATOL,
    channel_mismatch,
    check_finite_outputs,
    check_model,
    checked_outputs,
    class_scores,
    compute_dtype,
    eval_mode,
    input_channels,
    model_device,
    model_dtype,
    model_outputs_probabilities,
    outputs_are_probabilities,
)

TargetType = int | Sequence[int] | np.ndarray | torch.Tensor | None


def as_signal_tensor(inputs: Any, name: str = "inputs") -> tuple[torch.Tensor, bool]:
    """Return ``inputs`` as a tensor ``(batch, channels, time)`` and whether it was numpy.

    The dtype is kept (floating) or made float32 (integers); callers cast to the model's dtype.

    Raises
    ------
    TypeError
        For anything that is not a tensor or array, and for complex or boolean values.
    ValueError
        For the wrong rank, an empty batch or time axis, or NaN/Inf values.
    """
    was_numpy = isinstance(inputs, np.ndarray)
    if was_numpy:
        if inputs.dtype.kind not in "biufc":
            raise TypeError(f"{name} must be a numeric array, got dtype {inputs.dtype}")
        inputs = torch.from_numpy(np.ascontiguousarray(inputs))
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(inputs).__name__}")
    if inputs.is_meta:
        raise ValueError(f"{name} is on the meta device (it holds no values); give real data")
    if inputs.dim() != 3:
        hint = " (add a channel axis with x[:, None, :])" if inputs.dim() == 2 else ""
        raise ValueError(
            f"{name} must have shape (batch, channels, time), got shape {tuple(inputs.shape)}{hint}"
        )
    if inputs.shape[0] == 0 or inputs.shape[1] == 0 or inputs.shape[2] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(inputs.shape)}")
    if inputs.is_complex():
        raise TypeError(f"{name} must be real-valued, got {inputs.dtype}")
    if inputs.dtype == torch.bool:
        raise TypeError(f"{name} must hold numbers, got booleans")
    if not inputs.is_floating_point():
        inputs = inputs.float()
    if not torch.isfinite(inputs).all():
        raise ValueError(f"{name} contains NaN or Inf values")
    return inputs, was_numpy


def check_cast(x: torch.Tensor, given: torch.dtype, name: str = "inputs") -> torch.Tensor:
    """Raise ``ValueError`` when casting ``name`` to the model's dtype overflowed (float64 values
    beyond float32's range become Inf)."""
    if x.dtype != given and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} hold values beyond the range of the model's {x.dtype} (max "
                         f"{torch.finfo(x.dtype).max:.3g}); rescale the signals")
    return x


def resolve_targets(target: TargetType, outputs: torch.Tensor, name: str = "target") -> torch.Tensor:
    """One class index per input: the argmax of ``outputs`` when ``target`` is None.

    Parameters
    ----------
    target : int, sequence, array, tensor or None
        One class for all inputs, or one per input. Booleans and floats are refused (a boolean
        mask is not a class index).
    outputs : torch.Tensor
        Model outputs ``(batch, n_classes)`` on the unmodified inputs.
    """
    if outputs.dim() != 2:
        raise ValueError(
            f"the model must return (batch, n_classes) outputs, got shape {tuple(outputs.shape)}"
        )
    batch, n_classes = outputs.shape
    if target is None:
        return outputs.argmax(dim=1)
    bad = TypeError(f"{name} must be an int, a sequence of ints, an integer array/tensor or None, "
                    f"got {target!r:.80}")
    if isinstance(target, bool | np.bool_):
        raise bad
    if isinstance(target, int | np.integer):
        if not 0 <= int(target) < n_classes:
            raise ValueError(f"{name} out of range: the model has {n_classes} outputs, got {target}")
        t = torch.full((batch,), int(target), dtype=torch.long, device=outputs.device)
    else:
        try:
            t = target if isinstance(target, torch.Tensor) else torch.as_tensor(np.asarray(target))
        except (TypeError, ValueError, RuntimeError) as err:
            raise bad from err
        if t.dtype == torch.bool or t.is_floating_point() or t.is_complex():
            raise TypeError(f"{name} must hold integer class indices, got {t.dtype}")
        t = t.to(device=outputs.device, dtype=torch.long).reshape(-1)
        if t.numel() == 1:
            t = t.expand(batch)
        if t.numel() != batch:
            raise ValueError(f"{name} has {t.numel()} entries for a batch of {batch} inputs")
    if (t < 0).any() or (t >= n_classes).any():
        raise ValueError(
            f"{name} out of range: the model has {n_classes} outputs, got {t.tolist()[:10]}"
        )
    return t


def to_output(t: torch.Tensor, was_numpy: bool, dtype: torch.dtype | None = None):
    """Detach (and cast to ``dtype``); CPU numpy when the user gave numpy, else a tensor."""
    t = t.detach()
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    if t.is_inference():  # users get ordinary tensors they may modify in place
        t = t.clone()
    return t.cpu().numpy() if was_numpy else t

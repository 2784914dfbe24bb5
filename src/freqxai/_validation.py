"""Argument checks and conversions shared by every explainer and metric.

Explainers follow Captum's convention: a public ``attribute`` validates and normalises its
arguments with these helpers and a private method does the math.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

TargetType = int | Sequence[int] | np.ndarray | torch.Tensor | None


def model_device(model: Any) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for parameter-free callables)."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            return tensor.device
    return torch.device("cpu")


def as_signal_tensor(inputs: Any, name: str = "inputs") -> tuple[torch.Tensor, bool]:
    """Return ``inputs`` as a float tensor ``(batch, channels, time)`` and whether it was numpy.

    Raises
    ------
    TypeError
        For anything that is not a tensor or array.
    ValueError
        For the wrong rank, an empty batch, or NaN/Inf values.
    """
    was_numpy = isinstance(inputs, np.ndarray)
    if was_numpy:
        inputs = torch.from_numpy(np.ascontiguousarray(inputs))
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(inputs).__name__}")
    if inputs.dim() != 3:
        hint = " (add a channel axis with x[:, None, :])" if inputs.dim() == 2 else ""
        raise ValueError(
            f"{name} must have shape (batch, channels, time), got shape {tuple(inputs.shape)}{hint}"
        )
    if inputs.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch")
    if inputs.is_complex():
        raise TypeError(f"{name} must be real-valued, got {inputs.dtype}")
    if not inputs.is_floating_point():
        inputs = inputs.float()
    if not torch.isfinite(inputs).all():
        raise ValueError(f"{name} contains NaN or Inf values")
    return inputs, was_numpy


def resolve_targets(target: TargetType, outputs: torch.Tensor, name: str = "target") -> torch.Tensor:
    """One class index per input: the argmax of ``outputs`` when ``target`` is None.

    Parameters
    ----------
    target : int, sequence, array, tensor or None
        One class for all inputs, or one per input.
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
    if isinstance(target, bool):
        raise TypeError(f"{name} must be an int, a sequence of ints, a tensor or None")
    if isinstance(target, int | np.integer):
        t = torch.full((batch,), int(target), dtype=torch.long, device=outputs.device)
    else:
        t = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target)
        if t.is_floating_point() or t.is_complex():
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


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def to_output(t: torch.Tensor, was_numpy: bool) -> torch.Tensor | np.ndarray:
    """Detach to CPU numpy when the user gave numpy, else return the tensor."""
    return t.detach().cpu().numpy() if was_numpy else t


def warn_if_training(model: Any) -> None:
    """Warn when dropout or batch-norm layers of ``model`` are in training mode."""
    stochastic = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._BatchNorm)
    if isinstance(model, nn.Module) and any(
        m.training and isinstance(m, stochastic) for m in model.modules()
    ):
        import warnings

        warnings.warn(
            "the model is in training mode (dropout/batch-norm are stochastic); call model.eval() "
            "before explaining it",
            stacklevel=3,
        )

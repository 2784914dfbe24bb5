"""What the model loaders share: messages, the fixed-batch warning and the refusals of weights
on the meta device and of a factory that would be ignored."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from torch import nn


def _fixed_batch_warning(source: str, n: int) -> None:
    warnings.warn(
        f"{source} was exported for a fixed batch of {n}: it runs {n} input(s) at a time, "
        "which is slower; export it with a dynamic batch (torch.export.export(..., "
        "dynamic_shapes=...) or torch.onnx.export(..., dynamic_axes=...)) to run whole batches",
        UserWarning, stacklevel=5,
    )


def _one_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return "; ".join(lines)[:300] or type(err).__name__


def _few(names: list[str], n: int = 3) -> str:
    shown = ", ".join(repr(x) for x in names[:n])
    return f"{shown} and {len(names) - n} more" if len(names) > n else shown


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


def _refuse_factory(model_factory: Any, path: Path, what: str) -> None:
    """Raise ``ValueError`` when ``model_factory`` is given for a file that is not a state dict
    (it would be ignored)."""
    if model_factory is not None:
        raise ValueError(
            f"model_factory (--model-factory) builds the module a state dict is loaded into, but "
            f"{path} holds {what}, which is loaded as it is: the factory would be ignored; "
            "remove --model-factory (model_factory=None)")

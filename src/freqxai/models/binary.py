"""A binary classifier with one output, shown to explainers as two classes."""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import nn

__all__ = ["BinaryClassifier"]


class BinaryClassifier(nn.Module):
    """Wrap a model with one output per input (a logit or a sigmoid probability) as two classes.

    Explainers and metrics read one score per class; a binary model with a single output
    (``BCEWithLogitsLoss``, a final ``sigmoid``) has one. This wrapper returns ``(batch, 2)``:

    - ``output="logit"``: ``[0, z]``, whose softmax is ``[1 - sigmoid(z), sigmoid(z)]``: class 1
      is the class the logit ``z`` scores, its logit and gradients are those of ``z``;
    - ``output="probability"``: ``[1 - p, p]``, read as probabilities (``output_kind``).

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch,)`` or ``(batch, 1)``.
    output : {"logit", "probability"}
        What the single output is.

    Examples
    --------
    >>> relevance = FreqRISE(BinaryClassifier(detector)).attribute(x, target=1)
    """

    def __init__(self, model: Any, *, output: Literal["logit", "probability"] = "logit") -> None:
        super().__init__()
        if not callable(model):
            raise TypeError(f"model must be a torch.nn.Module or a callable, got "
                            f"{type(model).__name__}")
        if output not in ("logit", "probability"):
            raise ValueError(f"output must be 'logit' or 'probability', got {output!r}")
        self.model = model
        self.output = output
        self.output_kind = "probabilities" if output == "probability" else "logits"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.model(x)
        if not isinstance(z, torch.Tensor) or z.dim() not in (1, 2) or (z.dim() == 2 and z.shape[1] != 1):
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"BinaryClassifier: the wrapped model must return (batch,) or "
                             f"(batch, 1) outputs, got {shape}")
        z = z.reshape(-1, 1)
        if self.output == "probability" and bool(((z < 0) | (z > 1)).any()):
            raise ValueError("BinaryClassifier(output='probability'): the model returned values "
                             "outside [0, 1]; use output='logit' for a logit")
        other = 1 - z if self.output == "probability" else torch.zeros_like(z)
        return torch.cat([other, z], dim=1)

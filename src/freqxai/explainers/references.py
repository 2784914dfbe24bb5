"""Reference explanations every method is scored against (Brüsch et al., NLDL 2025, section 4).

- :class:`RandomReference`: uniform random relevance, the floor a method must beat.
- :class:`AmplitudeReference`: the magnitude of each coefficient, i.e. "the loudest frequencies
  matter", which needs no model at all.

Both have the explainer call shape and return relevance in the domain, so they flow through the
same evaluation as every method.
"""

from __future__ import annotations

from typing import Any

import torch

from .._validation import TargetType, as_signal_tensor, model_device, resolve_targets, to_output
from ..domains import Domain, get_domain

__all__ = ["RandomReference", "AmplitudeReference"]


class _Reference:
    def __init__(self, model: Any = None, domain: str | Domain = "fft") -> None:
        self.model = model
        self.domain = get_domain(domain)

    def _prepare(self, inputs, target):
        x, was_numpy = as_signal_tensor(inputs)
        if self.model is not None:
            x = x.to(model_device(self.model))
            if target is not None:  # validated like every explainer's target
                with torch.no_grad():
                    resolve_targets(target, self.model(x))
        self.domain.check_length(x.shape[-1])
        return x, was_numpy


class RandomReference(_Reference):
    """Relevance drawn uniformly from [0, 1) per coefficient (seedable)."""

    def attribute(self, inputs, target: TargetType = None, seed: int | None = None):
        x, was_numpy = self._prepare(inputs, target)
        shape = (x.shape[0], x.shape[1], *self.domain.coefficient_shape(x.shape[-1]))
        gen = torch.Generator(device=x.device)
        if seed is not None:
            gen.manual_seed(int(seed))
        else:
            gen.seed()
        return to_output(torch.rand(shape, generator=gen, device=x.device, dtype=x.dtype), was_numpy)


class AmplitudeReference(_Reference):
    """Relevance = |coefficient| of the signal in the domain (independent of the model)."""

    def attribute(self, inputs, target: TargetType = None):
        x, was_numpy = self._prepare(inputs, target)
        return to_output(self.domain.forward(x).abs(), was_numpy)

"""The time domain: the identity transform (classic RISE, explanations per sample)."""

from __future__ import annotations

import numpy as np
import torch

from .base import Domain, check_signal, register_domain

__all__ = ["Time"]


@register_domain("time")
class Time(Domain):
    """The identity transform: explanations per time sample."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_signal(x)
        return x

    def inverse(self, coefficients: torch.Tensor, length: int) -> torch.Tensor:
        if coefficients.shape[-1] != length:
            raise ValueError(
                f"time coefficients have {coefficients.shape[-1]} samples, expected {length}"
            )
        return coefficients

    def coefficient_shape(self, length: int) -> tuple[int, ...]:
        return (length,)

    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        t = np.arange(length, dtype=np.float64)
        return {"time": t / fs if fs else t}

    def project_relevance(self, relevance, inputs, *, eps: float = 1e-6):
        """Time relevance is already in this domain: returned unchanged (float64)."""
        return relevance.to(torch.float64)

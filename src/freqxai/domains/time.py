"""The time domain: the identity transform (classic RISE, explanations per sample)."""

from __future__ import annotations

import numpy as np
import torch

from .base import Domain, check_eps, check_fs, check_signal, register_domain

__all__ = ["Time"]


@register_domain("time")
class Time(Domain):
    """The identity transform: explanations per time sample.

    Examples
    --------
    >>> import torch
    >>> from freqxai import Time
    >>> x = torch.randn(4, 2, 256)
    >>> time = Time()
    >>> time.coefficient_shape(256)
    (256,)
    >>> torch.equal(time.forward(x), x), list(time.axes(256, fs=128.0))
    (True, ['time'])
    """

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
        """``{"time": n / fs}`` in seconds with ``fs``, in samples without it (no frequency axis)."""
        rate = check_fs(fs) or 1.0
        return {"time": np.arange(length, dtype=np.float64) / rate}

    def project_relevance(self, relevance, inputs, *, eps: float = 1e-6):
        """Time relevance is already in this domain: returned unchanged (float64)."""
        check_eps(eps)
        return relevance.to(torch.float64)

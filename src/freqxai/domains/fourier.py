"""The real FFT domain (FreqRISE's and FLEX's frequency domain)."""

from __future__ import annotations

import numpy as np
import torch

from .base import Domain, check_fs, check_signal, register_domain, split_negligible

__all__ = ["Fourier", "one_sided_weights"]


def one_sided_weights(n: int, n_bins: int, device, dtype) -> torch.Tensor:
    """a_k: how often bin k appears in the full spectrum (1 for DC and an even n's Nyquist)."""
    a = torch.full((n_bins,), 2.0, device=device, dtype=dtype)
    a[0] = 1.0
    if n % 2 == 0:
        a[-1] = 1.0
    return a


@register_domain("fft", aliases=("rfft", "fourier"))
class Fourier(Domain):
    """Real FFT over the time axis (``torch.fft.rfft``), inverted with the original length.

    Coefficients have ``length // 2 + 1`` bins; bin ``k`` is ``k * fs / length`` Hz, or
    ``k / length`` cycles per sample without a sampling rate (as every domain).

    Examples
    --------
    >>> import torch
    >>> from freqxai import Fourier
    >>> fft = Fourier()
    >>> x = torch.randn(4, 2, 256)
    >>> c = fft.forward(x)
    >>> c.shape, c.dtype
    (torch.Size([4, 2, 129]), torch.complex64)
    >>> torch.allclose(fft.inverse(c, 256), x, atol=1e-5)
    True
    >>> fft.axes(256, fs=128.0)["frequency"][:4]     # bin k is k * fs / length Hz
    array([0. , 0.5, 1. , 1.5])
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_signal(x)
        self.check_length(x.shape[-1])
        return torch.fft.rfft(x, dim=-1)

    def inverse(self, coefficients: torch.Tensor, length: int) -> torch.Tensor:
        if coefficients.shape[-1] != length // 2 + 1:
            raise ValueError(
                f"rFFT coefficients have {coefficients.shape[-1]} bins, a signal of {length} "
                f"samples has {length // 2 + 1}"
            )
        return torch.fft.irfft(coefficients, n=length, dim=-1)

    def coefficient_shape(self, length: int) -> tuple[int, ...]:
        return (length // 2 + 1,)

    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        """``{"frequency": k * fs / length}`` for bins ``k = 0 .. length // 2``: Hz with ``fs``,
        cycles per sample without it (the axis of ``fs=1``; bin ``k`` is ``k`` cycles per signal,
        so ``fs=length`` gives cycles per signal)."""
        rate = check_fs(fs) or 1.0
        return {"frequency": np.arange(length // 2 + 1, dtype=np.float64) * rate / length}

    def project_relevance(self, relevance, inputs, *, eps: float = 1e-6):
        """DFT-LRP with FFTs: ``R_k = (a_k / N) Re(X_k conj(Z_k))`` with ``Z = rfft(R / x)``.

        Equal to the generic projection (tested) in O(N log N); negligible samples spread their
        relevance over bins by the w²-rule, ``a_k² / sum a²``.
        """
        x = inputs
        n = x.shape[-1]
        z, r_small = split_negligible(x, relevance, eps)
        X, Z = torch.fft.rfft(x, dim=-1), torch.fft.rfft(z, dim=-1)
        a = one_sided_weights(n, X.shape[-1], x.device, x.dtype)
        out = a / n * (X * Z.conj()).real
        share = a.square() / a.square().sum()
        return out + r_small.sum(dim=-1, keepdim=True) * share

"""DFT-LRP: carry time-domain relevance into the coefficients of any domain (virtual inspection
layers).

Vielhaben, J., Lapuschkin, S., Montavon, G., & Samek, W. (2024). Explainable AI for time series via
virtual inspection layers. Pattern Recognition, 150, 110309.

The inverse transform is a linear layer ``x = W y`` in front of the model; the LRP z-rule through
it gives coefficient ``k`` the share of ``R(x_n)`` it contributes to ``x_n``:

.. math:: R_k = \\sum_n \\frac{W_{nk} y_k}{x_n} R(x_n)

(real and imaginary parts summed per coefficient). The math lives with each domain
(:meth:`freqxai.domains.Domain.project_relevance`): FFT formulas for the rFFT and any STFT
(O(N log N) time, O(N) memory, where the published code multiplies dense N x N matrices) and an
exact generic version for every other linear invertible domain (one vector-Jacobian product of
the inverse). Samples with ``|x_n| <= eps * max|x|`` carry no contribution ratio (0/0); their
relevance is spread with the w²-rule (Montavon et al., 2017), in proportion to ``W_nk²``, so
relevance is conserved exactly: the sum over coefficients equals the sum over time (float64).

Writing this by hand is deliberate: Zennit has no DFT layer and the reference code is dense.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validation import as_signal_tensor
from ..domains import Domain, get_domain
from ..domains.base import check_eps

__all__ = ["project_relevance"]


def project_relevance(
    relevance: torch.Tensor | np.ndarray,
    inputs: torch.Tensor | np.ndarray,
    domain: str | Domain = "fft",
    *,
    eps: float = 1e-6,
) -> torch.Tensor | np.ndarray:
    """Project time-domain relevance into the coefficients of ``domain`` (DFT-LRP).

    Parameters
    ----------
    relevance : tensor or ndarray, shape (batch, channels, time)
        Relevance of each time sample (LRP, gradient×input, IG, ...).
    inputs : tensor or ndarray, shape (batch, channels, time)
        The signals the relevance explains.
    domain : str or Domain
        Any domain: ``"fft"``, ``"stft"`` (any window and hop satisfying the overlap-add
        condition; ``STFT(n_fft=800, hop_length=800, window="rectangular", center=False)`` for the
        paper's non-overlapping windows), ``"wavelet"``, ``"time"`` (returned unchanged) or your
        own :class:`~freqxai.domains.Domain`.
    eps : float
        Samples with ``|x_n| <= eps * max|x|`` are treated as zero and their relevance spread by
        the w²-rule (see the module notes). A finite number >= 0.

    Returns
    -------
    tensor or ndarray (numpy in, numpy out), shape ``(batch, channels, *coefficient_shape)``
        Relevance per coefficient, float64, whose sum over coefficients equals the sum of
        ``relevance`` over time for every signal and channel.

    Raises
    ------
    ValueError
        For ``eps`` NaN, infinite or negative, shapes that differ, or a length the domain cannot
        transform (:meth:`~freqxai.domains.Domain.check_length`); all before any compute.

    Examples
    --------
    >>> import torch
    >>> from freqxai import project_relevance
    >>> x = torch.randn(2, 1, 64)
    >>> time_relevance = x * torch.randn(2, 1, 64)     # e.g. gradient x input
    >>> relevance = project_relevance(time_relevance, x, domain="fft")
    >>> relevance.shape, relevance.dtype
    (torch.Size([2, 1, 33]), torch.float64)
    >>> torch.allclose(relevance.sum(-1), time_relevance.sum(-1).double())   # conserved
    True
    >>> project_relevance(time_relevance, x, domain="stft").shape
    torch.Size([2, 1, 9, 17])
    """
    domain = get_domain(domain)
    eps = check_eps(eps)  # NaN, Inf and negative thresholds are refused before any compute
    x, was_numpy = as_signal_tensor(inputs, "inputs")
    r, _ = as_signal_tensor(relevance, "relevance")
    if r.shape != x.shape:
        raise ValueError(
            f"relevance shape {tuple(r.shape)} must equal inputs shape {tuple(x.shape)}"
        )
    domain.check_length(x.shape[-1])
    x = x.detach().to(torch.float64)
    r = r.detach().to(device=x.device, dtype=torch.float64)
    out = domain.project_relevance(r, x, eps=eps).to(torch.float64)
    return out.cpu().numpy() if was_numpy else out

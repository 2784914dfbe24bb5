"""Let Quantus metrics score frequency explanations.

Quantus perturbs a real-valued input array and calls a model on it. For a frequency explanation,
the input is the signal's coefficients and the model is ``F ∘ inverse``: here the coefficients are
handed over as real and imaginary parts stacked on the channel axis, ``(batch, 2 C, *grid)``, so
the wrapped model needs no per-sample state (the phase travels with the data), and the relevance
is repeated for both parts. Quantus is an optional dependency (extra ``quantus``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._validation import as_signal_tensor
from ..domains import Domain, get_domain

__all__ = ["SpectrumModel", "to_quantus"]


class SpectrumModel(nn.Module):
    """``(batch, 2 C, *grid)`` stacked real/imaginary coefficients → model output."""

    def __init__(self, model: nn.Module, domain: Domain, length: int, channels: int,
                 is_complex: bool = True) -> None:
        super().__init__()
        self.is_complex = is_complex
        self.model = model
        self.domain = domain
        self.length = length
        self.channels = channels

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = torch.as_tensor(z, dtype=torch.float32)
        c = self.channels
        coeffs = torch.complex(z[:, :c], z[:, c:]) if self.is_complex else z
        return self.model(self.domain.inverse(coeffs, self.length))


def to_quantus(model: nn.Module, inputs, relevance, domain: str | Domain = "fft"):
    """Arguments for a Quantus metric call on a frequency explanation.

    Returns
    -------
    model : SpectrumModel
        The wrapped model ``F ∘ inverse`` (in eval mode).
    x_batch : ndarray ``(batch, 2 C, *grid)``
        Real and imaginary parts of the coefficients (``(batch, C, *grid)`` for the time domain).
    a_batch : ndarray, same shape
        The relevance, broadcast over channels and repeated for both parts.

    Examples
    --------
    >>> m, xq, aq = to_quantus(model, x, relevance, "fft")
    >>> scores = quantus.PixelFlipping(features_in_step=8)(m, xq, y, aq, device="cpu")
    """
    domain = get_domain(domain)
    x, _ = as_signal_tensor(inputs)
    coeffs = domain.forward(x.cpu())
    rel = np.asarray(relevance.detach().cpu() if isinstance(relevance, torch.Tensor) else relevance,
                     dtype=np.float32)
    if not np.isfinite(rel).all():
        raise ValueError("relevance contains NaN or Inf values; Quantus would score them silently")
    rel = np.broadcast_to(rel, coeffs.shape)
    if coeffs.is_complex():
        xq = torch.cat([coeffs.real, coeffs.imag], dim=1).numpy()
        aq = np.concatenate([rel, rel], axis=1)
    else:
        xq, aq = coeffs.numpy(), np.ascontiguousarray(rel)
    wrapped = SpectrumModel(model, domain, x.shape[-1], x.shape[1],
                            coeffs.is_complex()).eval()
    return wrapped, xq.astype(np.float32), aq.astype(np.float32)

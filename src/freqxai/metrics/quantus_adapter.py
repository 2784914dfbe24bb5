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
    """``(batch, 2 C, *grid)`` stacked real/imaginary coefficients → model output.

    Examples
    --------
    >>> import torch
    >>> from freqxai.domains import get_domain
    >>> from freqxai.metrics import SpectrumModel
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> model, x = BinPowerModel(k=24), torch.from_numpy(tone_in_one_band(4, seed=0)[0])
    >>> wrapped = SpectrumModel(model, get_domain("fft"), length=256, channels=1)
    >>> c = torch.fft.rfft(x)
    >>> z = torch.cat([c.real, c.imag], dim=1)           # (4, 2, 129)
    >>> torch.allclose(wrapped(z), model(x), atol=1e-4)  # F(inverse(coefficients)) is F(x)
    True
    """

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
    >>> import numpy as np
    >>> import torch
    >>> from freqxai.metrics import to_quantus
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> m, xq, aq = to_quantus(model, x, relevance, "fft")
    >>> xq.shape, aq.shape                       # real and imaginary parts of 129 bins
    ((4, 2, 129), (4, 2, 129))
    >>> torch.allclose(m(torch.from_numpy(xq)), model(torch.from_numpy(x)), atol=1e-4)
    True
    >>> import quantus
    >>> flipping = quantus.PixelFlipping(features_in_step=43, disable_warnings=True,
    ...                                  display_progressbar=False)  # 258 features, 6 steps
    >>> curves = flipping(m, xq, np.zeros(4, dtype=int), aq, device="cpu")
    >>> len(curves), len(curves[0])                  # a curve per signal
    (4, 6)
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

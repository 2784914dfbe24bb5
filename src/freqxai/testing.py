"""Small models with known frequency explanations, for testing explainers and metrics.

Like ``captum.testing``: the library's own tests and benches use them, and users can check an
explainer (or their own method) against answers that are known by construction.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BinPowerModel", "FreqIGReadmeCNN", "LinearSpectrumModel"]


class BinPowerModel(nn.Module):
    """Two-class model whose logit 0 is the power of rFFT bin ``k`` (summed over channels).

    The right frequency explanation of class 0 is known: only bin ``k`` matters.

    Parameters
    ----------
    k : int
        The rFFT bin that decides class 0.
    scale : float
        Logit 0 is ``scale * |X_k|^2 / n_samples``.
    """

    def __init__(self, k: int, scale: float = 1.0) -> None:
        super().__init__()
        self.k = k
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        power = torch.fft.rfft(x, dim=-1)[..., self.k].abs().square().sum(dim=1)
        z = self.scale * power / x.shape[-1]
        return torch.stack([z, torch.zeros_like(z)], dim=1)


class LinearSpectrumModel(nn.Module):
    """Logits linear in the rFFT amplitude: ``logit_c = sum_f W[c, f] |X_f|`` (summed over channels).

    FLEX with a zero baseline equals ``W[c, f] |X_f|`` exactly (completeness of a linear map).

    Parameters
    ----------
    weight : torch.Tensor, shape (n_classes, n_bins)
    """

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        amp = torch.fft.rfft(x, dim=-1).abs().sum(dim=1)
        return amp @ self.weight.T


class FreqIGReadmeCNN(nn.Module):
    """The small two-class CNN of the ``freqig`` README example.

    Reads ``(batch, 1, time)`` or ``(batch, time)`` (``freqig`` passes the latter). Weights are
    drawn from ``seed`` without touching the global random state.
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv1 = nn.Conv1d(1, 8, kernel_size=5, padding=2)
            self.conv2 = nn.Conv1d(8, 16, kernel_size=3, padding=1)
            self.fc = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.fc(x.mean(-1))

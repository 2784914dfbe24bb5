from __future__ import annotations

from pathlib import Path

import pytest
import torch

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    yield


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is absent)")
    return path


class BinPowerModel(torch.nn.Module):
    """Two-class model whose logit 0 is the power of rFFT bin ``k`` (summed over channels).

    The right frequency explanation of class 0 is known: only bin ``k`` matters.
    """

    def __init__(self, k: int, scale: float = 1.0) -> None:
        super().__init__()
        self.k = k
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        power = torch.fft.rfft(x, dim=-1)[..., self.k].abs().square().sum(dim=1)
        z = self.scale * power / x.shape[-1]
        return torch.stack([z, torch.zeros_like(z)], dim=1)


class LinearSpectrumModel(torch.nn.Module):
    """Logits linear in the rFFT amplitude: ``logit_c = sum_f W[c, f] |X_f|`` (one channel)."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        amp = torch.fft.rfft(x, dim=-1).abs().sum(dim=1)
        return amp @ self.weight.T

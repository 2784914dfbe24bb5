"""AudioNet (Becker et al., 2018/2024, "AudioMNIST: Exploring explainable artificial intelligence
for audio analysis on a simple benchmark"), as used by FreqRISE (Brüsch et al., NLDL 2025).

Six blocks of convolution (kernel 3 along time, padding 1), ReLU and max-pooling by 2 with
100, 64, 128, 128, 128, 128 channels, then dense 1024 → 512 → classes with dropout 0.5.
The published code writes the convolutions as ``Conv2d`` with kernel (1, 3) on a dummy height-1
axis; ``Conv1d`` here computes the same function (and LRP treats both alike).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["AudioNet"]

CHANNELS = (100, 64, 128, 128, 128, 128)


class AudioNet(nn.Module):
    """AudioNet on ``(batch, channels, time)`` waveforms.

    Parameters
    ----------
    n_classes : int
        10 for digits, 2 for gender.
    length : int
        Input samples (8000 = 1 s at 8 kHz).
    in_channels : int
        Input channels (1 for mono audio).
    dropout : float
        Dropout before each dense layer after the first, 0.5 in the paper.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models import AudioNet
    >>> model = AudioNet(n_classes=2, length=800).eval()     # gender, 0.1 s at 8 kHz
    >>> model(torch.randn(4, 1, 800)).shape
    torch.Size([4, 2])
    >>> AudioNet(length=32)
    Traceback (most recent call last):
        ...
    ValueError: length=32 is too short for six pooling stages (needs >= 64)
    """

    def __init__(self, n_classes: int = 10, length: int = 8000, in_channels: int = 1,
                 dropout: float = 0.5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in, n = in_channels, length
        for c_out in CHANNELS:
            layers += [nn.Conv1d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool1d(2)]
            c_in, n = c_out, n // 2
        if n < 1:
            raise ValueError(f"length={length} is too short for six pooling stages (needs >= 64)")
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(c_in * n, 1024), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(1024, 512), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(512, n_classes),
        )
        self.length = length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, channels, time)`` → ``(batch, n_classes)`` logits."""
        if x.dim() == 2:
            x = x[:, None]
        return self.classifier(self.features(x))

"""A small 1-D CNN for multichannel sensor series (the default model of real-data runs).

Three convolution blocks (kernel 7, 5, 3; ReLU), global average pooling over time and a linear
classifier: position-invariant features, so explanations show *which frequencies* matter rather
than where in the window. Every layer has an LRP rule in Zennit's composites (no batch norm to
canonize), so all of freqxai's methods apply to it.
"""

from __future__ import annotations

from torch import nn

from .._checks import Integral, Interval

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Conv1d classifier ``(batch, channels, time) -> (batch, n_classes)``.

    Parameters
    ----------
    in_channels : int
        Input channels (e.g. 6 for BasicMotions' accelerometer and gyroscope axes).
    n_classes : int
        Number of classes.
    width : int
        Channels of the convolution layers.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.cnn import SmallCNN
    >>> model = SmallCNN(in_channels=6, n_classes=4)     # BasicMotions: 6 axes, 4 classes
    >>> model(torch.randn(8, 6, 100)).shape
    torch.Size([8, 4])
    >>> model(torch.randn(8, 6, 37)).shape               # any length: global pooling over time
    torch.Size([8, 4])
    """

    def __init__(self, in_channels: int, n_classes: int, width: int = 32) -> None:
        super().__init__()
        positive = Interval(Integral, 1, None, text="a positive integer")
        in_channels, n_classes, width = (positive.check(v, name) for name, v in (
            ("in_channels", in_channels), ("n_classes", n_classes), ("width", width)))
        self.net = nn.Sequential(
            nn.Conv1d(in_channels, width, 7, padding=3), nn.ReLU(),
            nn.Conv1d(width, width, 5, padding=2), nn.ReLU(),
            nn.Conv1d(width, width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(width, n_classes),
        )

    def forward(self, x):
        return self.net(x)

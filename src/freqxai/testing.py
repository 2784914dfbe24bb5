"""Small models with known frequency explanations, for testing explainers and metrics.

Like ``captum.testing``: the library's own tests and benches use them, and users can check an
explainer (or their own method) against answers that are known by construction.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["BinPowerModel", "FreqIGReadmeCNN", "LinearSpectrumModel", "PITCH_BANDS", "PITCH_F0",
           "PITCH_FS", "PITCH_SECONDS", "PitchCNN", "class_bands_first", "f0_bands_separate",
           "voiced_pitch_signals"]


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


# --- a pitch task: two classes that differ only in F0 ----------------------------------------

PITCH_FS, PITCH_SECONDS = 4000.0, 0.25
PITCH_F0 = (69.0, 139.0)  # class 0 "low", class 1 "high" (the espeak-ng voices' F0 medians)
PITCH_BANDS = {"0-50 Hz": (0.0, 50.0), "50-100 Hz": (50.0, 100.0), "100-200 Hz": (100.0, 200.0),
               "200-400 Hz": (200.0, 400.0), "400-800 Hz": (400.0, 800.0),
               "800-2000 Hz": (800.0, 2000.0)}


def _envelope(f: np.ndarray) -> np.ndarray:
    """Formant-like spectral envelope, the same for both classes: a floor plus resonances at 500
    and 1500 Hz, falling as 1/f above 150 Hz."""
    env = np.full_like(f, 0.5)
    for fc, bw in ((500.0, 80.0), (1500.0, 120.0)):
        env += 1.0 / np.sqrt(1 + ((f - fc) / (bw / 2)) ** 2)
    return env * np.minimum(1.0, 150.0 / f)


def voiced_pitch_signals(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic voiced sounds: harmonics of F0 (class 0: 69 Hz, class 1: 139 Hz, each signal's F0
    log-normal with 5 % spread and a slow +-2 % vibrato) under one envelope, random harmonic
    phases and 10 % amplitude jitter, unit RMS, plus white noise at 0.05: ``(X, y)``, ``X``
    float32 ``(n, 1, 1000)`` at :data:`PITCH_FS` Hz, ``y`` alternating 0, 1. The classes differ
    only in F0, so the bands around F0 (:data:`PITCH_BANDS` 50-100 / 100-200 Hz) must separate
    them (band Shapley values' known answer, issue 26)."""
    rng = np.random.default_rng(seed)
    length = int(PITCH_FS * PITCH_SECONDS)
    t = np.arange(length) / PITCH_FS
    y = np.arange(n) % 2
    X = np.empty((n, length))
    for i in range(n):
        f0 = PITCH_F0[y[i]] * np.exp(rng.normal(0, 0.05))
        vibrato = 1 + 0.02 * np.sin(2 * np.pi * rng.uniform(1, 4) * t + rng.uniform(0, 2 * np.pi))
        phase = 2 * np.pi * np.cumsum(f0 * vibrato) / PITCH_FS
        k = np.arange(1, int((PITCH_FS / 2 - 50) // f0) + 1)
        amp = _envelope(k * f0) * (1 + 0.1 * rng.normal(size=k.size))
        s = (amp[:, None] * np.sin(k[:, None] * phase + rng.uniform(0, 2 * np.pi, k.size)[:, None])
             ).sum(0)
        X[i] = s / s.std() + 0.05 * rng.normal(size=length)
    return X[:, None, :].astype(np.float32), y


class PitchCNN(nn.Module):
    """A tiny Conv1d whose receptive field (167 samples, 42 ms at 4 kHz) spans several periods of
    69 Hz (freqxai's SmallCNN sees 13 samples, 3 ms, and stays at chance on this task)."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, width, 33, stride=2, padding=16), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 17, padding=8), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 9, padding=4), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(width, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def f0_bands_separate(values: np.ndarray, y: np.ndarray, names: list[str], low: str = "50-100 Hz",
                      high: str = "100-200 Hz") -> tuple[np.ndarray, np.ndarray]:
    """Per input: (top, contrast). ``top``: a low (class 0) input's largest positive value is the
    ``low`` band's, or its largest ``|value|`` is the ``high`` band's and negative; a high input
    the other way round. ``contrast``: phi(low) - phi(high) is > 0 for low inputs and < 0 for
    high ones."""
    values = np.asarray(values)
    lo, hi = names.index(low), names.index(high)
    top, contrast = [], []
    for v, c in zip(values, y, strict=True):
        own, other = (lo, hi) if c == 0 else (hi, lo)
        top.append(bool(v.argmax() == own or (np.abs(v).argmax() == other and v[other] < 0)))
        contrast.append(bool((v[lo] - v[hi]) * (1 if c == 0 else -1) > 0))
    return np.array(top), np.array(contrast)


def class_bands_first(values: np.ndarray, y: np.ndarray, bands: dict) -> list[bool]:
    """Per input of the paper's synthetic benchmark with class frequencies (class 0 has none):
    whether the bands holding them have the top values (``values``: ``(batch, bands)``)."""
    from .bands import band_membership
    from .data import class_frequencies

    hits = []
    for v, c in zip(values, y, strict=True):
        freqs = np.asarray(class_frequencies(int(c)), dtype=float)
        if freqs.size == 0:
            continue
        want = set(np.flatnonzero(band_membership(freqs, bands).any(0)).tolist())
        hits.append(set(np.argsort(-v)[: len(want)].tolist()) == want)
    return hits

"""Explanation domains: invertible transforms between a time signal and its coefficients.

A *domain* owns the transform, its exact inverse, the coefficient shape and the physical axes, so
explainers and metrics never branch on a string. All transforms are batched over
``(batch, channels, time)``; ``inverse`` accepts any number of leading dimensions in front of the
channel axis, e.g. ``(batch, masks, channels, freq)`` as FreqRISE produces.

References
----------
Brüsch, T., Wickstrøm, K. K., Schmidt, M. N., Jenssen, R., & Alstrøm, T. S. (2025). FreqRISE:
Explaining time series using frequency masking. Proceedings of the Northern Lights Deep Learning
Conference (NLDL), PMLR 265.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
import torch

__all__ = ["Domain", "Time", "Fourier", "STFT", "get_domain"]


def _check_signal(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 2:
        raise ValueError(
            f"x must have shape (..., channels, time), got shape {tuple(x.shape)}; "
            "add a channel axis with x[:, None, :]"
        )


class Domain(ABC):
    """Base class of explanation domains.

    Attributes
    ----------
    name : str
        Short name used on the command line and in result files (``"time"``, ``"fft"``, ``"stft"``).
    n_axes : int
        Number of coefficient axes after the channel axis (1 for time and rFFT, 2 for STFT).
    is_complex : bool
        Whether the coefficients are complex.
    """

    name: str = "domain"
    n_axes: int = 1
    is_complex: bool = False

    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Transform ``(..., channels, time)`` into ``(..., channels, *coefficient_axes)``."""

    @abstractmethod
    def inverse(self, coefficients: torch.Tensor, length: int) -> torch.Tensor:
        """Invert ``forward`` back to a real signal ``(..., channels, length)``."""

    @abstractmethod
    def coefficient_shape(self, length: int) -> tuple[int, ...]:
        """Shape of the coefficient axes for a signal of ``length`` samples."""

    @abstractmethod
    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        """Coordinates of the coefficient axes.

        Parameters
        ----------
        length : int
            Number of time samples of the signal.
        fs : float, optional
            Sampling rate in Hz. Without it, frequencies are in cycles per sample (``stft``) or
            cycles per signal (``fft``) and times in samples.

        Returns
        -------
        dict
            Axis name (``"time"``, ``"frequency"``, ``"frame"``) to coordinates, in coefficient
            order.
        """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    def check_length(self, length: int) -> None:
        """Raise ``ValueError`` when a signal of ``length`` samples cannot be transformed."""
        if length < 2:
            raise ValueError(f"signal length must be at least 2 samples, got {length}")


class Time(Domain):
    """The identity transform: explanations per time sample (classic RISE)."""

    name = "time"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_signal(x)
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
        t = np.arange(length, dtype=np.float64)
        return {"time": t / fs if fs else t}

    def __repr__(self) -> str:
        return "Time()"


class Fourier(Domain):
    """Real FFT over the time axis (``torch.fft.rfft``), inverted with the original length.

    Coefficients have ``length // 2 + 1`` bins; bin ``k`` is ``k`` cycles per signal, or
    ``k * fs / length`` Hz when the sampling rate is known.
    """

    name = "fft"
    is_complex = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_signal(x)
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
        bins = np.arange(length // 2 + 1, dtype=np.float64)
        return {"frequency": bins * fs / length if fs else bins}

    def __repr__(self) -> str:
        return "Fourier()"


@dataclass(eq=False)
class STFT(Domain):
    """Short-time Fourier transform with an exact inverse (``torch.stft`` / ``torch.istft``).

    Parameters
    ----------
    n_fft : int
        FFT size of each frame; ``n_fft // 2 + 1`` frequency bins.
    hop_length : int, optional
        Frame step in samples; ``n_fft // 4`` by default.
    win_length : int, optional
        Window length, ``n_fft`` by default.
    window : {"hann", "hamming", "blackman", "rectangular"}
        Analysis window (periodic). The window and hop must satisfy the nonzero-overlap-add
        condition for the inverse to exist, which every listed window with ``hop <= win_length / 2``
        does.
    center : bool
        Pad the signal so frame ``k`` is centred at sample ``k * hop_length`` (as ``torch.stft``).

    Notes
    -----
    The inverse is the least-squares ``istft`` with ``length`` given, so odd lengths and lengths that
    are not a multiple of the hop round-trip exactly. Masked coefficients are generally not a
    consistent STFT; ``inverse`` then returns the signal whose STFT is closest to them.
    """

    n_fft: int = 256
    hop_length: int | None = None
    win_length: int | None = None
    window: str = "hann"
    center: bool = True
    _windows: dict = field(default_factory=dict, init=False, repr=False)

    name = "stft"
    n_axes = 2
    is_complex = True

    def __post_init__(self) -> None:
        if not isinstance(self.n_fft, int | np.integer) or self.n_fft < 2:
            raise ValueError(f"n_fft must be an integer >= 2, got {self.n_fft!r}")
        self.hop = int(self.hop_length or self.n_fft // 4)
        self.win = int(self.win_length or self.n_fft)
        if self.hop < 1:
            raise ValueError(f"hop_length must be >= 1, got {self.hop_length!r}")
        if not 1 <= self.win <= self.n_fft:
            raise ValueError(f"win_length must be in [1, n_fft={self.n_fft}], got {self.win}")
        if self.window not in _WINDOWS:
            raise ValueError(f"window must be one of {sorted(_WINDOWS)}, got {self.window!r}")
        if self.hop > self.win:
            raise ValueError(
                f"hop_length={self.hop} exceeds win_length={self.win}: samples between frames "
                "would be lost and the STFT could not be inverted"
            )

    def _window(self, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        key = (device, dtype)
        if key not in self._windows:
            self._windows[key] = _WINDOWS[self.window](self.win, device=device, dtype=dtype)
        return self._windows[key]

    def check_length(self, length: int) -> None:
        super().check_length(length)
        if self.n_fft > length:
            raise ValueError(
                f"the STFT window (n_fft={self.n_fft}) is longer than the signal ({length} "
                "samples); choose n_fft <= signal length"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_signal(x)
        self.check_length(x.shape[-1])
        lead = x.shape[:-1]
        real_dtype = x.dtype if x.is_floating_point() else torch.float32
        spec = torch.stft(
            x.reshape(-1, x.shape[-1]).to(real_dtype),
            n_fft=self.n_fft,
            hop_length=self.hop,
            win_length=self.win,
            window=self._window(x.device, real_dtype),
            center=self.center,
            return_complex=True,
        )
        return spec.reshape(*lead, *spec.shape[-2:])

    def inverse(self, coefficients: torch.Tensor, length: int) -> torch.Tensor:
        expected = self.coefficient_shape(length)
        if tuple(coefficients.shape[-2:]) != expected:
            raise ValueError(
                f"STFT coefficients have shape {tuple(coefficients.shape[-2:])}, a signal of "
                f"{length} samples has {expected}"
            )
        lead = coefficients.shape[:-2]
        real_dtype = coefficients.real.dtype
        x = torch.istft(
            coefficients.reshape(-1, *expected),
            n_fft=self.n_fft,
            hop_length=self.hop,
            win_length=self.win,
            window=self._window(coefficients.device, real_dtype),
            center=self.center,
            length=length,
        )
        return x.reshape(*lead, length)

    def coefficient_shape(self, length: int) -> tuple[int, ...]:
        if self.center:  # torch.stft pads n_fft // 2 on both sides
            frames = (length + 2 * (self.n_fft // 2) - self.n_fft) // self.hop + 1
        else:
            frames = (length - self.n_fft) // self.hop + 1
        return (self.n_fft // 2 + 1, frames)

    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        n_freq, n_frames = self.coefficient_shape(length)
        freq = np.arange(n_freq, dtype=np.float64) / self.n_fft
        centre = np.arange(n_frames, dtype=np.float64) * self.hop
        if not self.center:
            centre = centre + self.n_fft / 2
        if fs:
            return {"frequency": freq * fs, "time": centre / fs}
        return {"frequency": freq, "time": centre}


def _rectangular(n: int, device=None, dtype=None) -> torch.Tensor:
    return torch.ones(n, device=device, dtype=dtype)


_WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "rectangular": _rectangular,
}

_BY_NAME = {"time": Time, "fft": Fourier, "rfft": Fourier, "stft": STFT}


def get_domain(domain: str | Domain = "fft", **kwargs) -> Domain:
    """Return a :class:`Domain` from a name (``"time"``, ``"fft"``, ``"stft"``) or pass one through.

    Keyword arguments go to the domain's constructor (e.g. ``n_fft``, ``hop_length`` for STFT).
    """
    if isinstance(domain, Domain):
        if kwargs:
            raise ValueError("domain parameters can only be given with a domain name")
        return domain
    if not isinstance(domain, str) or domain.lower() not in _BY_NAME:
        raise ValueError(f"domain must be one of {sorted(_BY_NAME)} or a Domain, got {domain!r}")
    cls = _BY_NAME[domain.lower()]
    if cls is not STFT and kwargs:
        raise ValueError(f"domain {domain!r} takes no parameters, got {sorted(kwargs)}")
    return cls(**kwargs)

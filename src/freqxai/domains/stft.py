"""The short-time Fourier transform domain (time-frequency FreqRISE, FLEX and DFT-LRP)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .base import Domain, check_signal, register_domain, split_negligible
from .fourier import one_sided_weights

__all__ = ["STFT", "WINDOWS"]


def _rectangular(n: int, device=None, dtype=None) -> torch.Tensor:
    return torch.ones(n, device=device, dtype=dtype)


WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "rectangular": _rectangular,
}


def _is_int(v) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


@register_domain("stft")
@dataclass(eq=False)
class STFT(Domain):
    """Short-time Fourier transform with an exact inverse (``torch.stft`` / ``torch.istft``).

    Parameters
    ----------
    n_fft : int
        FFT size of each frame; ``n_fft // 2 + 1`` frequency bins.
    hop_length : int, optional
        Frame step in samples; ``n_fft // 4`` when None.
    win_length : int, optional
        Window length, ``n_fft`` when None.
    window : {"hann", "hamming", "blackman", "rectangular"}
        Analysis window (periodic). The window and hop must satisfy the nonzero-overlap-add
        condition for the inverse to exist, which every listed window with ``hop <= win_length / 2``
        does.
    center : bool
        Pad the signal so frame ``k`` is centred at sample ``k * hop_length`` (as ``torch.stft``).

    Notes
    -----
    Coefficients are ``(n_fft // 2 + 1, frames)``. The inverse is the least-squares ``istft`` with
    ``length`` given, so odd lengths and lengths that are not a multiple of the hop round-trip
    exactly. Masked coefficients are generally not a consistent STFT; ``inverse`` then returns the
    signal whose STFT is closest to them.
    """

    n_fft: int = 256
    hop_length: int | None = None
    win_length: int | None = None
    window: str = "hann"
    center: bool = True
    _windows: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if not _is_int(self.n_fft) or self.n_fft < 2:
            raise ValueError(f"n_fft must be an integer >= 2, got {self.n_fft!r}")
        for name in ("hop_length", "win_length"):
            v = getattr(self, name)
            if v is not None and (not _is_int(v) or v < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {v!r}")
        self.n_fft = int(self.n_fft)
        self.hop = int(self.n_fft // 4 if self.hop_length is None else self.hop_length)
        self.win = int(self.n_fft if self.win_length is None else self.win_length)
        if self.hop < 1:
            raise ValueError(f"hop_length must be >= 1, got {self.hop} (n_fft // 4 of n_fft={self.n_fft})")
        if not 1 <= self.win <= self.n_fft:
            raise ValueError(f"win_length must be in [1, n_fft={self.n_fft}], got {self.win}")
        if self.window not in WINDOWS:
            raise ValueError(f"window must be one of {sorted(WINDOWS)}, got {self.window!r}")
        if not isinstance(self.center, bool | np.bool_):
            raise ValueError(f"center must be True or False, got {self.center!r}")
        if self.hop > self.win:
            raise ValueError(
                f"hop_length={self.hop} exceeds win_length={self.win}: samples between frames "
                "would be lost and the STFT could not be inverted"
            )

    def window_tensor(self, device: torch.device | str | None = None,
                      dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The analysis window (``win_length`` samples), cached per device and dtype."""
        key = (torch.device(device or "cpu"), dtype)
        if key not in self._windows:
            self._windows[key] = WINDOWS[self.window](self.win, device=key[0], dtype=dtype)
        return self._windows[key]

    def full_window(self, device=None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The window zero-padded (centred) to ``n_fft`` samples, as ``torch.stft`` applies it."""
        w = self.window_tensor(device, dtype)
        left = (self.n_fft - w.shape[0]) // 2
        return F.pad(w, (left, self.n_fft - w.shape[0] - left))

    def check_length(self, length: int) -> None:
        super().check_length(length)
        if self.n_fft > length:
            raise ValueError(
                f"the STFT window (n_fft={self.n_fft}) is longer than the signal ({length} "
                "samples); choose n_fft <= signal length"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_signal(x)
        self.check_length(x.shape[-1])
        lead = x.shape[:-1]
        real_dtype = x.dtype if x.is_floating_point() else torch.float32
        spec = torch.stft(
            x.reshape(-1, x.shape[-1]).to(real_dtype),
            n_fft=self.n_fft,
            hop_length=self.hop,
            win_length=self.win,
            window=self.window_tensor(x.device, real_dtype),
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
        if not coefficients.is_complex():  # a real tensor (e.g. a zero probe) is a real spectrum
            coefficients = torch.complex(coefficients, torch.zeros_like(coefficients))
        real_dtype = coefficients.real.dtype
        x = torch.istft(
            coefficients.reshape(-1, *expected),
            n_fft=self.n_fft,
            hop_length=self.hop,
            win_length=self.win,
            window=self.window_tensor(coefficients.device, real_dtype),
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

    # -- DFT-LRP with FFTs ----------------------------------------------------------------------
    def _overlap_add_envelope(self, w2: torch.Tensor, length: int) -> torch.Tensor:
        """D_n = sum_m w²(n - start_m), the istft normaliser, over the signal's own samples."""
        n_frames = self.coefficient_shape(length)[1]
        pad = self.n_fft // 2 if self.center else 0
        starts = torch.arange(n_frames, device=w2.device) * self.hop - pad
        idx = starts[:, None] + torch.arange(self.n_fft, device=w2.device)
        keep = (idx >= 0) & (idx < length)
        env = torch.zeros(length, device=w2.device, dtype=w2.dtype)
        env.index_add_(0, idx[keep], w2.expand_as(idx)[keep])
        return env

    def _frames(self, v: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
        """STFT of ``v`` with zero padding (positions outside the signal contribute nothing)."""
        lead, n = v.shape[:-1], v.shape[-1]
        spec = torch.stft(
            v.reshape(-1, n), n_fft=self.n_fft, hop_length=self.hop, window=window,
            center=self.center, pad_mode="constant", return_complex=True,
        )
        return spec.reshape(*lead, *spec.shape[-2:])

    def project_relevance(self, relevance, inputs, *, eps: float = 1e-6):
        """Short-time DFT-LRP with FFTs (equal to the generic projection, tested).

        ``istft`` is ``x = sum_m w frame_m / D`` with ``D`` the overlap-added squared window, so
        ``R = a_k / n_fft Re(Y conj(U))`` with ``U`` the zero-padded STFT of ``R / (x D)``.
        Negligible samples: frame ``m`` gets ``sum_j w(j)² (R_small / D)(start_m + j)`` (the DC
        bin of an STFT with window ``w²``), spread over bins by ``a_k²``.
        """
        x = inputs
        n = x.shape[-1]
        w = self.full_window(x.device, x.dtype)
        w2 = w.square()
        env = self._overlap_add_envelope(w2, n)
        if (env <= 1e-12 * w2.max()).any():
            raise ValueError(
                "the STFT window and hop leave samples uncovered (the nonzero overlap-add "
                "condition fails), so the STFT cannot be inverted and relevance cannot be projected"
            )
        z, r_small = split_negligible(x, relevance, eps)
        Y = self.forward(x)
        U = self._frames(z / env, w)
        a = one_sided_weights(self.n_fft, Y.shape[-2], x.device, x.dtype)[:, None]
        out = a / self.n_fft * (Y * U.conj()).real
        per_frame = self._frames(r_small / env, w2)[..., 0, :].real
        share = a.square() / a.square().sum()
        return out + per_frame[..., None, :] * share

    def plot(self, ax, relevance, *, length, fs=None, signal=None, title=None,
             max_frequency=None, significant=None, **kwargs):
        """Relevance over the log-magnitude spectrogram of ``signal`` (channels summed); cells
        outside ``significant`` (a boolean map, e.g. ``|z| > 3``) are greyed out."""
        from .. import plotting

        axes = self.axes(length, fs)
        spec = None
        if signal is not None:
            s = torch.as_tensor(np.asarray(signal, dtype=np.float64)).reshape(-1, length)
            spec = self.forward(s).abs().sum(0).numpy()
        return plotting.plot_time_frequency_relevance(
            ax, spec, relevance, axes["frequency"], axes["time"], title=title,
            max_frequency=max_frequency, frequency_unit="Hz" if fs else "cycles/sample",
            time_unit="s" if fs else "samples", significant=significant)

"""The short-time Fourier transform domain (time-frequency FreqRISE, FLEX and DFT-LRP)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import Integral, Interval, StrOptions, validate_option
from .base import Domain, cached_constant, check_fs, check_signal, register_domain, split_negligible
from .fourier import one_sided_weights

__all__ = ["STFT", "WINDOWS", "fit_stft", "MIN_AUTO_LENGTH"]


def _rectangular(n: int, device=None, dtype=None) -> torch.Tensor:
    return torch.ones(n, device=device, dtype=dtype)


WINDOWS = {
    "hann": torch.hann_window,
    "hamming": torch.hamming_window,
    "blackman": torch.blackman_window,
    "rectangular": _rectangular,
}


# Overlap-added squared window below which a sample counts as uncovered (torch.istft's bound;
# the windows peak at 1).
_NOLA_TOL = 1e-11


def _is_int(v) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


# Shortest signal ``n_fft="auto"`` fits (a 2-sample frame: the DC and Nyquist bins).
MIN_AUTO_LENGTH = 2
# the settings' constraints (freqxai._checks): one message each
_N_FFT = [Interval(Integral, 2, None), StrOptions(("auto",))]
_POSITIVE_OR_NONE = [Interval(Integral, 1, None, text="a positive integer"), None]


def fit_stft(length: int) -> tuple[int, int]:
    """``(n_fft, hop_length)`` of ``STFT(n_fft="auto")`` for a signal of ``length`` samples.

    ``n_fft`` is the power of two at or below a quarter of the signal, between 16 and 256 (the
    signal's own length when it is shorter than 16 samples), and the hop a quarter of it (at
    least 1), so that a signal gets at least about 4 windows' worth of frames with Hann's 75 %
    overlap. The runner's ``RunConfig.fit_to_length`` uses the same rule. Examples: 29 samples
    -> (16, 4), 100 -> (16, 4), 427 -> (64, 16), 8000 -> (256, 64).

    Raises
    ------
    ValueError
        For a length below :data:`MIN_AUTO_LENGTH` (2).
    """
    if not _is_int(length) or length < MIN_AUTO_LENGTH:
        raise ValueError(f"n_fft='auto' fits an STFT to signals of at least {MIN_AUTO_LENGTH} "
                         f"samples, got length {length!r}")
    n_fft = min(256, max(16, 2 ** int(math.log2(max(int(length) // 4, 1)))), int(length))
    return n_fft, max(1, n_fft // 4)


@register_domain("stft")
@dataclass(eq=False)
class STFT(Domain):
    """Short-time Fourier transform with an exact inverse (``torch.stft`` / ``torch.istft``).

    Parameters
    ----------
    n_fft : int or "auto"
        FFT size of each frame; ``n_fft // 2 + 1`` frequency bins. ``"auto"`` (default): fitted
        to each signal length by :func:`fit_stft` (a power of two near a quarter of the signal,
        16 to 256, hop a quarter of it), so ``STFT()`` works on any signal of at least
        :data:`MIN_AUTO_LENGTH` samples; :meth:`n_fft_for` and :meth:`for_length` tell the size
        chosen for a length, and the repr lists the lengths seen so far. ``hop_length`` and
        ``win_length`` then follow the fitted size and may not be given.
    hop_length : int, optional
        Frame step in samples; ``n_fft // 4`` when None.
    win_length : int, optional
        Window length, ``n_fft`` when None.
    window : {"hann", "hamming", "blackman", "rectangular"}
        Analysis window (periodic). The window and hop must satisfy the nonzero-overlap-add
        condition for the inverse to exist, which every listed window with ``hop <= win_length / 2``
        does; a hop that leaves samples between frames without weight is refused here.
    center : bool
        Pad the signal so frame ``k`` is centred at sample ``k * hop_length`` (as ``torch.stft``).
        With ``center=False`` the frames must cover the whole signal: :meth:`check_length`
        refuses a length whose last frame stops short of the end (``(length - n_fft) %
        hop_length != 0`` with a full-length window) or whose first samples get no window weight
        (a window that is 0 at its edges, such as ``"hann"``).

    Raises
    ------
    ValueError
        For a non-integer or too small ``n_fft``, ``hop_length`` or ``win_length``, a hop longer
        than the window, a hop the window cannot overlap-add, or an unknown window.

    Notes
    -----
    Coefficients are ``(n_fft // 2 + 1, frames)``. The inverse is the least-squares ``istft`` with
    ``length`` given, so odd lengths and lengths that are not a multiple of the hop round-trip
    exactly. Masked coefficients are generally not a consistent STFT; ``inverse`` then returns the
    signal whose STFT is closest to them.

    Examples
    --------
    >>> import torch
    >>> from freqxai import STFT
    >>> x = torch.randn(4, 2, 256)
    >>> stft = STFT(n_fft=64, hop_length=16)
    >>> c = stft.forward(x)                    # (..., channels, frequencies, frames)
    >>> c.shape
    torch.Size([4, 2, 33, 17])
    >>> torch.allclose(stft.inverse(c, 256), x, atol=1e-5)
    True
    >>> STFT().n_fft_for(256), STFT().coefficient_shape(256)    # "auto": fitted per length
    (64, (33, 17))
    """

    n_fft: int | str = "auto"
    hop_length: int | None = None
    win_length: int | None = None
    window: str = "hann"
    center: bool = True
    _windows: dict = field(default_factory=dict, init=False, repr=False)
    _invertible_lengths: set = field(default_factory=set, init=False, repr=False)
    _fitted: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.n_fft, str) and self.n_fft == "auto":
            given = [n for n in ("hop_length", "win_length") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"n_fft='auto' fits {' and '.join(given)} to each signal length; "
                                 f"give an integer n_fft to set {given[0]}")
            if not isinstance(self.window, str) or self.window not in WINDOWS:
                raise ValueError(f"window must be one of {sorted(WINDOWS)}, got {self.window!r}")
            if not isinstance(self.center, bool | np.bool_):
                raise ValueError(f"center must be True or False, got {self.center!r}")
            self.hop = self.win = None
            return
        self.n_fft = validate_option(_N_FFT, self.n_fft, "n_fft")
        for name in ("hop_length", "win_length"):
            validate_option(_POSITIVE_OR_NONE, getattr(self, name), name)
        self.hop = int(self.n_fft // 4 if self.hop_length is None else self.hop_length)
        self.win = int(self.n_fft if self.win_length is None else self.win_length)
        if self.hop < 1:
            raise ValueError(f"hop_length must be >= 1, got {self.hop} (n_fft // 4 of n_fft={self.n_fft})")
        if not 1 <= self.win <= self.n_fft:
            raise ValueError(f"win_length must be in [1, n_fft={self.n_fft}], got {self.win}")
        if not isinstance(self.window, str) or self.window not in WINDOWS:
            raise ValueError(f"window must be one of {sorted(WINDOWS)}, got {self.window!r}")
        if not isinstance(self.center, bool | np.bool_):
            raise ValueError(f"center must be True or False, got {self.center!r}")
        if self.hop > self.win:
            raise ValueError(
                f"hop_length={self.hop} exceeds win_length={self.win}: samples between frames "
                "would be lost and the STFT could not be inverted"
            )
        # Nonzero overlap-add between frames: a sample at offset r (mod hop) inside the signal
        # gets sum_m w(r + m hop)² from the frames over it; it must not be 0 for any r.
        w2 = self.full_window("cpu", torch.float64).square().numpy()
        per_offset = np.bincount(np.arange(self.n_fft) % self.hop, weights=w2, minlength=self.hop)
        if per_offset.min() < _NOLA_TOL * w2.max():
            lost = int((per_offset < _NOLA_TOL * w2.max()).sum())
            raise ValueError(
                f"hop_length={self.hop} does not fit window={self.window!r} (win_length={self.win}): "
                f"the window is 0 where frames meet, so {lost} of every {self.hop} samples get no "
                "weight from any frame (the nonzero overlap-add condition fails) and the STFT "
                f"could not be inverted; choose hop_length <= {max(1, self.win // 2)} or "
                "window='hamming'"
            )

    # -- n_fft="auto": a fitted STFT per signal length ------------------------------------------
    @property
    def auto(self) -> bool:
        """True when ``n_fft="auto"`` (sizes fitted per signal length)."""
        return isinstance(self.n_fft, str)

    def for_length(self, length: int) -> STFT:
        """The STFT applied to signals of ``length`` samples: ``self`` for a given ``n_fft``,
        else the fitted one (:func:`fit_stft`; cached, listed in the repr)."""
        if not self.auto:
            return self
        length = int(length) if _is_int(length) else length
        if length not in self._fitted:
            n_fft, hop = fit_stft(length)
            self._fitted[length] = STFT(n_fft, hop, window=self.window, center=self.center)
        return self._fitted[length]

    def n_fft_for(self, length: int) -> int:
        """FFT size used for signals of ``length`` samples."""
        return int(self.for_length(length).n_fft)

    def hop_for(self, length: int) -> int:
        """Frame step used for signals of ``length`` samples."""
        return int(self.for_length(length).hop)

    def __repr__(self) -> str:
        if not self.auto:
            return (f"STFT(n_fft={self.n_fft!r}, hop_length={self.hop_length!r}, "
                    f"win_length={self.win_length!r}, window={self.window!r}, "
                    f"center={self.center!r})")
        fitted = ", ".join(f"{n}: n_fft={d.n_fft}, hop_length={d.hop}"
                           for n, d in sorted(self._fitted.items()))
        return (f"STFT(n_fft='auto', window={self.window!r}, center={self.center!r}"
                + (f"; fitted {{{fitted}}})" if fitted else ")"))

    def _refuse_auto(self, what: str) -> None:
        if self.auto:
            raise ValueError(f"STFT(n_fft='auto') has no {what} before a signal length is known; "
                             "use stft.for_length(length)")

    def window_tensor(self, device: torch.device | str | None = None,
                      dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The analysis window (``win_length`` samples), cached per device and dtype."""
        self._refuse_auto("window")
        key = (torch.device(device or "cpu"), dtype)
        return cached_constant(self._windows, key,
                               lambda: WINDOWS[self.window](self.win, device=key[0], dtype=dtype))

    def full_window(self, device=None, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The window zero-padded (centred) to ``n_fft`` samples, as ``torch.stft`` applies it."""
        w = self.window_tensor(device, dtype)
        left = (self.n_fft - w.shape[0]) // 2
        return F.pad(w, (left, self.n_fft - w.shape[0] - left))

    def check_length(self, length: int) -> None:
        """Raise ``ValueError`` unless the STFT of ``length`` samples exists and is invertible.

        Refused: ``length < 2``, ``n_fft > length``, and lengths with samples no frame gives
        weight to (with ``center=False``: frames that stop short of the end, or a window that is
        0 at the start), which ``istft`` could not reconstruct.
        """
        super().check_length(length)
        if self.auto:
            return self.for_length(length).check_length(length)
        if self.n_fft > length:
            raise ValueError(
                f"the STFT window (n_fft={self.n_fft}) is longer than the signal ({length} "
                "samples); choose n_fft <= signal length"
            )
        if length in self._invertible_lengths:
            return
        w2 = self.full_window("cpu", torch.float64).square().numpy()
        env = self._overlap_add_envelope_np(w2, length)
        uncovered = np.flatnonzero(env < _NOLA_TOL * w2.max())
        if uncovered.size:
            raise ValueError(self._uncovered_message(length, uncovered))
        self._invertible_lengths.add(int(length))

    def _overlap_add_envelope_np(self, w2: np.ndarray, length: int) -> np.ndarray:
        """:meth:`_overlap_add_envelope` in numpy (float64, CPU), for :meth:`check_length`."""
        n_frames = self.coefficient_shape(length)[1]
        pad = self.n_fft // 2 if self.center else 0
        idx = (np.arange(n_frames) * self.hop - pad)[:, None] + np.arange(self.n_fft)
        keep = (idx >= 0) & (idx < length)
        return np.bincount(idx[keep], weights=np.broadcast_to(w2, idx.shape)[keep],
                           minlength=length)

    def _uncovered_message(self, length: int, uncovered: np.ndarray) -> str:
        """What is uncovered, and how to fix it, for :meth:`check_length`."""
        covered = np.setdiff1d(np.arange(length), uncovered)
        head = int(covered[0]) if covered.size else length
        tail = length - 1 - int(covered[-1]) if covered.size else 0
        inner = uncovered.size - head - tail

        def count(n: int) -> str:
            return "sample" if n == 1 else f"{n} samples"

        where = [f"the first {count(head)}"] if head else []
        where += [f"the last {count(tail)}"] if tail else []
        where += [f"{count(inner)} between frames"] if inner > 0 else []
        msg = (f"{self!r} cannot invert a {length}-sample signal: no frame gives weight to "
               f"{' and '.join(where)} (the overlap-added squared window is 0 there), so istft "
               "could not reconstruct them")
        rest = (length - self.n_fft) % self.hop
        fixes = []
        if tail and rest and not self.center:
            fixes.append(
                f"the frames stop short of the end ((length - n_fft) % hop_length = {rest}): "
                f"trim the signal to {length - rest} or zero-pad it to "
                f"{length - rest + self.hop} samples, or choose a hop_length that divides "
                f"length - n_fft = {length - self.n_fft}")
        if (head or (tail and not rest)) and not self.center:
            fixes.append(f"window={self.window!r} with win_length={self.win} is 0 at the edges "
                         "of the frames: use window='rectangular' with win_length=n_fft")
        if not self.center:
            fixes.append("or use center=True (frames centred on the samples cover the whole signal)")
        else:
            fixes.append(f"choose hop_length <= {max(1, self.win // 2)}")
        return msg + "; " + "; ".join(fixes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_signal(x)
        if self.auto:
            return self.for_length(x.shape[-1]).forward(x)
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
        self.check_length(length)
        if self.auto:
            return self.for_length(length).inverse(coefficients, length)
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
        if self.auto:
            return self.for_length(length).coefficient_shape(length)
        if self.center:  # torch.stft pads n_fft // 2 on both sides
            frames = (length + 2 * (self.n_fft // 2) - self.n_fft) // self.hop + 1
        else:
            frames = (length - self.n_fft) // self.hop + 1
        return (self.n_fft // 2 + 1, frames)

    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        """``"frequency"``: ``k * fs / n_fft`` for bins ``k``; ``"time"``: each frame's centre
        (sample ``k * hop_length``, plus ``n_fft / 2`` with ``center=False``) divided by ``fs``.
        In Hz and s with ``fs``, in cycles per sample and samples without it (``fs=1``)."""
        if self.auto:
            return self.for_length(length).axes(length, fs)
        rate = check_fs(fs) or 1.0
        n_freq, n_frames = self.coefficient_shape(length)
        centre = np.arange(n_frames, dtype=np.float64) * self.hop
        if not self.center:
            centre = centre + self.n_fft / 2
        return {"frequency": np.arange(n_freq, dtype=np.float64) * rate / self.n_fft,
                "time": centre / rate}

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
        if self.auto:
            return self.for_length(inputs.shape[-1]).project_relevance(relevance, inputs, eps=eps)
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
            max_frequency=max_frequency, frequency_unit=plotting.frequency_unit(fs),
            time_unit=plotting.time_unit(fs), significant=significant)

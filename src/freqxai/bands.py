"""Frequency attributions summarised per named band (how FLEX reports EEG results), never
dropping a bin silently.

Gräve et al. (2025) summarise FLEX attributions per EEG band. Bands are half-open
``low <= f < high`` except that a band reaching the highest frequency (Nyquist) includes it.
Bins no band covers are reported in a ``UserWarning`` with the share of relevance they hold; the
default bands always cover every bin: for EEG (``eeg=True``) the EEG bands, with the slow band below
delta and gamma above beta; for any other data DC and octaves above the first non-zero bin (the
spectrum's own resolution: a band per doubling of frequency, so slow and fast rhythms get bands of
equal relative width).
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ._checks import check_bool, check_choice, check_fs, check_positive_int

__all__ = ["EEG_BANDS", "band_attributions", "band_edges", "band_membership", "check_bands",
           "default_bands", "is_eeg_montage", "signal_bands"]

EEG_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "sigma": (12.0, 16.0),
    "beta": (16.0, 30.0),
}
# the units band edges and frequencies are in: Hz, or cycles per sample without a sampling rate
_UNITS = ("Hz", "cycles/sample")


# Electrode labels of the international 10-20 / 10-10 / 10-5 systems: a letter code for the region
# (frontal pole ... occipital, with the intermediate rows) and a number (odd left, even right) or
# z for the midline; T3/T4/T5/T6 are the older names of T7/T8/P7/P8.
_ELECTRODE = re.compile(r"^(N|NZ|FP|AFP|AF|AFF|F|FFC|FC|FCC|FT|FTT|C|CCP|CP|CPP|T|TP|TTP|P|PPO|PO|POO|"
                        r"O|OI|I|IZ|A|M)(\d{1,2}|Z|H?\d{1,2}H?)$")


def is_eeg_montage(channel_names: Sequence[str] | None) -> bool:
    """Whether most ``channel_names`` are 10-20 / 10-10 electrode labels (``Fp1``, ``Cz``, ``O2``,
    ``AF3``, ``EEG Fz-Cz`` references stripped): the data is EEG, and its summary uses EEG bands.

    Examples
    --------
    >>> from freqxai.bands import is_eeg_montage
    >>> is_eeg_montage(["Fp1", "Cz", "O2", "EEG Fz-Cz"])
    True
    >>> is_eeg_montage(["acc_x", "acc_y", "acc_z"])
    False
    """
    if not channel_names:
        return False
    hits = 0
    for name in channel_names:
        label = str(name).upper().replace("EEG", "").strip(" -_.:")
        label = re.split(r"[-_ /:]", label)[0]  # "Fz-Cz" (a bipolar pair) -> "FZ"
        hits += bool(_ELECTRODE.match(label))
    return hits >= max(1, (len(channel_names) + 1) // 2)


def _check_frequencies(frequencies: Any, name: str = "frequencies") -> np.ndarray:
    """``frequencies`` (any array-like) as a 1-D float array of at least one finite bin, else
    ``ValueError`` naming ``name``."""
    how = "give the bins' frequencies, e.g. np.fft.rfftfreq(length, 1 / fs)"
    try:
        f = np.asarray(frequencies, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be a 1-D array of bin frequencies; {how}; got "
                         f"{frequencies!r:.80}") from err
    if f.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of bin frequencies, got shape {f.shape}; "
                         f"{how}")
    if f.size == 0:
        raise ValueError(f"{name} must hold at least one bin, got none; {how}")
    if not np.isfinite(f).all():
        raise ValueError(f"{name} must be finite, got {int((~np.isfinite(f)).sum())} NaN or Inf "
                         f"of {f.size}; {how}")
    return f


def default_bands(frequencies: np.ndarray, *, eeg: bool = False, unit: str = "Hz"
                  ) -> dict[str, tuple[float, float]]:
    """Bands that cover every bin of ``frequencies`` (Hz, increasing from 0).

    Parameters
    ----------
    frequencies : ndarray
        Bin frequencies, e.g. ``np.fft.rfftfreq(length, 1 / fs)``.
    eeg : bool
        The data is EEG: ``slow`` (0-0.5 Hz), the EEG bands of :data:`EEG_BANDS` and ``gamma``
        (30 Hz to the top), those the spectrum reaches. Otherwise (default): ``DC`` and octaves
        from the first non-zero bin, the last one ending at the top frequency. EEG names on
        accelerometer or audio data would read as findings about brain rhythms.
    unit : {"Hz", "cycles/sample"}
        The unit in the octave bands' names (``"cycles/sample"`` for frequencies without a
        sampling rate).

    Raises
    ------
    TypeError
        For an ``eeg`` that is not True or False.
    ValueError
        For ``frequencies`` that are not a non-empty 1-D array of finite values, or another
        ``unit``.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.bands import default_bands
    >>> freqs = np.fft.rfftfreq(256, 1 / 128.0)      # 0-64 Hz
    >>> list(default_bands(freqs))                   # DC and octaves
    ['DC', '0.5-1 Hz', '1-2 Hz', '2-4 Hz', '4-8 Hz', '8-16 Hz', '16-32 Hz', '32-64 Hz']
    >>> default_bands(freqs, eeg=True)
    {'slow': (0.0, 0.5), 'delta': (0.5, 4.0), 'theta': (4.0, 8.0), 'alpha': (8.0, 12.0),
     'sigma': (12.0, 16.0), 'beta': (16.0, 30.0), 'gamma': (30.0, 64.0)}
    """
    eeg = check_bool(eeg, "eeg")
    unit = check_choice(unit, "unit", _UNITS)
    f = _check_frequencies(frequencies)
    top = float(f.max())
    if eeg:
        bands = {"slow": (0.0, EEG_BANDS["delta"][0])}
        for name, (lo, hi) in EEG_BANDS.items():
            if lo < top:
                bands[name] = (lo, min(hi, top))
        if top > EEG_BANDS["beta"][1]:
            bands["gamma"] = (EEG_BANDS["beta"][1], top)
        return bands
    positive = f[f > 0]
    if positive.size == 0:
        return {"DC": (0.0, top if top > 0 else 1.0)}
    first = float(positive.min())
    bands = {"DC": (0.0, first)}
    lo = first
    while lo * 2 < top:
        bands[f"{lo:.3g}-{lo * 2:.3g} {unit}"] = (lo, lo * 2)
        lo *= 2
    bands[f"{lo:.3g}-{top:.3g} {unit}"] = (lo, top)
    return bands


def band_membership(frequencies: np.ndarray, bands: Mapping[str, tuple[float, float]]
                    ) -> np.ndarray:
    """``(n_bins, n_bands)`` 0/1 matrix: bin ``i`` lies in band ``j`` (``low <= f < high``, closed
    at the top frequency). Raises ``ValueError`` for a band that is not ``(low, high)``.

    The top frequency is matched to a relative 1e-9: the Nyquist bin of an 88-sample signal at
    100 Hz is 50.000000000000007 Hz, and a band ending at 50 Hz must still hold it.

    ``frequencies`` may be any array-like (finite, 1-D, at least one bin); ``bands`` must be a
    mapping (:func:`check_bands` names a list of ``(low, high)`` pairs by their edges).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.bands import band_membership
    >>> freqs = np.fft.rfftfreq(16, 1 / 16.0)        # 0, 1, ..., 8 Hz
    >>> m = band_membership(freqs, {"low": (0, 4), "high": (4, 8)})
    >>> m.shape                                      # (n_bins, n_bands)
    (9, 2)
    >>> m.sum(axis=0).tolist()                       # the top band is closed: it holds 8 Hz
    [4.0, 5.0]
    """
    freqs = _check_frequencies(frequencies)
    if not isinstance(bands, Mapping):
        raise TypeError(f"bands must map band names to (low, high) edges, e.g. {{'alpha': (8.0, "
                        f"12.0)}}, got {bands!r:.80}; check_bands(bands, frequencies) names a "
                        "list of (low, high) pairs by their edges")
    top = freqs.max()
    tol = 1e-9 * abs(top)
    member = np.zeros((freqs.size, len(bands)))
    for j, (name, edges) in enumerate(bands.items()):
        try:
            lo, hi = (float(e) for e in edges)
        except (TypeError, ValueError) as err:
            raise ValueError(f"band {name!r} must be (low, high) in Hz, got {edges!r}") from err
        if not lo < hi:
            raise ValueError(f"band {name!r} must have low < high, got ({lo}, {hi})")
        member[:, j] = (freqs >= lo) & ((freqs < hi) | ((hi >= top - tol) & (freqs <= hi + tol)))
    return member


def band_edges(edges: Any, name: str = "band", unit: str = "Hz") -> tuple[float, float]:
    """``edges`` as ``(low, high)``: two finite real numbers with ``low < high``, else
    ``ValueError`` (``TypeError`` for anything but a pair) naming ``name``.

    Examples
    --------
    >>> from freqxai.bands import band_edges
    >>> band_edges((8, 16))
    (8.0, 16.0)
    >>> band_edges((16, 8), name="alpha")
    Traceback (most recent call last):
        ...
    ValueError: alpha must have low < high, got (16, 8) Hz
    """
    example = "(8.0, 12.0)" if unit == "Hz" else "(0.1, 0.2)"
    if isinstance(edges, str | bytes) or not isinstance(edges, Sequence | np.ndarray) \
            or len(edges) != 2:
        raise TypeError(f"{name} must be a (low, high) pair in {unit}, e.g. {example}, got "
                        f"{edges!r:.80}")
    if not all(isinstance(e, numbers.Real) and not isinstance(e, bool | np.bool_) for e in edges):
        raise ValueError(f"{name} must be a (low, high) pair of numbers in {unit}, got {edges!r:.80}")
    lo, hi = (float(e) for e in edges)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must have finite edges in {unit}, got ({lo}, {hi}); end the top "
                         "band at the Nyquist frequency (fs / 2) to reach the top")
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got ({lo:g}, {hi:g}) {unit}")
    return lo, hi


def _empty_band(label: str, lo: float, hi: float, frequencies: np.ndarray, unit: str) -> str:
    """Why the band ``lo``-``hi`` holds no bin of ``frequencies``, and what to do."""
    f = np.asarray(frequencies, dtype=float)
    top = float(f.max())
    step = float(f[1] - f[0]) if f.size > 1 else top
    if lo > top:
        where = f"it lies above the highest frequency (Nyquist, {top:.3g} {unit})"
    elif hi <= 0:
        where = "it lies below 0 (frequencies run from 0 up)"
    else:
        where = "it is narrower than the bin spacing: widen it to hold a bin, or drop it"
    return (f"{label} ({lo:.3g}-{hi:.3g} {unit}) holds no frequency bin of the data (bins "
            f"{step:.3g} {unit} apart, 0 to {top:.3g} {unit}): {where}")


def check_bands(bands: Any, frequencies: np.ndarray, *, unit: str = "Hz", name: str = "bands",
                stacklevel: int = 2) -> dict[str, tuple[float, float]]:
    """User band edges checked against the data's frequency bins, as ``{name: (low, high)}``.

    Parameters
    ----------
    bands : mapping name -> (low, high), or sequence of (low, high)
        Edges in ``unit`` (``low <= f < high``, closed at the top frequency). A list of pairs
        carries no names: each band is named by its edges, ``"8-12 Hz"`` (as the default octave
        bands are), so a table of them reads the same as one of named bands.
    frequencies : ndarray
        The data's bin frequencies, e.g. ``np.fft.rfftfreq(length, 1 / fs)``.
    unit : {"Hz", "cycles/sample"}
        ``"Hz"``, or ``"cycles/sample"`` for frequencies without a sampling rate (then an edge
        above 0.5, the highest frequency of any sampled signal, is a band in Hz: refused, naming
        ``fs``).
    name : str
        The argument's name in messages.

    Returns
    -------
    dict

    Raises
    ------
    TypeError
        For anything but a mapping or a sequence of pairs, or names that are not strings.
    ValueError
        For ``frequencies`` that are not a non-empty 1-D array of finite values, a ``unit``
        other than ``"Hz"`` or ``"cycles/sample"``, no band, edges that are not finite numbers
        with ``low < high``, bands that overlap
        (a coefficient in two bands is counted twice: shares no longer add up and a band always
        outranks the narrower bands inside it), and a band that holds no bin of ``frequencies``
        (above the top frequency, or narrower than the bin spacing): it has nothing to score.

    Warns
    -----
    UserWarning
        When bins fall outside every band, naming their range. A gap is allowed, not refused:
        band sets with gaps are common (EEG alpha 8-12 Hz and beta 13-30 Hz) and asking about a
        few bands only is a fair question; but the bins in a gap are in no band, so a summary's
        ``share`` and ``rank`` compare the given bands only, which the warning says.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.bands import check_bands
    >>> freqs = np.fft.rfftfreq(256, 1 / 128.0)      # 0-64 Hz
    >>> check_bands({"alpha": (8, 12), "rest": (12, 64)}, freqs)
    {'alpha': (8.0, 12.0), 'rest': (12.0, 64.0)}
    >>> check_bands([(0, 8), (8, 64)], freqs)        # pairs are named by their edges
    {'0-8 Hz': (0.0, 8.0), '8-64 Hz': (8.0, 64.0)}
    >>> check_bands({"a": (0, 10), "b": (8, 64)}, freqs)
    Traceback (most recent call last):
        ...
    ValueError: ...overlap...
    """
    unit = check_choice(unit, "unit", _UNITS)
    freqs = _check_frequencies(frequencies)
    example = "{'alpha': (8.0, 12.0), 'beta': (12.0, 30.0)}"
    if isinstance(bands, Mapping):
        if not all(isinstance(k, str) for k in bands):
            raise TypeError(f"{name} must be keyed by band names (strings), e.g. {example}, got "
                            f"keys {list(bands)!r:.80}")
        out = {k: band_edges(v, f"{name}[{k!r}]", unit) for k, v in bands.items()}
    elif isinstance(bands, Sequence | np.ndarray) and not isinstance(bands, str | bytes):
        if len(bands) and all(isinstance(e, numbers.Real) for e in bands):
            raise TypeError(f"{name} must map names to (low, high) pairs or list such pairs; for "
                            f"one band give [{tuple(bands)!r}] or {{'band': {tuple(bands)!r}}}, "
                            f"got {bands!r:.80}")
        out = {}
        for i, edges in enumerate(bands):
            lo, hi = band_edges(edges, f"{name}[{i}]", unit)
            label = f"{lo:.3g}-{hi:.3g} {unit}"
            if out.get(label) == (lo, hi):
                raise ValueError(f"{name}[{i}] repeats the band {label!r}: bands must not overlap")
            if label in out:
                raise ValueError(f"{name}[{i}] and another band are both named {label!r} (a list "
                                 f"of (low, high) names each band by its edges); name them: "
                                 f"{example}")
            out[label] = (lo, hi)
    else:
        raise TypeError(f"{name} must map band names to (low, high) edges in {unit}, e.g. "
                        f"{example}, or list (low, high) pairs; got {bands!r:.80}")
    if not out:
        raise ValueError(f"{name} must name at least one (low, high) band, or be None")
    if unit == "cycles/sample":
        high = {k: v for k, v in out.items() if v[1] > 0.5}
        if high:
            k, (lo, hi) = next(iter(high.items()))
            raise ValueError(f"{name}: band {k!r} ({lo:g}-{hi:g}) reaches above 0.5 cycles per "
                             "sample, the highest frequency of any sampled signal: it looks like a "
                             "band in Hz; give fs= (the sampling rate in Hz)")
    order = sorted(out, key=lambda k: out[k])
    widest = order[0]
    for k in order[1:]:
        lo, hi = out[k]
        if lo < out[widest][1]:
            a, b = out[widest], out[k]
            fix = (f"split {widest!r} around {k!r}, or summarise them in separate calls"
                   if hi <= a[1] else f"make them adjacent, e.g. {widest!r} ending where {k!r} "
                   "starts")
            raise ValueError(
                f"{name} overlap: {widest!r} ({a[0]:.3g}-{a[1]:.3g} {unit}) and {k!r} "
                f"({b[0]:.3g}-{b[1]:.3g} {unit}) share {lo:.3g}-{min(a[1], hi):.3g} {unit}; every "
                "coefficient must fall in one band (else it is counted twice, shares no longer add "
                f"up and a band outranks the bands inside it): {fix}")
        if hi > out[widest][1]:
            widest = k
    member = band_membership(freqs, out)
    for k, col in zip(out, member.T, strict=True):
        if not col.any():
            raise ValueError(_empty_band(f"{name}: band {k!r}", *out[k], freqs, unit)
                             + " (a band without a coefficient has nothing to score)")
    outside = member.sum(1) == 0
    if outside.any():
        warnings.warn(
            f"{name} leave {int(outside.sum())} of {freqs.size} frequency bins in no band "
            f"({_ranges(freqs[outside])} {unit}): their relevance is in no row, and share and rank "
            "compare the given bands only; add bands that cover them to compare with the whole "
            "spectrum", UserWarning, stacklevel=stacklevel + 1)
    return out


def band_attributions(
    attributions: torch.Tensor | np.ndarray,
    frequencies: np.ndarray,
    bands: Mapping[str, tuple[float, float]] | None = None,
    axis: int = 2,
    *,
    reduce: str = "sum",
    eeg: bool = False,
) -> tuple[torch.Tensor | np.ndarray, list[str]]:
    """Sum (or average) attributions over the frequency bins of each band.

    Parameters
    ----------
    attributions : tensor or ndarray
        Attributions with a frequency axis at ``axis`` (2 for ``(batch, channels, freq[, frames])``).
    frequencies : ndarray
        Bin frequencies in Hz, e.g. ``domain.profile_frequencies(length, fs)``.
    bands : mapping name -> (low, high), optional
        ``low <= f < high`` in Hz (closed at the top frequency). Default:
        :func:`default_bands` (``eeg`` selects the EEG bands).
    axis : int
        The frequency axis.
    reduce : {"sum", "mean"}
        ``"sum"`` for additive attributions (FLEX, IG, LRP: the band's share of the evidence);
        ``"mean"`` per bin (FreqRISE, whose relevance is an effect per coefficient; a band of
        many bins must not win by its size).
    eeg : bool
        With ``bands=None``: the data is EEG, summarise in the EEG bands.

    Returns
    -------
    summary : same type as ``attributions``
        The frequency axis replaced by one entry per band, in the order of ``bands``; NaN for
        a band without bins under ``reduce="mean"`` (with a warning).
    names : list of str

    Warns
    -----
    UserWarning
        When bins fall outside every band (naming their range and relevance share) or a band
        holds no bin.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import band_attributions
    >>> freqs = np.fft.rfftfreq(256, 1 / 128.0)      # 129 rFFT bins, 0-64 Hz
    >>> relevance = np.zeros((2, 1, 129))
    >>> relevance[..., 24] = 1.0                     # all relevance at 12 Hz
    >>> summary, names = band_attributions(relevance, freqs)   # default: DC and octaves
    >>> summary.shape, names[5]
    ((2, 1, 8), '8-16 Hz')
    >>> summary[0, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    >>> bands = {"low": (0, 8), "alpha": (8, 13), "high": (13, 64)}
    >>> summary, names = band_attributions(relevance, freqs, bands, reduce="mean")
    >>> dict(zip(names, summary[0, 0].round(3).tolist()))
    {'low': 0.0, 'alpha': 0.1, 'high': 0.0}
    """
    if reduce not in ("sum", "mean"):
        raise ValueError(f"reduce must be 'sum' or 'mean', got {reduce!r}")
    freqs = np.asarray(frequencies, dtype=float)
    if freqs.ndim != 1 or not np.isfinite(freqs).all():
        raise ValueError("frequencies must be a 1-D array of finite values in Hz")
    bands = dict(default_bands(freqs, eeg=eeg) if bands is None else bands)
    if not bands:
        raise ValueError("bands must name at least one (low, high) band")
    if not -attributions.ndim <= axis < attributions.ndim or attributions.shape[axis] != freqs.size:
        raise ValueError(
            f"attributions of shape {tuple(attributions.shape)} have no axis {axis} with the "
            f"{freqs.size} bins of frequencies"
        )
    top = freqs.max()
    member = band_membership(freqs, bands)
    empty = [n for n, col in zip(bands, member.T, strict=True) if not col.any()]
    if empty:
        warnings.warn(f"bands {empty} hold no frequency bin (bins are {freqs[1] - freqs[0]:.3g} Hz "
                      f"apart, up to {top:.3g} Hz)", UserWarning, stacklevel=2)
    is_torch = isinstance(attributions, torch.Tensor)
    a = attributions if is_torch else torch.from_numpy(np.asarray(attributions))
    outside = member.sum(1) == 0
    if outside.any():
        moved = torch.movedim(a.detach(), axis, -1).abs().double()
        share = float(moved[..., torch.from_numpy(outside)].sum() / moved.sum().clamp_min(1e-300))
        lost = freqs[outside]
        warnings.warn(
            f"{int(outside.sum())} of {freqs.size} frequency bins fall outside every band "
            f"({_ranges(lost)} Hz), holding {share:.1%} of the absolute attribution; they are "
            "not in the summary. Add bands that cover them (or use the default bands).",
            UserWarning, stacklevel=2)
    m = torch.as_tensor(member, dtype=a.dtype, device=a.device)
    if reduce == "mean":
        counts = m.sum(0)
        m = m / torch.where(counts > 0, counts, torch.full_like(counts, float("nan")))
    out = torch.movedim(torch.movedim(a, axis, -1) @ m, -1, axis)
    return (out if is_torch else out.numpy()), list(bands)


def _ranges(values: np.ndarray) -> str:
    """'0-0.4, 30.1-50' for sorted bin frequencies (consecutive runs)."""
    if values.size == 0:
        return ""
    step = np.median(np.diff(values)) if values.size > 1 else 0
    runs, start = [], values[0]
    for prev, cur in zip(values[:-1], values[1:], strict=True):
        if cur - prev > 1.5 * step:
            runs.append((start, prev))
            start = cur
    runs.append((start, values[-1]))
    return ", ".join(f"{a:.3g}" if a == b else f"{a:.3g}-{b:.3g}" for a, b in runs)


def signal_bands(length: int, fs: float | None = None, *, eeg: bool = False,
                 bands: Mapping[str, tuple[float, float]] | Sequence[tuple[float, float]] | None
                 = None) -> dict[str, tuple[float, float]]:
    """The summary's bands (:func:`freqxai.summary.summarize`) for signals of ``length`` samples at ``fs`` Hz (cycles per sample
    without ``fs``): ``bands`` checked against the signal's rFFT bins
    (:func:`~freqxai.bands.check_bands`: a list of ``(low, high)`` is named by its edges;
    overlaps and bands without a bin are refused, gaps warned about), else
    :func:`~freqxai.bands.default_bands` of those bins (``eeg`` selects the EEG bands, which are
    in Hz and so need ``fs``; an EEG band too narrow for the bins, say delta at 8 Hz resolution,
    is left out rather than scored empty).

    Examples
    --------
    >>> from freqxai.bands import signal_bands
    >>> signal_bands(256, fs=128.0)
    {'DC': (0.0, 0.5), '0.5-1 Hz': (0.5, 1.0), '1-2 Hz': (1.0, 2.0), '2-4 Hz': (2.0, 4.0),
     '4-8 Hz': (4.0, 8.0), '8-16 Hz': (8.0, 16.0), '16-32 Hz': (16.0, 32.0),
     '32-64 Hz': (32.0, 64.0)}
    >>> list(signal_bands(256, fs=128.0, eeg=True))
    ['slow', 'delta', 'theta', 'alpha', 'sigma', 'beta', 'gamma']
    >>> signal_bands(256, fs=128.0, bands=[(4, 8), (8, 13)])    # given bands, checked
    {'4-8 Hz': (4.0, 8.0), '8-13 Hz': (8.0, 13.0)}
    """
    length = check_positive_int(length, "length", 2)
    fs = check_fs(fs)
    eeg = check_bool(eeg, "eeg")
    unit = "Hz" if fs else "cycles/sample"
    freqs = np.fft.rfftfreq(length, 1.0 / (fs or 1.0))
    if bands is not None:
        return check_bands(bands, freqs, unit=unit, stacklevel=3)
    if eeg and fs is None:
        raise ValueError("eeg=True selects the EEG bands, which are in Hz: give fs= (the sampling "
                         "rate in Hz), or eeg=False for octave bands in cycles per sample")
    out = default_bands(freqs, eeg=eeg, unit=unit)
    member = band_membership(freqs, out)
    return {k: v for k, v, col in zip(out, out.values(), member.T, strict=True) if col.any()}

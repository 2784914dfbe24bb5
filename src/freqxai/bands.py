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

import re
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import torch

__all__ = ["EEG_BANDS", "band_attributions", "band_membership", "default_bands", "is_eeg_montage"]

EEG_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "sigma": (12.0, 16.0),
    "beta": (16.0, 30.0),
}


# Electrode labels of the international 10-20 / 10-10 / 10-5 systems: a letter code for the region
# (frontal pole ... occipital, with the intermediate rows) and a number (odd left, even right) or
# z for the midline; T3/T4/T5/T6 are the older names of T7/T8/P7/P8.
_ELECTRODE = re.compile(r"^(N|NZ|FP|AFP|AF|AFF|F|FFC|FC|FCC|FT|FTT|C|CCP|CP|CPP|T|TP|TTP|P|PPO|PO|POO|"
                        r"O|OI|I|IZ|A|M)(\d{1,2}|Z|H?\d{1,2}H?)$")


def is_eeg_montage(channel_names: Sequence[str] | None) -> bool:
    """Whether most ``channel_names`` are 10-20 / 10-10 electrode labels (``Fp1``, ``Cz``, ``O2``,
    ``AF3``, ``EEG Fz-Cz`` references stripped): the data is EEG, and its summary uses EEG bands."""
    if not channel_names:
        return False
    hits = 0
    for name in channel_names:
        label = str(name).upper().replace("EEG", "").strip(" -_.:")
        label = re.split(r"[-_ /:]", label)[0]  # "Fz-Cz" (a bipolar pair) -> "FZ"
        hits += bool(_ELECTRODE.match(label))
    return hits >= max(1, (len(channel_names) + 1) // 2)


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
    unit : str
        The unit in the octave bands' names (``"cycles/sample"`` for frequencies without a
        sampling rate).
    """
    f = np.asarray(frequencies, dtype=float)
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
    at the top frequency). Raises ``ValueError`` for a band that is not ``(low, high)``."""
    freqs = np.asarray(frequencies, dtype=float)
    top = freqs.max()
    member = np.zeros((freqs.size, len(bands)))
    for j, (name, edges) in enumerate(bands.items()):
        try:
            lo, hi = (float(e) for e in edges)
        except (TypeError, ValueError) as err:
            raise ValueError(f"band {name!r} must be (low, high) in Hz, got {edges!r}") from err
        if not lo < hi:
            raise ValueError(f"band {name!r} must have low < high, got ({lo}, {hi})")
        member[:, j] = (freqs >= lo) & ((freqs < hi) | ((hi >= top) & (freqs <= hi)))
    return member


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

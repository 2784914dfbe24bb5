"""Sum frequency attributions into named bands (how FLEX reports EEG results).

Gräve et al. (2025) summarise FLEX attributions per EEG band; the defaults here are the usual
sleep-staging bands.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

__all__ = ["EEG_BANDS", "band_attributions"]

EEG_BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 12.0),
    "sigma": (12.0, 16.0),
    "beta": (16.0, 30.0),
}


def band_attributions(
    attributions: torch.Tensor | np.ndarray,
    frequencies: np.ndarray,
    bands: Mapping[str, tuple[float, float]] | None = None,
    axis: int = 2,
) -> tuple[torch.Tensor | np.ndarray, list[str]]:
    """Sum attributions over the frequency bins of each band.

    Parameters
    ----------
    attributions : tensor or ndarray
        Attributions with a frequency axis at ``axis`` (2 for ``(batch, channels, freq[, frames])``).
    frequencies : ndarray
        Bin frequencies in Hz, e.g. ``domain.axes(length, fs)["frequency"]``.
    bands : mapping name -> (low, high), optional
        Half-open bands ``low <= f < high`` in Hz; :data:`EEG_BANDS` by default.
    axis : int
        The frequency axis.

    Returns
    -------
    summed : same type as ``attributions``
        The frequency axis replaced by one entry per band, in the order of ``bands``.
    names : list of str
    """
    bands = dict(EEG_BANDS if bands is None else bands)
    freqs = np.asarray(frequencies, dtype=float)
    if attributions.shape[axis] != freqs.size:
        raise ValueError(
            f"attributions have {attributions.shape[axis]} bins on axis {axis} but frequencies "
            f"has {freqs.size}"
        )
    member = np.zeros((freqs.size, len(bands)))
    for j, (name, (lo, hi)) in enumerate(bands.items()):
        if not lo < hi:
            raise ValueError(f"band {name!r} must have low < high, got ({lo}, {hi})")
        member[:, j] = (freqs >= lo) & (freqs < hi)
    is_torch = isinstance(attributions, torch.Tensor)
    a = attributions if is_torch else torch.from_numpy(np.asarray(attributions))
    m = torch.as_tensor(member, dtype=a.dtype, device=a.device)
    out = torch.movedim(torch.movedim(a, axis, -1) @ m, -1, axis)
    return (out if is_torch else out.numpy()), list(bands)

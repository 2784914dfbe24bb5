"""Series of unequal length: each explained at its own length, never padded.

Zero-padding a short series to a common length lets masks and integration paths move content the
model never saw (a random 50 % rFFT mask puts about half a 9-sample series' energy into 20 padded
zeros) and gives every series a different grid anyway. An explainer given a list of
``(channels, length_i)`` series instead groups the series of equal length into one batch each,
explains every group at its own length and returns one relevance array per series, in the input
order; :func:`freqxai.summary.summarize` then brings them onto common bands in Hz.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ._checks import check_positive_int

__all__ = ["is_ragged", "split_by_length", "attribute_ragged", "pad_series", "unpad_series",
           "check_lengths", "group_slices", "coefficient_grid", "pad_coefficients",
           "crop_relevance", "common_profile"]


def is_ragged(inputs: Any) -> bool:
    """Whether ``inputs`` is a list or tuple of series (rather than one batch tensor/array).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import is_ragged
    >>> is_ragged([np.zeros((1, 100)), np.zeros((1, 80))]), is_ragged(np.zeros((2, 1, 100)))
    (True, False)
    """
    return isinstance(inputs, list | tuple)


def _series(x: Any, i: int) -> Any:
    if not isinstance(x, torch.Tensor | np.ndarray):
        raise TypeError(f"inputs[{i}] must be a (channels, length) tensor or array, got "
                        f"{type(x).__name__}")
    if x.ndim == 1:
        raise ValueError(f"inputs[{i}] has shape {tuple(x.shape)}: give each series as (channels, "
                         "length), e.g. x[None] for one channel")
    if x.ndim != 2:
        raise ValueError(f"inputs[{i}] must have shape (channels, length), got {tuple(x.shape)}")
    return x


def split_by_length(inputs: Sequence[Any]) -> dict[int, list[int]]:
    """Indices of the series of each length, ``{length: [i, ...]}``, after checking that every
    series is ``(channels, length)`` with one channel count and one array type.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import split_by_length
    >>> split_by_length([np.zeros((1, 100)), np.zeros((1, 80)), np.zeros((1, 100))])
    {100: [0, 2], 80: [1]}
    """
    if len(inputs) == 0:
        raise ValueError("inputs is an empty list")
    series = [_series(x, i) for i, x in enumerate(inputs)]
    kinds = {isinstance(x, torch.Tensor) for x in series}
    if len(kinds) > 1:
        raise TypeError("inputs mixes tensors and numpy arrays; give one kind")
    channels = {x.shape[0] for x in series}
    if len(channels) > 1:
        raise ValueError(f"every series must have the same number of channels, got {sorted(channels)}")
    groups: dict[int, list[int]] = {}
    for i, x in enumerate(series):
        groups.setdefault(int(x.shape[-1]), []).append(i)
    return groups


def _targets_for(target: Any, n: int) -> Callable[[list[int]], Any]:
    """Slice ``target`` (None, one class, or one per series) for a group of series."""
    if target is None or isinstance(target, int | np.integer):
        return lambda idx: target
    t = target.detach().cpu().numpy() if isinstance(target, torch.Tensor) else np.asarray(target)
    if t.ndim == 0:
        return lambda idx: target
    if t.shape[0] != n:
        raise ValueError(f"target has {t.shape[0]} entries for {n} series")
    return lambda idx: t[idx]


def attribute_ragged(call: Callable[..., Any], inputs: Sequence[Any], target: Any,
                     **options: Any) -> Any:
    """Run ``call(batch, target=..., **options)`` once per length and reassemble per series.

    Returns
    -------
    list, or a tuple of lists when ``call`` returns a tuple (e.g. relevance and standard
    errors): element ``i`` belongs to ``inputs[i]``, shaped ``(channels or 1, *coefficients)``.

    Examples
    --------
    >>> import torch
    >>> from freqxai import get_explainer
    >>> from freqxai.ragged import attribute_ragged
    >>> from freqxai.testing import ContractCNN
    >>> explainer = get_explainer("gxi", ContractCNN().eval())
    >>> series = [torch.randn(2, 64), torch.randn(2, 48), torch.randn(2, 64)]
    >>> relevance = attribute_ragged(explainer.attribute, series, target=0)
    >>> [tuple(r.shape) for r in relevance]    # rFFT bins of each series: length // 2 + 1
    [(2, 33), (2, 25), (2, 33)]
    """
    groups = split_by_length(inputs)
    pick = _targets_for(target, len(inputs))
    is_numpy = isinstance(inputs[0], np.ndarray)
    results: list[Any] = [None] * len(inputs)
    n_outputs = None
    for idx in groups.values():
        batch = (np.stack([inputs[i] for i in idx]) if is_numpy
                 else torch.stack([inputs[i] for i in idx]))
        out = call(batch, target=pick(idx), **options)
        parts = out if isinstance(out, tuple) else (out,)
        n_outputs = len(parts)
        for j, i in enumerate(idx):
            results[i] = tuple(p[j] for p in parts)
    if n_outputs == 1:
        return [r[0] for r in results]
    return tuple([r[k] for r in results] for k in range(n_outputs))


# ---- runner: padded storage of series of unequal length -----------------------------------------
# A run keeps its test series as one zero-padded array ``X`` (n, channels, max length) plus
# ``lengths`` (n,): the padding is storage only. Every computation cuts each series back to its own
# length first (``group_slices``), and relevance is stored NaN-padded to the largest coefficient
# grid of the run (``coefficient_grid``), read back per series with ``crop_relevance``.


def pad_series(series: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(X, lengths)``: the ``(channels, length_i)`` series zero-padded after their end into one
    float32 array ``(n, channels, max length)``, and each series' length.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import pad_series
    >>> X, lengths = pad_series([np.ones((1, 5)), np.ones((1, 3))])
    >>> X.shape, lengths
    ((2, 1, 5), array([5, 3]))
    >>> X[1, 0]
    array([1., 1., 1., 0., 0.], dtype=float32)
    """
    groups = split_by_length(series)  # checks shapes and channel counts
    lengths = np.array([np.shape(x)[-1] for x in series], dtype=np.int64)
    X = np.zeros((len(series), np.shape(series[0])[0], int(lengths.max())), dtype=np.float32)
    for length, idx in groups.items():
        X[idx, :, :length] = np.stack([np.asarray(series[i], dtype=np.float32) for i in idx])
    return X, lengths


def unpad_series(X: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """The series of a padded ``X`` ``(n, channels, max length)`` cut to their ``lengths`` (views,
    no copies).

    Raises
    ------
    ValueError
        For an ``X`` of another rank, or ``lengths`` not one integer in ``[2, max length]`` per
        series (:func:`check_lengths`).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import pad_series, unpad_series
    >>> X, lengths = pad_series([np.ones((1, 5)), np.ones((1, 3))])
    >>> [s.shape for s in unpad_series(X, lengths)]
    [(1, 5), (1, 3)]
    """
    if np.ndim(X) != 3:
        raise ValueError(f"X must be the padded (n, channels, max length) array, got shape "
                         f"{np.shape(X)}")
    lengths = check_lengths(lengths, X.shape[0], X.shape[-1])
    return [X[i, :, : int(n)] for i, n in enumerate(lengths)]


def check_lengths(lengths: Any, n: int, max_length: int, where: str = "lengths") -> np.ndarray:
    """``lengths`` as an int64 array of ``n`` entries in ``[2, max_length]``, else ValueError.

    Examples
    --------
    >>> from freqxai.ragged import check_lengths
    >>> check_lengths([5, 3], n=2, max_length=5)
    array([5, 3])
    >>> check_lengths([6, 3], n=2, max_length=5)
    Traceback (most recent call last):
    ...
    ValueError: lengths must lie in [2, 5] (the padded length of X), got 3..6
    """
    a = np.asarray(lengths)
    if a.dtype.kind not in "iu" or a.ndim != 1:
        raise ValueError(f"{where} must be a 1-D array of integer lengths (one per series), got "
                         f"dtype {a.dtype} of shape {a.shape}")
    if len(a) != n:
        raise ValueError(f"{where} has {len(a)} entries for {n} series")
    if n and (a.min() < 2 or a.max() > max_length):
        raise ValueError(f"{where} must lie in [2, {max_length}] (the padded length of X), got "
                         f"{int(a.min())}..{int(a.max())}")
    return a.astype(np.int64)


def group_slices(lengths: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``[(length, indices), ...]`` of a lengths array, shortest first.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import group_slices
    >>> group_slices(np.array([5, 3, 5]))
    [(3, array([1])), (5, array([0, 2]))]
    """
    lengths = np.asarray(lengths)
    return [(int(n), np.flatnonzero(lengths == n)) for n in np.unique(lengths)]


def _grid_lengths(lengths: Any) -> np.ndarray:
    """``lengths`` as a non-empty 1-D int64 array of lengths >= 2, else ValueError naming it."""
    a = np.asarray(lengths)
    if a.size == 0:
        raise ValueError("lengths must hold one length in samples per series, got none")
    if a.dtype.kind not in "iu" or a.ndim != 1:
        raise ValueError(f"lengths must be a 1-D array of integer lengths (one per series), got "
                         f"dtype {a.dtype} of shape {a.shape}")
    if a.min() < 2:
        raise ValueError(f"lengths must be series lengths in samples >= 2, got {int(a.min())}")
    return a.astype(np.int64)


def coefficient_grid(domain: Any, lengths: Any) -> tuple[int, ...]:
    """The smallest coefficient shape that holds every series' coefficients in ``domain``: the
    largest extent of each axis over the lengths (stored relevance is NaN-padded to it).

    Parameters
    ----------
    domain : str or Domain
        A domain or its registered name (:func:`freqxai.domains.get_domain`).
    lengths : array-like of int
        Every series' length in samples (at least one, each >= 2).

    Examples
    --------
    >>> from freqxai.domains import STFT
    >>> from freqxai.ragged import coefficient_grid
    >>> coefficient_grid("fft", [100, 80])            # 51 and 41 rFFT bins
    (51,)
    >>> coefficient_grid(STFT(n_fft=16, hop_length=4), [64, 48])   # (frequencies, frames)
    (9, 17)
    """
    from .domains import get_domain

    domain = get_domain(domain)
    shapes = np.array([domain.coefficient_shape(int(n)) for n in np.unique(_grid_lengths(lengths))])
    return tuple(int(s) for s in shapes.max(0))


def pad_coefficients(a: np.ndarray, grid: tuple[int, ...]) -> np.ndarray:
    """``a`` ``(g, channels, *shape)`` NaN-padded at the end of each coefficient axis to ``grid``.

    Raises
    ------
    ValueError
        For a ``grid`` that is not a tuple of integers >= 1, an ``a`` without the
        ``(g, channels)`` axes before ``len(grid)`` coefficient axes, or coefficients larger
        than ``grid`` (it must hold every series': :func:`coefficient_grid`).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import pad_coefficients
    >>> padded = pad_coefficients(np.ones((1, 1, 41)), (51,))   # 80 samples on a 100's grid
    >>> padded.shape, bool(np.isnan(padded[0, 0, 41:]).all())
    ((1, 1, 51), True)
    """
    if isinstance(grid, int | np.integer):
        grid = (grid,)
    if not isinstance(grid, Sequence) or not grid:
        raise ValueError(f"grid must be a tuple of integer coefficient extents, e.g. (33,), got "
                         f"{grid!r:.80}")
    grid = tuple(check_positive_int(g, f"grid[{i}]") for i, g in enumerate(grid))
    a = np.asarray(a)
    if a.ndim != 2 + len(grid):
        raise ValueError(f"a has shape {a.shape}: expected (g, channels, *coefficients) with "
                         f"{len(grid)} coefficient axes for the grid {grid}, e.g. "
                         f"(1, 1, {', '.join(map(str, grid))})")
    if any(s > g for s, g in zip(a.shape[2:], grid, strict=True)):
        raise ValueError(f"grid {grid} is smaller than the coefficients {a.shape[2:]} of a: it "
                         "must hold every series' coefficients (coefficient_grid(domain, lengths))")
    if tuple(a.shape[2:]) == grid:
        return a
    out = np.full((*a.shape[:2], *grid), np.nan, dtype=a.dtype if a.dtype.kind == "f"
                  else np.float64)
    out[(slice(None), slice(None), *(slice(0, s) for s in a.shape[2:]))] = a
    return out


def crop_relevance(padded: np.ndarray, domain: Any, lengths: Any) -> list[np.ndarray]:
    """Per series the stored (NaN-padded) relevance ``(n, channels, *grid)`` cut to its own
    coefficient shape in ``domain`` (a Domain or its registered name).

    Raises
    ------
    ValueError
        For ``lengths`` not one integer >= 2 per series of ``padded``, or a ``padded`` whose
        grid does not hold a series' coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.ragged import crop_relevance
    >>> stored = np.zeros((2, 1, 51))                 # series of 100 and 80 samples, rFFT
    >>> [r.shape for r in crop_relevance(stored, "fft", [100, 80])]
    [(1, 51), (1, 41)]
    """
    from .domains import get_domain

    domain = get_domain(domain)
    lengths = _grid_lengths(lengths)
    shape = np.shape(padded)
    if len(lengths) != shape[0]:
        raise ValueError(f"lengths has {len(lengths)} entries for the {shape[0]} series of padded")
    shapes = {int(n): tuple(domain.coefficient_shape(int(n))) for n in np.unique(lengths)}
    for i, n in enumerate(lengths):
        want = shapes[int(n)]
        if len(shape) != 2 + len(want):
            raise ValueError(f"padded has shape {tuple(shape)}: expected (series, channels, "
                             f"*coefficients) with {len(want)} coefficient axes in domain "
                             f"{domain.name!r}")
        if any(s < w for s, w in zip(shape[2:], want, strict=True)):
            raise ValueError(f"padded has coefficients {tuple(shape[2:])}, fewer than the {want} "
                             f"of series {i} ({int(n)} samples) in domain {domain.name!r}: give "
                             "the relevance stored on coefficient_grid(domain, lengths), with "
                             "the lengths of its series")
    return [padded[(i, slice(None), *(slice(0, s) for s in shapes[int(n)]))]
            for i, n in enumerate(lengths)]


def common_profile(relevance: Sequence[np.ndarray], domain: Any, lengths: Any,
                   fs: float | None = None, *, additive: bool = True
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """Every series' frequency profile (channels summed) on the longest series' grid in Hz.

    Each series' :meth:`~freqxai.domains.Domain.frequency_profile` is linearly interpolated onto
    the profile frequencies of the longest series. For additive relevance (it sums to the output)
    a bin of a short series spans more Hz, so its values are scaled by the ratio of bin widths
    (``length_i / max length`` for the rFFT): the relevance per Hz, and with it the area under the
    profile, is what series of different length share.

    Parameters
    ----------
    relevance : sequence of ndarray
        Each series' relevance ``(channels, *coefficients)`` at its own length.
    domain : Domain or str
        A domain or its registered name (:func:`freqxai.domains.get_domain`).
    lengths : sequence of int
        Each series' length in samples.
    fs : float, optional
        Sampling rate in Hz (cycles per sample without it).
    additive : bool
        Scale by the ratio of bin widths (relevance that sums to the output).

    Returns
    -------
    (profiles (n, F), frequencies (F,)), or None for a domain without a frequency axis.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.domains import get_domain
    >>> from freqxai.ragged import common_profile
    >>> relevance = [np.ones((1, 129)), np.ones((1, 65))]  # 256 and 128 samples, 1 per bin
    >>> profiles, frequencies = common_profile(relevance, get_domain("fft"), [256, 128],
    ...                                        fs=128.0)
    >>> profiles.shape, frequencies[:3]
    ((2, 129), array([0. , 0.5, 1. ]))
    >>> profiles[:, 10]        # a bin of the short series spans 1 Hz, twice the grid's 0.5 Hz
    array([1. , 0.5])
    """
    from .domains import get_domain

    domain = get_domain(domain)  # a Domain or its registered name, as the other functions take
    lengths = np.asarray(lengths)
    longest = int(lengths.max())
    grid = domain.profile_frequencies(longest, fs)
    if grid is None:
        return None
    grid = np.asarray(grid, dtype=float)
    out = np.empty((len(lengths), len(grid)))
    for n, idx in group_slices(lengths):
        freqs = np.asarray(domain.profile_frequencies(n, fs), dtype=float)
        group = np.stack([relevance[i] for i in idx]).astype(np.float64)
        prof = np.asarray(domain.frequency_profile(group, n)).sum(1)  # (g, F_n)
        order = np.argsort(freqs)
        scale = 1.0
        if additive and len(freqs) > 1 and len(grid) > 1:
            scale = (np.ptp(grid) / (len(grid) - 1)) / (np.ptp(freqs) / (len(freqs) - 1))
        out[idx] = np.stack([np.interp(grid, freqs[order], p[order]) for p in prof]) * scale
    return out, grid

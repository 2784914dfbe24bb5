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

__all__ = ["is_ragged", "split_by_length", "attribute_ragged"]


def is_ragged(inputs: Any) -> bool:
    """Whether ``inputs`` is a list or tuple of series (rather than one batch tensor/array)."""
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
    series is ``(channels, length)`` with one channel count and one array type."""
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

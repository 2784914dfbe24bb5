"""Smoothness of an explanation: total variation of its normalised profile along frequency.

The FLEXtime paper (Brüsch et al., 2024, arXiv:2411.05841; ``collect_results.py`` of its code)
scores how ragged an attribution is: negative relevance set to zero, each profile min-max
normalised to [0, 1] along the frequency axis, and the absolute differences of neighbouring bins
summed, :math:`\\sum_k |\\tilde R_{k+1} - \\tilde R_k|`; the mean over channels (and STFT frames)
is the input's score. A profile that rises to one peak and falls again scores 2; every extra
wiggle adds to it (lower is better). A constant profile has no shape to normalise and scores 0
(the reference's ``nan_to_num`` gives the same).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..domains import Domain
from .base import Metric, MetricTags, check_relevance, register_metric

__all__ = ["smoothness", "Smoothness"]


def smoothness(relevance: np.ndarray | torch.Tensor, axis: int = -1) -> np.ndarray:
    """Per-sample total variation of the clipped, min-max normalised relevance along ``axis``.

    Parameters
    ----------
    relevance : array or tensor, shape (batch, ...)
        Relevance per coefficient; NaN or Inf raises ``ValueError``.
    axis : int
        The axis to differentiate along (the frequency axis), counted on ``relevance``'s axes;
        not the batch axis.

    Returns
    -------
    ndarray, shape (batch,)
        The mean over every other axis of ``sum |diff|`` along ``axis``.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import smoothness
    >>> one_peak = [[0.0, 1.0, 2.0, 1.0, 0.0]]
    >>> two_peaks = [[0.0, 2.0, 0.0, 2.0, 0.0]]
    >>> smoothness(np.array([one_peak, two_peaks]))
    array([2., 4.])
    """
    r = check_relevance(relevance)
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) \
            or not -r.ndim <= axis < r.ndim or axis % r.ndim == 0:
        raise ValueError(f"axis must be an axis of relevance {r.shape} other than the batch "
                         f"axis 0, got {axis!r}")
    if r.shape[axis] < 2:
        raise ValueError(f"relevance has {r.shape[axis]} coefficient along axis {axis}: "
                         "smoothness needs at least 2")
    r = np.moveaxis(np.maximum(r, 0.0), axis, -1)
    lo = r.min(axis=-1, keepdims=True)
    span = r.max(axis=-1, keepdims=True) - lo
    flat = np.where(span > 0, (r - lo) / np.where(span > 0, span, 1.0), 0.0)
    tv = np.abs(np.diff(flat, axis=-1)).sum(axis=-1)
    return tv.reshape(tv.shape[0], -1).mean(axis=1)


@register_metric("smoothness")
class Smoothness(Metric):
    """Total variation of the normalised relevance along frequency (lower is better). No model.

    Along the domain's frequency axis (the last coefficient axis in a domain without one, such as
    time); with one coefficient axis that is the only axis, so ``inputs`` may be None.

    Examples
    --------
    >>> from freqxai.metrics import Smoothness
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> amplitude = get_explainer("amplitude", model).attribute(x)
    >>> Smoothness()(model, x, relevance).round(3)       # one peak at bin 24
    array([2., 2., 2., 2.])
    >>> bool((Smoothness()(model, x, amplitude) > 2).all())   # the spectrum is ragged
    True
    """

    tags = MetricTags(label="smoothness (TV)", higher_is_better=False, needs_model=False)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        batch = None if inputs is None else len(inputs)
        r = check_relevance(relevance, batch)
        n_axes = r.ndim - 2  # (batch, channels, *coefficients)
        if n_axes < 1:
            raise ValueError(f"relevance must have shape (batch, channels, *coefficients), got "
                             f"{r.shape}")
        if n_axes == 1:
            return smoothness(r, axis=-1)
        if inputs is None:
            raise ValueError("smoothness of relevance with several coefficient axes needs inputs "
                             "(their length tells the domain which axis is frequency)")
        length = int(np.shape(inputs)[-1])
        axis = self._domain(domain).frequency_axis(length)
        return smoothness(r, axis=2 + (n_axes - 1 if axis is None else axis))

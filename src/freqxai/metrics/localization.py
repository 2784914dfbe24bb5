"""Localization of relevance on known frequencies (the synthetic benchmark's ground truth).

Relevance rank accuracy (Arras et al., 2022, "CLEVR-XAI"; used by Brüsch et al., NLDL 2025):
the share of the ``K`` ground-truth coefficients among the ``K`` most relevant ones. Higher is
better; a sample with no ground truth (the empty class) has no score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..domains import Domain
from .base import Metric, MetricTags, check_relevance, register_metric

__all__ = ["relevance_rank_accuracy", "RelevanceRankAccuracy"]


def _truth_indices(truth: Any, n: int, i: int) -> np.ndarray:
    t = np.asarray(truth)
    if t.size == 0:
        return t.astype(np.int64).reshape(0)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"ground_truth[{i}] must hold integer indices, got {t.dtype}")
    t = t.reshape(-1)
    if (t < 0).any() or (t >= n).any():
        raise ValueError(f"ground_truth[{i}] has indices {t.tolist()} outside [0, {n}) of the "
                         "relevance it indexes")
    return np.unique(t)


def relevance_rank_accuracy(
    relevance: np.ndarray | torch.Tensor, ground_truth: Sequence[Sequence[int]]
) -> np.ndarray:
    """Per-sample relevance rank accuracy.

    Parameters
    ----------
    relevance : array, shape (batch, ...)
        Relevance per coefficient; all axes after the first are flattened (sum channels, or take
        a domain's :meth:`~freqxai.domains.Domain.frequency_profile`, first as needed).
    ground_truth : sequence of sequences of int
        For each sample, flat indices of the relevant coefficients (e.g. the class frequency
        bins); repeated indices count once.

    Returns
    -------
    ndarray of float, shape (batch,)
        Score in [0, 1]; NaN where the ground truth is empty.

    Raises
    ------
    ValueError
        For a batch mismatch, NaN/Inf relevance or indices out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import relevance_rank_accuracy
    >>> relevance = np.array([[0.1, 0.9, 0.3, 0.0], [0.5, 0.1, 0.2, 0.4], [1.0, 0.0, 0.0, 0.0]])
    >>> relevance_rank_accuracy(relevance, [[1, 2], [0, 1], []])
    array([1. , 0.5, nan])
    """
    if isinstance(ground_truth, str | bytes) or not hasattr(ground_truth, "__len__"):
        raise TypeError("ground_truth must be a sequence with one sequence of indices per sample")
    rel = check_relevance(relevance, len(ground_truth), batch_of="ground_truth entries")
    rel = rel.reshape(rel.shape[0], -1)
    scores = np.full(rel.shape[0], np.nan)
    order = np.argsort(-rel, axis=1, kind="stable")
    for i, truth in enumerate(ground_truth):  # K differs per sample; the sort above is batched
        t = _truth_indices(truth, rel.shape[1], i)
        if t.size:
            scores[i] = np.isin(order[i, : t.size], t).sum() / t.size
    return scores


@register_metric("localization")
class RelevanceRankAccuracy(Metric):
    """Relevance rank accuracy on the domain's frequency profile (higher is better).

    ``ground_truth`` holds, per input, indices into ``domain.frequency_profile`` (e.g. the rFFT
    bins of the class frequencies; STFT relevance is summed over frames first). Channels are
    summed. Without a domain, indices are flat indices of the relevance per sample.

    Examples
    --------
    >>> from freqxai.metrics import RelevanceRankAccuracy
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> metric = RelevanceRankAccuracy()
    >>> metric(model, x, relevance, domain="fft", ground_truth=[[24]] * 4)  # the known bin
    array([1., 1., 1., 1.])
    """

    tags = MetricTags(label="localization", higher_is_better=True, needs_model=False,
                      needs_ground_truth=True)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        if ground_truth is None:
            raise ValueError("localization needs ground_truth: per input the indices of the "
                             "relevant frequencies in the domain's frequency profile")
        batch = None if inputs is None else len(inputs)
        rel = check_relevance(relevance, batch, warn_flat=True)
        if inputs is not None and np.ndim(inputs) == 3 and rel.ndim >= 3 \
                and rel.shape[1] not in (1, np.shape(inputs)[1]):
            raise ValueError(f"relevance has {rel.shape[1]} channels for inputs with "
                             f"{np.shape(inputs)[1]}: give one per input channel, or 1")
        dom = self._domain(domain, default=None)
        if dom is not None:
            if inputs is None:
                raise ValueError("localization with a domain needs the inputs (their length)")
            rel = dom.frequency_profile(rel.sum(axis=1), int(np.shape(inputs)[-1]))
        return relevance_rank_accuracy(rel, ground_truth)

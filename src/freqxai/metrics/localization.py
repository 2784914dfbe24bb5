"""Localization of relevance on known frequencies (the synthetic benchmark's ground truth).

Relevance rank accuracy (Arras et al., 2022, "CLEVR-XAI"; used by Brüsch et al., NLDL 2025):
the share of the ``K`` ground-truth coefficients among the ``K`` most relevant ones. Higher is
better; a sample with no ground truth (the empty class) has no score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["relevance_rank_accuracy", "RelevanceRankAccuracy"]


def _to_numpy(a) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def relevance_rank_accuracy(
    relevance: np.ndarray | torch.Tensor, ground_truth: Sequence[Sequence[int]]
) -> np.ndarray:
    """Per-sample relevance rank accuracy.

    Parameters
    ----------
    relevance : array, shape (batch, ...)
        Relevance per coefficient; all axes after the first are flattened (channels summed first
        when there is a channel axis of size > 1 is up to the caller).
    ground_truth : sequence of sequences of int
        For each sample, flat indices of the relevant coefficients (e.g. the class frequency bins).

    Returns
    -------
    ndarray of float, shape (batch,)
        Score in [0, 1]; NaN where the ground truth is empty.
    """
    rel = _to_numpy(relevance).reshape(len(ground_truth), -1)
    if rel.shape[0] != len(ground_truth):
        raise ValueError(f"relevance has {rel.shape[0]} samples but ground_truth {len(ground_truth)}")
    scores = np.full(rel.shape[0], np.nan)
    order = np.argsort(-rel, axis=1, kind="stable")
    for i, truth in enumerate(ground_truth):  # K differs per sample; the sort above is batched
        k = len(truth)
        if k:
            scores[i] = np.isin(order[i, :k], np.asarray(truth)).sum() / k
    return scores


class RelevanceRankAccuracy:
    """Metric object for relevance rank accuracy (higher is better)."""

    name = "localization"
    higher_is_better = True

    def __call__(self, relevance, ground_truth) -> np.ndarray:
        return relevance_rank_accuracy(relevance, ground_truth)

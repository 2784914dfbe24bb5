"""Complexity of an explanation: entropy of its normalised absolute relevance.

Bhatt, U., Weller, A., & Moura, J. M. F. (2020). Evaluating and aggregating feature-based model
explanations. IJCAI. The definition Quantus' ``Complexity`` implements: the Shannon entropy of
``|R_i| / sum_j |R_j|``; a concentrated (simpler) explanation has low entropy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..domains import Domain
from .base import Metric, MetricTags, check_relevance, register_metric

__all__ = ["complexity", "Complexity"]


def complexity(relevance: np.ndarray | torch.Tensor) -> np.ndarray:
    """Per-sample entropy (nats) of the normalised absolute relevance ``(batch, ...)``.

    A sample whose relevance is all zero has no distribution and scores NaN. NaN or Inf
    relevance raises ``ValueError``.
    """
    r = check_relevance(relevance)
    a = np.abs(r.reshape(r.shape[0], -1))
    total = a.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = a / total
        ent = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return np.where(total[:, 0] > 0, ent, np.nan)


@register_metric("complexity")
class Complexity(Metric):
    """Entropy of the normalised absolute relevance (lower is better). Needs no model."""

    tags = MetricTags(label="complexity", higher_is_better=False, needs_model=False)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        batch = None if inputs is None else len(inputs)
        return complexity(check_relevance(relevance, batch))

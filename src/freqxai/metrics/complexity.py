"""Complexity of an explanation: entropy of its normalised absolute relevance.

Bhatt, U., Weller, A., & Moura, J. M. F. (2020). Evaluating and aggregating feature-based model
explanations. IJCAI. The definition Quantus' ``Complexity`` implements: the Shannon entropy of
``|R_i| / sum_j |R_j|``; a concentrated (simpler) explanation has low entropy.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["complexity", "Complexity"]


def complexity(relevance: np.ndarray | torch.Tensor) -> np.ndarray:
    """Per-sample entropy (nats) of the normalised absolute relevance ``(batch, ...)``.

    A sample whose relevance is all zero has no distribution and scores NaN.
    """
    r = relevance.detach().cpu().numpy() if isinstance(relevance, torch.Tensor) else np.asarray(relevance)
    a = np.abs(r.reshape(r.shape[0], -1).astype(np.float64))
    total = a.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = a / total
        ent = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return np.where(total[:, 0] > 0, ent, np.nan)


class Complexity:
    """Entropy of the normalised absolute relevance (lower is better)."""

    name = "complexity"
    higher_is_better = False

    def __call__(self, relevance) -> np.ndarray:
        return complexity(relevance)

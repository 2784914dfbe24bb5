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

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import complexity
    >>> complexity(np.array([[1.0, -1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))  # log 2, log 4
    array([0.69314718, 1.38629436])
    """
    r = check_relevance(relevance)
    a = np.abs(r.reshape(r.shape[0], -1))
    total = a.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = a / total
        ent = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1) + 0.0  # (+ 0: no -0.0)
    return np.where(total[:, 0] > 0, ent, np.nan)


@register_metric("complexity")
class Complexity(Metric):
    """Entropy of the normalised absolute relevance (lower is better). Needs no model.

    Examples
    --------
    >>> from freqxai.metrics import Complexity
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> amplitude = get_explainer("amplitude", model).attribute(x)
    >>> scores = Complexity()(model, x, relevance)
    >>> scores.shape
    (4,)
    >>> bool((scores < Complexity()(model, x, amplitude)).all())  # one bin: simpler
    True
    """

    tags = MetricTags(label="complexity", higher_is_better=False, needs_model=False)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        batch = None if inputs is None else len(inputs)
        return complexity(check_relevance(relevance, batch))

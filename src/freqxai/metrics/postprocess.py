"""Post-processing of relevance before scoring, as in the FreqRISE paper's evaluation.

The paper clips negative relevance of gradient methods (only positive evidence is compared with
FreqRISE's non-negative relevance) and, for complexity, zeroes relevance below a threshold.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["clip_negative", "threshold", "postprocess"]


def clip_negative(relevance: np.ndarray) -> np.ndarray:
    """Set negative relevance to zero.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import clip_negative
    >>> clip_negative(np.array([[-1.0, 2.0, -0.5, 3.0]]))
    array([[0., 2., 0., 3.]])
    """
    return np.maximum(np.asarray(relevance), 0)


def threshold(relevance: np.ndarray, rule: str | float) -> np.ndarray:
    """Zero relevance below a per-sample threshold.

    Parameters
    ----------
    rule : "mean", or a float q in (0, 1) for the q-quantile
        Threshold of each sample, computed over all its coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import threshold
    >>> r = np.array([[1.0, 2.0, 3.0, 6.0]])
    >>> threshold(r, "mean")           # the mean is 3
    array([[0., 0., 3., 6.]])
    >>> threshold(r, 0.25)             # the lower quartile is 1.75
    array([[0., 2., 3., 6.]])
    """
    r = np.asarray(relevance, dtype=float)
    if not np.isfinite(r).all():
        raise ValueError("relevance contains NaN or Inf values; a threshold of it is meaningless")
    flat = r.reshape(r.shape[0], -1)
    if isinstance(rule, str) and rule == "mean":
        t = flat.mean(axis=1)
    elif (isinstance(rule, numbers.Real) and not isinstance(rule, bool | np.bool_)
          and 0 < float(rule) < 1):
        t = np.quantile(flat, float(rule), axis=1)
    else:
        raise ValueError(f"threshold rule must be 'mean' or a quantile in (0, 1), got {rule!r}")
    t = t.reshape(-1, *([1] * (r.ndim - 1)))
    return np.where(r >= t, r, 0.0)


def postprocess(relevance: np.ndarray, clip: bool = False, rule: str | float | None = None) -> np.ndarray:
    """Apply :func:`clip_negative` (if ``clip``) and then :func:`threshold` (if ``rule``).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import postprocess
    >>> postprocess(np.array([[-1.0, 2.0, 3.0, 6.0]]), clip=True, rule="mean")  # mean 2.75
    array([[0., 0., 3., 6.]])
    """
    r = np.asarray(relevance, dtype=float)
    if clip:
        r = clip_negative(r)
    if rule is not None:
        r = threshold(r, rule)
    return r

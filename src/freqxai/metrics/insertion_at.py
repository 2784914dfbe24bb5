"""Insertion at one fraction: the target's probability when only the top coefficients are kept.

The FLEXtime paper (Brüsch et al., 2024, arXiv:2411.05841) scores faithfulness by one point of the
insertion curve: the mean probability of the class when only the 10 % most relevant coefficients
of the rFFT are kept and the rest set to zero (its ``generate_tables.py`` reads index 2 of the
curve at fractions 0, 0.05, 0.10, ...). A single point needs two forward passes per input instead
of the whole curve's twenty, and answers "does the top of the map carry the decision?".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_bool, check_positive_int
from ..domains import Domain
from .base import Metric, MetricTags, register_metric
from .faithfulness import perturbation_curves

__all__ = ["insertion_at", "InsertionAt"]


def _check_fraction(fraction: Any) -> float:
    if isinstance(fraction, bool | np.bool_) or not isinstance(fraction, int | float | np.number) \
            or not 0.0 < float(fraction) <= 1.0:
        raise ValueError(f"fraction (share of coefficients kept) must be a number in (0, 1], e.g. "
                         f"0.1, got {fraction!r}")
    return float(fraction)


def insertion_at(model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain = "fft", fraction: float = 0.1, use_softmax: bool = True,
                 batch_size: int | None = None) -> np.ndarray:
    """Target probability ``(batch,)`` with only the top ``fraction`` of coefficients kept.

    Same ranking, rounding (``round(fraction * n_coefficients)``) and model reading as
    :func:`~freqxai.metrics.perturbation_curves` in ``"insertion"`` mode (a channel axis of 1 in
    ``relevance`` keeps coefficient positions of every channel together).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from freqxai.metrics import insertion_at
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> kept = insertion_at(model, x, relevance, target=0, fraction=0.01)  # 1 of 129 bins
    >>> full = torch.softmax(model(torch.from_numpy(x)), dim=1)[:, 0].numpy()
    >>> bool(np.allclose(kept, full))      # the one bin the model reads carries its decision
    True
    """
    fraction = _check_fraction(fraction)
    curves = perturbation_curves(model, inputs, relevance, target, domain, (0.0, fraction),
                                 "insertion", use_softmax, batch_size)
    return curves[:, 1]


@register_metric("insertion_10", aliases=("insertion_at",))
class InsertionAt(Metric):
    """Target probability with only the most relevant 10 % of coefficients kept (higher is better).

    Parameters
    ----------
    domain : str or Domain
        Default domain of the relevance (a call's ``domain=`` overrides it).
    fraction : float
        Share of coefficients kept, in (0, 1] (the FLEXtime paper: 0.1).
    use_softmax : bool
        Probabilities (default) or logits.
    batch_size : int, optional
        Perturbed signals per model forward (default: as
        :func:`~freqxai.metrics.perturbation_curves`).

    Examples
    --------
    >>> from freqxai.metrics import InsertionAt
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> random = get_explainer("random", model).attribute(x, target=0, seed=0)
    >>> metric = InsertionAt(fraction=0.1)
    >>> scores = metric(model, x, relevance, target=0)
    >>> scores.shape
    (4,)
    >>> bool((scores > metric(model, x, random, target=0)).all())  # better than chance
    True
    """

    tags = MetricTags(label="insertion @10 %", higher_is_better=True)

    def __init__(self, domain: str | Domain = "fft", fraction: float = 0.1,
                 use_softmax: bool = True, batch_size: int | None = None) -> None:
        super().__init__(domain)
        self.fraction = _check_fraction(fraction)
        self.use_softmax = check_bool(use_softmax, "use_softmax")
        self.batch_size = (None if batch_size is None
                           else check_positive_int(batch_size, "batch_size"))

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        """Per-sample probability of the target with the top ``fraction`` kept."""
        return insertion_at(model, inputs, relevance, target, domain=self._domain(domain),
                            fraction=self.fraction, use_softmax=self.use_softmax,
                            batch_size=self.batch_size)

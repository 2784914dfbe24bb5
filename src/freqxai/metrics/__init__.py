"""Metrics for frequency explanations; each declares whether a higher score is better.

One class per metric (Quantus' convention) with ``name`` and ``higher_is_better``; each also has
a plain function for batched arrays.
"""

from .complexity import Complexity, complexity
from .faithfulness import (
    DEFAULT_FRACTIONS,
    Deletion,
    Insertion,
    area_under_curve,
    perturbation_curves,
)
from .localization import RelevanceRankAccuracy, relevance_rank_accuracy
from .postprocess import clip_negative, postprocess, threshold
from .quantus_adapter import SpectrumModel, to_quantus

__all__ = [
    "DEFAULT_FRACTIONS",
    "Complexity",
    "Deletion",
    "Insertion",
    "RelevanceRankAccuracy",
    "SpectrumModel",
    "area_under_curve",
    "clip_negative",
    "complexity",
    "perturbation_curves",
    "postprocess",
    "relevance_rank_accuracy",
    "threshold",
    "to_quantus",
]

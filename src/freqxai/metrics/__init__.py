"""Metrics for frequency explanations; each declares whether a higher score is better.

One class per metric (Quantus' convention), all called as ``metric(model, inputs, relevance,
target=None, *, domain=None, ground_truth=None)`` with declared tags (:class:`MetricTags`:
``name``, ``higher_is_better``, ``needs_model``, ``needs_ground_truth``, ...); registered by name (:func:`list_metrics`,
:func:`get_metric`). Each also has a plain function for batched arrays.
"""

# Import order is registration order: the default order of metrics in runs and tables.
from .base import (
    Metric,
    MetricTags,
    check_relevance,
    get_metric,
    list_metrics,
    metric_class,
    register_metric,
)
from .localization import RelevanceRankAccuracy, relevance_rank_accuracy

# isort: split
from .complexity import Complexity, complexity
from .faithfulness import (
    DEFAULT_FRACTIONS,
    Deletion,
    Insertion,
    area_under_curve,
    perturbation_curves,
)
from .insertion_at import InsertionAt, insertion_at
from .smoothness import Smoothness, smoothness

# isort: split
from .stability import (
    RelativeOutputStability,
    SensitivityMax,
    relative_output_stability,
    sensitivity_max,
)

# isort: split
from .postprocess import clip_negative, postprocess, threshold
from .quantus_adapter import SpectrumModel, to_quantus

__all__ = [
    "DEFAULT_FRACTIONS",
    "Complexity",
    "Deletion",
    "Insertion",
    "InsertionAt",
    "Metric",
    "MetricTags",
    "RelativeOutputStability",
    "RelevanceRankAccuracy",
    "SensitivityMax",
    "Smoothness",
    "SpectrumModel",
    "area_under_curve",
    "check_relevance",
    "get_metric",
    "insertion_at",
    "list_metrics",
    "metric_class",
    "register_metric",
    "clip_negative",
    "complexity",
    "perturbation_curves",
    "postprocess",
    "relative_output_stability",
    "relevance_rank_accuracy",
    "sensitivity_max",
    "smoothness",
    "threshold",
    "to_quantus",
]

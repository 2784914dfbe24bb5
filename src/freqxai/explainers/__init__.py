"""Explainers with Captum's call shape: ``Method(model, domain).attribute(inputs, target=...)``.

Every explainer is registered by name: :func:`list_explainers`, :func:`get_explainer`.
"""

# Import order is registration order, which is the default order of methods in runs and tables.
from .base import Explainer, explainer_class, get_explainer, list_explainers, register_explainer
from .freqrise import FreqRISE

# isort: split
from .flex import FLEX

# isort: split
from .gradients import (
    LRP,
    GradientExplainer,
    GradientXInput,
    InDomain,
    IntegratedGradients,
    IntegratedGradientsTime,
    Saliency,
    TimeExplainer,
)

# isort: split
from .flextime import FLEXtime
from .freqmask import FreqMask

# isort: split
from .projection import project_relevance
from .references import AmplitudeReference, RandomReference

__all__ = [
    "FLEX",
    "FLEXtime",
    "LRP",
    "AmplitudeReference",
    "Explainer",
    "FreqMask",
    "FreqRISE",
    "GradientExplainer",
    "GradientXInput",
    "InDomain",
    "IntegratedGradients",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "TimeExplainer",
    "explainer_class",
    "get_explainer",
    "list_explainers",
    "project_relevance",
    "register_explainer",
]

"""Explainers with Captum's call shape: ``Method(model, ...).attribute(inputs, target=...)``."""

from .flex import FLEX
from .freqrise import FreqRISE
from .gradients import (
    LRP,
    GradientXInput,
    InDomain,
    IntegratedGradientsTime,
    Saliency,
    TimeExplainer,
)
from .projection import project_relevance
from .references import AmplitudeReference, RandomReference

__all__ = [
    "FLEX",
    "LRP",
    "AmplitudeReference",
    "FreqRISE",
    "GradientXInput",
    "InDomain",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "TimeExplainer",
    "project_relevance",
]

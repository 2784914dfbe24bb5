"""Explainers with Captum's call shape: ``Method(model, domain).attribute(inputs, target=...)``.

Every explainer is registered by name: :func:`list_explainers`, :func:`get_explainer`.
"""

# Import order is registration order, which is the default order of methods in runs and tables.
from .base import (
    Explainer,
    ExplainerTags,
    explainer_class,
    get_explainer,
    get_tags,
    list_explainers,
    register_explainer,
)
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
)

# isort: split
from .flextime import FLEXtime
from .freqmask import FreqMask

# isort: split
from .shapley import BandShapley, BandValues

# isort: split
from .projection import project_relevance
from .references import AmplitudeReference, RandomReference
from .support import method_support

__all__ = [
    "FLEX",
    "FLEXtime",
    "LRP",
    "AmplitudeReference",
    "BandShapley",
    "BandValues",
    "Explainer",
    "ExplainerTags",
    "FreqMask",
    "FreqRISE",
    "GradientExplainer",
    "GradientXInput",
    "InDomain",
    "IntegratedGradients",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "explainer_class",
    "get_explainer",
    "get_tags",
    "list_explainers",
    "method_support",
    "project_relevance",
    "register_explainer",
]


def __getattr__(name: str):
    """``TimeExplainer``: deprecated name of :class:`GradientExplainer` (warns; goes in 0.2.0)."""
    if name == "TimeExplainer":
        from . import gradients

        return gradients.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

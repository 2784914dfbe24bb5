"""freqxai: explain time-series models in the frequency and time-frequency domain."""

from . import _compat  # noqa: F401  (first: loads triton before TensorFlow, see the module)
from .bands import EEG_BANDS, band_attributions
from .convert import ChannelsLast, load_model
from .domains import (
    STFT,
    Domain,
    Fourier,
    Time,
    Wavelet,
    get_domain,
    list_domains,
    register_domain,
)
from .explainers import (
    FLEX,
    LRP,
    AmplitudeReference,
    Explainer,
    FreqRISE,
    GradientXInput,
    InDomain,
    IntegratedGradients,
    IntegratedGradientsTime,
    RandomReference,
    Saliency,
    get_explainer,
    list_explainers,
    project_relevance,
    register_explainer,
)
from .masks import smooth_masks
from .models.binary import BinaryClassifier
from .runtime import tune_cpu_allocator

__version__ = "0.1.0"

__all__ = [
    "EEG_BANDS",
    "BinaryClassifier",
    "band_attributions",
    "load_model",
    "ChannelsLast",
    "Domain",
    "Explainer",
    "FLEX",
    "LRP",
    "AmplitudeReference",
    "GradientXInput",
    "InDomain",
    "IntegratedGradients",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "project_relevance",
    "Fourier",
    "FreqRISE",
    "STFT",
    "Time",
    "Wavelet",
    "get_domain",
    "get_explainer",
    "list_domains",
    "list_explainers",
    "register_domain",
    "register_explainer",
    "smooth_masks",
    "tune_cpu_allocator",
    "__version__",
]

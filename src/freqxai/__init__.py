"""freqxai: explain time-series models in the frequency and time-frequency domain."""

from . import _compat  # noqa: F401  (first: loads triton before TensorFlow, see the module)
from .bands import EEG_BANDS, band_attributions
from .convert import ChannelsLast, load_model
from .domains import STFT, Domain, Fourier, Time, get_domain
from .explainers import (
    FLEX,
    LRP,
    AmplitudeReference,
    FreqRISE,
    GradientXInput,
    InDomain,
    IntegratedGradientsTime,
    RandomReference,
    Saliency,
    project_relevance,
)
from .masks import smooth_masks
from .runtime import tune_cpu_allocator

__version__ = "0.1.0"

__all__ = [
    "EEG_BANDS",
    "band_attributions",
    "load_model",
    "ChannelsLast",
    "Domain",
    "FLEX",
    "LRP",
    "AmplitudeReference",
    "GradientXInput",
    "InDomain",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "project_relevance",
    "Fourier",
    "FreqRISE",
    "STFT",
    "Time",
    "get_domain",
    "smooth_masks",
    "tune_cpu_allocator",
    "__version__",
]

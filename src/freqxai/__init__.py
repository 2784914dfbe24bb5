"""freqxai: explain time-series models in the frequency and time-frequency domain.

Public names are loaded on first use (PEP 562), so ``import freqxai`` and ``freqxai --help`` do
not pay for torch, Captum or matplotlib until a name that needs them is touched.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from . import _compat  # noqa: F401  (first: loads triton before TensorFlow, see the module)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "EEG_BANDS": "bands",
    "band_attributions": "bands",
    "load_model": "convert",
    "ChannelsLast": "convert",
    "FixedBatch": "convert",
    "STFT": "domains",
    "Domain": "domains",
    "Fourier": "domains",
    "Time": "domains",
    "Wavelet": "domains",
    "get_domain": "domains",
    "list_domains": "domains",
    "register_domain": "domains",
    "FLEX": "explainers",
    "FLEXtime": "explainers",
    "FreqMask": "explainers",
    "LRP": "explainers",
    "AmplitudeReference": "explainers",
    "BandShapley": "explainers",
    "Explainer": "explainers",
    "FreqRISE": "explainers",
    "GradientXInput": "explainers",
    "InDomain": "explainers",
    "IntegratedGradients": "explainers",
    "IntegratedGradientsTime": "explainers",
    "RandomReference": "explainers",
    "Saliency": "explainers",
    "get_explainer": "explainers",
    "list_explainers": "explainers",
    "project_relevance": "explainers",
    "register_explainer": "explainers",
    "smooth_masks": "masks",
    "BinaryClassifier": "models.binary",
    "tune_cpu_allocator": "runtime",
}

__all__ = [
    "EEG_BANDS",
    "band_attributions",
    "load_model",
    "ChannelsLast",
    "FixedBatch",
    "STFT",
    "Domain",
    "Fourier",
    "Time",
    "Wavelet",
    "get_domain",
    "list_domains",
    "register_domain",
    "FLEX",
    "FLEXtime",
    "FreqMask",
    "LRP",
    "AmplitudeReference",
    "BandShapley",
    "Explainer",
    "FreqRISE",
    "GradientXInput",
    "InDomain",
    "IntegratedGradients",
    "IntegratedGradientsTime",
    "RandomReference",
    "Saliency",
    "get_explainer",
    "list_explainers",
    "project_relevance",
    "register_explainer",
    "smooth_masks",
    "BinaryClassifier",
    "tune_cpu_allocator",
    "__version__",
]

if TYPE_CHECKING:  # static analysers and IDEs see the real imports
    from .bands import EEG_BANDS, band_attributions
    from .convert import ChannelsLast, FixedBatch, load_model
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
        BandShapley,
        Explainer,
        FLEXtime,
        FreqMask,
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)  # a submodule: freqxai.metrics
        raise AttributeError(f"module 'freqxai' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})

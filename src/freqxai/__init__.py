"""freqxai: explain time-series models in the frequency and time-frequency domain.

Public names are loaded on first use (PEP 562), so ``import freqxai`` and ``freqxai --help`` do
not pay for torch, Captum or matplotlib until a name that needs them is touched.

Each top-level name is written once, in ``_LAZY`` (name -> the module that defines it);
``__all__``, ``__getattr__`` and ``__dir__`` derive from it, as ``lazy_loader.attach`` makes
them for MNE (without the dependency). Deprecated aliases (``_DEPRECATED``) still import, each
warning when used, but are not in ``__all__``.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from . import _compat  # noqa: F401  (first: loads triton before TensorFlow, see the module)

__version__ = "0.1.0"

# public name -> module (relative to freqxai) that defines it
_LAZY: dict[str, str] = {
    "EEG_BANDS": "bands",
    "band_attributions": "bands",
    "load_model": "adapters.loading",
    "BinaryClassifier": "adapters.wrappers",
    "ChannelsLast": "adapters.wrappers",
    "FixedBatch": "adapters.wrappers",
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
    "ExplainerTags": "explainers",
    "FreqRISE": "explainers",
    "GradientXInput": "explainers",
    "IntegratedGradients": "explainers",
    "RandomReference": "explainers",
    "Saliency": "explainers",
    "get_explainer": "explainers",
    "get_tags": "explainers",
    "list_explainers": "explainers",
    "project_relevance": "explainers",
    "register_explainer": "explainers",
    "MetricTags": "metrics",
    "smooth_masks": "masks",
    "tune_cpu_allocator": "runtime",
}
# deprecated aliases (CHANGELOG, *Deprecated*): importable, not public; removed in 0.2.0
_DEPRECATED: dict[str, str] = {
    "InDomain": "explainers",
    "IntegratedGradientsTime": "explainers",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name) or _DEPRECATED.get(name)
    if module is None:
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)  # a submodule: freqxai.metrics
        raise AttributeError(f"module 'freqxai' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    if name in _LAZY:
        globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

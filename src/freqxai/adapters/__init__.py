"""Any classifier as a model explainers can read, and what each model allows.

Most time-series classifiers in use are not eager PyTorch modules: aeon's MiniRocket, Rocket and
HIVE-COTE 2, scikit-learn pipelines, functions of numpy arrays. :class:`NumpyModel` and
:class:`EstimatorModel` present them to explainers as a forward-only ``nn.Module`` (tensors in,
tensors out, numpy in between, large batches), and declare what they return
(``output_kind``: probabilities are never put through another softmax).

:func:`capabilities` states what a model allows, following aeon's estimator tags: whether it can
be differentiated, whether it has eager modules for LRP's rules, what it returns, how it reads its
input and in what batches. Explainers declare what they need (``needs_gradients``,
``needs_modules``); :func:`freqxai.explainers.method_support` joins the two, so the runner's
default method set is exactly what can explain the model and every method left out is named with
its reason.

The package is the layer under domains and explainers and imports nothing from them:

- :mod:`~freqxai.adapters.wrappers`: :class:`NumpyModel`, :class:`EstimatorModel`,
  :class:`BinaryClassifier`, :class:`ChannelsLast`, :class:`FixedBatch`;
- :mod:`~freqxai.adapters.model_runtime`: device, dtype, evaluation mode, checked outputs,
  :func:`capabilities`;
- :mod:`~freqxai.adapters.loading`: :func:`~freqxai.adapters.loading.load_model`, one module per
  file format.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

from .model_runtime import ModelCapabilities, capabilities
from .wrappers import (
    BinaryClassifier,
    ChannelsLast,
    EstimatorModel,
    FixedBatch,
    NumpyModel,
    _is_aeon,  # noqa: F401 - read by the runner's estimator tasks and tests
    as_model,
    is_estimator,
)

__all__ = [
    "BinaryClassifier",
    "ChannelsLast",
    "EstimatorModel",
    "FixedBatch",
    "ModelCapabilities",
    "NumpyModel",
    "as_model",
    "capabilities",
    "is_estimator",
]


def __getattr__(name: str) -> Any:
    """``method_support``: deprecated here, it lives in :mod:`freqxai.explainers` (warns; goes in
    0.3.0)."""
    if name == "method_support":
        # `from freqxai.adapters import method_support` looks the name up twice (importlib's
        # hasattr, then the import itself): warn once, on the second
        if not sys._getframe(1).f_code.co_filename.startswith("<frozen importlib"):
            warnings.warn(
                "freqxai.adapters.method_support is deprecated and will be removed in 0.3.0: "
                "use freqxai.explainers.method_support (explainers own what they need of a "
                "model)", DeprecationWarning, stacklevel=2,
            )
        # imported by name, so the adapters layer holds no import of the explainers above it
        return importlib.import_module("freqxai.explainers.support").method_support
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

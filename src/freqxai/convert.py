"""Load models from elsewhere as ``torch.nn.Module`` (kept for its import path).

The code lives in :mod:`freqxai.adapters.loading` (one module per file format) and the wrappers
in :mod:`freqxai.adapters.wrappers`; ``from freqxai.convert import load_model, ChannelsLast,
FixedBatch`` keeps working, as does ``freqxai.load_model``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .adapters.loading import load_model, resolve_factory  # noqa: F401 - kept importable here
from .adapters.loading.onnx import GlobalAvgPool  # noqa: F401 - kept importable here
from .adapters.wrappers import ChannelsLast, FixedBatch

__all__ = ["ChannelsLast", "FixedBatch", "load_model"]

_PARTS = ("", "._common", ".formats", ".torch_files", ".onnx", ".keras", ".estimators")


def __getattr__(name: str) -> Any:
    """The private helpers this module held before the split (``_sniff``, ``_fit_keys``, ...),
    found in the loading modules that hold them now."""
    if name.startswith("_") and not name.startswith("__"):
        for part in _PARTS:
            module = importlib.import_module(f"freqxai.adapters.loading{part}")
            if name in vars(module):
                return vars(module)[name]
        if name in ("_train", "_check_wrapped", "_check_input_shape", "_fits", "_take"):
            return getattr(importlib.import_module("freqxai.adapters.wrappers"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

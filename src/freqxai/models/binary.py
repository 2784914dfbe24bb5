"""A binary classifier with one output, shown to explainers as two classes (kept for its import
path: the wrapper lives in :mod:`freqxai.adapters.wrappers` with the other model wrappers)."""

from __future__ import annotations

from ..adapters.wrappers import BinaryClassifier

__all__ = ["BinaryClassifier"]

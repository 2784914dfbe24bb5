"""Explainers with Captum's call shape: ``Method(model, ...).attribute(inputs, target=...)``."""

from .freqrise import FreqRISE

__all__ = ["FreqRISE"]

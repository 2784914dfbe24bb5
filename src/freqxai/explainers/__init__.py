"""Explainers with Captum's call shape: ``Method(model, ...).attribute(inputs, target=...)``."""

from .flex import FLEX
from .freqrise import FreqRISE

__all__ = ["FLEX", "FreqRISE"]

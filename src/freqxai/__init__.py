"""freqxai: explain time-series models in the frequency and time-frequency domain."""

from .domains import STFT, Domain, Fourier, Time, get_domain
from .explainers import FreqRISE
from .masks import smooth_masks

__version__ = "0.1.0"

__all__ = [
    "Domain",
    "Fourier",
    "FreqRISE",
    "STFT",
    "Time",
    "get_domain",
    "smooth_masks",
    "__version__",
]

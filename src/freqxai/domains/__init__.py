"""Explanation domains: invertible linear transforms between a signal and its coefficients.

One file per domain; :mod:`.base` holds the contract, the registry and the generic projection.
``list_domains()`` names what is registered; ``get_domain(name, **params)`` builds one.
"""

from .base import Domain, get_domain, list_domains, register_domain
from .fourier import Fourier
from .stft import STFT
from .time import Time
from .wavelet import Wavelet

__all__ = [
    "Domain",
    "Fourier",
    "STFT",
    "Time",
    "Wavelet",
    "get_domain",
    "list_domains",
    "register_domain",
]

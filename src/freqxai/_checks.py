"""Pure argument checks: a value and its name in, the value (normalised) out or a ``ValueError``
/ ``TypeError`` naming the argument. No freqxai imports, so every layer (bands, ragged series,
domains, data, adapters, explainers) may use them without joining an import circle."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["check_bool", "check_choice", "check_fraction", "check_fs", "check_number",
           "check_positive_int", "check_seed"]


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (numpy integers accepted, booleans refused)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(value: Any, name: str) -> float:
    """``value`` as a float in the open interval (0, 1) (numpy floats accepted)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not 0.0 < float(value) < 1.0:
        raise ValueError(f"{name} must be a number in the open interval (0, 1), got {value!r}")
    return float(value)


def check_number(value: Any, name: str, positive: bool = True) -> float:
    """A finite real number, > 0 (``positive``) or >= 0; booleans and strings are refused."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number) \
            or not np.isfinite(float(value)) or (float(value) <= 0 if positive else float(value) < 0):
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '>= 0'}, "
                         f"got {value!r}")
    return float(value)


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """None or an integer in [0, 2**64) (what ``torch.Generator.manual_seed`` takes)."""
    if seed is None:
        return None
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**64:
        raise ValueError(f"{name} must be None or an integer in [0, 2**64), got {seed!r}")
    return int(seed)


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_fs(fs: Any) -> float | None:
    """``fs`` as a float, or None; raise ``ValueError`` unless it is None or a finite number > 0.

    Without ``fs`` every domain states frequencies in cycles per sample and times in samples
    (the axes of ``fs=1``); with it, in Hz and seconds.
    """
    if fs is None:
        return None
    if isinstance(fs, bool) or not isinstance(fs, int | float | np.integer | np.floating) \
            or not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs (sampling rate in Hz) must be a finite number > 0 or None "
                         f"(None: cycles per sample and samples), got {fs!r}")
    return float(fs)

"""Helpers shared by the bench scripts (not part of the package)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from freqxai import tune_cpu_allocator

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def setup_allocator(mode: str) -> bool:
    """``"tuned"``: raise glibc's thresholds (``freqxai.tune_cpu_allocator``); ``"default"``: leave
    them. Every contender of a bench runs in the same process, so under the same setting."""
    return tune_cpu_allocator() if mode == "tuned" else False


def best_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Minimum wall time of ``fn`` over ``repeat`` runs after ``warmup`` runs (seconds)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)

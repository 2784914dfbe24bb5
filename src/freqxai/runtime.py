"""Process-level settings that make CPU explanation runs fast and steady.

Explainers allocate and free many tensors of a few MB per forward pass. glibc serves those with
``mmap`` and returns them with ``munmap``, so every pass page-faults its buffers in again; on a
virtual machine this made FLEX up to 2x slower and its timings vary by 2x between runs (measured
with ``bench/flex_vs_freqig.py``). Raising glibc's mmap and trim thresholds keeps freed blocks in the
heap for reuse. This is what ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` do, applied at
run time with ``mallopt``; jemalloc or tcmalloc via ``LD_PRELOAD`` are the alternatives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

__all__ = ["tune_cpu_allocator"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done: bool | None = None
log = logging.getLogger(__name__)


def tune_cpu_allocator(mmap_threshold: int = 32 * 2**20, trim_threshold: int = 2**30) -> bool:
    """Keep freed tensor buffers in the glibc heap instead of returning them to the OS.

    Opt-in for library users (the ``freqxai`` command and the bench scripts call it). Freed memory
    up to ``trim_threshold`` bytes stays with the process. A no-op returning False on systems
    without glibc.

    Returns
    -------
    bool
        Whether the settings were applied.

    Examples
    --------
    >>> from freqxai import tune_cpu_allocator
    >>> applied = tune_cpu_allocator()         # True with glibc (Linux), False elsewhere
    >>> isinstance(applied, bool)
    True
    """
    global _done
    if _done is not None:
        return _done
    _done = False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)) == 1 and ok
    except (OSError, AttributeError):
        return False
    _done = ok
    log.debug("glibc allocator thresholds %s", "raised" if ok else "unchanged")
    return ok

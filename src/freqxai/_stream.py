"""Per-signal arrays read and reduced a bounded number of rows at a time.

What comes after the explanation phase of a run (the summary, the band checks, the report) reads
per-signal arrays of ``results.h5`` (relevance, signals, curves, scores) in slices of rows
(:func:`row_chunks`), each slice at most :data:`STREAM_BYTES` once converted to float64, and
keeps only per-class or per-entry running sums (:class:`Moments`), so that its memory does not
grow with the number of signals. The means and standard errors it gives are those of the whole
array up to float round-off (identical where the whole array fits in one slice).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["STREAM_BYTES", "chunk_rows", "row_chunks", "float64_row_bytes", "Moments"]

# Bytes of one slice of rows, counted as float64 (the precision everything is reduced in): 8 MiB
# is 698 relevance maps of 1,501 rFFT bins, or 349 signals of 3,000 samples. A phase's working
# set is a few slices (the rows read, their float64 copy, what is computed from them): about
# 30-110 MiB over the process's imports with 8-32 MiB slices (bench/memory.py); larger slices
# are no faster (the summary of 10,000 signals: 2.3-3.3 s with 8 MiB, 4.7-5.6 s with 32 MiB).
STREAM_BYTES = 8 << 20


def chunk_rows(row_bytes: float) -> int:
    """Rows per slice for rows of ``row_bytes`` bytes each (at least one)."""
    return max(1, int(STREAM_BYTES // max(float(row_bytes), 1.0)))


def row_chunks(n: int, row_bytes: float) -> Iterator[slice]:
    """Slices ``[lo, hi)`` covering ``range(n)`` in order, :func:`chunk_rows` rows each."""
    step = chunk_rows(row_bytes)
    for lo in range(0, int(n), step):
        yield slice(lo, min(int(n), lo + step))


def float64_row_bytes(shape: tuple[int, ...]) -> int:
    """Bytes of one row (all but the first axis of ``shape``) in float64."""
    return 8 * int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 8


class Moments:
    """Count, mean and sum of squared deviations of the finite values of rows added slice by
    slice, per entry of a row (NaN is left out, as ``np.nansum`` does).

    Slices merge exactly as Chan, Golub and LeVeque's pairwise update; the first slice is taken
    as it is, so one slice gives the same numbers, bit for bit, as ``np.nansum`` over the whole.
    """

    def __init__(self) -> None:
        self.k: np.ndarray | None = None  # finite values per entry
        self.mean: np.ndarray | None = None  # NaN where k == 0
        self.m2: np.ndarray | None = None

    def add(self, v: np.ndarray) -> None:
        """Add the rows ``v`` ``(rows, ...)``."""
        v = np.asarray(v, dtype=np.float64)
        k = np.isfinite(v).sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(k > 0, np.nansum(v, 0) / np.maximum(k, 1), np.nan)
            m2 = np.nansum((v - mean) ** 2, 0)
        if self.k is None:
            self.k, self.mean, self.m2 = k, mean, m2
            return
        ka, ma, m2a = self.k, self.mean, self.m2
        total = ka + k
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mean - ma
            self.mean = np.where(ka == 0, mean,
                                 np.where(k == 0, ma, ma + delta * (k / np.maximum(total, 1))))
            self.m2 = np.where(ka == 0, m2, np.where(
                k == 0, m2a, m2a + m2 + delta ** 2 * (ka * k / np.maximum(total, 1))))
        self.k = total

    def sem(self) -> np.ndarray:
        """Standard error of the mean (ddof 1; NaN or inf where fewer than two values)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(self.m2 / (self.k - 1)) / np.sqrt(self.k)

    def std(self) -> np.ndarray:
        """Standard deviation (ddof 1)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(self.m2 / (self.k - 1))

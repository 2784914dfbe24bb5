"""UEA/UCR classification sets that ship inside ``aeon``'s wheel (no download).

``aeon.datasets.load_classification`` reads BasicMotions, GunPoint, ArrowHead, OSULeaf, ... from
the package itself when they are bundled; freqxai never downloads. Install the extra:
``pip install "freqxai[uea]"``.

BasicMotions (Clements et al., UEA archive): 6 channels (3-axis accelerometer and gyroscope of a
smart watch) x 100 samples at 10 Hz, 4 activities (badminton, running, standing, walking),
40 training and 40 test series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["UEADataset", "bundled_sets", "load_uea", "KNOWN_SAMPLING_RATES"]

# Sampling rates the archive documents (Hz); other sets are read with fs=None (cycles/sample).
KNOWN_SAMPLING_RATES = {"BasicMotions": 10.0}
_CHANNEL_NAMES = {
    "BasicMotions": ["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"],
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
    """

    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    channel_names: list[str]
    fs: float | None
    name: str


def bundled_sets() -> list[str]:
    """Names of the classification sets in aeon's wheel (``aeon/datasets/data``): UCR ``.tsv``
    sets and ``.ts`` sets whose header declares ``@classLabel true`` (regression sets, which
    declare ``@targetLabel``, are left out). Sets of unequal length are listed; loading one
    says how to make it loadable."""
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
        Dataset name, e.g. ``"BasicMotions"``, ``"GunPoint"``.
    split : {"train", "test"}

    Raises
    ------
    ImportError
        Without the ``uea`` extra (aeon).
    ValueError
        For an unknown or not-bundled set, or series of unequal length.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    try:
        from aeon.datasets import load_classification
    except ImportError as err:
        raise ImportError("UEA/UCR sets need aeon: pip install 'freqxai[uea]'") from err
    bundled = bundled_sets()
    if name not in bundled:
        raise ValueError(f"UEA/UCR set {name!r} is not bundled with aeon and freqxai does not "
                         f"download; bundled: {bundled}")
    X, y_raw = load_classification(name, split=split)
    if not isinstance(X, np.ndarray) or X.ndim != 3:
        raise ValueError(f"{name} has series of unequal length; pad or crop them to one length "
                         "and use your own .npz with 'freqxai run custom'")
    # class indices in sorted label order of both splits, so train and test agree
    other = "test" if split == "train" else "train"
    labels = sorted(set(np.asarray(y_raw).tolist())
                    | set(np.asarray(load_classification(name, split=other)[1]).tolist()))
    index = {c: i for i, c in enumerate(labels)}
    y = np.array([index[c] for c in np.asarray(y_raw).tolist()], dtype=np.int64)
    channels = _CHANNEL_NAMES.get(name, [f"channel {i}" for i in range(X.shape[1])])
    return UEADataset(np.ascontiguousarray(X, dtype=np.float32), y, [str(c) for c in labels],
                      channels, KNOWN_SAMPLING_RATES.get(name), name)

"""Speaker splits of the audio corpora (no speaker in two of train / validation / test).

AudioMNIST: the AudioNet protocol of Becker et al. (``create_splits`` in the AudioMNIST
repository): five digit folds of 36 / 12 / 12 speakers and four gender folds of 12 / 6 / 6
speakers balanced by gender. FSDD: six speakers; fold ``k`` tests on speaker ``k`` and validates
on speaker ``k + 1`` (sorted by name), training on the other four.
"""

from __future__ import annotations

__all__ = ["AUDIOMNIST_SPLITS", "audiomnist_speakers", "fsdd_speakers"]

_A = [28, 56, 7, 19, 35, 1, 6, 16, 23, 34, 46, 53]
_B = [36, 57, 9, 24, 37, 2, 8, 17, 29, 39, 48, 54]
_C = [43, 58, 14, 25, 38, 3, 10, 20, 30, 40, 49, 55]
_D = [12, 47, 59, 15, 27, 41, 4, 11, 21, 31, 44, 50]
_E = [26, 52, 60, 18, 32, 42, 5, 13, 22, 33, 45, 51]

_G1, _G2 = [36, 47, 56, 2, 44, 50], [26, 12, 57, 25, 37, 45]
_G3, _G4 = [43, 28, 52, 48, 53, 41], [58, 59, 60, 7, 23, 38]

AUDIOMNIST_SPLITS: dict[str, dict[str, list[list[int]]]] = {
    "digit": {
        "train": [_A + _B + _C, _B + _C + _D, _C + _D + _E, _D + _E + _A, _E + _A + _B],
        "validate": [_D, _E, _A, _B, _C],
        "test": [_E, _A, _B, _C, _D],
    },
    "gender": {
        "train": [
            [36, 47, 56, 26, 12, 57, 2, 44, 50, 25, 37, 45],
            [26, 12, 57, 43, 28, 52, 25, 37, 45, 48, 53, 41],
            [43, 28, 52, 58, 59, 60, 48, 53, 41, 7, 23, 38],
            [58, 59, 60, 36, 47, 56, 7, 23, 38, 2, 44, 50],
        ],
        "validate": [_G3, _G4, _G1, _G2],
        "test": [_G4, _G1, _G2, _G3],
    },
}


def audiomnist_speakers(label: str, fold: int) -> dict[str, list[int]]:
    """Speaker ids (1..60) of train / validate / test for a task and fold.

    Examples
    --------
    >>> from freqxai.data.splits import audiomnist_speakers
    >>> split = audiomnist_speakers("digit", fold=0)
    >>> {part: len(ids) for part, ids in split.items()}
    {'train': 36, 'validate': 12, 'test': 12}
    >>> set(split["train"]) & set(split["test"])      # no speaker in two parts
    set()
    """
    if label not in AUDIOMNIST_SPLITS:
        raise ValueError(f"label must be 'digit' or 'gender', got {label!r}")
    n_folds = len(AUDIOMNIST_SPLITS[label]["test"])
    if not 0 <= fold < n_folds:
        raise ValueError(f"fold must be in [0, {n_folds}) for the {label} task, got {fold}")
    return {part: list(AUDIOMNIST_SPLITS[label][part][fold]) for part in ("train", "validate", "test")}


def fsdd_speakers(speakers: list[str], fold: int) -> dict[str, list[int]]:
    """Speaker indices (into the sorted names) of train / validate / test for FSDD fold ``fold``.

    Examples
    --------
    >>> from freqxai.data.splits import fsdd_speakers
    >>> speakers = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]
    >>> fsdd_speakers(speakers, fold=0)
    {'train': [2, 3, 4, 5], 'validate': [1], 'test': [0]}
    """
    n = len(speakers)
    if n < 3:
        raise ValueError(f"a speaker-disjoint split needs at least 3 speakers, got {n}")
    if not 0 <= fold < n:
        raise ValueError(f"fold must be in [0, {n}) for {n} speakers, got {fold}")
    test, val = fold, (fold + 1) % n
    return {"train": [i for i in range(n) if i not in (test, val)], "validate": [val], "test": [test]}

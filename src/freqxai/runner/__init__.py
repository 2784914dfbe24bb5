"""Experiment runner: configuration, distributed attribution, HDF5 results, reports."""

from .config import RunConfig, load_config, make_config
from .engine import RunSummary, run_experiment
from .report import write_report
from .store import ResultStore

__all__ = [
    "ResultStore",
    "RunConfig",
    "RunSummary",
    "load_config",
    "make_config",
    "run_experiment",
    "write_report",
]

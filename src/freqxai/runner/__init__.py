"""Experiment runner: configuration, distributed attribution, HDF5 results, reports."""

from typing import Any

from .config import RunConfig, load_config, make_config
from .report import write_report
from .store import ResultStore


def __getattr__(name: str) -> Any:
    # the engine loads Lightning (seconds): only runs need it, not 'freqxai report'
    if name in ("RunSummary", "run_experiment"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ResultStore",
    "RunConfig",
    "RunSummary",
    "load_config",
    "make_config",
    "run_experiment",
    "write_report",
]

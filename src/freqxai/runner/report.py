"""The older import path of the report (:mod:`freqxai.report`), kept for code that imports
``freqxai.runner.report``: every name (``write_report``, ``summary_rows``, ``metric_columns``,
the figure functions) is found in ``freqxai.report.writer``, ``freqxai.report.figures`` or
``freqxai.report.tables``, imported when first asked for, so importing the runner never imports
the report."""

from __future__ import annotations

from typing import Any

__all__ = ["write_report", "summary_rows", "metric_columns"]  # noqa: F822 (__getattr__)


def __getattr__(name: str) -> Any:
    from ..report import figures, tables, writer

    for module in (writer, figures, tables):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

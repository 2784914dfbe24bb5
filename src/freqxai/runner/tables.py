"""The domain a run's answer is read in (:func:`answer_domain`, read by :mod:`.answer` and the
report).

The report's table helpers (``metric_columns``, ``certainty_rows``, ``CERTAINTY_NOTE``) moved to
:mod:`freqxai.report.tables`; they are still found here, imported when first asked for, so the
runner never imports the report.
"""

from __future__ import annotations

from typing import Any

__all__ = ["answer_domain"]

_MOVED = frozenset({"CERTAINTY_NOTE", "certainty_rows", "metric_columns", "_certainty_value"})


from .answer import answer_domain  # noqa: E402 - defined with the answer it picks the domain of


def __getattr__(name: str) -> Any:
    if name in _MOVED:  # the older import path of the report's table helpers
        from ..report import tables

        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

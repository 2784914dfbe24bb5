"""The older import path of ``report.html``'s renderer (:mod:`freqxai.report.html`), kept for
code that imports ``freqxai.runner.html``; every name is found there."""

from __future__ import annotations

from typing import Any

from ..report.html import write_html_report

__all__ = ["write_html_report"]


def __getattr__(name: str) -> Any:
    from ..report import html

    try:
        return getattr(html, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None

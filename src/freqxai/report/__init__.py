"""The report of a finished run: ``results.md``, ``results.csv``, ``summary.csv``,
``answer.csv``, the figures and ``report.html``, all rendered from ``results.h5`` alone.

:func:`write_report` is the entry point (``freqxai report``, and ``freqxai run`` after the
run). Figures are registered by name (:func:`register_figure`) and the page is rendered from
Jinja2 templates (``freqxai/report/templates``, autoescaped) that place each figure by its
registry name; a registered figure the templates do not place (a plug-in's) is shown under
"Other figures".

Modules: ``writer`` (the entry point and ``results.md``), ``figures`` (the figure registry and
the figures), ``html`` (the page), ``tables`` (what both tables say). The report reads the run's
store and answer (``freqxai.runner.store``, ``freqxai.runner.answer``, ``freqxai.answer``); the
run's engine never imports the report.
"""

from .figures import FigureContext, WrittenFigure, get_figure, list_figures, register_figure
from .writer import summary_rows, write_report

__all__ = ["write_report", "summary_rows", "register_figure", "get_figure", "list_figures",
           "FigureContext", "WrittenFigure"]

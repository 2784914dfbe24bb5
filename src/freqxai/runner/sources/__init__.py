"""The data sources of ``freqxai run``: one class per source, one file each.

``synthetic``, ``audiomnist``, ``fsdd``, ``custom`` and ``uea`` are built in; every other module
of this package is imported after them, and plug-ins register their own (:mod:`.base` describes
what a source declares and how to add one). :func:`load_task` gives a run's test data and model.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .base import Flag, Retraining, Source, get_source, list_sources, register_source, source_class

__all__ = ["Flag", "Retraining", "Source", "get_source", "list_sources", "load_task",
           "register_source", "source_class"]

# registered in this order (``freqxai run --help`` lists them so); any other module of the
# package after them: adding a source is adding its file
_BUILTIN = ("synthetic", "audiomnist", "fsdd", "custom", "uea")


def _import_sources() -> None:
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name not in ("base",)
             and not m.name.startswith("_")]
    for name in [n for n in _BUILTIN if n in names] + sorted(set(names) - set(_BUILTIN)):
        importlib.import_module(f"{__name__}.{name}")


_import_sources()


def load_task(cfg: Any, progress: bool = True) -> Any:
    """The :class:`~freqxai.runner.tasks.Task` of ``cfg`` from its source (which trains and caches
    the model if needed), checked against the model and the run's domains
    (:func:`freqxai.runner.tasks.check_task`)."""
    from ..tasks import check_task

    return check_task(cfg, get_source(cfg.dataset).load(cfg, progress))

"""Methods, domains and metrics from other packages: entry points and ``--plugin`` modules.

A package registers its own with the decorators (``@register_explainer``, ``@register_domain``,
``@register_metric``) in a module it declares as an entry point of the group ``freqxai.plugins``
(``pyproject.toml``)::

    [project.entry-points."freqxai.plugins"]
    mymethods = "mypackage.freqxai_plugin"

Every registry loads those modules the first time it is read, so the API, the configuration and
the CLI (``freqxai list``, ``freqxai run ... --methods mymethod``) see them; ``--plugin MODULE``
imports a module that is not installed as a package (from the working directory).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Iterable

__all__ = ["ENTRY_POINT_GROUP", "load_plugins", "import_plugin"]

ENTRY_POINT_GROUP = "freqxai.plugins"
_loaded = False


def load_plugins() -> list[str]:
    """Import every ``freqxai.plugins`` entry point once (later calls do nothing); a plug-in that
    fails to import is skipped with a warning naming it. Returns the names loaded now."""
    global _loaded
    if _loaded:
        return []
    _loaded = True
    from importlib.metadata import entry_points

    names = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
            names.append(ep.name)
        except Exception as err:  # a broken plug-in must not break freqxai
            warnings.warn(f"freqxai plug-in {ep.name!r} ({ep.value}) failed to load: "
                          f"{type(err).__name__}: {err}", UserWarning, stacklevel=2)
    return names


def import_plugin(modules: Iterable[str]) -> None:
    """Import each module (``--plugin``), the working directory first on the path."""
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, ".")
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as err:
            raise ImportError(f"--plugin {name}: cannot import it ({err}); give an importable "
                              "module name (a file mymod.py in the working directory is "
                              "'mymod')") from err

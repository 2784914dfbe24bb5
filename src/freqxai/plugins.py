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
import importlib.util
import os
import sys
import warnings
from collections.abc import Iterable

__all__ = ["ENTRY_POINT_GROUP", "load_plugins", "import_plugin"]

ENTRY_POINT_GROUP = "freqxai.plugins"
_loaded = False


def load_plugins() -> list[str]:
    """Import every ``freqxai.plugins`` entry point once (later calls do nothing); a plug-in that
    fails to import is skipped with a warning naming it. Returns the names loaded now.

    Examples
    --------
    >>> from freqxai.plugins import load_plugins
    >>> names = load_plugins()                 # the first call imports every entry point
    >>> load_plugins()                         # later calls do nothing
    []
    """
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


def import_plugin(modules: str | Iterable[str]) -> None:
    """Import each module (``--plugin``), the working directory first on the path.

    ``modules`` is a module name or a list of them (``"mymod"`` is the one module ``mymod``).

    Raises
    ------
    TypeError, ValueError
        When ``modules`` is not a string or an iterable of non-empty strings (checked before
        any import).
    ImportError
        Naming the plug-in module: when it cannot be found, or when importing it raises (its
        own error, whatever its type, is quoted as the plug-in's, never as freqxai's).

    Examples
    --------
    A module in the working folder that registers a method (``freqxai run --plugin my_methods``):

    >>> import importlib
    >>> from pathlib import Path
    >>> from freqxai import list_explainers
    >>> from freqxai.plugins import import_plugin
    >>> from freqxai.testing import isolated_registries
    >>> _ = Path("my_methods.py").write_text('''
    ... from freqxai import AmplitudeReference, register_explainer
    ...
    ... @register_explainer("loudness")
    ... class Loudness(AmplitudeReference):
    ...     pass
    ... ''')
    >>> importlib.invalidate_caches()          # a module file written while Python runs
    >>> with isolated_registries():            # (registrations last for this block only)
    ...     import_plugin("my_methods")
    ...     print("loudness" in list_explainers())
    True
    >>> import_plugin("no_such_module")
    Traceback (most recent call last):
        ...
    ImportError: --plugin no_such_module: cannot import it ...
    """
    if isinstance(modules, str):
        modules = [modules]
    try:
        modules = list(modules)
    except TypeError:
        raise TypeError(f"modules must be a module name or a list of module names (strings), "
                        f"got {type(modules).__name__}") from None
    for name in modules:
        if not isinstance(name, str):
            raise TypeError(f"modules must hold module names (strings, e.g. 'mymod'), got "
                            f"{name!r} ({type(name).__name__})")
        if not name.strip():
            raise ValueError("modules holds an empty module name; give importable module names "
                             "(a file mymod.py in the working directory is 'mymod')")
    # the working directory by its absolute path ("." would pin the finder to whatever directory
    # was current at the first import), and fresh finders: a module file written since the
    # interpreter started (a plug-in a script just wrote) is found
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    importlib.invalidate_caches()
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name is not None and name != err.name and not name.startswith(err.name + "."):
                raise ImportError(_failed(name, err)) from err  # a module the plug-in imports
            raise ImportError(f"--plugin {name}: cannot import it ({err}); give an importable "
                              "module name (a file mymod.py in the working directory is "
                              "'mymod')") from err
        except Exception as err:  # the plug-in's own code failed: name it, not freqxai
            raise ImportError(_failed(name, err)) from err


def _failed(name: str, err: BaseException) -> str:
    """One line: the plug-in ``name`` raised ``err`` while it was imported."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    try:
        spec = importlib.util.find_spec(name)
    except Exception:  # noqa: BLE001 - only for the line number
        spec = None
    origin, where, tb = getattr(spec, "origin", None), "", err.__traceback__
    while tb is not None:  # the plug-in's own line that raised, if the traceback has it
        if origin and tb.tb_frame.f_code.co_filename == origin:
            where = f" ({origin}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return (f"--plugin {name}: the plug-in module {name!r} raised {type(err).__name__} while it "
            f"was imported{where}: {'; '.join(lines)[:300] or type(err).__name__}; fix the "
            f"plug-in, or leave out --plugin {name}")

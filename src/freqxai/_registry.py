"""Name registries of domains, explainers and metrics (Zennit's ``@register_composite`` idea).

One mechanism for the three kinds: a class decorator next to each class fills the registry, and
``names`` / ``lookup`` are what ``list_*`` / ``get_*`` read, so the CLI, the configuration and the
runner never keep name tables of their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T", bound=type)


def _plugins() -> None:
    from .plugins import load_plugins  # entry points of other packages, once

    load_plugins()


def _where(cls: type) -> str:
    """``module.QualName`` of a class, for messages."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _same_class(a: type, b: type) -> bool:
    """The same class, or the same class defined again (its module reloaded or re-run)."""
    return a is b or _where(a) == _where(b)


class Registry(Generic[T]):
    """Classes of one base type by name, with aliases.

    Parameters
    ----------
    kind : str
        What is registered, for messages (``"domain"``, ``"explainer"``, ``"metric"``).
    base : type
        The base class every registered class must subclass.
    """

    def __init__(self, kind: str, base: type) -> None:
        self.kind = kind
        self.base = base
        self.classes: dict[str, T] = {}
        self.aliases: dict[str, str] = {}

    def register(self, name: str, *, aliases: tuple[str, ...] = (),
                 override: bool = False) -> Callable[[T], T]:
        """Class decorator: register the class as ``name`` (its ``name`` attribute is set).

        Parameters
        ----------
        name : str
            The name the class is looked up by.
        aliases : tuple of str
            Other names for it.
        override : bool
            Replace a class already registered under ``name`` or one of ``aliases`` (a built-in
            method, or another plug-in's). Without it such a name is refused with a
            ``ValueError`` naming both classes: a plug-in never silently replaces what a run
            would compute under a known name. Registering the same class again (a module
            reloaded) is always allowed.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        if not isinstance(override, bool):
            raise TypeError(f"override must be True or False, got {override!r}")

        def decorator(cls: T) -> T:
            if not (isinstance(cls, type) and issubclass(cls, self.base)):
                raise TypeError(f"register_{self.kind} decorates {self.base.__name__} subclasses, "
                                f"got {cls!r}")
            if not override:
                for key in (name, *aliases):
                    self._refuse_taken(key, cls)
            cls.name = name
            self.classes[name] = cls
            for alias in aliases:
                self.aliases[alias] = name
            return cls
        return decorator

    def _refuse_taken(self, key: str, cls: type) -> None:
        """Raise ``ValueError`` when ``key`` already names another class (as a name or alias)."""
        taken = self.aliases.get(key, key)
        existing = self.classes.get(taken)
        if existing is None and taken != key.lower():
            taken = self.aliases.get(key.lower(), key.lower())  # lookups are case-insensitive
            existing = self.classes.get(taken)
        if existing is None or _same_class(existing, cls):
            return
        what = f"{self.kind} {key!r}" + (f" (an alias of {taken!r})" if taken != key else "")
        raise ValueError(
            f"{what} is already registered by {_where(existing)}; {_where(cls)} cannot replace "
            f"it silently: register it under another name, or pass override=True to "
            f"register_{self.kind} to replace it on purpose")

    @contextlib.contextmanager
    def isolated(self) -> Iterator[None]:
        """Within the block, registrations go to a copy; the registry is as before after it
        (tests and notebooks that register a plug-in for a while)."""
        classes, aliases = self.classes, self.aliases
        self.classes, self.aliases = dict(classes), dict(aliases)
        try:
            yield
        finally:
            self.classes, self.aliases = classes, aliases

    def names(self) -> list[str]:
        """Registered names, in registration order (plug-ins loaded first)."""
        _plugins()
        return list(self.classes)

    def lookup(self, name: str) -> T:
        """The class registered as ``name`` or one of its aliases (case-insensitive)."""
        _plugins()
        key = name.lower() if isinstance(name, str) else name
        key = self.aliases.get(key, key)
        if key not in self.classes:
            raise ValueError(f"unknown {self.kind} {name!r}; choose from {self.names()}")
        return self.classes[key]

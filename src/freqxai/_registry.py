"""Name registries of domains, explainers and metrics (Zennit's ``@register_composite`` idea).

One mechanism for the three kinds: a class decorator next to each class fills the registry, and
``names`` / ``lookup`` are what ``list_*`` / ``get_*`` read, so the CLI, the configuration and the
runner never keep name tables of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T", bound=type)


def _plugins() -> None:
    from .plugins import load_plugins  # entry points of other packages, once

    load_plugins()


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

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        """Class decorator: register the class as ``name`` (its ``name`` attribute is set)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.kind} name must be a non-empty string, got {name!r}")

        def decorator(cls: T) -> T:
            if not (isinstance(cls, type) and issubclass(cls, self.base)):
                raise TypeError(f"register_{self.kind} decorates {self.base.__name__} subclasses, "
                                f"got {cls!r}")
            cls.name = name
            self.classes[name] = cls
            for alias in aliases:
                self.aliases[alias] = name
            return cls
        return decorator

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

"""Pure argument checks and declared constraints: a value and its name in, the value (normalised)
out or a ``ValueError`` / ``TypeError`` naming the argument. No freqxai imports, so every layer
(bands, ragged series, domains, data, adapters, explainers) may use them without joining an import
circle.

Two ways to use them, one set of messages:

- the ``check_*`` functions, for one value in a function body
  (``check_positive_int(n, "n_masks")``);
- **declared constraints** (scikit-learn's ``Interval`` / ``StrOptions`` of
  ``sklearn.utils._param_validation``), for a table of options checked in one place:
  ``validate_options({"n_masks": [Interval(Integral, 1, None), StrOptions(("auto",))]},
  {"n_masks": 0})`` raises ``ValueError: n_masks must be an integer >= 1 or 'auto', got 0``.
  Explainers declare their settings and per-call options this way
  (:class:`freqxai.explainers.Explainer`).

A constraint is one of :class:`Interval`, :class:`StrOptions`, :class:`Options`, :class:`Bool`,
:class:`InstanceOf`, :class:`CallableValue`, :class:`SequenceOf`, :class:`Checked`, ``None``
(the value None), or a list of them: the value must satisfy one of the list's constraints.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = ["FRACTION", "POSITIVE_INT", "SEED", "Bool", "CallableValue", "Checked", "Constraint",
           "InstanceOf", "Integral", "Interval", "Options", "Real", "SequenceOf", "StrOptions",
           "check_bool", "check_choice",
           "check_fraction", "check_fs", "check_number", "check_positive_int", "check_seed",
           "make_constraint", "validate_option", "validate_options"]


class Constraint:
    """A rule one value must follow: :meth:`accepts` tells, :meth:`convert` normalises an accepted
    value (numpy scalars to Python's), :meth:`describe` says what is accepted for messages
    (``"an integer >= 1"``), ``error`` is the exception a refused value raises.

    Subclass it for a rule of your own (implement ``accepts`` and ``describe``).
    """

    error: type[Exception] = ValueError

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def convert(self, value: Any) -> Any:
        return value

    def describe(self) -> str:
        raise NotImplementedError

    def check(self, value: Any, name: str) -> Any:
        """``value`` normalised, or the error ``"{name} must be {describe()}, got {value!r}"``."""
        if not self.accepts(value):
            raise self.error(f"{name} must be {self.describe()}, got {value!r}")
        return self.convert(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


class Interval(Constraint):
    """A number of ``type`` (:class:`numbers.Integral` or :class:`numbers.Real`) between ``low``
    and ``high`` (None: unbounded), ``closed`` ``"both"``, ``"left"``, ``"right"`` or
    ``"neither"``. Booleans are refused; numpy scalars accepted and returned as ``int`` /
    ``float``; a real must be finite.

    Parameters
    ----------
    text : str, optional
        What the message says is accepted, instead of the generated ``"an integer >= 1"``.

    Examples
    --------
    >>> Interval(Integral, 1, None).check(0, "n_masks")
    Traceback (most recent call last):
    ValueError: n_masks must be an integer >= 1, got 0
    """

    def __init__(self, type: type, low: float | None, high: float | None, *,
                 closed: str = "both", text: str | None = None) -> None:
        if type not in (Integral, Real, int, float):
            raise TypeError(f"Interval type must be numbers.Integral or numbers.Real, got {type!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.integer = type in (Integral, int)
        self.low, self.high, self.closed, self.text = low, high, closed, text

    def accepts(self, value: Any) -> bool:
        if _is_bool(value):
            return False
        if self.integer:
            if not isinstance(value, int | np.integer):
                return False
        elif not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (value < self.low if left else value <= self.low):
            return False
        return not (self.high is not None and (value > self.high if right else value >= self.high))

    def convert(self, value: Any) -> Any:
        return int(value) if self.integer else float(value)

    def describe(self) -> str:
        if self.text is not None:
            return self.text
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        low, high = (str(b) if self.integer or b is None else f"{b:g}" for b in (self.low, self.high))
        kind = "an integer" if self.integer else "a finite number"
        if self.high is None and self.low is not None:
            return f"{kind} {'>=' if left else '>'} {low}"
        if self.low is None and self.high is not None:
            return f"{kind} {'<=' if right else '<'} {high}"
        if self.low is None:
            return kind
        if self.closed == "neither" and not self.integer:
            return f"a number in the open interval ({low}, {high})"
        kind = "an integer" if self.integer else "a number"
        return f"{kind} in {'[' if left else '('}{low}, {high}{']' if right else ')'}"


class StrOptions(Constraint):
    """One of the strings ``options`` (in the order messages list them)."""

    def __init__(self, options: Iterable[str], *, text: str | None = None) -> None:
        self.options = tuple(options)
        self.text = text

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def describe(self) -> str:
        return self.text or f"one of {list(self.options)}"


class Options(Constraint):
    """One of ``options``, values of ``type`` (compared with ``==``; booleans never count as
    numbers)."""

    def __init__(self, type: type | tuple[type, ...], options: Iterable[Any]) -> None:
        self.type, self.options = type, tuple(options)

    def accepts(self, value: Any) -> bool:
        if _is_bool(value) and not (self.type is bool or (isinstance(self.type, tuple)
                                                          and bool in self.type)):
            return False
        return isinstance(value, self.type) and any(value == o for o in self.options)

    def describe(self) -> str:
        return f"one of {list(self.options)}"


class Bool(Constraint):
    """True or False (numpy booleans too); anything else is a ``TypeError``."""

    error = TypeError

    def accepts(self, value: Any) -> bool:
        return _is_bool(value)

    def convert(self, value: Any) -> bool:
        return bool(value)

    def describe(self) -> str:
        return "True or False"


class InstanceOf(Constraint):
    """An instance of ``type`` (a ``TypeError`` otherwise)."""

    error = TypeError

    def __init__(self, type: type | tuple[type, ...], *, text: str | None = None) -> None:
        self.type, self.text = type, text

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.type)

    def describe(self) -> str:
        if self.text:
            return self.text
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        return "an instance of " + " or ".join(t.__name__ for t in types)


class CallableValue(Constraint):
    """A callable (a ``TypeError`` otherwise)."""

    error = TypeError

    def accepts(self, value: Any) -> bool:
        return callable(value)

    def describe(self) -> str:
        return "a callable"


class SequenceOf(Constraint):
    """A list, tuple or 1-D array (not a string) of at least ``min_length`` items, each accepted
    by ``item``; returned as a tuple of the items, normalised."""

    def __init__(self, item: Any, *, min_length: int = 1, text: str | None = None) -> None:
        self.item = make_constraint(item)
        self.min_length, self.text = min_length, text

    def accepts(self, value: Any) -> bool:
        if isinstance(value, np.ndarray) and value.ndim != 1:
            return False
        return (isinstance(value, list | tuple | np.ndarray) and len(value) >= self.min_length
                and all(self.item.accepts(v) for v in value))

    def convert(self, value: Any) -> tuple:
        return tuple(self.item.convert(v) for v in value)

    def describe(self) -> str:
        return self.text or f"a list of values that are each {self.item.describe()}"


class Checked(Constraint):
    """A check function of its own: ``function(value)`` returns the normalised value or raises
    its own ``ValueError`` / ``TypeError`` (an existing check with its own message, e.g. a
    domain's ``check_eps``)."""

    def __init__(self, function: Callable[[Any], Any], text: str = "a valid value") -> None:
        self.function, self.text = function, text

    def accepts(self, value: Any) -> bool:
        try:
            self.function(value)
        except (TypeError, ValueError):
            return False
        return True

    def convert(self, value: Any) -> Any:
        return self.function(value)

    def check(self, value: Any, name: str) -> Any:
        return self.function(value)

    def describe(self) -> str:
        return self.text


class _NoneConstraint(Constraint):
    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class _AnyOf(Constraint):
    """The value satisfies one of ``constraints`` (the first that accepts it converts it)."""

    def __init__(self, constraints: Sequence[Constraint]) -> None:
        self.constraints = tuple(constraints)
        # a TypeError only when every alternative is about the value's type
        errors = {c.error for c in self.constraints if not isinstance(c, _NoneConstraint)}
        self.error = TypeError if errors == {TypeError} else ValueError

    def accepts(self, value: Any) -> bool:
        return any(c.accepts(value) for c in self.constraints)

    def convert(self, value: Any) -> Any:
        return next(c for c in self.constraints if c.accepts(value)).convert(value)

    def check(self, value: Any, name: str) -> Any:
        if len(self.constraints) == 1:
            return self.constraints[0].check(value, name)
        for c in self.constraints:
            if c.accepts(value):
                return c.convert(value)
        raise self.error(f"{name} must be {self.describe()}, got {value!r}")

    def describe(self) -> str:
        parts = []
        for c in self.constraints:  # a lone string option reads as itself: "... or 'auto'"
            if isinstance(c, StrOptions) and len(c.options) == 1 and c.text is None:
                parts.append(repr(c.options[0]))
            else:
                parts.append(c.describe())
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def make_constraint(spec: Any) -> Constraint:
    """A :class:`Constraint` from a declaration: a constraint, ``None`` (the value None) or a list
    or tuple of those (any of them)."""
    if isinstance(spec, Constraint):
        return spec
    if spec is None:
        return _NoneConstraint()
    if isinstance(spec, list | tuple):
        return _AnyOf([make_constraint(s) for s in spec])
    raise TypeError(f"a constraint must be a Constraint, None or a list of them, got {spec!r}")


def validate_option(spec: Any, value: Any, name: str) -> Any:
    """``value`` checked against one declared constraint (see :func:`make_constraint`) and
    normalised; the error names ``name``."""
    return make_constraint(spec).check(value, name)


def validate_options(constraints: Mapping[str, Any], values: Mapping[str, Any], *,
                     who: str | None = None, strict: bool = False) -> dict[str, Any]:
    """``values`` with every value that has a declared constraint checked and normalised.

    Parameters
    ----------
    constraints : mapping
        Option name → constraint (a :class:`Constraint`, ``None`` or a list of them).
    values : mapping
        Option name → value, checked in the order given.
    who : str, optional
        What takes the options (``"FreqRISE"``), for the message about an unknown name.
    strict : bool
        Refuse names without a constraint (``TypeError`` naming the known ones); otherwise they
        are returned unchanged.

    Raises
    ------
    ValueError, TypeError
        ``"{name} must be {what is accepted}, got {value!r}"`` for the first refused value.
    """
    out = {}
    for name, value in values.items():
        if name in constraints:
            out[name] = validate_option(constraints[name], value, name)
        elif strict:
            raise TypeError(f"{who or 'this'} takes no option {name!r}; its options are "
                            f"{sorted(constraints)}")
        else:
            out[name] = value
    return out


# -- constraints many options share, and the checks of single values (the same messages) --------

POSITIVE_INT = Interval(Integral, 1, None)
"""An integer >= 1 (the counts, sizes and budgets of every module)."""
FRACTION = Interval(Real, 0, 1, closed="neither")
"""A number in the open interval (0, 1)."""
SEED = (None, Interval(Integral, 0, 2**64, closed="left", text="an integer in [0, 2**64)"))
"""None or an integer in [0, 2**64) (what ``torch.Generator.manual_seed`` takes)."""


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (numpy integers accepted, booleans refused)."""
    if minimum == 1:
        return POSITIVE_INT.check(value, name)
    return Interval(Integral, minimum, None).check(value, name)


def check_fraction(value: Any, name: str) -> float:
    """``value`` as a float in the open interval (0, 1) (numpy floats accepted)."""
    return FRACTION.check(value, name)


def check_number(value: Any, name: str, positive: bool = True) -> float:
    """A finite real number, > 0 (``positive``) or >= 0; booleans and strings are refused."""
    return Interval(Real, 0, None, closed="neither" if positive else "left").check(value, name)


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """None or an integer in [0, 2**64) (what ``torch.Generator.manual_seed`` takes)."""
    return validate_option(SEED, seed, name)


def check_bool(value: Any, name: str) -> bool:
    """``value`` as a bool (numpy booleans accepted); ``TypeError`` otherwise."""
    return Bool().check(value, name)


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``choices``; ``ValueError`` otherwise."""
    return StrOptions(choices).check(value, name)


def check_fs(fs: Any) -> float | None:
    """``fs`` as a float, or None; raise ``ValueError`` unless it is None or a finite number > 0.

    Without ``fs`` every domain states frequencies in cycles per sample and times in samples
    (the axes of ``fs=1``); with it, in Hz and seconds.
    """
    if fs is None:
        return None
    if isinstance(fs, bool) or not isinstance(fs, int | float | np.integer | np.floating) \
            or not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs (sampling rate in Hz) must be a finite number > 0 or None "
                         f"(None: cycles per sample and samples), got {fs!r}")
    return float(fs)

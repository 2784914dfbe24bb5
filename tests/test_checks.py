"""freqxai._checks: declared constraints (scikit-learn's Interval / StrOptions) and the checks of
single values, one set of messages for both."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from freqxai import _checks
from freqxai._checks import (
    FRACTION,
    POSITIVE_INT,
    SEED,
    Bool,
    CallableValue,
    Checked,
    InstanceOf,
    Integral,
    Interval,
    Options,
    Real,
    SequenceOf,
    StrOptions,
    check_bool,
    check_choice,
    check_fraction,
    check_number,
    check_positive_int,
    check_seed,
    make_constraint,
    validate_option,
    validate_options,
)

# (id, constraint, value, error, the whole message)
REFUSED = [
    ("an integer below 1", POSITIVE_INT, 0, ValueError, "n must be an integer >= 1, got 0"),
    ("a bool as an integer", POSITIVE_INT, True, ValueError, "n must be an integer >= 1, got True"),
    ("a float as an integer", POSITIVE_INT, 2.0, ValueError, "n must be an integer >= 1, got 2.0"),
    ("a string as an integer", POSITIVE_INT, "3", ValueError, "n must be an integer >= 1, got '3'"),
    ("1 is no fraction", FRACTION, 1.0, ValueError,
     "n must be a number in the open interval (0, 1), got 1.0"),
    ("NaN is no fraction", FRACTION, float("nan"), ValueError,
     "n must be a number in the open interval (0, 1), got nan"),
    ("a closed integer interval", Interval(Integral, 0, 20), 21, ValueError,
     "n must be an integer in [0, 20], got 21"),
    ("a half-open real interval", Interval(Real, 0, 1, closed="left"), 1, ValueError,
     "n must be a number in [0, 1), got 1"),
    ("an upper bound only", Interval(Real, None, 5, closed="neither"), 5, ValueError,
     "n must be a finite number < 5, got 5"),
    ("infinity", Interval(Real, 0, None, closed="left"), float("inf"), ValueError,
     "n must be a finite number >= 0, got inf"),
    ("an unknown option", StrOptions(("a", "b")), "c", ValueError,
     "n must be one of ['a', 'b'], got 'c'"),
    ("a non-string option", StrOptions(("a", "b")), 1, ValueError,
     "n must be one of ['a', 'b'], got 1"),
    ("a number option", Options(int, (2, 4)), 3, ValueError, "n must be one of [2, 4], got 3"),
    ("a bool is no number option", Options(int, (0, 1)), True, ValueError,
     "n must be one of [0, 1], got True"),
    ("a bool", Bool(), 1, TypeError, "n must be True or False, got 1"),
    ("an instance", InstanceOf(dict), [], TypeError, "n must be an instance of dict, got []"),
    ("a callable", CallableValue(), 3, TypeError, "n must be a callable, got 3"),
    ("a sequence item", SequenceOf(POSITIVE_INT), [2, 0], ValueError,
     "n must be a list of values that are each an integer >= 1, got [2, 0]"),
    ("a string is no sequence", SequenceOf(POSITIVE_INT), "22", ValueError,
     "n must be a list of values that are each an integer >= 1, got '22'"),
    ("an empty sequence", SequenceOf(POSITIVE_INT), [], ValueError,
     "n must be a list of values that are each an integer >= 1, got []"),
    ("2-D array is no sequence", SequenceOf(POSITIVE_INT), np.ones((2, 2), int), ValueError,
     "n must be a list of values that are each an integer >= 1"),
    ("any of several", [POSITIVE_INT, StrOptions(("auto",))], "many", ValueError,
     "n must be an integer >= 1 or 'auto', got 'many'"),
    ("three alternatives", [StrOptions(("auto",)), POSITIVE_INT, None], 0, ValueError,
     "n must be 'auto', an integer >= 1 or None, got 0"),
    ("a seed", SEED, 2**64, ValueError,
     "n must be None or an integer in [0, 2**64), got 18446744073709551616"),
    ("a bool or None: a TypeError", [Bool(), None], "no", TypeError,
     "n must be True or False or None, got 'no'"),
    ("own text", Interval(Real, 0, None, closed="neither", text="a step size > 0"), 0,
     ValueError, "n must be a step size > 0, got 0"),
]


@pytest.mark.parametrize("spec, value, error, message", [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_a_refused_value_is_named_with_what_is_accepted(spec, value, error, message):
    with pytest.raises(error) as info:
        validate_option(spec, value, "n")
    assert str(info.value).startswith(message), str(info.value)
    assert not make_constraint(spec).accepts(value)


# (constraint, value, normalised value)
ACCEPTED = [
    (POSITIVE_INT, np.int64(3), 3), (POSITIVE_INT, np.uint8(1), 1),
    (FRACTION, np.float32(0.5), 0.5), (Interval(Real, 0, None, closed="left"), 0, 0.0),
    (Interval(Integral, 0, 20), 20, 20), (StrOptions(("a", "b")), "b", "b"),
    (Options(float, (0.5,)), 0.5, 0.5), (Bool(), np.bool_(True), True),
    (SequenceOf(POSITIVE_INT), [np.int64(2), 3], (2, 3)),
    (SequenceOf(POSITIVE_INT), np.array([4, 5]), (4, 5)),
    ([POSITIVE_INT, StrOptions(("auto",))], "auto", "auto"),
    (SEED, None, None), (SEED, np.uint64(2**63), 2**63), (CallableValue(), len, len),
    (Checked(lambda v: float(v) * 2), "3", 6.0),
]


@pytest.mark.parametrize("spec, value, expected", ACCEPTED)
def test_an_accepted_value_comes_back_normalised(spec, value, expected):
    out = validate_option(spec, value, "n")
    assert out == expected and type(out) is type(expected)


def test_checked_raises_its_own_message():
    def even(v):
        if v % 2:
            raise ValueError(f"n must be even, got {v}")
        return v

    with pytest.raises(ValueError, match="^n must be even, got 3$"):
        validate_option(Checked(even, "an even number"), 3, "n")
    # among alternatives its description is used
    with pytest.raises(ValueError, match="^n must be an even number or None, got 3$"):
        validate_option([Checked(even, "an even number"), None], 3, "n")


def test_validate_options_checks_declared_names_in_order_and_passes_the_rest():
    constraints = {"a": POSITIVE_INT, "b": Bool()}
    assert validate_options(constraints, {"a": np.int64(2), "c": "free"}) == {"a": 2, "c": "free"}
    with pytest.raises(ValueError, match="^a must be"):
        validate_options(constraints, {"a": 0, "b": "x"})  # the first refused value
    with pytest.raises(TypeError, match=r"^Thing takes no option 'c'; its options are \['a', 'b'\]"):
        validate_options(constraints, {"c": 1}, who="Thing", strict=True)


def test_bad_declarations_are_refused():
    with pytest.raises(TypeError, match="a constraint must be"):
        make_constraint(int)
    with pytest.raises(TypeError, match="Interval type"):
        Interval(str, 0, 1)
    with pytest.raises(ValueError, match="closed must be"):
        Interval(Real, 0, 1, closed="open")


# the single-value checks keep the messages the library and its tests have always used
SINGLE = [
    (lambda: check_positive_int(0, "n_masks"), ValueError, "n_masks must be an integer >= 1, got 0"),
    (lambda: check_positive_int(1, "taps", minimum=3), ValueError, "taps must be an integer >= 3, got 1"),
    (lambda: check_fraction(0, "p_keep"), ValueError,
     "p_keep must be a number in the open interval (0, 1), got 0"),
    (lambda: check_number(0, "radius"), ValueError, "radius must be a finite number > 0, got 0"),
    (lambda: check_number(-1, "noise", positive=False), ValueError,
     "noise must be a finite number >= 0, got -1"),
    (lambda: check_number(1j, "noise"), ValueError, "noise must be a finite number > 0, got 1j"),
    (lambda: check_seed(-1), ValueError, "seed must be None or an integer in [0, 2**64), got -1"),
    (lambda: check_bool("yes", "abs"), TypeError, "abs must be True or False, got 'yes'"),
    (lambda: check_choice("x", "method", ("a", "b")), ValueError,
     "method must be one of ['a', 'b'], got 'x'"),
]


@pytest.mark.parametrize("call, error, message", SINGLE)
def test_single_value_checks_keep_their_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def test_single_value_checks_normalise():
    assert check_positive_int(np.int64(4), "n") == 4 and check_seed(None) is None
    assert check_fraction(np.float32(0.25), "p") == 0.25 and check_bool(np.bool_(False), "b") is False
    assert check_number(np.int32(2), "r") == 2.0 and check_choice("a", "c", ["a"]) == "a"


def test_the_module_imports_nothing_of_freqxai():
    """_checks sits below every layer: it may import no freqxai module (no import circles)."""
    tree = ast.parse(Path(_checks.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not node.level and not (node.module or "").startswith("freqxai"), node.module
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("freqxai") for a in node.names)

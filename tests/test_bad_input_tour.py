"""The bad-input tour (``bench/bad_input_tour.py``, issue 16's acceptance) classifies what it sees
as the issue defines it, and a few of its cases, pinned here, keep their answer.

The tour itself runs thousands of cases (about two minutes); this file checks its classifier on
outcomes made to order and runs a handful of real cases from its tables.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "bad_input_tour.py"


def _load():
    spec = importlib.util.spec_from_file_location("bad_input_tour", _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bad_input_tour"] = module  # (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


tour = _load()
Case, CliResult = tour.Case, tour.CliResult


def _raise(exc):
    def call():
        raise exc
    return call


def _warn(message, value=1):
    def call():
        warnings.warn(message, UserWarning, stacklevel=1)
        return value
    return call


def _cli(rc, err="", out=""):
    return lambda: CliResult(rc, out, err)


# (id, case, expected category, fragment of the outcome's description or message)
CLASSIFIER = [
    ("refused naming the argument", Case("t", "a", _raise(ValueError("n_masks must be >= 1")),
                                         ("n_masks",)), "clear", "n_masks must be"),
    ("refused with another type", Case("t", "b", _raise(RuntimeError("n_masks bad")), ("n_masks",)),
     "cryptic", "RuntimeError"),
    ("refused without naming it", Case("t", "c", _raise(ValueError("bad value")), ("n_masks",)),
     "cryptic", "not naming 'n_masks'"),
    ("bad value accepted", Case("t", "d", lambda: 5, ("n_masks",)), "silent", "accepted"),
    ("accepted with a warning naming it", Case("t", "e", _warn("n_masks is ignored"), ("n_masks",)),
     "clear", "warning"),
    ("torch's own warning does not count",
     Case("t", "f", _warn("Casting complex values to real discards the imaginary part "
                          "(Triggered internally at Copy.cpp)"), ("real",)), "silent", "accepted"),
    ("valid input, right result", Case("t", "g", lambda: 1, check=lambda r: None), "correct", "ran"),
    ("valid input, wrong result", Case("t", "h", lambda: 1, check=lambda r: "NaN in the result"),
     "silent", "NaN in the result"),
    ("valid input refused", Case("t", "i", _raise(ValueError("no")), check=lambda r: None),
     "cryptic", "valid input refused"),
    ("valid input refused clearly where allowed",
     Case("t", "j", _raise(ValueError("n_fft too long")), ("n_fft",), check=lambda r: None,
          either=True), "clear", "refused"),
    ("required warning missing", Case("t", "k", lambda: 1, check=lambda r: None, warns="noise"),
     "silent", "no warning"),
    ("a hang", Case("t", "l", lambda: time.sleep(5), ("x",), timeout=0.2), "cryptic", "hang"),
    ("cli: exit 2 naming the setting", Case("t", "m", _cli(2, "freqxai: error: n_test must be > 0"),
                                            ("n_test",), cli=True), "clear", "exit 2"),
    ("cli: exit 0 for a bad setting", Case("t", "n", _cli(0), ("n_test",), cli=True), "silent",
     "exit 0"),
    ("cli: a traceback", Case("t", "o", _cli(1, "Traceback (most recent call last):\nKeyError: 'x'"),
                              ("x",), cli=True), "cryptic", "traceback"),
    ("cli: exit 2 not naming the setting",
     Case("t", "p", _cli(2, "freqxai: loading n_test\nfreqxai: error: Unable to open file"),
          ("n_test",), cli=True), "cryptic", "not naming"),
    ("cli: a valid command", Case("t", "q", _cli(0), check=lambda r: None, cli=True), "correct",
     "exit 0"),
]


@pytest.mark.parametrize("case, category, fragment", [c[1:] for c in CLASSIFIER],
                         ids=[c[0] for c in CLASSIFIER])
def test_the_tour_classifies_outcomes_as_issue_16_defines_them(case, category, fragment):
    outcome = tour.run_case(case)
    assert outcome.category == category, outcome
    assert fragment in f"{outcome.what} {outcome.message}"


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    built = tour.build_cases(tmp_path_factory.mktemp("tour"), ("explainers", "metrics", "domains"))
    return {c.id: c for c in built}


# cases of the tour whose answer is pinned (id, category)
PINNED = [
    ("freqrise/fft/attribute:p_keep=nan", "clear"),
    ("flex/stft/inputs=float64 tensor", "correct"),
    ("lrp/wavelet/target=bool", "clear"),
    ("ig/fft/model=returns a tuple", "clear"),
    ("saliency/time/inputs=ragged tensors", "correct"),
    ("deletion/fft/fractions=unsorted", "clear"),
    ("localization/stft/ground_truth=index out of range", "clear"),
    ("STFT(hop_length=17)", "clear"),
]


@pytest.mark.parametrize("case_id, category", PINNED, ids=[p[0] for p in PINNED])
def test_pinned_cases_of_the_tour(cases, case_id, category):
    outcome = tour.run_case(cases[case_id])
    assert outcome.category == category, outcome


def test_the_tour_is_at_least_as_broad_as_the_last_one(cases):
    # the previous tour tried 651 inputs; every registered explainer x domain is covered
    assert len(cases) >= 651
    for method in tour.list_explainers():
        for domain in tour.list_domains():
            assert any(i.startswith(f"{method}/{domain}/") for i in cases), (method, domain)

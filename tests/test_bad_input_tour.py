"""The bad-input tour (``bench/bad_input_tour.py``, issue 16's acceptance) classifies what it sees
as the issue defines it, and a few of its cases, pinned here, keep their answer.

The tour itself runs thousands of cases (about two minutes); this file checks its classifier on
outcomes made to order and runs a handful of real cases from its tables.
"""

from __future__ import annotations

import importlib.util
import json
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
    ("freqrise/fft/init:p_keep=nan", "clear"),  # a setting of the constructor (issue 27)
    ("flex/stft/inputs=float64 tensor", "correct"),
    ("lrp/wavelet/target=bool", "clear"),
    ("ig/fft/model=returns a tuple", "clear"),
    ("saliency/time/inputs=ragged tensors", "correct"),
    ("deletion/fft/fractions=unsorted", "clear"),
    ("localization/stft/ground_truth=index out of range", "clear"),
    ("STFT(hop_length=17)", "clear"),
    # constant relevance: the ranking metrics score the position order and warn naming it
    ("deletion/fft/relevance all zero", "clear"),
    ("insertion/stft/relevance all zero", "clear"),
    ("insertion_10/time/relevance all zero", "clear"),
    ("localization/wavelet/relevance all zero", "clear"),
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


# ------------------------------------------------------------------------------------------------
# the regression check (issue 25): the tour exits 1 when a count is worse than its baseline
# ------------------------------------------------------------------------------------------------

def _row(correct=0, clear=0, cryptic=0, silent=0):
    return {"correct": correct, "clear": clear, "cryptic": cryptic, "silent": silent}


BASE = {"total": 30, "areas": {"summary": _row(5, 10, 2, 1), "cli": _row(2, 8, 1, 1)}}


# (id, counts, areas that ran completely, fragment of each expected problem; none: no regression)
REGRESSIONS = [
    ("same counts", {"summary": _row(5, 10, 2, 1), "cli": _row(2, 8, 1, 1)}, ("summary", "cli"), []),
    ("one more cryptic", {"summary": _row(5, 9, 3, 1)}, ("summary",), ["summary: 3 cryptic"]),
    ("one more silent", {"cli": _row(2, 7, 1, 2)}, ("cli",), ["cli: 2 silent"]),
    ("better: fewer cryptic and silent", {"summary": _row(7, 11, 0, 0)}, ("summary",), []),
    ("a case dropped", {"summary": _row(5, 9, 2, 1)}, ("summary",), ["summary: 17 cases"]),
    ("fewer cases under --grep is no regression", {"summary": _row(1, 0, 0, 0)}, (), []),
    ("but more cryptic under --grep is one", {"summary": _row(0, 0, 3, 0)}, (), ["summary: 3 cryptic"]),
    ("a new area has no baseline yet", {"eeg": _row(0, 0, 9, 9)}, ("eeg",), []),
    ("whole tour with fewer cases", {"summary": _row(5, 10, 2, 1), "cli": _row(2, 7, 1, 1)},
     ("summary", "cli"), ["cli: 11 cases", "total: 29 cases"]),
    ("cryptic moved to silent", {"summary": _row(5, 10, 1, 2)}, ("summary",), ["summary: 2 silent"]),
]


@pytest.mark.parametrize("counts, complete, expected", [r[1:] for r in REGRESSIONS],
                         ids=[r[0] for r in REGRESSIONS])
def test_the_tour_fails_when_a_count_regresses(counts, complete, expected):
    problems = tour.regressions(counts, BASE, complete)
    assert len(problems) == len(expected), problems
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)


def test_better_counts_and_new_areas_are_noted_not_failed():
    notes = tour.notes({"summary": _row(7, 11, 0, 0), "eeg": _row(1, 1, 1, 1)}, BASE)
    assert any("summary" in n and "better" in n for n in notes)
    assert any("eeg" in n and "no baseline" in n for n in notes)


def _cases(*categories):
    """Cases of area 'summary' whose outcomes are the given categories."""
    make = {"correct": lambda i: Case("summary", f"c{i}", lambda: 1, check=lambda r: None),
            "clear": lambda i: Case("summary", f"c{i}", _raise(ValueError("x bad")), ("x",)),
            "cryptic": lambda i: Case("summary", f"c{i}", _raise(KeyError("x")), ("x",)),
            "silent": lambda i: Case("summary", f"c{i}", lambda: 1, ("x",))}
    return [make[c](i) for i, c in enumerate(categories)]


def test_the_tour_exits_1_on_a_regression_and_update_baseline_rewrites(tmp_path, monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)  # (main sets the tour's threads)
    path = tmp_path / "counts.json"
    tour.write_baseline(path, {"summary": _row(1, 1, 0, 0)})
    monkeypatch.setattr(tour, "build_cases", lambda root, areas: _cases("correct", "clear", "cryptic"))
    assert tour.main(["--area", "summary", "--baseline", str(path)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSION" in out and "summary: 1 cryptic cases, baseline 0" in out
    # the areas it did not run are kept; the counts of the run replace those of its areas
    tour.write_baseline(path, {"cli": _row(0, 2, 0, 0)}, tour.read_baseline(path))
    assert tour.main(["--area", "summary", "--baseline", str(path), "--update-baseline"]) == 0
    written = json.loads(path.read_text())
    assert written["areas"] == {"summary": _row(1, 1, 1, 0), "cli": _row(0, 2, 0, 0)}
    assert written["total"] == 5
    assert tour.main(["--area", "summary", "--baseline", str(path)]) == 0
    assert "no regression" in capsys.readouterr().out
    # a run that lost a case fails; one under --grep (a part of the area) does not
    monkeypatch.setattr(tour, "build_cases", lambda root, areas: _cases("correct", "clear"))
    assert tour.main(["--area", "summary", "--baseline", str(path)]) == 1
    assert tour.main(["--area", "summary", "--baseline", str(path), "--grep", "c"]) == 0
    with pytest.raises(SystemExit):  # (partial counts are no baseline)
        tour.main(["--grep", "c", "--baseline", str(path), "--update-baseline"])


def test_the_committed_baseline_covers_every_area():
    baseline = tour.read_baseline(tour.BASELINE)
    assert baseline is not None, f"{tour.BASELINE} is missing: python bench/bad_input_tour.py --update-baseline"
    assert set(baseline["areas"]) == set(tour.AREAS)
    assert baseline["total"] == sum(sum(row.values()) for row in baseline["areas"].values())


# ------------------------------------------------------------------------------------------------
# issue 25's cases, pinned at the category they have once its fixes are in. Adjust an entry here
# (with the issue) when a fix chose otherwise, e.g. accepted an input the tour calls bad.
# ------------------------------------------------------------------------------------------------

PINNED_ISSUE_25 = [
    ("bands overlapping", "clear"),
    ("band entirely above Nyquist", "clear"),
    ("eeg=True without fs", "clear"),
    ("interventions without kept", "clear"),
    ("headline_from_csv of a CSV that is not a summary", "clear"),
    ("band_intervention band in Hz without fs", "clear"),
    ("band_intervention(batch_size=0)", "clear"),
    ("estimator predict_proba rows summing to 2", "clear"),
    ("aeon KNeighborsTimeSeriesClassifier on float32 series of unequal length", "correct"),
    ("a fixed-length model given another length", "clear"),
    ("parameter_randomization FreqRISE without a seed", "clear"),
    ("parameter_randomization of a TorchScript model", "correct"),
    ("train_on_permuted_labels given a module", "clear"),
    ("plot_randomization of one DataFrame (one table)", "correct"),
    ("register_explainer('freqrise') again", "clear"),
    ("make_alpha_eeg(fs=-1)", "clear"),
]


@pytest.fixture(scope="module")
def issue25_cases(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = tour.build_cases(tmp_path_factory.mktemp("tour25"),
                                 ("summary", "adapters", "sanity", "plugins", "eeg"))
    return {c.id: c for c in built}


@pytest.mark.parametrize("case_id, category", PINNED_ISSUE_25, ids=[p[0] for p in PINNED_ISSUE_25])
def test_pinned_cases_of_issue_25(issue25_cases, case_id, category):
    outcome = tour.run_case(issue25_cases[case_id])
    assert outcome.category == category, outcome


# the public functions of the modules issue 25 names, each tried by the tour (by name); classes
# registered as explainers, domains or metrics are tried through the registries' tables
MODULES = ["freqxai", "freqxai.summary", "freqxai.bands", "freqxai.ragged", "freqxai.sanity",
           "freqxai.topomap", "freqxai.data.eeg", "freqxai.data.uea", "freqxai.adapters",
           "freqxai.plugins", "freqxai.explainers.flextime", "freqxai.explainers.freqmask",
           "freqxai.explainers.freqrise", "freqxai.masks", "freqxai.convert"]
NOT_TOURED = {
    "fit_masks": "FLEXtime's and FreqMask's optimizer (its inputs are built by their attribute)",
    "EEGDataset": "what load_eeg returns", "UEADataset": "what load_uea returns",
    "ModelCapabilities": "what capabilities returns",
}


def test_the_tour_tries_every_public_function():
    import importlib
    import inspect
    import re

    from freqxai import Domain, Explainer
    from freqxai.metrics.base import Metric

    source = _PATH.read_text()
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or attr in NOT_TOURED:
                continue
            if inspect.isclass(obj) and issubclass(obj, Explainer | Domain | Metric):
                continue
            if not re.search(rf"\b{re.escape(attr)}\b", source):
                missing.append(f"{name}.{attr}")
    assert not missing, f"public functions the tour never calls: {missing}"


def test_the_whole_tour_holds_its_committed_counts(capsys):
    """Every case of the tour (about 8,300, some 40 s): no area has more cryptic or silent cases,
    or fewer cases, than bench/bad_input_tour_counts.json (issues 25 and 27: the tour fails on a
    regression of its counts)."""
    here = Path.cwd()
    try:
        code = tour.main([])
    finally:
        import os

        os.chdir(here)
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]

"""The answer rule (freqxai.answer): one row per class, the evidence weighed (issue 26)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from freqxai.answer import (
    ANSWER_COLUMNS,
    answer,
    answer_lines,
    binomial_sf,
    fisher_less,
    method_bands,
    separating_bands,
    wilson_interval,
)

BANDS = [("DC", 0.0, 0.5), ("0.5-1 Hz", 0.5, 1.0), ("1-2 Hz", 1.0, 2.0), ("2-4 Hz", 2.0, 4.0)]


def table(relevance: dict[str, list[float]], *, cls: str = "a", references=("amplitude",),
          significant: dict[str, list[bool]] | None = None, n: int = 20,
          check: dict[str, tuple[float, float, float]] | None = None) -> pd.DataFrame:
    """A summarize()-shaped table of one class: ``relevance[method]`` per band; ``check[band]``:
    (accuracy, kept, removed)."""
    rows = []
    for method, values in relevance.items():
        sig = (significant or {}).get(method, [False] * len(BANDS))
        for (band, lo, hi), v, s in zip(BANDS, values, sig, strict=True):
            acc = check.get(band, (np.nan,) * 3) if check else (np.nan,) * 3
            rows.append({"method": method, "domain": "fft", "class": cls, "channel": "all",
                         "band": band, "low_hz": lo, "high_hz": hi, "relevance": v,
                         "standard_error": 0.1, "share": 0.25, "significant": s,
                         "p_value": 0.5, "rank": 1, "n_inputs": n, "n_coefficients": 3,
                         "reference": method in references, "unit": "Hz",
                         "accuracy": acc[0], "kept_accuracy": acc[1], "removed_accuracy": acc[2]})
    return pd.DataFrame(rows)


def test_a_band_that_lowers_the_score_as_strongly_is_the_answer_and_says_so():
    # FLEX and IG give slow bands -1.33 / -1.19 against +0.42: the class is told by what it lacks
    t = table({"flex": [-1.33, 0.1, 0.2, 0.42], "ig": [-1.19, 0.1, 0.1, 0.40]})
    row = answer(t).iloc[0]
    assert (row["band"], row["direction"], row["methods"]) == ("DC", "lowers", "flex, ig")
    assert list(answer(t).columns) == ANSWER_COLUMNS


def test_references_never_vote_and_the_loudest_band_alone_is_weak():
    t = table({"flex": [0.1, 0.9, 0.2, 0.1], "amplitude": [0.1, 0.8, 0.1, 0.0],
               "random": [0.3, 0.2, 0.1, 0.25]}, references=("amplitude", "random"))
    row = answer(t).iloc[0]
    assert row["methods"] == "flex" and row["n_counted"] == 1
    assert row["amplitude_band"] == "0.5-1 Hz"
    assert row["confidence"] == "weak" and "loudest" in row["why"]


def test_methods_that_failed_their_checks_are_listed_not_counted():
    t = table({"freqrise": [0.0, 0.0, 0.0, 0.9], "lrp": [0.0, 0.0, 0.0, 0.9],
               "flex": [0.0, 0.8, 0.0, 0.1]})
    row = answer(t, not_counted={"freqrise": "split halves disagree (Jaccard 0.41)",
                                 "lrp": "not conserved on 25 of 25 inputs"}).iloc[0]
    assert row["band"] == "0.5-1 Hz" and row["methods"] == "flex" and row["n_counted"] == 1
    assert "freqrise: split halves disagree" in row["not_counted"]
    assert "lrp: not conserved" in row["not_counted"]


def test_a_model_at_chance_gets_no_answer_whatever_the_maps_say():
    # FingerMovements: accuracy 0.45 on 20 signals, two classes; every method agrees
    t = table({"flex": [0.9, 0, 0, 0], "ig": [0.9, 0, 0, 0]},
              check={"DC": (0.45, 0.80, 0.35)})
    row = answer(t, n_classes=2).iloc[0]
    assert row["confidence"] == "none" and "does not recognise" in row["why"]
    assert answer_lines(answer(t, n_classes=2))[0].startswith("a: no answer")


@pytest.mark.parametrize("check, n, confidence", [
    ((1.0, 1.0, 0.0), 10, "confirmed"),   # removing it costs everything
    ((0.70, 0.50, 0.60), 20, "weak"),     # 0.70 -> 0.60 on 20: no finding (chance 1/4)
    ((0.95, 0.90, 0.55), 20, "confirmed"),
])
def test_the_intervention_is_weighed_by_an_exact_test(check, n, confidence):
    t = table({"flex": [0, 0, 0.9, 0], "ig": [0, 0, 0.8, 0]}, n=n, check={"1-2 Hz": check})
    row = answer(t, n_classes=4).iloc[0]
    assert row["confidence"] == confidence, row["why"]
    assert row["removed_low"] <= check[2] <= row["removed_high"]


def test_ties_go_to_more_significant_then_shapley_then_the_lower_band():
    sig = {"flex": [False, True, False, False]}
    t = table({"flex": [0, 0.9, 0, 0], "ig": [0, 0, 0, 0.9]}, significant=sig)
    assert answer(t).iloc[0]["band"] == "0.5-1 Hz"
    t = table({"flex": [0, 0.9, 0, 0], "ig": [0, 0, 0, 0.9], "shapley": [0, 0, 0, 0.5],
               "lrp": [0, 0.9, 0, 0], "gxi": [0, 0.9, 0, 0]})
    assert answer(t).iloc[0]["band"] == "0.5-1 Hz"  # 3 votes beat shapley's side's 2
    t = table({"flex": [0, 0.9, 0, 0], "shapley": [0, 0, 0, 0.5]})
    assert answer(t).iloc[0]["band"] == "2-4 Hz"  # a tie: band Shapley values decide
    t = table({"flex": [0, 0.9, 0, 0], "ig": [0, 0, 0, 0.9]})
    assert answer(t).iloc[0]["band"] == "0.5-1 Hz"  # then the lower band


def test_method_bands_take_the_largest_magnitude_and_the_lower_band_on_a_tie():
    t = table({"flex": [0.5, -0.5, 0.1, 0.0]})
    top = method_bands(t)
    assert list(top["band"]) == ["DC"]


def test_exact_tests_equal_scipy_stats():
    for k, n, p in [(9, 20, 0.5), (0, 5, 0.3), (20, 20, 0.5), (13, 40, 0.25)]:
        assert binomial_sf(k, n, p) == pytest.approx(stats.binom.sf(k - 1, n, p), rel=1e-9)
    for after, before, n in [(12, 14, 20), (0, 10, 10), (5, 5, 8), (3, 9, 12)]:
        want = stats.fisher_exact([[after, n - after], [before, n - before]],
                                  alternative="less").pvalue
        assert fisher_less(after, before, n) == pytest.approx(want, rel=1e-9)
    lo, hi = wilson_interval(0.5, 20)
    ref = stats.binomtest(10, 20).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((ref.low, ref.high), rel=1e-9)


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"alpha": 0}, ValueError, "alpha"),
    ({"not_counted": ["lrp"]}, TypeError, "not_counted"),
    ({"domain": "stft"}, ValueError, "domain"),
    ({"channel": "C3"}, ValueError, "channel"),
    ({"n_classes": 1}, ValueError, "n_classes"),
])
def test_bad_options_are_refused_naming_them(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        answer(table({"flex": [0, 1, 0, 0]}), **kwargs)


def test_a_table_that_is_not_a_summary_is_refused():
    with pytest.raises(ValueError, match="lacks the columns"):
        answer(pd.DataFrame({"method": ["flex"]}))
    with pytest.raises(TypeError, match="summarize"):
        answer({"flex": 1})


def test_no_method_beating_the_amplitude_reference_lowers_the_confidence_and_says_so():
    t = table({"flex": [0, 0, 0.9, 0], "ig": [0, 0, 0.8, 0]})
    assert answer(t).iloc[0]["confidence"] == "supported"
    row = answer(t, beats_reference=False).iloc[0]
    assert row["confidence"] == "weak" and "no method beats the amplitude reference" in row["why"]
    assert "no method beats the amplitude reference" in row["notes"]  # said once on a page
    confirmed = table({"flex": [0, 0, 0.9, 0]}, n=10, check={"1-2 Hz": (1.0, 1.0, 0.0)})
    assert answer(confirmed, beats_reference=False).iloc[0]["confidence"] == "confirmed"


def test_runs_compare_methods_with_the_amplitude_reference_beyond_the_standard_errors():
    from freqxai.runner.answer import beats_reference

    def rows(flex_deletion, sem):
        return [{"method": "flex", "domain": "fft", "deletion": flex_deletion,
                 "deletion_sem": sem, "insertion": 0.5, "insertion_sem": sem},
                {"method": "amplitude", "domain": "fft", "deletion": 0.259, "deletion_sem": sem,
                 "insertion": 0.931, "insertion_sem": sem}]

    assert beats_reference(rows(0.258, 0.01), "fft") is False  # BasicMotions: a tie
    assert beats_reference(rows(0.10, 0.01), "fft") is True    # lower deletion is better
    assert beats_reference(rows(0.10, 0.01), "fft", {"flex"}) is None  # nothing left to compare
    assert beats_reference(rows(0.10, 0.01), "stft") is None


def test_a_dc_answer_says_what_dc_means_and_how_to_look_past_it():
    row = answer(table({"flex": [0.9, 0, 0, 0], "ig": [0.8, 0, 0, 0]})).iloc[0]
    assert row["band"] == "DC" and "offset" in row["notes"] and "--center" in row["notes"]
    other = answer(table({"flex": [0, 0.9, 0, 0]})).iloc[0]
    assert "--center" not in other["notes"]
    # the terminal says it once, after the classes
    two = pd.concat([table({"flex": [0.9, 0, 0, 0]}, cls="a"), table({"flex": [0.9, 0, 0, 0]},
                                                                     cls="b")])
    lines = answer_lines(answer(two))
    assert [ln.startswith("note: DC is") for ln in lines] == [False, False, True]


def test_what_separates_the_classes_is_the_band_that_changes_most_between_them():
    # both voices rank the loud 256-512 Hz band first; 64-128 Hz tells them apart
    low = table({"shapley": [0.1, 2.0, -0.5, 3.0], "flex": [0, 1, 0, 2]}, cls="low")
    high = table({"shapley": [0.1, -1.5, 1.5, 3.1], "flex": [0, 0, 1, 2]}, cls="high")
    both = pd.concat([low, high], ignore_index=True)
    assert set(answer(both)["band"]) == {"2-4 Hz"}  # the answer per class: the loud band
    sep = separating_bands(both)
    assert sep.iloc[0]["band"] == "0.5-1 Hz" and sep.iloc[0]["method"] == "shapley"
    assert (sep.iloc[0]["highest"], sep.iloc[0]["lowest"]) == ("low", "high")
    assert sep.iloc[0]["spread"] == pytest.approx(3.5)
    assert list(sep["spread"]) == sorted(sep["spread"], reverse=True)
    assert separating_bands(both, method="flex").iloc[0]["method"] == "flex"
    assert separating_bands(low).empty  # one class: nothing to separate
    with pytest.raises(ValueError, match="method 'ig'"):
        separating_bands(both, method="ig")


def test_a_model_that_always_answers_one_class_recognises_none():
    # EyesOpenShut's CNN answers "eyes open" for every signal: that class's own accuracy is
    # 1.00, and removing a band flips it, but the model is at chance (0.50 of 42)
    t = table({"flex": [0.9, 0, 0, 0], "ig": [0.9, 0, 0, 0]}, n=21,
              check={"DC": (1.0, 1.0, 0.0)})
    assert answer(t, n_classes=2).iloc[0]["confidence"] == "confirmed"
    row = answer(t, n_classes=2, model_accuracy=(0.5, 42, 0.5)).iloc[0]
    assert row["confidence"] == "none" and "does not recognise the classes" in row["why"]
    kept = answer(t, n_classes=2, model_accuracy=(0.9, 42, 0.5)).iloc[0]
    assert kept["confidence"] == "confirmed"
    with pytest.raises(ValueError, match="model_accuracy"):
        answer(t, model_accuracy=(0.5, 0, 0.5))


def test_bands_without_a_sampling_rate_read_as_periods_in_samples():
    from freqxai.answer import band_label

    row = {"band": "0.0417-0.0833 cycles/sample", "low_hz": 1 / 24, "high_hz": 1 / 12}
    assert band_label(row, "cycles/sample") == "periods of 12–24 samples"
    assert band_label({"band": "DC", "low_hz": 0.0, "high_hz": 1 / 24}, "cycles/sample") == \
        "DC (the mean)"
    # with a sampling rate the name (which gives its edges) stays
    assert band_label({"band": "0.8-1.6 Hz", "low_hz": 0.8, "high_hz": 1.6}, "Hz") == "0.8-1.6 Hz"
    assert band_label({"band": "DC", "low_hz": 0.0, "high_hz": 0.1}, "Hz") == "DC (0–0.1 Hz)"


def test_a_verdict_about_the_whole_model_is_one_line():
    import pandas as pd

    from freqxai.answer import answer_lines

    why = "no answer: the model does not recognise the classes (test accuracy 0.40 on 10 signals)"
    rows = pd.DataFrame({"class": ["a", "b", "c"], "band": ["DC"] * 3, "label": ["DC"] * 3,
                         "direction": ["raises"] * 3, "confidence": ["none"] * 3,
                         "why": [why] * 3, "not_counted": [""] * 3, "notes": [""] * 3})
    assert answer_lines(rows) == [f"every class: {why} [none]"]
    # one class at chance among recognised ones keeps its own line
    rows.loc[0, "confidence"] = "weak"
    rows.loc[0, "why"] = "2 of 2 methods name it"
    assert len(answer_lines(rows)) == 3

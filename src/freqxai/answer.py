"""The answer of an explanation, computed once: per class, the band that drives the decision, the
evidence for it, weighed, and how far it can be trusted.

:func:`answer` reads a :func:`freqxai.summary.summarize` table and returns one row per class.
Every surface that states the answer reads these rows: ``answer.csv`` of a run, the terminal,
the first screen of ``report.html``, ``results.md`` and :func:`freqxai.summary.headline`. So the
terminal and the report can no longer name different bands for the same run.

The rule
--------
1. **Each method's band** for a class is the band of the largest *absolute* relevance (channel
   ``all``, the answer's domain): a band that lowers the class's score as strongly as another
   raises it is as much a reason for the decision (a class recognised by what its signals lack
   names the band it lacks). Its sign gives the ``direction``: ``"raises"`` or ``"lowers"`` the
   class's score. Ties go to the lower band.
2. **Votes.** Only methods that read the model and passed their own checks on this run count
   (``not_counted`` names the others with the reason: references, FreqRISE's split halves that
   never agreed, LRP relevance that is not conserved). The band most counted methods name wins;
   ties go to the band more of them find significant, then to the band of band Shapley values
   (``shapley``, when run), then to the lower band.
3. **References are not votes.** The amplitude reference names the loudest band; when it names
   the winning band the answer says so: then the maps may only mirror the input, and only the
   intervention can confirm the band.
4. **The model must recognise the class.** When the run checked accuracy (``accuracy`` on the
   class's signals), a class whose accuracy is not above chance (one-sided exact binomial test
   against ``1 / n_classes`` at ``alpha``) gets no answer, whatever the maps say.
5. **The intervention** (keep only the band / remove it, :func:`freqxai.summary.band_intervention`)
   confirms a band when removing it lowers the class's accuracy significantly: a one-sided
   Fisher exact test of the two accuracies on the same number of signals, at ``alpha``
   (conservative: it ignores that the signals are paired). A drop of 0.10 on 20 signals does not
   confirm anything.

Confidence, from the evidence (first that applies):

- ``none``: no counted method; or the model does not recognise the class (rule 4);
- ``confirmed``: at least half of the counted methods name the band and removing it costs
  accuracy significantly;
- ``weak``: the intervention ran and removing the band costs no significant accuracy; or fewer
  than half of the counted methods name it; or it is the amplitude reference's band and nothing
  else confirms it;
- ``supported``: at least half of the counted methods name it, it is not merely the loudest band,
  and no intervention contradicts it (none ran).

When no counted method beats the amplitude reference on deletion or insertion beyond the standard
errors (``beats_reference=False``, measured by runs), ``supported`` drops to ``weak`` and the
reason says so; an intervention that confirms the band still confirms it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["ANSWER_COLUMNS", "CONFIDENCE", "answer", "answer_lines", "method_bands",
           "separating_bands", "read_answer_csv", "binomial_sf", "fisher_less", "wilson_interval"]

ANSWER_COLUMNS = [
    "class", "band", "label", "low_hz", "high_hz", "unit", "direction", "confidence", "methods",
    "n_counted", "significant_for", "not_counted", "other_bands", "reference_bands",
    "amplitude_band", "shapley", "shapley_se", "shapley_share", "n_signals", "accuracy",
    "chance", "chance_p_value", "kept_accuracy", "kept_low", "kept_high", "removed_accuracy",
    "removed_low", "removed_high", "removed_p_value", "beats_reference", "why", "notes",
]
# the columns that hold text (the others are numbers, NaN where the evidence is missing)
TEXT_COLUMNS = ["class", "band", "label", "unit", "direction", "confidence", "methods",
                "significant_for", "not_counted", "other_bands", "reference_bands",
                "amplitude_band", "why", "notes"]
CONFIDENCE = ("confirmed", "supported", "weak", "none")
# notes that hold for a class beside its reason (said once on a page or terminal, not per class)
DC_NOTE = ("DC is each channel's mean, its offset (for motion sensors, their orientation): remove "
           "it (run uea --center, or subtract each channel's mean) to ask which rhythm drives "
           "the class")
NO_METHOD_BEATS_REFERENCE = ("no method beats the amplitude reference (the input's own spectrum) "
                             "on deletion or insertion beyond the standard errors")
ALPHA = 0.05
# the reference that ranks bands by the input's own amplitude (its top band is the loudest)
AMPLITUDE = "amplitude"
SHAPLEY = "shapley"


# ------------------------------------------------------------------------------------------------
# exact tests on small counts (scipy.stats takes a second to import on the terminal's path;
# scipy.special, which the summary already loads, gives the binomial tail exactly)
# ------------------------------------------------------------------------------------------------

def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): the one-sided p-value of ``k`` successes in ``n``.

    Examples
    --------
    >>> from freqxai.answer import binomial_sf
    >>> binomial_sf(9, 10, 0.5)                # 9 or more heads in 10 fair tosses: 11 / 1024
    0.0107421875
    """
    from scipy import special

    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return float(special.betainc(k, n - k + 1, p))  # regularised incomplete beta = binomial tail


def fisher_less(k_after: int, k_before: int, n: int) -> float:
    """One-sided Fisher exact p-value that ``k_after`` successes of ``n`` are fewer than
    ``k_before`` of ``n`` by more than chance (hypergeometric lower tail).

    Examples
    --------
    >>> from freqxai.answer import fisher_less
    >>> p = fisher_less(0, 10, 10)             # 10 of 10 right before removing a band, 0 after
    >>> f"{p:.2g}"
    '5.4e-06'
    >>> round(fisher_less(9, 10, 10), 3)      # 10 -> 9 of 10: chance
    0.5
    """
    total = k_after + k_before

    def log_p(a: int) -> float:  # P(first group has a successes | margins)
        return (_log_comb(n, a) + _log_comb(n, total - a) - _log_comb(2 * n, total))

    low = max(0, total - n)
    return float(min(1.0, sum(math.exp(log_p(a)) for a in range(low, k_after + 1))))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def wilson_interval(share: float, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``share`` of ``n`` trials (NaN without trials).

    Examples
    --------
    >>> from freqxai.answer import wilson_interval
    >>> low, high = wilson_interval(0.5, 20)   # 10 of 20
    >>> round(low, 3), round(high, 3)
    (0.299, 0.701)
    >>> wilson_interval(0.5, 0)                # no trials
    (nan, nan)
    """
    if n <= 0 or not np.isfinite(share):
        return float("nan"), float("nan")
    from scipy import special

    z = float(special.ndtri(0.5 + level / 2))
    denom = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denom
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# ------------------------------------------------------------------------------------------------
# the rule
# ------------------------------------------------------------------------------------------------

def _check_table(table: Any) -> None:
    need = {"method", "domain", "class", "channel", "band", "low_hz", "high_hz", "relevance",
            "significant", "reference"}
    if not hasattr(table, "columns"):
        raise TypeError("table must be the DataFrame freqxai.summary.summarize() returns "
                        f"(or a run's summary.csv read with pandas), got {type(table).__name__}")
    missing = sorted(need - set(table.columns))
    if missing:
        raise ValueError(f"table is not a summarize() table: it lacks the columns {missing}")


def _domain(table: Any, domain: str | None) -> str | None:
    domains = list(dict.fromkeys(table["domain"]))
    if not domains:
        return None
    if domain is None:
        return "fft" if "fft" in domains else domains[0]
    if domain not in domains:
        raise ValueError(f"domain {domain!r} is not in the table; it has {domains}")
    return domain


def method_bands(table: Any, *, domain: str | None = None, channel: str = "all") -> Any:
    """Each method's band per class (rule 1 of the module notes): one row per method and class
    with ``band``, ``low_hz``, ``high_hz``, ``relevance``, ``significant``, ``direction``
    (``"raises"`` / ``"lowers"``) and ``reference``. The runner checks these bands by
    intervention, so every band an answer can name has its check.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.answer import method_bands
    >>> top = method_bands(df)                 # each method's band per class
    >>> top[["method", "class", "band", "direction"]].values.tolist()
    [['flex', '0', '32-64 Hz', 'raises'], ['flex', '1', '8-16 Hz', 'raises'],
     ['shapley', '0', '8-16 Hz', 'lowers'], ['shapley', '1', '8-16 Hz', 'raises']]
    """
    import pandas as pd

    _check_table(table)
    domain = _domain(table, domain)
    cols = ["method", "class", "band", "low_hz", "high_hz", "relevance", "significant",
            "direction", "reference"]
    if domain is None:
        return pd.DataFrame(columns=cols)
    rows = table[(table["domain"] == domain) & (table["channel"] == channel)]
    rows = rows[np.isfinite(rows["relevance"].astype(float))]
    out = []
    for (method, cls), group in rows.groupby(["method", "class"], sort=False):
        mag = group["relevance"].astype(float).abs().to_numpy()
        if not len(mag) or not np.any(mag > 0):
            continue
        top = group.iloc[int(np.argmax(mag))]  # first maximum: the lower band on a tie
        out.append({"method": method, "class": cls, "band": top["band"],
                    "low_hz": float(top["low_hz"]), "high_hz": float(top["high_hz"]),
                    "relevance": float(top["relevance"]),
                    "significant": bool(top["significant"]),
                    "direction": "raises" if float(top["relevance"]) >= 0 else "lowers",
                    "reference": bool(top["reference"])})
    return pd.DataFrame(out, columns=cols)


def answer(table: Any, *, domain: str | None = None, channel: str = "all",
           not_counted: Mapping[str, str] | None = None, n_classes: int | None = None,
           beats_reference: bool | None = None,
           model_accuracy: tuple[float, int, float] | None = None, alpha: float = ALPHA) -> Any:
    """The answer per class: the band that drives the decision, its evidence and a confidence.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`freqxai.summary.summarize` table (a run's ``summary.csv`` read with pandas).
        Its intervention columns (``accuracy``, ``kept_accuracy``, ``removed_accuracy``), when
        present, are the evidence of rules 4 and 5 (module notes).
    domain : str, optional
        The domain to answer in (default ``fft`` when present, else the first).
    channel : str
        ``"all"`` (default) or one channel name.
    not_counted : mapping of str to str, optional
        Methods that failed their own checks on this run, with the reason; they are listed,
        never counted. References are never counted either.
    n_classes : int, optional
        The model's number of classes, for the chance level ``1 / n_classes`` (default: the
        classes in the table, at least 2).
    model_accuracy : (accuracy, n, chance), optional
        The model's accuracy on its ``n`` test signals and the accuracy of always answering the
        most frequent class (``chance``). When the accuracy is not above it (one-sided exact
        binomial test at ``alpha``), no class gets an answer: a model that always answers one
        class gets every signal of that class right and recognises nothing.
    beats_reference : bool, optional
        Whether some counted method beats the amplitude reference on deletion or insertion
        beyond the standard errors (a run measures it; None: not measured). False lowers
        ``supported`` to ``weak`` and says so: the maps do no better than the input's spectrum.
    alpha : float
        Level of the chance and intervention tests.

    Returns
    -------
    pandas.DataFrame
        One row per class, columns :data:`ANSWER_COLUMNS`; ``band`` is None where no method
        names one. ``confidence`` is one of :data:`CONFIDENCE`; ``why`` says why in one sentence.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.answer import answer
    >>> rows = answer(df)
    >>> rows[["class", "band", "direction", "confidence"]].values.tolist()
    [['0', '8-16 Hz', 'lowers', 'supported'], ['1', '8-16 Hz', 'raises', 'supported']]
    >>> print(rows["why"][1])
    2 of 2 methods name it, significant for none; no intervention checked it
    """
    import pandas as pd

    _check_table(table)
    if beats_reference is not None and not isinstance(beats_reference, bool):
        raise TypeError(f"beats_reference must be True, False or None, got {beats_reference!r}")
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not_counted is not None and not isinstance(not_counted, Mapping):
        raise TypeError("not_counted must map a method's name to the reason it is not counted, "
                        f"got {type(not_counted).__name__}")
    excluded = {str(k): str(v) for k, v in (not_counted or {}).items()}
    domain = _domain(table, domain)
    if domain is None or table.empty:
        return pd.DataFrame(columns=ANSWER_COLUMNS)
    if channel not in set(table["channel"]):
        raise ValueError(f"channel {channel!r} is not in the table; it has "
                         f"{list(dict.fromkeys(table['channel']))}")
    classes = list(dict.fromkeys(table["class"]))
    k_classes = int(n_classes) if n_classes is not None else max(2, len(classes))
    if k_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes!r}")
    unit = str(table.attrs.get("frequency_unit")
               or (table["unit"].iloc[0] if "unit" in table.columns else "Hz"))
    at_chance = None
    if model_accuracy is not None:
        acc, n, chance = model_accuracy
        if not (np.isfinite(acc) and int(n) > 0 and 0 < chance < 1):
            raise ValueError("model_accuracy must be (accuracy, number of signals, chance) with "
                             f"n > 0 and chance in (0, 1), got {model_accuracy!r}")
        p = binomial_sf(int(round(acc * n)), int(n), chance)
        if p >= alpha:
            at_chance = (f"no answer: the model does not recognise the classes (test accuracy "
                         f"{acc:.2f} on {int(n)} signals, not above {chance:.2f}, the accuracy of "
                         f"always answering the most frequent class; p = {p:.2g})")
    tops = method_bands(table, domain=domain, channel=channel)
    here = table[(table["domain"] == domain) & (table["channel"] == channel)]
    out = []
    for cls in classes:
        row = _class_answer(cls, here[here["class"] == cls], tops[tops["class"] == cls],
                            excluded, k_classes, alpha, unit)
        row["beats_reference"] = beats_reference
        if at_chance is not None:  # whatever the maps and the class's own accuracy say
            row["confidence"], row["why"], row["notes"] = "none", at_chance, ""
        if beats_reference is False and row["band"] is not None and row["confidence"] != "none":
            if row["confidence"] == "supported":  # the maps do no better than the spectrum
                row["confidence"] = "weak"
                row["why"] += ", but no method beats the amplitude reference"
            row["notes"] = "; ".join(filter(None, [row["notes"], NO_METHOD_BEATS_REFERENCE]))
        out.append(row)
    return pd.DataFrame(out, columns=ANSWER_COLUMNS)


def _class_answer(cls: Any, rows: Any, tops: Any, excluded: dict[str, str], k_classes: int,
                  alpha: float, unit: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ANSWER_COLUMNS)
    row.update({"class": str(cls), "unit": unit, "methods": "", "significant_for": "",
                "not_counted": "", "other_bands": "", "reference_bands": "", "n_counted": 0,
                "confidence": "none", "notes": ""})
    methods = [m for m in dict.fromkeys(rows["method"]) if not _is_reference(rows, m)]
    counted = [m for m in methods if m not in excluded]
    skipped = {m: excluded[m] for m in methods if m in excluded}
    row["not_counted"] = "; ".join(f"{m}: {r}" for m, r in skipped.items())
    row["n_counted"] = len(counted)
    by_method = {r["method"]: r for r in tops.to_dict("records")}
    refs = {m: r for m, r in by_method.items() if r["reference"]}
    row["reference_bands"] = "; ".join(f"{m}: {r['band']}" for m, r in refs.items())
    amp = refs.get(AMPLITUDE)
    row["amplitude_band"] = None if amp is None else amp["band"]
    n = int(rows["n_inputs"].max()) if "n_inputs" in rows and len(rows) else 0
    row["n_signals"] = n
    acc = _first_finite(rows, "accuracy")
    row["chance"] = 1.0 / k_classes
    recognised = None
    if acc is not None and n > 0:
        row["accuracy"] = acc
        row["chance_p_value"] = binomial_sf(int(round(acc * n)), n, 1.0 / k_classes)
        recognised = row["chance_p_value"] < alpha
    votes: dict[Any, list[str]] = {}
    for m in counted:
        if m in by_method:
            votes.setdefault(by_method[m]["band"], []).append(m)
    if not votes:
        row["why"] = ("no method that reads the model and passed its checks names a band"
                      if not counted or skipped else "no method finds relevance for this class")
        return row
    order = list(dict.fromkeys(rows["band"]))
    shap = by_method.get(SHAPLEY) if SHAPLEY in counted else None

    def key(band: Any) -> tuple:
        sig = sum(by_method[m]["significant"] for m in votes[band])
        return (len(votes[band]), sig, shap is not None and shap["band"] == band,
                -order.index(band))

    best = max(votes, key=key)
    agree = votes[best]
    first = rows[rows["band"] == best].iloc[0]
    signs = [by_method[m]["direction"] for m in agree]
    row.update({
        "band": best, "label": band_label(first, unit), "low_hz": float(first["low_hz"]),
        "high_hz": float(first["high_hz"]),
        "direction": max(("raises", "lowers"), key=signs.count),
        "methods": ", ".join(agree),
        "significant_for": ", ".join(m for m in agree if by_method[m]["significant"]),
        "other_bands": "; ".join(f"{m}: {b}" for b, ms in votes.items() if b != best
                                 for m in ms),
    })
    if SHAPLEY in methods:
        s = rows[(rows["method"] == SHAPLEY) & (rows["band"] == best)].iloc[0]
        row["shapley"] = float(s["relevance"])
        row["shapley_se"] = float(s["standard_error"]) if "standard_error" in s else None
        row["shapley_share"] = float(s["share"]) if "share" in s else None
    kept, removed = _first_finite(rows, "kept_accuracy", best), _first_finite(
        rows, "removed_accuracy", best)
    drop_p = None
    if removed is not None and acc is not None and n > 0:
        row["kept_accuracy"], row["removed_accuracy"] = kept, removed
        row["kept_low"], row["kept_high"] = wilson_interval(kept, n)
        row["removed_low"], row["removed_high"] = wilson_interval(removed, n)
        drop_p = fisher_less(int(round(removed * n)), int(round(acc * n)), n)
        row["removed_p_value"] = drop_p
    row["confidence"], row["why"] = _confidence(
        row, agree, counted, recognised, drop_p, alpha, amp is not None and amp["band"] == best)
    if row["low_hz"] == 0 and row["confidence"] != "none":  # the DC band: what it means
        row["notes"] = DC_NOTE
    return row


def _confidence(row: dict, agree: list[str], counted: list[str], recognised: bool | None,
                drop_p: float | None, alpha: float, loudest: bool) -> tuple[str, str]:
    """The confidence label and its one-sentence reason (module notes)."""
    signals = f"{row['n_signals']} signals"
    if recognised is False:
        return "none", (f"no answer: the model does not recognise this class (accuracy "
                        f"{row['accuracy']:.2f} on {signals}, chance {row['chance']:.2f}, "
                        f"p = {row['chance_p_value']:.2g})")
    majority = 2 * len(agree) >= len(counted)
    n_sig = len([m for m in row["significant_for"].split(", ") if m])
    agreed = (f"{len(agree)} of {len(counted)} methods name it"
              + (f", significant for {n_sig}" if n_sig else ", significant for none"))
    if drop_p is not None:
        drop = (f"removing it takes accuracy from {row['accuracy']:.2f} to "
                f"{row['removed_accuracy']:.2f} on {signals}")
        if drop_p < alpha and majority:
            return "confirmed", f"{agreed}, and {drop} (p = {drop_p:.2g})"
        if drop_p >= alpha:
            return "weak", (f"{agreed}, but {drop}, which is not a significant loss "
                            f"(p = {drop_p:.2g}): the class does not rest on this band alone")
        return "weak", f"only {agreed}, although {drop} (p = {drop_p:.2g})"
    if not majority:
        return "weak", f"only {agreed}; the others disagree"
    if loudest:
        return "weak", (f"{agreed}, but it is also the input's loudest band (the amplitude "
                        "reference's), so the maps may only mirror the input; only an "
                        "intervention can confirm it")
    return "supported", f"{agreed}; no intervention checked it"


def _is_reference(rows: Any, method: str) -> bool:
    return bool(rows[rows["method"] == method]["reference"].astype(bool).any())


def _first_finite(rows: Any, column: str, band: Any = None) -> float | None:
    if column not in rows:
        return None
    sel = rows if band is None else rows[rows["band"] == band]
    values = sel[column].astype(float).to_numpy()
    values = values[np.isfinite(values)]
    return float(values[0]) if len(values) else None


def band_label(row: Any, unit: str) -> str:
    """A band's name with its edges when the name does not give them (DC, EEG names); without a
    sampling rate (``unit="cycles/sample"``) the band as the periods it holds, in samples
    ("periods of 12–24 samples" reads at once where "0.0417–0.0833 cycles/sample" does not)."""
    name = str(row["band"])
    lo, hi = float(row["low_hz"]), float(row["high_hz"])
    if unit == "cycles/sample":
        if lo <= 0:
            return (f"{name} (the mean)" if name == "DC"
                    else f"{name} (periods from {1 / hi:.3g} samples up)")
        return f"periods of {1 / hi:.3g}–{1 / lo:.3g} samples"
    if unit and name.endswith(unit):
        return name
    return f"{name} ({lo:.3g}–{hi:.3g} {unit})"


def separating_bands(table: Any, *, method: str | None = None, domain: str | None = None,
                     channel: str = "all") -> Any:
    """The bands whose relevance differs most between the classes: what separates them, where
    the answer per class says what drives each.

    A CNN telling low from high voices can rank the same loud band first for both classes; the
    band that tells them apart is the one whose value changes most from class to class.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`freqxai.summary.summarize` table.
    method : str, optional
        The method whose band values are compared (default: ``shapley``, band Shapley values of
        the contrastive margin, when the table has them; else the first method that reads the
        model).
    domain, channel : str, optional
        As in :func:`answer`.

    Returns
    -------
    pandas.DataFrame
        One row per band, the most separating first: ``band``, ``label``, ``low_hz``,
        ``high_hz``, ``spread`` (largest minus smallest class mean), ``highest`` and ``lowest``
        (the classes at either end), ``method``, and one column per class with its mean. Empty
        with fewer than two classes.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.answer import separating_bands
    >>> sep = separating_bands(df)             # the most separating band first
    >>> sep["band"][0], sep["method"][0], sep["highest"][0], sep["lowest"][0]
    ('8-16 Hz', 'shapley', '1', '0')
    """
    import pandas as pd

    _check_table(table)
    domain = _domain(table, domain)
    cols = ["band", "label", "low_hz", "high_hz", "spread", "highest", "lowest", "method"]
    if domain is None:
        return pd.DataFrame(columns=cols)
    rows = table[(table["domain"] == domain) & (table["channel"] == channel)]
    methods = [m for m in dict.fromkeys(rows["method"]) if not _is_reference(rows, m)]
    if method is None:
        method = SHAPLEY if SHAPLEY in methods else (methods[0] if methods else None)
    elif method not in methods:
        raise ValueError(f"method {method!r} has no rows in the {domain} domain; the table has "
                         f"{methods}")
    if method is None or rows["class"].nunique() < 2:
        return pd.DataFrame(columns=cols)
    unit = str(table.attrs.get("frequency_unit")
               or (table["unit"].iloc[0] if "unit" in table.columns else "Hz"))
    sel = rows[rows["method"] == method]
    wide = sel.pivot_table(index="band", columns="class", values="relevance", sort=False)
    wide = wide.dropna(how="any")
    if wide.empty:
        return pd.DataFrame(columns=cols)
    first = sel.drop_duplicates("band").set_index("band")
    out = pd.DataFrame({
        "band": wide.index,
        "label": [band_label({"band": b, "low_hz": first.loc[b, "low_hz"],
                              "high_hz": first.loc[b, "high_hz"]}, unit) for b in wide.index],
        "low_hz": first.loc[wide.index, "low_hz"].to_numpy(float),
        "high_hz": first.loc[wide.index, "high_hz"].to_numpy(float),
        "spread": (wide.max(axis=1) - wide.min(axis=1)).to_numpy(float),
        "highest": wide.idxmax(axis=1).astype(str).to_numpy(),
        "lowest": wide.idxmin(axis=1).astype(str).to_numpy(),
        "method": method,
    })
    for cls in wide.columns:
        out[f"class {cls}"] = wide[cls].to_numpy(float)
    return out.sort_values("spread", ascending=False, kind="stable").reset_index(drop=True)


def read_answer_csv(path: Any) -> Any:
    """An ``answer.csv`` read back as :func:`answer` returned it (text columns as text, ``band``
    None where no band was named).

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.answer import answer, read_answer_csv
    >>> answer(df).to_csv("answer.csv", index=False)     # as a run writes it
    >>> rows = read_answer_csv("answer.csv")
    >>> rows[["class", "band", "confidence"]].values.tolist()
    [['0', '8-16 Hz', 'supported'], ['1', '8-16 Hz', 'supported']]
    """
    import pandas as pd

    rows = pd.read_csv(path, dtype=dict.fromkeys(TEXT_COLUMNS, str))
    missing = sorted(set(ANSWER_COLUMNS) - set(rows.columns))
    if missing:
        raise ValueError(f"{path} is not an answer.csv written by freqxai: it lacks {missing}")
    for c in TEXT_COLUMNS:
        rows[c] = rows[c].fillna("")
    rows["band"] = rows["band"].astype(object).where(rows["band"] != "", None)
    return rows


def answer_lines(rows: Any) -> list[str]:
    """One sentence per class of an :func:`answer` table, for the terminal and ``headline``,
    then each note once (``note: ...``: what DC means, a tie with the amplitude reference):

    ``running: 0.8–1.6 Hz raises the score [confirmed] (4 of 4 methods name it, and removing it
    takes accuracy from 1.00 to 0.00 on 10 signals (p = 5.4e-06))``

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.answer import answer, answer_lines
    >>> for line in answer_lines(answer(df)):
    ...     print(line)
    0: 8-16 Hz lowers the score [supported] (...)
    1: 8-16 Hz raises the score [supported] (...)
    >>> at_chance = answer(df, model_accuracy=(0.5, 8, 0.5))  # a model no better than chance
    >>> answer_lines(at_chance)[0]
    'every class: no answer: the model does not recognise the classes (...) [none]'
    """
    lines = []
    records = rows.to_dict("records")
    whys = {r["why"] for r in records}
    if len(records) > 1 and len(whys) == 1 and all(r["confidence"] == "none" for r in records):
        # one verdict about the model (e.g. its accuracy is not above chance): said once
        records, lines = [], [f"every class: {whys.pop()} [none]"]
    for r in records:
        if r["band"] is None or r["band"] == "" or (isinstance(r["band"], float)
                                                    and np.isnan(r["band"])):
            lines.append(f"{r['class']}: no band [none] ({r['why']})")
            continue
        if r["confidence"] == "none":  # the model does not recognise the class: no answer
            lines.append(f"{r['class']}: {r['why']} [none]")
            continue
        text = f"{r['class']}: {r['label']} {r['direction']} the score [{r['confidence']}]"
        text += f" ({r['why']})"
        if r["not_counted"]:
            text += f"; not counted: {r['not_counted']}"
        lines.append(text)
    notes = dict.fromkeys(n for r in rows.to_dict("records")
                          for n in str(r.get("notes") or "").split("; ") if n)
    return lines + [f"note: {n}" for n in notes]

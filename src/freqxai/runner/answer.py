"""The answer of a run, computed once: :func:`freqxai.summary.summarize` over every method and
domain of ``results.h5``, written as ``summary.csv`` and read by the terminal and report.html.

Everything here reads the per-signal arrays of ``results.h5`` (relevance, signals, per-input
checks) a slice of rows at a time (:class:`~freqxai.runner.store.StoredRows`,
:mod:`freqxai._stream`): its memory does not grow with the number of test signals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .store import ResultStore, unit_name

__all__ = ["answer_domain", "run_summary", "write_summary", "band_interventions", "not_counted", "run_answer",
           "write_answer", "SUMMARY_NAME", "ANSWER_NAME"]

SUMMARY_NAME = "summary.csv"
ANSWER_NAME = "answer.csv"  # one row per class (freqxai.answer): the terminal, page and md read it


def answer_domain(domains: list[str]) -> str | None:
    """The domain a run's answer is read in: ``fft`` when the run has it (one value per
    frequency bin, the finest band edges), else the first domain of the summary table."""
    domains = list(domains)
    return "fft" if "fft" in domains else (domains[0] if domains else None)


def run_summary(store: ResultStore) -> Any:
    """The run's :func:`~freqxai.summary.summarize` table (pandas), from ``results.h5`` alone.

    Classes are the ones each test signal was explained for (its label); bands are the EEG bands
    when the run declares EEG data (``eeg``, or EEG electrode channel names), else DC and octaves.
    The column ``survives_randomization`` flags the methods (per domain) whose explanation
    survives the run's sanity checks (:mod:`~freqxai.runner.sanity_phase`; empty where not checked).
    """
    from ..bands import is_eeg_montage
    from ..domains import get_domain
    from ..summary import summarize

    cfg = store.read_config()
    attrs = store.read_attrs()
    y = np.asarray(store.read_data("y")).astype(int)
    lengths = store.read_lengths()  # series of unequal length: each on its own grid
    length = int(store.data_shape("X")[-1]) if lengths is None else lengths
    fs = float(attrs.get("fs", 0)) or None
    names = _names(attrs.get("class_names"))
    channels = _names(attrs.get("channel_names"))
    eeg = cfg.get("eeg")
    if eeg is None:
        eeg = is_eeg_montage(channels)
    if eeg and fs is None:  # EEG bands are in Hz: without a sampling rate, octaves per sample
        import warnings

        warnings.warn("the data is EEG but has no sampling rate, so the summary uses DC and "
                      "octaves in cycles per sample instead of the EEG bands; give --fs to get "
                      "them", UserWarning, stacklevel=2)
        eeg = False
    params = cfg.get("domain_params") or {"stft": cfg.get("stft") or {}}
    domains = {d: get_domain(d, **params.get(d, {})) for d in cfg["domains"]}
    relevance, errors = {}, {}
    for method in cfg["methods"]:
        for d in cfg["domains"]:
            # read a slice of signals at a time; series of unequal length are NaN-padded in the
            # file and cut back to each series' grid as they are read
            relevance[(method, d)] = store.relevance_rows(method, domains[d])
            if "standard_error" in store.unit_shapes(unit_name(method, d)):
                errors[(method, d)] = store.relevance_rows(method, domains[d], "standard_error")
    checks = attrs.get("band_interventions")
    checks = json.loads(checks) if isinstance(checks, str) else (checks or None)
    df = summarize(relevance, y, length=length, fs=fs, domains=domains,
                   standard_errors=errors or None, eeg=bool(eeg), class_names=names or None,
                   channel_names=channels or None, interventions=checks)
    df.attrs["eeg"] = bool(eeg)
    # the sanity checks' flag (runner.sanity_phase): True where the method's explanation survives
    # randomization (it does not show what the model learned), empty where it was not checked
    import pandas as pd

    from .sanity_phase import read_sanity

    flags = read_sanity(store).survives()
    df["survives_randomization"] = pd.array(
        [flags.get(k) for k in zip(df["method"], df["domain"], strict=True)], dtype="boolean")
    return df


def band_interventions(store: ResultStore, model: Any) -> list[dict]:
    """Check every band some method ranks first for a class (channel ``all``, any domain) by
    intervening on that class's test signals (:func:`freqxai.summary.band_intervention`): the
    accuracy with only the band kept, and with it removed. Stored with the run, so the summary and
    report can say whether the answer holds without the model.

    The signals are read a slice at a time (:func:`freqxai._stream.chunk_rows`), every check
    counting its class's signals in each slice; the shares are those of the whole class."""
    import pandas as pd

    from ..summary import _intervention_counts

    df = run_summary(store)
    y = np.asarray(store.read_data("y")).astype(int)
    lengths = store.read_lengths()
    fs = float(store.read_attrs().get("fs", 0)) or None
    labels = {str(c): c for c in np.unique(y)}
    names = _names(store.read_attrs().get("class_names"))
    labels.update({names[c]: c for c in np.unique(y) if c < len(names)})
    from ..answer import method_bands

    # every band an answer can name: each method's band per class in every domain (the rule of
    # freqxai.answer: largest absolute relevance), references excluded
    top = pd.concat([method_bands(df, domain=d) for d in dict.fromkeys(df["domain"])])
    top = top[~top["reference"].astype(bool)] if len(top) else top
    checks = [(str(cls), band, labels[str(cls)], (row["low_hz"], row["high_hz"]))
              for (cls, band), row in top.groupby(["class", "band"], sort=False).first().iterrows()]
    if not checks:
        return []
    tallies: list[dict | None] = [None] * len(checks)
    by_class: dict[int, list[int]] = {}  # the checks of each class: one call per class and slice
    for j, (_, _, c, _) in enumerate(checks):
        by_class.setdefault(c, []).append(j)
    # slices of signals of STREAM_BYTES as float32 (the slice read) and double (the spectra,
    # signals and float32 copies of one class's members at a time: of a few classes, a fraction)
    _, channels, samples = store.data_shape("X")
    for sl, signals in store.signal_rows().chunks(8 * channels * samples):
        targets = y[sl]
        for c, js in by_class.items():
            members = np.flatnonzero(targets == c)
            if not len(members):
                continue
            # unequal lengths: each series at its own length (a slice may hold no bin of a
            # narrow band; some slice of the class must)
            part = (signals[members] if lengths is None else [signals[i] for i in members])
            counted = _intervention_counts(model, part, targets[members],
                                           [checks[j][3] for j in js], fs=fs,
                                           require_bins=lengths is None)
            for j, counts in zip(js, counted, strict=True):
                before = tallies[j]
                tallies[j] = counts if before is None else {
                    **{k: before[k] + counts[k] for k in ("n", "accuracy", "kept", "removed")},
                    "max_bins": max(before["max_bins"], counts["max_bins"])}
    out = []
    for (cls, band, _, edges), tally in zip(checks, tallies, strict=True):
        if tally["max_bins"] == 0:
            raise ValueError(f"band {band} ({edges[0]:g}, {edges[1]:g}) holds no rFFT bin of any "
                             f"signal of class {cls}")
        n = tally["n"]
        out.append({"class": cls, "band": band, "accuracy": tally["accuracy"] / n,
                    "kept": tally["kept"] / n, "removed": tally["removed"] / n})
    return out


def not_counted(store: ResultStore, domain: str) -> dict[str, str]:
    """The methods that failed their own checks on most inputs of this run, in ``domain``, with
    the reason (:data:`~freqxai.runner.compute.SELF_CHECKS`: FreqRISE's split halves that never
    agreed, LRP relevance that is not conserved), and those whose model-swap deletion test found
    no evidence of model dependence (:func:`~freqxai.runner.sanity_phase.model_swap_outcomes`:
    deleting by the randomized model's map does as well as by the trained model's); the answer
    lists them and does not count them. Only the model-swap outcome excludes a method for the
    sanity checks: the Adebayo flag (``survives_randomization``) stays descriptive. References
    are never counted and are not listed here.
    """
    from ..explainers import explainer_class, get_tags, list_explainers
    from ..sanity import SWAP_OUTCOMES
    from .compute import SELF_CHECKS
    from .sanity_phase import model_swap_outcomes

    cfg = store.read_config()
    done = store.completed_units()
    out: dict[str, str] = {}
    for method in cfg["methods"]:
        name = unit_name(method, domain)
        if name not in done:
            continue
        shapes = store.unit_shapes(name)
        for key, reason in SELF_CHECKS.items():
            if key not in shapes:
                continue
            checked = failed = 0  # a slice of inputs at a time
            for _, passed in store.rows(f"units/{name}/{key}").chunks():
                passed = np.asarray(passed, dtype=float)
                passed = passed[np.isfinite(passed)]
                checked += len(passed)
                failed += int((passed < 0.5).sum())
            if checked and 2 * failed > checked:
                out[method] = f"{reason} on {failed} of {checked} inputs"
    for (method, d), (outcome, reason) in model_swap_outcomes(store).items():
        if (d != domain or outcome != SWAP_OUTCOMES[1] or method not in cfg["methods"]
                or (method in list_explainers() and get_tags(explainer_class(method)).reference)):
            continue
        out[method] = f"{out[method]}; {reason}" if method in out else reason
    return out


def beats_reference(rows: list[dict], domain: str, excluded: set[str] | frozenset = frozenset(),
                    reference: str = "amplitude") -> bool | None:
    """Whether some method (not a reference, not in ``excluded``) beats the ``reference`` on
    deletion or insertion in ``domain`` by more than the two standard errors together, in each
    metric's declared direction; None where the run has no such scores to compare."""
    from ..explainers import explainer_class, get_tags, list_explainers
    from ..metrics import list_metrics, metric_class

    by = {r["method"]: r for r in rows if r["domain"] == domain}
    if reference not in by:
        return None
    ref = by[reference]
    compared = False
    for metric in ("deletion", "insertion"):
        if metric not in list_metrics() or not np.isfinite(ref.get(metric, np.nan)):
            continue
        sign = 1.0 if metric_class(metric).higher_is_better else -1.0
        for method, r in by.items():
            if (method in excluded or method not in list_explainers()
                    or get_tags(explainer_class(method)).reference or not np.isfinite(r[metric])):
                continue
            compared = True
            margin = np.hypot(r.get(metric + "_sem", 0.0), ref.get(metric + "_sem", 0.0))
            if sign * (r[metric] - ref[metric]) > margin:
                return True
    return False if compared else None


def run_answer(store: ResultStore, table: Any, rows: list[dict] | None = None) -> Any:
    """The run's answer per class (:func:`freqxai.answer.answer`) from its summary ``table``, in
    the report's domain, with the methods that failed their own checks not counted, chance at
    one over the model's number of classes and, given the score ``rows``
    (:func:`~freqxai.runner.report.summary_rows`), whether any method beats the amplitude
    reference (:func:`beats_reference`)."""
    from ..answer import answer

    domains = list(dict.fromkeys(table["domain"])) if len(table) else []
    domain = answer_domain(domains)
    if domain is None:
        return answer(table)
    attrs = store.read_attrs()
    names = _names(attrs.get("class_names"))
    y = np.asarray(store.read_data("y")).astype(int)
    n_classes = max(len(names), int(y.max()) + 1 if len(y) else 0, 2)
    skipped = not_counted(store, domain)
    beats = None if rows is None else beats_reference(rows, domain, set(skipped))
    accuracy = float(attrs.get("test_accuracy", float("nan")))
    model_accuracy = None
    if np.isfinite(accuracy) and len(y):  # the explained test signals are the model's test set
        chance = float(np.bincount(y).max() / len(y))
        model_accuracy = (accuracy, len(y), chance) if chance < 1 else None
    return answer(table, domain=domain, not_counted=skipped, n_classes=n_classes,
                  beats_reference=beats, model_accuracy=model_accuracy)


def write_answer(run_dir: Path, rows: Any) -> Path:
    """``answer.csv`` (atomically): one row per class, :data:`freqxai.answer.ANSWER_COLUMNS`."""
    return _write_csv(Path(run_dir) / ANSWER_NAME, rows)


def write_summary(run_dir: Path, df: Any) -> Path:
    """``summary.csv`` (atomically), one row per method x domain x class x channel x band."""
    return _write_csv(Path(run_dir) / SUMMARY_NAME, df)


def _write_csv(path: Path, df: Any) -> Path:
    from .._io import atomic_path

    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, float_format="%.6g")
    return path


def accuracy_text(value: Any) -> str:
    """The model's test accuracy, or why there is none (data without labels)."""
    v = float("nan") if value is None else float(value)
    return f"{v:.3f}" if np.isfinite(v) else "unknown (the data has no labels)"


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in (value or [])]

"""``report.html``: one self-contained page per run (figures embedded, no external requests),
the answer first.

The first screen says, per class, which frequency band drives the decision, whether it is
significant and which methods agree, above a class x band heatmap of every method on one colour
scale, then what separates the classes (a table and, with band Shapley values, a figure). Then
the scores (a sentence per metric, curves told apart), channel x band heatmaps, class-average
maps, each method's certainty, the run's settings and provenance, its warnings and how to read
the page; long sections fold (``<details>``).

The page is rendered from Jinja2 templates (``report/templates``, autoescaped: text from a run,
such as a class or method name, is never markup). This module only gathers what the templates
show from what it is given: the run's summary table (:func:`~freqxai.runner.answer.run_summary`),
its answer per class (:func:`~freqxai.runner.answer.run_answer`), the score rows and the figures
:func:`~freqxai.report.figures.write_figures` wrote, which the templates place by their registry
name. It imports :mod:`.tables` and :mod:`.figures`, never :mod:`.writer`.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from ..runner.answer import answer_domain
from ..runner.store import ResultStore
from .figures import TOP_SEPARATING, Figures, WrittenFigure, get_figure, list_figures
from .tables import CERTAINTY_NOTE, certainty_rows, method_settings, metric_columns

__all__ = ["write_html_report", "render", "template_figures"]

_SECTIONS = [("answer", "Answer"), ("scores", "Scores"), ("channels", "Channels"),
             ("maps", "Relevance per class"), ("certainty", "Certainty"),
             ("sanity", "Sanity checks"),
             ("settings", "Settings"), ("warnings", "Warnings"), ("howto", "How to read")]


# -- templates ------------------------------------------------------------------------------------

@cache
def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("freqxai.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context: Any) -> str:
    """Render one of the report's templates (``report/templates/<template>``) with ``context``;
    every value is escaped unless a template marks it otherwise."""
    return _environment().get_template(template).render(**context)


_FIGURE_CALL = re.compile(r"""figs\.(?:one|all)\(\s*["'](\w+)["']""")


@cache
def template_figures() -> frozenset[str]:
    """The registry names of the figures the templates place (``figs.one("name", ...)`` and
    ``figs.all("name", ...)``); a registered figure outside this set goes to "Other figures"."""
    env = _environment()
    names = set()
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]
        names.update(_FIGURE_CALL.findall(source))
    return frozenset(names)


class _FigureView:
    """A written figure as the templates show it: embedded, with its registered caption."""

    def __init__(self, figure: WrittenFigure | Path) -> None:
        if not isinstance(figure, WrittenFigure):  # a figure file of no registered figure
            figure = WrittenFigure("", Path(figure))
        self.figure = figure
        self.name, self.domain, self.part = figure.name, figure.domain, figure.part
        self.file_name, self.stem = figure.path.name, figure.path.stem

    @property
    def uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.figure.path.read_bytes()).decode()

    @property
    def width(self) -> int | None:
        """The PNG's width in pixels (its header), so the caption wraps to the image."""
        with open(self.figure.path, "rb") as fh:
            head = fh.read(24)
        if head[:8] != b"\x89PNG\r\n\x1a\n":
            return None
        return int.from_bytes(head[16:20], "big")

    @property
    def caption(self) -> str:
        if self.name not in list_figures():
            return self.stem
        spec = get_figure(self.name)
        return spec.caption_for(self.part) or spec.title


class _PageFigures:
    """The figures of the page, found by registry name (``figs`` in the templates)."""

    def __init__(self, figures: Figures | list) -> None:
        if not isinstance(figures, Figures):
            figures = Figures([f if isinstance(f, WrittenFigure) else WrittenFigure("", Path(f))
                               for f in figures])
        self.figures = figures
        self.notes = figures.notes

    def all(self, name: str, domain: str | None = None) -> list[_FigureView]:
        return [_FigureView(f) for f in self.figures.all(name, domain)]

    def one(self, name: str, domain: str | None = None) -> _FigureView | None:
        found = self.all(name, domain)
        return found[0] if found else None

    def captions(self, name: str) -> list[str]:
        """The captions of the parts of figure ``name`` (each once, in drawing order)."""
        return list(dict.fromkeys(v.caption for v in self.all(name)))

    def other(self) -> list[_FigureView]:
        """Figures no template places: a plug-in's registered figures, unregistered files."""
        placed = template_figures()
        return [_FigureView(f) for f in self.figures if f.name not in placed]


class _OneFigure(_PageFigures):
    """``figs`` of a section rendered on its own, holding at most the one figure given."""

    def __init__(self, name: str, figure: WrittenFigure | Path | None) -> None:
        if figure is not None and not isinstance(figure, WrittenFigure):
            figure = WrittenFigure(name, Path(figure))
        super().__init__(Figures([figure] if figure is not None else []))


def _fmt(mean: float, sem: float) -> str:
    return "–" if not np.isfinite(mean) else f"{mean:.3f} ± {sem:.3f}"


# -- the answer ---------------------------------------------------------------------------------

def _answer_rows(rows: Any, table: Any, domain: str) -> tuple[list[str], list[dict]]:
    """Header and one record per class of the answer table (:func:`freqxai.answer.answer`, the
    rows ``answer.csv`` holds): the class, its band (``named``, ``band``, ``direction``), the
    ``confidence`` and ``why``, the ``methods`` that name it of ``n_counted``, those
    ``not_counted``, ``significant_for``, its band in each other domain (``elsewhere``), the
    ``other_bands``, the intervention's ``check`` (None without one), the ``references``' bands
    and whether the amplitude reference names the same band (``loud``)."""
    from ..answer import answer

    other_domains = [d for d in dict.fromkeys(table["domain"]) if d != domain]
    elsewhere = {d: answer(table, domain=d).set_index("class") for d in other_domains}
    checks = bool(rows["removed_accuracy"].notna().any()) if len(rows) else False
    header = ["class", "band that drives it", "confidence", "why", "methods that name it",
              "significant for"]
    header += [f"band in {d}" for d in other_domains]
    header += ["other methods' bands"]
    header += ["accuracy / only the band / without it (95 % CI)"] if checks else []
    header += ["references (not findings)"]
    out = []
    for r in rows.to_dict("records"):
        named = bool(r["band"])
        other = []
        for d in other_domains:
            e = elsewhere[d]
            o = e.loc[r["class"]] if r["class"] in e.index else None
            other.append("–" if o is None or not o["band"] else
                         f"{o['label']} ({o['methods'].count(',') + 1} of {o['n_counted']})")
        out.append({
            "class": str(r["class"]), "named": named, "band": str(r["label"]),
            "direction": str(r["direction"]), "confidence": str(r["confidence"]),
            "why": str(r["why"]), "methods": [m for m in str(r["methods"]).split(", ") if m],
            "n_counted": r["n_counted"], "not_counted": str(r["not_counted"] or ""),
            "significant_for": str(r["significant_for"] or ""), "elsewhere": other,
            "other_bands": str(r["other_bands"] or ""),
            "check": _check_text(r) if checks else None,
            "references": str(r["reference_bands"] or ""),
            "loud": named and r["amplitude_band"] == r["band"]})
    return header, out


def _check_text(r: dict) -> str:
    """The intervention's accuracies with the Wilson intervals of the kept / removed shares."""
    if not np.isfinite(float(r["removed_accuracy"] if r["removed_accuracy"] is not None
                             else np.nan)):
        return "–"
    return (f"{r['accuracy']:.2f} / {r['kept_accuracy']:.2f} "
            f"[{r['kept_low']:.2f}, {r['kept_high']:.2f}] / {r['removed_accuracy']:.2f} "
            f"[{r['removed_low']:.2f}, {r['removed_high']:.2f}] on {int(r['n_signals'])} signals"
            f" (p = {r['removed_p_value']:.2g})")


def _answer_context(table: Any, warns: list[str], rows: Any = None) -> dict:
    """What the first section shows: the answer per class (``rows``, from
    :func:`freqxai.answer.answer`; computed from ``table`` when not given), in the domain it
    answers in (``domain``, None where no domain has a frequency axis), the alerts above it and
    what separates the classes."""
    from ..answer import DC_NOTE

    sel = table[table["channel"] == "all"] if table is not None and len(table) else None
    domain = answer_domain(list(dict.fromkeys(sel["domain"]))) if sel is not None else None
    out = {"domain": domain, "n_warnings": len(warns)}
    if domain is None:
        return out
    if rows is None:
        from ..answer import answer

        rows = answer(table, domain=domain)
    header, records = _answer_rows(rows, table, domain)
    records_ = rows.to_dict("records")
    out.update(
        header=header, rows=records, checks=any(r["check"] is not None for r in records),
        n=int(table["n_inputs"].max()) if "n_inputs" in table else 0,
        no_beat="beats_reference" in rows
        and bool((rows["beats_reference"].astype(str) == "False").any()),
        dc=[str(r["class"]) for r in records_ if DC_NOTE in str(r.get("notes") or "")],
        dc_note=DC_NOTE,
        loud=[str(r["class"]) for r in records_ if r["band"] and r["amplitude_band"] == r["band"]],
        separating=(_separating(table, domain) if (rows["confidence"] != "none").any()
                    else None))
    return out


def _separating(table: Any, domain: str, top: int = TOP_SEPARATING) -> dict | None:
    """The bands whose values differ most between the classes (:func:`freqxai.answer.
    separating_bands`), as a small table under the answer; None where there are none."""
    from ..answer import separating_bands

    sep = separating_bands(table, domain=domain)
    if sep.empty:
        return None
    classes = [c for c in sep.columns if c.startswith("class ")]
    rows = [[r["label"], f"{r['spread']:.3g}", r["highest"], r["lowest"]]
            + [f"{r[c]:.3g}" for c in classes] for r in sep.head(top).to_dict("records")]
    return {"top": top, "method": str(sep["method"].iloc[0]), "rows": rows,
            "header": ["band", "difference between classes", "highest for", "lowest for"]
            + [c[len("class "):] for c in classes]}


def _answer_section(table: Any, figures: Any, warns: list[str], rows: Any = None
                    ) -> tuple[str, str]:
    """The first section rendered on its own, and the domain it answers in ("" where none)."""
    answer = _answer_context(table, warns, rows)
    figs = figures if isinstance(figures, _PageFigures) else _PageFigures(figures)
    return render("answer.html.jinja", answer=answer, figs=figs), answer["domain"] or ""


# -- scores ---------------------------------------------------------------------------------------

def _first_sentence(cls: type) -> str:
    doc = " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())
    match = re.match(r"(.+?\.)(\s|$)", doc)
    return match.group(1) if match else doc


def _scores_context(rows: list[dict], cfg: dict, refs: set[str]) -> dict:
    """The score table (the best method per domain and metric marked, references excluded and
    last in each domain) and a sentence per metric."""
    from ..metrics import metric_class

    columns = metric_columns(cfg["metrics"])
    shown = [c for c in columns if any(np.isfinite(r[c[1]]) for r in rows)]
    notes = []
    for label, key, arrow in columns:
        cls = metric_class(key)
        missing = None if (label, key, arrow) in shown else (
            "ground truth" if cls.needs_ground_truth else "undefined")
        notes.append({"label": label, "arrow": arrow, "sentence": _first_sentence(cls),
                      "missing": missing})
    order = sorted(range(len(rows)), key=lambda i: (cfg["domains"].index(rows[i]["domain"]),
                                                    rows[i]["method"] in refs, i))
    best = {}
    for _, key, arrow in shown:  # the best method per domain and metric (references excluded)
        for d in cfg["domains"]:
            vals = [(r[key], r["method"]) for r in rows
                    if r["domain"] == d and r["method"] not in refs and np.isfinite(r[key])]
            if vals:
                best[(d, key)] = (max if arrow == "↑" else min)(vals)[1]
    body, previous = [], None
    for i in order:
        r = rows[i]
        ref = r["method"] in refs
        first = ref and (previous is None or previous["method"] not in refs
                         or previous["domain"] != r["domain"])
        body.append({
            "method": r["method"] + (" (reference)" if ref else ""), "domain": r["domain"],
            "cls": "ref first-ref" if first else "ref" if ref else "",
            "cells": [{"text": _fmt(r[key], r[key + "_sem"]),
                       "best": best.get((r["domain"], key)) == r["method"]}
                      for _, key, _ in shown]})
        previous = r
    return {"n": rows[0]["n"] if rows else 0, "notes": notes, "rows": body,
            "columns": [f"{c} {a}" for c, _, a in shown], "domains": list(cfg["domains"])}


# -- sanity checks --------------------------------------------------------------------------------

def _sanity_context(store: ResultStore, cfg: dict, refs: set[str]) -> dict:
    """One item per method: whether its explanation depends on the model (the model-swap
    outcome per domain), with the similarity after the last layer is randomized and after
    retraining on permuted labels (:mod:`~freqxai.runner.sanity_phase`)."""
    from ..runner.sanity_phase import model_swap_outcomes, read_sanity

    results = read_sanity(store)
    if not results:
        return {"run": False}
    outcomes = model_swap_outcomes(store)
    items = []
    for m in cfg["methods"]:
        keys = [k for k in results.tables if k[1] == m]
        item = {"method": m, "ref": m in refs}
        if not keys and not any(k[0] == m for k in outcomes):
            why = results.skipped.get(m) or results.skipped.get("all methods") or "not computed"
            items.append({**item, "unchecked": True, "why": why})
            continue
        parts = []
        for order, label in (("cascading", "after all layers randomized"),
                             ("data", "after retraining on permuted labels")):
            cells = [f"{k[2]} {results.tables[k]['spearman'].iloc[-1]:.2f}" for k in keys
                     if k[0] == order]
            if cells:
                parts.append(f"{label}: {', '.join(cells)}")
        items.append({**item, "unchecked": False, "parts": parts,
                      "skipped": results.skipped.get(m),
                      "verdicts": [{"domain": d, "outcome": o, "reason": r}
                                   for (mm, d), (o, r) in outcomes.items() if mm == m]})
    return {"run": True, "n": results.n_signals(), "entries": items,
            "data_skip": results.skipped.get("data randomization")}


def _sanity_section(store: ResultStore, cfg: dict, refs: set[str],
                    figure: WrittenFigure | Path | None) -> str:
    """The sanity section rendered on its own, with ``figure`` (``sanity.png``) below."""
    return render("sanity.html.jinja", sanity=_sanity_context(store, cfg, refs),
                  figs=_OneFigure("sanity", figure))


# -- settings -------------------------------------------------------------------------------------

def _settings_rows(cfg: dict, attrs: dict, store: ResultStore, answer: Any) -> list[list[str]]:
    from ..domains import get_domain
    from ..explainers import explainer_class

    X_shape = _data_shape(store)
    fs = float(attrs.get("fs", 0)) or None
    length = X_shape[-1]
    rows = [["test signals", f"{X_shape[0]} signals, {X_shape[1]} channel(s) x {length} samples"
             + (f" ({length / fs:.3g} s at {fs:g} Hz)" if fs else " (no sampling rate: "
                "frequencies in cycles per sample)")]]
    lengths = store.read_lengths()
    if lengths is not None:
        rows[0][1] = rows[0][1].replace(f"x {length} samples", f"x {int(lengths.min())} to "
                                        f"{length} samples ({len(np.unique(lengths))} lengths)")
        rows[0][1] = rows[0][1].replace(f"({length / fs:.3g} s", f"(up to {length / fs:.3g} s"
                                        ) if fs else rows[0][1]
        rows.append(["unequal lengths", RAGGED_NOTE])
    methods = cfg["methods"]
    settings = method_settings(cfg, length,
                               forward_flops=attrs.get("forward_flops") or None)
    if settings is None:
        rows.append(["explainer settings", "not readable from this run's configuration (written "
                     "by another version of freqxai, or a plug-in method that is not imported)"])
        settings = {}
    rows += _explainer_setting_rows(cfg, settings)
    cells_users = [m for m in methods if "num_cells" in settings.get(m, {})]
    params = cfg.get("domain_params") or {"stft": cfg.get("stft") or {}}
    for d in cfg["domains"]:
        domain = get_domain(d, **params.get(d, {}))
        grid = tuple(int(g) for g in domain.coefficient_shape(length))
        text = f"{domain!r}: {' x '.join(map(str, grid))} coefficients per channel"
        if cells_users:
            text += f"; num_cells {_cells(cfg, d, grid)} ({', '.join(cells_users)})"
        rows.append([f"domain {d}", text])
    if cfg.get("explainer_options"):
        rows.append(["explainer_options", json.dumps(cfg["explainer_options"])])
    clipped = [m for m in methods if explainer_class(m).clip_negative]
    rows.append(["clip_negative", (f"on: negative relevance of {', '.join(clipped)} is set to 0 "
                                   "before deletion, insertion and complexity are scored")
                 if cfg.get("clip_negative") and clipped else "off: relevance scored as given"])
    if cfg.get("threshold") is not None:
        rows.append(["threshold", str(cfg["threshold"])])
    if cfg.get("center"):
        rows.append(["center", "on: each channel's mean removed from the training and the "
                     "explained signals (--center)"])
    if answer is not None and len(answer):
        unit = str(answer.attrs.get("frequency_unit") or "")
        first = answer.drop_duplicates("band")
        bands = ", ".join(f"{b} [{lo:.3g}, {hi:.3g})" for b, lo, hi in
                          zip(first["band"], first["low_hz"], first["high_hz"], strict=True))
        kind = "EEG bands" if answer.attrs.get("eeg") else "DC and octaves"
        rows.append(["summary bands", f"{kind} ({unit}): {bands}"])
        add = sorted(set(answer[answer["aggregation"] == "sum"]["method"]), key=methods.index)
        mean = sorted(set(answer[answer["aggregation"] == "mean"]["method"]), key=methods.index)
        rows.append(["band value", (f"sum over the band's coefficients for {', '.join(add) or '–'}"
                                    f" (relevance adds up to the output); mean for "
                                    f"{', '.join(mean) or '–'} (per-coefficient effects: a wide "
                                    "band does not win by its width)")])
        rows.append(["significant", "two-sided t-test of the class mean against 0 over the "
                     "class's test signals, 5 % family-wise, Bonferroni over the bands "
                     "(references are not tested)"])
    rows.append(["seed", str(cfg.get("seed"))])
    return rows


# settings with rows of their own (seed, num_cells per domain) or that are no choice of the run
_OWN_ROWS = frozenset({"seed", "num_cells"})


def _explainer_setting_rows(cfg: dict, settings: dict[str, dict[str, Any]]) -> list[list[str]]:
    """A row per setting the run handed its explainers (:func:`~freqxai.report.tables.
    method_settings`), its value and the methods that took it; settings a method got from
    ``explainer_options`` are left to that row."""
    options = cfg.get("explainer_options") or {}
    values: dict[str, dict[str, list[str]]] = {}
    for method, given in settings.items():
        for key, value in given.items():
            if key in _OWN_ROWS or key in (options.get(method) or {}):
                continue
            values.setdefault(key, {}).setdefault(str(value), []).append(method)
    return [[key, "; ".join(f"{v} (used by {', '.join(users)})" for v, users in by.items())]
            for key, by in values.items()]


RAGGED_NOTE = (
    "each series is explained, scored and band-checked at its own length, in groups of one "
    "length (never padded: no mask or path moves content the model did not see). The summary "
    "bands are those of the longest series in Hz; each series' relevance is summed into them on "
    "its own grid. The class-average figures interpolate each series' frequency profile onto the "
    "longest series' frequency grid (additive methods scaled by the ratio of bin widths, so the "
    "relevance per Hz compares); the time domain has no common axis for series of different "
    "duration and gets no class figure. Domain grids below are those of the longest series.")


def _cells(cfg: dict, domain: str, grid: tuple[int, ...]) -> str:
    """FreqRISE's cells in ``domain`` as given and as the run resolves them (``auto``: about one
    per 4 coefficients; 0: one per coefficient; clamped to the grid)."""
    cells = (cfg.get("num_cells") or {}).get(domain, "auto")
    if cells == "auto":
        from ..explainers.freqrise import auto_num_cells
        from ..runner.config import AUTO_MAX_MASKS

        # the cap on 2-D grids depends on the mask budget: n_masks, or auto's most masks
        budget = cfg.get("n_masks")
        if not isinstance(budget, int):
            options = (cfg.get("explainer_options") or {}).get("freqrise") or {}
            budget = int(options.get("max_masks", AUTO_MAX_MASKS))
        resolved = tuple(auto_num_cells(grid, budget))
    elif isinstance(cells, list | tuple):
        resolved = tuple(g if c in (0, None) else min(int(c), g)
                         for c, g in zip(cells, grid, strict=False))
    elif cells in (0, None):
        resolved = grid
    else:
        resolved = tuple(min(int(cells), g) for g in grid)
    return f"{cells} = {' x '.join(map(str, resolved))}"


def _data_shape(store: ResultStore) -> tuple[int, ...]:
    return store.data_shape("X")  # (the shape alone: the signals stay on disk)


# -- the page -------------------------------------------------------------------------------------

def _channels_header(attrs: dict, n_channels: int, most: int = 8) -> str:
    """The channels in the report's header: their names up to ``most``, else a summary
    ("28 EEG channels, 10-20: Fp1 ... O2"; a header listing 28 names reads as noise)."""
    from ..bands import is_eeg_montage

    v = attrs.get("channel_names")
    names = json.loads(v) if isinstance(v, str) and v.startswith("[") else []
    if not names:
        return f"{n_channels} channel{'s' * (n_channels > 1)}"
    if len(names) <= most:
        return ", ".join(names)
    kind = "EEG channels, 10-20" if is_eeg_montage(names) else "channels"
    return f"{len(names)} {kind}: {names[0]} … {names[-1]}"


def _listed(attrs: dict, key: str) -> str:
    v = attrs.get(key)
    return ", ".join(json.loads(v)) if isinstance(v, str) and v.startswith("[") else (v or "–")


def write_html_report(run_dir: Path, store: ResultStore, rows: list[dict],
                      figures: Figures | list, answer: Any = None, answer_rows: Any = None
                      ) -> Path:
    """Write ``run_dir/report.html`` and return its path.

    Parameters
    ----------
    run_dir : Path
    store : ResultStore
        The run's results (attributes, configuration and data shape are read).
    rows : list of dict
        Score rows per method and domain (:func:`~freqxai.report.summary_rows`).
    figures : Figures or list
        The figures :func:`~freqxai.report.figures.write_figures` wrote, placed by their
        registry name; a figure the templates do not place (a plug-in's, or a plain path) is
        shown at the end.
    answer : pandas.DataFrame, optional
        The run's summary table (:func:`~freqxai.runner.answer.run_summary`).
    answer_rows : pandas.DataFrame, optional
        The run's answer per class (:func:`~freqxai.runner.answer.run_answer`, ``answer.csv``);
        computed from ``answer`` when not given.
    """
    from ..explainers import explainer_class, get_tags

    attrs = store.read_attrs()
    cfg = json.loads(attrs["config"])
    refs = {m for m in cfg["methods"] if get_tags(explainer_class(m)).reference}
    figs = _PageFigures(figures)
    warns = attrs.get("warnings")
    warns = json.loads(warns) if isinstance(warns, str) else []
    answer_ctx = _answer_context(answer, warns, answer_rows)
    accuracy = f"{float(attrs.get('test_accuracy', float('nan'))):.3f}"
    prov = [
        ["data set", cfg.get("dataset")], ["data file", cfg.get("data") or cfg.get("name") or "–"],
        ["data SHA-256", attrs.get("data_sha256", "–")],
        ["model", attrs.get("model_source", "–")], ["model SHA-256", attrs.get("model_sha256") or "–"],
        ["test accuracy", accuracy],
        ["sampling rate", f"{attrs.get('fs')} Hz" if attrs.get("fs") else "unknown"],
        ["classes", _listed(attrs, "class_names")], ["channels", _listed(attrs, "channel_names")],
        ["methods", ", ".join(cfg["methods"])], ["domains", ", ".join(cfg["domains"])],
        ["freqxai / torch", f"{attrs.get('freqxai_version')} / {attrs.get('torch_version')}"],
        ["created", attrs.get("created", "–")],
    ]
    shape = _data_shape(store)
    chans = _channels_header(attrs, shape[1])
    topomaps = bool(figs.one("topomaps") or figs.notes.get("topomaps"))
    sections = [x for sid, t in _SECTIONS for x in [(sid, t)] + (
        [("topomaps", "Scalp maps")] if sid == "channels" and topomaps else [])]
    page = render(
        "report.html.jinja", run_name=run_dir.name, figs=figs, nav=sections, topomaps=topomaps,
        meta={"dataset": cfg.get("dataset"),
              "name": cfg.get("name") or (Path(cfg["data"]).name if cfg.get("data") else ""),
              "n": rows[0]["n"] if rows else 0,
              "n_classes": len(np.unique(store.read_data("y"))), "channels": chans,
              "fs": attrs.get("fs"), "accuracy": accuracy,
              "methods": ", ".join(m for m in cfg["methods"] if m not in refs),
              "references": ", ".join(m for m in cfg["methods"] if m in refs)},
        answer=answer_ctx, scores=_scores_context(rows, cfg, refs),
        domains=list(cfg["domains"]),
        certainty={"note": CERTAINTY_NOTE, "rows": certainty_rows(rows)},
        sanity=_sanity_context(store, cfg, refs),
        settings=_settings_rows(cfg, attrs, store, answer), provenance=prov, warnings=warns,
        howto={"domain": answer_ctx["domain"] or "",
               "references": [m for m in cfg["methods"] if m in refs]})
    path = Path(run_dir) / "report.html"
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path

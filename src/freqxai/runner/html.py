"""``report.html``: one self-contained page per run (figures embedded, no external requests),
the answer first.

The first screen says, per class, which frequency band drives the decision, whether it is
significant and which methods agree, above a class x band heatmap of every method on one colour
scale. Then the scores (a sentence per metric, curves told apart), channel x band heatmaps,
class-average maps, each method's certainty, the run's settings and provenance, its warnings and
how to read the page; long sections fold (``<details>``).

Everything here is rendered from what it is given: the run's summary table (computed once by
:func:`~freqxai.runner.answer.run_summary`, the table ``summary.csv`` holds), the score rows and
the figures :mod:`.report` wrote. Plain HTML and CSS (no template engine for one page); this
module imports :mod:`.tables` and :mod:`.store`, never :mod:`.report`.
"""

from __future__ import annotations

import base64
import html
import inspect
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_path
from .store import ResultStore
from .tables import CERTAINTY_NOTE, answer_domain, certainty_rows, metric_columns

__all__ = ["write_html_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1320px;color:#222;padding:.4em 1.2em}
h1{font-size:1.3em;margin:.4em 0 .1em}.meta{color:#555;font-size:.85em;margin:.1em 0 .2em}
nav{font-size:.8em;margin:.2em 0 .2em}nav a{margin-right:1.1em;color:#036}
h2{font-size:1.12em;margin:1.2em 0 .35em;border-bottom:1px solid #ddd}
#answer h2{margin-top:.5em}
table{border-collapse:collapse;font-size:.82em;margin:.4em 0}
td,th{border:1px solid #ccc;padding:.2em .45em;text-align:right;vertical-align:top}
th{background:#f4f4f4}td.l,th.l{text-align:left}
table.answer td,table.answer th{text-align:left}table.answer td.band{font-weight:600;white-space:nowrap}
tr.ref td{color:#888;font-style:italic}tr.first-ref td{border-top:2px dashed #999}
td.best{font-weight:700}.note{font-size:.82em;color:#444;margin:.25em 0}
img{max-width:100%;border:1px solid #eee;margin:.2em 0}figure{margin:.4em 0}
figcaption{font-size:.8em;color:#555;max-width:1100px}
.pair{display:flex;flex-wrap:wrap;gap:.6em}.pair figure{margin:0}
details{margin:.5em 0}details>summary{cursor:pointer;font-weight:600;font-size:.95em}
.warn{background:#fff4e0;border-left:4px solid #e0a000;padding:.3em .8em;font-size:.85em}
.prov td,.settings td{text-align:left}ul.howto li{margin:.2em 0;font-size:.9em}
"""

_CAPTIONS = {
    "answer": ("Band relevance per class (rows) and band (columns) for every method, averaged over "
               "the test signals of each class (all channels). Each method's values are divided by "
               "its largest absolute band value, so one colour scale serves all (their raw scales "
               "differ by orders of magnitude): red raises the class's score, blue lowers it. "
               "Dot: significant (t-test over the class's signals, 5 %, Bonferroni over the "
               "bands). References (grey, dashed frames) are baselines, not findings, and are not "
               "tested."),
    "channel_bands": ("Relevance per channel and band, a block of channel rows per class; each "
                      "method divided by its largest absolute value (one colour scale); dot: "
                      "significant. A method that explains all channels together (one relevance "
                      "map for every channel) has no per-channel values: its panel is empty."),
    "deletion": ("Deletion: mean probability of the explained class as the most relevant "
                 "coefficients are removed first (a faster fall is better); the legend gives the "
                 "mean area under each curve (AUC). Methods differ in colour and marker; curves "
                 "that coincide show both markers. References are grey and dashed."),
    "insertion": ("Insertion: mean probability of the explained class as the most relevant "
                  "coefficients are restored first into an empty signal (a faster rise is better); "
                  "legend: mean AUC. References grey and dashed."),
    "examples": ("Class-average relevance (channels summed) of every method, each divided by its "
                 "largest absolute class average (one colour scale or y-axis for all). Maps: "
                 "columns are classes, rows methods; grey cells are not significant (t-test over "
                 "the class's signals, 5 %, Bonferroni over the map's cells; references and "
                 "classes of one signal are not tested). Lines: one per class, ± one standard "
                 "error shaded, significant entries dotted."),
}

_CAPTIONS["sanity"] = (
    "Parameter randomization per method (one panel each): the Spearman rank correlation of "
    "|relevance| with the trained model's map as the layers are re-initialized from the output "
    "down (cascading), a line per domain, ± one standard error; squares: the model retrained "
    "on permuted labels. Grey line: the threshold above which a method survives (dashed lines, "
    "hollow points, red titles).")

_CAPTIONS["topomaps"] = (
    "Scalp maps of band relevance: a row per method and class, a column per band (EEG bands), "
    "channels placed at their 10-20 positions (MNE's template montage) and interpolated between "
    "them. Each method is divided by its largest absolute channel value (one colour scale per "
    "method): red raises the class's score, blue lowers it. Black dots: channels whose band "
    "relevance is significant for the class (t-test over the class's signals, 5 %, Bonferroni "
    "over the bands). Of the references only amplitude is drawn (where the energy is).")

_SECTIONS = [("answer", "Answer"), ("scores", "Scores"), ("channels", "Channels"),
             ("maps", "Relevance per class"), ("certainty", "Certainty"),
             ("sanity", "Sanity checks"),
             ("settings", "Settings"), ("warnings", "Warnings"), ("howto", "How to read")]


def _e(value: Any) -> str:
    return html.escape(str(value))


def _img(path: Path, alt: str, caption: bool = True) -> str:
    """The figure embedded as a data URI, with its caption (by its name's prefix) unless not."""
    data = base64.b64encode(path.read_bytes()).decode()
    prefix = next((k for k in sorted(_CAPTIONS, key=len, reverse=True)
                   if path.stem.startswith(k)), None)
    text = (f"<figcaption>{_e(_CAPTIONS.get(prefix, path.stem))} ({_e(path.name)})</figcaption>"
            if caption else "")
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}">{text}</figure>'


def _table(header: list[str], rows: list[list[str]], cls: str = "",
           row_classes: list[str] | None = None, raw: bool = False) -> str:
    """An HTML table; cells are escaped unless ``raw`` (then they are HTML already)."""
    head = "".join(f'<th class="l">{_e(h)}</th>' if i < 2 else f"<th>{_e(h)}</th>"
                   for i, h in enumerate(header))
    body = []
    for k, r in enumerate(rows):
        cls_r = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        cells = "".join(c if raw and str(c).startswith("<td") else
                        f'<td class="l">{c if raw else _e(c)}</td>' if i < 2 else
                        f"<td>{c if raw else _e(c)}</td>" for i, c in enumerate(r))
        body.append(f"<tr{cls_r}>{cells}</tr>")
    return (f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            "</tbody></table>")


def _fmt(mean: float, sem: float) -> str:
    return "–" if not np.isfinite(mean) else f"{mean:.3f} ± {sem:.3f}"


# -- the answer ---------------------------------------------------------------------------------

def _answer_rows(rows: Any, table: Any, domain: str) -> tuple[list[str], list[list[str]]]:
    """Header and escaped HTML cells of the answer table, one row per class of the answer
    (:func:`freqxai.answer.answer`, the rows ``answer.csv`` holds)."""
    from ..answer import answer

    other_domains = [d for d in dict.fromkeys(table["domain"]) if d != domain]
    elsewhere = {d: answer(table, domain=d).set_index("class") for d in other_domains}
    checks = rows["removed_accuracy"].notna().any() if len(rows) else False
    header = ["class", "band that drives it", "confidence", "why", "methods that name it",
              "significant for"]
    header += [f"band in {d}" for d in other_domains]
    header += ["other methods' bands"]
    header += ["accuracy / only the band / without it (95 % CI)"] if checks else []
    header += ["references (not findings)"]
    out = []
    for r in rows.to_dict("records"):
        named = bool(r["band"])
        names = [m for m in str(r["methods"]).split(", ") if m]
        marked = [_e(m) for m in names]
        band = (f"{_e(r['label'])}, {_e(r['direction'])} the score" if named else "none")
        cells = [f"<b>{_e(r['class'])}</b>", band, f"<b>{_e(r['confidence'])}</b>",
                 _e(r["why"]),
                 (f"{len(marked)} of {r['n_counted']}: {', '.join(marked)}" if named else "–")
                 + (f"<br><i>not counted: {_e(r['not_counted'])}</i>" if r["not_counted"]
                    else ""),
                 _e(r["significant_for"]) or "none"]
        for d in other_domains:
            e = elsewhere[d]
            o = e.loc[r["class"]] if r["class"] in e.index else None
            cells.append("–" if o is None or not o["band"] else
                         f"{_e(o['label'])} ({o['methods'].count(',') + 1} of {o['n_counted']})")
        cells.append(_e(r["other_bands"]) or "–")
        if checks:
            cells.append(_check_text(r))
        refs = _e(r["reference_bands"]) or "–"
        if named and r["amplitude_band"] == r["band"]:
            refs += " <b>(the amplitude reference names the same band: the loudest)</b>"
        cells.append(refs)
        out.append(cells)
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


def _answer_section(table: Any, figures: dict[str, Path], warns: list[str],
                    rows: Any = None) -> tuple[str, str]:
    """The first section, and the domain it answers in: the answer per class (``rows``, from
    :func:`freqxai.answer.answer`; computed from ``table`` when not given)."""
    alert = (f'<p class="warn">This run raised {len(warns)} warning{"s" * (len(warns) != 1)}: '
             'see <a href="#warnings">Warnings</a>.</p>' if warns else "")
    sel = table[table["channel"] == "all"] if table is not None and len(table) else None
    domain = answer_domain(list(dict.fromkeys(sel["domain"]))) if sel is not None else None
    if domain is None:
        return ("<section id='answer'><h2>Answer</h2><p>No domain of this run has a frequency "
                "axis, so no band can be named; the class-average maps below show the relevance "
                f"per coefficient.</p>{alert}</section>"), ""
    if rows is None:
        from ..answer import answer

        rows = answer(table, domain=domain)
    header, cells = _answer_rows(rows, table, domain)
    if "beats_reference" in rows and (rows["beats_reference"].astype(str) == "False").any():
        alert += ("<p class='warn'>No method beats the amplitude reference (which ranks "
                  "coefficients by the input's own amplitude and never reads the model) on "
                  "deletion or insertion beyond the standard errors: the maps do no better than "
                  "the signals' spectrum, so the answer rests on the intervention alone.</p>")
    from ..answer import DC_NOTE

    dc = [r["class"] for r in rows.to_dict("records") if DC_NOTE in str(r.get("notes") or "")]
    if dc:
        alert += (f"<p class='warn'>DC for {_e(', '.join(dc))}: {_e(DC_NOTE)}.</p>")
    loud = [r["class"] for r in rows.to_dict("records")
            if r["band"] and r["amplitude_band"] == r["band"]]
    if loud:
        alert += ("<p class='warn'>For " + _e(", ".join(loud)) + " the amplitude reference, "
                  "which never reads the model, names the same band: it is the signals' loudest, "
                  "so the maps may only mirror the input; only removing the band (the "
                  "intervention) can confirm it.</p>")
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td{" class=band" if i == 1 else ""}>{c}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in cells)
    fig = figures.get(f"answer_{domain}")
    image = _img(fig, f"class x band heatmap per method, {domain} domain") if fig else ""
    n = int(table["n_inputs"].max()) if "n_inputs" in table else 0
    lead = (f"Per class, the frequency band with the largest contribution to the decision "
            f"(either way) in the {_e(domain)} domain (all channels), over each class's test "
            "signals" + (f" (up to {n} per class)" if n else "") + ". Only methods that read the "
            "model and passed their own checks count; references never do. Confidence: "
            "<i>confirmed</i> (most methods name it and removing it costs accuracy "
            "significantly), <i>supported</i> (most name it, no intervention ran), <i>weak</i> "
            "(a minority, the loudest band only, or removing it costs nothing significant), "
            "<i>none</i> (the model does not recognise the class above chance).")
    section = (f"<section id='answer'><h2>Answer: which frequency bands drive each class</h2>"
               f"<p class='note'>{lead}</p>{alert}"
               f"<table class='answer'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
               f"</table>{image}"
               + (_separating_html(table, domain) if (rows["confidence"] != "none").any() else "")
               + "</section>")
    return section, domain


def _separating_html(table: Any, domain: str, top: int = 3) -> str:
    """The bands whose values differ most between the classes (:func:`freqxai.answer.
    separating_bands`), as a small table under the answer."""
    from ..answer import separating_bands

    sep = separating_bands(table, domain=domain)
    if sep.empty:
        return ""
    classes = [c for c in sep.columns if c.startswith("class ")]
    head = "".join(f"<th>{_e(h)}</th>" for h in
                   ["band", "difference between classes", "highest for", "lowest for"]
                   + [c[len("class "):] for c in classes])
    body = "".join(
        "<tr>" + f"<td class=band>{_e(r['label'])}</td><td>{r['spread']:.3g}</td>"
        f"<td>{_e(r['highest'])}</td><td>{_e(r['lowest'])}</td>"
        + "".join(f"<td>{r[c]:.3g}</td>" for c in classes) + "</tr>"
        for r in sep.head(top).to_dict("records"))
    return (f"<h3>What separates the classes</h3><p class='note'>The {top} bands whose mean "
            f"{_e(sep['method'].iloc[0])} value differs most from class to class (the answer "
            "above names what drives each class; a band every class shares can drive them all "
            "and tell none apart).</p><table class='answer separating'><thead><tr>"
            f"{head}</tr></thead><tbody>{body}</tbody></table>")


# -- scores ---------------------------------------------------------------------------------------

def _first_sentence(cls: type) -> str:
    doc = " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())
    match = re.match(r"(.+?\.)(\s|$)", doc)
    return match.group(1) if match else doc


def _scores_section(rows: list[dict], cfg: dict, figures: dict[str, Path], refs: set[str]) -> str:
    from ..metrics import metric_class

    columns = metric_columns(cfg["metrics"])
    shown = [c for c in columns if any(np.isfinite(r[c[1]]) for r in rows)]
    notes = []
    for label, key, arrow in columns:
        cls = metric_class(key)
        text = f"<b>{_e(label)} {arrow}</b>: {_e(_first_sentence(cls))}"
        if (label, key, arrow) not in shown:
            text += (" Not scored in this run: it needs ground truth (the true class "
                     "frequencies), which this data set lacks." if cls.needs_ground_truth
                     else " Undefined for every method in this run.")
        notes.append(f"<li>{text}</li>")
    order = sorted(range(len(rows)), key=lambda i: (cfg["domains"].index(rows[i]["domain"]),
                                                    rows[i]["method"] in refs, i))
    best = {}
    for _, key, arrow in shown:  # the best method per domain and metric (references excluded)
        for d in cfg["domains"]:
            vals = [(r[key], r["method"]) for r in rows
                    if r["domain"] == d and r["method"] not in refs and np.isfinite(r[key])]
            if vals:
                best[(d, key)] = (max if arrow == "↑" else min)(vals)[1]
    body, classes, previous = [], [], None
    for i in order:
        r = rows[i]
        ref = r["method"] in refs
        cells = [_e(r["method"] + (" (reference)" if ref else "")), _e(r["domain"])]
        for _, key, _ in shown:
            mark = " class='best'" if best.get((r["domain"], key)) == r["method"] else ""
            cells.append(f"<td{mark}>{_e(_fmt(r[key], r[key + '_sem']))}</td>")
        body.append(cells)
        first = ref and (previous is None or previous["method"] not in refs
                         or previous["domain"] != r["domain"])
        classes.append("ref first-ref" if first else "ref" if ref else "")
        previous = r
    table = _table(["method", "domain"] + [f"{c} {a}" for c, _, a in shown], body,
                   row_classes=classes, raw=True)
    pics = ""
    for d in cfg["domains"]:  # a row per domain: its curves side by side, captions once below
        row = [figures[f"{k}_{d}"] for k in ("deletion", "insertion") if f"{k}_{d}" in figures]
        pics += ("<div class='pair'>" + "".join(
            _img(p, f"{p.stem.split('_')[0]} curves, {d} domain", caption=False) for p in row)
            + "</div>") if row else ""
    if pics:
        pics += "".join(f"<p class='note'>{_e(_CAPTIONS[k])}</p>" for k in ("deletion", "insertion")
                        if any(s.startswith(k) for s in figures))
    return (f"<section id='scores'><h2>Scores</h2><p class='note'>Mean ± standard error over "
            f"{rows[0]['n']} test signals; the arrow gives the better direction, the best method "
            f"per domain is bold (references excluded).</p><ul class='howto'>{''.join(notes)}"
            f"</ul>{table}"
            + (f"<details open><summary>Deletion and insertion curves</summary>"
               f"{pics}</details>" if pics else "")
            + "</section>")


# -- sanity checks --------------------------------------------------------------------------------

def _sanity_section(store: ResultStore, cfg: dict, refs: set[str], figure: Path | None) -> str:
    """One line per method: whether its explanation passes the sanity checks or survives them
    (:mod:`.sanity_phase`), with the similarity after the last layer is randomized and after
    retraining on permuted labels; the figure below."""
    from .sanity_phase import read_sanity

    results = read_sanity(store)
    head = "<section id='sanity'><h2>Sanity checks</h2>"
    if not results:
        return (head + "<p class='note'>Not run for this folder (--no-sanity, or a UEA or audio run, "
                "where they are off by default: with the layer tables and one retraining on "
                "permuted labels they make a BasicMotions run 1.8x as long). The same command "
                "with --sanity 10 adds them without recomputing anything else.</p></section>")
    from .sanity_phase import model_swap_outcomes

    outcomes = model_swap_outcomes(store)
    n = results.n_signals()
    items = []
    for m in cfg["methods"]:
        keys = [k for k in results.tables if k[1] == m]
        name = f"<b>{_e(m)}</b>" + (" (reference)" if m in refs else "")
        if not keys and not any(k[0] == m for k in outcomes):
            why = results.skipped.get(m) or results.skipped.get("all methods") or "not computed"
            items.append(f"<li>{name}: not checked: {_e(why)}</li>")
            continue
        verdicts = [f"{_e(d)}: <b>{_e(o)}</b> ({_e(r)})" for (mm, d), (o, r) in outcomes.items()
                    if mm == m]
        parts = []
        for order, label in (("cascading", "after all layers randomized"),
                             ("data", "after retraining on permuted labels")):
            cells = [f"{_e(k[2])} {results.tables[k]['spearman'].iloc[-1]:.2f}" for k in keys
                     if k[0] == order]
            if cells:
                parts.append(f"{label}: {', '.join(cells)}")
        text = "; ".join(verdicts) or "model-swap test not run"
        if m in results.skipped:  # a check that failed on this model: said with its reason
            text += f"; layer table not computed: {_e(results.skipped[m])}"
        if parts:
            text += f" <span class='note'>(Spearman {'; '.join(parts)})</span>"
        items.append(f"<li>{name}: {text}</li>")
    data_skip = results.skipped.get("data randomization")
    intro = (
        "Does each map depend on the model? The <b>model-swap deletion test</b> deletes "
        "coefficients from the trained model's input ranked by the method's map of the trained "
        "model, then by its map of a randomized model (every layer re-initialized; where the run "
        "trained its model, also one retrained on permuted labels), and compares how fast the "
        "trained model's probability falls: <i>model-dependent</i> when the trained map does "
        "better (one-sided paired t-test, p &lt; 0.01), <i>no evidence of model dependence</i> "
        "when the gap's 95 % upper bound is below 0.10 (such a method is not counted in the "
        "answer), else <i>undecided</i>. A map that only mirrors the input's spectrum scores a "
        "gap of 0 (the amplitude reference does, exactly). In brackets, for description only, the "
        f"Spearman correlation of |relevance| with the trained model's map (Adebayo et al., "
        f"NeurIPS 2018) on {n} class-stratified test signals: it mostly measures how much a map "
        "resembles the input's spectrum (gradient x input, IG and FLEX contain |X_k|), so it "
        "does not decide anything (Sundararajan and Taly 2018; Binder et al., CVPR 2023).")
    if not n:
        intro = "No method of this run could be checked:"
    note = f"<p class='note'>Labels not permuted: {_e(data_skip)}.</p>" if data_skip else ""
    image = (f"<details><summary>Similarity per randomized layer</summary>"
             f"{_img(figure, 'sanity checks per method')}</details>" if figure is not None else "")
    return (head + f"<p class='note'>{intro}</p><ul class='howto'>{''.join(items)}</ul>{note}"
            f"{image}</section>")


def _threshold(results: Any) -> float:
    from ..sanity import SURVIVAL_THRESHOLD

    return next((float(t.attrs.get("threshold", SURVIVAL_THRESHOLD))
                 for t in results.tables.values()), SURVIVAL_THRESHOLD)


# -- settings -------------------------------------------------------------------------------------

# run settings handed to every explainer that takes a parameter of that name (RunConfig._shared)
_SHARED = {"n_masks": "n_masks", "p_keep": "p_keep", "use_softmax": "use_softmax",
           "n_steps": "n_steps", "lrp_composite": "composite"}


def _takes(method: str, parameter: str) -> bool:
    from ..explainers import explainer_class

    cls = explainer_class(method)
    return any(parameter in inspect.signature(f).parameters for f in (cls.__init__, cls.attribute))


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
    for key, param in _SHARED.items():
        users = [m for m in methods if _takes(m, param)]
        if users and key in cfg:
            rows.append([key, f"{cfg[key]} (used by {', '.join(users)})"])
    cells_users = [m for m in methods if _takes(m, "num_cells")]
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
        from .config import AUTO_MAX_MASKS

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
    return tuple(np.shape(store.read_data("X")))


# -- the page -------------------------------------------------------------------------------------

def _howto(domain: str, refs: list[str]) -> str:
    names = f" ({', '.join(refs)})" if refs else ""
    items = [
        "<b>Relevance</b> says how much a frequency band (or coefficient) raises the score of the "
        "class a signal was explained for: red raises it, blue lowers it. Methods measure it on "
        "their own scales (a probability lift, a gradient, a share of the logit), so every "
        "heatmap divides each method by its largest value: compare patterns, not magnitudes.",
        f"<b>The answer</b> is read in the {_e(domain) or 'first'} domain over all channels: for "
        "each class the band most methods rank first. <i>Significant</i>: the class mean differs "
        "from 0 (t-test over the class's test signals, 5 %, Bonferroni over the bands). Methods "
        "that agree on a band make it more credible than any one of them.",
        "<b>DC</b> is the signal's mean over the window (for accelerometers: orientation and "
        "gravity); octave bands double in width, so methods that measure per-coefficient effects "
        "are averaged over a band's coefficients and additive ones summed.",
        f"<b>References</b>{_e(names)} do not read the model: scores a method must beat, never "
        "findings. A reference that ranks bands by their amplitude shows where the energy is: a "
        "method whose pattern equals it may show the energy rather than what the model uses.",
        "<b>Check</b> (when shown): the accuracy on the class's signals unchanged, with only the "
        "top band kept, and with it removed. A band the decision rests on costs accuracy when it "
        "is removed. A class whose top band costs nothing is recognised by what its signals lack "
        "(e.g. a class at rest), and relevance near 0 for every band says the same.",
        "<b>Scores</b>: deletion removes the most relevant coefficients first (a good explanation "
        "makes the probability fall fast: low AUC); insertion restores them first (fast rise: "
        "high AUC); complexity is the entropy of the relevance (low: concentrated).",
        "<b>Certainty</b>: what each method reports about itself (FreqRISE's Monte-Carlo error, "
        "the path integral's error of IG and FLEX, LRP's conservation). The settings list every "
        "choice the numbers depend on; results.h5 holds every array and summary.csv the table "
        "behind the answer.",
    ]
    return ("<section id='howto'><h2>How to read this page</h2><ul class='howto'>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul></section>")


def _figure_section(sid: str, title: str, figures: list[Path], alt: str, intro: str,
                    empty: str = "") -> str:
    if not figures:
        return f"<section id='{sid}'><h2>{_e(title)}</h2><p class='note'>{_e(empty)}</p></section>"
    parts = "".join(
        f"<details><summary>{_e(title)}, {_e(p.stem.rsplit('_', 1)[-1])} domain</summary>"
        f"{_img(p, alt + ', ' + p.stem.rsplit('_', 1)[-1] + ' domain')}</details>" for p in figures)
    return f"<section id='{sid}'><h2>{_e(title)}</h2><p class='note'>{intro}</p>{parts}</section>"


def write_html_report(run_dir: Path, store: ResultStore, rows: list[dict],
                      figures: list[Path], answer: Any = None, answer_rows: Any = None) -> Path:
    """Write ``run_dir/report.html`` and return its path.

    Parameters
    ----------
    run_dir : Path
    store : ResultStore
        The run's results (attributes, configuration and data shape are read).
    rows : list of dict
        Score rows per method and domain (:func:`~freqxai.runner.report.summary_rows`).
    figures : list of Path
        The figures :mod:`.report` wrote, recognised by their names (``answer_<domain>``,
        ``deletion_<domain>``, ``insertion_<domain>``, ``channel_bands_<domain>``,
        ``examples_<domain>``); any other is shown at the end.
    answer : pandas.DataFrame, optional
        The run's summary table (:func:`~freqxai.runner.answer.run_summary`).
    answer_rows : pandas.DataFrame, optional
        The run's answer per class (:func:`~freqxai.runner.answer.run_answer`, ``answer.csv``);
        computed from ``answer`` when not given.
    """
    from ..explainers import explainer_class

    attrs = store.read_attrs()
    cfg = json.loads(attrs["config"])
    refs = {m for m in cfg["methods"] if not explainer_class(m).needs_model}
    by_stem = {p.stem: p for p in figures}
    warns = attrs.get("warnings")
    warns = json.loads(warns) if isinstance(warns, str) else []

    def listed(key):
        v = attrs.get(key)
        return ", ".join(json.loads(v)) if isinstance(v, str) and v.startswith("[") else (v or "–")

    answer_html, domain = _answer_section(answer, by_stem, warns, answer_rows)
    used = {f"answer_{d}" for d in cfg["domains"]}
    scores = _scores_section(rows, cfg, by_stem, refs)
    used |= {s for s in by_stem if s.split("_")[0] in ("deletion", "insertion")}
    channel_figs = [by_stem[s] for s in (f"channel_bands_{d}" for d in cfg["domains"])
                    if s in by_stem]
    map_figs = [by_stem[s] for s in (f"examples_{d}" for d in cfg["domains"]) if s in by_stem]
    used |= {p.stem for p in channel_figs + map_figs} | {"sanity"}
    sanity = _sanity_section(store, cfg, refs, by_stem.get("sanity"))
    topo = next((by_stem[s] for s in by_stem if s.startswith("topomaps_")), None)
    used |= {topo.stem} if topo else set()
    topo_note = answer.attrs.get("topomap_note") if answer is not None else None
    topomaps = ("" if topo is None and not topo_note else
                "<section id='topomaps'><h2>Scalp maps</h2>" + (
                    f"<p class='note'>{_e(topo_note)}</p>" if topo is None else
                    "<p class='note'>Where on the head each band drives each class.</p>"
                    + _img(topo, "scalp maps per method, class and band")
                    # the methods drawn without a map (they explain all channels together)
                    + (f"<p class='note'>{_e(topo_note)}</p>" if topo_note else ""))
                + "</section>")
    channels = _figure_section(
        "channels", "Channel x band relevance", channel_figs, "channel x band heatmap per method",
        "Which sensor or electrode carries each band's relevance, per class (from the same "
        "summary table as the answer).",
        "Nothing to split by channel: the signals have one channel (or no domain of the run has "
        "a frequency axis).")
    maps = _figure_section(
        "maps", "Relevance per class", map_figs, "class-average relevance per method",
        "Class averages at full resolution: per frequency bin, and in time-frequency domains "
        "per frequency and time.", "No figure was written for this run.")
    certainty = (f"<section id='certainty'><h2>Certainty</h2><details><summary>What each method "
                 f"reports about its own certainty</summary><p class='note'>"
                 f"{_e(CERTAINTY_NOTE)}</p>"
                 f"{_table(['method', 'domain', 'figure', 'value'], certainty_rows(rows))}"
                 "</details></section>")
    prov = [
        ["data set", cfg.get("dataset")], ["data file", cfg.get("data") or cfg.get("name") or "–"],
        ["data SHA-256", attrs.get("data_sha256", "–")],
        ["model", attrs.get("model_source", "–")], ["model SHA-256", attrs.get("model_sha256") or "–"],
        ["test accuracy", f"{float(attrs.get('test_accuracy', float('nan'))):.3f}"],
        ["sampling rate", f"{attrs.get('fs')} Hz" if attrs.get("fs") else "unknown"],
        ["classes", listed("class_names")], ["channels", listed("channel_names")],
        ["methods", ", ".join(cfg["methods"])], ["domains", ", ".join(cfg["domains"])],
        ["freqxai / torch", f"{attrs.get('freqxai_version')} / {attrs.get('torch_version')}"],
        ["created", attrs.get("created", "–")],
    ]
    settings = (f"<section id='settings'><h2>Settings</h2><p class='note'>Everything the numbers "
                "above depend on (all of it is also in results.h5).</p>"
                f"{_table(['setting', 'value'], _settings_rows(cfg, attrs, store, answer), 'settings')}"
                f"<details><summary>Provenance: data, model, versions</summary>"
                f"{_table(['', ''], prov, 'prov')}</details></section>")
    warn_html = "".join(f'<p class="warn">{_e(w)}</p>' for w in warns) or (
        "<p>The run raised no warning.</p>")
    warnings_ = f"<section id='warnings'><h2>Warnings</h2>{warn_html}</section>"
    rest = [p for p in figures if p.stem not in used]
    other = ("<section id='other'><h2>Other figures</h2><details><summary>"
             f"{len(rest)} figures</summary>" + "".join(_img(p, p.stem) for p in rest)
             + "</details></section>") if rest else ""
    n = rows[0]["n"] if rows else 0
    name = cfg.get("name") or (Path(cfg["data"]).name if cfg.get("data") else "")
    n_classes = len(np.unique(store.read_data("y")))
    shape = _data_shape(store)
    chans = listed("channel_names")
    chans = chans if chans.strip("–") else f"{shape[1]} channel{'s' * (shape[1] > 1)}"
    meta = (f"{_e(cfg.get('dataset'))} data{' ' + _e(name) if name else ''} · {n} test signals "
            f"of {n_classes} classes · {_e(chans)}"
            + (f" · {attrs.get('fs')} Hz" if attrs.get("fs") else "")
            + f" · model test accuracy {float(attrs.get('test_accuracy', float('nan'))):.3f}"
            f" · methods: {_e(', '.join(m for m in cfg['methods'] if m not in refs))}"
            + (f"; references: {_e(', '.join(m for m in cfg['methods'] if m in refs))}"
               if refs else ""))
    sections = [x for sid, t in _SECTIONS for x in [(sid, t)] + (
        [("topomaps", "Scalp maps")] if sid == "channels" and topomaps else [])]
    nav = "".join(f"<a href='#{sid}'>{_e(t)}</a>" for sid, t in sections)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>freqxai run "
            f"{_e(run_dir.name)}</title><style>{_CSS}</style></head><body>"
            f"<h1>freqxai run {_e(run_dir.name)}: which frequency bands drive each class</h1>"
            f"<p class='meta'>{meta}</p><nav>{nav}</nav>"
            f"{answer_html}{scores}{channels}{topomaps}{maps}{certainty}{sanity}{settings}"
            f"{warnings_}"
            f"{_howto(domain, [m for m in cfg['methods'] if m in refs])}{other}</body></html>")
    path = Path(run_dir) / "report.html"
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path

"""``report.html``: one self-contained page per run (figures embedded, no external requests).

Built from ``results.h5`` and the figures the report just wrote: the summary table with each
metric's direction, the share of significant coefficients, model and data provenance, every
warning the run raised, and the figures per domain (examples, class averages with standard
errors, channel x band heatmaps, time-frequency and wavelet maps, deletion and insertion curves).
Plain HTML and CSS written here (no template engine needed for one page).
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np

from .._io import atomic_path
from .store import ResultStore

__all__ = ["write_html_report"]

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}th{background:#f4f4f4}
td:first-child,td:nth-child(2){text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}
.warn{background:#fff4e0;border-left:4px solid #e0a000;padding:.4em .8em;font-size:.85em}
.prov td{text-align:left}figure{margin:1em 0}figcaption{font-size:.8em;color:#555}
"""

_CAPTIONS = {
    "examples": "Example explanations: one row per method, a few test signals (class in the title)",
    "classes": "Two test signals of every class",
    "class_profiles": "Class-average relevance per frequency with standard errors over signals",
    "channel_bands": "Class-average relevance per channel and frequency band",
    "deletion": "Deletion curves: target-class probability as the most relevant coefficients are removed",
    "insertion": "Insertion curves: target-class probability as the most relevant coefficients are restored",
}


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    caption = next((v for k, v in _CAPTIONS.items() if path.stem.startswith(k)), path.stem)
    return (f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)} ({html.escape(path.name)})</figcaption></figure>")


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _fmt(mean: float, sem: float, pct: bool = False) -> str:
    if not np.isfinite(mean):
        return "–"
    return f"{100 * mean:.1f} % ± {100 * sem:.1f} %" if pct else f"{mean:.3f} ± {sem:.3f}"


def write_html_report(run_dir: Path, store: ResultStore, rows: list[dict],
                      figures: list[Path], answer=None) -> Path:
    """Write ``run_dir/report.html`` and return its path."""
    from .report import CERTAINTY_NOTE, certainty_rows, metric_columns

    attrs = store.read_attrs()
    cfg = json.loads(attrs["config"])
    columns = metric_columns(cfg["metrics"])
    summary = _table(["method", "domain"] + [f"{c} {d}" for c, _, d in columns],
                     [[r["method"], r["domain"]] + [_fmt(r[k], r[k + "_sem"]) for _, k, _ in columns]
                      for r in rows])
    snr = _table(["method", "domain", "figure", "value"], certainty_rows(rows))

    def listed(key):
        v = attrs.get(key)
        return ", ".join(json.loads(v)) if isinstance(v, str) and v.startswith("[") else (v or "–")

    prov = [
        ["data set", cfg.get("dataset")], ["data file", cfg.get("data") or cfg.get("name") or "–"],
        ["data SHA-256", attrs.get("data_sha256", "–")],
        ["model", attrs.get("model_source", "–")], ["model SHA-256", attrs.get("model_sha256") or "–"],
        ["test accuracy", f"{float(attrs.get('test_accuracy', float('nan'))):.3f}"],
        ["sampling rate", f"{attrs.get('fs')} Hz" if attrs.get("fs") else "unknown"],
        ["classes", listed("class_names")], ["channels", listed("channel_names")],
        ["methods", ", ".join(cfg["methods"])], ["domains", ", ".join(cfg["domains"])],
        ["freqxai / torch", f"{attrs.get('freqxai_version')} / {attrs.get('torch_version')}"],
        ["created", attrs.get("created", "–")], ["seed", cfg.get("seed")],
    ]
    warns = attrs.get("warnings")
    warns = json.loads(warns) if isinstance(warns, str) else []
    warn_html = "".join(f'<p class="warn">{html.escape(w)}</p>' for w in warns) or (
        "<p>The run raised no warning.</p>")
    by_domain = {d: [p for p in figures if p.stem.endswith(f"_{d}") or f"_{d}_" in p.stem]
                 for d in cfg["domains"]}
    sections = "".join(
        f"<h2>{html.escape(d)} domain</h2>" + "".join(_img(p) for p in paths)
        for d, paths in by_domain.items())
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>freqxai run "
            f"{html.escape(run_dir.name)}</title><style>{_CSS}</style></head><body>"
            f"<h1>freqxai run: {html.escape(run_dir.name)}</h1>"
            f"<h2>Scores</h2><p>Mean ± standard error over {rows[0]['n']} test signals; arrows give "
            f"the direction in which a score is better.</p>{summary}"
            f"<h2>Certainty</h2><p>{html.escape(CERTAINTY_NOTE)}</p>{snr}"
            f"<h2>Provenance</h2>{_table(['', ''], prov, 'prov')}"
            f"<h2>Warnings</h2>{warn_html}{sections}</body></html>")
    path = Path(run_dir) / "report.html"
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return path

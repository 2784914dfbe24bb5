"""The report of a finished run, from its ``results.h5`` alone: ``results.md``, ``results.csv``,
``summary.csv``, ``answer.csv``, the figures (:mod:`.figures`) and ``report.html`` (:mod:`.html`).

:func:`write_report` is what ``freqxai report``, ``freqxai run`` and the public runner call after
a run; the run's engine never imports the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .._io import write_csv, write_markdown_table
from ..runner.answer import accuracy_text
from ..runner.compute import CERTAINTY, CERTAINTY_DEVIATION
from ..runner.store import ResultStore, unit_name
from .tables import CERTAINTY_NOTE, certainty_rows, metric_columns

__all__ = ["write_report", "summary_rows"]


def _mean_sem(v: np.ndarray) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0


N_WORST = 3  # inputs named beside each certainty figure


def _spread(key: str, v: np.ndarray) -> dict:
    """Range of a per-input certainty figure, its worst inputs (index into the test signals, as
    in the figures, farthest from the ideal first) and how many inputs leave it undefined."""
    finite = np.flatnonzero(np.isfinite(v))
    if finite.size == 0:
        return {"min": float("nan"), "max": float("nan"), "worst": "", "undefined": v.size}
    order = finite[np.argsort(-CERTAINTY_DEVIATION[key](v[finite]), kind="stable")][:N_WORST]
    return {"min": float(v[finite].min()), "max": float(v[finite].max()),
            "worst": ";".join(str(i) for i in order), "undefined": int(v.size - finite.size)}


def summary_rows(store: ResultStore) -> list[dict]:
    """One row per (method, domain): mean and standard error of each metric, and of each
    certainty figure also its range, worst inputs and undefined count (``<figure>_min``,
    ``_max``, ``_worst`` (indices joined by ``;``), ``_undefined``)."""
    cfg = store.read_config()
    columns = metric_columns(cfg["metrics"])
    rows = []
    for method in cfg["methods"]:
        for domain in cfg["domains"]:
            name = unit_name(method, domain)
            shapes = store.unit_shapes(name)  # metrics only: relevance and curves stay on disk
            keys = [k for _, k, _ in columns if k in shapes]
            figures = [k for k in CERTAINTY if k in shapes]
            unit = store.read_unit(name, keys + figures)
            row = {"method": method, "domain": domain, "n": int(shapes["relevance"][0])}
            for key in CERTAINTY:
                row[key], row[key + "_sem"] = (
                    _mean_sem(unit[key]) if key in unit else (float("nan"),) * 2)
                spread = _spread(key, unit[key]) if key in unit else {
                    "min": float("nan"), "max": float("nan"), "worst": "", "undefined": 0}
                row.update({f"{key}_{k}": v for k, v in spread.items()})
            for _, key, _ in columns:
                mean, sem = _mean_sem(unit[key]) if key in unit else (float("nan"), float("nan"))
                row[key] = mean
                row[key + "_sem"] = sem
            rows.append(row)
    return rows


def _fmt(mean: float, sem: float) -> str:
    return "–" if not np.isfinite(mean) else f"{mean:.3f} ± {sem:.3f}"


def _write_tables(run_dir: Path, rows: list[dict], attrs: dict, per_class: Any = None
                  ) -> tuple[Path, Path]:
    cfg = json.loads(attrs["config"])
    preamble = (
        f"Run: dataset `{cfg['dataset']}`"
        + (f" `{cfg['name']}`" if cfg["dataset"] == "uea" else "")
        + (f", data `{Path(cfg['data']).name}`" if cfg["dataset"] == "custom" else "")
        + (f", model `{Path(cfg['model']).name}`" if cfg.get("model") else "")
        + (f", weights `{Path(cfg['weights']).name}`" if cfg.get("weights")
           else f", noise {cfg['noise']}" if cfg["dataset"] == "synthetic" else "")
        + (f", label {cfg['label']} (fold {cfg['fold']})"
           if cfg["dataset"] in ("audiomnist", "fsdd") else "")
        + (f", test data `{Path(cfg['test_data']).name}`" if cfg.get("test_data") else "")
        + f", {rows[0]['n']} test signals, model test accuracy "
        f"{accuracy_text(attrs.get('test_accuracy'))}, seed {cfg['seed']}, "
        f"freqxai {attrs.get('freqxai_version')}. Mean ± standard error."
    )
    if per_class is not None and len(per_class):  # the answer first, as on the page (answer.csv)
        from ..answer import answer_lines

        preamble += ("\n\nWhich band drives each class (answer.csv):\n\n"
                     + "\n".join(f"- {line}" for line in answer_lines(per_class)))
    columns = metric_columns(cfg["metrics"])
    header = ["method", "domain"] + [f"{c} {d}" for c, _, d in columns]
    cells = [[r["method"], r["domain"]] + [_fmt(r[k], r[k + "_sem"]) for _, k, _ in columns]
             for r in rows]
    postscript = (f"{CERTAINTY_NOTE}\n\n| method | domain | figure | value |\n|---|---|---|---|\n"
                  + "\n".join("| " + " | ".join(c) + " |" for c in certainty_rows(rows)))
    left_out = attrs.get("methods_left_out")
    left_out = json.loads(left_out) if isinstance(left_out, str) else (left_out or {})
    if left_out:  # methods that cannot explain this model, named with their reason
        postscript += "\n\nMethods left out (they cannot explain this model):\n\n" + "\n".join(
            f"- {m}: {why}" for m, why in left_out.items())
    csv_path = write_csv(run_dir / "results.csv", rows)
    md_path = write_markdown_table(run_dir / "results.md", header, cells, preamble, postscript)
    return csv_path, md_path


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Render the report of a finished run from its ``results.h5`` alone.

    Writes ``summary.csv`` (the band table), ``answer.csv`` (the answer per class),
    ``results.md`` and ``results.csv`` (the scores), every registered figure the run has the
    contents for (:func:`register_figure`) and ``report.html``.

    Parameters
    ----------
    run_dir : str or Path
        The folder of a finished ``freqxai run``.

    Returns
    -------
    dict of str to Path
        The files written, by kind (``csv``, ``markdown``, ``html``, ``summary``, ``answer``)
        and, for the figures, by file name without its suffix (``answer_fft``, ...).

    Raises
    ------
    ValueError
        Where the folder holds no results or an unfinished run.
    """
    run_dir = Path(run_dir)
    store = ResultStore(run_dir)
    if not store.exists():
        raise ValueError(f"{run_dir} holds no {store.path.name}; run 'freqxai run' first")
    attrs = store.read_attrs()
    cfg = store.read_config()
    missing = [unit_name(m, d) for m in cfg["methods"] for d in cfg["domains"]
               if unit_name(m, d) not in store.completed_units()]
    if missing:
        raise ValueError(f"{run_dir} is an unfinished run ({len(missing)} of "
                         f"{len(cfg['methods']) * len(cfg['domains'])} method x domain results "
                         "missing); run the same 'freqxai run' command to resume it, then report")
    from ..runner.answer import run_answer, run_summary, write_answer, write_summary
    from .figures import write_figures
    from .html import write_html_report

    for stale in ("classes_*.png", "class_profiles_*.png"):  # figures of earlier versions
        for path in run_dir.glob(stale):
            path.unlink(missing_ok=True)

    try:
        rows = summary_rows(store)
        answer = run_summary(store)  # the one band table: summary.csv, the page, the terminal
        summary_path = write_summary(run_dir, answer)
        per_class = run_answer(store, answer, rows)  # THE answer: answer.csv, page, terminal
        answer_path = write_answer(run_dir, per_class)
        csv_path, md_path = _write_tables(run_dir, rows, attrs, per_class)
        figures = write_figures(run_dir, store, answer, per_class)
        html = write_html_report(run_dir, store, rows, figures, answer, per_class)
    except KeyError as err:  # a dataset, attribute or setting the file should hold is missing
        raise store.damaged(f"{err} is missing") from err
    return {"csv": csv_path, "markdown": md_path, "html": html, "summary": summary_path,
            "answer": answer_path,
            **{f.path.stem: f.path for f in figures}}

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


N_WORST = 3  # inputs named beside each certainty figure


class _Figure:
    """A per-input score or certainty figure read a slice of inputs at a time: the running mean
    and squared deviations of its finite values (:class:`freqxai._stream.Moments`) and, for a
    certainty figure (``key``), its range, undefined count and worst inputs (index into the test
    signals, as in the figures, farthest from the ideal first; ties: the first input first).
    The mean and standard error are those of the finite values of the whole array up to float
    round-off (bit for bit from one slice)."""

    def __init__(self, key: str | None = None) -> None:
        from .._stream import Moments

        self.key = key
        self.moments = Moments()
        self.n = self.undefined = 0
        self.low, self.high = np.inf, -np.inf
        self.worst = np.empty(0, dtype=np.int64)
        self.deviation = np.empty(0)

    def add(self, start: int, v: np.ndarray) -> None:
        v = np.asarray(v, dtype=np.float64)
        finite = np.flatnonzero(np.isfinite(v))
        values = v[finite]
        self.undefined += v.size - finite.size
        if not values.size:
            return
        self.moments.add(values)
        self.n += values.size
        self.low, self.high = min(self.low, values.min()), max(self.high, values.max())
        if self.key is not None:  # the worst so far (earlier inputs) first: ties keep index order
            deviation = np.concatenate([self.deviation, CERTAINTY_DEVIATION[self.key](values)])
            index = np.concatenate([self.worst, finite + start])
            order = np.argsort(-deviation, kind="stable")[:N_WORST]
            self.deviation, self.worst = deviation[order], index[order]

    def mean_sem(self) -> tuple[float, float]:
        if not self.n:
            return float("nan"), float("nan")
        mean = float(self.moments.mean)
        return mean, float(self.moments.sem()) if self.n > 1 else 0.0

    def spread(self) -> dict:
        if not self.n:
            return {"min": float("nan"), "max": float("nan"), "worst": "",
                    "undefined": self.undefined}
        return {"min": float(self.low), "max": float(self.high),
                "worst": ";".join(str(i) for i in self.worst), "undefined": int(self.undefined)}


def _read_figure(store: ResultStore, unit: str, key: str, certainty: bool = False) -> _Figure:
    """:class:`_Figure` of dataset ``key`` of ``unit``, read a slice of inputs at a time."""
    figure = _Figure(key if certainty else None)
    for sl, v in store.rows(f"units/{unit}/{key}").chunks():
        figure.add(sl.start, v)
    return figure


def summary_rows(store: ResultStore) -> list[dict]:
    """One row per (method, domain): mean and standard error of each metric, and of each
    certainty figure also its range, worst inputs and undefined count (``<figure>_min``,
    ``_max``, ``_worst`` (indices joined by ``;``), ``_undefined``). Each per-input array is
    read a slice of inputs at a time (:class:`_Figure`).

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from freqxai.report import summary_rows
    >>> from freqxai.runner import ResultStore
    >>> Path("run").mkdir()
    >>> store = ResultStore("run")              # a run's results.h5: here written by hand
    >>> store.write(attrs={"config": {"methods": ["flex"], "domains": ["fft"],
    ...                               "metrics": ["complexity"]}},
    ...             units={"flex__fft": {"relevance": np.zeros((4, 1, 129)),
    ...                                 "complexity": np.array([1.0, 2.0, 3.0, 4.0])}})
    >>> row = summary_rows(store)[0]            # one row per (method, domain)
    >>> row["method"], row["domain"], row["n"], row["complexity"]
    ('flex', 'fft', 4, 2.5)
    >>> round(row["complexity_sem"], 3)         # standard error of the mean over the inputs
    0.645
    """
    cfg = store.read_config()
    columns = metric_columns(cfg["metrics"])
    rows = []
    for method in cfg["methods"]:
        for domain in cfg["domains"]:
            name = unit_name(method, domain)
            shapes = store.unit_shapes(name)  # metrics only: relevance and curves stay on disk
            row = {"method": method, "domain": domain, "n": int(shapes["relevance"][0])}
            for key in CERTAINTY:
                figure = _read_figure(store, name, key, certainty=True) if key in shapes else None
                row[key], row[key + "_sem"] = (
                    figure.mean_sem() if figure else (float("nan"),) * 2)
                spread = figure.spread() if figure else {
                    "min": float("nan"), "max": float("nan"), "worst": "", "undefined": 0}
                row.update({f"{key}_{k}": v for k, v in spread.items()})
            for _, key, _ in columns:
                mean, sem = (_read_figure(store, name, key).mean_sem() if key in shapes
                             else (float("nan"), float("nan")))
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

    Examples
    --------
    >>> from pathlib import Path
    >>> from freqxai.report import write_report
    >>> Path("not_a_run").mkdir()
    >>> write_report("not_a_run")
    Traceback (most recent call last):
        ...
    ValueError: not_a_run holds no results.h5; run 'freqxai run' first

    On a finished run's folder (:func:`freqxai.runner.run_experiment` writes the report itself;
    this renders it again, e.g. after a plug-in registered a figure):

    >>> files = write_report("runs/synthetic")                  # doctest: +SKIP
    >>> sorted(files)[:4]                                       # doctest: +SKIP
    ['answer', 'answer_fft', 'csv', 'examples_fft']
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

"""Tables and figures of a run, rendered from its ``results.h5`` alone (``freqxai report``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

from .._io import write_csv, write_markdown_table
from .compute import CERTAINTY, CERTAINTY_DEVIATION
from .store import ResultStore, unit_name
from .tables import CERTAINTY_NOTE, certainty_rows, metric_columns

__all__ = ["write_report", "summary_rows", "metric_columns"]


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


def _write_tables(run_dir: Path, rows: list[dict], attrs: dict) -> tuple[Path, Path]:
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
        f"{float(attrs.get('test_accuracy', float('nan'))):.3f}, seed {cfg['seed']}, "
        f"freqxai {attrs.get('freqxai_version')}. Mean ± standard error."
    )
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


def _write_figures(run_dir: Path, store: ResultStore, attrs: dict) -> list[Path]:
    from ..data.synthetic import class_frequencies
    from ..domains import get_domain
    from ..metrics import metric_class
    from ..plotting import new_figure, plot_curves, save_figure

    cfg = json.loads(attrs["config"])
    params = cfg.get("domain_params") or {"stft": cfg.get("stft") or {}}
    domains = {d: get_domain(d, **params.get(d, {})) for d in cfg["domains"]}
    fractions = store.read_data("fractions")
    X, y = store.read_data("X"), store.read_data("y")
    length, fs = X.shape[-1], float(attrs.get("fs", 0)) or None
    paths = []
    curve_metrics = [m for m in cfg["metrics"] if metric_class(m).has_curves]
    for domain in cfg["domains"]:
        for name in curve_metrics:
            key = f"{name}_curve"
            curves = {m: store.read_unit(unit_name(m, domain), [key])[key].mean(axis=0)
                      for m in cfg["methods"]}
            fig, ax = new_figure(1, 1, figsize=(5.5, 4))
            action = "kept" if metric_class(name).higher_is_better else "removed"
            plot_curves(ax[0, 0], fractions, curves, f"fraction of coefficients {action}",
                        "mean probability of the target class",
                        title=f"{name} curves, {domain} domain")
            paths.append(save_figure(fig, run_dir / f"{name}_{domain}.png"))
    # Example attributions: a few test signals with one row per method, and for audio one figure
    # per method and domain with a few clips of every class.
    synthetic = cfg["dataset"] == "synthetic"
    max_f = 70.0 if synthetic else None

    def draw(ax, domain, i, rel, title, certainty=None):
        marks = class_frequencies(int(y[i])) if synthetic else ()
        extra = {}
        if certainty:  # standard errors as error bars, non-significant cells greyed out
            extra["errors"] = np.sqrt(np.square(certainty["standard_error"][i]).sum(axis=0))
            extra["significant"] = (np.abs(certainty["z_score"][i]) > 3).any(axis=0)
        domains[domain].plot(ax, rel.sum(axis=0), length=length, fs=fs, signal=X[i],
                             title=title, max_frequency=max_f, marks=marks, **extra)

    names = attrs.get("class_names")
    names = json.loads(names) if isinstance(names, str) else list(names or [])

    def label(c) -> str:
        return names[int(c)] if int(c) < len(names) else f"class {c}"

    examples = _example_indices(y, 3)
    per_class = {c: np.flatnonzero(y == c)[:2].tolist() for c in np.unique(y)}
    for domain in cfg["domains"]:
        rels, certainty = {}, {}
        for m in cfg["methods"]:
            name = unit_name(m, domain)
            keys = [k for k in ("standard_error", "z_score") if k in store.unit_shapes(name)]
            unit = store.read_unit(name, ["relevance", *keys])
            rels[m] = unit["relevance"]
            certainty[m] = {k: unit[k] for k in keys} if len(keys) == 2 else None
        n_m = len(cfg["methods"])
        fig, axs = new_figure(n_m, len(examples), figsize=(3.6 * len(examples), 2.3 * n_m))
        for j, i in enumerate(examples):
            for r, method in enumerate(cfg["methods"]):
                draw(axs[r, j], domain, i, rels[method][i], f"{method}, test {i} ({label(y[i])})",
                     certainty[method])
        paths.append(save_figure(fig, run_dir / f"examples_{domain}.png"))
        if synthetic:
            continue
        for method in cfg["methods"]:
            fig, axs = new_figure(len(per_class), 2, figsize=(8, 2.2 * len(per_class)))
            for r, (c, idx) in enumerate(per_class.items()):
                for j in range(2):
                    if j < len(idx):
                        draw(axs[r, j], domain, idx[j], rels[method][idx[j]],
                             f"{method}, {label(c)}, test {idx[j]}", certainty[method])
                    else:
                        axs[r, j].set_axis_off()
            paths.append(save_figure(fig, run_dir / f"classes_{domain}_{method}.png"))
    paths += _write_class_figures(run_dir, store, cfg, domains, y, length, fs, label)
    return paths


def _write_class_figures(run_dir, store, cfg, domains, y, length, fs, label) -> list:
    """Per-class average relevance in Hz with standard errors, and channel x band heatmaps."""
    from ..bands import band_attributions, default_bands
    from ..plotting import new_figure, plot_channel_band_heatmap, plot_class_profiles, save_figure

    attrs = store.read_attrs()
    channels = attrs.get("channel_names")
    channels = json.loads(channels) if isinstance(channels, str) else list(channels or [])
    classes = np.unique(y)
    paths = []
    for d, domain in domains.items():
        freqs = domain.profile_frequencies(length, fs)
        if freqs is None:
            continue
        unit = "Hz" if fs else "cycles"
        n_m = len(cfg["methods"])
        fig, axs = new_figure(n_m, 1, figsize=(7, 2.2 * n_m))
        heat_rows = []
        for r, method in enumerate(cfg["methods"]):
            rel = store.read_unit(unit_name(method, d), ["relevance"])["relevance"]
            prof = domain.frequency_profile(rel, length)  # (n, channels, freq)
            summed = prof.sum(axis=1)
            means = np.stack([summed[y == c].mean(0) for c in classes])
            errs = np.stack([summed[y == c].std(0, ddof=1) / np.sqrt(max((y == c).sum(), 1))
                             if (y == c).sum() > 1 else np.zeros(summed.shape[1]) for c in classes])
            plot_class_profiles(axs[r, 0], freqs, means, errs, [label(c) for c in classes],
                                unit=unit, title=f"{method}, {d} domain: class averages")
            if prof.shape[1] > 1:
                heat_rows.append((method, prof))
        paths.append(save_figure(fig, run_dir / f"class_profiles_{d}.png"))
        if heat_rows and fs:
            names = channels if len(channels) == heat_rows[0][1].shape[1] else [
                f"ch {i}" for i in range(heat_rows[0][1].shape[1])]
            fig, axs = new_figure(len(heat_rows), len(classes),
                                  figsize=(2.6 * len(classes), 2.2 * len(heat_rows)))
            bands = default_bands(freqs)
            for r, (method, prof) in enumerate(heat_rows):
                for j, c in enumerate(classes):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        m, band_names = band_attributions(prof[y == c].mean(0)[None], freqs,
                                                          bands, axis=2)
                    plot_channel_band_heatmap(axs[r, j], m[0], names, band_names,
                                              title=f"{method}, {label(c)}")
            paths.append(save_figure(fig, run_dir / f"channel_bands_{d}.png"))
    return paths


def _example_indices(y: np.ndarray, k: int) -> list[int]:
    """The first test signal of up to ``k`` different classes (non-empty class first)."""
    seen, out = set(), []
    for i, c in enumerate(y.tolist()):
        if c not in seen and c != 0:
            seen.add(c)
            out.append(i)
        if len(out) == k:
            break
    return out or [0]


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Render ``results.md``, ``results.csv`` and the figures of a finished run."""
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
    from .answer import run_summary, write_summary

    try:
        rows = summary_rows(store)
        answer = run_summary(store)  # the one band table: summary.csv, the page, the terminal
        summary_path = write_summary(run_dir, answer)
        csv_path, md_path = _write_tables(run_dir, rows, attrs)
        figures = _write_figures(run_dir, store, attrs)
        from .html import write_html_report

        html = write_html_report(run_dir, store, rows, figures, answer)
    except KeyError as err:  # a dataset, attribute or setting the file should hold is missing
        raise store.damaged(f"{err} is missing") from err
    return {"csv": csv_path, "markdown": md_path, "html": html, "summary": summary_path,
            **{p.stem: p for p in figures}}

"""Tables and figures of a run, rendered from its ``results.h5`` alone (``freqxai report``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .._io import write_csv, write_markdown_table
from .answer import accuracy_text
from .compute import CERTAINTY, CERTAINTY_DEVIATION
from .store import ResultStore, unit_name
from .tables import CERTAINTY_NOTE, answer_domain, certainty_rows, metric_columns

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


# ---- figures ------------------------------------------------------------------------------------
# The fewest figures that answer "which bands, and when, drive each class": per domain the class x
# band answer and the channel x band heatmaps (both read from the summary table, the one the page
# and summary.csv show), deletion and insertion curves, and class-average relevance maps. Panels
# are laid out by hand (constrained layout costs seconds on figures of many panels).
_DPI = 100
_NCOLS = 5  # panels per row in the per-method grids
_SCALE_NOTE = "relevance / method's max |value|"


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in (value or [])]


def _ordered_methods(methods: list[str]) -> tuple[list[str], set[str]]:
    """Methods with the references (methods that do not read the model) last, and those."""
    from ..explainers import explainer_class

    refs = {m for m in methods if not explainer_class(m).needs_model}
    return [m for m in methods if m not in refs] + [m for m in methods if m in refs], refs


def _write_figures(run_dir: Path, store: ResultStore, attrs: dict, answer=None) -> list[Path]:
    """Write the run's figures and return their paths, in the page's order.

    ``answer_<domain>.png`` and ``channel_bands_<domain>.png`` draw the summary table ``answer``
    (:func:`~freqxai.runner.answer.run_summary`; skipped without it) in the domain the answer is
    read in (:func:`~freqxai.runner.tables.answer_domain`); ``deletion_<domain>.png``
    and ``insertion_<domain>.png`` the mean curves; ``examples_<domain>.png`` the class-average
    relevance of every method (:func:`_write_class_figures`).
    """
    from ..domains import get_domain

    cfg = json.loads(attrs["config"])
    params = cfg.get("domain_params") or {"stft": cfg.get("stft") or {}}
    domains = {d: get_domain(d, **params.get(d, {})) for d in cfg["domains"]}
    methods, refs = _ordered_methods(cfg["methods"])
    paths = []
    if answer is not None and len(answer):
        # in the answer's domain only: the bands are the same in every domain, the answer table
        # names each other domain's top band, and the class maps below show every domain
        first = answer_domain(list(dict.fromkeys(answer["domain"])))
        rows = answer[answer["domain"] == first]
        paths.append(_answer_figure(run_dir / f"answer_{first}.png", rows, methods, refs))
        p = _channel_band_figure(run_dir / f"channel_bands_{first}.png", rows, methods, refs)
        paths += [p] if p else []
        if answer.attrs.get("eeg"):  # EEG: scalp maps per band and class (10-20 names, mne)
            from ..topomap import report_topomaps

            p, answer.attrs["topomap_note"] = report_topomaps(
                run_dir / f"topomaps_{first}.png", rows, methods, refs,
                channel_names=_names(attrs.get("channel_names")))
            paths += [p] if p else []
    paths += _write_curve_figures(run_dir, store, cfg, methods, refs)
    paths += _write_class_figures(run_dir, store, attrs, domains, methods, refs)
    sanity = _sanity_figure(run_dir / "sanity.png", store, methods, refs)
    return paths + ([sanity] if sanity else [])


def _sanity_figure(path: Path, store: ResultStore, methods: list[str], refs: set[str]
                   ) -> Path | None:
    """``sanity.png``: a panel per checked method (:func:`freqxai.sanity.plot_randomization`),
    a line per domain over the randomized layers and, where the run retrained its model on
    permuted labels, a square per domain; the panel's title says whether the method passes or
    survives. None when the run has no sanity tables."""
    from ..plotting import outer_ticks_only, panel_grid, save_figure
    from ..sanity import plot_randomization
    from .sanity_phase import read_sanity

    results = read_sanity(store)
    path.unlink(missing_ok=True)  # a figure of an earlier report never outlives its tables
    checked = [m for m in methods if any(k[1] == m for k in results.tables)]
    if not checked:
        return None
    survives = results.survives()
    data = any(k[0] == "data" for k in results.tables)
    layered = [t for k, t in results.tables.items() if k[0] != "data"]
    ticks = max((len(t) for t in layered), default=1) + data
    longest = max([len(str(v)) for t in layered for v in t["layer"]]
                  + [len("labels permuted") if data else 0])
    room = 0.3 + 0.05 * longest  # the rotated tick labels
    fig, axs, _ = panel_grid(len(checked), ncols=_NCOLS, panel=(0.3 * ticks + 0.9, 1.7),
                             margins=(0.6, 0.15, 0.4, room), space=(0.15, room + 0.2))
    for ax, m in zip(axs, checked, strict=True):
        keys = sorted((k for k in results.tables if k[1] == m), key=lambda k: k[0] == "data")
        plot_randomization([results.tables[k] for k in keys], ax, labels=[k[2] for k in keys])
        ax.legend(fontsize=6, loc="lower left", frameon=False, handlelength=1.5)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(labelsize=7)
        bad = [k[2] for k in keys if survives[(m, k[2])]]
        domains = list(dict.fromkeys(k[2] for k in keys))
        verdict = ("passes" if not bad else "survives" if len(set(bad)) == len(domains)
                   else f"survives in {', '.join(dict.fromkeys(bad))}")
        title = f"{m}{' (reference)' if m in refs else ''}: {verdict}"
        ax.set_title(title, fontsize=9, color="#b00" if bad else "k")
    outer_ticks_only(axs, _NCOLS, x=False)
    fig.text(0.005, 0.5, "Spearman of |relevance|, vs trained model", rotation=90,
             va="center", fontsize=8)
    fig.text(0.5, 0.005, "randomized from the output down (cascading: the layer and all above "
             "it)" + ("; labels permuted: the model retrained on permuted labels" if data
                      else ""), ha="center", fontsize=7)
    return save_figure(fig, path, dpi=_DPI)


def _short_band(name: str, unit: str) -> str:
    """A band's name without its unit (the axis label gives it once)."""
    return name[: -len(unit)].strip() if unit and name.endswith(unit) else name


def _style_reference(ax, title: str) -> None:
    ax.set_title(f"{title} (reference)", fontsize=9, color="0.45", style="italic")
    for spine in ax.spines.values():
        spine.set_edgecolor("0.6")
        spine.set_linestyle("--")


def _significance_legend(fig, *, grey: str | None, dot: str | None, x: float = 0.0) -> None:
    """The legend of the dots and grey cells, in the top margin from ``x`` (figure fraction)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..plotting import NOT_SIGNIFICANT_COLOR

    handles = []
    if dot:
        handles.append(Line2D([], [], marker="o", ls="", color="k", ms=4, label=dot))
    if grey:
        handles.append(Patch(facecolor=NOT_SIGNIFICANT_COLOR, edgecolor="0.5", label=grey))
    if handles:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(x, 1.0), ncol=len(handles),
                   fontsize=7, frameon=False, handlelength=1.2, borderaxespad=0.2)


def _cube(df, column: str, methods: list[str], classes: list[str], channels: list[str],
          bands: list[str]) -> np.ndarray:
    """``column`` of the summary rows ``df`` as an array ``(methods, classes, channels, bands)``,
    NaN where the table has no row (one vectorized scatter: pivoting per panel costs seconds)."""
    import pandas as pd

    out = np.full((len(methods), len(classes), len(channels), len(bands)), np.nan)
    at = [pd.Index(keys).get_indexer(df[col].astype(str)) for keys, col in
          ((methods, "method"), (classes, "class"), (channels, "channel"), (bands, "band"))]
    keep = np.all([a >= 0 for a in at], axis=0)
    out[tuple(a[keep] for a in at)] = df[column].to_numpy(dtype=float)[keep]
    return out


def _answer_figure(path: Path, df, methods: list[str], refs: set[str]) -> Path:
    """Class x band heatmap of every method (channel ``all``) on one colour scale: each method's
    band relevance divided by its largest absolute value, significant cells dotted, references
    apart (last, grey dashed frames)."""
    from ..plotting import add_colorbar, panel_grid, plot_channel_band_heatmap, save_figure

    rows = df[df["channel"] == "all"]
    unit = str(df.attrs.get("frequency_unit") or (rows["unit"].iloc[0] if "unit" in rows else ""))
    classes = list(dict.fromkeys(rows["class"].astype(str)))
    bands = list(dict.fromkeys(rows["band"]))
    methods = [m for m in methods if m in set(rows["method"])]
    values = _cube(rows, "relevance", methods, classes, ["all"], bands)[:, :, 0]
    significant = _cube(rows, "significant", methods, classes, ["all"], bands)[:, :, 0] == 1
    label_in = 0.15 + 0.065 * max(len(c) for c in classes)
    band_in = 0.15 + 0.045 * max(len(_short_band(b, unit)) for b in bands)
    fig, axs, lay = panel_grid(len(methods), ncols=_NCOLS,
                               panel=(0.27 * len(bands) + 0.3, 0.24 * len(classes) + 0.1),
                               margins=(label_in, 1.0, 0.55, band_in + 0.25),
                               space=(0.12, 0.32))
    image = None
    for i, (ax, m) in enumerate(zip(axs, methods, strict=True)):
        mat, sig = values[i], significant[i]
        scale = np.nanmax(np.abs(mat)) if np.isfinite(mat).any() else 0.0
        plot_channel_band_heatmap(ax, mat / scale if scale > 0 else mat, classes,
                                  [_short_band(b, unit) for b in bands], limit=1.0,
                                  significant=None if m in refs else sig, fontsize=8,
                                  xlabels=i + _NCOLS >= len(methods), ylabels=i % _NCOLS == 0)
        image = ax.images[-1]
        if m in refs:
            _style_reference(ax, m)
        else:
            ax.set_title(m, fontsize=9)
    axs[-1].figure.text(0.5 * (lay["right"] + label_in / lay["size"][0]), 0.02,
                        f"band [{unit}]" if unit else "band", ha="center", fontsize=8)
    add_colorbar(fig, image, (lay["right"] + 0.15 / lay["size"][0], lay["bottom"],
                              0.12 / lay["size"][0], lay["top"] - lay["bottom"]), _SCALE_NOTE)
    _significance_legend(fig, x=lay["left"], dot="significant (t-test, 5 %, Bonferroni over "
                         "bands)", grey="no coefficient in the band" if np.isnan(
                             rows["relevance"].to_numpy(float)).any() else None)
    return save_figure(fig, path, dpi=_DPI)


def _channel_band_figure(path: Path, df, methods: list[str], refs: set[str]) -> Path | None:
    """Channel x band heatmaps, one panel per method with a block of channel rows per class, on
    one colour scale (each method divided by its largest |value|); methods that explain all
    channels together (no per-channel rows) get an empty, labelled panel. None for one channel."""
    from ..plotting import add_colorbar, panel_grid, plot_channel_band_heatmap, save_figure

    per = df[df["channel"] != "all"].assign(**{"class": lambda t: t["class"].astype(str)})
    if per.empty:
        return None
    unit = str(df.attrs.get("frequency_unit") or (per["unit"].iloc[0] if "unit" in per else ""))
    classes = list(dict.fromkeys(per["class"]))
    channels = list(dict.fromkeys(per["channel"]))
    bands = list(dict.fromkeys(per["band"]))
    index = [(c, ch) for c in classes for ch in channels]
    labels = [f"{c}: {ch}" if k == 0 else ch for c in classes for k, ch in enumerate(channels)]
    shape = (len(methods), len(index), len(bands))
    values = _cube(per, "relevance", methods, classes, channels, bands).reshape(shape)
    significant = _cube(per, "significant", methods, classes, channels, bands).reshape(shape) == 1
    present = set(per["method"])
    label_in = 0.15 + 0.06 * max(len(x) for x in labels)
    band_in = 0.15 + 0.045 * max(len(_short_band(b, unit)) for b in bands)
    fig, axs, lay = panel_grid(len(methods), ncols=_NCOLS,
                               panel=(0.27 * len(bands) + 0.3, 0.12 * len(index) + 0.1),
                               margins=(label_in, 1.0, 0.55, band_in + 0.25), space=(0.12, 0.32))
    image = None
    for i, (ax, m) in enumerate(zip(axs, methods, strict=True)):
        mat, sig = values[i], significant[i]
        if m not in present:  # one relevance map for all channels: nothing per channel to show
            ax.text(0.5, 0.5, "explains all\nchannels together:\nno per-channel\nvalues",
                    transform=ax.transAxes, ha="center", va="center", fontsize=7, color="0.3")
        elif np.isfinite(mat).any() and np.nanmax(np.abs(mat)) > 0:
            mat = mat / np.nanmax(np.abs(mat))
        plot_channel_band_heatmap(ax, mat, labels, [_short_band(b, unit) for b in bands],
                                  limit=1.0, significant=None if m in refs else sig, fontsize=6,
                                  xlabels=i + _NCOLS >= len(methods), ylabels=i % _NCOLS == 0)
        for k in range(1, len(classes)):  # white rules between the classes' blocks
            ax.axhline(k * len(channels) - 0.5, color="w", lw=1.5)
        image = ax.images[-1]
        if m in refs:
            _style_reference(ax, m)
        else:
            ax.set_title(m, fontsize=9)
    fig.text(0.5 * (lay["right"] + label_in / lay["size"][0]), 0.01,
             f"band [{unit}]" if unit else "band", ha="center", fontsize=8)
    add_colorbar(fig, image, (lay["right"] + 0.15 / lay["size"][0], lay["bottom"],
                              0.12 / lay["size"][0], lay["top"] - lay["bottom"]), _SCALE_NOTE)
    _significance_legend(fig, x=lay["left"], dot="significant (t-test, 5 %, Bonferroni over "
                         "bands)", grey="no value")
    return save_figure(fig, path, dpi=_DPI)


def _write_curve_figures(run_dir: Path, store: ResultStore, cfg: dict, methods: list[str],
                         refs: set[str]) -> list[Path]:
    """Mean deletion / insertion curve of every method per domain, the mean area under each
    in the legend; references grey and dashed."""
    from ..metrics import metric_class
    from ..plotting import panel_grid, plot_curves, save_figure

    fractions = store.read_data("fractions")
    paths = []
    for domain in cfg["domains"]:
        for name in (m for m in cfg["metrics"] if metric_class(m).has_curves):
            key = f"{name}_curve"
            curves, labels = {}, {}
            for m in methods:
                unit = unit_name(m, domain)
                if key not in store.unit_shapes(unit):
                    continue
                data = store.read_unit(unit, [key, name])
                curves[m] = data[key].mean(axis=0)
                labels[m] = f"{m} (AUC {np.nanmean(data[name]):.3f})"
            if not curves:
                continue
            fig, (ax,), _ = panel_grid(1, ncols=1, panel=(3.6, 2.6), margins=(0.6, 1.75, 0.3, 0.5))
            action = "kept" if metric_class(name).higher_is_better else "removed"
            plot_curves(ax, fractions, curves, f"fraction of coefficients {action}",
                        "probability of the target class", references=refs, labels=labels,
                        legend="outside", title=f"{name}, {domain} domain")
            paths.append(save_figure(fig, run_dir / f"{name}_{domain}.png", dpi=_DPI))
    return paths


def _class_statistics(rel: np.ndarray, y: np.ndarray, classes: np.ndarray, test: bool):
    """Per class the mean and standard error of ``rel`` ``(n, ...)`` over its inputs, and where
    the mean differs from 0: a two-sided t-test over the class's inputs at 5 %, Bonferroni over
    the entries of one map (None for a class of one input, or without ``test``)."""
    from scipy.special import stdtr  # (scipy.stats takes a second to import)

    from ..summary import ALPHA

    means, errors, significant = [], [], []
    n_entries = int(np.prod(rel.shape[1:]))
    for c in classes:
        v = rel[y == c]
        k = v.shape[0]
        means.append(v.mean(0))
        if k < 2:
            errors.append(np.zeros(v.shape[1:]))
            significant.append(None)
            continue
        sem = v.std(0, ddof=1) / np.sqrt(k)
        errors.append(sem)
        if not test:
            significant.append(None)
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            p = 2 * stdtr(k - 1, -np.abs(means[-1] / sem))  # two-sided t-test
        p = np.where(sem > 0, p, np.where(means[-1] != 0, 0.0, 1.0))  # exact values: no spread
        significant.append(p < ALPHA / n_entries)
    return np.stack(means), np.stack(errors), significant


def _write_class_figures(run_dir: Path, store: ResultStore, attrs: dict, domains: dict,
                         methods: list[str], refs: set[str]) -> list[Path]:
    """``examples_<domain>.png``: the class-average relevance of every method (channels summed),
    each method divided by its largest |class average|, so one colour scale (or y-axis) serves
    all. Time-frequency domains: a map per method (rows) and class (columns), entries whose class
    average is not significant greyed out; one-axis domains: a panel per method with a line per
    class (significant entries dotted); others (wavelet): the domain's own plot per panel."""
    from matplotlib.lines import Line2D

    from ..explainers import explainer_class
    from ..plotting import (
        add_colorbar,
        axis_label,
        outer_ticks_only,
        panel_grid,
        plot_class_profiles,
        relevance_cmap,
        save_figure,
    )
    from ..ragged import common_profile

    y = np.asarray(store.read_data("y")).astype(int)
    length = int(store.read_data("X").shape[-1])
    lengths = store.read_lengths()
    fs = float(attrs.get("fs", 0)) or None
    names = _names(attrs.get("class_names"))
    classes = np.unique(y)
    labels = [names[c] if c < len(names) else f"class {c}" for c in classes]
    grey = "not significant (t-test over the class's signals, 5 %, Bonferroni)"
    paths = []
    for d, domain in domains.items():
        axes = domain.axes(length, fs)
        axis_names = list(axes)
        two_d = len(domain.coefficient_shape(length)) == 2
        if lengths is not None:  # unequal lengths: frequency profiles on the longest series' grid
            if domain.profile_frequencies(length, fs) is None:
                continue  # time: no common axis for series of different duration (no figure)
            axes, axis_names, two_d = {"frequency": domain.profile_frequencies(length, fs)}, \
                ["frequency"], False
        stats_ = {}
        for m in methods:
            if lengths is None:
                rel = store.read_unit(unit_name(m, d), ["relevance"])["relevance"].sum(axis=1)
            else:
                rel = common_profile(store.read_relevance(m, domain), domain, lengths, fs,
                                     additive=bool(explainer_class(m).additive))[0]
            mean, err, sig = _class_statistics(rel, y, classes, test=m not in refs)
            scale = float(np.abs(mean).max())
            if scale > 0:
                mean, err = mean / scale, err / scale
            stats_[m] = (mean, err, sig)
        if len(axis_names) == 1:  # fft, time: a line per class, a panel per method
            fig, axs, lay = panel_grid(len(methods), ncols=_NCOLS, panel=(2.5, 1.6),
                                       margins=(0.55, 0.15, 0.6, 0.45), space=(0.15, 0.35))
            x = np.asarray(axes[axis_names[0]])
            for ax, m in zip(axs, methods, strict=True):
                mean, err, sig = stats_[m]
                sig_arr = None if any(s is None for s in sig) else np.stack(sig)
                plot_class_profiles(ax, x, mean, err, labels, significant=sig_arr, legend=False,
                                    xlabel="", ylabel="")
                if m in refs:
                    _style_reference(ax, m)
                else:
                    ax.set_title(m, fontsize=9)
                ax.set_ylim(-1.08, 1.08)
                ax.set_xlim(x[0], x[-1])
                ax.tick_params(labelsize=7)
            outer_ticks_only(axs, _NCOLS)
            ax0 = axs[0]
            fig.text(0.5, 0.01, axis_label(axis_names[0], fs), ha="center", fontsize=8)
            fig.text(0.005, 0.5, _SCALE_NOTE, rotation=90, va="center", fontsize=8)
            lines = [ln for ln in ax0.get_lines() if ln.get_label() in labels]
            handles = lines + [Line2D([], [], marker="o", ls="", color="0.3", ms=3,
                                      label="significant (5 %, Bonferroni)")]
            fig.legend(handles=handles, loc="upper left", ncol=len(handles), fontsize=7,
                       frameon=False, bbox_to_anchor=(lay["left"], 1.0))
        elif two_d:  # time-frequency: a row per method, the classes' maps side by side
            fig, lay = _map_rows(domain, axes, stats_, methods, refs, labels, fs)
        else:  # another picture per coefficient (wavelet): the domain's own plot per panel
            n_rows, n_cols = len(methods), len(classes)
            fig, axs, lay = panel_grid(n_rows * n_cols, ncols=n_cols, panel=(2.3, 1.25),
                                       margins=(1.3, 1.0, 0.6, 0.5), space=(0.1, 0.12))
            image = None
            for r, m in enumerate(methods):
                mean, _, sig = stats_[m]
                for j, label in enumerate(labels):
                    ax = axs[r * n_cols + j]
                    rel = mean[j] if sig[j] is None else np.where(sig[j], mean[j], np.nan)
                    domain.plot(ax, rel, length=length, fs=fs, cmap=relevance_cmap())
                    for art in ax.collections:  # one colour scale: limits of the normalised maps
                        art.set_clim(-1.0, 1.0)
                    image = ax.collections[-1] if ax.collections else image
                    ax.set_xlabel("")
                    ax.set_ylabel("")
                    ax.tick_params(labelsize=7)
                    if r == 0:
                        ax.set_title(label, fontsize=9)
                    if j == 0:
                        ax.set_ylabel(f"{m}\n(reference)" if m in refs else m, fontsize=8,
                                      color="0.45" if m in refs else "k")
            outer_ticks_only(axs, n_cols)
            fig.text(0.5, 0.01, axis_label("time", fs), ha="center", fontsize=8)
            fig.text(0.005, 0.5, axis_label("frequency", fs), rotation=90, va="center",
                     fontsize=8)
            if image is not None:
                add_colorbar(fig, image, (lay["right"] + 0.15 / lay["size"][0], lay["bottom"],
                                          0.12 / lay["size"][0], lay["top"] - lay["bottom"]),
                             _SCALE_NOTE)
            _significance_legend(fig, x=lay["left"], dot=None, grey=grey)
        if lengths is not None:
            fig.text(0.995, 0.995, "series of unequal length: each frequency profile "
                     "interpolated onto the longest series' grid", ha="right", va="top", fontsize=7,
                     color="0.35")
        paths.append(save_figure(fig, run_dir / f"examples_{d}.png", dpi=_DPI))
    return paths


def _map_rows(domain, axes: dict, stats_: dict, methods: list[str], refs: set[str],
              labels: list[str], fs: float | None):
    """Class-average time-frequency maps: one axes per method with the classes' maps side by
    side (a gap between them), cells that are not significant grey, one colorbar."""
    from matplotlib.ticker import MaxNLocator

    from ..plotting import (
        add_colorbar,
        axis_label,
        panel_grid,
        plot_relevance_image,
    )

    f_name, t_name = list(axes)
    f, t = np.asarray(axes[f_name], float), np.asarray(axes[t_name], float)
    df_ = (f[1] - f[0]) if f.size > 1 else 1.0
    dt = (t[1] - t[0]) if t.size > 1 else 1.0
    t_edges, f_edges = (t[0] - dt / 2, t[-1] + dt / 2), (f[0] - df_ / 2, f[-1] + df_ / 2)
    span = t_edges[1] - t_edges[0]
    gap = 0.08 * span
    k = len(labels)
    block = min(2.3, 11.0 / k)  # inches per class map
    fig, axs, lay = panel_grid(len(methods), ncols=1, panel=(k * block, 1.2),
                               margins=(0.95, 1.0, 0.6, 0.45), space=(0.1, 0.12))
    ticks = MaxNLocator(3).tick_values(*t_edges)
    ticks = ticks[(ticks >= t_edges[0]) & (ticks <= t_edges[1])]
    offsets = [j * (span + gap) - t_edges[0] for j in range(k)]
    for r, (ax, m) in enumerate(zip(axs, methods, strict=True)):
        mean, _, sig = stats_[m]
        for j in range(k):  # relevance given at frame centres: cells span half a step around
            x = np.array([t_edges[0], t_edges[1]]) + offsets[j]
            plot_relevance_image(ax, mean[j], x, np.asarray(f_edges), limit=1.0,
                                 significant=sig[j])
        ax.set_xlim(t_edges[0] + offsets[0], t_edges[1] + offsets[-1])
        ax.set_ylim(*f_edges)
        ax.set_ylabel(f"{m}\n(reference)" if m in refs else m, fontsize=8,
                      color="0.45" if m in refs else "k")
        ax.tick_params(labelsize=7, length=2)
        for spine in ("top", "right", "left", "bottom"):
            ax.spines[spine].set_visible(False)
        if r == len(methods) - 1:
            ax.set_xticks([v + o for o in offsets for v in ticks],
                          [f"{v:g}" for _ in offsets for v in ticks])
        else:
            ax.set_xticks([])
        if r == 0:
            for j, label in enumerate(labels):
                ax.text(offsets[j] + (t_edges[0] + t_edges[1]) / 2, 1.04, label,
                        transform=ax.get_xaxis_transform(), ha="center", fontsize=9)
    fig.text(0.5, 0.01, axis_label("time", fs) + " (each class's map from the start of the signal)",
             ha="center", fontsize=8)
    fig.text(0.005, 0.5, axis_label("frequency", fs), rotation=90, va="center", fontsize=8)
    add_colorbar(fig, axs[0].images[-1], (lay["right"] + 0.15 / lay["size"][0], lay["bottom"],
                                          0.12 / lay["size"][0], lay["top"] - lay["bottom"]),
                 _SCALE_NOTE)
    _significance_legend(fig, x=lay["left"], dot=None, grey="not significant (t-test over the "
                         "class's signals, 5 %, Bonferroni)")
    return fig, lay


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
    from .answer import run_answer, run_summary, write_answer, write_summary

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
        figures = _write_figures(run_dir, store, attrs, answer)
        from .html import write_html_report

        html = write_html_report(run_dir, store, rows, figures, answer, per_class)
    except KeyError as err:  # a dataset, attribute or setting the file should hold is missing
        raise store.damaged(f"{err} is missing") from err
    return {"csv": csv_path, "markdown": md_path, "html": html, "summary": summary_path,
            "answer": answer_path,
            **{p.stem: p for p in figures}}

"""The report's figures: a registry of named figures, each drawn from a finished run.

A figure is a function registered next to its code (as explainers, domains and metrics are):

.. code-block:: python

    @register_figure("answer", title="Band relevance per class", needs=("summary",),
                     caption="...")
    def draw(ctx):  # a FigureContext: the run's store, summary table, answer, methods
        ...
        return [ctx.record("answer", path, domain=ctx.domain)]

It declares what of the run it needs (:data:`CONTENTS`: a summary table, several channels, two
or more classes, band Shapley values, curves, sanity tables, EEG data); :func:`write_figures`
draws the figures whose needs the run meets, in the order they were registered, and removes an
earlier report's file of a figure that is not drawn this time. ``report.html`` places figures by
their registry name (the templates call ``figs.one("answer", domain)``), never by file name; a
registered figure the templates do not place (a plug-in's) appears under "Other figures".

Panels are laid out by hand (constrained layout costs seconds on figures of many panels).

Figures that read per-signal arrays (the class averages of ``examples``, the mean curves) read
them a slice of signals at a time (:class:`~freqxai.runner.store.StoredRows`) and keep running
sums per class (:class:`freqxai._stream.Moments`): drawing the report takes the same memory for
100,000 test signals as for 1,000.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..runner.answer import answer_domain
from ..runner.store import ResultStore, unit_name

__all__ = ["CONTENTS", "FigureContext", "FigureSpec", "Figures", "WrittenFigure",
           "get_figure", "list_figures", "register_figure", "write_figures"]

_DPI = 100
_NCOLS = 5  # panels per row in the per-method grids
_SCALE_NOTE = "relevance / method's max |value|"
TOP_SEPARATING = 3  # bands the first screen lists (and marks) as separating the classes

#: What a figure can need of a run (``needs`` of :func:`register_figure`), and what each means.
CONTENTS: dict[str, str] = {
    "summary": "the band table has rows: some domain of the run has a frequency axis",
    "channels": "the band table has rows per channel (signals of two or more channels)",
    "classes": "the explained signals belong to two or more classes",
    "shapley": "band Shapley values (method 'shapley') in the answer's domain",
    "curves": "a metric with curves (deletion, insertion) was scored",
    "sanity": "the sanity checks' tables",
    "eeg": "EEG data (EEG bands and channel positions: scalp maps)",
}


@dataclass(frozen=True)
class WrittenFigure:
    """A figure file of a run: the registry ``name`` that drew it, its ``path``, the ``domain``
    it shows (None: the whole run) and the ``part`` (the metric of a curve figure).

    Examples
    --------
    >>> from pathlib import Path
    >>> from freqxai.report import WrittenFigure
    >>> fig = WrittenFigure("answer", Path("run") / "answer_fft.png", domain="fft")
    >>> fig.name, fig.path.name, fig.domain, fig.part
    ('answer', 'answer_fft.png', 'fft', None)
    """

    name: str
    path: Path
    domain: str | None = None
    part: str | None = None


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: ``name``, ``title``, what it ``needs`` of a run, its ``caption``
    (``captions`` per part override it) and the ``draw`` function."""

    name: str
    title: str
    needs: frozenset[str]
    caption: str
    captions: Mapping[str, str]
    draw: Callable[[FigureContext], Iterable[WrittenFigure]]

    def caption_for(self, part: str | None = None) -> str:
        """The caption of a part of the figure (a curve figure's metric), else the figure's."""
        return self.captions.get(part, self.caption) if part is not None else self.caption


_FIGURES: dict[str, FigureSpec] = {}


def register_figure(name: str, *, title: str, needs: Iterable[str] = (), caption: str = "",
                    captions: Mapping[str, str] | None = None, override: bool = False
                    ) -> Callable[[Callable], Callable]:
    """Function decorator: register a figure of the report under ``name``.

    Parameters
    ----------
    name : str
        The name the report's templates place it by; its files are ``<name>.png`` or
        ``<name>_<domain>.png`` (:meth:`FigureContext.path`).
    title : str
        What the figure shows, in a few words (the page's section and alt texts).
    needs : iterable of str
        What the figure needs of a run; it is drawn only for runs that have all of it:
        ``"summary"`` (a band table: some domain has a frequency axis), ``"channels"`` (rows
        per channel), ``"classes"`` (two or more classes), ``"shapley"`` (band Shapley values),
        ``"curves"`` (deletion or insertion curves), ``"sanity"`` (the sanity tables),
        ``"eeg"`` (EEG data); ``freqxai.report.figures.CONTENTS`` says each.
    caption : str
        The caption under the figure on the page.
    captions : mapping of str to str, optional
        Captions per part (the metric of a curve figure), where they differ.
    override : bool
        Replace a figure already registered under ``name``; without it such a name is refused
        with a ``ValueError``.

    Returns
    -------
    callable
        The decorator; it returns the function unchanged. The function takes a
        :class:`FigureContext` and returns the :class:`WrittenFigure` records of the files it
        wrote (none where the run has nothing to show).

    Examples
    --------
    A figure of your own, drawn into the run folder for every run with a band table:

    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from freqxai.report import FigureContext, list_figures, register_figure
    >>> from freqxai.runner import ResultStore
    >>> from freqxai.testing import isolated_registries
    >>> def band_bars(ctx):
    ...     means = ctx.rows.groupby("band", sort=False)["relevance"].mean()
    ...     fig = Figure(figsize=(4, 2))
    ...     fig.add_subplot().bar(means.index, means.values)
    ...     path = ctx.path("band_bars", ctx.domain)
    ...     fig.savefig(path)
    ...     return [ctx.record("band_bars", path, domain=ctx.domain)]
    >>> with isolated_registries():            # registered for this block only
    ...     _ = register_figure("band_bars", title="Mean relevance per band",
    ...                         needs=("summary",), caption="Each band's mean.")(band_bars)
    ...     print(list_figures()[-1])
    band_bars
    >>> table = pd.DataFrame({"domain": "fft", "band": ["4-8 Hz", "8-16 Hz"],
    ...                       "relevance": [0.1, 0.9]})   # a summary table (summary.csv)
    >>> [fig.path.name for fig in band_bars(FigureContext(Path("."), ResultStore("."), table))]
    ['band_bars_fft.png']
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a figure name must be an identifier (letters, digits, _), got {name!r}")
    needs = frozenset(needs)
    unknown = sorted(needs - set(CONTENTS))
    if unknown:
        raise ValueError(f"figure {name!r} needs {unknown}, which no run declares; a figure can "
                         f"need {sorted(CONTENTS)}")

    def decorator(draw: Callable) -> Callable:
        old = _FIGURES.get(name)
        if old is not None and not override and (old.draw.__module__, old.draw.__qualname__) != (
                draw.__module__, draw.__qualname__):
            raise ValueError(f"a figure named {name!r} is already registered "
                             f"({old.draw.__module__}.{old.draw.__qualname__}); pass "
                             "override=True to replace it")
        _FIGURES[name] = FigureSpec(name, title, needs, caption, dict(captions or {}), draw)
        return draw

    return decorator


def get_figure(name: str) -> FigureSpec:
    """The registered figure ``name`` (its title, needs, captions and draw function); a
    ``KeyError`` naming the registered figures otherwise.

    Examples
    --------
    >>> from freqxai.report import get_figure
    >>> spec = get_figure("answer")
    >>> spec.title, sorted(spec.needs)
    ('Band relevance per class', ['summary'])
    >>> get_figure("no_such_figure")
    Traceback (most recent call last):
        ...
    KeyError: "no figure named 'no_such_figure'; registered figures: answer, ..."
    """
    try:
        return _FIGURES[name]
    except KeyError:
        raise KeyError(f"no figure named {name!r}; registered figures: "
                       f"{', '.join(_FIGURES)}") from None


def list_figures() -> list[str]:
    """Names of the registered figures, in the order they are drawn.

    Examples
    --------
    >>> from freqxai.report import list_figures
    >>> list_figures()
    ['answer', 'separating', 'channel_bands', 'topomaps', 'curves', 'examples', 'sanity']
    """
    return list(_FIGURES)


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in (value or [])]


def _ordered_methods(methods: list[str]) -> tuple[list[str], set[str]]:
    """Methods with the references (methods that do not read the model) last, and those."""
    from ..explainers import explainer_class, get_tags

    refs = {m for m in methods if get_tags(explainer_class(m)).reference}
    return [m for m in methods if m not in refs] + [m for m in methods if m in refs], refs


@dataclass
class FigureContext:
    """What a figure is drawn from: the run folder and its store, the summary ``table`` (the
    one ``summary.csv`` holds) and the ``answer`` per class (``answer.csv``); the rest is read
    from them when first asked for. ``notes`` collects what a figure has to say on the page
    (e.g. why a scalp map is missing), by figure name.

    Examples
    --------
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from freqxai.report import FigureContext
    >>> from freqxai.runner import ResultStore
    >>> Path("run").mkdir()
    >>> store = ResultStore("run")              # a run's results.h5: here written by hand
    >>> store.write(attrs={"config": {"methods": ["random", "flex"], "domains": ["fft"]}})
    >>> table = pd.DataFrame({"domain": "fft", "band": ["4-8 Hz", "8-16 Hz"],
    ...                       "relevance": [0.1, 0.9]})   # a summary table (summary.csv)
    >>> ctx = FigureContext(Path("run"), store, table=table)
    >>> ctx.methods, ctx.refs, ctx.domain      # references last
    (['flex', 'random'], {'random'}, 'fft')
    >>> ctx.path("answer", ctx.domain).name
    'answer_fft.png'
    """

    run_dir: Path
    store: ResultStore
    table: Any = None
    answer: Any = None
    notes: dict[str, str] = field(default_factory=dict)

    @cached_property
    def attrs(self) -> dict:
        """The run's attributes (``results.h5``)."""
        return self.store.read_attrs()

    @cached_property
    def cfg(self) -> dict:
        """The run's configuration."""
        return json.loads(self.attrs["config"])

    @cached_property
    def methods(self) -> list[str]:
        """The run's methods, references last."""
        return _ordered_methods(self.cfg["methods"])[0]

    @cached_property
    def refs(self) -> set[str]:
        """The references: methods that do not read the model."""
        return _ordered_methods(self.cfg["methods"])[1]

    @cached_property
    def domains(self) -> dict:
        """The run's domains by name, built with the run's parameters."""
        from ..domains import get_domain

        params = self.cfg.get("domain_params") or {"stft": self.cfg.get("stft") or {}}
        return {d: get_domain(d, **params.get(d, {})) for d in self.cfg["domains"]}

    @cached_property
    def domain(self) -> str | None:
        """The domain the answer is read in (None without a summary table)."""
        if self.table is None or not len(self.table):
            return None
        return answer_domain(list(dict.fromkeys(self.table["domain"])))

    @cached_property
    def rows(self) -> Any:
        """The summary table's rows in the answer's domain (the bands are the same in every
        domain; the answer table names each other domain's top band)."""
        return self.table[self.table["domain"] == self.domain]

    @cached_property
    def sanity(self) -> Any:
        """The run's sanity tables (``freqxai.runner.sanity_phase.read_sanity``)."""
        from ..runner.sanity_phase import read_sanity

        return read_sanity(self.store)

    @cached_property
    def contents(self) -> frozenset[str]:
        """What this run has of what figures can need (``needs`` of
        :func:`register_figure`)."""
        from ..metrics import list_metrics, metric_class

        have = set()
        if self.domain is not None:
            rows = self.rows
            have.add("summary")
            if (rows["channel"] != "all").any():
                have.add("channels")
            if rows["class"].nunique() >= 2:
                have.add("classes")
            if (rows["method"] == "shapley").any():
                have.add("shapley")
            if self.table.attrs.get("eeg"):
                have.add("eeg")
        if "classes" not in have and len(np.unique(self.store.read_data("y"))) >= 2:
            have.add("classes")
        if any(m in list_metrics() and metric_class(m).has_curves for m in self.cfg["metrics"]):
            have.add("curves")
        if self.sanity:
            have.add("sanity")
        return frozenset(have)

    def path(self, name: str, domain: str | None = None) -> Path:
        """The file of figure ``name`` (``<name>.png``, or ``<name>_<domain>.png``)."""
        return self.run_dir / (f"{name}_{domain}.png" if domain else f"{name}.png")

    def record(self, name: str, path: Path, domain: str | None = None,
               part: str | None = None) -> WrittenFigure:
        """The record of a file figure ``name`` wrote."""
        return WrittenFigure(name, Path(path), domain, part)


class Figures:
    """The figures :func:`write_figures` wrote, in drawing order, with the figures' ``notes``.

    Iterating gives the :class:`WrittenFigure` records; :meth:`one` and :meth:`all` find them
    by registry name.
    """

    def __init__(self, written: Iterable[WrittenFigure] = (), notes: Mapping[str, str] | None
                 = None) -> None:
        self.written = list(written)
        self.notes = dict(notes or {})

    def __iter__(self) -> Iterator[WrittenFigure]:
        return iter(self.written)

    def __len__(self) -> int:
        return len(self.written)

    def all(self, name: str, domain: str | None = None) -> list[WrittenFigure]:
        """Every figure ``name`` wrote (in ``domain`` only, when given)."""
        get_figure(name)  # an unknown name is an error, not an empty list
        return [f for f in self.written if f.name == name and (domain is None
                                                                or f.domain == domain)]

    def one(self, name: str, domain: str | None = None) -> WrittenFigure | None:
        """The figure ``name`` wrote (in ``domain``), None where it wrote none."""
        found = self.all(name, domain)
        return found[0] if found else None


def write_figures(run_dir: str | Path, store: ResultStore, table: Any = None, answer: Any = None
                  ) -> Figures:
    """Draw every registered figure whose needs the run meets; return what was written.

    Parameters
    ----------
    run_dir : path
        The run folder (figures are written into it).
    store : ResultStore
        The run's results.
    table : pandas.DataFrame, optional
        The run's summary table (:func:`~freqxai.runner.answer.run_summary`); figures that need
        it are skipped without it.
    answer : pandas.DataFrame, optional
        The run's answer per class (:func:`~freqxai.runner.answer.run_answer`).

    Returns
    -------
    Figures
        The written figures in drawing order, and the notes figures left for the page.
    """
    ctx = FigureContext(Path(run_dir), store, table, answer)
    written: list[WrittenFigure] = []
    for spec in _FIGURES.values():
        records = list(spec.draw(ctx)) if spec.needs <= ctx.contents else []
        for r in records:
            if not isinstance(r, WrittenFigure) or r.name != spec.name:
                raise TypeError(f"figure {spec.name!r} must return WrittenFigure records of its "
                                f"own name (FigureContext.record), got {r!r}")
        # an earlier report's file of a figure not drawn this time never outlives its data
        kept = {r.path for r in records}
        for d in (None, *ctx.cfg["domains"]):
            stale = ctx.path(spec.name, d)
            if stale not in kept:
                stale.unlink(missing_ok=True)
        written += records
    return Figures(written, ctx.notes)


# -- the registered figures, in the page's order ---------------------------------------------------

_CURVE_CAPTIONS = {
    "deletion": ("Deletion: mean probability of the explained class as the most relevant "
                 "coefficients are removed first (a faster fall is better); the legend gives the "
                 "mean area under each curve (AUC). Methods differ in colour and marker; curves "
                 "that coincide show both markers. References are grey and dashed."),
    "insertion": ("Insertion: mean probability of the explained class as the most relevant "
                  "coefficients are restored first into an empty signal (a faster rise is better); "
                  "legend: mean AUC. References grey and dashed."),
}


@register_figure(
    "answer", title="Band relevance per class", needs=("summary",),
    caption=("Band relevance per class (rows) and band (columns) for every method, averaged over "
             "the test signals of each class (all channels). Each method's values are divided by "
             "its largest absolute band value, so one colour scale serves all (their raw scales "
             "differ by orders of magnitude): red raises the class's score, blue lowers it. "
             "Dot: significant (t-test over the class's signals, 5 %, Bonferroni over the "
             "bands). References (grey, dashed frames) are baselines, not findings, and are not "
             "tested."))
def _draw_answer(ctx: FigureContext) -> list[WrittenFigure]:
    path = _answer_figure(ctx.path("answer", ctx.domain), ctx.rows, ctx.methods, ctx.refs)
    return [ctx.record("answer", path, ctx.domain)]


@register_figure(
    "separating", title="What separates the classes", needs=("summary", "shapley", "classes"),
    caption=("Band Shapley value per class (bars, ± one standard error over the class's test "
             "signals) and band, all channels: how much each band adds to the model's output "
             "for the class its signals belong to (the output named on the axis; by default the "
             "class's log-probability margin over the other classes, so a band every class "
             "shares adds little). Shaded and numbered: the "
             f"{TOP_SEPARATING} bands whose class values differ most (the table below)."))
def _draw_separating(ctx: FigureContext) -> list[WrittenFigure]:
    if ctx.answer is not None and len(ctx.answer) and not (ctx.answer["confidence"]
                                                           != "none").any():
        return []  # the model recognises no class: the page shows no separation either
    path = _separating_figure(ctx.path("separating", ctx.domain), ctx)
    return [ctx.record("separating", path, ctx.domain)] if path else []


@register_figure(
    "channel_bands", title="Channel x band relevance", needs=("summary", "channels"),
    caption=("Relevance per channel and band, a block of channel rows per class; each method "
             "divided by its largest absolute value (one colour scale); dot: significant. A "
             "method that explains all channels together (one relevance map for every channel) "
             "has no per-channel values: its panel is empty."))
def _draw_channel_bands(ctx: FigureContext) -> list[WrittenFigure]:
    path = _channel_band_figure(ctx.path("channel_bands", ctx.domain), ctx.rows, ctx.methods,
                                ctx.refs)
    return [ctx.record("channel_bands", path, ctx.domain)] if path else []


@register_figure(
    "topomaps", title="Scalp maps", needs=("summary", "eeg"),
    caption=("Scalp maps of band relevance: a row per method and class, a column per band (EEG "
             "bands), channels placed at their 10-20 positions (MNE's template montage) and "
             "interpolated between them. Each method is divided by its largest absolute channel "
             "value (one colour scale per method): red raises the class's score, blue lowers it. "
             "Black dots: channels whose band relevance is significant for the class (t-test over "
             "the class's signals, 5 %, Bonferroni over the bands). Of the references only "
             "amplitude is drawn (where the energy is)."))
def _draw_topomaps(ctx: FigureContext) -> list[WrittenFigure]:
    from ..topomap import report_topomaps

    path, note = report_topomaps(ctx.path("topomaps", ctx.domain), ctx.rows, ctx.methods,
                                 ctx.refs, channel_names=_names(ctx.attrs.get("channel_names")))
    if note:
        ctx.notes["topomaps"] = note
    return [ctx.record("topomaps", path, ctx.domain)] if path else []


@register_figure(
    "curves", title="Deletion and insertion curves", needs=("curves",),
    caption=("Mean curve of every method over the test signals; the legend gives the mean area "
             "under each curve (AUC). References grey and dashed."),
    captions=_CURVE_CAPTIONS)
def _draw_curves(ctx: FigureContext) -> list[WrittenFigure]:
    return [ctx.record("curves", path, domain, part=metric) for metric, domain, path in
            _write_curve_figures(ctx.run_dir, ctx.store, ctx.cfg, ctx.methods, ctx.refs)]


@register_figure(
    "examples", title="Relevance per class",
    caption=("Class-average relevance (channels summed) of every method, each divided by its "
             "largest absolute class average (one colour scale or y-axis for all). Maps: "
             "columns are classes, rows methods; grey cells are not significant (t-test over "
             "the class's signals, 5 %, Bonferroni over the map's cells; references and "
             "classes of one signal are not tested). Lines: one per class, ± one standard "
             "error shaded, significant entries dotted."))
def _draw_examples(ctx: FigureContext) -> list[WrittenFigure]:
    return [ctx.record("examples", path, d) for d, path in _write_class_figures(
        ctx.run_dir, ctx.store, ctx.attrs, ctx.domains, ctx.methods, ctx.refs)]


@register_figure(
    "sanity", title="Sanity checks", needs=("sanity",),
    caption=("Parameter randomization per method (one panel each): the Spearman rank "
             "correlation of |relevance| with the trained model's map as the layers are "
             "re-initialized from the output down (cascading), a line per domain, ± one standard "
             "error; squares: the model retrained on permuted labels. Grey line: the threshold "
             "above which a method survives (dashed lines, hollow points, red titles)."))
def _draw_sanity(ctx: FigureContext) -> list[WrittenFigure]:
    path = _sanity_figure(ctx.path("sanity"), ctx.store, ctx.methods, ctx.refs)
    return [ctx.record("sanity", path)] if path else []


# -- drawing ---------------------------------------------------------------------------------------

def _sanity_figure(path: Path, store: ResultStore, methods: list[str], refs: set[str]
                   ) -> Path | None:
    """``sanity.png``: a panel per checked method (:func:`freqxai.sanity.plot_randomization`),
    a line per domain over the randomized layers and, where the run retrained its model on
    permuted labels, a square per domain; the panel's title says whether the method passes or
    survives. None when the run has no sanity tables."""
    from ..plotting import outer_ticks_only, panel_grid, save_figure
    from ..runner.sanity_phase import read_sanity
    from ..sanity import plot_randomization

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


def _significance_legend(fig, *, grey: str | None, dot: str | None, x: float = 0.0,
                         fontsize: float = 7) -> None:
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
                   fontsize=fontsize, frameon=False, handlelength=1.2, borderaxespad=0.2)


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
    label_in = 0.15 + 0.07 * max(len(c) for c in classes)
    band_in = 0.15 + 0.05 * max(len(_short_band(b, unit)) for b in bands)
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
                                  significant=None if m in refs else sig, fontsize=8.5,
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
                             rows["relevance"].to_numpy(float)).any() else None, fontsize=7.5)
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
                         refs: set[str]) -> list[tuple[str, str, Path]]:
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
                curves[m] = _mean_rows(store.rows(f"units/{unit}/{key}"))
                labels[m] = f"{m} (AUC {_nanmean(store.rows(f'units/{unit}/{name}')):.3f})"
            if not curves:
                continue
            fig, (ax,), _ = panel_grid(1, ncols=1, panel=(3.6, 2.6), margins=(0.6, 1.75, 0.3, 0.5))
            action = "kept" if metric_class(name).higher_is_better else "removed"
            plot_curves(ax, fractions, curves, f"fraction of coefficients {action}",
                        "probability of the target class", references=refs, labels=labels,
                        legend="outside", title=f"{name}, {domain} domain")
            paths.append((name, domain,
                          save_figure(fig, run_dir / f"{name}_{domain}.png", dpi=_DPI)))
    return paths


def _mean_rows(rows) -> np.ndarray:
    """The mean over the inputs (axis 0) of a per-input dataset read a slice at a time."""
    total, n = None, 0
    for _, part in rows.chunks():
        part_sum = np.asarray(part).sum(axis=0)
        total = part_sum if total is None else total + part_sum
        n += len(part)
    return total / n


def _nanmean(rows) -> float:
    """``np.nanmean`` of a per-input dataset read a slice at a time."""
    total, count = 0.0, 0
    for _, part in rows.chunks():
        part = np.asarray(part)
        nan = np.isnan(part)
        total = total + np.sum(np.where(nan, 0.0, part))
        count += int((~nan).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.float64(total) / count) if count else float("nan")


def _class_statistics(chunks: Iterable[tuple[slice, np.ndarray]], y: np.ndarray,
                      classes: np.ndarray, test: bool):
    """Per class the mean and standard error of the per-input maps ``(rows, ...)`` that
    ``chunks`` gives a slice of inputs at a time (``(slice, maps)``), and where the mean differs
    from 0: a two-sided t-test over the class's inputs at 5 %, Bonferroni over the entries of one
    map (None for a class of one input, or without ``test``). Only running sums per class are
    kept (:class:`freqxai._stream.Moments`)."""
    from scipy.special import stdtr  # (scipy.stats takes a second to import)

    from .._stream import Moments
    from ..summary import ALPHA

    moments = {int(c): Moments() for c in classes}
    inputs = dict.fromkeys(moments, 0)
    shape: tuple[int, ...] = ()
    for sl, rel in chunks:
        rel = np.asarray(rel, dtype=np.float64)
        shape = rel.shape[1:]
        part = y[sl]
        for c in classes:
            members = part == c
            if members.any():
                moments[int(c)].add(rel[members])
                inputs[int(c)] += int(members.sum())
    means, errors, significant = [], [], []
    n_entries = int(np.prod(shape))
    for c in classes:
        m, k = moments[int(c)], inputs[int(c)]
        means.append(m.mean)
        if k < 2:
            errors.append(np.zeros(shape))
            significant.append(None)
            continue
        sem = m.sem()
        errors.append(sem)
        if not test:
            significant.append(None)
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            p = 2 * stdtr(k - 1, -np.abs(means[-1] / sem))  # two-sided t-test
        p = np.where(sem > 0, p, np.where(means[-1] != 0, 0.0, 1.0))  # exact values: no spread
        significant.append(p < ALPHA / n_entries)
    return np.stack(means), np.stack(errors), significant


def _profile_chunks(store: ResultStore, method: str, domain: Any, lengths: np.ndarray,
                    fs: float | None, additive: bool) -> Iterator[tuple[slice, np.ndarray]]:
    """Series of unequal length: every series' frequency profile on the longest series' grid
    (:func:`freqxai.ragged.common_profile`), a slice of series at a time."""
    from ..ragged import common_profile

    longest = int(lengths.max())
    grid_shape = tuple(domain.coefficient_shape(longest))
    for sl, rel in store.relevance_rows(method, domain).chunks():
        # common_profile interpolates onto the grid of the longest series it is given: a zero
        # series of the run's longest length (dropped again) puts every slice on the same grid
        pad = np.zeros((rel[0].shape[0], *grid_shape))
        profiles = common_profile([*rel, pad], domain, [*lengths[sl], longest], fs,
                                  additive=additive)[0]
        yield sl, profiles[:-1]


def _write_class_figures(run_dir: Path, store: ResultStore, attrs: dict, domains: dict,
                         methods: list[str], refs: set[str]) -> list[tuple[str, Path]]:
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

    y = np.asarray(store.read_data("y")).astype(int)
    length = int(store.data_shape("X")[-1])
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
        for m in methods:  # a slice of signals at a time: channels summed, or each series'
            if lengths is None:  # frequency profile on the longest series' grid
                chunks = ((sl, np.asarray(rel, dtype=np.float64).sum(axis=1)) for sl, rel
                          in store.rows(f"units/{unit_name(m, d)}/relevance").chunks())
            else:
                chunks = _profile_chunks(store, m, domain, lengths, fs,
                                         additive=bool(explainer_class(m).additive))
            mean, err, sig = _class_statistics(chunks, y, classes, test=m not in refs)
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
        paths.append((d, save_figure(fig, run_dir / f"examples_{d}.png", dpi=_DPI)))
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




_OUTPUT_NAMES = {"margin": "log-probability margin", "logit": "logit",
                 "probability": "probability"}


def _band_tick(name: str, low: float, high: float, unit: str) -> str:
    """A band's tick label: its edges without the unit (the axis label gives it once), under its
    name where the name does not give them (DC, EEG bands)."""
    short = _short_band(name, unit)
    return short if short != name or not unit else f"{name}\n{low:.3g}–{high:.3g}"


def _separating_figure(path: Path, ctx) -> Path | None:
    """Grouped bars: per band (x, labelled in the frequency unit), one bar per class with the
    class's mean band Shapley value ± its standard error (channel ``all``, the answer's domain);
    the bands :func:`freqxai.answer.separating_bands` ranks first shaded and numbered. None
    where the table holds no band of every class."""
    from matplotlib.patches import Patch

    from ..answer import separating_bands
    from ..plotting import panel_grid, save_figure
    from .tables import method_settings

    sep = separating_bands(ctx.table, method="shapley", domain=ctx.domain)
    if sep.empty:
        return None
    rows = ctx.rows[(ctx.rows["method"] == "shapley") & (ctx.rows["channel"] == "all")]
    unit = str(ctx.table.attrs.get("frequency_unit")
               or (rows["unit"].iloc[0] if "unit" in rows else ""))
    classes = list(dict.fromkeys(rows["class"].astype(str)))
    bands = list(dict.fromkeys(rows["band"]))
    values = _cube(rows, "relevance", ["shapley"], classes, ["all"], bands)[0, :, 0]
    errors = _cube(rows, "standard_error", ["shapley"], classes, ["all"], bands)[0, :, 0]
    first = rows.drop_duplicates("band").set_index("band")
    ticks = [_band_tick(str(b), float(first.loc[b, "low_hz"]), float(first.loc[b, "high_hz"]),
                        unit) for b in bands]
    marked = {b: k for k, b in enumerate(sep["band"].head(TOP_SEPARATING), start=1)}
    settings = method_settings(ctx.cfg, int(ctx.store.data_shape("X")[-1]),
                               forward_flops=ctx.attrs.get("forward_flops") or None)
    output = (settings or {}).get("shapley", {}).get("output") or _default("shapley", "output")
    n_classes, n_bands = len(classes), len(bands)
    group = 0.82  # of the unit between bands: the bars of one band
    width = group / n_classes
    legend_in = 0.35 + 0.075 * max(len(c) for c in classes)
    chars = max(len(line) for t in ticks for line in t.split("\n"))
    per_band = max(0.11 * n_classes + 0.22, 0.075 * chars + 0.1)  # inches: bars, or the label
    panel_w = min(10.0, max(4.0, n_bands * per_band))
    rotate = panel_w / n_bands < 0.075 * chars + 0.1  # (capped: labels slant instead)
    bottom = 0.45 + 0.05 * chars if rotate else 0.5 + 0.15 * any("\n" in t for t in ticks)
    fig, (ax,), lay = panel_grid(1, ncols=1, panel=(panel_w, 2.2),
                                 margins=(0.85, legend_in, 0.55, bottom))
    fig.text(0.01, 1 - 0.08 / lay["size"][1], "What separates the classes: band Shapley value "
             "per class", ha="left", va="top", fontsize=9.5)
    x = np.arange(n_bands)
    for b in marked:
        i = bands.index(b)
        ax.axvspan(i - 0.47, i + 0.47, color="#fbe7b0", lw=0, zorder=0)
        ax.text(i, 1.01, f"#{marked[b]}", transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=8.5, fontweight="bold", color="#8a5a00")
    for j, cls in enumerate(classes):
        offset = (j - (n_classes - 1) / 2) * width
        err = np.where(np.isfinite(errors[j]), errors[j], 0.0)
        ax.bar(x + offset, values[j], width=width * 0.92, color=f"C{j % 10}", label=cls,
               yerr=err, error_kw={"lw": 0.7, "capsize": 0, "ecolor": "0.25"}, zorder=2)
    ax.axhline(0, color="0.4", lw=0.6, zorder=1)
    ax.set_xlim(-0.5, n_bands - 0.5)
    if rotate:
        ax.set_xticks(x, [t.replace("\n", " ") for t in ticks], fontsize=8, rotation=35,
                      ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(x, ticks, fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.tick_params(axis="x", length=0, pad=3)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.set_xlabel(f"band [{unit}]" if unit else "band", fontsize=8.5)
    ax.set_ylabel(f"band Shapley value\n({_OUTPUT_NAMES.get(output, output)})", fontsize=8.5)
    handles = [Patch(facecolor=f"C{j % 10}", label=c) for j, c in enumerate(classes)]
    handles.append(Patch(facecolor="#fbe7b0", label="separates\nthe classes"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False, handlelength=1.0, borderaxespad=0.2, title="class",
              title_fontsize=8, alignment="left")
    return save_figure(fig, path, dpi=_DPI)


def _default(method: str, parameter: str) -> Any:
    """The default of an explainer's constructor parameter."""
    import inspect

    from ..explainers import explainer_class

    found = inspect.signature(explainer_class(method).__init__).parameters.get(parameter)
    return None if found is None or found.default is inspect.Parameter.empty else found.default

"""Figures a person wants to look at: signals, relevance per frequency in physical units,
time-frequency relevance over a spectrogram, and deletion/insertion curves.

Every function draws on a given matplotlib ``Axes`` (Captum/Zennit leave layout to the user) and
returns it; :func:`save_figure` writes atomically with the non-interactive Agg backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._io import atomic_path

__all__ = [
    "plot_signal",
    "plot_frequency_relevance",
    "plot_time_frequency_relevance",
    "plot_curves",
    "plot_relevance_line",
    "plot_channel_band_heatmap",
    "plot_class_profiles",
    "plot_relevance_image",
    "relevance_cmap",
    "add_colorbar",
    "panel_grid",
    "outer_ticks_only",
    "NOT_SIGNIFICANT_COLOR",
    "save_figure",
    "new_figure",
    "frequency_unit",
    "time_unit",
    "axis_label",
]


# Cells that are not significant (or have no value) are drawn in this grey on relevance maps.
NOT_SIGNIFICANT_COLOR = (0.82, 0.82, 0.82)
# Line styles told apart in print and for colour-blind readers: methods cycle colour and marker;
# references are grey and dashed, so they read as baselines.
_MARKERS = "osD^vP<>X*hp"
_REFERENCE_GREYS = ("0.35", "0.6", "0.45", "0.7")


def relevance_cmap():
    """The diverging map of every relevance image (``RdBu_r``: red raises the class score, blue
    lowers it), NaN cells in :data:`NOT_SIGNIFICANT_COLOR`.

    Examples
    --------
    >>> from freqxai.plotting import NOT_SIGNIFICANT_COLOR, relevance_cmap
    >>> cmap = relevance_cmap()
    >>> cmap.name
    'RdBu_r'
    >>> tuple(float(c) for c in cmap.get_bad()[:3]) == NOT_SIGNIFICANT_COLOR  # NaN cells
    True
    """
    from matplotlib import colormaps

    return colormaps["RdBu_r"].with_extremes(bad=NOT_SIGNIFICANT_COLOR)


def add_colorbar(fig, mappable, rect: Sequence[float], label: str):
    """A vertical colorbar in ``rect`` (figure fractions ``left, bottom, width, height``);
    placed by hand because constrained layout costs seconds on figures of many panels.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai.plotting import add_colorbar, relevance_cmap
    >>> fig = plt.figure(figsize=(4, 3))
    >>> ax = fig.add_axes([0.1, 0.1, 0.7, 0.8])
    >>> image = ax.imshow(np.eye(4) - 0.5, cmap=relevance_cmap(), vmin=-1, vmax=1)
    >>> bar = add_colorbar(fig, image, [0.85, 0.1, 0.03, 0.8], "relevance")
    >>> bar.ax.get_ylabel(), len(fig.axes)
    ('relevance', 2)
    >>> plt.close(fig)
    """
    cax = fig.add_axes(list(rect))
    bar = fig.colorbar(mappable, cax=cax)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7.5)
    return bar


def panel_grid(n: int, *, ncols: int, panel: tuple[float, float],
               margins: tuple[float, float, float, float], space: tuple[float, float] = (0.15, 0.3)):
    """A figure of ``n`` equal panels in rows of ``ncols``, laid out by hand in inches.

    Parameters
    ----------
    panel : (width, height)
        Size of each panel in inches.
    margins : (left, right, top, bottom)
        In inches: room for row labels, a colorbar or legend, titles and tick labels.
    space : (horizontal, vertical)
        Gaps between panels in inches.

    Returns
    -------
    fig, list of Axes, dict
        The layout in figure fractions: ``right`` (right edge of the panels), ``bottom``,
        ``top``, ``left``, and ``size`` (width, height in inches). Axes are not shared (shared
        axes draw every tick of every panel); :func:`outer_ticks_only` clears the inner ones.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.plotting import panel_grid
    >>> fig, axes, layout = panel_grid(5, ncols=3, panel=(1.5, 1.0),
    ...                                margins=(0.5, 0.2, 0.3, 0.4))
    >>> len(axes)                       # 2 rows of 3, the last row of 2
    5
    >>> [round(s, 2) for s in layout["size"]]   # 0.5 + 3 x 1.5 + 2 x 0.15 + 0.2 inches wide
    [5.5, 3.0]
    >>> plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    ncols = max(1, min(int(ncols), int(n)))
    nrows = -(-int(n) // ncols)
    (pw, ph), (left, right, top, bottom), (ws, hs) = panel, margins, space
    width = left + ncols * pw + (ncols - 1) * ws + right
    height = top + nrows * ph + (nrows - 1) * hs + bottom
    fig = plt.figure(figsize=(width, height))
    axes = []
    for i in range(int(n)):
        r, c = divmod(i, ncols)
        rect = [(left + c * (pw + ws)) / width, 1 - (top + r * (ph + hs) + ph) / height,
                pw / width, ph / height]
        axes.append(fig.add_axes(rect))
    layout = {"left": left / width, "right": (left + ncols * pw + (ncols - 1) * ws) / width,
              "bottom": bottom / height, "top": 1 - top / height, "size": (width, height)}
    return fig, axes, layout


def outer_ticks_only(axes: Sequence, ncols: int, *, x: bool = True, y: bool = True) -> None:
    """Remove the ticks of inner panels of a :func:`panel_grid` (y: all but the first column;
    x: all but the lowest panel of each column): panels with equal axes need them once.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.plotting import outer_ticks_only, panel_grid
    >>> fig, axes, _ = panel_grid(4, ncols=2, panel=(1.5, 1.0), margins=(0.5, 0.2, 0.3, 0.4))
    >>> outer_ticks_only(axes, ncols=2)
    >>> [len(ax.get_yticks()) > 0 for ax in axes]     # y ticks in the first column only
    [True, False, True, False]
    >>> [len(ax.get_xticks()) > 0 for ax in axes]     # x ticks in the lowest row only
    [False, False, True, True]
    >>> plt.close(fig)
    """
    n = len(axes)
    for i, ax in enumerate(axes):
        if y and i % ncols:
            ax.set_yticks([])
        if x and i + ncols < n:
            ax.set_xticks([])


def frequency_unit(fs: float | None) -> str:
    """Unit of every domain's frequency axis: ``"Hz"`` with a sampling rate, else
    ``"cycles/sample"`` (the axes of ``fs=1``).

    Examples
    --------
    >>> from freqxai.plotting import frequency_unit
    >>> frequency_unit(128.0), frequency_unit(None)
    ('Hz', 'cycles/sample')
    """
    return "Hz" if fs else "cycles/sample"


def time_unit(fs: float | None) -> str:
    """Unit of every domain's time axis: ``"s"`` with a sampling rate, else ``"samples"``.

    Examples
    --------
    >>> from freqxai.plotting import time_unit
    >>> time_unit(128.0), time_unit(None)
    ('s', 'samples')
    """
    return "s" if fs else "samples"


def axis_label(name: str, fs: float | None) -> str:
    """``"frequency [Hz]"``, ``"time [samples]"``, ...: a domain axis name with its unit.

    Examples
    --------
    >>> from freqxai.plotting import axis_label
    >>> axis_label("frequency", 128.0), axis_label("time", None), axis_label("scale", 128.0)
    ('frequency [Hz]', 'time [samples]', 'scale')
    """
    unit = {"frequency": frequency_unit, "time": time_unit}.get(name)
    return f"{name} [{unit(fs)}]" if unit else name


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """A figure and axes on the Agg backend (no display needed).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.plotting import new_figure
    >>> fig, axes = new_figure(2, 3, figsize=(6, 3))
    >>> axes.shape                      # always a 2-D array of axes (squeeze=False)
    (2, 3)
    >>> plt.close(fig)
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    kwargs.setdefault("squeeze", False)
    kwargs.setdefault("constrained_layout", True)
    return plt.subplots(nrows, ncols, **kwargs)


def save_figure(fig, path: str | Path, dpi: int = 100) -> Path:
    """Save ``fig`` atomically and close it.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.plotting import new_figure, save_figure
    >>> fig, axes = new_figure()
    >>> path = save_figure(fig, "figure.png", dpi=50)
    >>> path.name, path.is_file(), plt.fignum_exists(fig.number)   # written, and closed
    ('figure.png', True, False)
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path


def _label(ax, xlabel: str, ylabel: str, title: str | None):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_signal(ax, signal: np.ndarray, fs: float | None = None, title: str | None = None):
    """Plot a 1-D signal against time in seconds (or samples without ``fs``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.plotting import plot_signal
    >>> from freqxai.testing import TONE_FS, tone_in_one_band
    >>> x, y = tone_in_one_band(2, seed=0)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_signal(ax, x[1, 0], fs=TONE_FS, title="class 1: a 9-15 Hz tone in noise")
    >>> ax.get_xlabel(), ax.get_title()
    ('time [s]', 'class 1: a 9-15 Hz tone in noise')
    >>> plt.close(fig)
    """
    signal = np.asarray(signal).reshape(-1)
    t = np.arange(signal.size) / fs if fs else np.arange(signal.size)
    ax.plot(t, signal, lw=0.6, color="0.2")
    return _label(ax, axis_label("time", fs), "amplitude", title)


def plot_frequency_relevance(
    ax,
    frequencies: np.ndarray,
    relevance: np.ndarray,
    marks: Sequence[float] = (),
    unit: str = "Hz",
    max_frequency: float | None = None,
    title: str | None = None,
    errors: np.ndarray | None = None,
):
    """Bar plot of relevance per frequency bin, with ground-truth frequencies marked.

    Parameters
    ----------
    frequencies : array (n_bins,)
        Bin centres, e.g. from ``domain.axes(length, fs)["frequency"]``.
    relevance : array (n_bins,)
        Relevance per bin (sum channels first if there are several).
    marks : sequence of float
        Frequencies to mark with dashed lines (e.g. the true class frequencies).
    unit : str
        Unit of ``frequencies`` for the label; :func:`frequency_unit` gives the domains' unit
        (``"Hz"`` with a sampling rate, ``"cycles/sample"`` without).
    errors : array (n_bins,), optional
        Standard errors, drawn as error bars (a shaded band above 256 bins).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai import get_explainer
    >>> from freqxai.domains import get_domain
    >>> from freqxai.plotting import plot_frequency_relevance
    >>> from freqxai.testing import TONE_FS, BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(2, seed=0)
    >>> relevance = get_explainer("gxi", BinPowerModel(k=24)).attribute(x, target=0)
    >>> frequencies = get_domain("fft").axes(256, TONE_FS)["frequency"]   # 0, 0.5, ... 64 Hz
    >>> fig, ax = plt.subplots()
    >>> ax = plot_frequency_relevance(ax, frequencies, relevance[0, 0], marks=[12.0])
    >>> ax.get_xlabel(), len(ax.patches)              # one bar per rFFT bin
    ('frequency [Hz]', 129)
    >>> plt.close(fig)
    """
    frequencies = np.asarray(frequencies)
    relevance = np.asarray(relevance).reshape(-1)
    keep = frequencies <= max_frequency if max_frequency is not None else slice(None)
    f, r = frequencies[keep], relevance[keep]
    e = None if errors is None else np.asarray(errors, dtype=float).reshape(-1)[keep]
    if f.size > 256:  # thousands of bars render slowly and unreadably: draw a filled curve
        ax.fill_between(f, 0, np.maximum(r, 0), color="tab:red", lw=0, step="mid")
        ax.fill_between(f, 0, np.minimum(r, 0), color="tab:blue", lw=0, step="mid")
        if e is not None:
            ax.fill_between(f, r - e, r + e, color="0.3", alpha=0.35, lw=0, step="mid",
                            label="± 1 standard error")
    else:
        width = float(np.median(np.diff(f))) if f.size > 1 else 1.0
        ax.bar(f, r, width=width, color=np.where(r >= 0, "tab:red", "tab:blue"), linewidth=0)
        if e is not None:
            ax.errorbar(f, r, yerr=e, fmt="none", ecolor="0.2", elinewidth=0.7, capsize=1.5,
                        label="± 1 standard error")
    for i, m in enumerate(marks):
        ax.axvline(m, color="k", ls="--", lw=0.8, label="true frequency" if i == 0 else None)
    if len(marks) or e is not None:
        ax.legend(fontsize=7, loc="upper right")
    return _label(ax, f"frequency [{unit}]", "relevance", title)


def plot_time_frequency_relevance(
    ax,
    spectrogram: np.ndarray | None,
    relevance: np.ndarray,
    frequencies: np.ndarray,
    times: np.ndarray,
    alpha: float = 0.9,
    title: str | None = None,
    max_frequency: float | None = None,
    frequency_unit: str = "Hz",
    time_unit: str = "s",
    significant: np.ndarray | None = None,
):
    """Log-magnitude spectrogram in grey with the relevance overlaid where it is high.

    The overlay shows relevance above its median, scaled to [0, 1] and used as both colour and
    opacity, so the spectrogram stays visible wherever the explanation says nothing. Without a
    spectrogram the relevance is drawn alone.

    Parameters
    ----------
    spectrogram : array (n_freq, n_frames) or None
    relevance : array (n_freq, n_frames)
    frequencies, times : arrays of the two axes (e.g. ``STFT.axes(length, fs)``)
    significant : bool array (n_freq, n_frames), optional
        Cells whose relevance is significant (e.g. ``|z| > 3``); the others are greyed out and get
        no colour, so Monte-Carlo noise is not painted as hot spots.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import torch
    >>> from freqxai import get_explainer
    >>> from freqxai.domains import STFT
    >>> from freqxai.plotting import plot_time_frequency_relevance
    >>> from freqxai.testing import TONE_FS, BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(2, seed=0)
    >>> stft = STFT(n_fft=32, hop_length=8)
    >>> explainer = get_explainer("gxi", BinPowerModel(k=24), domain=stft)
    >>> relevance = explainer.attribute(x, target=0)
    >>> spectrogram = stft.forward(torch.from_numpy(x)).abs()
    >>> axes = stft.axes(256, TONE_FS)
    >>> relevance.shape, [len(a) for a in axes.values()]   # 17 frequencies x 33 frames
    ((2, 1, 17, 33), [17, 33])
    >>> fig, ax = plt.subplots()
    >>> ax = plot_time_frequency_relevance(ax, spectrogram[1, 0], relevance[1, 0],
    ...                                    axes["frequency"], axes["time"])
    >>> ax.get_ylabel(), len(ax.images)      # the spectrogram and the relevance over it
    ('frequency [Hz]', 2)
    >>> plt.close(fig)
    """
    from matplotlib import colormaps

    extent = (times[0], times[-1], frequencies[0], frequencies[-1])
    if spectrogram is not None:
        spec_db = 20 * np.log10(np.abs(np.asarray(spectrogram)) + 1e-8)
        ax.imshow(spec_db, origin="lower", aspect="auto", extent=extent, cmap="gray_r",
                  vmin=spec_db.max() - 80, vmax=spec_db.max())
    rel = np.asarray(relevance, dtype=float)
    base = np.median(rel)
    span = rel.max() - base
    level = np.clip((rel - base) / span, 0, 1) if span > 0 else np.zeros_like(rel)
    rgba = colormaps["plasma"](level)
    rgba[..., 3] = alpha * level
    if significant is not None:
        grey = ~np.asarray(significant, dtype=bool)
        rgba[grey] = (0.75, 0.75, 0.75, 0.55)
    ax.imshow(rgba, origin="lower", aspect="auto", extent=extent)
    if max_frequency is not None:
        ax.set_ylim(frequencies[0], max_frequency)
    return _label(ax, f"time [{time_unit}]", f"frequency [{frequency_unit}]", title)


def plot_relevance_line(ax, coordinates: np.ndarray, relevance: np.ndarray, xlabel: str = "",
                        title: str | None = None):
    """Relevance against one coefficient axis (e.g. time samples) as a line.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai import get_explainer
    >>> from freqxai.plotting import plot_relevance_line
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(2, seed=0)
    >>> model = BinPowerModel(k=24)
    >>> relevance = get_explainer("gxi", model, domain="time").attribute(x, target=0)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_relevance_line(ax, np.arange(256), relevance[1, 0], xlabel="time [samples]")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('time [samples]', 'relevance')
    >>> plt.close(fig)
    """
    ax.plot(np.asarray(coordinates), np.asarray(relevance).reshape(-1), lw=0.8, color="tab:red")
    ax.axhline(0, color="0.6", lw=0.5)
    return _label(ax, xlabel, "relevance", title)


def plot_relevance_image(ax, relevance: np.ndarray, x: np.ndarray, y: np.ndarray,
                         xlabel: str = "", ylabel: str = "", title: str | None = None, *,
                         limit: float | None = None, significant: np.ndarray | None = None):
    """Relevance over two coefficient axes ``(len(y), len(x))`` as an image, 0 at the centre of a
    diverging colour map.

    Parameters
    ----------
    limit : float, optional
        Colour limits ``(-limit, limit)``, e.g. shared by several panels (default: the largest
        absolute value of this one).
    significant : bool array like ``relevance``, optional
        Cells outside it are drawn in :data:`NOT_SIGNIFICANT_COLOR` instead of their colour.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai.plotting import plot_relevance_image
    >>> relevance = np.outer(np.hanning(17), np.ones(33)) - 0.25   # (frequencies, frames)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_relevance_image(ax, relevance, x=np.arange(33) / 16, y=np.arange(17) * 4,
    ...                           xlabel="time [s]", ylabel="frequency [Hz]",
    ...                           significant=relevance > 0)
    >>> ax.images[0].get_clim()            # 0 at the centre of the colour map
    (-0.75, 0.75)
    >>> plt.close(fig)
    """
    rel = np.asarray(relevance, dtype=float)
    if significant is not None:
        rel = np.where(np.asarray(significant, dtype=bool), rel, np.nan)
    if limit is None:
        finite = np.abs(rel[np.isfinite(rel)])
        limit = float(finite.max()) if finite.size else 1.0
    ax.imshow(rel, origin="lower", aspect="auto", cmap=relevance_cmap(), vmin=-(limit or 1.0),
              vmax=limit or 1.0, extent=(x[0], x[-1], y[0], y[-1]), interpolation="nearest")
    return _label(ax, xlabel, ylabel, title)


def plot_curves(ax, x: np.ndarray, curves: dict[str, np.ndarray], xlabel: str, ylabel: str,
                title: str | None = None, *, references: Sequence[str] = (),
                labels: dict[str, str] | None = None, legend: str = "inside"):
    """Line plot of several named curves (e.g. deletion curves per method).

    Each curve gets its own colour and marker, so coinciding curves still show both markers;
    curves named in ``references`` are grey and dashed. ``labels`` replaces names in the legend
    (e.g. with the area under each curve); ``legend="outside"`` puts it right of the axes.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai.plotting import plot_curves
    >>> fractions = np.linspace(0, 0.95, 20)
    >>> curves = {"gxi": 1 - fractions, "random": np.full(20, 0.5)}
    >>> fig, ax = plt.subplots()
    >>> ax = plot_curves(ax, fractions, curves, "share deleted", "probability",
    ...                  references=["random"], labels={"gxi": "gxi (AUC 0.52)"})
    >>> [line.get_linestyle() for line in ax.get_lines()]     # the reference dashed
    ['-', '--']
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['gxi (AUC 0.52)', 'random']
    >>> plt.close(fig)
    """
    labels = labels or {}
    k = g = 0
    for name, y in curves.items():
        if name in references:
            style = {"color": _REFERENCE_GREYS[g % len(_REFERENCE_GREYS)], "ls": "--", "lw": 1.4,
                     "marker": None}
            g += 1
        else:
            style = {"color": f"C{k % 10}", "ls": "-", "lw": 1.2,
                     "marker": _MARKERS[k % len(_MARKERS)], "ms": 4, "mfc": "none", "mew": 0.9}
            k += 1
        ax.plot(x, y, label=labels.get(name, name), **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend == "outside":
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    else:
        ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_channel_band_heatmap(ax, matrix: np.ndarray, channel_names: Sequence[str],
                              band_names: Sequence[str], title: str | None = None, *,
                              limit: float | None = None, significant: np.ndarray | None = None,
                              fontsize: float = 7, xlabels: bool = True, ylabels: bool = True):
    """Relevance per row (channel, class, ...) and band ``(rows, bands)`` as a heatmap (0 at the
    centre of a diverging colour map), with row and band names on the axes.

    Parameters
    ----------
    limit : float, optional
        Colour limits ``(-limit, limit)`` shared with other panels (default: this matrix's
        largest absolute value). NaN cells (a band without coefficients) are grey.
    significant : bool array ``(rows, bands)``, optional
        Cells marked with a black dot.
    xlabels, ylabels : bool
        Draw the band (x) and row (y) names; inner panels of a grid leave them to their
        neighbours (ticks are the slow part of a many-panel figure).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai.plotting import plot_channel_band_heatmap
    >>> matrix = np.array([[0.1, 0.9], [0.0, -0.2], [0.3, 0.4]])   # (channels, bands)
    >>> fig, ax = plt.subplots()
    >>> ax = plot_channel_band_heatmap(ax, matrix, ["O1", "O2", "Cz"], ["theta", "alpha"],
    ...                                significant=matrix > 0.5)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['O1', 'O2', 'Cz']
    >>> plt.close(fig)
    """
    m = np.asarray(matrix, dtype=float)
    if m.shape != (len(channel_names), len(band_names)):
        raise ValueError(f"matrix of shape {m.shape} does not fit {len(channel_names)} channel and "
                         f"{len(band_names)} band names")
    if limit is None:
        finite = np.abs(m[np.isfinite(m)])
        limit = float(finite.max()) if finite.size else 1.0
    ax.imshow(m, aspect="auto", cmap=relevance_cmap(), vmin=-(limit or 1.0), vmax=limit or 1.0,
              interpolation="nearest")
    if significant is not None:
        rows, cols = np.nonzero(np.asarray(significant, dtype=bool))
        ax.scatter(cols, rows, s=9, c="k", marker="o", linewidths=0)
    if xlabels:
        ax.set_xticks(range(len(band_names)), band_names, rotation=45, ha="right",
                      fontsize=fontsize - 1)
    else:
        ax.set_xticks([])
    if ylabels:
        ax.set_yticks(range(len(channel_names)), channel_names, fontsize=fontsize)
    else:
        ax.set_yticks([])
    ax.tick_params(length=2, pad=1)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_class_profiles(ax, frequencies: np.ndarray, profiles: np.ndarray, errors: np.ndarray,
                        class_names: Sequence[str], unit: str = "Hz", title: str | None = None, *,
                        significant: np.ndarray | None = None, legend: bool = True,
                        xlabel: str | None = None, ylabel: str = "mean relevance ± s.e."):
    """Class-average relevance per frequency ``(classes, freq)`` with standard errors as bands;
    entries of ``significant`` (bool, like ``profiles``) are marked with dots.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from freqxai.plotting import plot_class_profiles
    >>> frequencies = np.arange(0, 64.5, 0.5)                    # 129 rFFT bins at 128 Hz
    >>> profiles = np.stack([np.zeros(129), np.exp(-((frequencies - 12) / 2) ** 2)])
    >>> fig, ax = plt.subplots()
    >>> ax = plot_class_profiles(ax, frequencies, profiles, 0.1 * np.ones((2, 129)),
    ...                          ["noise", "tone"], significant=profiles > 0.5)
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_xlabel()
    (['noise', 'tone'], 'frequency [Hz]')
    >>> plt.close(fig)
    """
    f = np.asarray(frequencies, dtype=float)
    sig = None if significant is None else np.asarray(significant, dtype=bool)
    for i, (name, prof, err) in enumerate(zip(class_names, np.asarray(profiles), np.asarray(errors),
                                              strict=True)):
        line, = ax.plot(f, prof, lw=1.1, label=str(name))
        ax.fill_between(f, prof - err, prof + err, color=line.get_color(), alpha=0.25, lw=0)
        if sig is not None and sig[i].any():
            ax.plot(f[sig[i]], prof[sig[i]], "o", ms=2.5, color=line.get_color())
    ax.axhline(0, color="0.6", lw=0.5)
    if legend:
        ax.legend(fontsize=6)
    return _label(ax, f"frequency [{unit}]" if xlabel is None else xlabel, ylabel, title)

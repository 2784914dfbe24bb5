"""Scalp maps of band relevance: where on the head each band drives each class.

For EEG with standard 10-20 / 10-10 electrode names, :func:`plot_topomaps` draws the per-channel
rows of a :func:`freqxai.summary.summarize` table as topographic maps, one map per method x
class x band: electrodes at the positions of MNE's template 10-05 montage (it ships in MNE's
wheel: no download), projected onto the scalp as ``mne.viz.plot_topomap`` projects them, values
interpolated linearly between them (:class:`ScalpGrid`; computed once per figure, where
``plot_topomap`` triangulates again for every map: about 20 times faster, measured in one process
on 10 maps, which a report of 7 methods x 2 classes x 7 bands needs). Each method is divided by its largest absolute
channel value over its maps (one colour scale per method; methods' raw scales differ by orders of
magnitude), and channels whose band relevance is significant for the class (the table's
``significant``: t-test over the class's inputs, 5 %, Bonferroni over the bands) are marked.

Needs ``mne`` (``pip install "freqxai[eeg]"``). Channels are placed only by their names:
:func:`electrode_positions` says which names it cannot place (MEG sensors, bipolar pairs of
different electrodes, electrodes off the template); the maps are drawn when at least three
channels and at least half of them are placed, else :func:`topomap_problem` says why not.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._checks import check_number, check_positive_int

__all__ = ["electrode_positions", "topomap_problem", "plot_topomaps", "report_topomaps",
           "sensor_positions", "ScalpGrid", "MIN_CHANNELS", "MIN_RES", "MIN_DPI"]

MIN_CHANNELS = 3  # fewer electrodes draw no map worth reading
# the smallest ScalpGrid: at res=2 both pixels of each axis lie at the corners of the square
# around the head, outside it (an empty map); at 3 the middle pixel is the centre of the head
MIN_RES = 3
# the smallest dpi plot_topomaps draws at: below about 6 matplotlib cannot render the maps'
# 7-point labels (under a pixel), and below 10 they are unreadable
MIN_DPI = 10
# the older 10-20 names of the temporal and posterior-temporal electrodes
_OLD_NAMES = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}
_SCALE_NOTE = "relevance / method's max |value|"


def _montage():
    """MNE's template 10-05 montage (every 10-20 and 10-10 name), the non-deprecated name
    where this MNE has it."""
    import mne

    names = mne.channels.get_builtin_montages()
    kind = "colin27_1005" if "colin27_1005" in names else "standard_1005"
    return mne.channels.make_standard_montage(kind)


def _label(name: str) -> str:
    """``"EEG Fz-REF"`` -> ``"FZ"``: the electrode of a channel name, upper case (an ``EEG``
    prefix and a reference after ``-`` dropped; older names mapped to 10-10)."""
    label = re.sub(r"^EEG[\s_:-]*", "", str(name).strip(), flags=re.IGNORECASE)
    label = label.split("-")[0].strip().upper()
    return _OLD_NAMES.get(label, label)


def electrode_positions(channel_names: Sequence[str]) -> tuple[dict[int, str], list[str]]:
    """Channels placed on the template montage by name.

    Parameters
    ----------
    channel_names : sequence of str
        e.g. ``["Fp1", "EEG O2-REF", "T3", "MEG 0113"]``.

    Returns
    -------
    placed : dict index -> montage name
        The channels with a 10-20 / 10-10 position (case-insensitive; ``EEG`` prefixes and a
        reference after ``-`` are dropped; T3/T4/T5/T6 are T7/T8/P7/P8). A second channel at the
        same electrode is not placed.
    unplaced : list of str
        The other channel names.

    Raises
    ------
    TypeError
        For ``channel_names`` that are not a sequence of strings (a single string included).

    Examples
    --------
    >>> from freqxai.topomap import electrode_positions
    >>> electrode_positions(["Fp1", "EEG O2-REF", "T3", "MEG 0113"])
    ({0: 'Fp1', 1: 'O2', 2: 'T7'}, ['MEG 0113'])
    """
    channel_names = _check_names(channel_names)
    montage = _montage()
    by_upper = {n.upper(): n for n in montage.ch_names}
    placed: dict[int, str] = {}
    unplaced: list[str] = []
    for i, name in enumerate(channel_names):
        hit = by_upper.get(_label(name))
        if hit is None or hit in placed.values():
            unplaced.append(str(name))
        else:
            placed[i] = hit
    return placed, unplaced


def _check_names(channel_names: Any) -> list[str]:
    """``channel_names`` as a list of strings, else ``TypeError`` naming it."""
    bad = TypeError(f"channel_names must be a sequence of channel names (strings), e.g. "
                    f"['Fp1', 'Cz', 'O2'], got {channel_names!r:.80}")
    if isinstance(channel_names, str | bytes) or not isinstance(channel_names, Iterable):
        raise bad
    names = list(channel_names)
    if not all(isinstance(n, str) for n in names):
        raise bad
    return names


def topomap_problem(channel_names: Sequence[str] | None) -> str | None:
    """Why no scalp map can be drawn for these channels (one line), or None when it can.

    Examples
    --------
    >>> from freqxai.topomap import topomap_problem
    >>> topomap_problem(["Fp1", "Cz", "O2"]) is None
    True
    >>> topomap_problem(["EEG 1", "EEG 2", "EEG 3"])
    'no scalp maps: 0 of 3 channels have a standard 10-20 electrode name (not placed: ...'
    """
    try:
        import mne  # noqa: F401
    except ImportError:
        return "scalp maps need mne: pip install 'freqxai[eeg]'"
    if not channel_names:
        return "no scalp maps: the channels have no names"
    placed, unplaced = electrode_positions(channel_names)
    if len(placed) < MIN_CHANNELS or len(placed) < len(channel_names) / 2:
        shown = ", ".join(unplaced[:5]) + (" ..." if len(unplaced) > 5 else "")
        return (f"no scalp maps: {len(placed)} of {len(channel_names)} channels have a standard "
                f"10-20 electrode name (not placed: {shown}); maps need at least {MIN_CHANNELS} "
                "and at least half of the channels")
    return None


def plot_topomaps(df: Any, *, domain: str | None = None, methods: Sequence[str] | None = None,
                  path: str | Path | None = None, panel: float = 1.05, dpi: int = 100) -> Any:
    """Topographic maps of a summary table's channel rows: a row per method and class, a column
    per band.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`freqxai.summary.summarize` table with per-channel rows (relevance of more than
        one channel, ``channel_names`` given).
    domain : str, optional
        The domain to draw (default: ``fft`` when present, else the first).
    methods : sequence of str, optional
        Default: every method of the table with per-channel rows, references last (a method
        that explains all channels together, as FreqRISE, has none: it is left out with a
        warning naming it).
    path : path, optional
        Save the figure there (PNG) and return the path; otherwise return the figure.
    panel : float
        Size of one map in inches (a finite number > 0).
    dpi : int
        Resolution of the saved figure, an integer >= :data:`MIN_DPI` (10).

    Returns
    -------
    matplotlib.figure.Figure or Path

    Raises
    ------
    TypeError
        When ``df`` is not a summary table.
    ValueError
        For a ``panel`` that is not a finite number > 0 or a ``dpi`` that is not an integer
        >= :data:`MIN_DPI`; when the table has no per-channel rows, an unknown domain or method, a method of
        ``methods`` without per-channel rows (it explains all channels together), or channels
        that cannot be placed (:func:`topomap_problem`'s reason).
    ImportError
        Without mne.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.topomap import plot_topomaps
    >>> from freqxai import get_explainer
    >>> from freqxai.data.eeg import make_alpha_eeg
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import ContractCNN
    >>> X, y, names = make_alpha_eeg(4)          # class 1: 10 Hz alpha on O1 and O2
    >>> model = ContractCNN(channels=10, n_classes=2).eval()
    >>> amplitude = get_explainer("amplitude", model).attribute(X)   # where the energy is
    >>> df = summarize({"amplitude": amplitude}, y, domain="fft", length=256, fs=128.0,
    ...                channel_names=names, class_names=["rest", "alpha"],
    ...                bands={"theta": (4.0, 8.0), "alpha": (8.0, 13.0)})
    >>> fig = plot_topomaps(df)           # a row per method and class, a column per band
    >>> len(fig.axes[0].images)           # 1 method x 2 classes x 2 bands
    4
    >>> plt.close(fig)
    """
    from .summary import SUMMARY_COLUMNS

    panel = check_number(panel, "panel")
    dpi = check_positive_int(dpi, "dpi", MIN_DPI)
    if not hasattr(df, "columns") or not set(SUMMARY_COLUMNS[:13]) <= set(df.columns):
        raise TypeError("plot_topomaps reads the DataFrame freqxai.summary.summarize returns")
    rows = df[df["channel"].astype(str) != "all"]
    if rows.empty:
        raise ValueError("the summary has no per-channel rows: summarize relevance of more than "
                         "one channel (with channel_names) to draw scalp maps")
    domains = list(dict.fromkeys(rows["domain"]))
    domain = domain or ("fft" if "fft" in domains else domains[0])
    if domain not in domains:
        raise ValueError(f"domain {domain!r} is not in the table; it has {domains}")
    rows = rows[rows["domain"] == domain]
    channels = list(dict.fromkeys(rows["channel"].astype(str)))
    problem = topomap_problem(channels)
    if problem:
        raise ValueError(problem)
    present = list(dict.fromkeys(rows["method"]))
    # methods with only "all" rows: one relevance map for all channels, nothing to place
    together = [m for m in dict.fromkeys(df[df["domain"] == domain]["method"])
                if m not in present]
    if methods is None:
        refs = set(rows[rows["reference"].astype(bool)]["method"])
        methods = [m for m in present if m not in refs] + [m for m in present if m in refs]
        if together:
            warnings.warn(f"no scalp maps of {_together_note(together)}; drawn: {methods}",
                          UserWarning, stacklevel=2)
    if isinstance(methods, str):
        raise TypeError(f"methods must be a list of method names, e.g. [{methods!r}], got a "
                        "string")
    methods = list(methods)
    asked = [m for m in methods if m in together]
    if asked:
        raise ValueError(f"no scalp maps of {_together_note(asked)}: leave "
                         f"{'it' if len(asked) == 1 else 'them'} out of methods= (methods with "
                         f"per-channel rows: {present})")
    unknown = [m for m in methods if m not in present]
    if unknown:
        raise ValueError(f"methods {unknown} are not in the table's {domain} rows; it has {present}")
    if not methods:
        raise ValueError(f"methods is empty: name at least one of {present}")
    refs = set(rows[rows["reference"].astype(bool)]["method"])
    classes = list(dict.fromkeys(rows["class"].astype(str)))
    bands = list(dict.fromkeys(rows["band"]))
    placed, _ = electrode_positions(channels)
    idx = sorted(placed)
    cube = _cube(rows, methods, classes, [channels[i] for i in idx], bands)
    values, significant = cube
    return _draw(values, significant, methods, refs, classes, bands, rows, [placed[i] for i in idx],
                 domain, path, panel, dpi)


def _together_note(methods: Sequence[str]) -> str:
    """Why ``methods`` have no scalp map (one phrase)."""
    names = ", ".join(methods)
    return (f"{names}: {'it explains' if len(methods) == 1 else 'they explain'} all channels "
            "together (one relevance map, no value per electrode)")


def _cube(rows, methods, classes, channels, bands) -> tuple[np.ndarray, np.ndarray]:
    """``relevance`` and ``significant`` as arrays ``(methods, classes, bands, channels)``."""
    import pandas as pd

    shape = (len(methods), len(classes), len(bands), len(channels))
    values, sig = np.full(shape, np.nan), np.zeros(shape, dtype=bool)
    at = [pd.Index(keys).get_indexer(rows[col].astype(str)) for keys, col in
          ((methods, "method"), (classes, "class"), (bands, "band"), (channels, "channel"))]
    keep = np.all([a >= 0 for a in at], axis=0)
    where = tuple(a[keep] for a in at)
    values[where] = rows["relevance"].to_numpy(dtype=float)[keep]
    sig[where] = rows["significant"].to_numpy(dtype=bool)[keep]
    return values, sig


def sensor_positions(montage_names: Sequence[str]) -> np.ndarray:
    """2-D scalp positions ``(n, 2)`` in metres of montage electrodes, as
    ``mne.viz.plot_topomap`` places them (MNE's own projection of the template montage onto the
    head sphere; an azimuthal equidistant projection where that helper is not available).

    Examples
    --------
    >>> from freqxai.topomap import sensor_positions
    >>> positions = sensor_positions(["Fp1", "Cz", "O2"])
    >>> positions.shape
    (3, 2)
    >>> bool(positions[0, 1] > positions[1, 1] > positions[2, 1])  # front to back: y falls
    True
    """
    import mne

    info = mne.create_info(list(montage_names), 100.0, "eeg")
    info.set_montage(_montage(), match_case=False, verbose="error")
    try:  # MNE's projection, the one its topomaps use (a private helper: guarded)
        from mne.channels.layout import _find_topomap_coords

        return np.asarray(_find_topomap_coords(info, picks=list(range(len(montage_names)))))
    except (ImportError, TypeError):  # pragma: no cover - another MNE
        ch_pos = _montage().get_positions()["ch_pos"]
        xyz = np.array([ch_pos[n] for n in montage_names])
        r = np.linalg.norm(xyz, axis=1)
        polar, azimuth = np.arccos(xyz[:, 2] / r), np.arctan2(xyz[:, 1], xyz[:, 0])
        return np.c_[np.cos(azimuth), np.sin(azimuth)] * (r * polar / (np.pi / 2))[:, None]


def _check_positions(positions: Any) -> np.ndarray:
    """``positions`` as a finite float array ``(channels >= MIN_CHANNELS, 2)``, else ValueError."""
    how = "e.g. sensor_positions(['Fp1', 'Cz', 'O2'])"
    try:
        pos = np.asarray(positions, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"positions must be (channels, 2) scalp coordinates in metres, {how}; "
                         f"got {positions!r:.80}") from err
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise ValueError(f"positions must be (channels, 2) scalp coordinates in metres, {how}; "
                         f"got shape {pos.shape}")
    if len(pos) < MIN_CHANNELS:
        raise ValueError(f"positions must hold at least {MIN_CHANNELS} electrodes, got "
                         f"{len(pos)}: the rim of the map takes the mean of its three nearest")
    if not np.isfinite(pos).all():
        raise ValueError("positions must be finite: electrodes without a position have none")
    return pos


class ScalpGrid:
    """Linear interpolation of channel values onto an image of the head, computed once.

    Channel values are interpolated linearly between the electrodes (a Delaunay triangulation,
    as ``mne.viz.plot_topomap(image_interp="linear")``) and extrapolated to the head's rim, where
    each of 24 rim points takes the mean of its three nearest electrodes (MNE's
    ``border="mean"``). Both are linear in the values, so the whole map is one matrix ``W``
    ``(res * res, channels)`` and every further map costs a product, not an interpolation.

    Parameters
    ----------
    positions : array-like, shape (channels, 2)
        Finite 2-D scalp positions in metres of at least :data:`MIN_CHANNELS` electrodes
        (:func:`sensor_positions`).
    res : int
        Pixels per side of the image, at least :data:`MIN_RES` (3: the smallest grid with a
        pixel inside the head).

    Raises
    ------
    ValueError
        For ``positions`` of another shape, fewer electrodes or non-finite values, and a ``res``
        that is not an integer >= :data:`MIN_RES`.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.eeg import ALPHA_CHANNELS
    >>> from freqxai.topomap import ScalpGrid, sensor_positions
    >>> grid = ScalpGrid(sensor_positions(ALPHA_CHANNELS), res=32)   # 10 electrodes
    >>> grid.weights.shape                                           # (pixels, channels)
    (1024, 10)
    >>> image = grid.image(np.ones(10))     # the same value everywhere: a flat map
    >>> image.shape, bool(np.allclose(image[np.isfinite(image)], 1.0))
    ((32, 32), True)
    """

    def __init__(self, positions: np.ndarray, res: int = 48) -> None:
        from scipy.interpolate import LinearNDInterpolator

        res = check_positive_int(res, "res", MIN_RES)
        pos = _check_positions(positions)
        # MNE's default head radius in metres (mne.defaults.HEAD_SIZE_DEFAULT), widened to
        # hold every electrode: the outline is drawn where the map ends
        self.radius = max(0.095, 1.03 * float(np.linalg.norm(pos, axis=1).max()))
        self.head = self.radius
        angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        rim = self.radius * np.c_[np.cos(angles), np.sin(angles)]
        near = np.argsort(np.linalg.norm(rim[:, None] - pos[None], axis=-1), axis=1)[:, :3]
        rim_w = np.zeros((len(rim), len(pos)))
        np.put_along_axis(rim_w, near, 1 / 3, axis=1)
        basis = np.vstack([np.eye(len(pos)), rim_w])  # (points, channels)
        interp = LinearNDInterpolator(np.vstack([pos, rim]), basis)
        axis = np.linspace(-self.radius, self.radius, res)
        gx, gy = np.meshgrid(axis, axis)
        w = interp(np.c_[gx.ravel(), gy.ravel()])  # (res*res, channels), NaN outside the hull
        outside = np.hypot(gx, gy).ravel() > self.radius
        w[outside] = np.nan
        self.weights, self.res, self.positions = w, res, pos

    def image(self, values: np.ndarray) -> np.ndarray:
        """The ``(res, res)`` map of one value per channel (NaN outside the head)."""
        v = np.asarray(values, dtype=float)
        if v.shape != (len(self.positions),):
            raise ValueError(f"values must hold one value per channel ({len(self.positions)} "
                             f"channels, the grid's positions), got shape {v.shape}")
        return (self.weights @ v).reshape(self.res, self.res)

    def outline(self, center: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Head circle, nose and ears as one ``(n, 2)`` polyline (NaN rows between the parts),
        around ``center``."""
        h = self.head
        t = np.linspace(0, 2 * np.pi, 101)
        ear = np.linspace(0, np.pi, 20)
        parts = [np.c_[h * np.cos(t), h * np.sin(t)],
                 np.array([[-0.18 * h, 0.985 * h], [0, 1.15 * h], [0.18 * h, 0.985 * h]])]
        parts += [np.c_[side * (h + 0.06 * h * np.sin(ear)), 0.25 * h * np.cos(ear)]
                  for side in (-1, 1)]
        gap = np.full((1, 2), np.nan)
        return np.vstack([np.vstack([p, gap]) for p in parts]) + np.asarray(center)

    def draw(self, ax, values: np.ndarray, *, limit: float, mask: np.ndarray | None = None,
             center: tuple[float, float] = (0.0, 0.0)):
        """Draw the map of ``values`` on ``ax`` around ``center`` (data coordinates, metres) with
        colour limits ``±limit``: the image, the sensors, and the channels in ``mask`` as black dots
        (the outline is :meth:`outline`, drawn once for many maps). Returns the image."""
        from .plotting import relevance_cmap

        r, (cx, cy) = self.radius, center
        im = ax.imshow(np.ma.masked_invalid(self.image(values)), origin="lower",
                       extent=(cx - r, cx + r, cy - r, cy + r),
                       cmap=relevance_cmap().with_extremes(bad=(1, 1, 1, 0)), vmin=-limit,
                       vmax=limit, interpolation="bilinear")
        ax.plot(*(self.positions + center).T, ls="", marker=".", ms=1.0, color="0.55")
        if mask is not None and np.any(mask):
            ax.plot(*(self.positions[np.asarray(mask, bool)] + center).T, ls="", marker="o",
                    ms=3.6, markerfacecolor="k", markeredgecolor="w", markeredgewidth=0.5)
        return im


def _draw(values, significant, methods, refs, classes, bands, rows, montage_names, domain, path,
          panel, dpi):
    """One axes for all maps (an axes per map costs a fifth of a second each in matplotlib)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .plotting import add_colorbar, save_figure

    grid = ScalpGrid(sensor_positions(montage_names))
    unit = str(rows["unit"].iloc[0]) if "unit" in rows and len(rows) else ""
    n_rows, n_cols = len(methods) * len(classes), len(bands)
    step = 2.5 * max(grid.radius, 1.15 * grid.head)  # metres between map centres
    method_gap = 0.15 * step
    left, right, top, bottom = 1.5, 1.0, 0.75, 0.15
    span_y = n_rows * step + (len(methods) - 1) * method_gap
    width = left + n_cols * panel + right
    height = top + panel * span_y / step + bottom
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([left / width, bottom / height, n_cols * panel / width,
                       (panel * span_y / step) / height])
    ax.set_xlim(0, n_cols * step)
    ax.set_ylim(-span_y, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    image, outlines = None, []
    for i, m in enumerate(methods):
        finite = np.isfinite(values[i])
        scale = float(np.abs(values[i][finite]).max()) if finite.any() else 0.0
        for j, cls in enumerate(classes):
            row = i * len(classes) + j
            cy = -(row + 0.5) * step - i * method_gap
            label = f"{m} (reference)" if m in refs else m
            ax.text(-0.05 * step, cy, f"{label}\n{cls}", ha="right", va="center", fontsize=8,
                    color="0.45" if m in refs else "k")
            for b in range(n_cols):
                center = ((b + 0.5) * step, cy)
                v = values[i, j, b]
                if not np.isfinite(v).all():  # a band with no coefficient in this domain
                    ax.text(*center, "no bins", ha="center", va="center", fontsize=7,
                            color="0.4")
                    continue
                image = grid.draw(ax, v / scale if scale > 0 else v, limit=1.0, center=center,
                                  mask=None if m in refs else significant[i, j, b])
                outlines.append(grid.outline(center))
    if outlines:
        ax.plot(*np.vstack(outlines).T, color="k", lw=0.7)
    for b, band in enumerate(bands):
        low, high = rows[rows["band"] == band][["low_hz", "high_hz"]].iloc[0]
        ax.text((b + 0.5) * step, 0.02 * step, band if unit and band.endswith(unit) else
                f"{band}\n{low:.3g}-{high:.3g} {unit}", ha="center", va="bottom", fontsize=8)
    if image is not None:
        add_colorbar(fig, image, ((width - right + 0.25) / width, bottom / height,
                                  0.12 / width, 1 - (top + bottom) / height), _SCALE_NOTE)
    fig.legend(handles=[Line2D([], [], marker="o", ls="", markerfacecolor="k",
                               markeredgecolor="w", color="k", ms=5,
                               label="significant channel (t-test over the class's signals, 5 %, "
                                     "Bonferroni over bands)")],
               loc="upper left", bbox_to_anchor=(left / width, 1.0), fontsize=7, frameon=False)
    fig.text(0.01, 1 - 0.12 / height, f"{domain} domain", fontsize=8, va="top")
    if path is not None:
        return save_figure(fig, Path(path), dpi=dpi)
    return fig


def report_topomaps(path: str | Path, df: Any, methods: Sequence[str], references: set[str],
                    channel_names: Sequence[str] | None = None
                    ) -> tuple[Path | None, str | None]:
    """The report's scalp maps (``topomaps_<domain>.png``) of an EEG run's summary rows ``df``
    (one domain): every method that reads the model, and of the references only ``amplitude``
    (where the signal's energy is; the random reference has no pattern to show).
    ``channel_names``: the signals' channels, which tell one channel from methods that all
    explain every channel together.

    Returns
    -------
    path or None, note or None
        The figure, or None with a one-line note saying why there is none (no mne, channels
        without 10-20 names, no method with per-channel relevance). Beside a figure, the note
        names the methods that explain all channels together (FreqRISE), which have no map. A
        figure of an earlier report is removed when none is drawn.

    Examples
    --------
    >>> from freqxai.topomap import report_topomaps
    >>> from freqxai import get_explainer
    >>> from freqxai.data.eeg import make_alpha_eeg
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import ContractCNN
    >>> X, y, names = make_alpha_eeg(4)          # class 1: 10 Hz alpha on O1 and O2
    >>> model = ContractCNN(channels=10, n_classes=2).eval()
    >>> amplitude = get_explainer("amplitude", model).attribute(X)   # where the energy is
    >>> df = summarize({"amplitude": amplitude}, y, domain="fft", length=256, fs=128.0,
    ...                channel_names=names, class_names=["rest", "alpha"],
    ...                bands={"theta": (4.0, 8.0), "alpha": (8.0, 13.0)})
    >>> path, note = report_topomaps("topomaps_fft.png", df, ["amplitude"], {"amplitude"}, names)
    >>> path.name, path.is_file(), note
    ('topomaps_fft.png', True, None)
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    present = set(df["method"])
    chosen = [m for m in methods if m in present and (m not in references or m == "amplitude")]
    per_channel = set(df[df["channel"].astype(str) != "all"]["method"])
    together = [m for m in chosen if m not in per_channel]
    note = f"No scalp maps of {_together_note(together)}." if together else None
    channels = [c for c in dict.fromkeys(df["channel"].astype(str)) if c != "all"]
    if not channels:  # one channel, or only methods that explain all channels together
        several = channel_names is not None and len(channel_names) > 1
        return None, note if several and note else "no scalp maps: the signals have one channel"
    problem = topomap_problem(channels)
    if problem:
        return None, problem
    drawn = [m for m in chosen if m in per_channel]
    if not drawn:
        return None, note or "no scalp maps: no method of the run has per-channel relevance"
    return plot_topomaps(df, methods=drawn, path=path), note

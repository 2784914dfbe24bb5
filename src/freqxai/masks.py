"""Smooth random masks of FreqRISE, generated for a whole batch at once.

The distribution is that of RISE (Petsiuk et al., 2018) as adapted by FreqRISE (Brüsch et al.,
NLDL 2025): a Bernoulli grid of ``num_cells`` cells (1 with probability ``p_keep``) is upsampled
linearly (1-D) or bilinearly (2-D) to the coefficient grid, reflect-padded by half a grid on each
side and cropped at a random shift, so the mask values lie in [0, 1] with mean ``p_keep``.

``cell_shape="box"`` draws the same Bernoulli cells but keeps them piecewise constant: every cell
covers ``grid / num_cells`` coefficients and the cell boundaries sit at a random, continuous
offset per mask. Two coefficients ``j`` apart then share a cell with probability
``max(0, 1 - j / width)``, so the masks' autocovariance is a triangle with a cusp at lag 0 and the
expected lift of a coefficient falls off linearly around it. Linearly interpolated masks have a
rounded autocovariance peak: the expected lift of a coefficient and of its neighbours differ only
to second order, and Monte-Carlo noise decides which ranks first. Measured on the paper's MLPs
(200 cells, 300 masks, softmax, ``bench/trust.py``): localization 0.78-1.00 over seeds 0-4 with
box cells against 0.52-0.55 with smooth ones.

The published code builds the masks one at a time in a Python loop; here the random crop is one
indexed strided view (``unfold``) over the whole batch, which is why this is written by hand
rather than taken from a library (Captum has no smooth-mask sampler).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ._checks import Integral, Interval

__all__ = ["band_cell_edges", "cell_masks", "smooth_masks", "normalize_num_cells"]


def normalize_num_cells(num_cells: int | Sequence[int], grid_shape: Sequence[int]) -> tuple[int, ...]:
    """Check ``num_cells`` against the smooth axes and return one cell count per axis.

    Raises
    ------
    ValueError
        If a count is below 1 or larger than its axis.

    Examples
    --------
    >>> from freqxai.masks import normalize_num_cells
    >>> normalize_num_cells(8, (129,))
    (8,)
    >>> normalize_num_cells(8, (33, 17))       # one count for every smooth axis
    (8, 8)
    >>> normalize_num_cells((16, 4), (33, 17))
    (16, 4)
    >>> normalize_num_cells(200, (129,))
    Traceback (most recent call last):
        ...
    ValueError: num_cells=200 is larger than the coefficient axis (129 coefficients); ...
    """
    grid_shape = tuple(int(s) for s in grid_shape)
    bad = ValueError(f"num_cells must be a positive integer or one per coefficient axis "
                     f"{grid_shape}, got {num_cells!r}")
    integer = Interval(Integral, None, None)  # (booleans are not counts)
    if isinstance(num_cells, str):
        raise bad
    if integer.accepts(num_cells):
        cells = (int(num_cells),) * len(grid_shape)
    else:
        try:
            values = list(num_cells)
        except TypeError as err:
            raise bad from err
        if not all(integer.accepts(c) for c in values):
            raise bad
        cells = tuple(int(c) for c in values)
        if len(cells) != len(grid_shape):
            raise ValueError(
                f"num_cells has {len(cells)} entries but the domain has {len(grid_shape)} "
                f"coefficient axes {grid_shape}"
            )
    for c, size in zip(cells, grid_shape, strict=True):
        if c < 1:
            raise ValueError(f"num_cells must be >= 1, got {num_cells!r}")
        if c > size:
            raise ValueError(
                f"num_cells={c} is larger than the coefficient axis ({size} coefficients); "
                f"use at most {size} cells"
            )
    return cells


def smooth_masks(
    n_masks: int,
    shape: Sequence[int],
    num_cells: int | Sequence[int],
    p_keep: float = 0.5,
    *,
    n_smooth_axes: int = 1,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    design: str = "random",
    cell_shape: str = "smooth",
) -> torch.Tensor:
    """Draw ``n_masks`` smooth random masks.

    Parameters
    ----------
    n_masks : int
        Number of masks.
    shape : sequence of int
        Shape of one mask. The last ``n_smooth_axes`` axes are smoothed; leading axes (e.g.
        channels) get independent masks.
    num_cells : int or sequence of int
        Bernoulli grid cells per smooth axis (an int is used for every axis).
    p_keep : float
        Probability that a grid cell is 1.
    n_smooth_axes : {1, 2}
        1 for rFFT or time coefficients (linear upsampling), 2 for STFT (bilinear).
    generator : torch.Generator, optional
        Source of randomness; must live on ``device``. The same seed gives the same masks.
    device, dtype
        Where and how the masks are created.
    design : {"random", "balanced", "antithetic"}
        How the Bernoulli grid cells are drawn. ``"random"``: independently (RISE, the paper).
        ``"balanced"``: every cell is kept in exactly ``round(p_keep * n_masks)`` of the masks
        (a random permutation per cell: stratified sampling, so no cell is over- or
        under-represented in a block). ``"antithetic"``: masks come in complementary pairs
        ``(M, 1 - M)`` with the same shift (``p_keep=0.5`` only).
    cell_shape : {"smooth", "box"}
        ``"smooth"``: linearly interpolated cells (RISE, the paper). ``"box"``: piecewise-constant
        cells at a random offset (module notes); values are then exactly 0 or 1.

    Returns
    -------
    torch.Tensor
        ``(n_masks, *shape)`` with values in [0, 1].

    Examples
    --------
    >>> import torch
    >>> from freqxai import smooth_masks
    >>> g = torch.Generator().manual_seed(0)
    >>> masks = smooth_masks(16, (1, 129), num_cells=32, generator=g)   # 16 masks of 129 bins
    >>> masks.shape
    torch.Size([16, 1, 129])
    >>> bool(((masks >= 0) & (masks <= 1)).all())
    True
    >>> box = smooth_masks(16, (1, 129), num_cells=32, generator=g, cell_shape="box")
    >>> sorted(box.unique().tolist())                 # box cells: exactly 0 or 1
    [0.0, 1.0]
    >>> smooth_masks(4, (33, 17), num_cells=(8, 4), n_smooth_axes=2, generator=g).shape   # STFT
    torch.Size([4, 33, 17])
    """
    if n_smooth_axes not in (1, 2):
        raise ValueError(f"n_smooth_axes must be 1 or 2, got {n_smooth_axes}")
    if cell_shape not in ("smooth", "box"):
        raise ValueError(f"cell_shape must be 'smooth' or 'box', got {cell_shape!r}")
    shape = tuple(int(s) for s in shape)
    lead, grid = shape[: len(shape) - n_smooth_axes], shape[len(shape) - n_smooth_axes :]
    cells = normalize_num_cells(num_cells, grid)
    if not 0.0 < p_keep < 1.0:
        raise ValueError(f"p_keep must be in the open interval (0, 1), got {p_keep}")
    n_lead = 1
    for s in lead:
        n_lead *= s
    n = n_masks * n_lead
    if generator is not None and device is None:
        device = generator.device
    if cell_shape == "box":
        return _box_masks(n_masks, n_lead, lead + grid, grid, cells, p_keep,
                          generator, device, dtype, design)

    coarse = _bernoulli_cells(n_masks, n_lead, cells, p_keep, generator, device, design)
    mode = "linear" if n_smooth_axes == 1 else "bilinear"
    up = F.interpolate(coarse.to(dtype), size=grid, mode=mode, align_corners=False)
    pads: list[int] = []
    for c in reversed(cells):  # F.pad lists the last axis first
        pads += [c // 2, c // 2]
    up = F.pad(up, pads, mode="reflect")[:, 0]
    # Random shift in [0, cells) per mask and axis; the crop is a strided window view indexed
    # once per axis (one copy of the kept values, no per-mask loop).
    shifts = _uniform_shifts(n_masks, n_lead, len(cells), generator, device, design)
    shifts = (shifts * torch.tensor(cells, device=device, dtype=shifts.dtype)).long()
    rows = torch.arange(n, device=device)
    if n_smooth_axes == 1:
        up = up.unfold(1, grid[0], 1)[rows, shifts[:, 0]]
    else:
        # unfold appends the window axis last: (n, windows, K_pad, F) -> (n, K_pad, F) -> (n, F, K)
        up = up.unfold(1, grid[0], 1)[rows, shifts[:, 0]]
        up = up.unfold(1, grid[1], 1)[rows, shifts[:, 1]]
    # Interpolation weights sum to 1 only up to round-off; keep the values inside [0, 1].
    return up.clamp_(0.0, 1.0).reshape(n_masks, *shape)


def _bernoulli_cells(
    n_masks: int, n_lead: int, cells: Sequence[int], p_keep: float,
    generator: torch.Generator | None, device, design: str,
) -> torch.Tensor:
    """``(n_masks * n_lead, 1, *cells)`` boolean Bernoulli cells drawn by ``design``."""
    n = n_masks * n_lead
    if design == "random":  # (the draws of the published estimator, unchanged)
        return torch.rand((n, 1, *cells), generator=generator, device=device) < p_keep
    if design == "balanced":
        u = torch.rand((n_masks, n_lead, *cells), generator=generator, device=device)
        ranks = u.argsort(0).argsort(0)  # a random permutation of the masks per cell
        return (ranks < round(p_keep * n_masks)).reshape(n, 1, *cells)
    if design == "antithetic":
        if abs(p_keep - 0.5) > 1e-12:
            raise ValueError(f"design='antithetic' needs p_keep=0.5 (M and 1 - M), got {p_keep}")
        half = (n_masks + 1) // 2
        base = torch.rand((half, n_lead, *cells), generator=generator, device=device) < 0.5
        return torch.cat([base, ~base])[:n_masks].reshape(n, 1, *cells)
    raise ValueError(f"design must be 'random', 'balanced' or 'antithetic', got {design!r}")


def _uniform_shifts(
    n_masks: int, n_lead: int, n_axes: int, generator: torch.Generator | None, device, design: str
) -> torch.Tensor:
    """``(n_masks * n_lead, n_axes)`` uniform [0, 1) offsets; an antithetic pair shares its own."""
    if design == "antithetic":
        half = (n_masks + 1) // 2
        u = torch.rand((half, n_lead, n_axes), generator=generator, device=device)
        return torch.cat([u, u])[:n_masks].reshape(n_masks * n_lead, n_axes)
    return torch.rand((n_masks * n_lead, n_axes), generator=generator, device=device)


def _box_masks(
    n_masks: int, n_lead: int, shape: tuple[int, ...], grid: tuple[int, ...],
    cells: tuple[int, ...], p_keep: float, generator: torch.Generator | None, device,
    dtype: torch.dtype, design: str,
) -> torch.Tensor:
    """Piecewise-constant cells of width ``grid / cells`` at a random continuous offset.

    Coefficient ``k`` of an axis lies in cell ``floor(k / width + u)``, ``u ~ U[0, 1)`` per mask
    and axis, so ``cells + 1`` Bernoulli cells cover the axis and every coefficient is kept with
    probability ``p_keep`` whatever the offset.
    """
    n = n_masks * n_lead
    coarse = _bernoulli_cells(n_masks, n_lead, tuple(c + 1 for c in cells), p_keep,
                              generator, device, design)[:, 0]
    offsets = _uniform_shifts(n_masks, n_lead, len(cells), generator, device, design)
    index = []
    for axis, (g, c) in enumerate(zip(grid, cells, strict=True)):
        pos = torch.arange(g, device=device, dtype=torch.float64) * (c / g)  # k / width
        cell = (pos[None] + offsets[:, axis : axis + 1].double()).floor().long()  # (n, g)
        index.append(cell.clamp_(max=c))
    rows = torch.arange(n, device=device)
    if len(grid) == 1:
        out = coarse[rows[:, None], index[0]]
    else:
        out = coarse[rows[:, None, None], index[0][:, :, None], index[1][:, None, :]]
    return out.to(dtype).reshape(n_masks, *shape)


def check_cell_edges(cell_edges: Sequence[int], size: int) -> tuple[int, ...]:
    """Check irregular cell edges against an axis of ``size`` coefficients: strictly increasing
    integers starting at 0, each below ``size``.

    Raises
    ------
    ValueError
        Naming the first edge that breaks the rule, and the fix.
    """
    try:
        edges = list(cell_edges)
    except TypeError as err:
        raise TypeError(f"cell_edges must be a sequence of integer coefficient indices, e.g. "
                        f"(0, 1, 2, 4, 8), got {type(cell_edges).__name__}") from err
    integer = Interval(Integral, 0, None)
    if not edges or not all(integer.accepts(e) for e in edges):
        raise ValueError(f"cell_edges must be non-negative integers (the first coefficient of "
                         f"each cell), got {cell_edges!r:.60}")
    edges = [int(e) for e in edges]
    if edges[0] != 0:
        raise ValueError(f"cell_edges must start at 0 (the first cell begins at the first "
                         f"coefficient), got {edges[0]}")
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"cell_edges must be strictly increasing, got {edges}")
    if edges[-1] >= size:
        raise ValueError(f"cell_edges {edges} reach past the axis of {size} coefficients: every "
                         f"edge must be below {size}")
    return tuple(edges)


def cell_masks(
    n_masks: int,
    shape: Sequence[int],
    cell_edges: Sequence[int],
    p_keep: float = 0.5,
    *,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
    design: str = "random",
) -> torch.Tensor:
    """Draw ``n_masks`` masks that keep or remove whole irregular cells of the last axis.

    Cell ``i`` covers coefficients ``cell_edges[i]`` up to (not including) ``cell_edges[i + 1]``
    (the last one up to the end of the axis), so the cells can be the summary's bands (DC and
    octaves: :func:`band_cell_edges`): every mask keeps a band entirely or not at all, and
    FreqRISE's lift of a coefficient is the lift of its band (its ``cell_edges`` setting; not its
    default: measured less stable from seed to seed than regular box cells, see
    :class:`~freqxai.FreqRISE`). Each cell is kept with probability ``p_keep``; there is no
    random offset, so the values are exactly 0 or 1.

    Parameters
    ----------
    n_masks : int
        Number of masks.
    shape : sequence of int
        Shape of one mask; the cells lie on the last axis, leading axes (channels) get
        independent masks.
    cell_edges : sequence of int
        The first coefficient of each cell: strictly increasing, starting at 0.
    p_keep : float
        Probability that a cell is kept, in (0, 1).
    generator, device, dtype
        As for :func:`smooth_masks`.
    design : {"random", "balanced", "antithetic"}
        How the cells are drawn (:func:`smooth_masks`).

    Returns
    -------
    torch.Tensor
        ``(n_masks, *shape)`` of zeros and ones.

    Examples
    --------
    >>> import torch
    >>> from freqxai.masks import cell_masks
    >>> masks = cell_masks(3, (1, 9), (0, 1, 2, 4), generator=torch.Generator().manual_seed(0))
    >>> masks.shape
    torch.Size([3, 1, 9])
    >>> bool((masks[..., 4:] == masks[..., 4:5]).all())  # the last cell, bins 4-8, is one value
    True
    """
    shape = tuple(int(s) for s in shape)
    if not shape:
        raise ValueError("shape must have at least one axis (the cells' axis)")
    edges = check_cell_edges(cell_edges, shape[-1])
    if not 0.0 < p_keep < 1.0:
        raise ValueError(f"p_keep must be in the open interval (0, 1), got {p_keep}")
    if generator is not None and device is None:
        device = generator.device
    n_lead = int(np.prod(shape[:-1], dtype=np.int64))
    coarse = _bernoulli_cells(n_masks, n_lead, (len(edges),), p_keep, generator, device,
                              design)[:, 0]  # (n_masks * n_lead, cells)
    # which cell each coefficient lies in: one gather, no loop over cells
    index = torch.zeros(shape[-1], dtype=torch.long, device=coarse.device)
    index[list(edges[1:])] = 1
    index = index.cumsum(0)
    return coarse[:, index].to(dtype).reshape(n_masks, *shape)


def band_cell_edges(length: int, fs: float | None = None, *, eeg: bool = False,
                    bands=None) -> tuple[int, ...]:
    """The first rFFT bin of each band of the summary (:func:`freqxai.bands.signal_bands`: DC
    and octaves, the EEG bands, or ``bands``) for signals of ``length`` samples: the
    ``cell_edges`` of :func:`cell_masks` and of FreqRISE that put its masks on the band grid.
    Bins that fall between bands a user gives form cells of their own.

    Examples
    --------
    >>> from freqxai.masks import band_cell_edges
    >>> band_cell_edges(24)  # 13 bins: DC, then the octaves 1, 2-3, 4-7 and 8-12
    (0, 1, 2, 4, 8)
    """
    from .bands import band_membership, signal_bands

    chosen = signal_bands(length, fs, eeg=eeg, bands=bands)
    freqs = np.fft.rfftfreq(int(length), 1.0 / (fs or 1.0))
    member = band_membership(freqs, chosen)  # (bins, bands)
    label = np.where(member.any(1), member.argmax(1), -1)
    starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
    return tuple(int(s) for s in starts)

"""Smooth random masks of FreqRISE, generated for a whole batch at once.

The distribution is that of RISE (Petsiuk et al., 2018) as adapted by FreqRISE (Brüsch et al.,
NLDL 2025): a Bernoulli grid of ``num_cells`` cells (1 with probability ``p_keep``) is upsampled
linearly (1-D) or bilinearly (2-D) to the coefficient grid, reflect-padded by half a grid on each
side and cropped at a random shift, so the mask values lie in [0, 1] with mean ``p_keep``.

The published code builds the masks one at a time in a Python loop; here the random crop is one
indexed strided view (``unfold``) over the whole batch, which is why this is written by hand
rather than taken from a library (Captum has no smooth-mask sampler).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["smooth_masks", "normalize_num_cells"]


def normalize_num_cells(num_cells: int | Sequence[int], grid_shape: Sequence[int]) -> tuple[int, ...]:
    """Check ``num_cells`` against the smooth axes and return one cell count per axis.

    Raises
    ------
    ValueError
        If a count is below 1 or larger than its axis.
    """
    grid_shape = tuple(int(s) for s in grid_shape)
    bad = ValueError(f"num_cells must be a positive integer or one per coefficient axis "
                     f"{grid_shape}, got {num_cells!r}")
    if isinstance(num_cells, bool | np.bool_ | str):
        raise bad
    if isinstance(num_cells, int | np.integer):
        cells = (int(num_cells),) * len(grid_shape)
    else:
        try:
            values = list(num_cells)
        except TypeError as err:
            raise bad from err
        if any(isinstance(c, bool | np.bool_) or not isinstance(c, int | np.integer) for c in values):
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

    Returns
    -------
    torch.Tensor
        ``(n_masks, *shape)`` with values in [0, 1].
    """
    if n_smooth_axes not in (1, 2):
        raise ValueError(f"n_smooth_axes must be 1 or 2, got {n_smooth_axes}")
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

    if design == "random":  # (the draws of the published estimator, unchanged)
        coarse = torch.rand((n, 1, *cells), generator=generator, device=device) < p_keep
    elif design == "balanced":
        u = torch.rand((n_masks, n_lead, *cells), generator=generator, device=device)
        ranks = u.argsort(0).argsort(0)  # a random permutation of the masks per cell
        coarse = (ranks < round(p_keep * n_masks)).reshape(n, 1, *cells)
    elif design == "antithetic":
        if abs(p_keep - 0.5) > 1e-12:
            raise ValueError(f"design='antithetic' needs p_keep=0.5 (M and 1 - M), got {p_keep}")
        half = (n_masks + 1) // 2
        base = torch.rand((half, n_lead, *cells), generator=generator, device=device) < 0.5
        coarse = torch.cat([base, ~base])[:n_masks].reshape(n, 1, *cells)
    else:
        raise ValueError(f"design must be 'random', 'balanced' or 'antithetic', got {design!r}")
    mode = "linear" if n_smooth_axes == 1 else "bilinear"
    up = F.interpolate(coarse.to(dtype), size=grid, mode=mode, align_corners=False)
    pads: list[int] = []
    for c in reversed(cells):  # F.pad lists the last axis first
        pads += [c // 2, c // 2]
    up = F.pad(up, pads, mode="reflect")[:, 0]
    # Random shift in [0, cells) per mask and axis; the crop is a strided window view indexed
    # once per axis (one copy of the kept values, no per-mask loop).
    if design == "antithetic":  # a pair shares its shift
        half = (n_masks + 1) // 2
        shifts = torch.rand((half, n_lead, len(cells)), generator=generator, device=device)
        shifts = torch.cat([shifts, shifts])[:n_masks].reshape(n, len(cells))
    else:
        shifts = torch.rand((n, len(cells)), generator=generator, device=device)
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

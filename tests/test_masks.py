import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from freqxai.masks import smooth_masks


def _reference_masks(n, length, num_cells, p, gen):
    """The published one-mask-at-a-time algorithm, with the same random draws."""
    coarse = torch.rand((n, 1, num_cells), generator=gen) < p
    up = F.interpolate(coarse.float(), size=length, mode="linear", align_corners=False)
    up = F.pad(up, (num_cells // 2, num_cells // 2), mode="reflect")[:, 0]
    shift = (torch.rand((n, 1), generator=gen) * num_cells).long()[:, 0]
    return torch.stack([up[i, shift[i] : shift[i] + length] for i in range(n)])


@pytest.mark.parametrize("length, cells", [(1281, 200), (1281, 1281), (100, 7), (64, 64)])
def test_matches_the_published_loop(length, cells):
    ours = smooth_masks(20, (length,), cells, 0.5, generator=torch.Generator().manual_seed(3))
    ref = _reference_masks(20, length, cells, 0.5, torch.Generator().manual_seed(3))
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(length=st.integers(8, 200), cells=st.integers(1, 8), p=st.floats(0.05, 0.95),
       channels=st.integers(1, 3))
def test_values_in_unit_interval_and_shape(length, cells, p, channels):
    m = smooth_masks(16, (channels, length), cells, p, generator=torch.Generator().manual_seed(0))
    assert m.shape == (16, channels, length)
    assert m.min() >= 0 and m.max() <= 1


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_mask_mean_is_p(p):
    m = smooth_masks(4000, (1, 257), 40, p, generator=torch.Generator().manual_seed(1))
    assert m.mean().item() == pytest.approx(p, abs=0.01)
    # and at every coefficient, not only overall
    per_bin = m.mean(dim=(0, 1))
    assert (per_bin - p).abs().max().item() < 0.05


def test_two_dimensional_masks():
    m = smooth_masks(500, (1, 30, 40), (6, 8), 0.5, n_smooth_axes=2,
                     generator=torch.Generator().manual_seed(2))
    assert m.shape == (500, 1, 30, 40)
    assert m.min() >= 0 and m.max() <= 1
    assert m.mean().item() == pytest.approx(0.5, abs=0.02)
    # smooth along both axes: neighbouring values differ far less than independent draws would
    assert (m[..., 1:, :] - m[..., :-1, :]).abs().mean() < 0.2
    assert (m[..., 1:] - m[..., :-1]).abs().mean() < 0.2


def test_same_seed_same_masks_and_independent_channels():
    a = smooth_masks(10, (3, 100), 10, 0.5, generator=torch.Generator().manual_seed(7))
    b = smooth_masks(10, (3, 100), 10, 0.5, generator=torch.Generator().manual_seed(7))
    c = smooth_masks(10, (3, 100), 10, 0.5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a[:, 0], a[:, 1])


@pytest.mark.parametrize("kwargs, match", [
    ({"num_cells": 101}, "larger than the coefficient axis"),
    ({"num_cells": 0}, ">= 1"),
    ({"p_keep": 1.0}, "p_keep"),
    ({"p_keep": 0.0}, "p_keep"),
    ({"num_cells": (4, 4)}, "entries"),
])
def test_bad_arguments(kwargs, match):
    args = {"num_cells": 10, "p_keep": 0.5} | kwargs
    with pytest.raises(ValueError, match=match):
        smooth_masks(2, (100,), **args)


def _box_reference(n, length, cells, p, gen):
    """Box masks written out one mask and one coefficient at a time (same random draws)."""
    coarse = torch.rand((n, 1, cells + 1), generator=gen) < p
    offset = torch.rand((n, 1), generator=gen)
    return torch.tensor([[float(coarse[i, 0, int(k * cells / length + offset[i, 0].item())])
                          for k in range(length)] for i in range(n)])


@pytest.mark.parametrize("length, cells", [(51, 13), (100, 7), (64, 64), (1281, 200)])
def test_box_cells_match_their_definition(length, cells):
    ours = smooth_masks(6, (length,), cells, 0.5, generator=torch.Generator().manual_seed(4),
                        cell_shape="box")
    ref = _box_reference(6, length, cells, 0.5, torch.Generator().manual_seed(4))
    assert torch.equal(ours, ref)


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_box_cells_are_kept_with_p_everywhere_and_their_covariance_is_a_triangle(p):
    """Every coefficient is kept with probability p whatever the offset, and two coefficients
    j apart share a cell with probability 1 - j / width: a triangular autocovariance."""
    length, cells = 51, 13
    m = smooth_masks(40000, (1, length), cells, p, generator=torch.Generator().manual_seed(1),
                     cell_shape="box")[:, 0]
    assert set(m.unique().tolist()) <= {0.0, 1.0}
    assert (m.mean(0) - p).abs().max().item() < 0.015
    c = m - p
    width = length / cells
    for lag in range(6):
        cov = (c[:, 10] * c[:, 10 + lag]).mean().item() / (p * (1 - p))
        assert cov == pytest.approx(max(0.0, 1 - lag / width), abs=0.03)


def test_box_cells_in_two_dimensions_and_designs():
    gen = torch.Generator().manual_seed(2)
    m = smooth_masks(400, (2, 30, 40), (6, 8), 0.5, n_smooth_axes=2, generator=gen,
                     cell_shape="box", design="antithetic")
    assert m.shape == (400, 2, 30, 40)
    torch.testing.assert_close(m[:200] + m[200:], torch.ones_like(m[:200]))  # complementary pairs
    # a cell is a block: along each axis, values change at most cells + 1 times
    assert ((m[..., 1:, :] != m[..., :-1, :]).sum(-2) <= 6).all()
    assert ((m[..., 1:] != m[..., :-1]).sum(-1) <= 8).all()
    b = smooth_masks(100, (1, 64), 8, 0.5, generator=gen, cell_shape="box", design="balanced")
    assert b.mean().item() == pytest.approx(0.5, abs=0.06)


def test_box_cells_bad_shape():
    with pytest.raises(ValueError, match="cell_shape"):
        smooth_masks(2, (100,), 10, cell_shape="round")


@pytest.mark.parametrize("dim", [5, -4, 3, 1.0, True, "1", None])
def test_moving_average_refuses_a_dim_that_is_no_axis_of_c(dim):
    from freqxai.explainers.freqmask import moving_average

    c = torch.fft.rfft(torch.randn(2, 2, 64))
    with pytest.raises(ValueError, match=r"dim must be an axis of c, an integer in \[-3, 2\] "
                                         r"\(c has shape \(2, 2, 33\)\)"):
        moving_average(c, 2, dim)


@pytest.mark.parametrize("dim", [-1, 2, 0, -3])
def test_moving_average_along_any_axis_of_c(dim):
    from freqxai.explainers.freqmask import moving_average

    c = torch.randn(3, 4, 5, dtype=torch.float64)
    expected = F.avg_pool1d(c.movedim(dim, -1).reshape(-1, 1, c.shape[dim]), 3, 1, 1).reshape(
        c.movedim(dim, -1).shape).movedim(-1, dim)
    assert torch.allclose(moving_average(c, 1, dim), expected)


# -- irregular cells: FreqRISE's masks on the band grid (cell_edges) ----------------------------

def test_cell_masks_keep_whole_cells_with_p_keep():
    from freqxai.masks import cell_masks

    edges = (0, 1, 2, 4, 8)
    g = torch.Generator().manual_seed(0)
    m = cell_masks(4000, (2, 13), edges, 0.3, generator=g, dtype=torch.float64)
    assert m.shape == (4000, 2, 13) and set(m.unique().tolist()) <= {0.0, 1.0}
    bounds = [*edges, 13]
    for lo, hi in zip(bounds, bounds[1:], strict=False):  # one value per cell, mask and channel
        assert (m[..., lo:hi] == m[..., lo:lo + 1]).all()
    kept = m[..., list(edges)].mean(0)  # each cell of each channel kept with p_keep
    assert torch.allclose(kept, torch.full_like(kept, 0.3), atol=0.03)
    balanced = cell_masks(100, (1, 13), edges, 0.3, generator=g, design="balanced")
    assert (balanced[:, 0, list(edges)].sum(0) == 30).all()  # exactly round(p * n) per cell
    again = cell_masks(50, (1, 13), edges, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again, cell_masks(50, (1, 13), edges,
                                         generator=torch.Generator().manual_seed(1)))


@pytest.mark.parametrize(("edges", "match"), [
    ((1, 2), "must start at 0"), ((0, 3, 3), "strictly increasing"), ((0, 13), "below 13"),
    ((0, -1), "non-negative integers"), ((0, 1.5), "non-negative integers"), ((), "non-negative"),
])
def test_cell_masks_refuse_bad_edges(edges, match):
    from freqxai.masks import cell_masks

    with pytest.raises(ValueError, match=match):
        cell_masks(2, (1, 13), edges)


@pytest.mark.parametrize("length", [24, 100, 251])
def test_band_cell_edges_are_the_first_bins_of_the_summary_bands(length):
    from freqxai.bands import band_membership, signal_bands
    from freqxai.masks import band_cell_edges

    freqs = np.fft.rfftfreq(length)
    member = band_membership(freqs, signal_bands(length))
    firsts = tuple(int(np.flatnonzero(col)[0]) for col in member.T)
    assert band_cell_edges(length) == firsts


def test_freqrise_on_the_band_grid_finds_the_band_of_the_deciding_bin():
    from freqxai import FreqRISE
    from freqxai.masks import band_cell_edges
    from freqxai.testing import BinPowerModel

    length, k = 24, 5  # bin 5 lies in the octave of bins 4-7
    edges = band_cell_edges(length)
    t = torch.arange(length) / length
    x = (torch.sin(2 * torch.pi * k * t) + 0.3 * torch.randn(8, 1, length,
                                                              generator=torch.Generator()
                                                              .manual_seed(0)))
    rel = FreqRISE(BinPowerModel(k=k), cell_edges=edges, n_masks=400, output="logit").attribute(
        x, target=0, seed=0)
    assert rel.shape == (8, 1, 13)
    assert (rel[..., 4:8] == rel[..., 4:5]).all()  # one lift per band
    assert (rel[..., 4:8].amax(-1) >= rel.amax(-1)).all()  # the band of bin 5 ranks first
    with pytest.raises(ValueError, match="num_cells or cell_edges, not both"):
        FreqRISE(BinPowerModel(k=k), num_cells=4, cell_edges=edges)
    with pytest.raises(ValueError, match="one coefficient axis"):
        FreqRISE(BinPowerModel(k=k), "stft", cell_edges=edges).attribute(torch.randn(2, 1, 256))

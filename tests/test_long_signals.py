"""Long signals (issue 19): domains fitted to the length, FreqRISE cells fitted to the mask
budget, forwards in cache-sized batches, and the UEA training's validation split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import freqxai.explainers.freqrise as fr
from freqxai import FreqRISE
from freqxai._batching import MODEL_ELEMENTS
from freqxai.domains import STFT, Wavelet
from freqxai.domains.stft import MIN_AUTO_LENGTH, fit_stft
from freqxai.explainers.freqrise import auto_num_cells
from freqxai.models.training import validation_split
from freqxai.runner.config import AUTO_MAX_MASKS, RunConfig


@pytest.mark.parametrize("length, expected", [
    (2, (2, 1)), (5, (5, 1)), (15, (15, 3)), (16, (16, 4)), (29, (16, 4)), (100, (16, 4)),
    (128, (32, 8)), (427, (64, 16)), (1024, (256, 64)), (8000, (256, 64)),
])
def test_fit_stft_known_sizes(length, expected):
    assert fit_stft(length) == expected


@pytest.mark.parametrize("length", [1, 0, 2.5, True])
def test_fit_stft_refuses_what_it_cannot_fit(length):
    with pytest.raises(ValueError, match=f"at least {MIN_AUTO_LENGTH} samples"):
        fit_stft(length)


def test_api_and_runner_fit_the_same_stft():
    for length in (29, 100, 427, 8000):
        cfg = RunConfig(dataset="uea", name="BasicMotions", out="unused")
        cfg.fit_to_length(length)
        st = STFT()
        assert (cfg.stft["n_fft"], cfg.stft["hop_length"]) == (st.n_fft_for(length),
                                                              st.hop_for(length))


@pytest.mark.parametrize("length", [*range(2, 40), 97, 427, 1000])
def test_default_stft_round_trips_any_length(length):
    st = STFT()
    x = torch.randn(2, 3, length, dtype=torch.float64)
    c = st.forward(x)
    assert tuple(c.shape[-2:]) == st.coefficient_shape(length)
    torch.testing.assert_close(st.inverse(c, length), x, rtol=0, atol=1e-9)


def test_default_stft_is_the_fitted_one_and_says_so():
    st = STFT()
    assert repr(st) == "STFT(n_fft='auto', window='hann', center=True)"
    x = torch.randn(1, 1, 427, dtype=torch.float64)
    fixed = STFT(64, 16)
    torch.testing.assert_close(st.forward(x), fixed.forward(x))
    st.forward(torch.randn(1, 1, 29))
    assert repr(st).endswith("fitted {29: n_fft=16, hop_length=4, 427: n_fft=64, hop_length=16})")
    assert st.for_length(427) is st.for_length(427)
    np.testing.assert_array_equal(st.axes(427, 100.0)["frequency"], fixed.axes(427, 100.0)["frequency"])
    rel = torch.randn(1, 1, 427, dtype=torch.float64)
    torch.testing.assert_close(st.project_relevance(rel, x), fixed.project_relevance(rel, x))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"n_fft": "auto", "hop_length": 4}, "n_fft='auto' fits hop_length"),
    ({"n_fft": "auto", "win_length": 8}, "n_fft='auto' fits win_length"),
    ({"n_fft": "big"}, "n_fft must be an integer >= 2 or 'auto'"),
    ({"window": "kaiser"}, "window must be one of"),
])
def test_stft_settings_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        STFT(**kwargs)


def test_explicit_sizes_that_do_not_fit_stay_refused():
    with pytest.raises(ValueError, match=r"n_fft=256\) is longer than the signal \(29"):
        STFT(256).forward(torch.randn(1, 1, 29))
    with pytest.raises(ValueError, match="no window before a signal length is known"):
        STFT().full_window()
    with pytest.raises(ValueError, match="level=6 is too deep for a signal of 29 samples"):
        Wavelet(level=6).forward(torch.randn(1, 1, 29))


@pytest.mark.parametrize("length, level", [(29, 2), (100, 3), (427, 5)])
def test_default_wavelet_level_fits_the_length(length, level):
    w = Wavelet()  # db4, level=None: pywt.dwt_max_level
    assert w.level_for(length) == level
    x = torch.randn(1, 1, length, dtype=torch.float64)
    torch.testing.assert_close(w.inverse(w.forward(x), length), x, rtol=0, atol=1e-9)


def test_freqrise_defaults_on_a_short_series():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(29, 3))
    rel = FreqRISE(model, "stft", n_masks=64).attribute(torch.randn(2, 1, 29), seed=0,
                                                        warn_if_noise=False)
    assert rel.shape == (2, 1, *fit_stft_shape(29))


def fit_stft_shape(length):
    return STFT().coefficient_shape(length)


@pytest.mark.parametrize("grid, n_masks, cells", [
    ((228, 229), None, (57, 57)),   # no budget: one cell per 4 coefficients
    ((228, 229), 3000, (11, 11)),   # at most 3000 / 24 = 125 cells
    ((228, 229), 500, (4, 4)),
    ((228, 229), 10, (1, 1)),
    ((33, 27), 3000, (8, 7)),       # small grids keep the per-axis rule
    ((214,), 500, (54,)),           # 1-D grids keep the per-axis rule
    ((1281,), 3000, (200,)),
])
def test_auto_cells_fit_the_mask_budget(grid, n_masks, cells):
    assert auto_num_cells(grid, n_masks) == cells
    if n_masks is not None and len(grid) == 2:
        assert np.prod(cells) <= max(1, n_masks // fr.AUTO_MASKS_PER_CELL)


class _Counting(torch.nn.Module):
    def __init__(self, length: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.lin = torch.nn.Linear(length, 4)
        self.rows: list[int] = []

    def forward(self, x):
        self.rows.append(x.shape[0])
        return self.lin(x.flatten(1))


def test_forwards_are_bounded_and_blocks_change_nothing(monkeypatch):
    length = 300
    model = _Counting(length)
    x = torch.randn(3, 1, length, dtype=torch.float64)
    model.double()
    settings = {"n_masks": 200, "batch_size": 100}
    kw = {"target": 1, "seed": 3, "warn_if_noise": False}
    domain = STFT(32, 8)
    ref = FreqRISE(model, domain, **settings).attribute(x, internal_batch_size=10_000, **kw)
    model.rows.clear()
    small = FreqRISE(model, domain, **settings).attribute(x, internal_batch_size=37, **kw)
    assert max(model.rows) == 37
    torch.testing.assert_close(small, ref)
    # masks multiplied and inverted in blocks of 7 (a tiny block budget): the same relevance
    grid_reals = 2 * int(np.prod(domain.coefficient_shape(length)))
    monkeypatch.setattr(fr, "_BLOCK_ELEMENTS", 7 * grid_reals)
    model.rows.clear()
    blocked = FreqRISE(model, domain, **settings).attribute(x, **kw)
    assert max(model.rows) == 7
    torch.testing.assert_close(blocked, ref)


def test_default_forward_rows_follow_the_element_budget():
    length = 427
    model = _Counting(length)
    FreqRISE(model, "fft", n_masks=500).attribute(torch.randn(4, 1, length), target=0,
                                                  seed=0, warn_if_noise=False)
    assert max(model.rows) == MODEL_ELEMENTS // length  # 153 signals of 427 samples


def test_validation_split_is_stratified_disjoint_and_seeded():
    y = np.repeat(np.arange(6), [30, 40, 25, 35, 30, 40])
    fit, val = validation_split(y, seed=0)
    assert np.intersect1d(fit, val).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([fit, val])), np.arange(len(y)))
    np.testing.assert_array_equal(np.bincount(y[val]), [6, 8, 5, 7, 6, 8])
    again = validation_split(y, seed=0)
    np.testing.assert_array_equal(again[1], val)
    assert not np.array_equal(validation_split(y, seed=1)[1], val)
    # a class of two gives one to validation, a class of one none
    _, val = validation_split(np.array([0, 0, 1, 2, 2, 2]), seed=0)
    assert np.bincount(np.array([0, 0, 1, 2, 2, 2])[val], minlength=3).tolist() == [1, 0, 1]


@pytest.mark.parametrize("fraction", [0, 1, 1.5, True])
def test_validation_split_refuses_bad_fractions(fraction):
    with pytest.raises(ValueError, match=r"fraction must be a number in \(0, 1\)"):
        validation_split([0, 1, 0, 1], fraction=fraction)


def test_fit_classifier_refuses_an_unknown_monitor():
    from freqxai.models.training import fit_classifier

    with pytest.raises(ValueError, match="monitor must be 'val_acc' or 'val_loss'"):
        fit_classifier(torch.nn.Linear(4, 2), (np.zeros((4, 1, 4)), np.array([0, 1, 0, 1])),
                       monitor="acc")


@pytest.mark.parametrize("dataset, n_masks", [("uea", "auto"), ("custom", "auto"),
                                              ("synthetic", 3000), ("fsdd", 3000)])
def test_run_mask_budget_defaults(dataset, n_masks):
    cfg = RunConfig(dataset=dataset, name="OSULeaf", out="unused")
    assert cfg.n_masks == n_masks
    shared = cfg._shared(0)
    assert shared["n_masks"] == n_masks
    assert shared.get("max_masks") == (AUTO_MAX_MASKS if n_masks == "auto" else None)


def test_run_refuses_bad_mask_counts():
    with pytest.raises(ValueError, match="n_masks must be a positive integer"):
        RunConfig(dataset="uea", name="OSULeaf", out="unused", n_masks=0).validate(
            create_out=False)

"""Scalp maps (freqxai.topomap): bad settings are refused naming them, before anything is drawn.

The grid and name checks need no mne; drawing a table skips without it."""

from __future__ import annotations

import numpy as np
import pytest

from freqxai.topomap import MIN_CHANNELS, ScalpGrid, electrode_positions

# ten electrodes on a circle of 7 cm (metres, as sensor_positions gives them)
ANGLES = np.linspace(0, 2 * np.pi, 10, endpoint=False)
POSITIONS = 0.07 * np.c_[np.cos(ANGLES), np.sin(ANGLES)]
NAMES = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]


@pytest.mark.parametrize("res", [0, 1, 2, -1, 1.5, float("nan"), float("inf"), True, "3", None])
def test_scalp_grid_refuses_a_resolution_without_a_pixel_in_the_head(res):
    with pytest.raises(ValueError, match=rf"res must be an integer >= 3, got {res!r}"):
        ScalpGrid(POSITIONS, res=res)


@pytest.mark.parametrize("positions, fragment", [
    (np.zeros(3), r"positions must be \(channels, 2\) scalp coordinates .*got shape \(3,\)"),
    (np.zeros((4, 3)), r"positions must be \(channels, 2\) .*got shape \(4, 3\)"),
    (POSITIONS[:2], rf"positions must hold at least {MIN_CHANNELS} electrodes, got 2"),
    (np.where(np.arange(20).reshape(10, 2) == 3, np.nan, POSITIONS), r"positions must be finite"),
    ([["a", "b"]] * 3, r"positions must be \(channels, 2\) scalp coordinates"),
])
def test_scalp_grid_refuses_positions_that_are_not_points_on_the_scalp(positions, fragment):
    with pytest.raises(ValueError, match=fragment):
        ScalpGrid(positions)


@pytest.mark.parametrize("values", [np.arange(3.0), np.arange(11.0), np.ones((10, 1))])
def test_scalp_grid_image_needs_one_value_per_channel(values):
    grid = ScalpGrid(POSITIONS, res=16)
    with pytest.raises(ValueError, match=r"values must hold one value per channel \(10 channels"):
        grid.image(values)


def test_the_smallest_grid_draws_the_centre_of_the_head():
    image = ScalpGrid(POSITIONS, res=3).image(np.ones(10))
    assert image.shape == (3, 3) and image[1, 1] == pytest.approx(1.0)
    assert ScalpGrid(POSITIONS, res=np.int64(16)).image(list(range(10))).shape == (16, 16)


@pytest.mark.parametrize("names", [None, "Fp1", [1, 2], ["Fp1", None], 3])
def test_electrode_positions_refuses_names_that_are_not_strings(names):
    with pytest.raises(TypeError, match=r"channel_names must be a sequence of channel names "
                                        r"\(strings\)"):
        electrode_positions(names)


@pytest.fixture(scope="module")
def eeg_table():
    """A summary with per-channel rows of ten 10-20 channels (no mne needed to make it)."""
    from freqxai.summary import summarize

    rel = np.random.default_rng(0).normal(size=(4, 10, 65))
    return summarize({"ig": rel}, [0, 1, 0, 1], domain="fft", length=128, fs=128.0,
                     channel_names=NAMES, eeg=True)


@pytest.mark.parametrize("kw, fragment", [
    ({"panel": 0}, r"panel must be a finite number > 0, got 0"),
    ({"panel": -1}, r"panel must be a finite number > 0, got -1"),
    ({"panel": float("nan")}, r"panel must be a finite number > 0, got nan"),
    ({"panel": float("inf")}, r"panel must be a finite number > 0, got inf"),
    ({"panel": "3"}, r"panel must be a finite number > 0, got '3'"),
    ({"dpi": 1.5}, r"dpi must be an integer >= 10, got 1.5"),
    ({"dpi": True}, r"dpi must be an integer >= 10, got True"),
    ({"dpi": 5}, r"dpi must be an integer >= 10, got 5"),
    ({"dpi": float("nan")}, r"dpi must be an integer >= 10, got nan"),
    ({"dpi": float("inf")}, r"dpi must be an integer >= 10, got inf"),
    ({"dpi": "3"}, r"dpi must be an integer >= 10, got '3'"),
])
def test_plot_topomaps_refuses_a_bad_size_before_drawing(eeg_table, kw, fragment, tmp_path,
                                                         monkeypatch):
    import freqxai.topomap as topomap

    monkeypatch.setattr(topomap, "_draw", lambda *a: pytest.fail("drew a figure"))
    with pytest.raises(ValueError, match=fragment):
        topomap.plot_topomaps(eeg_table, path=tmp_path / "maps.png", **kw)
    assert not (tmp_path / "maps.png").exists()


def test_plot_topomaps_draws_at_the_smallest_dpi_and_a_small_panel(eeg_table, tmp_path):
    pytest.importorskip("mne")
    from freqxai.topomap import plot_topomaps

    path = plot_topomaps(eeg_table, path=tmp_path / "maps.png", panel=0.5, dpi=10)
    assert path.is_file() and path.stat().st_size > 0

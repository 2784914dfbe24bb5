"""FreqRISE's mask budget fitted to the model's cost (freqxai.runner.budget)."""

from __future__ import annotations

import numpy as np
from torch import nn

from freqxai.adapters import NumpyModel
from freqxai.models import AudioNet
from freqxai.models.cnn import SmallCNN
from freqxai.runner import RunConfig
from freqxai.runner.budget import MASK_FLOP_BUDGET, MIN_AUTO_MASKS, auto_max_masks, forward_flops
from freqxai.runner.config import AUTO_MAX_MASKS


def test_flops_of_a_linear_model_are_its_multiply_adds():
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 50, 3))
    assert forward_flops(model, 2, 50) == 2 * 100 * 3  # one multiply and one add per weight


def test_the_count_is_deterministic_and_grows_with_the_length():
    a = forward_flops(SmallCNN(1, 3), 1, 400)
    assert a == forward_flops(SmallCNN(1, 3), 1, 400) and forward_flops(SmallCNN(1, 3), 1, 800) > a


def test_models_it_cannot_count_keep_the_full_budget():
    numpy_model = NumpyModel(lambda x: np.ones((len(x), 2)) / 2)
    assert forward_flops(numpy_model, 1, 64) is None
    assert forward_flops(lambda x: x, 1, 64) is None
    assert auto_max_masks(None, AUTO_MAX_MASKS) == AUTO_MAX_MASKS


def test_cheap_models_keep_3000_masks_costly_ones_get_fewer_never_below_the_floor():
    small = forward_flops(SmallCNN(6, 4), 6, 100)  # BasicMotions' CNN: ~2 MFLOP
    assert auto_max_masks(small, AUTO_MAX_MASKS) == AUTO_MAX_MASKS
    audio = forward_flops(AudioNet().eval(), 1, 8000)  # ~460 MFLOP: an FSDD clip
    assert 4e8 < audio < 5e8
    assert auto_max_masks(audio, AUTO_MAX_MASKS) == MIN_AUTO_MASKS
    assert auto_max_masks(MASK_FLOP_BUDGET / 1000, AUTO_MAX_MASKS) == 1000


def test_a_runs_freqrise_settings_follow_the_model_cost_and_other_methods_do_not():
    cfg = RunConfig(dataset="uea", name="BasicMotions")
    init, _ = cfg.explainer_settings("freqrise", "fft", 8000, 0, forward_flops=4.6e8)
    assert init["n_masks"] == "auto" and init["max_masks"] == MIN_AUTO_MASKS
    init, _ = cfg.explainer_settings("freqrise", "fft", 100, 0)
    assert init["max_masks"] == AUTO_MAX_MASKS
    # a fixed mask count (--n-masks 3000, the paper's runs) is the user's: no budget
    fixed = RunConfig(dataset="uea", name="BasicMotions", n_masks=3000)
    init, _ = fixed.explainer_settings("freqrise", "fft", 8000, 0, forward_flops=4.6e8)
    assert init["n_masks"] == 3000 and "max_masks" not in init

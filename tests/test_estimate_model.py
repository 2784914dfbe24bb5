"""The cost model behind a run's up-front estimate (freqxai.runner.estimate; issue 29, item 3):
each factor scales the predicted time as its formula says. bench/scale.py checks the same
functions against measurements (docs/performance.md, "Cost model")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch import nn

from freqxai.models.cnn import SmallCNN
from freqxai.runner import RunConfig
from freqxai.runner import estimate as est
from freqxai.runner.estimate import (
    MethodCost,
    Shape,
    coalitions,
    effective_devices,
    estimate_text,
    evaluations,
    forward_units,
    item_seconds,
    length_shapes,
    phase_seconds,
    run_shape,
    sanity_seconds,
)

BASE = Shape(length=500, channels=1, evaluations=100.0, forward=1e7)
COST = MethodCost(fixed=0.5, explain=0.2, score=0.05, shape=BASE)


def test_the_time_is_linear_in_the_signals_past_the_fixed_cost():
    one, two = item_seconds(COST, 20), item_seconds(COST, 40)
    assert two - one == pytest.approx(20 * COST.per_signal)
    assert item_seconds(MethodCost(0.0, 0.2, 0.05), 40) == pytest.approx(
        2 * item_seconds(MethodCost(0.0, 0.2, 0.05), 20))
    assert item_seconds(COST, 20, share=0.5) == pytest.approx(one / 2)  # half the domains


def test_evaluations_scale_the_explanation_and_not_the_scoring():
    doubled = COST.at(Shape(500, 1, 200.0, 1e7))
    assert doubled.explain == pytest.approx(2 * COST.explain)
    assert doubled.score == pytest.approx(COST.score) and doubled.fixed == COST.fixed


def test_the_cost_of_one_evaluation_scales_both_phases():
    longer = COST.at(Shape(1000, 1, 100.0, 2e7))
    assert longer.explain == pytest.approx(2 * COST.explain)
    assert longer.score == pytest.approx(2 * COST.score)
    # without a shape on either side nothing is scaled (a plug-in's cost the model cannot read)
    assert MethodCost(1.0, 2.0).at(BASE) == MethodCost(1.0, 2.0)
    assert COST.at(None) is COST


def test_processes_divide_the_phase():
    work = {"m": [(25, 1.0), (25, 1.0)]}
    one = phase_seconds({"m": COST}, work)["m"]
    assert phase_seconds({"m": COST}, work, devices=2)["m"] == pytest.approx(one / 2)
    assert phase_seconds({"m": COST}, work, devices=4)["m"] == pytest.approx(one / 4)


@pytest.mark.parametrize("devices, cores, busy, threads, expected", [
    (2, None, 0.0, None, 2.0),  # accelerators: every process works at once
    (2, 16, 0.0, 1, 2.0),       # free cores enough for both
    (4, 2, 0.0, 1, 2.0),        # two cores hold two single-threaded processes
    (2, 2, 2.0, 1, 1.0),        # every core busy with other work: one at a time
    (2, 8, 0.0, 8, 1.0),        # 8 threads each on 8 cores
    (1, 2, 0.0, 1, 1.0),
])
def test_processes_run_at_once_only_on_free_cores(devices, cores, busy, threads, expected):
    assert effective_devices(devices, cores=cores, busy=busy, threads=threads) == expected


def test_band_shapley_evaluates_two_to_the_bands_up_to_its_budget():
    assert [coalitions(b, max_evaluations=300) for b in range(4, 9)] == [16, 32, 64, 128, 256]
    assert coalitions(9, max_evaluations=300) == 300  # permutations within the run's budget
    assert coalitions(10) == 1024 and coalitions(12) == 4096  # exact without a budget
    assert coalitions(13) == 200 * 12 + 2  # beyond max_exact: the permutations' prefixes
    assert coalitions(13, max_exact=20) == 2 ** 13


def test_evaluations_are_read_from_the_options_a_method_takes():
    assert evaluations({"n_masks": 800}, length=500) == 800
    assert evaluations({"n_masks": "auto", "max_masks": 1200}, length=500) == 1200
    assert evaluations({"n_steps": 50}, length=500) == 50
    assert evaluations({"eps": 1e-9}, length=500) == 1  # one gradient
    bands = {f"b{i}": (i / 12, (i + 1) / 12) for i in range(6)}
    assert evaluations({"bands": bands, "max_evaluations": 300}, length=500) == 64
    assert evaluations({"bands": bands, "max_evaluations": 300, "players": "channel_band"},
                       length=500, channels=2) == 300  # 12 players: the budget


def test_a_runs_shape_follows_its_settings_and_the_signal_length():
    model = SmallCNN(1, 2).eval()
    cfg = RunConfig(dataset="custom", methods=["freqrise", "shapley", "flex"], domains=["fft"],
                    n_masks=400, n_steps=30)
    assert run_shape(model, cfg, "freqrise", 1, 500).evaluations == 400
    assert run_shape(model, cfg, "flex", 1, 500).evaluations == 30
    # default octave bands grow with the length: 8 bands at 250 samples (exact, 256), 9 at 500
    # (more than the run's 300 coalitions: sampled within them)
    assert run_shape(model, cfg, "shapley", 1, 250).evaluations == 256
    assert run_shape(model, cfg, "shapley", 1, 500).evaluations == 300
    auto = RunConfig(dataset="custom", methods=["freqrise"], domains=["fft"], n_masks="auto")
    assert run_shape(model, auto, "freqrise", 1, 500).evaluations == 3000  # at most


def test_a_convolutional_nets_evaluation_grows_linearly_with_the_length():
    model = SmallCNN(1, 2).eval()
    a, b = forward_units(model, 1, 1000), forward_units(model, 1, 2000)
    assert b / a == pytest.approx(2.0, rel=0.02)
    # channels reach only the first layer: 8 channels cost little more than 1
    assert 1.0 < forward_units(SmallCNN(8, 2), 8, 500) / forward_units(model, 1, 500) < 1.5


def test_a_model_it_cannot_count_costs_its_samples_plus_the_transform():
    units = forward_units(lambda x: x, 2, 64)
    assert units == pytest.approx(2 * 64 + est.TRANSFORM_FLOPS * 2 * 64 * math.log2(64))
    linear = nn.Sequential(nn.Flatten(), nn.Linear(128, 3))
    assert forward_units(linear, 2, 64) == pytest.approx(
        2 * 128 * 3 + est.TRANSFORM_FLOPS * 2 * 64 * 6)


def test_lengths_of_series_of_unequal_length_are_interpolated_between_counted_ones():
    model = SmallCNN(1, 2).eval()
    cfg = RunConfig(dataset="custom", methods=["flex"], domains=["fft"])
    lengths = np.arange(100, 1100, 7)
    shapes = length_shapes(model, cfg, "flex", 1, lengths, most=6)
    assert set(shapes) == set(lengths.tolist())
    for n in (107, 555, 1094):
        assert shapes[n].forward == pytest.approx(forward_units(model, 1, n), rel=0.01)


def test_the_estimate_takes_the_models_costs_and_plain_pairs_alike():
    work = {"m": [(10, 1.0)]}
    text, seconds = estimate_text({"m": (1.0, 0.5)}, work)
    assert seconds == 6.0
    assert estimate_text({"m": MethodCost(1.0, 0.4, 0.1)}, work)[1] == pytest.approx(6.0)
    # an item at twice the probe's evaluations: the explanation doubles, the scoring does not
    shaped = {"m": [(10, 1.0, Shape(500, 1, 200.0, 1e7))]}
    assert estimate_text({"m": COST}, shaped)[1] == pytest.approx(0.5 + 10 * (0.4 + 0.05))
    assert sanity_seconds({"m": (1.0, 0.5)}, signals=10, steps=3) == 18.0
    assert sanity_seconds({"m": (1.0, 0.5)}) == 0.0


def test_the_probes_first_call_does_not_count_as_every_items_fixed_cost(monkeypatch):
    """The first call pays the process's imports (seconds): a probe that kept it would charge
    every work item with them. The 1-signal call is repeated and the faster one kept."""
    calls = iter([(8.0, 0.05), (0.4, 0.2), (0.1, 0.05)])  # 1 (with imports), 4, 1 signals
    monkeypatch.setattr(est, "_time_call", lambda *a, **k: next(calls))
    monkeypatch.setattr(est, "run_shape", lambda *a, **k: BASE)
    X = np.zeros((40, 1, 500), dtype=np.float32)
    cost = est.probe_costs(None, RunConfig(dataset="custom", methods=["freqrise"]), X,
                           np.zeros(40, dtype=np.int64), methods=["freqrise"])["freqrise"]
    assert cost.explain == pytest.approx(0.1) and cost.score == pytest.approx(0.05)
    assert cost.fixed == pytest.approx(0.0) and cost.shape == BASE


def test_extra_processes_pay_the_imports_again_before_they_work():
    from freqxai.runner.budget import IMPORT_SECONDS, process_age

    assert est.startup_seconds(1, 12.0) == 0.0
    assert est.startup_seconds(2, 12.0) == est.startup_seconds(4, 12.0) == 12.0
    assert est.startup_seconds(2, None) == 0.0  # not known: nothing added
    assert est.startup_seconds(2, 3600.0) == est.MAX_START_SECONDS  # a notebook's idle hour
    age = process_age()
    if age is not None:  # Linux: the process started before the runner was imported
        assert IMPORT_SECONDS is not None and 0.0 <= IMPORT_SECONDS <= age
    text, seconds = estimate_text({"m": (1.0, 0.5)}, {"m": [(10, 1.0)]}, devices=2, startup=12.0)
    assert seconds == 3.0 + 12.0 and "starting the other processes 12 s" in text


def test_retraining_on_permuted_labels_is_the_recorded_training_per_epoch_times_the_epochs(
        tmp_path):
    from freqxai.runner.sources.base import record_training, training_record

    assert training_record(tmp_path) is None  # nothing recorded: not known
    record_training(tmp_path, 30.0, 15)  # early stopping ended after 15 epochs
    assert training_record(tmp_path) == {"seconds": 30.0, "epochs": 15}
    # the retraining runs every epoch (nothing to stop early on)
    assert est.retrain_seconds(training_record(tmp_path), 200) == pytest.approx(400.0)
    assert est.retrain_seconds(None, 200) is None
    (tmp_path / "model_training.json").write_text("{not json")
    assert training_record(tmp_path) is None


def test_the_estimate_states_the_retraining_or_that_it_is_not_known():
    costs, work = {"flex": (1.0, 0.1)}, {"flex": [(10, 1.0)]}
    text, seconds = est.estimate_text(costs, work, sanity_signals=10, sanity_steps=3,
                                      retrain=400.0)
    plain, same = est.estimate_text(costs, work, sanity_signals=10, sanity_steps=3)
    assert seconds == same == pytest.approx(2.0)  # the explanation phase alone
    assert "retraining the model on permuted labels 7 min" in text and "permuted" not in plain
    assert "sanity checks about 7 min" in text  # 3 x 2 s of maps + 400 s of retraining
    unknown, _ = est.estimate_text(costs, work, sanity_signals=10, sanity_steps=3, retrain=None)
    assert "plus retraining the model on permuted labels" in unknown
    advice, _ = est.estimate_text(costs, work, retrain=700.0)
    assert "--quick" in advice  # the whole run passes 10 min

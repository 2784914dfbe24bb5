"""Sanity checks (Adebayo et al., 2018): parameter and data randomization (issue 20); the
model-swap deletion test (issue 26)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from conftest import shared_path
from torch import nn

from freqxai.sanity import (
    SWAP_COLUMNS,
    SWAP_OUTCOMES,
    _swap_test,
    data_randomization,
    model_swap_deletion,
    parameter_randomization,
    plot_randomization,
    randomizable_layers,
    similarity,
    train_on_permuted_labels,
)
from freqxai.testing import LinearSpectrumModel

LENGTH = 64


class CNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Conv1d(1, 4, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(8),
                                 nn.Flatten(), nn.Linear(32, 3))

    def forward(self, x):
        return self.net(x)


def _x(n: int = 6) -> torch.Tensor:
    return torch.randn(n, 1, LENGTH, generator=torch.Generator().manual_seed(0))


SIMILARITY = [
    ("identical", [[1.0, 2, 3, 4]], [[1.0, 2, 3, 4]], {}, 1.0, 1.0),
    ("reversed", [[1.0, 2, 3, 4]], [[4.0, 3, 2, 1]], {"top_k": 0.5}, -1.0, 0.0),
    ("sign flipped, by magnitude", [[1.0, -2, 3, -4]], [[-1.0, 2, -3, 4]], {}, 1.0, 1.0),
    ("sign flipped, signed", [[1.0, -2, 3, -4]], [[-1.0, 2, -3, 4]], {"absolute": False},
     -1.0, 0.0),
]


@pytest.mark.parametrize("case, a, b, kw, rho, inter", SIMILARITY, ids=[c[0] for c in SIMILARITY])
def test_similarity_known_answers(case, a, b, kw, rho, inter):
    r, i = similarity(np.array(a), np.array(b), **kw)
    np.testing.assert_allclose(r, [rho])
    np.testing.assert_allclose(i, [inter])


def test_a_constant_map_has_no_rank_correlation():
    r, _ = similarity(np.ones((1, 5)), np.arange(5.0)[None])
    assert np.isnan(r).all()


def test_the_amplitude_reference_survives_by_construction():
    table = parameter_randomization(CNN(), _x(), method="amplitude")
    assert table.attrs["survives"] is True
    np.testing.assert_allclose(table["spearman"], 1.0)
    np.testing.assert_allclose(table["top_k"], 1.0)
    assert list(table["layer"]) == ["original", "net.4", "net.0"]  # output first


@pytest.mark.parametrize("order", ["cascading", "independent"])
def test_the_callers_model_is_never_changed(order):
    model = CNN()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    table = parameter_randomization(model, _x(), method="gxi", order=order)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k], rtol=0, atol=0)
    assert table["spearman"].iloc[1:].lt(0.99).all()  # the copies were randomized


def test_cascading_and_independent_agree_on_the_top_layer_and_differ_below():
    model, x = CNN(), _x()
    cascading = parameter_randomization(model, x, method="gxi", order="cascading")
    independent = parameter_randomization(model, x, method="gxi", order="independent")
    # step 1 randomizes the output layer alone in both orders, with the same seed
    np.testing.assert_allclose(cascading["spearman"].iloc[1], independent["spearman"].iloc[1])
    assert cascading["spearman"].iloc[2] != independent["spearman"].iloc[2]


@pytest.mark.parametrize("method, options", [
    ("gxi", {}), ("ig", {"n_steps": 16}), ("lrp", {}), ("flex", {"n_steps": 16}),
    ("freqrise", {"n_masks": 500, "seed": 0}),
])
def test_model_methods_pass_on_the_papers_mlp(method, options):
    from freqxai.models import load_synth_mlp

    model = load_synth_mlp(shared_path("reference-models", "synth_mlp_0.01.pt"))
    with np.load(shared_path("reference-data", "synthetic_test_n100.npz")) as d:
        x, y = torch.from_numpy(d["X"][:10, None]), torch.from_numpy(d["y"][:10])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = parameter_randomization(model, x, y, method=method, options=options)
        amplitude = parameter_randomization(model, x, y, method="amplitude")
    assert table.attrs["survives"] is False, table
    assert table["spearman"].iloc[-1] < 0.5
    assert amplitude.attrs["survives"] is True


BAD = [
    ({"order": "backwards"}, ValueError, "order"),
    ({"layers": ["nope"]}, ValueError, "are not modules with parameters"),
    ({"top_k": 0.0}, ValueError, "top_k"),
    ({"threshold": 2.0}, ValueError, "threshold"),
    ({"absolute": "yes"}, TypeError, "absolute"),
    ({"options": ["n_steps", 4]}, TypeError, "options must be a dict"),
    ({"method": "shap"}, ValueError, "unknown explainer"),
]


@pytest.mark.parametrize("kwargs, error, match", BAD, ids=[next(iter(b[0])) for b in BAD])
def test_bad_arguments_are_refused_before_compute(kwargs, error, match):
    with pytest.raises(error, match=match):
        parameter_randomization(CNN(), _x(), **{"method": "gxi", **kwargs})


def test_a_model_that_is_not_a_module_cannot_be_randomized():
    with pytest.raises(TypeError, match="torch.nn.Module"):
        parameter_randomization(lambda v: CNN()(v), _x(), method="gxi")
    assert randomizable_layers(CNN()) == ["net.0", "net.4"]
    from freqxai.adapters import NumpyModel

    forward_only = NumpyModel(lambda a: a.reshape(len(a), -1)[:, :3], output_kind="logits")
    with pytest.raises(TypeError, match="NumpyModel has no layers with weights to randomize"):
        parameter_randomization(forward_only, _x(), method="amplitude")


def test_plot_puts_data_randomization_after_the_layers_in_the_domains_colour():
    import matplotlib

    matplotlib.use("Agg")
    model, x = CNN(), _x()
    layers = parameter_randomization(model, x, method="amplitude")
    data = data_randomization(model, CNN(), x, method="amplitude")
    ax = plot_randomization([layers, data], labels=["fft", "fft"])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["original", "net.4", "net.0", "labels permuted"]
    lines = [c for c in ax.containers]  # errorbar containers: the line, then the square
    assert lines[0].lines[0].get_color() == lines[1].lines[0].get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fft (survives)"]
    with pytest.raises(ValueError, match="labels has 1 entries for 2 tables"):
        plot_randomization([layers, data], labels=["fft"])


def test_data_randomization_against_a_model_trained_on_permuted_labels():
    x = _x(24)
    y = (x[:, 0, :32].mean(1) > 0).long().numpy()  # a learnable rule
    permuted = train_on_permuted_labels(CNN, x.numpy(), y, epochs=3, batch_size=8,
                                        accelerator="cpu", progress=False)
    assert not torch.equal(permuted.net[0].weight, CNN().net[0].weight)  # trained
    table = data_randomization(CNN(), permuted, x, method="gxi")
    assert list(table["layer"]) == ["original", "permuted labels"]
    assert table["order"].eq("data").all() and isinstance(table.attrs["survives"], bool)
    amplitude = data_randomization(CNN(), permuted, x, method="amplitude")
    assert amplitude.attrs["survives"] is True


def test_plot_marks_the_methods_that_survive():
    import matplotlib

    matplotlib.use("Agg")
    model, x = CNN(), _x()
    tables = [parameter_randomization(model, x, method=m) for m in ("gxi", "amplitude")]
    ax = plot_randomization(tables)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["gxi", "amplitude (survives)"]


# ---- issue 25: models that cannot be randomized by name, seeds, arguments -------------------

def _onnx_cnn(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnx2pytorch")
    from freqxai.convert import load_model

    path = tmp_path / "cnn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(CNN().eval(), (_x(2),), str(path), input_names=["x"],
                          output_names=["y"], dynamo=False,
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
        return load_model(path)


def _script_cnn(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation
        return torch.jit.trace(CNN().eval(), (_x(2),))


@pytest.mark.parametrize("make", [_onnx_cnn, _script_cnn], ids=["onnx2pytorch", "torchscript"])
def test_models_whose_layers_are_not_reachable_by_name_are_randomized(tmp_path, make,
                                                                       monkeypatch):
    """onnx2pytorch names its layers ``Conv_/net/net.0/...`` (not attribute paths) and a
    ScriptModule has no ``get_submodule``: the copies are randomized all the same, the caller's
    model never."""
    import freqxai.sanity

    model, x = make(tmp_path), _x()
    before = model(x).detach().clone()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    outputs = []
    explain = freqxai.sanity._explain

    def recording(method, m, *args):  # the outputs of every model explained
        outputs.append(m(x).detach().clone())
        return explain(method, m, *args)

    monkeypatch.setattr(freqxai.sanity, "_explain", recording)
    table = parameter_randomization(model, x, method="gxi")
    assert len(table) == 1 + len(randomizable_layers(model)) == 3
    torch.testing.assert_close(outputs[0], before)
    for out in outputs[1:]:  # each randomized copy computes another function
        assert (out - before).abs().max() > 1e-3
    assert table["spearman"].iloc[1:].lt(0.99).all()
    torch.testing.assert_close(model(x), before, rtol=0, atol=0)  # the original is untouched
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, state[k], rtol=0, atol=0)


class Unused(CNN):
    """CNN with a layer the output never reads: randomizing it changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Linear(2, 2)


@pytest.mark.parametrize("method, settings", [("freqrise", {"n_masks": 64}), ("random", {})])
def test_a_stochastic_method_without_a_seed_gets_the_same_draws_for_every_model(method, settings):
    """Without a seed FreqRISE's masks (the random reference's draws) differed per model, so the
    "randomization" measured mask noise: one seed is drawn, reused and named in a warning."""
    model, x = Unused(), _x()
    with pytest.warns(UserWarning, match=rf"{method}.*no seed.*same .*seed="):
        table = parameter_randomization(model, x, method=method, settings=settings,
                                        layers=["unused"])
    np.testing.assert_allclose(table["spearman"], 1.0)  # the same masks, the same model
    with pytest.warns(UserWarning, match=rf"{method}.*no seed"):
        data = data_randomization(model, Unused(), x, method=method, settings=settings)
    np.testing.assert_allclose(data["spearman"], 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a seed given: no warning
        parameter_randomization(model, x, method="random", options={"seed": 3},
                                layers=["unused"])


def test_train_on_permuted_labels_wants_a_factory_not_a_model():
    x = _x(8)
    y = np.arange(8) % 3
    with pytest.raises(TypeError, match=r"make_model.*function that builds a fresh model.*"
                                        r"lambda: CNN\(\)"):
        train_on_permuted_labels(CNN(), x.numpy(), y, epochs=1)
    with pytest.raises(TypeError, match="make_model"):
        train_on_permuted_labels("CNN", x.numpy(), y, epochs=1)


def test_plot_randomization_takes_one_table():
    import matplotlib

    matplotlib.use("Agg")
    table = parameter_randomization(CNN(), _x(), method="amplitude")
    ax = plot_randomization(table)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["original", "net.4", "net.0"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["amplitude (survives)"]
    with pytest.raises(TypeError, match="tables must be"):
        plot_randomization([table, "gxi"])


# (id, arguments after make_model, error, fragment): refused before the model is built
BAD_PERMUTED = [
    ("X and y of other lengths", lambda x, y: ((x, y[:5]), {}), ValueError,
     r"y must hold one label per signal of X: X has 8 signals, y has shape \(5,\)"),
    ("y of two axes", lambda x, y: ((x, y[:, None]), {}), ValueError, "y must hold one label"),
    ("X a number", lambda x, y: ((5, y), {}), TypeError, "X must be an array"),
    ("seed -1", lambda x, y: ((x, y), {"seed": -1}), ValueError, "seed must be"),
    ("seed 1.5", lambda x, y: ((x, y), {"seed": 1.5}), ValueError, "seed must be"),
    ("seed None", lambda x, y: ((x, y), {"seed": None}), ValueError, "seed must be an integer"),
]


@pytest.mark.parametrize("arguments, error, match", [c[1:] for c in BAD_PERMUTED],
                         ids=[c[0] for c in BAD_PERMUTED])
def test_train_on_permuted_labels_refuses_bad_data_and_seeds_first(arguments, error, match):
    built = []
    args, kwargs = arguments(_x(8).numpy(), np.arange(8) % 3)
    with pytest.raises(error, match=match):
        train_on_permuted_labels(lambda: built.append(1) or CNN(), *args, epochs=1, **kwargs)
    assert not built


# (id, tables, keywords, error, fragment)
BAD_PLOTS = [
    ("no tables", [], {}, ValueError, "tables is empty"),
    ("ax a number", None, {"ax": 5}, TypeError, "ax must be a matplotlib Axes"),
    ("ax a string", None, {"ax": "left"}, TypeError, "ax must be a matplotlib Axes"),
]


@pytest.mark.parametrize("tables, kwargs, error, match", [c[1:] for c in BAD_PLOTS],
                         ids=[c[0] for c in BAD_PLOTS])
def test_plot_randomization_refuses_no_tables_and_a_bad_ax(tables, kwargs, error, match):
    import matplotlib

    matplotlib.use("Agg")
    if tables is None:
        tables = [parameter_randomization(CNN(), _x(), method="amplitude")]
    with pytest.raises(error, match=match):
        plot_randomization(tables, **kwargs)


# ---- issue 26: the model-swap deletion test -------------------------------------------------------

SWAP_LENGTH = 128
BAND = 5  # the rFFT bin the band model decides by
LOUD = (12, 20, 27, 33, 41, 50)  # louder tones the model ignores


def _band_model(k: int = BAND) -> LinearSpectrumModel:
    """Logit 0 = 0.5 |X_k|, logit 1 = 0: class 0 is decided by bin ``k`` alone."""
    weight = torch.zeros(2, SWAP_LENGTH // 2 + 1)
    weight[0, k] = 0.5
    return LinearSpectrumModel(weight)


def _band_signals(n: int = 8) -> torch.Tensor:
    """Noise, a weak tone at BAND (what the model reads) and six louder tones it ignores: the
    amplitude ranks the loud tones first, the model's map ranks BAND first."""
    g = torch.Generator().manual_seed(0)
    t = torch.arange(SWAP_LENGTH)
    phases = torch.rand(n, 1 + len(LOUD), 1, generator=g) * 6.28
    x = torch.randn(n, 1, SWAP_LENGTH, generator=g)
    x = x + 0.5 * torch.cos(2 * np.pi * BAND * t / SWAP_LENGTH + phases[:, :1])
    for i, f in enumerate(LOUD):
        x = x + 2 * torch.cos(2 * np.pi * f * t / SWAP_LENGTH + phases[:, i + 1:i + 2])
    return x.float()


def test_the_amplitude_references_gap_is_exactly_zero():
    """Its map does not read the model: both orders delete the same coefficients, the gap is 0 on
    every input, whatever the number of signals, and the outcome is decided (no spread)."""
    for n in (2, 6):
        table = model_swap_deletion(CNN(), _x(n), method="amplitude")
        assert list(table.columns) == SWAP_COLUMNS and len(table) == 1
        row = table.iloc[0]
        assert table.attrs["gaps"] == [0.0] * n and row["gap"] == 0.0 and row["gap_se"] == 0.0
        assert row["outcome"] == "no evidence of model dependence" and row["p_value"] == 1.0
        assert row["upper_bound"] == 0.0 and row["randomization"] == "layers" and row["n"] == n
        assert row["spearman"] == row["signed_spearman"] == 1.0
        assert "does not depend on the model" in row["reason"] and "gap 0.00" in row["reason"]


@pytest.mark.parametrize("method", ["gxi", "flex"])
def test_a_map_of_a_model_that_uses_one_band_is_model_dependent(method):
    """The band model decides class 0 by a weak bin among louder ones: the trained model's map
    deletes that bin first, the randomized model's map later, so the gap is positive on every
    input. (With seed 2 the re-initialized weights do not happen to rank that bin first: a
    one-layer model's randomized map is a draw; the permuted-label stand-in below is not.)"""
    model, x = _band_model(), _band_signals()
    layers = model_swap_deletion(model, x, 0, method=method, seed=2, options={"n_steps": 8}
                                 if method == "flex" else None).iloc[0]
    assert layers["outcome"] == "model-dependent" and layers["p_value"] < 0.01
    assert layers["gap"] > 0.3 and layers["deletion_trained"] < layers["deletion_randomized"]
    assert "its map depends on the model" in layers["reason"]
    # a model of the same architecture that learned another band (as one trained on permuted
    # labels would): the trained model's map wins on every input
    other = model_swap_deletion(model, x, 0, method=method, randomized=_band_model(LOUD[0]),
                                options={"n_steps": 8} if method == "flex" else None)
    assert other.iloc[0]["randomization"] == "permuted labels"
    assert other.iloc[0]["outcome"] == "model-dependent"
    assert min(other.attrs["gaps"]) > 0
    # the descriptive numbers: the maps share the input's |X_k|, the partial correlation less
    assert abs(layers["partial_spearman"]) < layers["spearman"] + 1e-9


def test_the_swap_uses_the_cascading_randomizations_weights_and_leaves_the_model_alone(
        monkeypatch):
    import freqxai.sanity

    model, x = CNN(), _x()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []
    explain = freqxai.sanity._explain

    def recording(method, m, *args):
        seen.append({k: v.clone() for k, v in m.state_dict().items()})
        return explain(method, m, *args)

    monkeypatch.setattr(freqxai.sanity, "_explain", recording)
    parameter_randomization(model, x, method="gxi", seed=4)
    cascading_last = seen[-1]
    seen.clear()
    model_swap_deletion(model, x, method="gxi", seed=4)
    for k, v in seen[1].items():  # the randomized model: the last cascading step's weights
        torch.testing.assert_close(v, cascading_last[k], rtol=0, atol=0)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, before[k], rtol=0, atol=0)


@pytest.mark.parametrize("gaps, outcome", [
    ([0.30, 0.25, 0.35, 0.28, 0.31, 0.27], SWAP_OUTCOMES[0]),
    ([0.0] * 6, SWAP_OUTCOMES[1]),
    ([0.01, -0.02, 0.03, 0.0, 0.02, -0.01], SWAP_OUTCOMES[1]),
    ([0.4, -0.3, 0.5, -0.2], SWAP_OUTCOMES[2]),
    ([0.05] * 5, SWAP_OUTCOMES[0]),  # no spread and above 0: significant, however small
], ids=["large", "all zero", "small", "noisy", "constant positive"])
def test_the_outcome_rule(gaps, outcome):
    from scipy.stats import ttest_1samp

    result = _swap_test(np.array(gaps), 0.01, 0.10)
    assert result["outcome"] == outcome
    assert result["gap"] == pytest.approx(np.mean(gaps))
    if np.std(gaps) > 0:  # the one-sided paired t-test
        assert result["p_value"] == pytest.approx(
            ttest_1samp(gaps, 0.0, alternative="greater").pvalue)
        assert result["upper_bound"] > result["gap"]


def test_a_stochastic_method_gets_independent_seeds_and_its_reliability():
    """FreqRISE explains each model with its own masks (shared masks would make the maps agree by
    their noise) and the trained model once more: the seed-to-seed Spearman is reported."""
    model, x = _band_model(), _band_signals(4)
    kw = {"method": "freqrise", "settings": {"n_masks": 64}, "options": {"seed": 11}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = model_swap_deletion(model, x, 0, **kw)
        again = model_swap_deletion(model, x, 0, **kw)
        without = model_swap_deletion(model, x, 0, **kw, reliability=False)
    seeds = table.attrs["seeds"]
    assert seeds["trained"] == 11 and len({seeds["trained"], seeds["randomized"],
                                           seeds["reliability"]}) == 3
    assert -1 <= table.iloc[0]["reliability"] <= 1
    assert table.attrs["gaps"] == again.attrs["gaps"]  # repeatable
    assert np.isnan(without.iloc[0]["reliability"]) and without.attrs["seeds"]["reliability"] is None
    assert np.isnan(model_swap_deletion(CNN(), _x(3), method="gxi").iloc[0]["reliability"])


SWAP_BAD = [
    ({"randomized": "weights"}, ValueError, "randomized must be one of"),
    ({"randomized": 3}, TypeError, "randomized must be 'layers' or a model"),
    ({"alpha": 0.0}, ValueError, "alpha"),
    ({"alpha": 1.5}, ValueError, "alpha"),
    ({"margin": -0.1}, ValueError, "margin"),
    ({"margin": "0.1"}, ValueError, "margin"),
    ({"energy": 1.0}, ValueError, "energy"),
    ({"fractions": [0.5]}, ValueError, "fractions"),
    ({"seed": None}, ValueError, "seed must be an integer"),
    ({"reliability": "yes"}, TypeError, "reliability"),
    ({"options": ["n_steps", 4]}, TypeError, "options must be a dict"),
    ({"method": "shap"}, ValueError, "unknown explainer"),
    ({"inputs": _x(1)}, ValueError, "inputs must hold at least 2 signals"),
]


@pytest.mark.parametrize("kwargs, error, match", SWAP_BAD,
                         ids=[f"{next(iter(b[0]))}={list(b[0].values())[0]!r}"[:30] for b in SWAP_BAD])
def test_model_swap_refuses_bad_arguments_before_explaining(kwargs, error, match, monkeypatch):
    import freqxai.sanity

    def never(*args, **kwargs):
        raise AssertionError("explained before the arguments were checked")

    monkeypatch.setattr(freqxai.sanity, "_explain", never)
    kwargs = {"method": "gxi", **kwargs}
    inputs = kwargs.pop("inputs", _x())
    with pytest.raises(error, match=match):
        model_swap_deletion(CNN(), inputs, **kwargs)


def test_model_swap_of_a_model_without_layers_wants_a_permuted_label_model():
    from freqxai.adapters import NumpyModel
    from freqxai.testing import BinPowerModel

    forward_only = NumpyModel(lambda a: a.reshape(len(a), -1)[:, :3], output_kind="logits")
    with pytest.raises(TypeError, match="give randomized=<a model trained on permuted labels>"):
        model_swap_deletion(forward_only, _x(), method="amplitude")
    with pytest.raises(TypeError, match="BinPowerModel has no layers with weights"):
        model_swap_deletion(BinPowerModel(3), _x(), method="gxi")
    model = CNN()
    with pytest.raises(ValueError, match="randomized is the trained model itself"):
        model_swap_deletion(model, _x(), method="gxi", randomized=model)
    # a forward-only model with a permuted-label stand-in: forward passes are all it takes
    table = model_swap_deletion(BinPowerModel(3), _x(4), method="freqrise",
                                randomized=BinPowerModel(9), settings={"n_masks": 32})
    assert table.iloc[0]["randomization"] == "permuted labels"

"""Models that explainers and metrics must not misread (issue 16), driven by tables.

Each case used to give a silent wrong result or a cryptic error from torch: a final softmax read
through a second softmax, a single output, NaN outputs, a model in training mode, a model without
gradients, a model on the meta device.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn

import freqxai.freqig
from freqxai import BinaryClassifier, get_explainer, list_explainers
from freqxai.explainers import explainer_class
from freqxai.metrics import get_metric
from freqxai.metrics.complexity import complexity

N_CLASSES = 3
LENGTH = 64

OPTIONS = {
    "freqrise": {"n_masks": 64, "batch_size": 32, "seed": 0, "warn_if_noise": False},
    "flex": {"n_steps": 8},
    "ig": {"n_steps": 8},
    "random": {"seed": 0},
    "flextime": {"n_epochs": 20},
    "freqmask": {"n_epochs": 20},
}


class CNN(nn.Module):
    def __init__(self, n_out: int = N_CLASSES, dropout: float = 0.0, bn: bool = False) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            layers = [nn.Conv1d(2, 4, 5, padding=2)]
            if bn:
                layers.append(nn.BatchNorm1d(4))
            layers += [nn.ReLU(), nn.AdaptiveAvgPool1d(8), nn.Flatten(), nn.Dropout(dropout),
                       nn.Linear(32, n_out)]
            self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class NumpyInside(nn.Module):
    """A model that leaves torch in its forward (features computed with numpy)."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(2, N_CLASSES)

    def forward(self, x):
        feats = torch.as_tensor(np.abs(x.detach().cpu().numpy()).mean(-1), dtype=x.dtype)
        return self.head(feats)


def _x(batch: int = 4, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 2, LENGTH, generator=g)


def _explain(name, model, x, target=None, **extra):
    settings, opts = explainer_class(name).split_options(**{**OPTIONS.get(name, {}), **extra})
    return get_explainer(name, model, domain="fft", **settings).attribute(x, target=target, **opts)


MODEL_METHODS = [n for n in list_explainers() if explainer_class(n).needs_model]


# --- a final softmax is read as probabilities, never through a second softmax -------------------

def test_probability_outputs_are_detected_and_give_the_logit_models_answer():
    net, x = CNN(), _x()
    probs = nn.Sequential(net, nn.Softmax(dim=1))
    expected = _explain("freqrise", net, x)
    with pytest.warns(UserWarning, match="outputs are probabilities"):
        got = _explain("freqrise", probs, x)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-6)
    # the relevance of a second softmax is ~10x smaller: make sure that is what we ruled out
    assert got.abs().sum() > 2 * _explain("freqrise", lambda v: probs(v).softmax(1), x).abs().sum()


def test_log_softmax_output_of_a_probability_model_is_the_log_probability():
    net, x = CNN(), _x()
    probs = nn.Sequential(net, nn.Softmax(dim=1))
    probs.output_kind = "probabilities"  # declared: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _explain("freqrise", probs, x, output="log_softmax")
    torch.testing.assert_close(got, _explain("freqrise", net, x, output="log_softmax"),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("metric", ["deletion", "insertion"])
def test_metrics_read_probability_outputs_as_they_are(metric):
    net, x = CNN(), _x()
    rel = torch.rand(len(x), 1, LENGTH // 2 + 1, generator=torch.Generator().manual_seed(1))
    m = get_metric(metric)
    expected = m.curves(net, x, rel)
    with pytest.warns(UserWarning, match="outputs are probabilities"):
        got = m.curves(nn.Sequential(net, nn.Softmax(dim=1)), x, rel)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_declared_logits_that_look_like_probabilities_are_kept_as_logits():
    net, x = CNN(), _x()
    probs = nn.Sequential(net, nn.Softmax(dim=1))
    probs.output_kind = "logits"  # the user says: softmax these
    got = _explain("freqrise", probs, x)
    np.testing.assert_allclose(got, _explain("freqrise", lambda v: probs(v).softmax(1), x))


# --- one output per input --------------------------------------------------------------------------

@pytest.mark.parametrize("name", MODEL_METHODS)
def test_single_output_models_are_refused_with_the_wrapper_named(name):
    single = CNN(n_out=1)
    with pytest.raises(ValueError, match=r"one output per input.*BinaryClassifier"):
        _explain(name, single, _x())


def test_single_output_deletion_is_refused():
    with pytest.raises(ValueError, match="one output per input"):
        get_metric("deletion")(CNN(n_out=1), _x(), torch.rand(4, 1, LENGTH // 2 + 1))


def test_binary_classifier_scores_class_one_with_the_single_logit():
    single, x = CNN(n_out=1), _x()
    two = BinaryClassifier(single)
    z = single(x)[:, 0]
    out = two(x)
    torch.testing.assert_close(out.softmax(1)[:, 1], torch.sigmoid(z))
    # gradient methods see the single logit's gradient for class 1
    sal = _explain("saliency", two, x, target=1)
    xg = x.clone().requires_grad_()
    grad = torch.autograd.grad(single(xg).sum(), xg)[0]
    torch.testing.assert_close(sal, get_explainer("saliency", lambda v: torch.cat(
        [torch.zeros_like(single(v)), single(v)], 1), domain="fft").attribute(x, target=1))
    assert grad.abs().sum() > 0
    p = BinaryClassifier(lambda v: torch.sigmoid(single(v)), output="probability")
    assert p.output_kind == "probabilities"
    torch.testing.assert_close(p(x).sum(1), torch.ones(len(x)))


# --- NaN / Inf outputs -----------------------------------------------------------------------------

class NaNOn(nn.Module):
    """NaN for inputs whose energy is below ``threshold`` (attenuated, masked signals)."""

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.net = CNN()
        self.threshold = threshold

    def forward(self, x):
        out = self.net(x)
        energy = x.square().mean((1, 2))
        return torch.where((energy < self.threshold)[:, None], torch.nan, out)


@pytest.mark.parametrize("name", MODEL_METHODS)
def test_nan_outputs_on_the_inputs_are_refused(name):
    with pytest.raises(ValueError, match="NaN or Inf outputs"):
        _explain(name, NaNOn(threshold=1e9), _x())


@pytest.mark.parametrize("case", [
    ("freqrise", lambda m, x: _explain("freqrise", m, x)),
    ("flex-zero-baseline", lambda m, x: _explain("flex", m, x)),
    ("ig-zero-baseline", lambda m, x: _explain("ig", m, x)),
    ("deletion", lambda m, x: get_metric("deletion")(m, x, torch.rand(len(x), 1, LENGTH // 2 + 1))),
    ("insertion", lambda m, x: get_metric("insertion")(m, x, torch.rand(len(x), 1, LENGTH // 2 + 1))),
], ids=lambda c: c[0])
def test_nan_outputs_on_perturbed_signals_are_refused(case):
    _, run = case
    with pytest.raises(ValueError, match="NaN or Inf"):
        run(NaNOn(threshold=0.45), _x())  # finite on x (energy ~1), NaN on attenuated signals


# --- training mode: evaluate the deterministic model, change nothing -------------------------------

def _state(model):
    return ([m.training for m in model.modules()],
            {k: v.clone() for k, v in model.state_dict().items()})


@pytest.mark.parametrize("name", MODEL_METHODS)
def test_explainers_run_in_eval_mode_and_restore_every_module(name):
    model, x = CNN(dropout=0.5, bn=True), _x()
    model.train()
    model.net[0].eval()  # a submodule in its own mode stays so
    before = _state(model)
    first = _explain(name, model, x)
    second = _explain(name, model, x)
    after = _state(model)
    assert after[0] == before[0]
    for k, v in before[1].items():
        torch.testing.assert_close(after[1][k], v, msg=f"{k} changed")
    torch.testing.assert_close(first, second)
    model.eval()
    torch.testing.assert_close(first, _explain(name, model, x))


@pytest.mark.parametrize("metric", ["deletion", "insertion"])
def test_metrics_on_a_training_model_are_deterministic_and_leave_it_unchanged(metric):
    model, x = CNN(dropout=0.5, bn=True), _x()
    model.train()
    before = _state(model)
    rel = torch.rand(len(x), 1, LENGTH // 2 + 1, generator=torch.Generator().manual_seed(0))
    m = get_metric(metric)
    a, b = m(model, x, rel), m(model, x, rel)
    np.testing.assert_array_equal(a, b)
    after = _state(model)
    assert after[0] == before[0] and model.training
    for k, v in before[1].items():
        torch.testing.assert_close(after[1][k], v, msg=f"{k} changed")


def test_eval_mode_restores_modes_when_the_explainer_raises():
    model = CNN(dropout=0.5)
    model.train()
    with pytest.raises(ValueError):
        _explain("freqrise", model, _x(), n_masks=0)
    assert all(m.training for m in model.modules())


# --- models without gradients -----------------------------------------------------------------------

GRADIENT_METHODS = [n for n in list_explainers() if explainer_class(n).needs_gradients]


def test_gradient_methods_are_declared():
    assert set(GRADIENT_METHODS) >= {"flex", "saliency", "gxi", "ig", "lrp"}
    assert "freqrise" not in GRADIENT_METHODS


@pytest.mark.parametrize("name", GRADIENT_METHODS)
def test_models_without_gradients_are_refused_naming_forward_only_methods(name):
    with pytest.raises(TypeError, match=r"needs gradients.*forward passes: freqrise"):
        _explain(name, NumpyInside(), _x())


def test_forward_only_methods_explain_a_model_without_gradients():
    rel = _explain("freqrise", NumpyInside(), _x())
    assert torch.isfinite(rel).all() and rel.abs().sum() > 0


# --- other bad inputs ------------------------------------------------------------------------------

def _meta_model():
    with torch.device("meta"):
        return CNN()


BAD = [
    ("meta-device-model", lambda: get_explainer("freqrise", _meta_model()), ValueError,
     "meta device"),
    ("complex-relevance-complexity", lambda: complexity(torch.randn(2, 1, 8, dtype=torch.cfloat)),
     TypeError, "real-valued"),
    ("complex-relevance-numpy", lambda: complexity(np.ones((2, 4), dtype=complex)), TypeError,
     "real array"),
    ("empty-batch-complexity", lambda: complexity(np.zeros((0, 1, 8))), ValueError, "empty"),
    ("complexity-metric-empty", lambda: get_metric("complexity")(None, None, np.zeros((0, 4))),
     ValueError, "empty"),
    ("model-class-not-instance", lambda: get_explainer("freqrise", CNN), TypeError,
     "the class CNN, not a model"),
    ("numpy-strings", lambda: _explain("flex", CNN(), np.full((1, 2, 8), "a")), TypeError,
     "numeric array, got dtype <U1"),
    ("meta-inputs", lambda: _explain("flex", CNN(), torch.empty(1, 2, 8, device="meta")),
     ValueError, "inputs is on the meta device"),
    ("huge-target", lambda: _explain("saliency", CNN(), _x(), target=10**20), ValueError,
     "target out of range"),
    ("float64-beyond-float32", lambda: _explain("flex", CNN(), np.full((1, 2, 64), 1e300)),
     ValueError, "beyond the range of the model's torch.float32"),
    ("channels-mismatch", lambda: _explain("freqrise", CNN(), torch.randn(1, 3, 64)), ValueError,
     "expects 2 input channels, the inputs have 3"),
    ("complex-baselines", lambda: _explain("flex", CNN(), _x(1),
                                           baselines=np.zeros((1, 2, 64), complex)),
     TypeError, "baselines must be real-valued"),
    ("flex-show_progress", lambda: _explain("flex", CNN(), _x(1), show_progress="yes"), TypeError,
     "show_progress"),
    ("freqrise-max_masks-unused", lambda: _explain("freqrise", CNN(), _x(1), max_masks=-1),
     ValueError, "max_masks"),
    ("gradient-eps-nan", lambda: get_explainer("gxi", CNN(), eps=float("nan")), ValueError,
     "eps"),
    ("lrp-canonizers-string", lambda: get_explainer("lrp", CNN(), canonizers="merge"), TypeError,
     "canonizers must be a list of zennit Canonizer"),
    ("lrp-canonizers-int", lambda: get_explainer("lrp", CNN(), canonizers=3), TypeError,
     "canonizers must be a list"),
    ("metric-unknown-domain", lambda: get_metric("complexity")(None, _x(), np.ones((4, 1, 33)),
                                                               domain="dft"),
     ValueError, "unknown domain 'dft'"),
    ("localization-channels", lambda: get_metric("localization")(
        None, _x(), np.ones((4, 3, 33)), domain="fft", ground_truth=[[1]] * 4), ValueError,
     "relevance has 3 channels for inputs with 2"),
    ("threshold-nan", lambda: __import__("freqxai.metrics.postprocess", fromlist=["x"]).threshold(
        np.full((2, 4), np.nan), "mean"), ValueError, "NaN or Inf"),
    ("auc-nan", lambda: __import__("freqxai.metrics.faithfulness", fromlist=["x"])
     .area_under_curve(np.full((2, 3), np.nan), [0, 0.5, 1]), ValueError, "curves contain NaN"),
    ("capabilities-string", lambda: __import__("freqxai.adapters", fromlist=["x"]).capabilities(
        "model.pt"), TypeError, "model must be a torch.nn.Module"),
    ("binary-probability-range", lambda: BinaryClassifier(lambda v: v.mean((1, 2)) * 0 + 2.0,
                                                          output="probability")(_x()),
     ValueError, "outside \\[0, 1\\]"),
    ("freqig-start_idx-float", lambda: freqxai.freqig.attribute(
        torch.randn(2, 64), CNN(), segment=torch.randn(2, 32), start_idx=1.5),
     TypeError, "start_idx must be an integer"),
]


def test_a_numpy_float_threshold_is_accepted():
    from freqxai.metrics.postprocess import threshold

    r = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(threshold(r, np.float32(0.5)), threshold(r, 0.5))


def test_constant_relevance_warns_that_ranking_is_by_position():
    with pytest.warns(UserWarning, match="constant .* for 4 of 4 inputs"):
        get_metric("deletion")(CNN(), _x(), np.zeros((4, 1, 33)))


def test_numpy_float_eps_is_accepted():
    a = get_explainer("gxi", CNN(), domain="fft", eps=np.float32(1e-6)).attribute(_x(1))
    b = get_explainer("gxi", CNN(), domain="fft", eps=1e-6).attribute(_x(1))
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_inputs_are_refused_naming_the_argument(case):
    _, call, exc, fragment = case
    with pytest.raises(exc, match=fragment):
        call()


NUMPY_MODEL = '''
import numpy as np
import torch
from torch import nn


class NumpyInside(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(2, 3)

    def forward(self, x):
        feats = torch.as_tensor(np.abs(x.detach().numpy()).mean(-1), dtype=x.dtype)
        return self.head(feats)
'''


def test_run_refuses_gradient_methods_on_a_model_without_gradients_before_any_compute(
        tmp_path, monkeypatch, capsys):
    from freqxai.cli import main

    (tmp_path / "nograd_model.py").write_text(NUMPY_MODEL)
    monkeypatch.syspath_prepend(str(tmp_path))
    from nograd_model import NumpyInside as Model  # noqa: I001

    torch.save(Model().state_dict(), tmp_path / "w.pt")
    np.savez(tmp_path / "d.npz", X=np.random.default_rng(0).normal(size=(6, 2, 32)), fs=16.0)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", "nograd_model:NumpyInside", "--weights",
               str(tmp_path / "w.pt"), "--data", str(tmp_path / "d.npz"), "--out", str(out),
               "--methods", "freqrise,flex,ig", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert "- flex: needs gradients; the model has none" in err and "- ig: needs gradients" in err
    assert "methods that can run: freqrise" in err
    assert not out.exists()

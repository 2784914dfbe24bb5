"""The explainer, metric and domain contract, driven by one table (as Captum's ``test_config.py``).

Every registered explainer runs in every domain, including ``DCT``, a domain defined only in this
file that implements just ``forward``, ``inverse``, ``coefficient_shape`` and ``axes``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import freqxai
from freqxai import STFT, Domain, Wavelet, get_domain, get_explainer, list_explainers
from freqxai.metrics import get_metric, list_metrics, metric_class

N_CLASSES = 3
LENGTH = 64


def _dct_matrix(n: int, dtype: torch.dtype) -> torch.Tensor:
    """Orthonormal DCT-II matrix ``(n, n)``: rows are the basis vectors."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    t = torch.arange(n, dtype=torch.float64)[None, :]
    m = torch.cos(torch.pi * (t + 0.5) * k / n) * (2.0 / n) ** 0.5
    m[0] /= 2**0.5
    return m.to(dtype)


class DCT(Domain):
    """An orthonormal DCT, written as a user would: only the four abstract methods."""

    name = "dct"

    def forward(self, x):
        return x @ _dct_matrix(x.shape[-1], x.dtype).T

    def inverse(self, coefficients, length):
        return coefficients @ _dct_matrix(length, coefficients.dtype)

    def coefficient_shape(self, length):
        return (length,)

    def axes(self, length, fs=None):
        k = np.arange(length) / (2 * length)
        return {"frequency": k * fs if fs else k}


DOMAINS = {
    "fft": lambda: get_domain("fft"),
    "stft": lambda: STFT(n_fft=16, hop_length=4),
    "time": lambda: get_domain("time"),
    "wavelet": lambda: Wavelet(wavelet="db2"),
    "dct": DCT,
}

# Fast settings per explainer; ``batch_invariant``: a batch gives what one input at a time gives.
OPTIONS = {
    "freqrise": ({"n_masks": 64, "batch_size": 32, "seed": 0, "warn_if_noise": False}, True),
    "flex": ({"n_steps": 8}, True),
    "saliency": ({}, True),
    "gxi": ({}, True),
    "ig": ({"n_steps": 8}, True),
    "lrp": ({}, True),
    "flextime": ({"n_epochs": 20}, True),
    "freqmask": ({"n_epochs": 20}, True),
    "shapley": ({}, True),
    "random": ({"seed": 0}, False),
    "amplitude": ({}, True),
}


class SmallCNN(torch.nn.Module):
    def __init__(self, channels: int = 2) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv1d(channels, 4, 5, padding=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool1d(8), torch.nn.Flatten(), torch.nn.Linear(32, N_CLASSES),
        )

    def forward(self, x):
        return self.net(x)


class TupleModel(SmallCNN):
    def forward(self, x):
        return self.net(x), x


@pytest.fixture(scope="module")
def model():
    return SmallCNN().eval()


def _x(batch=3, channels=2, dtype=torch.float32):
    g = torch.Generator().manual_seed(1)
    t = torch.arange(LENGTH) / LENGTH
    x = torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.randn(batch, channels, LENGTH, generator=g)
    return x.to(dtype)


def test_the_table_covers_every_registered_explainer():
    assert set(OPTIONS) == set(list_explainers())
    assert set(DOMAINS) - {"dct"} <= set(freqxai.list_domains())


@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("method", list(OPTIONS))
def test_explainer_contract(method, domain_name, model):
    options, batch_invariant = OPTIONS[method]
    domain = DOMAINS[domain_name]()
    if method == "shapley" and domain.frequency_axis(LENGTH) is None:
        # band Shapley values live on frequency bands: refused where there is no frequency axis
        with pytest.raises(ValueError, match="domain 'time' has no frequency axis"):
            get_explainer(method, model, domain=domain)
        return
    explainer = get_explainer(method, model, domain=domain)
    assert explainer.domain is domain and explainer.name == method
    x = _x()
    coeff_shape = domain.coefficient_shape(LENGTH)

    # numpy in -> numpy out, float64 kept; tensors in -> tensors out, float32 kept
    out64 = explainer.attribute(x.double().numpy(), target=None, **options)
    assert isinstance(out64, np.ndarray) and out64.dtype == np.float64
    out32 = explainer.attribute(x, target=None, **options)
    assert isinstance(out32, torch.Tensor) and out32.dtype == torch.float32
    assert out32.shape[0] == 3 and out32.shape[1] in (1, 2) and tuple(out32.shape[2:]) == coeff_shape
    assert torch.isfinite(out32).all()
    np.testing.assert_allclose(out64, out32.double().numpy(), rtol=1e-3, atol=1e-4)

    # target=None is the predicted class
    pred = model(x).argmax(1)
    torch.testing.assert_close(explainer.attribute(x, target=pred, **options), out32)

    # a batch equals one input at a time
    if batch_invariant:
        single = torch.cat([explainer.attribute(x[i : i + 1], target=int(pred[i]), **options)
                            for i in range(3)])
        torch.testing.assert_close(single, out32, rtol=1e-4, atol=1e-5)

    # half precision is computed in the model's dtype and returned as given
    half = explainer.attribute(x.half(), target=pred, **options)
    assert half.dtype == torch.float16


BAD_INPUTS = [
    (lambda x: x[0], None, ValueError, "inputs must have shape"),
    (lambda x: x.masked_fill(x > 1, float("nan")), None, ValueError, "NaN"),
    (lambda x: x, [True, False, True], TypeError, "target"),
    (lambda x: x, torch.tensor([True, False, True]), TypeError, "target"),
    (lambda x: x, 7, ValueError, "target out of range"),
    (lambda x: x, [0, 1], ValueError, "target has 2 entries"),
    (lambda x: x, 1.5, TypeError, "target"),
    (lambda x: "signal", None, TypeError, "inputs must be"),
    (lambda x: x.to(torch.complex64), None, TypeError, "real-valued"),
]


@pytest.mark.parametrize("method", [m for m in OPTIONS if m not in ("random", "amplitude")])
@pytest.mark.parametrize("make, target, error, match", BAD_INPUTS)
def test_bad_inputs_raise_naming_the_argument(method, make, target, error, match, model):
    explainer = get_explainer(method, model, domain="fft")
    with pytest.raises(error, match=match):
        explainer.attribute(make(_x()), target=target, **OPTIONS[method][0])


@pytest.mark.parametrize("method", [m for m in OPTIONS if m not in ("random", "amplitude")])
def test_a_model_returning_a_tuple_is_refused_with_the_fix(method):
    explainer = get_explainer(method, TupleModel().eval(), domain="fft")
    with pytest.raises(TypeError, match="returned a tuple.*wrap the model"):
        explainer.attribute(_x(), **OPTIONS[method][0])


def test_bad_settings_raise_before_compute(model):
    rise = get_explainer("freqrise", model)
    x = _x()
    for kwargs, match in [
        ({"p_keep": 1.5}, "p_keep"), ({"seed": 2**70}, "seed"), ({"seed": -1}, "seed"),
        ({"num_cells": 0}, "num_cells"), ({"num_cells": "many"}, "num_cells"),
        ({"num_cells": [4, 4]}, "num_cells"), ({"n_masks": True}, "n_masks"),
        ({"mask_channels": "some"}, "mask_channels"), ({"use_softmax": "no"}, "use_softmax"),
    ]:
        with pytest.raises((ValueError, TypeError), match=match):
            rise.attribute(x, **{"n_masks": 8, **kwargs})
    # numpy scalars are numbers like any other
    a = rise.attribute(x, n_masks=np.int64(32), num_cells=np.int64(8), p_keep=np.float32(0.5),
                       seed=np.uint64(3))
    b = rise.attribute(x, n_masks=32, num_cells=8, p_keep=0.5, seed=3)
    torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match="method must be one of"):
        get_explainer("flex", model).attribute(x, method="bogus")
    with pytest.raises(ValueError, match="baselines must be finite"):
        get_explainer("flex", model).attribute(x, baselines=float("nan"))
    with pytest.raises(TypeError, match="LRP needs a torch.nn.Module"):
        get_explainer("lrp", lambda v: model(v))
    with pytest.raises(ValueError, match="unknown explainer"):
        get_explainer("shap", model)


def test_freqrise_defaults_work_for_every_length_and_domain(model):
    # num_cells="auto" fits every axis, so an all-default call never fails on length
    for length, domain in [(16, "fft"), (64, "stft"), (300, "fft"), (64, "wavelet")]:
        x = torch.randn(1, 2, length)
        dom = STFT(n_fft=16) if domain == "stft" else domain
        rel = get_explainer("freqrise", model, domain=dom).attribute(x, n_masks=16)
        assert torch.isfinite(rel).all()


def test_time_methods_in_a_domain_are_their_projection(model):
    x = _x()
    for method in ("saliency", "gxi", "ig", "lrp"):
        in_time = get_explainer(method, model, domain="time").attribute(x, **OPTIONS[method][0])
        for name, make in DOMAINS.items():
            projected = freqxai.project_relevance(in_time, x, make())
            direct = get_explainer(method, model, domain=make()).attribute(x, **OPTIONS[method][0])
            torch.testing.assert_close(direct, projected.float(), rtol=1e-4, atol=1e-6)
            torch.testing.assert_close(direct.flatten(2).sum(-1), in_time.sum(-1),
                                       rtol=1e-4, atol=1e-5, msg=f"{method} in {name}")


@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("metric_name", list_metrics())
def test_metric_contract(metric_name, domain_name, model):
    domain = DOMAINS[domain_name]()
    # metrics that explain perturbed inputs again take the explainer
    metric = (get_metric(metric_name, explainer=get_explainer("gxi", model, domain=domain))
              if getattr(metric_class(metric_name), "needs_explainer", False)
              else get_metric(metric_name))
    x = _x()
    rel = get_explainer("amplitude", model, domain=domain).attribute(x)
    assert isinstance(metric.higher_is_better, bool)
    truth = [[1], [2, 3], []]
    if metric.needs_ground_truth and domain.frequency_axis(LENGTH) is None:
        with pytest.raises(ValueError, match="no frequency axis"):
            metric(model, x, rel, None, domain=domain, ground_truth=truth)
        return
    scores = metric(model, x, rel, None, domain=domain, ground_truth=truth)
    assert isinstance(scores, np.ndarray) and scores.shape == (3,)
    assert np.isfinite(scores[:2]).all()
    # numpy relevance gives the same scores; NaN and batch mismatches are refused
    np.testing.assert_allclose(
        metric(model, x.numpy(), rel.numpy(), None, domain=domain, ground_truth=truth), scores)
    bad = rel.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        metric(model, x, bad, None, domain=domain, ground_truth=truth)
    with pytest.raises(ValueError, match="samples"):
        metric(model, x, rel[:2], None, domain=domain, ground_truth=truth[:2] + [[0]])


def test_metric_inputs_are_validated(model):
    from freqxai.metrics import complexity, perturbation_curves, relevance_rank_accuracy

    with pytest.raises(ValueError, match="3 samples for 2"):
        relevance_rank_accuracy(np.eye(3, 10), [[0], [1]])
    with pytest.raises(ValueError, match="outside"):
        relevance_rank_accuracy(np.eye(2, 10), [[0], [12]])
    with pytest.raises(ValueError, match="outside"):
        relevance_rank_accuracy(np.eye(2, 10), [[-1], [1]])
    with pytest.raises(ValueError, match="NaN"):
        relevance_rank_accuracy(np.full((2, 10), np.nan), [[0], [1]])
    with pytest.raises(ValueError, match="NaN or Inf"):
        complexity(np.array([[1.0, np.inf, 0.0]]))
    x = _x()
    rel = torch.rand(3, 1, 33)
    with pytest.raises(ValueError, match="strictly increasing"):
        perturbation_curves(model, x, rel, fractions=[0.5, 0.1, 0.9])
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        perturbation_curves(model, x, rel, fractions=[0.0, 1.5])


def test_a_registered_user_domain_reaches_the_runner_names():
    from freqxai.domains.base import _DOMAINS

    freqxai.register_domain("dct_test")(type("DCTTest", (DCT,), {}))
    try:
        assert "dct_test" in freqxai.list_domains()
        assert isinstance(get_domain("dct_test"), DCT)
    finally:
        _DOMAINS.classes.pop("dct_test")


def test_declared_attributes_tell_the_runner_what_to_do():
    from freqxai.explainers import explainer_class

    # one clipping rule for FLEX and the gradient methods (the same kind of signed relevance)
    assert {m for m in list_explainers() if explainer_class(m).clip_negative} == {
        "flex", "saliency", "gxi", "ig", "lrp"}
    assert {m for m in list_explainers() if explainer_class(m).computes_in_time} == {
        "saliency", "gxi", "ig", "lrp"}
    assert {m for m in list_explainers() if explainer_class(m).has_convergence_delta} == {
        "flex", "ig"}
    assert explainer_class("freqrise").has_standard_error and not explainer_class("freqrise").signed


@pytest.mark.parametrize("domain_name", ["fft", "wavelet", "dct"])
@pytest.mark.parametrize("method", [m for m in OPTIONS if m in ("flex", "ig")])
def test_a_declared_convergence_delta_is_completeness(method, domain_name, model):
    """Methods declaring ``has_convergence_delta`` return ``sum(relevance) - (f(x) - f(0))`` per
    input (the runner's integration error), numpy for numpy input, in every domain."""
    options, _ = OPTIONS[method]
    x = _x().double()
    model64 = SmallCNN().double().eval()
    rel, delta = get_explainer(method, model64, domain=DOMAINS[domain_name]()).attribute(
        x.numpy(), target=0, return_convergence_delta=True, **options)
    assert isinstance(delta, np.ndarray) and delta.shape == (3,)
    with torch.no_grad():
        change = (model64(x)[:, 0] - model64(torch.zeros_like(x))[:, 0]).numpy()
    np.testing.assert_allclose(rel.reshape(3, -1).sum(1) - delta, change, rtol=1e-6, atol=1e-9)

"""The explainer, metric and domain contract, driven by one table (as Captum's ``test_config.py``).

The table parametrises the public contract checks plug-in authors run
(:func:`freqxai.testing.check_explainer`, :func:`~freqxai.testing.check_metric`,
:func:`~freqxai.testing.check_domain`, as aeon's ``check_estimator``): every registered explainer
passes them in every domain, including ``DCT``, a domain defined only in this file that implements
just ``forward``, ``inverse``, ``coefficient_shape`` and ``axes``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import freqxai
from freqxai import STFT, Domain, Wavelet, get_domain, get_explainer, list_explainers
from freqxai.explainers import RandomReference, explainer_class, get_tags
from freqxai.metrics import list_metrics, metric_class
from freqxai.testing import ContractCNN, check_domain, check_explainer, check_metric

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

# Fast constructor settings and attribute options per explainer (whether a batch gives what one
# input at a time gives is the explainer's tag ``batch_invariant``).
SETTINGS = {
    "freqrise": {"n_masks": 64, "batch_size": 32},
    "flextime": {"n_epochs": 20},
    "freqmask": {"n_epochs": 20},
}
OPTIONS = {
    "freqrise": {"seed": 0, "warn_if_noise": False},
    "flex": {"n_steps": 8},
    "saliency": {},
    "gxi": {},
    "ig": {"n_steps": 8},
    "lrp": {},
    "flextime": {},
    "freqmask": {},
    "shapley": {},
    "random": {"seed": 0},
    "amplitude": {},
}


@pytest.fixture(scope="module")
def model():
    # predicts more than one class for _x(): target=None is checked against several classes
    return ContractCNN().eval()


def _x(batch=3, channels=2, dtype=torch.float32):
    g = torch.Generator().manual_seed(1)
    t = torch.arange(LENGTH) / LENGTH
    x = torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.randn(batch, channels, LENGTH, generator=g)
    return x.to(dtype)


def test_the_table_covers_every_registered_explainer():
    assert set(OPTIONS) == set(list_explainers())
    assert set(DOMAINS) - {"dct"} <= set(freqxai.list_domains())


def _explainer(method, model, domain="fft"):
    return get_explainer(method, model, domain=domain, **SETTINGS.get(method, {}))


@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("method", list(OPTIONS))
def test_explainer_contract(method, domain_name, model):
    """freqxai.testing.check_explainer in each domain; bad inputs, targets and models once (fft)."""
    domain = DOMAINS[domain_name]()
    passed = check_explainer(explainer_class(method), settings=SETTINGS.get(method, {}),
                             options=OPTIONS[method], domains=[domain], model=model,
                             bad_inputs=domain_name == "fft")
    if method == "shapley" and domain.frequency_axis(LENGTH) is None:
        # band Shapley values live on frequency bands: refused where there is no frequency axis
        assert any("refuses domain 'time'" in p and "has no frequency axis" in p for p in passed)
        return
    assert any(p.startswith("numpy in gives numpy out") for p in passed)
    explainer = _explainer(method, model, domain)
    assert explainer.domain is domain and explainer.name == method
    if domain_name == "fft" and get_tags(explainer).needs_model:
        assert "refuses a model that returns a tuple, naming the fix" in passed


def test_bad_settings_raise_before_compute(model):
    x = _x()
    for kwargs, match in [
        ({"p_keep": 1.5}, "p_keep"), ({"num_cells": 0}, "num_cells"),
        ({"num_cells": "many"}, "num_cells"), ({"n_masks": True}, "n_masks"),
        ({"mask_channels": "some"}, "mask_channels"), ({"use_softmax": "no"}, "use_softmax"),
    ]:
        with pytest.raises((ValueError, TypeError), match=match):
            get_explainer("freqrise", model, **{"n_masks": 8, **kwargs})
    rise = get_explainer("freqrise", model, n_masks=8)
    for kwargs, match in [({"seed": 2**70}, "seed"), ({"seed": -1}, "seed")]:
        with pytest.raises(ValueError, match=match):
            rise.attribute(x, **kwargs)
    with pytest.raises(ValueError, match="num_cells"):  # checked against the coefficient axes
        get_explainer("freqrise", model, n_masks=8, num_cells=[4, 4]).attribute(x)
    # numpy scalars are numbers like any other
    a = get_explainer("freqrise", model, n_masks=np.int64(32), num_cells=np.int64(8),
                      p_keep=np.float32(0.5)).attribute(x, seed=np.uint64(3))
    b = get_explainer("freqrise", model, n_masks=32, num_cells=8, p_keep=0.5).attribute(x, seed=3)
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
        rel = get_explainer("freqrise", model, domain=dom, n_masks=16).attribute(x)
        assert torch.isfinite(rel).all()


def test_time_methods_in_a_domain_are_their_projection(model):
    x = _x()
    for method in ("saliency", "gxi", "ig", "lrp"):
        in_time = get_explainer(method, model, domain="time").attribute(x, **OPTIONS[method])
        for name, make in DOMAINS.items():
            projected = freqxai.project_relevance(in_time, x, make())
            direct = get_explainer(method, model, domain=make()).attribute(x, **OPTIONS[method])
            torch.testing.assert_close(direct, projected.float(), rtol=1e-4, atol=1e-6)
            torch.testing.assert_close(direct.flatten(2).sum(-1), in_time.sum(-1),
                                       rtol=1e-4, atol=1e-5, msg=f"{method} in {name}")


@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("metric_name", list_metrics())
def test_metric_contract(metric_name, domain_name, model):
    """freqxai.testing.check_metric in each domain (metrics that explain perturbed inputs again
    take gradient x input)."""
    passed = check_metric(metric_class(metric_name), domains=[DOMAINS[domain_name]()], model=model)
    assert passed and isinstance(metric_class(metric_name).higher_is_better, bool)


@pytest.mark.parametrize("domain_name", list(DOMAINS))
def test_domain_contract(domain_name):
    assert check_domain(DOMAINS[domain_name]())


def test_every_registered_domain_passes_the_contract():
    for name in freqxai.list_domains():
        assert check_domain(name), name


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


def test_a_registered_user_domain_reaches_the_runner_names(isolated):
    freqxai.register_domain("dct_test")(type("DCTTest", (DCT,), {}))
    assert "dct_test" in freqxai.list_domains()
    assert isinstance(get_domain("dct_test"), DCT)


def test_isolated_registries_undo_what_the_block_registered():
    from freqxai.testing import isolated_registries

    before = (freqxai.list_domains(), freqxai.list_explainers())
    with isolated_registries():
        freqxai.register_domain("dct_isolated")(type("DCTIsolated", (DCT,), {}))
        freqxai.register_explainer("random", override=True)(type("R", (RandomReference,), {}))
        assert "dct_isolated" in freqxai.list_domains()
    assert (freqxai.list_domains(), freqxai.list_explainers()) == before
    assert explainer_class("random") is RandomReference


def test_declared_attributes_tell_the_runner_what_to_do():
    # one clipping rule for FLEX and the gradient methods (the same kind of signed relevance)
    assert {m for m in list_explainers() if explainer_class(m).clip_negative} == {
        "flex", "saliency", "gxi", "ig", "lrp"}
    assert {m for m in list_explainers() if explainer_class(m).computes_in_time} == {
        "saliency", "gxi", "ig", "lrp"}
    assert {m for m in list_explainers() if explainer_class(m).has_convergence_delta} == {
        "flex", "ig"}
    assert explainer_class("freqrise").has_standard_error and not explainer_class("freqrise").signed
    # the tags say the same as the class attributes, and "reference" is declared
    for m in list_explainers():
        tags = get_tags(explainer_class(m))
        assert tags.name == m and tags.clip_negative == explainer_class(m).clip_negative
    assert {m for m in list_explainers() if get_tags(explainer_class(m)).reference} == {
        "random", "amplitude"}


# data-dependent options, checked against the inputs
_CHECKED_WITH_THE_DATA = {"baselines", "baseline", "additional_forward_args"}


@pytest.mark.parametrize("method", list(OPTIONS))
def test_every_option_is_declared_with_its_constraint(method):
    cls = explainer_class(method)
    settings, call = cls.option_names()
    assert set(settings) <= set(cls._settings), set(settings) - set(cls._settings)
    assert set(call) - _CHECKED_WITH_THE_DATA <= set(cls._call_options)


def test_options_are_checked_without_a_model_or_data(monkeypatch):
    import freqxai.explainers.base as base
    from freqxai.runner.config import _probe_settings

    def no_model(model):
        raise AssertionError("a model was built to check options")

    monkeypatch.setattr(base, "check_model", no_model)
    rise = explainer_class("freqrise")
    assert _probe_settings(rise, "fft", {"n_masks": 0}, {}).startswith(
        "n_masks must be an integer >= 1")
    assert _probe_settings(rise, "fft", {"n_masks": 10, "design": "antithetic"}, {"seed": 0}) is None
    assert "needs p_keep=0.5" in _probe_settings(rise, "stft", {"design": "antithetic",
                                                               "p_keep": 0.3}, {})
    assert "method must be one of" in _probe_settings(explainer_class("flex"), "fft", {},
                                                      {"method": "bogus"})
    assert "composite must be one of" in _probe_settings(explainer_class("lrp"), "time",
                                                         {"composite": "nope"}, {})
    # the split the runner uses: settings to the constructor, the rest to attribute
    assert rise.split_options(n_masks=9, seed=1, n_steps=4, composite="x") == (
        {"n_masks": 9}, {"seed": 1})
    assert explainer_class("lrp").split_options(n_masks=9, composite="x") == (
        {"composite": "x"}, {})


def test_get_tags_reads_explainers_metrics_and_models(model):
    from freqxai.adapters import ModelCapabilities
    from freqxai.metrics import MetricTags

    rise = get_explainer("freqrise", model)
    assert get_tags(rise) == get_tags(type(rise)) == rise.tags
    assert get_tags(rise).stochastic and get_tags(rise).has_standard_error
    assert isinstance(get_tags(metric_class("deletion")), MetricTags)
    assert get_tags(metric_class("deletion")).score_direction == "lower"
    assert isinstance(get_tags(model), ModelCapabilities)


def test_get_tags_takes_a_registered_methods_name():
    assert get_tags("shapley") == get_tags(explainer_class("shapley"))
    assert get_tags("FreqRISE").name == "freqrise"  # as the registry: any case
    with pytest.raises(ValueError, match="no method of that name"):
        get_tags("deletion")

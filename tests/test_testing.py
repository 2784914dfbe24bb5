"""freqxai.testing's contract checks, as a plug-in author meets them: a well-made plug-in passes,
a broken one fails with one readable line naming the class, the check and the domain."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from freqxai import Domain
from freqxai._checks import POSITIVE_INT, Bool, StrOptions
from freqxai.explainers import Explainer, ExplainerTags, get_tags
from freqxai.metrics import Metric, MetricTags
from freqxai.testing import ContractCNN, check_domain, check_explainer, check_metric


class Energy(Explainer):
    """A plug-in written as the contract asks: declared settings, call options and tags."""

    tags = ExplainerTags(signed=False, needs_model=False, reference=True)
    _settings = {"power": POSITIVE_INT}
    _call_options = {"scale": StrOptions(("raw", "max")), "show_progress": Bool()}

    def __init__(self, model=None, domain="fft", *, power=2):
        super().__init__(model, domain, power=power)

    def attribute(self, inputs, target=None, *, scale="raw", show_progress=False):
        prep = self._prepare(inputs, target)
        rel = self.domain.forward(prep.x).abs() ** self.power
        if scale == "max":
            rel = rel / rel.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, *([1] * (rel.dim() - 2)))
        return self._finish(rel, prep)


def test_a_well_made_plugin_passes_and_its_declarations_work():
    passed = check_explainer(Energy, settings={"power": 1}, options={"scale": "max"})
    assert "numpy in gives numpy out, float64 kept in domain 'fft'" in passed
    assert "declared options" in passed and "tags" in passed
    tags = get_tags(Energy)
    assert tags.reference and not tags.needs_model and Energy.signed is False  # mirrored
    assert Energy.split_options(power=3, scale="max", n_steps=9) == ({"power": 3}, {"scale": "max"})
    with pytest.raises(ValueError, match="^power must be an integer >= 1, got 0$"):
        Energy(power=0)
    with pytest.raises(ValueError, match="^scale must be one of"):
        Energy().attribute(np.ones((1, 1, 16)), scale="log")
    with pytest.raises(TypeError, match="Energy takes no option 'scal'"):
        Energy.check_options(scal="max")
    assert check_explainer(Energy(ContractCNN(), domain="time", power=3)) != []  # an instance


class WrongOutput(Energy):
    def attribute(self, inputs, target=None, *, scale="raw", show_progress=False):
        return torch.as_tensor(np.asarray(super().attribute(inputs, target, scale=scale)))


class WrongShape(Energy):
    def attribute(self, inputs, target=None, *, scale="raw", show_progress=False):
        return super().attribute(inputs, target, scale=scale)[..., 1:]


class BadDeclaration(Energy):
    _settings = {"power": POSITIVE_INT, "order": POSITIVE_INT}


class BadDefault(Energy):
    def __init__(self, model=None, domain="fft", *, power=0):
        super().__init__(model, domain, power=power)


class Shifty(Energy):
    """Ignores target=None's rule: explains class 0 unless told otherwise."""

    tags = ExplainerTags(signed=False)

    def attribute(self, inputs, target=None, *, scale="raw", show_progress=False):
        prep = self._prepare(inputs, target)
        t = torch.zeros_like(prep.targets) if target is None else prep.targets
        rel = self.domain.forward(prep.x).abs() * (1.0 + t.view(-1, 1, 1))
        return self._finish(rel, prep)


# (plug-in, what the one line says)
BROKEN = [
    (WrongOutput, r"^check_explainer\('WrongOutput'\) in domain 'fft': numpy in gives numpy out, "
                  r"float64 kept: got Tensor$"),
    (WrongShape, r"^check_explainer\('WrongShape'\) in domain 'fft': shape \(batch, 1 or "
                 r"channels, \*coefficient_shape\), finite: got \(3, 2, 32\) for \(3, 2, 64\) "
                 r"inputs and coefficients \(33,\)$"),
    (BadDeclaration, r"^check_explainer\('BadDeclaration'\): declared options: declared setting "
                     r"'order' is no parameter of __init__$"),
    (BadDefault, r"^check_explainer\('BadDefault'\): declared options: the defaults do not pass "
                 r"the declared constraints: power must be an integer >= 1, got 0$"),
    (Shifty, r"in domain 'fft': target=None explains the predicted class: target=predicted "
             r"against target=None: \d+ of \d+ values differ"),
]


@pytest.mark.parametrize("plugin, message", BROKEN, ids=[b[0].__name__ for b in BROKEN])
def test_a_broken_plugin_fails_with_one_readable_line(plugin, message):
    with pytest.raises(AssertionError) as info:
        check_explainer(plugin, domains=["fft"])
    text = str(info.value)
    assert len(text.splitlines()) == 1 and __import__("re").search(message, text), text


def test_an_error_a_check_did_not_expect_is_named_with_its_type():
    class Crashes(Energy):
        def attribute(self, inputs, target=None, *, scale="raw", show_progress=False):
            raise RuntimeError("boom")

    with pytest.raises(AssertionError, match=r"in domain 'fft': numpy in gives numpy out, "
                                             r"float64 kept: raised RuntimeError: boom"):
        check_explainer(Crashes, domains=["fft"])


def test_bad_input_checks_name_what_was_not_refused():
    class Lenient(Explainer):  # needs the model, but never checks its inputs
        tags = ExplainerTags(signed=False)

        def attribute(self, inputs, target=None):
            x = torch.nan_to_num(torch.as_tensor(np.asarray(inputs, dtype=np.float32)))
            return torch.zeros(len(x), 1, x.shape[-1] // 2 + 1)

    with pytest.raises(AssertionError, match=r"check_explainer\('Lenient'\) in domain 'fft': "
                                             r"numpy in gives numpy out"):
        check_explainer(Lenient, domains=["fft"])


class OldStyle(Explainer):
    """A plug-in written before declarations: class flags, options checked by its own code."""

    signed = False
    needs_model = False

    def attribute(self, inputs, target=None, *, gain=1.0):
        if not isinstance(gain, float):
            raise TypeError(f"gain must be a float, got {gain!r}")
        prep = self._prepare(inputs, target)
        return self._finish(gain * self.domain.forward(prep.x).abs(), prep)


def test_a_plugin_without_declarations_still_works_and_passes():
    tags = get_tags(OldStyle)
    assert tags.reference and not tags.signed and not tags.stochastic  # derived from its flags
    assert OldStyle.split_options(gain=2.0, n_masks=9) == ({}, {"gain": 2.0})
    assert OldStyle.check_options(gain="x") == ({}, {"gain": "x"})  # its own code checks it
    with pytest.raises(TypeError, match="gain must be a float"):
        OldStyle(None).attribute(np.ones((1, 1, 8)), gain="x")
    assert check_explainer(OldStyle, options={"gain": 2.0})
    OldStyle.reference = False  # a flag set later is read
    try:
        assert get_tags(OldStyle).reference is False and OldStyle.tags.reference is False
    finally:
        del OldStyle.reference


def test_settings_moved_to_the_constructor_work_in_attribute_for_one_call():
    class Moved(Energy):
        _moved_to_init = frozenset({"power"})

    x = np.random.default_rng(0).normal(size=(2, 1, 16))
    e = Moved(power=1)
    with pytest.warns(DeprecationWarning, match=r"Moved\.attribute\(power=3\): power is a setting"):
        old = e.attribute(x, power=3)
    np.testing.assert_allclose(old, Moved(power=3).attribute(x))
    assert e.power == 1
    with pytest.raises(TypeError, match="unexpected keyword"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Energy(power=1).attribute(x, power=3)  # not declared as moved: refused as before


# --- metrics and domains -------------------------------------------------------------------------

class Peak(Metric):
    """The largest relevance per input (a toy metric)."""

    tags = MetricTags(label="peak", higher_is_better=True, needs_model=False)

    def __call__(self, model, inputs, relevance, target=None, *, domain=None, ground_truth=None):
        from freqxai.metrics import check_relevance

        r = check_relevance(relevance, len(inputs))
        return r.reshape(len(r), -1).max(1)


class PeakList(Peak):
    def __call__(self, model, inputs, relevance, target=None, *, domain=None, ground_truth=None):
        return list(super().__call__(model, inputs, relevance, target, domain=domain))


def test_check_metric_passes_a_metric_and_names_a_broken_one():
    assert "one finite score per input in domain 'fft'" in check_metric(Peak, domains=["fft"])
    assert get_tags(Peak).score_direction == "higher" and Peak.label == "peak"
    with pytest.raises(AssertionError, match=r"^check_metric\('PeakList'\) in domain 'fft': one "
                                             r"finite score per input: got list of shape None$"):
        check_metric(PeakList, domains=["fft"])


class Leaky(Domain):
    """An rFFT whose inverse loses the last bin: not invertible."""

    name = "leaky"

    def forward(self, x):
        return torch.fft.rfft(x)

    def inverse(self, coefficients, length):
        c = coefficients.clone()
        c[..., -1] = 0
        return torch.fft.irfft(c, n=length)

    def coefficient_shape(self, length):
        return (length // 2 + 1,)

    def axes(self, length, fs=None):
        return {"frequency": np.fft.rfftfreq(length, 1 / (fs or 1.0))}


def test_check_domain_names_a_domain_that_does_not_invert():
    assert "inverse is linear (64 samples)" in check_domain("fft")
    with pytest.raises(AssertionError, match=r"^check_domain\(Leaky\(\)\): inverse\(forward\(x\)\) "
                                             r"is x \(64 samples\): the round trip: \d+ of 384"):
        check_domain(Leaky())


def test_get_tags_reads_models_too():
    from freqxai.adapters import ModelCapabilities

    caps = get_tags(ContractCNN())
    assert isinstance(caps, ModelCapabilities) and caps.kind == "torch"
    with pytest.raises(TypeError, match="get_tags reads"):
        get_tags(Leaky)

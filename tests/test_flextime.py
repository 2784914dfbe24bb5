"""FLEXtime, FreqMask and the FLEXtime paper's metrics (issue 20).

Known answers (a model that reads one frequency), properties of the filter bank (zero phase, the
generic gain rule equal to the Fourier one), the deliberate differences from the reference code
(one softmax), and every bad setting refused naming the argument, driven by tables.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from freqxai import get_domain, get_explainer
from freqxai.domains import Domain
from freqxai.explainers.flextime import FLEXtime, auto_filter_bank, band_gains, filter_bank
from freqxai.metrics import (
    get_metric,
    insertion_at,
    metric_class,
    perturbation_curves,
    relative_output_stability,
    sensitivity_max,
    smoothness,
)

LENGTH = 64
F0 = 12  # the bin (cycles per signal) the tone model listens to


class ToneModel(nn.Module):
    """Class 1 when the signal has power at bin F0: logit = 40 * |X[F0]|² / n² - 1 (class 0: 0)."""

    def __init__(self, f0: int = F0) -> None:
        super().__init__()
        t = torch.arange(LENGTH) / LENGTH
        self.register_buffer("cos", torch.cos(2 * torch.pi * f0 * t))
        self.register_buffer("sin", torch.sin(2 * torch.pi * f0 * t))
        self.scale = nn.Parameter(torch.tensor(40.0))

    def forward(self, x):
        s = x.sum(1)
        power = ((s * self.cos).mean(-1) ** 2 + (s * self.sin).mean(-1) ** 2)
        return torch.stack([torch.zeros_like(power), self.scale * power - 1.0], dim=1)


def _tones(n: int = 4, seed: int = 0) -> torch.Tensor:
    """Signals with the class tone at F0 and two distractor tones, random phases, small noise."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(LENGTH) / LENGTH
    x = torch.zeros(n, 1, LENGTH)
    for f in (F0, 4, 25):
        phase = 2 * torch.pi * torch.rand(n, 1, 1, generator=g)
        x += torch.sin(2 * torch.pi * f * t + phase)
    return x + 0.05 * torch.randn(n, 1, LENGTH, generator=g)


@pytest.fixture(scope="module")
def tone_model():
    return ToneModel().eval()


# --- known answers ---------------------------------------------------------------------------

@pytest.mark.parametrize("method, settings, options", [
    ("flextime", {"n_filters": 16, "numtaps": 63}, {}),
    ("flextime", {}, {}),  # the "auto" bank
    ("freqmask", {}, {}),
    ("freqmask", {"perturbation": "moving_average", "smoothness": 0.0}, {}),
])
def test_the_kept_frequency_is_the_one_the_model_reads(method, settings, options, tone_model):
    x = _tones()
    rel = get_explainer(method, tone_model, domain="fft", **settings).attribute(
        x, target=1, **options)
    peak = rel[:, 0].argmax(1)
    # FLEXtime's resolution is a band (2 bins with 16 filters on 33 bins): within one band of F0
    width = 1 if method == "freqmask" else int(np.ceil(33 / auto_or(settings)))
    assert (peak - F0).abs().max() <= width, peak
    # and the distractors are not kept
    assert (rel[:, 0, F0] > 3 * rel[:, 0, [4, 25]].max(1).values).all()


def auto_or(settings: dict) -> int:
    return settings.get("n_filters", auto_filter_bank(LENGTH)[0])


def test_flextime_keeps_the_decision_with_few_bands(tone_model):
    x = _tones()
    ex = FLEXtime(tone_model, n_filters=16, numtaps=63)
    rel, w = ex.attribute(x, target=1, return_band_weights=True)
    assert w.shape == (4, 1, 16) and bool(((w >= 0) & (w <= 1)).all())
    kept = ex.filtered(x, w)
    assert (tone_model(kept).argmax(1) == 1).all()
    assert float(w.mean()) <= 0.15  # the keep ratio (0.1) is met, up to the last steps


def test_filter_bank_is_zero_phase_and_covers_the_band():
    bank = filter_bank(8, 31)
    np.testing.assert_allclose(bank, bank[:, ::-1], atol=1e-15)  # symmetric taps
    # unit gain at each band's reference frequency (0 for the low-pass, the centre of a
    # band-pass, Nyquist for the high-pass: firwin's scaling, as the reference's bank)
    n = 256
    centres = np.r_[0.0, (np.arange(1, 7) + 0.5) * 0.5 / 8, 0.5]
    dtft = bank @ np.exp(-2j * np.pi * np.outer(np.arange(31) - 15, centres))
    np.testing.assert_allclose(np.diag(dtft).real, 1.0, atol=1e-9)
    np.testing.assert_allclose(np.diag(dtft).imag, 0.0, atol=1e-9)  # zero phase once centred
    # a tone in the middle of band 2 comes out of band 2 alone, undelayed (zero phase)
    ex = FLEXtime(nn.Linear(1, 2), n_filters=8, numtaps=31)  # (model unused by filtered())
    t = np.arange(n)
    tone = np.sin(2 * np.pi * (2.5 * 0.5 / 8) * t)[None, None]
    w = np.zeros((1, 1, 8))
    w[0, 0, 2] = 1.0
    out = ex.filtered(tone, w)
    assert isinstance(out, np.ndarray) and out.dtype == tone.dtype
    mid = slice(31, n - 31)  # away from the zero-padded ends
    np.testing.assert_allclose(out[0, 0, mid], tone[0, 0, mid], atol=0.02)
    w[0, 0, 2] = 0.0
    w[0, 0, 5] = 1.0
    assert np.abs(ex.filtered(tone, w)[0, 0, mid]).max() < 0.02


class PlainFFT(Domain):
    """The rFFT written as a user would: forces the generic gain rule."""

    name = "plain_fft"

    def forward(self, x):
        return torch.fft.rfft(x)

    def inverse(self, coefficients, length):
        return torch.fft.irfft(coefficients, n=length)

    def coefficient_shape(self, length):
        return (length // 2 + 1,)

    def axes(self, length, fs=None):
        return {"frequency": np.arange(length // 2 + 1) / length}


def test_generic_gains_reproduce_the_fourier_gains_and_are_flat_in_time():
    bank = filter_bank(6, 21)
    exact = band_gains(get_domain("fft"), LENGTH, bank)
    generic = band_gains(PlainFFT(), LENGTH, bank)
    torch.testing.assert_close(generic, exact, rtol=1e-9, atol=1e-12)
    in_time = band_gains(get_domain("time"), LENGTH, bank)
    # a time-invariant filter treats every sample alike: its RMS gain
    torch.testing.assert_close(in_time, in_time[:, :1].expand_as(in_time))
    rms = exact.square().mul(torch.tensor([1.0] + [2.0] * 31 + [1.0], dtype=torch.float64))
    torch.testing.assert_close(in_time[:, 0], (rms.sum(1) / LENGTH).sqrt())


# --- the reference's double softmax is not reproduced ------------------------------------------

@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_probability_outputs_are_not_softmaxed_again(method, tone_model):
    x = _tones()
    probs = nn.Sequential(tone_model, nn.Softmax(dim=1))
    probs.output_kind = "probabilities"
    # (a smoothness penalty weighs the loss against another term: Adam's sign-like first steps
    # alone would hide a rescaled loss)
    opts = {"n_epochs": 30, "tol": 0.0, "smoothness": 1.0}
    expected = get_explainer(method, tone_model, **opts).attribute(x, target=1)
    got = get_explainer(method, probs, **opts).attribute(x, target=1)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    # what the reference computes (CrossEntropyLoss of softmax outputs) gives another answer
    as_logits = nn.Sequential(tone_model, nn.Softmax(dim=1))
    as_logits.output_kind = "logits"  # the reference: a softmax applied to probabilities
    doubled = get_explainer(method, as_logits, **opts).attribute(x, target=1)
    assert (doubled - expected).abs().max() > 1e-2


@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_early_stopping_and_epochs_used(method, tone_model):
    x = _tones()
    ex = get_explainer(method, tone_model, n_epochs=40, tol=0.0)
    ex.attribute(x, target=1)
    np.testing.assert_array_equal(ex.n_epochs_used_, [40] * 4)
    ex = get_explainer(method, tone_model, n_epochs=2000, tol=1e-2, patience=3)
    ex.attribute(x, target=1)
    assert (ex.n_epochs_used_ < 2000).all() and (ex.n_epochs_used_ >= 3).all()


@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_independent_channels_give_one_map_per_channel(method, tone_model):
    x = torch.cat([_tones(), torch.zeros(4, 1, LENGTH)], dim=1)  # channel 1 carries nothing
    rel = get_explainer(method, tone_model, mask_channels="independent").attribute(x, target=1)
    assert rel.shape[1] == 2
    # the silent channel's weights feel only the penalty: nothing of it is kept above channel 0
    assert (rel[:, 0].amax(1) > rel[:, 1].amax(1)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_the_device_follows_the_model(method):
    model = ToneModel().cuda().eval()
    x = _tones()
    rel = get_explainer(method, model, n_epochs=20, tol=0.0).attribute(x, target=1)
    cpu = get_explainer(method, ToneModel().eval(), n_epochs=20, tol=0.0).attribute(x, target=1)
    assert rel.device.type == "cuda"  # computed and returned on the model's device
    torch.testing.assert_close(rel.cpu(), cpu, rtol=1e-3, atol=1e-4)


# --- bad settings, refused before compute naming the argument ---------------------------------

BAD_SETTINGS = [
    ("flextime", {"n_filters": 1}, {}, ValueError, "n_filters"),
    ("flextime", {"n_filters": "many"}, {}, ValueError, "n_filters"),
    ("flextime", {"numtaps": 64}, {}, ValueError, "numtaps must be odd"),
    ("flextime", {"numtaps": 65}, {}, ValueError, "numtaps=65 is longer"),
    ("flextime", {"n_filters": 40}, {}, ValueError, "n_filters=40 bands are narrower"),
    ("flextime", {"mask_channels": "some"}, {}, ValueError, "mask_channels"),
    ("flextime", {}, {"return_band_weights": "yes"}, TypeError, "return_band_weights"),
    ("freqmask", {"perturbation": "blur"}, {}, ValueError, "perturbation"),
    ("freqmask", {"window": 0}, {}, ValueError, "window"),
    ("freqmask", {"part": "imag"}, {}, ValueError, "part"),
] + [
    (method, settings, {}, ValueError, match)
    for method in ("flextime", "freqmask")
    for settings, match in [
        ({"keep_ratio": 0.0}, "keep_ratio"), ({"keep_ratio": 1.5}, "keep_ratio"),
        ({"regularization": -1.0}, "regularization"), ({"smoothness": float("nan")}, "smoothness"),
        ({"n_epochs": 0}, "n_epochs"), ({"n_epochs": True}, "n_epochs"), ({"lr": 0}, "lr"),
        ({"tol": -1e-3}, "tol"), ({"patience": 0}, "patience"),
    ]
]


@pytest.mark.parametrize("method, settings, options, error, match", BAD_SETTINGS,
                         ids=[f"{m}-{next(iter({**s, **o}))}" for m, s, o, *_ in BAD_SETTINGS])
def test_bad_settings_are_refused_naming_the_argument(method, settings, options, error, match):
    calls = []

    def model(v):  # records calls: a refused setting must not reach the model
        calls.append(1)
        return ToneModel()(v)

    with pytest.raises(error, match=match):
        get_explainer(method, model, **settings).attribute(_tones(), target=1, **options)
    assert not calls


def test_nan_outputs_during_the_optimization_are_refused():
    def fragile(v):  # finite on the inputs, NaN once the signal is attenuated
        energy = v.square().mean((1, 2))
        out = ToneModel()(v)
        return torch.where((energy > 0.9)[:, None], out, out * float("nan"))

    with pytest.raises(ValueError, match="NaN or Inf on filtered versions of inputs"):
        FLEXtime(fragile).attribute(_tones() * 2, target=1)


# --- the FLEXtime paper's metrics ------------------------------------------------------------

def test_metrics_are_registered_with_their_direction():
    directions = {name: metric_class(name).higher_is_better for name in
                  ("insertion_10", "smoothness", "sensitivity_max", "relative_output_stability")}
    assert directions == {"insertion_10": True, "smoothness": False, "sensitivity_max": False,
                          "relative_output_stability": False}
    assert metric_class("insertion_at") is metric_class("insertion_10")
    assert all(metric_class(n).needs_explainer for n in ("sensitivity_max",
                                                         "relative_output_stability"))


def test_insertion_at_10_is_the_insertion_curve_at_10_percent(tone_model):
    x = _tones()
    rel = torch.rand(4, 1, 33, generator=torch.Generator().manual_seed(0))
    curve = perturbation_curves(tone_model, x, rel, 1, fractions=np.round(np.arange(0, 1, 0.05), 2),
                                mode="insertion")
    np.testing.assert_allclose(get_metric("insertion_10")(tone_model, x, rel, 1), curve[:, 2])
    np.testing.assert_allclose(insertion_at(tone_model, x, rel, 1, fraction=0.25), curve[:, 5])
    with pytest.raises(ValueError, match="fraction"):
        insertion_at(tone_model, x, rel, 1, fraction=0.0)


SMOOTHNESS = [
    ("one peak", [0, 1, 3, 1, 0], 2.0),
    ("monotone", [0, 1, 2, 3], 1.0),
    ("constant", [2, 2, 2], 0.0),
    ("zigzag", [0, 1, 0, 1], 3.0),
    ("negatives clipped", [-5, 0, 2, 0, -5], 2.0),
]


@pytest.mark.parametrize("case, profile, expected", SMOOTHNESS, ids=[c[0] for c in SMOOTHNESS])
def test_smoothness_known_answers(case, profile, expected):
    r = np.array(profile, dtype=float)[None, None]
    np.testing.assert_allclose(smoothness(r), [expected])
    np.testing.assert_allclose(get_metric("smoothness")(None, None, r), [expected])


def test_smoothness_runs_along_frequency_in_the_stft():
    stft = get_domain("stft", n_fft=16, hop_length=4)
    f, frames = stft.coefficient_shape(LENGTH)
    rel = np.zeros((1, 1, f, frames))
    rel[0, 0, 3, :] = 1.0  # one peak per frame along frequency, flat in time
    x = np.zeros((1, 1, LENGTH))
    np.testing.assert_allclose(get_metric("smoothness")(None, x, rel, domain=stft), [2.0])
    with pytest.raises(ValueError, match="needs inputs"):
        get_metric("smoothness")(None, None, rel, domain=stft)


def _saliency(model):
    return get_explainer("saliency", model, domain="fft")


def test_sensitivity_max_equals_captums(tone_model):
    from captum.metrics import sensitivity_max as captum_sensitivity_max

    x = _tones()
    ex = _saliency(tone_model)
    torch.manual_seed(3)
    def explain(v, target):  # Captum's explanation functions take and return tuples
        return (ex.attribute(v[0] if isinstance(v, tuple) else v, target=target),)

    expected = captum_sensitivity_max(explain, x, target=1, n_perturb_samples=10)
    got = sensitivity_max(ex, x, 1, seed=3)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5)
    metric = get_metric("sensitivity_max", explainer=ex, seed=3)
    np.testing.assert_allclose(metric(tone_model, x, None, 1), got, rtol=1e-6)


def test_relative_output_stability_known_answers(tone_model):
    x = _tones()
    # an explanation that never changes is perfectly stable
    constant = relative_output_stability(tone_model, lambda v, target: torch.ones(len(v), 1, 33),
                                         x, 1)
    np.testing.assert_array_equal(constant, np.zeros(4))
    # relevance that scales with the input: (e - e')/e = -noise/x, over the output change
    got = relative_output_stability(tone_model, lambda v, target: torch.as_tensor(v) * 1.0, x, 1)
    assert np.isfinite(got).all() and (got > 0).all()
    # an input whose every perturbed copy changes class has no score
    def only_x(v):  # class 0 on x itself, class 1 anywhere else
        far = (torch.as_tensor(v) - x[:2].repeat_interleave(len(v) // 2, 0)).flatten(1).norm(dim=1)
        return torch.stack([1 - 1e6 * far, torch.zeros(len(v))], 1)

    flip = relative_output_stability(only_x, lambda v, target: torch.as_tensor(v), x[:2], None)
    assert np.isnan(flip).all()


@pytest.mark.parametrize("name", ["sensitivity_max", "relative_output_stability"])
def test_stability_metrics_without_an_explainer_say_what_to_pass(name, tone_model):
    with pytest.raises(ValueError, match="needs the explainer"):
        get_metric(name)(tone_model, _tones(), torch.rand(4, 1, 33), 1)
    with pytest.raises(TypeError, match="explainer must be an Explainer"):
        get_metric(name, explainer=3)(tone_model, _tones(), None, 1)
    with pytest.raises(ValueError, match="samples"):
        get_metric(name, explainer=_saliency(tone_model))(tone_model, _tones(),
                                                          torch.rand(3, 1, 33), 1)


# --- tiny signals and the public helpers' arguments (issue 25) --------------------------------

class NyquistModel(nn.Module):
    """Class 1 when the signal alternates (x[0] - x[1]: power at Nyquist on 2 samples)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(4.0))

    def forward(self, x):
        d = (x[..., 0::2].mean(-1) - x[..., 1::2].mean(-1)).mean(1)
        return torch.stack([torch.zeros_like(d), self.scale * d.abs() - 1.0], 1)


def test_flextime_auto_bank_explains_a_two_sample_signal():
    """The shortest signal any domain takes (2 samples, 2 rFFT bins) gets 2 filters of 3 taps
    (the filter longer than the signal, zero-padded) and is explained, not refused."""
    assert auto_filter_bank(2) == (2, 3)
    x = torch.tensor([[[1.0, -1.0]], [[2.0, -2.0]]])  # all their power at Nyquist
    ex = FLEXtime(NyquistModel())
    rel, w = ex.attribute(x, target=1, return_band_weights=True)
    assert rel.shape == (2, 1, 2) and w.shape == (2, 1, 2)
    assert bool(torch.isfinite(rel).all()) and bool(((w >= 0) & (w <= 1)).all())
    assert (w[:, 0, 1] > w[:, 0, 0]).all() and (rel[:, 0, 1] > rel[:, 0, 0]).all()  # Nyquist band
    assert ex.filtered(x, w).shape == x.shape
    # an explicit bank of the same size runs too; one longer than 3 taps is refused naming both
    short = FLEXtime(NyquistModel(), numtaps=3, n_epochs=3)
    assert short.attribute(x, target=1).shape == (2, 1, 2)
    with pytest.raises(ValueError, match=r"numtaps=5 is longer than the 2-sample signal; use an "
                                         r"odd numtaps <= 3"):
        FLEXtime(NyquistModel(), numtaps=5).attribute(x, target=1)


@pytest.mark.parametrize("length, shapes", [
    (3, {"fft": (1, 2), "time": (1, 3), "stft": (1, 2, 3), "wavelet": (1, 4)}),
    (4, {"fft": (1, 3), "time": (1, 4), "stft": (1, 3, 5), "wavelet": (1, 4)}),
])
@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_tiny_signals_are_explained_in_every_domain(method, length, shapes):
    x = torch.randn(2, 1, length, generator=torch.Generator().manual_seed(0))
    for domain, shape in shapes.items():
        rel = get_explainer(method, NyquistModel(), domain=domain, n_epochs=3).attribute(
            x, target=1)
        assert rel.shape == (2, *shape) and bool(torch.isfinite(rel).all()), domain


@pytest.mark.parametrize("method", ["flextime", "freqmask"])
def test_a_one_sample_signal_is_refused_naming_the_length_and_the_minimum(method):
    with pytest.raises(ValueError, match="signal length must be at least 2 samples, got 1"):
        get_explainer(method, NyquistModel()).attribute(torch.ones(2, 1, 1), target=1)


@pytest.mark.parametrize("length", [0, -1, 1, 2.5, True, float("nan"), None, "64"])
def test_auto_filter_bank_and_bank_refuse_what_is_not_a_length(length):
    match = "length must be the signal length in samples, an integer >= 2"
    with pytest.raises(ValueError, match=match):
        auto_filter_bank(length)
    with pytest.raises(ValueError, match=match):
        FLEXtime(NyquistModel(), n_filters=4, numtaps=15).bank(length)


@pytest.mark.parametrize("weights, error, match", [
    ("abc", TypeError, "band_weights must be a real tensor or array"),
    (None, TypeError, "band_weights must be a real tensor or array"),
    (torch.ones(2, 1, 4, dtype=torch.bool), TypeError, "band_weights must hold real numbers"),
    (torch.ones(2, 1, 4, dtype=torch.complex64), TypeError, "band_weights must hold real numbers"),
    (np.ones((2, 4)), ValueError, r"band_weights must have shape \(2, 1 or 1, 4\)"),
])
def test_filtered_refuses_band_weights_that_are_not_weights(weights, error, match):
    ex = FLEXtime(NyquistModel(), n_filters=4, numtaps=15)
    with pytest.raises(error, match=match):
        ex.filtered(torch.randn(2, 1, 32), weights)
    # integer weights are numbers: 1 keeps every band
    assert ex.filtered(torch.randn(2, 1, 32), np.ones((2, 1, 4), dtype=int)).shape == (2, 1, 32)


@pytest.mark.parametrize("args, error, match", [
    (("ffft", 32), ValueError, "unknown domain"),
    ((3, 32), ValueError, "domain must be one of"),
    (("fft", 0), ValueError, "length must be the signal length in samples"),
    (("fft", 2.5), ValueError, "length must be the signal length in samples"),
    (("fft", 32, filter_bank(4, 31)[0]), ValueError, r"bank must have shape \(n_filters, numtaps\)"),
    (("fft", 32, filter_bank(4, 31)[:, :30]), ValueError, "with an odd numtaps"),
    (("fft", 32, [["a", "b", "c"]]), TypeError, "bank must hold real filter taps"),
    (("fft", 32, None), TypeError, "bank must hold real filter taps"),
    (("fft", 32, np.full((2, 3), np.nan)), ValueError, "bank contains NaN or Inf"),
])
def test_band_gains_refuses_bad_arguments_naming_them(args, error, match):
    domain, length, *bank = args
    with pytest.raises(error, match=match):
        band_gains(domain, length, bank[0] if bank else filter_bank(4, 31))


def test_band_gains_takes_a_domain_name_and_a_list_bank():
    bank = filter_bank(4, 31)
    expected = band_gains(get_domain("fft"), 32, bank)
    torch.testing.assert_close(band_gains("fft", 32, bank.tolist()), expected)


def test_moving_average_refuses_a_negative_window_and_arrays():
    from freqxai.explainers.freqmask import moving_average

    c = torch.arange(5.0)[None, None]
    with pytest.raises(ValueError, match=r"window \(the half-width of the moving average\) must "
                                         r"be an integer >= 0"):
        moving_average(c, -1, -1)
    with pytest.raises(TypeError, match="c must be a floating or complex torch.Tensor"):
        moving_average(np.ones((1, 1, 5)), 1, -1)
    torch.testing.assert_close(moving_average(c, 0, -1), c)  # window 0: the coefficients

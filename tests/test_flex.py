import numpy as np
import pytest
import torch

from freqxai import EEG_BANDS, FLEX, STFT, Fourier, band_attributions
from freqxai.testing import LinearSpectrumModel


class SmallCNN(torch.nn.Module):
    def __init__(self, channels=1, classes=3):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(channels, 8, 7, padding=3)
        self.fc = torch.nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(torch.tanh(self.conv(x)).mean(-1))


def _x(n=4, c=1, t=128, seed=0):
    return torch.randn(n, c, t, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("length", [256, 255])
def test_linear_in_amplitude_gives_weight_times_amplitude(length):
    n_bins = length // 2 + 1
    weight = torch.randn(3, n_bins, generator=torch.Generator().manual_seed(1))
    model = LinearSpectrumModel(weight)
    x = _x(5, 1, length)
    target = torch.tensor([0, 1, 2, 1, 0])
    attr = FLEX(model, "fft").attribute(x, target=target, n_steps=8)
    expected = weight[target][:, None, :] * torch.fft.rfft(x).abs()
    torch.testing.assert_close(attr, expected, rtol=1e-4, atol=1e-4)


class _DefinitionForward(torch.nn.Module):
    """F ∘ inverse on coefficient parts: IG over it is FLEX by its definition (Gräve et al.)."""

    def __init__(self, model, domain, length):
        super().__init__()
        self.model, self.domain, self.length = model, domain, length

    def forward(self, a, b, scale):
        coeffs = torch.polar(a, b) if self.amplitude else torch.complex(a, b)
        return self.model(self.domain.inverse(coeffs, self.length), scale)


class ScaledCNN(SmallCNN):
    def forward(self, x, scale):
        return super().forward(x * scale[:, None, None])


@pytest.mark.parametrize("domain", ["fft", STFT(n_fft=32, hop_length=8), STFT(n_fft=31, hop_length=31, center=False,
                                                  window="rectangular")])
@pytest.mark.parametrize("representation", ["amplitude", "real_imag"])
def test_equals_captum_ig_over_the_spectrum_by_definition(domain, representation):
    """FLEX integrates in time and applies J^T once; that must equal Captum's IG run over the
    coefficients of F∘inverse step by step (the definition), with a baseline and extra args."""
    from captum.attr import IntegratedGradients

    model = ScaledCNN().eval()
    x, base = _x(3, 1, 124), 0.3 * _x(3, 1, 124, seed=5)
    scale = torch.tensor([1.0, 0.5, 2.0])
    target = torch.tensor([0, 2, 1])
    flex = FLEX(model, domain, representation=representation)
    ours, delta = flex.attribute(x, target=target, baselines=base, n_steps=20,
                                 additional_forward_args=scale, return_convergence_delta=True)
    d = flex.domain
    cx, cb = d.forward(x), d.forward(base)
    fwd = _DefinitionForward(model, d, 124)
    fwd.amplitude = representation == "amplitude"
    ig = IntegratedGradients(fwd)
    if fwd.amplitude:
        ref = ig.attribute(cx.abs(), baselines=cb.abs(), target=target, n_steps=20,
                           additional_forward_args=(cx.angle(), scale))
        torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)
        total = ours.flatten(1).sum(1)
        end = torch.polar(cb.abs(), cx.angle())
    else:
        ref = ig.attribute((cx.real, cx.imag), baselines=(cb.real, cb.imag), target=target,
                           n_steps=20, additional_forward_args=(scale,))
        for a, r in zip(ours, ref, strict=True):
            torch.testing.assert_close(a, r, rtol=1e-4, atol=1e-5)
        total = sum(a.flatten(1).sum(1) for a in ours)
        end = cb
    with torch.no_grad():
        f = lambda c: model(d.inverse(c, 124), scale).gather(1, target[:, None])[:, 0]  # noqa: E731
        torch.testing.assert_close(delta, total - (f(cx) - f(end)), rtol=1e-4, atol=1e-5)


def test_time_domain_is_captum_ig():
    from captum.attr import IntegratedGradients

    model = SmallCNN().eval()
    x = _x(3)
    ours = FLEX(model, "time").attribute(x, target=1, n_steps=16)
    ref = IntegratedGradients(model).attribute(x, target=1, n_steps=16)
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-6)


def test_convergence_delta_shrinks_with_more_steps():
    model = SmallCNN().eval()
    x = _x(3)
    flex = FLEX(model, "fft")
    deltas = []
    for n in (2, 8, 64):
        attr, delta = flex.attribute(x, target=1, n_steps=n, method="riemann_trapezoid",
                                     return_convergence_delta=True)
        with torch.no_grad():
            gap = model(x)[:, 1] - model(torch.zeros_like(x))[:, 1]
        torch.testing.assert_close(attr.sum(dim=(1, 2)) - gap, delta, rtol=1e-3, atol=1e-5)
        deltas.append(delta.abs().max().item())
    assert deltas[0] > deltas[1] > deltas[2]


@pytest.mark.parametrize("representation", ["amplitude", "real_imag_sum"])
def test_completeness_in_every_representation(representation):
    model = SmallCNN().eval()
    x = _x(2)
    attr, delta = FLEX(model, "fft", representation=representation).attribute(
        x, target=0, n_steps=200, return_convergence_delta=True)
    with torch.no_grad():
        gap = model(x)[:, 0] - model(torch.zeros_like(x))[:, 0]
    assert (delta.abs() < 2e-3 * gap.abs().max() + 1e-5).all()
    assert attr.shape == (2, 1, 65)


def test_real_imag_gives_two_maps_that_sum_to_the_combined_map():
    model = SmallCNN().eval()
    x = _x(2)
    re, im = FLEX(model, "fft", representation="real_imag").attribute(x, target=2)
    both = FLEX(model, "fft", representation="real_imag_sum").attribute(x, target=2)
    torch.testing.assert_close(re + im, both)


def test_batched_multichannel_matches_one_at_a_time_and_target_none():
    model = SmallCNN(channels=3).eval()
    x = _x(4, 3, 100)
    flex = FLEX(model, "fft")
    batched = flex.attribute(x, target=None, n_steps=16)
    pred = model(x).argmax(1)
    single = torch.cat([flex.attribute(x[i : i + 1], target=int(pred[i]), n_steps=16)
                        for i in range(4)])
    assert batched.shape == (4, 3, 51)
    torch.testing.assert_close(batched, single, rtol=1e-4, atol=1e-6)
    small_chunks = flex.attribute(x, target=None, n_steps=16, internal_batch_size=5)
    torch.testing.assert_close(batched, small_chunks, rtol=1e-4, atol=1e-6)


def test_stft_flex_completeness_and_shape():
    model = SmallCNN().eval()
    x = _x(2, 1, 400)
    domain = STFT(n_fft=64, hop_length=16)
    attr, delta = FLEX(model, domain).attribute(x, target=1, n_steps=100,
                                                return_convergence_delta=True)
    assert attr.shape == (2, 1, 33, 26)
    with torch.no_grad():
        gap = model(x)[:, 1] - model(torch.zeros_like(x))[:, 1]
    assert (delta.abs() < 0.01 * gap.abs().max() + 1e-5).all()
    assert domain.axes(400, fs=100.0)["frequency"][-1] == pytest.approx(50.0)


def test_numpy_in_numpy_out_and_baselines():
    model = SmallCNN().eval()
    x = _x(2).numpy()
    attr = FLEX(model).attribute(x, target=0, baselines=0.0)
    assert isinstance(attr, np.ndarray)
    one_base = FLEX(model).attribute(x, target=0, baselines=np.zeros((1, 1, 128), np.float32))
    np.testing.assert_allclose(attr, one_base, rtol=1e-5, atol=1e-7)


def test_band_summaries():
    fs = 100.0
    length = 3000
    freqs = Fourier().axes(length, fs)["frequency"]
    attr = torch.zeros(1, 1, freqs.size)
    attr[0, 0, np.argmin(np.abs(freqs - 10.0))] = 2.0  # alpha
    attr[0, 0, np.argmin(np.abs(freqs - 2.0))] = 1.0  # delta
    attr[0, 0, np.argmin(np.abs(freqs - 40.0))] = 5.0  # no band
    summed, names = band_attributions(attr, freqs, eeg=True)  # slow, EEG bands, gamma
    assert names == ["slow", *EEG_BANDS, "gamma"]
    assert summed[0, 0].tolist() == [0.0, 1.0, 0.0, 2.0, 0.0, 0.0, 5.0]
    with pytest.warns(UserWarning, match=r"outside every band \(0-0.467, 30-50 Hz\), holding 62.5%"):
        eeg, names = band_attributions(attr, freqs, EEG_BANDS)
    assert names == list(EEG_BANDS) and eeg[0, 0].tolist() == [1.0, 0.0, 2.0, 0.0, 0.0]
    custom, names = band_attributions(attr.numpy(), freqs, {"low": (0, 30), "gamma": (30, 50)})
    assert names == ["low", "gamma"] and custom[0, 0, 1] == 5.0  # Nyquist (50 Hz) included
    mean, _ = band_attributions(attr, freqs, {"low": (0, 30), "gamma": (30, 50)}, reduce="mean")
    torch.testing.assert_close(mean[0, 0], torch.tensor([3.0 / 900, 5.0 / 601]))
    with pytest.raises(ValueError, match="bins"):
        band_attributions(attr[..., :10], freqs)
    with pytest.raises(ValueError, match="reduce"):
        band_attributions(attr, freqs, reduce="max")
    # 10 Hz data: the EEG bands do not fit, the default octave bands cover every bin with DC
    slow = Fourier().axes(100, 10.0)["frequency"]
    bands, names = band_attributions(torch.ones(1, 1, slow.size), slow)
    assert names[0] == "DC" and float(bands.sum()) == slow.size


def test_bad_input():
    flex = FLEX(SmallCNN().eval())
    x = _x(2)
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or Inf"):
        flex.attribute(bad)
    bad[0, 0, 0] = float("inf")
    with pytest.raises(ValueError, match="NaN or Inf"):
        flex.attribute(bad)
    with pytest.raises(ValueError, match=r"\(batch, channels, time\)"):
        flex.attribute(x[0])
    with pytest.raises(ValueError, match="baselines"):
        flex.attribute(x, baselines=torch.zeros(2, 1, 64))
    with pytest.raises(ValueError, match="out of range"):
        flex.attribute(x, target=3)
    with pytest.raises(ValueError, match="n_steps"):
        flex.attribute(x, n_steps=0)
    with pytest.raises(ValueError, match="representation"):
        FLEX(SmallCNN(), representation="phase")

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from freqxai.domains import STFT, Fourier, Time, get_domain


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 3),
    channels=st.integers(1, 4),
    length=st.integers(16, 301),
    domain_name=st.sampled_from(["time", "fft", "stft"]),
    seed=st.integers(0, 2**31 - 1),
    n_fft=st.integers(8, 16),
)
def test_round_trip_any_length_and_channels(batch, channels, length, domain_name, seed, n_fft):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, channels, length, generator=gen, dtype=torch.float64)
    kwargs = {"n_fft": n_fft, "hop_length": 4} if domain_name == "stft" else {}
    domain = get_domain(domain_name, **kwargs)
    coeffs = domain.forward(x)
    assert tuple(coeffs.shape) == (batch, channels, *domain.coefficient_shape(length))
    back = domain.inverse(coeffs, length)
    assert back.shape == x.shape
    torch.testing.assert_close(back, x, rtol=0, atol=1e-10)


@pytest.mark.parametrize("length", [7999, 8000])
def test_stft_audio_settings_round_trip(length):
    x = torch.randn(2, 1, length)
    domain = STFT(n_fft=455, hop_length=35, window="hann")
    coeffs = domain(x)
    assert coeffs.shape == (2, 1, 228, length // 35 + 1)
    torch.testing.assert_close(domain.inverse(coeffs, length), x, rtol=0, atol=1e-4)


def test_inverse_accepts_extra_leading_axes():
    x = torch.randn(2, 3, 100)
    for domain in (Time(), Fourier(), STFT(n_fft=20, hop_length=5)):
        c = domain(x)
        stacked = torch.stack([c, 2 * c], dim=1)  # (batch, masks, channels, ...)
        back = domain.inverse(stacked, 100)
        assert back.shape == (2, 2, 3, 100)
        torch.testing.assert_close(back[:, 1], 2 * x, rtol=1e-4, atol=1e-4)


def test_axes_in_physical_units():
    fs = 8000.0
    f = Fourier().axes(8000, fs)["frequency"]
    assert f.shape == (4001,)
    assert f[1] == pytest.approx(1.0) and f[-1] == pytest.approx(4000.0)
    assert Fourier().axes(2560)["frequency"][5] == 5 / 2560  # cycles per sample without fs
    ax = STFT(n_fft=455, hop_length=35).axes(8000, fs)
    assert ax["frequency"].shape == (228,)
    np.testing.assert_allclose(ax["frequency"][1], fs / 455)
    np.testing.assert_allclose(ax["time"][:3], [0, 35 / fs, 70 / fs])
    assert Time().axes(4, 2.0)["time"].tolist() == [0, 0.5, 1.0, 1.5]


def test_fourier_bin_holds_the_sinusoid():
    n = 2560
    t = torch.arange(n, dtype=torch.float64)
    x = torch.sin(2 * torch.pi * 16 * t / n)[None, None]
    amp = Fourier()(x).abs()[0, 0]
    assert int(amp.argmax()) == 16


def test_stft_window_longer_than_signal_is_rejected():
    with pytest.raises(ValueError, match="longer than the signal"):
        STFT(n_fft=512)(torch.randn(1, 1, 300))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"n_fft": 1}, "n_fft"), ({"n_fft": 64, "hop_length": 100}, "hop_length"),
     ({"n_fft": 64, "window": "kaiser"}, "window"), ({"n_fft": 64, "win_length": 65}, "win_length")],
)
def test_stft_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        STFT(**kwargs)


def test_get_domain_names_and_errors():
    assert isinstance(get_domain("fft"), Fourier)
    assert isinstance(get_domain("time"), Time)
    d = STFT(n_fft=32)
    assert get_domain(d) is d
    with pytest.raises(ValueError, match="unknown domain"):
        get_domain("haar-ish")
    with pytest.raises(ValueError, match="bad parameters"):
        get_domain("fft", n_fft=3)


def test_signal_without_channel_axis_is_rejected():
    with pytest.raises(ValueError, match="channel"):
        Fourier()(torch.randn(10))

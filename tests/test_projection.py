"""DFT-LRP against a dense-matrix implementation of the virtual inspection layer's equations."""

import numpy as np
import pytest
import torch

from freqxai import STFT, Fourier, Time, project_relevance


def _dense_inverse_matrix(domain, n):
    """Columns: the signal each real and each imaginary coefficient unit produces (x = W y)."""
    shape = domain.coefficient_shape(n)
    size = int(np.prod(shape))
    eye = torch.eye(size, dtype=torch.float64).reshape(size, 1, *shape)
    real = domain.inverse(torch.complex(eye, torch.zeros_like(eye)), n)[:, 0]
    imag = domain.inverse(torch.complex(torch.zeros_like(eye), eye), n)[:, 0]
    return torch.cat([real, imag]).T.numpy(), shape  # (n, 2 * size)


def _dense_dft_lrp(x, relevance, domain, eps=1e-6):
    """R_j = sum_n W_nj y_j / x_n R_n (z-rule), w²-rule where x_n is negligible; sum re + im."""
    n = x.shape[-1]
    W, shape = _dense_inverse_matrix(domain, n)
    coeffs = domain.forward(torch.from_numpy(x)[None, None])[0, 0].reshape(-1).numpy()
    y = np.concatenate([coeffs.real, coeffs.imag])
    contrib = W * y[None, :]  # (n, 2 * size): what coefficient j adds to sample n
    np.testing.assert_allclose(contrib.sum(1), x, atol=1e-9)  # the layer reproduces the signal
    small = np.abs(x) <= eps * np.abs(x).max()
    z = np.where(small, 0.0, relevance / np.where(small, 1.0, x))
    out = z @ contrib
    w2 = W**2
    out += (relevance * small) @ (w2 / w2.sum(1, keepdims=True))
    size = len(y) // 2
    return (out[:size] + out[size:]).reshape(shape)


@pytest.mark.parametrize("n", [8, 9, 64, 255])
def test_fft_projection_equals_dense_equations(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    x[2] = 0.0  # a sample the z-rule cannot handle
    rel = rng.normal(size=n)
    ours = project_relevance(torch.from_numpy(rel)[None, None], torch.from_numpy(x)[None, None],
                             Fourier())[0, 0].numpy()
    ref = _dense_dft_lrp(x, rel, Fourier())
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize("domain", [
    STFT(n_fft=8, hop_length=2),
    STFT(n_fft=9, hop_length=3, window="hann"),
    STFT(n_fft=16, hop_length=16, window="rectangular", center=False),
    STFT(n_fft=12, hop_length=4, win_length=8, window="hamming"),
], ids=["hann-even", "hann-odd", "rect-nonoverlap", "hamming-short-window"])
@pytest.mark.parametrize("n", [64, 65])
def test_stft_projection_equals_dense_equations(domain, n):
    if not domain.center and n % domain.hop:
        n = n - n % domain.hop  # non-overlapping windows must tile the signal
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    x[5] = 0.0
    rel = rng.normal(size=n)
    ours = project_relevance(torch.from_numpy(rel)[None, None], torch.from_numpy(x)[None, None],
                             domain)[0, 0].numpy()
    ref = _dense_dft_lrp(x, rel, domain)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-9 * np.abs(ref).max())


@pytest.mark.parametrize("domain", [Fourier(), STFT(n_fft=455, hop_length=35),
                                    STFT(n_fft=800, hop_length=800, window="rectangular", center=False)])
def test_conservation_to_float64_roundoff_batched_multichannel(domain):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, 8000, generator=gen, dtype=torch.float64)
    x[0, 0, :100] = 0  # silence, as in zero-padded audio
    rel = torch.randn(3, 2, 8000, generator=gen, dtype=torch.float64)
    out = project_relevance(rel, x, domain)
    assert out.shape == (3, 2, *domain.coefficient_shape(8000))
    sums = out.flatten(2).sum(-1)
    torch.testing.assert_close(sums, rel.sum(-1), rtol=0, atol=1e-9)


def test_fft_projection_of_a_pure_tone_lands_on_its_bin():
    n = 256
    t = torch.arange(n, dtype=torch.float64)
    x = torch.sin(2 * torch.pi * 12 * t / n)[None, None]
    out = project_relevance(x.square(), x, "fft")  # relevance x_n² (gradient×input of ||x||²/2)
    assert int(out[0, 0].argmax()) == 12
    assert out[0, 0, 12] == pytest.approx(x.square().sum().item(), rel=1e-9)


def test_time_domain_is_identity_and_errors():
    x, r = torch.randn(2, 1, 50), torch.randn(2, 1, 50)
    torch.testing.assert_close(project_relevance(r, x, Time()), r.double())
    with pytest.raises(ValueError, match="shape"):
        project_relevance(r[..., :40], x, "fft")
    with pytest.raises(ValueError, match="eps"):
        project_relevance(r, x, "fft", eps=-1)


@pytest.mark.parametrize("domain", [Fourier(), STFT(n_fft=32, hop_length=8),
                                    STFT(n_fft=16, hop_length=16, window="rectangular", center=False)])
def test_generic_projection_equals_the_fft_fast_paths(domain):
    # Domain.project_relevance (one VJP of the inverse, w²-rule from Jacobian rows) is what a
    # user's domain gets; the FFT formulas of the built-in domains must agree with it exactly,
    # including the negligible samples (exact zeros) that take the w²-rule.
    from freqxai.domains import Domain

    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 96, generator=g, dtype=torch.float64)
    x[0, 1, 10:30] = 0.0
    rel = torch.randn(2, 3, 96, generator=g, dtype=torch.float64)
    fast = domain.project_relevance(rel, x, eps=1e-6)
    generic = Domain.project_relevance(domain, rel, x, eps=1e-6)
    torch.testing.assert_close(generic, fast, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(generic.flatten(2).sum(-1), rel.sum(-1), rtol=1e-9, atol=1e-10)


def test_project_relevance_takes_numpy_and_returns_numpy():
    x = np.random.default_rng(0).standard_normal((2, 1, 50))
    out = project_relevance(x**2, x, "fft")
    assert isinstance(out, np.ndarray) and out.shape == (2, 1, 26) and out.dtype == np.float64
    np.testing.assert_allclose(out.sum(-1), (x**2).sum(-1))

"""The wavelet domain against PyWavelets, and the properties the explainers rely on."""

import numpy as np
import pytest
import pywt
import torch

from freqxai import Wavelet, get_domain, list_domains, project_relevance

CASES = [("haar", 101, None), ("db2", 257, 3), ("db4", 2560, None), ("sym5", 100, 2),
         ("coif2", 64, None), ("db4", 37, 1)]


@pytest.mark.parametrize("name, length, level", CASES)
def test_equals_pywavelets_periodization(name, length, level):
    d = Wavelet(wavelet=name, level=level)
    x = np.random.default_rng(0).standard_normal((2, 3, length))
    levels = d.level_for(length)
    ref = pywt.wavedec(x, name, mode="periodization", level=levels)
    ours = d.forward(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, np.concatenate(ref, axis=-1), atol=1e-12)
    for s, block in zip(d.level_slices(length), ref, strict=True):
        np.testing.assert_allclose(ours[..., s], block, atol=1e-12)
    back = pywt.waverec(ref, name, mode="periodization")[..., :length]
    np.testing.assert_allclose(d.inverse(torch.from_numpy(ours), length).numpy(), back, atol=1e-12)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 1e-5), (torch.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(2, 3, 203), (2, 4, 1, 128)])
def test_perfect_reconstruction_any_leading_dims(dtype, tol, shape):
    d = Wavelet()
    x = torch.randn(shape, dtype=dtype)
    c = d.forward(x)
    assert c.dtype == dtype and c.shape == (*shape[:-1], *d.coefficient_shape(shape[-1]))
    torch.testing.assert_close(d.inverse(c, shape[-1]), x, atol=tol, rtol=tol)


def test_orthogonal_energy_and_linearity():
    d = Wavelet(wavelet="db4", level=4)
    x, y = torch.randn(2, 1, 256, dtype=torch.float64)
    cx, cy = d.forward(x), d.forward(y)
    torch.testing.assert_close(cx.square().sum(), x.square().sum())  # Parseval (256 = 16 * 2^4)
    torch.testing.assert_close(d.forward(2 * x - 3 * y), 2 * cx - 3 * cy)


def test_registry_and_parameters():
    assert "wavelet" in list_domains()
    d = get_domain("wavelet", wavelet="db2", level=3)
    assert isinstance(d, Wavelet) and d.level_for(1000) == 3
    assert Wavelet().level_for(2560) == pywt.dwt_max_level(2560, 8)
    for kwargs, match in [({"wavelet": "morlet"}, "wavelet"), ({"wavelet": "bior2.2"}, "orthogonal"),
                          ({"level": 0}, "level"), ({"level": True}, "level"), ({"level": 2.5}, "level")]:
        with pytest.raises(ValueError, match=match):
            Wavelet(**kwargs)
    with pytest.raises(ValueError, match="too deep"):
        Wavelet(wavelet="db4", level=5).forward(torch.randn(1, 1, 64))


def test_projection_conserves_relevance_with_negligible_samples():
    d = Wavelet(wavelet="db4")
    x = torch.randn(2, 2, 150, dtype=torch.float64)
    x[1, 0, 40:90] = 0.0  # exact zeros take the w²-rule
    rel = torch.randn(2, 2, 150, dtype=torch.float64)
    out = project_relevance(rel, x, d)
    assert out.shape == (2, 2, *d.coefficient_shape(150))
    torch.testing.assert_close(out.sum(-1), rel.sum(-1), rtol=1e-10, atol=1e-10)
    # gradient×input of a linear model on the coefficients projects onto w_k c_k exactly (when
    # every level has even length, so the transform is orthogonal: 160 = 10 * 2^4)
    x = torch.randn(2, 2, 160, dtype=torch.float64)
    w = torch.randn(d.coefficient_shape(160)[0], dtype=torch.float64)
    c = d.forward(x)
    x_req = x.clone().requires_grad_()
    (d.forward(x_req) * w).sum().backward()
    gxi = x_req.grad * x
    torch.testing.assert_close(project_relevance(gxi, x, d), w * c, rtol=1e-8, atol=1e-8)


def test_bands_profile_and_plot():
    d = Wavelet(wavelet="db4")
    length, fs = 2560, 2560.0
    bands = d.bands(length, fs)
    assert len(bands) == d.level_for(length) + 1
    lows = [lo for _, lo, _ in bands]
    assert lows == sorted(lows) and bands[-1][2] == fs / 2
    rel = torch.rand(3, 1, *d.coefficient_shape(length))
    prof = d.frequency_profile(rel, length)
    assert prof.shape == (3, 1, len(bands))
    torch.testing.assert_close(prof.sum(-1), rel.sum(-1))
    np.testing.assert_allclose(d.frequency_profile(rel.numpy(), length), prof.numpy(), rtol=1e-6)
    assert d.profile_index(53.0, length, fs) == next(
        i for i, (_, lo, hi) in enumerate(bands) if lo <= 53 < hi)
    assert d.profile_index(fs / 2, length, fs) == len(bands) - 1
    axes = d.axes(length, fs)
    assert axes["frequency"].shape == axes["time"].shape == d.coefficient_shape(length)

    from freqxai.plotting import new_figure

    fig, ax = new_figure()
    d.plot(ax[0, 0], rel[0, 0].numpy(), length=length, fs=fs, title="scalogram")
    assert len(ax[0, 0].collections) == len(bands)
    assert ax[0, 0].get_xlabel() == "time [s]"

"""The wavelet domain against PyWavelets, and the properties the explainers rely on."""

import warnings

import numpy as np
import pytest
import pywt
import torch

from freqxai.domains.base import Domain, get_domain, list_domains
from freqxai.domains.wavelet import Wavelet

# (wavelet, length, level): odd lengths at every level, explicit and automatic levels
CASES = [
    ("db1", 101, None), ("db1", 257, 5), ("haar", 37, 1), ("db4", 101, None), ("db4", 257, 3),
    ("db4", 2560, None), ("sym5", 257, None), ("sym5", 2560, 4), ("coif2", 101, 2),
    ("coif2", 2560, None), ("db2", 7, 1),
]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("name, length, level", CASES)
def test_forward_and_inverse_equal_pywavelets(name, length, level):
    d = Wavelet(wavelet=name, level=level)
    levels = d.level_for(length)
    if level is None:
        assert levels == max(1, pywt.dwt_max_level(length, pywt.Wavelet(name).dec_len))
    x = _rng().standard_normal((2, 3, length))
    ref = pywt.wavedec(x, name, mode="periodization", level=levels)
    ours = d.forward(torch.from_numpy(x)).numpy()
    assert ours.shape == (2, 3, *d.coefficient_shape(length))
    np.testing.assert_allclose(ours, np.concatenate(ref, axis=-1), rtol=0, atol=1e-12)
    for s, block in zip(d.level_slices(length), ref, strict=True):
        np.testing.assert_allclose(ours[..., s], block, rtol=0, atol=1e-12)
    # the inverse of arbitrary coefficients (not only forward's range) equals waverec
    c = _rng(1).standard_normal(ours.shape)
    blocks = [c[..., s] for s in d.level_slices(length)]
    back = pywt.waverec(blocks, name, mode="periodization")[..., :length]
    np.testing.assert_allclose(d.inverse(torch.from_numpy(c), length).numpy(), back, rtol=0,
                               atol=1e-12)


@pytest.mark.parametrize("dtype, tol", [(torch.float32, 2e-5), (torch.float64, 1e-10)])
@pytest.mark.parametrize("shape", [(2, 3, 203), (2, 4, 1, 128), (3, 2, 2, 1001)])
@pytest.mark.parametrize("name", ["db4", "sym5"])
def test_perfect_reconstruction_any_leading_dims(dtype, tol, shape, name):
    d = Wavelet(wavelet=name)
    x = torch.randn(shape, dtype=dtype)
    c = d.forward(x)
    assert c.dtype == dtype and c.shape == (*shape[:-1], *d.coefficient_shape(shape[-1]))
    rec = d.inverse(c, shape[-1])
    assert rec.dtype == dtype and rec.shape == x.shape
    torch.testing.assert_close(rec, x, atol=tol, rtol=0)


@pytest.mark.parametrize("name, length, level", [("db4", 256, 4), ("sym5", 96, 3), ("db1", 64, 6),
                                                 ("coif2", 320, 4)])
def test_parseval_when_length_divisible_by_two_to_the_level(name, length, level):
    d = Wavelet(wavelet=name, level=level)
    x = torch.randn(4, 2, length, dtype=torch.float64)
    c = d.forward(x)
    assert c.shape[-1] == length
    torch.testing.assert_close(c.square().sum(-1), x.square().sum(-1), rtol=1e-10, atol=0)


def test_linearity_of_forward_and_inverse():
    d = Wavelet(wavelet="db4", level=3)
    x, y = torch.randn(2, 2, 1, 101, dtype=torch.float64)
    torch.testing.assert_close(d.forward(2 * x - 3 * y), 2 * d.forward(x) - 3 * d.forward(y))
    a, b = torch.randn(2, 2, 1, *d.coefficient_shape(101), dtype=torch.float64)
    torch.testing.assert_close(d.inverse(2 * a - 3 * b, 101),
                               2 * d.inverse(a, 101) - 3 * d.inverse(b, 101))


def test_inverse_is_differentiable():
    d = Wavelet(wavelet="db2", level=2)
    c = torch.randn(1, 1, d.coefficient_shape(13)[0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: d.inverse(v, 13), (c,))
    x = torch.randn(1, 1, 13, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(d.forward, (x,))


def test_registry_and_parameters():
    assert "wavelet" in list_domains()
    d = get_domain("wavelet", wavelet="db2", level=3)
    assert isinstance(d, Wavelet) and d.level_for(1000) == 3
    assert repr(d) == "Wavelet(wavelet='db2', level=3)"
    assert repr(Wavelet()) == "Wavelet(wavelet='db4', level=None)"
    assert Wavelet(level=np.int64(2)).level == 2
    assert Wavelet().level_for(2560) == pywt.dwt_max_level(2560, 8)


@pytest.mark.parametrize("kwargs, match", [
    ({"wavelet": "morlet"}, r"wavelet.*db \(db1\.\.db38\)"),
    ({"wavelet": "bior2.2"}, "wavelet='bior2.2' is not orthogonal"),
    ({"wavelet": "dmey"}, "wavelet='dmey' is only approximately orthogonal"),
    ({"wavelet": 4}, "wavelet"),
    ({"level": 0}, "level"), ({"level": -2}, "level"), ({"level": True}, "level"),
    ({"level": 2.5}, "level"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Wavelet(**kwargs)
    with pytest.raises(ValueError, match=match):
        get_domain("wavelet", **kwargs)


def test_bad_lengths_and_coefficients():
    d = Wavelet(wavelet="db4", level=5)  # dwt_max_level(64, 8) == 3
    with pytest.raises(ValueError, match="level=5 is too deep.*at most 3 levels fit"):
        d.forward(torch.randn(1, 1, 64))
    with pytest.raises(ValueError, match="level=5 is too deep"):
        d.inverse(torch.randn(1, 1, 64), 64)
    with pytest.raises(ValueError, match="at least 2"):
        Wavelet().check_length(1)
    with pytest.raises(ValueError, match="must end in"):
        Wavelet().inverse(torch.randn(1, 1, 100), 101)
    with pytest.raises(TypeError, match="real"):
        Wavelet().inverse(torch.randn(1, 1, 100, dtype=torch.complex64), 100)
    assert Wavelet().forward(torch.ones(1, 1, 16, dtype=torch.int64)).dtype == torch.float32


def test_generic_projection_conserves_relevance_with_negligible_samples():
    d = Wavelet(wavelet="db4")
    assert type(d).project_relevance is Domain.project_relevance  # the generic DFT-LRP
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 2, 150, dtype=torch.float64, generator=g)
    x[1, 0, 40:90] = 0.0  # exact zeros take the w²-rule path
    rel = torch.randn(2, 2, 150, dtype=torch.float64, generator=g)
    out = d.project_relevance(rel, x)
    assert out.shape == (2, 2, *d.coefficient_shape(150)) and out.dtype == torch.float64
    torch.testing.assert_close(out.sum(-1), rel.sum(-1), rtol=0, atol=1e-9)
    # gradient×input of a linear model on the coefficients projects onto w_k c_k exactly (every
    # level of even length, so the transform is orthogonal: 160 = 10 * 2^4)
    x = torch.randn(2, 2, 160, dtype=torch.float64, generator=g)
    w = torch.randn(d.coefficient_shape(160)[0], dtype=torch.float64, generator=g)
    x_req = x.clone().requires_grad_()
    (d.forward(x_req) * w).sum().backward()
    torch.testing.assert_close(d.project_relevance(x_req.grad * x, x), w * d.forward(x),
                               rtol=1e-8, atol=1e-8)


def test_bands_axes_and_frequency_profile():
    d = Wavelet(wavelet="db4")
    length, fs = 2560, 2560.0
    level = d.level_for(length)
    bands = d.bands(length, fs)
    assert [b[0] for b in bands] == [f"A{level}"] + [f"D{j}" for j in range(level, 0, -1)]
    assert bands[0][1] == 0 and bands[-1][2] == fs / 2
    assert all(bands[i][2] == bands[i + 1][1] for i in range(level))  # contiguous, increasing
    freqs = d.profile_frequencies(length, fs)
    assert freqs.shape == (level + 1,) and np.all(np.diff(freqs) > 0)

    rel = torch.rand(3, 2, *d.coefficient_shape(length), dtype=torch.float64)
    prof = d.frequency_profile(rel, length)
    assert prof.shape == (3, 2, level + 1)
    torch.testing.assert_close(prof.sum(-1), rel.sum(-1))
    np.testing.assert_allclose(d.frequency_profile(rel.numpy(), length), prof.numpy())
    with pytest.raises(ValueError, match="does not end in"):
        d.frequency_profile(rel[..., 1:], length)
    assert d.frequency_axis(length) == 0

    # energy of a pure tone lands in the band that holds it, in increasing-frequency order
    t = np.arange(length) / fs
    for f in (7.0, 50.0, 300.0, 1000.0):
        x = torch.from_numpy(np.sin(2 * np.pi * f * t))[None, None]
        energy = d.frequency_profile(d.forward(x).square(), length)[0, 0]
        k = d.profile_index(f, length, fs)
        assert bands[k][1] <= f < bands[k][2] and int(energy.argmax()) == k
    assert d.profile_index(fs / 2, length, fs) == level

    axes = d.axes(length, fs)
    assert axes["frequency"].shape == axes["time"].shape == d.coefficient_shape(length)
    for s, (_, lo, hi) in zip(d.level_slices(length), bands, strict=True):
        np.testing.assert_allclose(axes["frequency"][s], (lo + hi) / 2)
    assert axes["time"].min() >= 0 and axes["time"].max() < length / fs
    # without fs: cycles per sample and samples
    assert d.bands(length)[-1][2] == 0.5 and d.axes(length)["time"].max() < length


def test_plot_draws_one_row_per_band():
    from matplotlib.figure import Figure

    d = Wavelet(wavelet="db4")
    length, fs = 1024, 256.0
    level = d.level_for(length)
    rel = np.random.default_rng(0).standard_normal(d.coefficient_shape(length))
    ax = Figure().add_subplot()
    assert d.plot(ax, rel, length=length, fs=fs, title="scalogram", marks=(10.0,)) is ax
    assert len(ax.collections) == level + 1
    assert ax.get_xlabel() == "time [s]" and ax.get_ylabel() == "frequency [Hz]"
    norm = ax.collections[0].norm
    assert norm.vmin == -norm.vmax == -np.abs(rel).max()  # diverging, centred at 0
    # bands from 40 Hz up are left out: 256 Hz over 7 levels puts D2 at (32, 64), D1 at (64, 128)
    ax = Figure().add_subplot()
    d.plot(ax, rel, length=length, fs=fs, max_frequency=40.0)
    assert len(ax.collections) == level
    ax = Figure().add_subplot()
    d.plot(ax, rel[None], length=length)  # one channel axis is fine; no fs: samples
    assert ax.get_xlabel() == "time [samples]" and len(ax.collections) == level + 1
    with pytest.raises(ValueError, match="not one explanation"):
        d.plot(Figure().add_subplot(), rel[:-1], length=length)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    d = Wavelet(wavelet="sym5")
    x = torch.randn(2, 3, 999, dtype=torch.float64)
    c = d.forward(x.cuda())
    assert c.device.type == "cuda"
    torch.testing.assert_close(c.cpu(), d.forward(x))
    torch.testing.assert_close(d.inverse(c, 999).cpu(), x, rtol=0, atol=1e-10)


def test_accepted_levels_are_those_pywavelets_allows_without_warning():
    for length in (16, 17, 64, 101, 2560):
        fit = pywt.dwt_max_level(length, 8)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # PyWavelets warns about levels too deep
            pywt.wavedec(np.zeros(length), "db4", mode="periodization", level=fit)
        Wavelet(level=fit).check_length(length)
        with pytest.raises(ValueError, match=f"level={fit + 1} is too deep"):
            Wavelet(level=fit + 1).check_length(length)

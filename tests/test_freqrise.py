import numpy as np
import pytest
import torch

from freqxai import STFT, Fourier, FreqRISE, Time
from freqxai.explainers.freqrise import auto_num_cells, noise_threshold, top_jaccard
from freqxai.testing import BinPowerModel


def _signals(n=3, channels=1, length=256, seed=0, tone=None):
    """Noise, plus a unit sinusoid at bin ``tone`` (random phase per signal and channel)."""
    gen = torch.Generator().manual_seed(seed)
    x = 0.3 * torch.randn(n, channels, length, generator=gen)
    if tone is not None:
        phase = 2 * torch.pi * torch.rand(n, channels, 1, generator=gen)
        x += torch.sin(2 * torch.pi * tone * torch.arange(length) / length + phase)
    return x


@pytest.mark.parametrize("k", [5, 40])
def test_top_bin_is_the_bin_the_model_reads(k):
    model = BinPowerModel(k, scale=1 / 16)  # logit about 4 for the intact tone
    x = _signals(4, tone=k)
    rel = FreqRISE(model, "fft", n_masks=2000, num_cells=129).attribute(x, target=0, seed=0)
    assert rel.shape == (4, 1, 129)
    assert (rel[:, 0].argmax(dim=1) == k).all()


def test_batched_equals_one_at_a_time():
    model = BinPowerModel(10, scale=0.05)
    x = _signals(5)
    explainer = FreqRISE(model, "fft", n_masks=300, num_cells=30, batch_size=64)
    kwargs = {"target": 0, "seed": 11}
    batched, se_b = explainer.attribute(x, return_standard_error=True, **kwargs)
    single = torch.cat([explainer.attribute(x[i : i + 1], **kwargs) for i in range(5)])
    torch.testing.assert_close(batched, single, rtol=1e-5, atol=1e-7)
    # and independent of how many inputs share a forward pass
    grouped = explainer.attribute(x, internal_batch_size=128, **kwargs)
    torch.testing.assert_close(batched, grouped, rtol=1e-5, atol=1e-7)


def test_relevance_is_the_mask_weighted_mean():
    """With a constant model output, relevance / (N p) sum equals mean mask / p = 1 everywhere."""
    class Constant(torch.nn.Module):
        def forward(self, x):
            return torch.ones(x.shape[0], 3)

    x = _signals(2)
    with pytest.warns(UserWarning, match="Monte-Carlo noise"):
        rel, se = FreqRISE(Constant(), "fft", n_masks=4000, num_cells=20, p_keep=0.3,
                           output="logit", estimator="paper").attribute(
            x, target=0, seed=0, return_standard_error=True)
    # E[M_f] / p = 1: the estimate is within a few standard errors of 1 everywhere
    assert ((rel - 1).abs() < 5 * se + 1e-6).all()
    assert rel.mean().item() == pytest.approx(1.0, abs=0.02)
    # the centered estimator: the lift of a coefficient that does not matter is exactly 0
    with pytest.warns(UserWarning, match="Monte-Carlo noise"):
        lift, z = FreqRISE(Constant(), "fft", n_masks=400, num_cells=20).attribute(
            x, target=0, seed=0, return_z_scores=True)
    assert lift.abs().max() < 1e-12 and (z == 0).all()


def test_standard_error_shrinks_with_more_masks():
    model = BinPowerModel(10, scale=0.05)
    x = _signals(2)
    _, se_small = FreqRISE(model, "fft", n_masks=200, num_cells=30).attribute(
        x, target=0, seed=1, return_standard_error=True)
    _, se_big = FreqRISE(model, "fft", n_masks=3200, num_cells=30).attribute(
        x, target=0, seed=1, return_standard_error=True)
    ratio = (se_small.mean() / se_big.mean()).item()
    assert ratio == pytest.approx(4.0, rel=0.25)  # 1 / sqrt(N)


def test_minmax_normalization_and_numpy_round_trip():
    model = BinPowerModel(10, scale=0.05)
    x = _signals(2).numpy()
    rel = FreqRISE(model, "fft", n_masks=100, num_cells=30, normalize="minmax").attribute(
        x, target=0, seed=0)
    assert isinstance(rel, np.ndarray) and rel.dtype == np.float32
    np.testing.assert_allclose(rel.reshape(2, -1).min(1), 0, atol=1e-6)
    np.testing.assert_allclose(rel.reshape(2, -1).max(1), 1, atol=1e-6)


def test_target_none_explains_the_predicted_class():
    model = BinPowerModel(10, scale=0.05)
    x = _signals(3)
    e = FreqRISE(model, "fft", n_masks=100, num_cells=30)
    pred = model(x).argmax(1)
    a = e.attribute(x, target=None, seed=0)
    b = e.attribute(x, target=pred, seed=0)
    c = e.attribute(x, target=pred.tolist(), seed=0)
    torch.testing.assert_close(a, b)
    torch.testing.assert_close(a, c)


def test_multichannel_shared_and_independent_masks():
    class SecondChannelBin(torch.nn.Module):
        def forward(self, x):
            z = torch.fft.rfft(x[:, 1], dim=-1)[:, 7].abs().square() / x.shape[-1] / 16
            return torch.stack([z, torch.zeros_like(z)], 1)

    x = _signals(2, channels=3, tone=7)
    shared = FreqRISE(SecondChannelBin(), "fft", n_masks=2000, num_cells=129,
                      mask_channels="shared").attribute(x, target=0, seed=0)
    assert shared.shape == (2, 1, 129)
    assert (shared[:, 0].argmax(1) == 7).all()
    indep = FreqRISE(SecondChannelBin(), "fft", n_masks=3000, num_cells=129,
                     mask_channels="independent").attribute(x, target=0, seed=0)
    assert indep.shape == (2, 3, 129)
    flat_top = indep.flatten(1).argmax(1)
    assert (flat_top == 1 * 129 + 7).all()  # channel 1, bin 7


def test_stft_on_8000_sample_audio():
    """The published STFT path fails here; the n_fft=455, hop=35 Hann setting must work."""
    class MeanPower(torch.nn.Module):
        def forward(self, x):
            p = x[..., 2000:3000].square().mean(dim=(1, 2))
            return torch.stack([p, torch.zeros_like(p)], 1)

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 1, 8000, generator=gen) * 0.1
    domain = STFT(n_fft=455, hop_length=35, window="hann")
    rel = FreqRISE(MeanPower(), domain, n_masks=200, num_cells=(20, 40), batch_size=100,
                   output="logit").attribute(x, target=0, seed=0)
    assert rel.shape == (2, 1, 228, 229)
    assert torch.isfinite(rel).all()
    # frames covering samples 2000..3000 (frames 57..86) matter more than the rest
    per_frame = rel[0, 0].mean(0)
    assert per_frame[60:84].mean() > per_frame[120:].mean()


def test_time_domain_is_classic_rise():
    class SampleModel(torch.nn.Module):
        def forward(self, x):
            z = x[:, 0, 30] ** 2
            return torch.stack([z, torch.zeros_like(z)], 1)

    x = torch.ones(1, 1, 64)
    rel = FreqRISE(SampleModel(), Time(), n_masks=2000, num_cells=64,
                   output="logit").attribute(x, target=0, seed=0)
    assert rel.shape == (1, 1, 64)
    assert int(rel[0, 0].argmax()) == 30


@pytest.mark.parametrize("kwargs, match", [
    ({"p_keep": 1.0}, "p_keep"),
    ({"p_keep": 0}, "p_keep"),
    ({"num_cells": 500}, "larger than the coefficient axis"),
    ({"target": 5}, "out of range"),
    ({"target": [0, 1]}, "entries"),
    ({"n_masks": 0}, "n_masks"),
    ({"mask_channels": "both"}, "mask_channels"),
    ({"normalize": "zscore"}, "normalize"),
    ({"cell_shape": "round"}, "cell_shape"),
    ({"output": "probability"}, "output"),
])
def test_bad_arguments(kwargs, match):
    settings, options = FreqRISE.split_options(**kwargs)  # (target is neither)
    with pytest.raises(ValueError, match=match):  # settings: refused by the constructor
        FreqRISE(BinPowerModel(3), "fft", **({"n_masks": 10, "num_cells": 10} | settings)
                 ).attribute(_signals(3), target=kwargs.get("target"), **options)


def test_settings_given_to_attribute_still_work_for_one_call_with_a_deprecation_warning():
    model, x = BinPowerModel(10, scale=0.05), _signals(2)
    e = FreqRISE(model, "fft", n_masks=100, num_cells=30)
    new = FreqRISE(model, "fft", n_masks=200, num_cells=30, output="logit").attribute(
        x, target=0, seed=0)
    with pytest.warns(DeprecationWarning, match=r"FreqRISE\.attribute\(n_masks=200, "
                      r"use_softmax=False\).*constructor, FreqRISE\(model, domain, n_masks=200"):
        old = e.attribute(x, target=0, n_masks=200, use_softmax=False, seed=0)
    torch.testing.assert_close(old, new)
    assert e.n_masks == 100 and e.use_softmax is None  # the explainer's own settings stay
    with pytest.raises(ValueError, match="n_masks"), pytest.warns(DeprecationWarning):
        e.attribute(x, n_masks=0)  # checked like a setting
    with pytest.raises(ValueError, match="contradicts"), pytest.warns(DeprecationWarning):
        FreqRISE(model, output="log_softmax").attribute(x, use_softmax=True)


def test_bad_inputs():
    e = FreqRISE(BinPowerModel(3), "fft", n_masks=10, num_cells=10)
    with pytest.raises(ValueError, match=r"\(batch, channels, time\)"):
        e.attribute(torch.randn(3, 256))
    x = _signals(2)
    x[0, 0, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN or Inf"):
        e.attribute(x)
    x[0, 0, 5] = float("inf")
    with pytest.raises(ValueError, match="NaN or Inf"):
        e.attribute(x)
    with pytest.raises(ValueError, match="longer than the signal"):
        FreqRISE(BinPowerModel(3), STFT(n_fft=512), n_masks=10, num_cells=5).attribute(_signals(1))
    with pytest.raises(TypeError, match="inputs"):
        e.attribute([[1.0, 2.0]])


def test_training_mode_is_explained_in_eval_mode_and_restored():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(64, 2))
    x = _signals(1, length=64)
    a = FreqRISE(model, Fourier(), n_masks=10, num_cells=5).attribute(x, seed=0)
    b = FreqRISE(model, Fourier(), n_masks=10, num_cells=5).attribute(x, seed=0)
    torch.testing.assert_close(a, b)  # dropout off: deterministic
    assert all(m.training for m in model.modules())


def test_results_are_ordinary_tensors():
    rel = FreqRISE(BinPowerModel(3), "fft", n_masks=10, num_cells=10).attribute(_signals(1))
    assert not rel.is_inference()
    rel += 1  # in-place use outside inference mode works


class NoiseModel(torch.nn.Module):
    """Ignores its input: random logits at every call."""

    def forward(self, x):
        return torch.randn(x.shape[0], 3, generator=self.gen)

    def __init__(self):
        super().__init__()
        self.gen = torch.Generator().manual_seed(5)


def test_a_model_that_ignores_its_input_is_called_noise():
    x = _signals(3)
    with pytest.warns(UserWarning, match="mostly Monte-Carlo noise"):
        rel, z = FreqRISE(NoiseModel(), "fft", n_masks=1000, num_cells=40).attribute(
            x, target=0, seed=0, return_z_scores=True)
    # at z = 3 no more coefficients are significant than the false-positive rate predicts
    # (0.27 %; masks correlate neighbouring bins, so allow a few times that)
    assert (z.abs() > 3).double().mean() < 0.01
    assert torch.isfinite(rel).all()


def test_the_mask_pattern_is_not_shown_as_structure():
    # same seed, same masks, two inputs a model ignores: the paper's estimator paints the masks'
    # own pattern on both (correlation ~1), the centered one does not
    x = _signals(2)
    kwargs = {"target": 0, "seed": 0, "warn_if_noise": False}
    corr = {}
    for est in ("paper", "centered"):
        rel = FreqRISE(NoiseModel(), "fft", n_masks=600, num_cells=20,
                       estimator=est).attribute(x, **kwargs)[:, 0]
        corr[est] = float(torch.corrcoef(rel)[0, 1])
    assert corr["paper"] > 0.6, corr
    assert abs(corr["centered"]) < 0.3, corr


def test_centered_estimator_finds_the_bin_and_signs_a_harmful_one():
    class TwoBins(torch.nn.Module):
        def forward(self, x):
            spec = torch.fft.rfft(x[:, 0], dim=-1).abs().square() / x.shape[-1]
            logit = (spec[:, 10] - spec[:, 30]) / 16
            return torch.stack([logit, torch.zeros_like(logit)], 1)

    x = _signals(2, tone=10) + _signals(2, tone=30, seed=1)
    rel, z = FreqRISE(TwoBins(), "fft", n_masks=2000, num_cells=129).attribute(
        x, target=0, seed=0, return_z_scores=True)
    assert (rel[:, 0].argmax(1) == 10).all() and (rel[:, 0].argmin(1) == 30).all()
    assert (z[:, 0, 10] > 3).all() and (z[:, 0, 30] < -3).all()


def test_auto_masks_stop_when_halves_agree():
    model = BinPowerModel(10, scale=1 / 16)
    x = _signals(2, tone=10)
    e = FreqRISE(model, "fft", n_masks="auto", num_cells=30, batch_size=100, max_masks=5000)
    rel = e.attribute(x, target=0, seed=0)
    assert 200 <= e.n_masks_used_ <= 5000 and e.n_masks_used_ % 200 == 0
    assert (rel[:, 0].argmax(1) == 10).all()
    assert e.stable_ is True and e.split_half_agreement_ >= 0.7
    # a bounded budget is respected when the map never stabilises (a model of pure noise), and
    # the result says it did not stabilise
    e = FreqRISE(NoiseModel(), "fft", n_masks="auto", num_cells=30, batch_size=100,
                 max_masks=300)
    with pytest.warns(UserWarning, match="used all max_masks=300 masks.*no input had a signif"):
        e.attribute(x, target=0, seed=0, warn_if_noise=False)
    assert e.n_masks_used_ == 300
    assert e.stable_ is False  # read by runs: a method that failed its own check is not counted
    e = FreqRISE(NoiseModel(), "fft", n_masks="auto", num_cells=30, max_masks=300)
    with pytest.warns(UserWarning, match="halves were never compared"):
        e.attribute(x, target=0, seed=0, warn_if_noise=False)


@pytest.mark.parametrize("design", ["balanced", "antithetic"])
def test_mask_designs_keep_the_estimator(design):
    model = BinPowerModel(10, scale=1 / 16)
    x = _signals(2, tone=10)
    rel = FreqRISE(model, "fft", n_masks=1000, num_cells=30, design=design).attribute(
        x, target=0, seed=0)
    assert (rel[:, 0].argmax(1) == 10).all()


def test_box_cells_give_the_triangle_known_answer():
    """With 0/1 box masks, logit 0 of BinPowerModel is a * M_k exactly (a = power of bin k), so
    the centered lift of coefficient j is a (1 - p) max(0, 1 - |j - k| / width): a peak with a
    cusp at k. Smooth cells flatten that peak (the neighbours' lift is within 5 % of k's)."""
    k, cells, p = 40, 16, 0.5
    model = BinPowerModel(k, scale=1 / 16)
    x = _signals(2, tone=k)
    n = x.shape[-1]
    a = model.scale * torch.fft.rfft(x)[:, 0, k].abs().square() / n
    width = (n // 2 + 1) / cells
    lags = (torch.arange(n // 2 + 1) - k).abs().double()
    expected = a[:, None].double() * (1 - p) * (1 - lags / width).clamp_min(0)
    rel = FreqRISE(model, "fft", n_masks=20000, num_cells=cells, output="logit",
                   batch_size=2000).attribute(x, target=0, seed=0)
    torch.testing.assert_close(rel[:, 0].double(), expected, rtol=0, atol=0.02 * a.max().item())
    smooth = FreqRISE(model, "fft", n_masks=20000, num_cells=cells, output="logit",
                      cell_shape="smooth").attribute(x, target=0, seed=0)
    assert (smooth[:, 0, k + 1] / smooth[:, 0, k] > 0.95).all()
    assert (rel[:, 0, k + 1] / rel[:, 0, k] < 0.9).all()


def test_auto_masks_warn_when_the_top_of_the_map_is_flat():
    """A model that weighs 40 bins of white noise equally has no top 5 % to find: the halves
    keep disagreeing, and n_masks="auto" says so instead of returning silently at max_masks."""
    from freqxai.testing import LinearSpectrumModel

    weight = torch.zeros(2, 129)
    weight[0, 20:60] = 1.0
    # a flat spectrum: every bin in the band matters alike
    x = torch.fft.irfft(torch.ones(2, 1, 129, dtype=torch.complex64), n=256)
    e = FreqRISE(LinearSpectrumModel(weight), "fft", n_masks="auto", num_cells=32,
                 batch_size=100, max_masks=1000, output="logit")
    with pytest.warns(UserWarning, match=r"agree with a mean Jaccard index of 0\.\d\d < stab"):
        e.attribute(x, target=0, seed=0)
    assert e.n_masks_used_ == 1000


def test_a_class_that_rests_on_what_the_signal_lacks_is_named():
    """Keeping bin k lowers class 0 (its logit is minus the bin's power): only a negative lift is
    significant, so the top of the signed map is noise and a warning says so; n_masks="auto"
    ranks by magnitude and still finds a stable top set."""
    k = 12
    model = BinPowerModel(k, scale=-1 / 16)
    x = _signals(2, tone=k)
    e = FreqRISE(model, "fft", n_masks="auto", num_cells=32, batch_size=100, max_masks=5000,
                 output="logit")
    with pytest.warns(UserWarning, match="no coefficient raises the target output"):
        rel = e.attribute(x, target=0, seed=0)
    assert e.n_masks_used_ < 5000
    assert (rel[:, 0].argmin(1) - k).abs().max() <= 1  # the harm sits at the bin


# (id, call, error, fragment): FreqRISE's helpers refuse bad arguments naming them
_MAP = torch.rand(3, 40, generator=torch.Generator().manual_seed(0))
BAD_HELPER_ARGUMENTS = [
    ("auto_num_cells grid a number", lambda: auto_num_cells(33), TypeError, "grid must be a sequence"),
    ("auto_num_cells grid a string", lambda: auto_num_cells("33"), TypeError, "grid must be a sequence"),
    ("auto_num_cells empty grid", lambda: auto_num_cells(()), ValueError, "grid is empty"),
    ("auto_num_cells axis of 0", lambda: auto_num_cells((0,)), ValueError, "every axis of grid (0,)"),
    ("auto_num_cells axis 1.5", lambda: auto_num_cells((65, 1.5)), ValueError, "every axis of grid"),
    *[(f"auto_num_cells n_masks={v!r}", lambda v=v: auto_num_cells((65, 81), v), ValueError, "n_masks")
      for v in (0, -1, 1.5, True, "3", float("nan"), float("inf"))],
    *[(f"noise_threshold n_coefficients={v!r}", lambda v=v: noise_threshold(v), ValueError,
       "n_coefficients must be an integer >= 1") for v in (0, -1, 1.5, True, "3", float("nan"))],
    *[(f"noise_threshold level={v!r}", lambda v=v: noise_threshold(129, v), ValueError,
       "level (the probability") for v in (0, -1, 1, 1.5, True, "3", float("nan"), float("inf"))],
    ("top_jaccard shapes differ", lambda: top_jaccard(_MAP, _MAP[:, :20]), ValueError,
     "of one shape with k >= 1, got shapes (3, 40) and (3, 20)"),
    ("top_jaccard 1-D", lambda: top_jaccard(_MAP[0], _MAP[0]), ValueError, "(rows, k) tensors"),
    ("top_jaccard numpy", lambda: top_jaccard(_MAP.numpy(), _MAP.numpy()), TypeError,
     "a must be a real torch.Tensor"),
    *[(f"top_jaccard top={v!r}", lambda v=v: top_jaccard(_MAP, _MAP, v), ValueError,
       "top (the share of entries compared) must be a number in the open interval (0, 1)")
      for v in (0, -1, 1.5, True, "3", float("nan"), float("inf"))],
]


@pytest.mark.parametrize("call, error, fragment", [c[1:] for c in BAD_HELPER_ARGUMENTS],
                         ids=[c[0] for c in BAD_HELPER_ARGUMENTS])
def test_freqrise_helpers_refuse_bad_arguments_naming_them(call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value)


def test_freqrise_helpers_still_answer_valid_arguments():
    assert auto_num_cells((33,)) == (8,)
    assert auto_num_cells(np.array([65, 81]), np.int64(500)) == (4, 5)
    assert auto_num_cells((228, 229), 3000) == (11, 11)
    assert auto_num_cells(torch.Size([1281])) == (200,)
    assert abs(noise_threshold(129) - 3.95) < 0.01
    assert noise_threshold(np.int64(129), np.float32(0.05)) < noise_threshold(129)
    assert torch.equal(top_jaccard(_MAP, _MAP), torch.ones(3))
    assert top_jaccard(_MAP, -_MAP, 0.5).max() < 1

import numpy as np
import pytest
import torch

from freqxai import STFT
from freqxai.metrics import (
    DEFAULT_FRACTIONS,
    Complexity,
    Deletion,
    Insertion,
    area_under_curve,
    complexity,
    perturbation_curves,
    postprocess,
    relevance_rank_accuracy,
    threshold,
    to_quantus,
)
from freqxai.testing import BinPowerModel


def _tone_signals(n=4, k=9, length=128):
    gen = torch.Generator().manual_seed(0)
    t = torch.arange(length)
    phase = 2 * torch.pi * torch.rand(n, 1, 1, generator=gen)
    return torch.sin(2 * torch.pi * k * t / length + phase) + 0.05 * torch.randn(n, 1, length, generator=gen)


def test_deletion_of_the_right_bin_kills_the_class_and_insertion_restores_it():
    k, length = 9, 128
    model = BinPowerModel(k, scale=0.25)  # class 0 iff the tone at bin k is present
    x = _tone_signals(k=k, length=length)
    right = torch.zeros(4, 1, length // 2 + 1)
    right[..., k] = 1.0
    wrong = torch.zeros_like(right)
    wrong[..., 30] = 1.0
    fr = [0.0, 0.01, 0.5]
    d_right = perturbation_curves(model, x, right, 0, "fft", fr, "deletion")
    d_wrong = perturbation_curves(model, x, wrong, 0, "fft", fr, "deletion")
    assert (d_right[:, 0] > 0.9).all()  # nothing removed: the model sees the tone
    assert (d_right[:, 1] < 0.6).all()  # 1% of bins (bin k first) removed: class evidence gone
    assert (d_wrong[:, 1] > 0.9).all()
    i_right = perturbation_curves(model, x, right, 0, "fft", fr, "insertion")
    assert (i_right[:, 1] > 0.9).all()  # only the top 1% kept, and that includes bin k
    assert (Deletion()(model, x, right, 0) < Deletion()(model, x, wrong, 0)).all()
    assert (Insertion()(model, x, right, 0) > Insertion()(model, x, wrong, 0)).all()
    assert Deletion.higher_is_better is False and Insertion.higher_is_better is True


def test_curves_match_a_one_sample_loop_and_work_in_stft():
    model = BinPowerModel(9, scale=0.25)
    x = _tone_signals()
    rel = torch.rand(4, 1, 65, generator=torch.Generator().manual_seed(1))
    batched = perturbation_curves(model, x, rel, 0, "fft")
    single = np.concatenate([perturbation_curves(model, x[i : i + 1], rel[i : i + 1], 0, "fft")
                             for i in range(4)])
    np.testing.assert_allclose(batched, single, rtol=1e-6)
    assert batched.shape == (4, len(DEFAULT_FRACTIONS))
    domain = STFT(n_fft=32, hop_length=8)
    rel_tf = torch.rand(4, 1, *domain.coefficient_shape(128))
    assert perturbation_curves(model, x, rel_tf, 0, domain).shape == (4, 20)


def test_area_and_complexity_known_values():
    fr = [0.0, 0.5, 1.0]
    np.testing.assert_allclose(area_under_curve(np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]), fr),
                               [1.0, 0.25])
    # entropy: uniform over n has log(n); a single spike has 0
    assert complexity(np.ones((1, 1, 16)))[0] == pytest.approx(np.log(16))
    spike = np.zeros((1, 1, 16))
    spike[..., 3] = -2.0
    assert complexity(spike)[0] == pytest.approx(0.0)
    assert np.isnan(complexity(np.zeros((1, 4))))[0]
    assert Complexity.higher_is_better is False


def test_postprocessing():
    r = np.array([[-1.0, 0.5, 2.0, 0.1]])
    np.testing.assert_array_equal(postprocess(r, clip=True), [[0, 0.5, 2.0, 0.1]])
    np.testing.assert_array_equal(threshold(r, "mean"), [[0, 0.5, 2.0, 0]])
    np.testing.assert_array_equal(threshold(r, 0.75), [[0, 0, 2.0, 0]])
    with pytest.raises(ValueError, match="threshold"):
        threshold(r, "median")


def test_localization_counts_the_true_bins_among_the_top_k():
    rel = np.zeros((3, 20))
    rel[0, [5, 16]] = [2, 1]
    rel[1, [5, 7]] = [2, 1]
    scores = relevance_rank_accuracy(rel, [[5, 16], [5, 16], []])
    assert scores[0] == 1.0 and scores[1] == 0.5 and np.isnan(scores[2])


def test_bad_relevance_shape():
    model = BinPowerModel(9)
    with pytest.raises(ValueError, match="relevance shape"):
        perturbation_curves(model, _tone_signals(), torch.zeros(4, 1, 10), 0, "fft")
    with pytest.raises(ValueError, match="mode"):
        perturbation_curves(model, _tone_signals(), torch.zeros(4, 1, 65), 0, "fft", mode="both")


def test_quantus_metric_scores_an_rfft_explanation():
    quantus = pytest.importorskip("quantus")
    k, length = 9, 128
    model = BinPowerModel(k, scale=0.25).eval()
    x = _tone_signals(k=k, length=length)
    right = torch.zeros(4, 1, length // 2 + 1)
    right[..., k] = 1.0
    right[..., 20:] = torch.linspace(0.5, 0.1, 45)  # untouched decoys
    wrong = torch.flip(right, dims=[-1])
    scores = {}
    for name, rel in (("right", right), ("wrong", wrong)):
        m, xq, aq = to_quantus(model, x, rel, "fft")
        assert xq.shape == (4, 2, 65) and aq.shape == (4, 2, 65)
        torch.testing.assert_close(m(torch.from_numpy(xq)), model(x))  # F ∘ inverse reproduces F
        curves = quantus.PixelFlipping(features_in_step=5, perturb_baseline=0.0,
                                       disable_warnings=True)(
            model=m, x_batch=xq, y_batch=np.zeros(4, dtype=int), a_batch=aq, device="cpu",
            softmax=True)
        scores[name] = np.asarray(curves).mean()
    assert scores["right"] < scores["wrong"] - 0.2


def test_default_forward_batches_fit_the_cache_and_give_the_same_curves(monkeypatch):
    # default rows per forward: 64K signal samples on CPU (as FreqRISE), not a fixed 512
    import freqxai.metrics.faithfulness as faithfulness
    from freqxai.models.cnn import SmallCNN

    torch.manual_seed(0)
    model = SmallCNN(2, 3).eval()
    x = torch.randn(6, 2, 4096)
    rel = torch.rand(6, 1, 2049)
    sizes = []
    original = model.forward
    monkeypatch.setattr(model, "forward", lambda s: sizes.append(len(s)) or original(s))
    default = perturbation_curves(model, x, rel, 0, "fft")
    assert max(sizes[1:]) == 2**16 // (2 * 4096)  # 8 signals of 2 x 4096 samples
    sizes.clear()
    np.testing.assert_allclose(perturbation_curves(model, x, rel, 0, "fft", batch_size=512),
                               default, atol=1e-6)
    assert max(sizes[1:]) > 8
    assert faithfulness.MODEL_ELEMENTS == 2**16


@pytest.mark.parametrize("name, kwargs", [("deletion", {}), ("insertion", {}), ("insertion_10", {}),
                                          ("localization", {"ground_truth": [[9], [9]]})])
def test_constant_relevance_is_scored_by_position_with_a_warning_naming_it(name, kwargs):
    # An all-zero map is a real explainer output (all-negative evidence clipped to zero): the
    # ranking metrics keep the input's score (of the position order; NaN would drop it from the
    # runner's means, which keep finite values) and warn naming it and the input.
    import warnings

    from freqxai.metrics import get_metric

    x = _tone_signals(n=2, k=9, length=128)
    rel = torch.zeros(2, 1, 65)
    rel[0, :, 9] = 1.0  # input #0 has a ranking, #1 is constant
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = get_metric(name)(BinPowerModel(9, scale=0.25), x, rel, 0, domain="fft", **kwargs)
    said = [str(w.message) for w in caught if "is constant" in str(w.message)]
    assert len(said) == 1 and "for 1 of 2 inputs (#1)" in said[0] and "by position" in said[0]
    assert scores.shape == (2,) and np.isfinite(scores).all()

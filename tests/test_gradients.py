import numpy as np
import pytest
import torch

from freqxai import (
    LRP,
    STFT,
    AmplitudeReference,
    GradientXInput,
    InDomain,
    IntegratedGradients,
    IntegratedGradientsTime,
    RandomReference,
    Saliency,
)
from freqxai.models import AudioNet


class LinearTime(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
        self.lin.weight.data = w

    def forward(self, x):
        return self.lin(x.flatten(1))


def _x(n=3, c=1, t=64):
    return torch.randn(n, c, t, generator=torch.Generator().manual_seed(0))


def test_known_answers_on_a_linear_model():
    w = torch.randn(4, 64, generator=torch.Generator().manual_seed(1))
    model = LinearTime(w)
    x = _x()
    target = torch.tensor([0, 3, 1])
    torch.testing.assert_close(Saliency(model).attribute(x, target=target), w[target].abs()[:, None])
    torch.testing.assert_close(Saliency(model).attribute(x, target=target, abs=False), w[target][:, None])
    torch.testing.assert_close(GradientXInput(model).attribute(x, target=target), w[target][:, None] * x)
    torch.testing.assert_close(IntegratedGradients(model).attribute(x, target=target),
                               w[target][:, None] * x, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(LRP(model).attribute(x, target=target), w[target][:, None] * x,
                               rtol=1e-4, atol=1e-5)


def test_lrp_conserves_the_logit_on_a_bias_free_relu_net():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32, bias=False),
                                torch.nn.ReLU(), torch.nn.Linear(32, 5, bias=False)).eval()
    x = _x(4)
    rel = LRP(model, composite="epsilon_plus").attribute(x, target=2)
    logit = model(x)[:, 2]
    pos = logit > 0  # the z+ rule conserves positive evidence
    torch.testing.assert_close(rel.sum(dim=(1, 2))[pos], logit[pos].detach(), rtol=1e-3, atol=1e-4)


def test_target_none_is_predicted_class_and_numpy_round_trip():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3)).eval()
    x = _x(5)
    pred = model(x).argmax(1)
    for cls in (Saliency, GradientXInput, IntegratedGradients, LRP):
        e = cls(model)
        torch.testing.assert_close(e.attribute(x), e.attribute(x, target=pred))
    out = GradientXInput(model).attribute(x.numpy())
    assert isinstance(out, np.ndarray) and out.shape == (5, 1, 64)
    assert not x.requires_grad  # the caller's tensor is untouched


@pytest.mark.parametrize("domain", ["fft", STFT(n_fft=455, hop_length=35),
                                    STFT(n_fft=800, hop_length=800, window="rectangular", center=False)])
def test_lrp_on_audionet_batched_and_conserved_in_every_domain(domain):
    torch.manual_seed(0)
    model = AudioNet(n_classes=10).eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 1, 8000, generator=gen) * 0.1
    lrp = LRP(model)
    rel_time = lrp.attribute(x, target=4)
    single = torch.cat([lrp.attribute(x[i : i + 1], target=4) for i in range(3)])
    torch.testing.assert_close(rel_time, single, rtol=1e-4, atol=1e-7)
    rel = LRP(model, domain=domain).attribute(x, target=4)
    sums = rel.flatten(2).sum(-1)
    torch.testing.assert_close(sums, rel_time.sum(-1), rtol=1e-5, atol=1e-7)
    with pytest.warns(DeprecationWarning, match="InDomain"):
        old = InDomain(lrp, domain)
    torch.testing.assert_close(old.attribute(x, target=4), rel)


def test_references():
    x = _x(2, 2, 300)
    amp = AmplitudeReference(domain="fft").attribute(x)
    torch.testing.assert_close(amp, torch.fft.rfft(x).abs())
    r1 = RandomReference(domain="stft").attribute(x, seed=1)
    r2 = RandomReference(domain=STFT(n_fft=64, hop_length=16)).attribute(x, seed=1)
    assert r1.shape == (2, 2, 33, 19) and torch.equal(r1, r2)  # STFT() fits n_fft to the length
    assert (r1 >= 0).all() and (r1 < 1).all()
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(600, 3))
    with pytest.raises(ValueError, match="out of range"):
        AmplitudeReference(model, "fft").attribute(x, target=7)


def test_bad_arguments():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3)).eval()
    with pytest.raises(ValueError, match="composite"):
        LRP(model, composite="magic")
    with pytest.raises(TypeError, match="GradientExplainer"), pytest.warns(DeprecationWarning):
        InDomain(model, "fft")
    with pytest.raises(ValueError, match="NaN"):
        Saliency(model).attribute(torch.full((1, 1, 64), float("nan")))
    with pytest.raises(ValueError, match="n_steps"):
        IntegratedGradients(model).attribute(_x(), n_steps=0)
    with pytest.warns(DeprecationWarning, match="IntegratedGradientsTime"):
        assert isinstance(IntegratedGradientsTime(model), IntegratedGradients)


class _CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv1d(2, 8, 5, padding=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool1d(1),
            torch.nn.Flatten(), torch.nn.Linear(8, 3))

    def forward(self, x):
        return self.net(x)


def test_lrp_refuses_compiled_graphs_naming_the_fix():
    model = _CNN().eval()
    x = _x(2, 2, 64)
    compiled = {
        "traced": torch.jit.trace(model, x),
        "scripted": torch.jit.script(model),
        "exported": torch.export.export(model, (x,)).module(),
    }
    for graph in compiled.values():
        with pytest.raises(TypeError, match="eager torch.nn.Module.*gradient method"):
            LRP(graph)
    # gradient methods still work on them, and agree with the eager model
    torch.testing.assert_close(GradientXInput(compiled["traced"]).attribute(x),
                               GradientXInput(model).attribute(x))


def test_lrp_refuses_modules_without_a_rule():
    class Unruled(torch.nn.Module):  # parameters, but no rule in any composite
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return x * self.scale

    model = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.LayerNorm(64), Unruled(), torch.nn.Flatten(),
                                torch.nn.Linear(256, 3)).eval()
    with pytest.raises(ValueError, match=r"no rule for 2 module\(s\): 2 \(LayerNorm.*3 \(Unruled"):
        LRP(model)
    with pytest.warns(UserWarning, match="no rule"):
        LRP(model, strict=False)


def test_lrp_warns_when_relevance_is_not_conserved():
    class MeanOutsideModules(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.conv = torch.nn.Conv1d(1, 4, 3, padding=1)
            self.lin = torch.nn.Linear(4, 3)

        def forward(self, x):  # a mean over time in forward: no module, no rule
            return self.lin(torch.relu(self.conv(x)).square().mean(-1))

    lrp = LRP(MeanOutsideModules().eval())
    with pytest.warns(UserWarning, match="not conserved"):
        lrp.attribute(_x(2, 1, 64) + 1)
    # per input, for runs: a method that failed its own check is not counted in the answer
    assert lrp.conserved_.shape == (2,) and not lrp.conserved_.all()


def test_lrp_of_an_onnx_conversion_equals_the_original(tmp_path):
    pytest.importorskip("onnx2pytorch")
    from freqxai import load_model

    model = _CNN().eval()
    x = _x(3, 2, 64)
    path = tmp_path / "cnn.onnx"
    torch.onnx.export(model, (x,), str(path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
    converted = load_model(path)
    ours, theirs = LRP(converted).attribute(x, target=1), LRP(model).attribute(x, target=1)
    torch.testing.assert_close(ours, theirs, rtol=1e-3, atol=1e-5)

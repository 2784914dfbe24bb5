"""Classifiers that are not torch modules (scikit-learn, aeon, numpy functions), and the capability
table that decides which methods can explain a model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from freqxai import FreqRISE, get_explainer
from freqxai.adapters import EstimatorModel, NumpyModel, as_model, capabilities
from freqxai.explainers import method_support

sklearn = pytest.importorskip("sklearn")
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402

LENGTH = 64
BINS = (5, 12)  # class 0 has a tone at rFFT bin 5, class 1 at bin 12


def _tones(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(LENGTH)
    phase = rng.uniform(0, 2 * np.pi, n)
    X = np.sin(2 * np.pi * np.array(BINS)[y][:, None] * t / LENGTH + phase[:, None])
    X = X + 0.3 * rng.normal(size=(n, LENGTH))
    return X[:, None, :].astype(np.float32), y


def _spectrum(a):
    return np.abs(np.fft.rfft(a, axis=-1))


def _pipeline():
    X, y = _tones(80)
    return make_pipeline(FunctionTransformer(_spectrum), StandardScaler(),
                         LogisticRegression(max_iter=2000)).fit(X[:, 0], y)


def test_an_estimator_is_wrapped_and_its_forward_is_predict_proba():
    clf = _pipeline()
    X, _ = _tones(6, seed=1)
    model = as_model(clf)
    assert isinstance(model, EstimatorModel) and model.layout == "flat"
    out = model(torch.from_numpy(X))
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), clf.predict_proba(X[:, 0]), rtol=1e-6, atol=1e-7)
    # a bound predict_proba is the estimator too
    assert isinstance(as_model(clf.predict_proba), EstimatorModel)


def test_binary_decision_function_is_read_as_a_logit():
    clf = _pipeline()
    X = _tones(6, seed=1)[0].astype(np.float64)
    scores = EstimatorModel(clf, method="decision_function")(torch.from_numpy(X))
    np.testing.assert_allclose(scores.softmax(1).numpy(), clf.predict_proba(X[:, 0]), rtol=1e-9)


def test_freqrise_localizes_the_class_tones_of_a_pipeline():
    clf = _pipeline()
    X, y = _tones(6, seed=2)
    rel, z = FreqRISE(clf, n_masks=1000, num_cells=LENGTH // 2 + 1).attribute(
        X, target=y, seed=0, return_z_scores=True)
    assert isinstance(rel, np.ndarray) and rel.dtype == np.float32 and rel.shape == (6, 1, 33)
    top = rel[:, 0].argmax(1)
    np.testing.assert_array_equal(top, np.array(BINS)[y])
    assert (z[np.arange(6), 0, top] > 3).all()


def test_probabilities_are_not_softmaxed_again():
    clf = _pipeline()
    X, y = _tones(4, seed=3)
    wrapped = FreqRISE(clf, n_masks=300).attribute(X, target=y, seed=0, warn_if_noise=False)
    logits = NumpyModel(lambda a: np.log(clf.predict_proba(a.reshape(len(a), -1))),
                        output_kind="logits")
    via_logits = FreqRISE(logits, n_masks=300).attribute(X, target=y, seed=0, warn_if_noise=False)
    np.testing.assert_allclose(wrapped, via_logits, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("method", ["flex", "ig", "saliency", "gxi", "lrp"])
def test_gradient_methods_refuse_estimators_naming_what_can_run(method):
    with pytest.raises(TypeError, match=r"has none.*forward passes: freqrise, shapley, random, amplitude"):
        get_explainer(method, _pipeline())


def test_capabilities_and_method_support():
    clf = _pipeline()
    caps = capabilities(clf)
    assert (caps.kind, caps.differentiable, caps.has_modules, caps.output_kind) == (
        "estimator", False, False, "probabilities")
    support = method_support(clf)
    assert [m for m, why in support.items() if why is None] == ["freqrise", "shapley", "random", "amplitude"]
    assert support["lrp"] == "needs gradients; a scikit-learn/aeon estimator has none"
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(LENGTH, 2))
    assert all(why is None for why in method_support(net).values())
    traced = torch.jit.trace(net, torch.zeros(2, 1, LENGTH))
    assert capabilities(traced).kind == "torchscript"
    assert method_support(traced)["lrp"].startswith("needs eager modules")
    assert method_support(traced)["ig"] is None


def test_numpy_model_batches_and_checks_its_outputs():
    calls = []

    def fn(a):
        calls.append(len(a))
        return np.tile([0.25, 0.75], (len(a), 1))

    model = NumpyModel(fn, batch_size=4)
    out = model(torch.zeros(10, 2, 8))
    assert calls == [4, 4, 2] and out.shape == (10, 2)
    with pytest.raises(ValueError, match=r"\(n, n_classes\) for 3 signals"):
        NumpyModel(lambda a: np.zeros((2, 2)))(torch.zeros(3, 1, 8))
    with pytest.raises(ValueError, match="output_kind"):
        NumpyModel(fn, output_kind="probs")
    binary = NumpyModel(lambda a: np.full(len(a), 0.8))(torch.zeros(2, 1, 8, dtype=torch.float64))
    np.testing.assert_allclose(binary.numpy(), [[0.2, 0.8], [0.2, 0.8]])


def test_a_callable_returning_numpy_is_refused_with_the_wrapper_named():
    with pytest.raises(TypeError, match="NumpyModel"):
        FreqRISE(lambda x: np.zeros((len(x), 2)), n_masks=8).attribute(np.zeros((1, 1, 16)))


def test_minirocket_on_basic_motions():
    pytest.importorskip("aeon")
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_basic_motions

    X, y = load_basic_motions(split="train")
    clf = MiniRocketClassifier(random_state=0, n_kernels=840).fit(X, y)
    model = as_model(clf)
    assert model.layout == "channels_first" and list(model.classes_) == sorted(set(y))
    Xt = load_basic_motions(split="test")[0][:2].astype(np.float32)
    rel = FreqRISE(clf, n_masks=64).attribute(Xt, seed=0, warn_if_noise=False)
    assert rel.shape == (2, 1, 51) and rel.dtype == np.float32 and np.isfinite(rel).all()


def test_a_skops_pipeline_through_run_custom_with_default_methods(tmp_path, capsys):
    sio = pytest.importorskip("skops.io")
    from freqxai.cli import main
    from freqxai.runner.store import ResultStore

    X, y = _tones(60)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X[:, 0], y)
    sio.dump(clf, tmp_path / "clf.skops")
    Xt, yt = _tones(8, seed=5)
    np.savez(tmp_path / "d.npz", X=Xt, y=yt, fs=float(LENGTH), class_names=np.array(["a", "b"]))
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(tmp_path / "clf.skops"), "--data",
               str(tmp_path / "d.npz"), "--out", str(out), "--n-masks", "200", "--domains", "fft",
               "--metrics", "complexity,deletion"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "left out flex, gxi, ig, lrp" in captured.err
    assert ResultStore(out).read_config()["methods"] == ["freqrise", "shapley", "random", "amplitude"]
    md = (out / "results.md").read_text()
    assert "Methods left out" in md and "- lrp: needs gradients" in md
    # the answer: a row per class in answer.csv, printed (a verdict on the whole model once)
    from freqxai.answer import read_answer_csv

    assert list(read_answer_csv(out / "answer.csv")["class"]) == ["a", "b"]
    assert "which band drives each class" in captured.out
    # a pickle is refused without the opt-in, naming the safe format
    import joblib

    joblib.dump(clf, tmp_path / "clf.joblib")
    rc = main(["run", "custom", "--model", str(tmp_path / "clf.joblib"), "--data",
               str(tmp_path / "d.npz"), "--out", str(tmp_path / "run2")])
    assert rc == 2 and "skops.io.dump" in capsys.readouterr().err


def test_a_subclass_of_an_aeon_estimator_reads_the_aeon_layout():
    pytest.importorskip("aeon")
    from aeon.classification.dummy import DummyClassifier

    from freqxai.adapters import _is_aeon

    class Mine(DummyClassifier):  # defined here: its module is the test's, not aeon's
        pass

    assert _is_aeon(Mine()) and _is_aeon(DummyClassifier())


# ---- issue 25: estimators that lie, layouts they cannot read, fixed-length models -------------

class _Scaled(LogisticRegression):
    """predict_proba times ``factor`` plus ``shift`` (rows that are no probabilities)."""

    def __init__(self, factor=2.0, shift=0.0, max_iter=2000):
        super().__init__(max_iter=max_iter)
        self.factor, self.shift = factor, shift

    def predict_proba(self, X):
        return super().predict_proba(X) * self.factor + self.shift


def _fitted(estimator):
    X, y = _tones(40)
    return estimator.fit(X[:, 0], y)


# (id, model, fragments of the message)
NOT_PROBABILITIES = [
    ("rows summing to 2", lambda: _fitted(_Scaled(2.0)), ("_Scaled.predict_proba", "row 0", "sum 2")),
    ("negative entries", lambda: _fitted(_Scaled(3.0, -1.0)), ("_Scaled.predict_proba", "row ", "[0, 1]")),
    ("a NumpyModel's rows summing to 3",
     lambda: NumpyModel(lambda a: np.ones((len(a), 3))), ("the function", "sum 3", "output_kind")),
    ("a NumpyModel's binary probability above 1",
     lambda: NumpyModel(lambda a: np.full(len(a), 1.5)), ("the function", "[1.5]", "output_kind")),
]


@pytest.mark.parametrize("make, fragments", [c[1:] for c in NOT_PROBABILITIES],
                         ids=[c[0] for c in NOT_PROBABILITIES])
def test_probabilities_that_are_not_probabilities_are_refused(make, fragments):
    X, _ = _tones(4, seed=1)
    with pytest.raises(ValueError, match="not class probabilities") as info:
        FreqRISE(make(), n_masks=8).attribute(X)
    assert all(f in str(info.value) for f in fragments), str(info.value)


def test_probabilities_and_declared_scores_still_run():
    X, _ = _tones(4, seed=1)
    assert FreqRISE(_fitted(_Scaled(1.0)), n_masks=8).attribute(X).shape == (4, 1, LENGTH // 2 + 1)
    scores = NumpyModel(lambda a: np.ones((len(a), 3)), output_kind="scores")
    assert FreqRISE(scores, n_masks=8).attribute(X).shape == (4, 1, LENGTH // 2 + 1)


def test_a_scikit_learn_estimator_forced_channels_first_names_the_layout():
    X, y = _tones(40)
    flat = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:, 0], y)
    for model, fragment in ((EstimatorModel(flat, layout="channels_first"), "leave layout out"),
                            (NumpyModel(flat.predict_proba), "use layout='flat'")):
        with pytest.raises(ValueError, match="layout='channels_first'") as info:
            FreqRISE(model, n_masks=8).attribute(X[:4])
        assert fragment in str(info.value) and "Found array with dim 3" in str(info.value)
    assert FreqRISE(EstimatorModel(flat), n_masks=8).attribute(X[:4]).shape == (4, 1, 33)


class _FixedLength(torch.nn.Module):
    """Flatten, then Linear: reads signals of ``length`` samples only."""

    def __init__(self, channels=2, length=64):
        super().__init__()
        self.fc = torch.nn.Linear(channels * length, 3)

    def forward(self, x):
        return self.fc(x.flatten(1))


@pytest.mark.parametrize("method", ["freqrise", "ig", "random"])
@pytest.mark.parametrize("channels", [1, 2])
def test_a_fixed_length_model_given_another_length_names_both(method, channels):
    model = _FixedLength(channels, 64).eval()
    x = torch.randn(2, channels, 100)
    with pytest.raises(ValueError, match="cannot read signals of length 100") as info:
        get_explainer(method, model).attribute(x, target=0)
    message = str(info.value)
    assert "one fixed length (64 samples" in message and "mat1 and mat2" in message, message
    assert get_explainer(method, model).attribute(x[..., :64], target=0) is not None


def _conv():
    return torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3), torch.nn.AdaptiveAvgPool1d(1),
                               torch.nn.Flatten())


# (id, build, error, fragment): ChannelsLast and FixedBatch refuse bad arguments when built
BAD_WRAPPERS = [
    ("ChannelsLast of an int", lambda cl, fb: cl(5), TypeError,
     "model must be a torch.nn.Module (or a callable) reading (batch, time, channels)"),
    ("ChannelsLast of a class", lambda cl, fb: cl(torch.nn.Linear), TypeError,
     "got Linear (a class: build it first)"),
    ("ChannelsLast squeeze='yes'", lambda cl, fb: cl(_conv(), squeeze="yes"), TypeError,
     "squeeze must be True or False"),
    ("ChannelsLast input_shape a string", lambda cl, fb: cl(_conv(), input_shape="abc"), TypeError,
     "input_shape must be None or a tuple of axis sizes"),
    ("ChannelsLast input_shape a number", lambda cl, fb: cl(_conv(), input_shape=64), TypeError,
     "input_shape must be None or a tuple"),
    ("ChannelsLast input_shape of 0", lambda cl, fb: cl(_conv(), input_shape=(0, 2)), ValueError,
     "every entry of input_shape (0, 2)"),
    ("FixedBatch of an int", lambda cl, fb: fb(5, 2), TypeError,
     "model must be a torch.nn.Module (or a callable) reading exactly 2 inputs"),
    ("FixedBatch input_shape a string", lambda cl, fb: fb(_conv(), 2, input_shape="abc"), TypeError,
     "input_shape must be None or a tuple"),
    ("FixedBatch input_shape 1.5", lambda cl, fb: fb(_conv(), 2, input_shape=(2, 1.5)), ValueError,
     "every entry of input_shape"),
]


@pytest.mark.parametrize("build, error, fragment", [c[1:] for c in BAD_WRAPPERS],
                         ids=[c[0] for c in BAD_WRAPPERS])
def test_channels_last_and_fixed_batch_refuse_bad_arguments_naming_them(build, error, fragment):
    from freqxai import ChannelsLast, FixedBatch

    with pytest.raises(error) as info:
        build(ChannelsLast, FixedBatch)
    assert fragment in str(info.value)


def test_channels_last_and_fixed_batch_wrap_modules_and_plain_callables():
    from freqxai import ChannelsLast, FixedBatch

    x = torch.randn(5, 2, 16)
    conv = _conv().eval()
    expected = conv(x)
    last = ChannelsLast(lambda v: conv(v.transpose(1, 2)), input_shape=[None, 2])
    assert last.input_shape == (None, 2) and not last.training
    assert torch.allclose(last.eval()(x), expected) and torch.allclose(last.train()(x), expected)
    fixed = FixedBatch(conv, 2, input_shape=(2, np.int64(16)))
    assert fixed.input_shape == (2, 16) and torch.allclose(fixed(x), expected)
    assert torch.allclose(FixedBatch(lambda v: conv(v), 2)(x), expected)


def test_adapters_method_support_is_a_deprecated_alias():
    """``freqxai.adapters.method_support`` moved to ``freqxai.explainers`` (issue 27): the old
    name warns, naming the new one, and is the same function."""
    import freqxai.adapters

    with pytest.warns(DeprecationWarning, match=r"freqxai\.explainers\.method_support"):
        old = freqxai.adapters.method_support
    assert old is method_support
    with pytest.warns(DeprecationWarning, match="0.3.0"):
        from freqxai.adapters import method_support as imported  # noqa: F401
    assert "method_support" not in freqxai.adapters.__all__


def test_a_skops_file_of_types_from_a_script_is_refused_naming_the_fix(tmp_path):
    """Types defined in the saving script (``__main__``) cannot be imported by anyone else: the
    file is refused with the fix, not with skops' import error (issue 28)."""
    pytest.importorskip("skops.io")
    import subprocess
    import sys

    script = tmp_path / "save.py"
    script.write_text(
        "import numpy as np\n"
        "import skops.io as sio\n"
        "from sklearn.base import BaseEstimator, TransformerMixin\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.pipeline import make_pipeline\n"
        "class Spectrum(BaseEstimator, TransformerMixin):\n"
        "    def fit(self, X, y=None):\n        return self\n"
        "    def transform(self, X):\n        return np.abs(np.fft.rfft(X, axis=-1))\n"
        "X = np.random.default_rng(0).normal(size=(20, 16)); y = np.arange(20) % 2\n"
        "sio.dump(make_pipeline(Spectrum(), LogisticRegression()).fit(X, y), 'clf.skops')\n")
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True)
    from freqxai.adapters.loading import load_model

    for trust in (False, True):
        with pytest.raises(ValueError, match=r"__main__\.Spectrum.*importable module"):
            load_model(tmp_path / "clf.skops", trust_pickle=trust)

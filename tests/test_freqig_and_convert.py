import numpy as np
import pytest
import torch

from freqxai import FLEX, load_model
from freqxai.freqig import attribute
from freqxai.testing import FreqIGReadmeCNN as ReadmeCNN


@pytest.fixture(scope="module")
def signal():
    return np.random.default_rng(0).normal(size=512).astype(np.float32)


CASES = [
    {"target": 1},
    {"target": 0, "baseline": 0.1 * np.ones((1, 512), np.float32)},
    {"target": 1, "segment": "x[100:228]", "start_idx": 100},
    {"target": 0, "segment": "2 * x[300:400]", "start_idx": 300, "n_steps": 20},
]


@pytest.mark.parametrize("case", CASES)
def test_equals_freqig(case, signal):
    ref_module = pytest.importorskip("scripts.freqIG", reason="freqig is not installed")
    kwargs = dict(case)
    if "segment" in kwargs:
        kwargs["segment"] = eval(kwargs["segment"], {"x": signal})  # noqa: S307 - test literal
    model = ReadmeCNN().eval()
    ref = ref_module.attribute(signal, model, **kwargs)
    ours = attribute(signal, model, **kwargs)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


def test_target_none_is_the_predicted_class(signal):
    model = ReadmeCNN().eval()
    pred = int(model(torch.from_numpy(signal)[None]).argmax())
    np.testing.assert_allclose(attribute(signal, model), attribute(signal, model, target=pred))


def test_freqig_errors(signal):
    model = ReadmeCNN().eval()
    with pytest.raises(ValueError, match="start_idx"):
        attribute(signal, model, target=0, segment=signal[:10])
    with pytest.raises(ValueError, match="exceeds"):
        attribute(signal, model, target=0, segment=signal[:100], start_idx=450)
    with pytest.raises(ValueError, match="baseline shape"):
        attribute(signal, model, target=0, baseline=np.zeros(100))


def test_no_prints(signal, capsys):
    attribute(signal, ReadmeCNN().eval(), target=1)
    assert capsys.readouterr().out == ""


class StridedCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.c1 = torch.nn.Conv1d(1, 8, 7, stride=2, padding=3)
        self.bn = torch.nn.BatchNorm1d(8)
        self.c2 = torch.nn.Conv1d(8, 16, 5, stride=2, padding=2)
        self.fc = torch.nn.Linear(16, 3)

    def forward(self, x):
        x = torch.relu(self.bn(self.c1(x)))
        x = torch.nn.functional.max_pool1d(torch.relu(self.c2(x)), 2)
        return self.fc(x.mean(-1))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_onnx_round_trip_gives_the_same_flex(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnx2pytorch")
    import onnx

    model = StridedCNN().eval()
    x = torch.randn(4, 1, 256, generator=torch.Generator().manual_seed(0))
    path = tmp_path / "cnn.onnx"
    torch.onnx.export(model, (x,), str(path), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
    for source in (path, str(path), onnx.load(str(path))):
        converted = load_model(source)
        assert isinstance(converted, torch.nn.Module)
        ours = FLEX(converted).attribute(x, target=2, n_steps=16)
        ref = FLEX(model).attribute(x, target=2, n_steps=16)
        torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)


def test_load_model_errors(tmp_path):
    m = torch.nn.Linear(2, 2)
    assert load_model(m) is m
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.onnx")
    (tmp_path / "weights.pt").write_bytes(b"")
    torch.save({"w": torch.zeros(1)}, tmp_path / "weights.pt")
    with pytest.raises(ValueError, match="model_factory"):
        load_model(tmp_path / "weights.pt")
    with pytest.raises(TypeError, match="cannot load"):
        load_model(42)


def test_keras_without_tensorflow_names_the_extra(monkeypatch):
    import builtins
    import sys

    class FakeKerasModel:
        pass

    FakeKerasModel.__module__ = "keras.src.models"
    real_import = builtins.__import__

    def no_tf(name, *args, **kwargs):
        if name in ("tensorflow", "tf2onnx"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_tf)
    with pytest.raises(ImportError, match=r"freqxai\[keras\]"):
        load_model(FakeKerasModel())


class TimeFirstCNN(torch.nn.Module):
    """Reads (batch, time, channels), as Keras models do."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(2, 4, 5, padding=2)
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(torch.tanh(self.conv(x.transpose(1, 2))).mean(-1))


def test_channels_last_wrapper():
    from freqxai import ChannelsLast

    model = TimeFirstCNN().eval()
    x = torch.randn(3, 2, 64, generator=torch.Generator().manual_seed(0))
    wrapped = load_model(model, channels_last=True)
    assert isinstance(wrapped, ChannelsLast) and not wrapped.training
    torch.testing.assert_close(wrapped(x), model(x.transpose(1, 2)))
    flat = ChannelsLast(torch.nn.Linear(64, 2), squeeze=True)
    torch.testing.assert_close(flat(x[:, :1]), flat.model(x[:, 0]))
    with pytest.raises(ValueError, match="one channel"):
        flat(x)
    with pytest.raises(ValueError, match=r"\(batch, channels, time\)"):
        flat(x[0])
    with pytest.raises(TypeError, match="channels_last"):
        load_model(model, channels_last="yes")


def test_tensorflow_before_triton_raises_instead_of_crashing(monkeypatch):
    """TensorFlow >= 2.20 loaded first makes `import triton` segfault (tensorflow#124205): the
    converter refuses with the fix instead of importing onnx2pytorch (which loads triton)."""
    import sys
    import types

    from freqxai import _compat

    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    monkeypatch.delitem(sys.modules, "triton", raising=False)
    monkeypatch.setattr(_compat, "_installed", lambda name: True)
    assert _compat.triton_import_would_crash()
    with pytest.raises(RuntimeError, match="Import freqxai before tensorflow"):
        load_model(object.__new__(type("ModelProto", (), {"__module__": "onnx.onnx_ml_pb2"})))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_models_round_trip(tmp_path):
    """Runs where the keras extra is installed (not in CI): Keras' channels-last models, live or
    saved, come back reading (batch, channels, time) with Keras' outputs, and FLEX runs on them."""
    pytest.importorskip("tf2onnx")
    pytest.importorskip("onnx2pytorch")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inp = keras.Input((128, 2))
    h = keras.layers.Conv1D(8, 5, padding="same", activation="relu")(inp)
    conv = keras.Model(inp, keras.layers.Dense(3)(keras.layers.GlobalAveragePooling1D()(h)))
    flat_in = keras.Input((128,))
    dense = keras.Model(flat_in, keras.layers.Dense(4)(flat_in))
    x = np.random.default_rng(0).standard_normal((4, 2, 128)).astype(np.float32)
    conv.save(tmp_path / "conv.keras")
    for source, keras_model, xs in [(conv, conv, x), (tmp_path / "conv.keras", conv, x),
                                    (dense, dense, x[:, :1])]:
        module = load_model(source)
        expected = keras_model.predict(np.moveaxis(xs, 1, 2).squeeze(-1) if xs.shape[1] == 1
                                       else np.moveaxis(xs, 1, 2), verbose=0)
        with torch.no_grad():
            got = module(torch.from_numpy(xs)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    attr, delta = FLEX(load_model(conv)).attribute(x, target=1, n_steps=64,
                                                   return_convergence_delta=True)
    assert attr.shape == (4, 2, 65) and np.abs(delta).max() < 1e-2


class _Marker:
    """Unpickling this creates a file: what a crafted model file could do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_no_pickle_is_loaded_without_the_opt_in(tmp_path):
    marker = tmp_path / "ran"
    crafted = tmp_path / "model.pt"
    torch.save({"model": _Marker(marker)}, crafted)
    with pytest.raises(ValueError, match="runs code.*trust_pickle=True"):
        load_model(crafted)
    assert not marker.exists()
    with pytest.raises(ValueError, match="runs code"):
        attribute(np.zeros(64, dtype=np.float32), str(crafted), target=0)
    assert not marker.exists()
    whole = tmp_path / "whole.pt"
    torch.save(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2)), whole)
    with pytest.raises(ValueError, match="trust_pickle"):
        load_model(whole)
    assert isinstance(load_model(whole, trust_pickle=True), torch.nn.Sequential)


def test_every_model_format_loads_and_agrees(tmp_path):
    from freqxai.models.cnn import SmallCNN

    model = SmallCNN(2, 3).eval()
    x = torch.randn(4, 2, 64)
    expected = model(x)
    torch.jit.save(torch.jit.trace(model, x), tmp_path / "traced.pt")
    torch.jit.save(torch.jit.script(model), tmp_path / "scripted.pt")
    torch.export.save(torch.export.export(model, (x,)), tmp_path / "exported.pt2")
    torch.save(model.state_dict(), tmp_path / "state.pt")
    factory = lambda: SmallCNN(2, 3)  # noqa: E731
    loaded = {
        "traced": load_model(tmp_path / "traced.pt"),
        "scripted": load_model(tmp_path / "scripted.pt"),
        "exported": load_model(tmp_path / "exported.pt2"),
        "state dict + callable": load_model(tmp_path / "state.pt", model_factory=factory),
    }
    for name, m in loaded.items():
        torch.testing.assert_close(m(x), expected, msg=name)
    with pytest.raises(ValueError, match="do not fit SmallCNN"):
        load_model(tmp_path / "state.pt", model_factory=lambda: SmallCNN(3, 3))
    with pytest.raises(ValueError, match="package.module:Name"):
        load_model(tmp_path / "state.pt", model_factory="SmallCNN")
    with pytest.raises(ValueError, match="cannot import"):
        load_model(tmp_path / "state.pt", model_factory="freqxai.models.cnn:Nope")
    (tmp_path / "garbage.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="not a readable torch file"):
        load_model(tmp_path / "garbage.pt")

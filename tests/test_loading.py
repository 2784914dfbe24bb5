"""Issue 16, model loading: no silent result, no cryptic error.

Graphs exported for a fixed batch run any batch; unreadable and misnamed files are named with the
format expected or found; a channels-first model loaded as channels-last, a state dict whose keys
carry a prefix, and weights on the meta device are each caught by ``load_model``.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import torch

from freqxai import FLEX, load_model
from freqxai.cli import main
from freqxai.convert import ChannelsLast, FixedBatch
from freqxai.models.cnn import SmallCNN
from freqxai.runner import ResultStore

X = torch.randn(5, 2, 64, generator=torch.Generator().manual_seed(0))


def _cnn() -> SmallCNN:
    torch.manual_seed(0)
    return SmallCNN(2, 3).eval()


class BatchOneReshape(torch.nn.Module):
    """Flattens with a constant batch of 1, as a graph exported for one input does."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(2, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 64, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).reshape(1, -1))


class BatchFreeReshape(BatchOneReshape):
    """The same model (same weights) for any batch: the reference."""

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).reshape(len(x), -1))


class FlatLinear(torch.nn.Module):
    """Reads (batch, 2, 64) by flattening: runs on the transposed layout too, silently wrong."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.fc = torch.nn.Linear(128, 3)

    def forward(self, x):
        return self.fc(x.flatten(1))


def _onnx_export(model, path, batch):
    pytest.importorskip("onnx")
    pytest.importorskip("onnx2pytorch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (X[:batch],), str(path), input_names=["x"], output_names=["y"],
                          dynamo=False)  # no dynamic_axes: the batch is a number in the graph
    return path


def _load_quietly(*args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = load_model(*args, **kwargs)
    return module, " | ".join(str(w.message) for w in caught)


# ---------------------------------------------------------------------------------------------
# 1. graphs exported for a fixed batch


def _pt2(tmp_path, batch):
    path = tmp_path / f"static{batch}.pt2"
    torch.export.save(torch.export.export(_cnn(), (X[:batch],)), path)
    return path


FIXED_BATCH = [
    ("pt2 file, batch 1", lambda p: _pt2(p, 1), _cnn, 1),
    ("pt2 file, batch 2", lambda p: _pt2(p, 2), _cnn, 2),  # the last piece is padded
    ("ExportedProgram", lambda p: torch.export.export(_cnn(), (X[:1],)), _cnn, 1),
    ("torch.export graph", lambda p: torch.export.export(_cnn(), (X[:1],)).module(), _cnn, 1),
    ("onnx, constant reshape", lambda p: _onnx_export(BatchOneReshape().eval(), p / "r.onnx", 1),
     lambda: BatchFreeReshape().eval(), 1),
]


@pytest.mark.parametrize("make, eager, batch", [c[1:] for c in FIXED_BATCH],
                         ids=[c[0] for c in FIXED_BATCH])
def test_a_fixed_batch_graph_runs_any_batch_with_gradients(tmp_path, make, eager, batch):
    module, said = _load_quietly(make(tmp_path))
    assert isinstance(module, FixedBatch) and module.max_batch_size == batch
    assert f"fixed batch of {batch}" in said and "at a time" in said
    reference = eager()  # the eager model, which reads any batch
    torch.testing.assert_close(module(X), reference(X), rtol=1e-4, atol=1e-5)
    # gradients flow through the pieces: FLEX (Integrated Gradients) equals the eager model's
    ours = FLEX(module).attribute(X, target=1, n_steps=8)
    torch.testing.assert_close(ours, FLEX(reference).attribute(X, target=1, n_steps=8),
                               rtol=1e-4, atol=1e-5)


def test_an_onnx_graph_is_split_only_when_its_batch_is_fixed(tmp_path):
    fixed, said = _load_quietly(_onnx_export(BatchOneReshape().eval(), tmp_path / "r.onnx", 1))
    assert isinstance(fixed, FixedBatch) and "fixed batch of 1" in said
    # SmallCNN's graph flattens with ONNX's Flatten: its declared batch of 1 is not binding, and
    # splitting would only slow it down
    module, said = _load_quietly(_onnx_export(_cnn(), tmp_path / "cnn.onnx", 1))
    assert not isinstance(module, FixedBatch) and "fixed batch" not in said
    torch.testing.assert_close(module(X), _cnn()(X), rtol=1e-4, atol=1e-5)


def test_a_fixed_batch_graph_names_the_shape_it_reads(tmp_path):
    module, _ = _load_quietly(_pt2(tmp_path, 1))
    with pytest.raises(ValueError, match=r"exported for inputs of shape \(1, 2, 64\) and cannot "
                                         r"read \(3, 2, 100\): export it with dynamic axes"):
        module(torch.zeros(3, 2, 100))


def test_cli_runs_a_model_exported_for_one_input(tmp_path, capsys):
    path = _pt2(tmp_path, 1)
    np.savez(tmp_path / "d.npz", X=X.numpy()[:4], fs=32.0)
    out = tmp_path / "run"
    rc = main(["run", "custom", "--model", str(path), "--data", str(tmp_path / "d.npz"),
               "--out", str(out), "--methods", "freqrise,gxi", "--domains", "fft",
               "--metrics", "complexity", "--n-masks", "64", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Traceback" not in err
    store = ResultStore(out)
    assert store.read_unit("freqrise__fft")["relevance"].shape == (4, 1, 33)
    assert "fixed batch of 1" in str(store.read_attrs().get("warnings"))  # in the report


# ---------------------------------------------------------------------------------------------
# 2.-6. errors: one table of (id, call, exception, message fragment)


def _garbage_onnx(tmp_path):
    pytest.importorskip("onnx")
    (tmp_path / "garbage.onnx").write_bytes(b"this is not a model, only some text")
    return load_model(tmp_path / "garbage.onnx")


def _empty_onnx(tmp_path):
    pytest.importorskip("onnx")
    (tmp_path / "empty.onnx").write_bytes(b"")
    return load_model(tmp_path / "empty.onnx")


def _state(tmp_path, state, **kwargs):
    torch.save(state, tmp_path / "w.pt")
    return load_model(tmp_path / "w.pt", model_factory=lambda: SmallCNN(2, 3), **kwargs)


def _two_prefixes(tmp_path):
    sd = _cnn().state_dict()
    state = {**{"model." + k: v for k, v in sd.items()}, **{"ema." + k: v for k, v in sd.items()}}
    return _state(tmp_path, state)


def _keys_do_not_fit(tmp_path):
    state = {k.replace("net.0.", "net.1."): v for k, v in _cnn().state_dict().items()}
    return _state(tmp_path, state)


def _prefix_that_does_not_help(tmp_path):
    sd = _cnn().state_dict()
    return _state(tmp_path, {"model." + k: v for k, v in sd.items() if "net.8" not in k})


def _meta_module(tmp_path):
    with torch.device("meta"):
        model = SmallCNN(2, 3)
    return load_model(model)


class WithNonPersistentBuffer(SmallCNN):
    def __init__(self):
        super().__init__(2, 3)
        self.register_buffer("scale", torch.ones(1), persistent=False)


def _meta_after_loading(tmp_path):
    torch.save(_cnn().state_dict(), tmp_path / "w.pt")

    def on_meta():
        with torch.device("meta"):
            return WithNonPersistentBuffer()

    return load_model(tmp_path / "w.pt", model_factory=on_meta)


def _channels_first_as_channels_last(tmp_path):
    return load_model(_cnn(), channels_last=True)(X)


def _declared_channels_first_as_channels_last(tmp_path):
    path = _onnx_export(FlatLinear().eval(), tmp_path / "flat.onnx", 1)
    return load_model(path, channels_last=True)(X)


ERRORS = [
    ("garbage .onnx", _garbage_onnx, ValueError,
     r"cannot read \S*garbage.onnx as an ONNX model \(DecodeError.*expected an ONNX ModelProto"),
    ("empty .onnx", _empty_onnx, ValueError,
     r"empty.onnx is not an ONNX model: it holds no graph"),
    ("two prefixes fit", _two_prefixes, ValueError,
     r"fit SmallCNN with any of the prefixes 'ema.', 'model.' removed"),
    ("keys that do not fit, in full", _keys_do_not_fit, ValueError,
     r"do not fit SmallCNN: 2 missing key\(s\): 'net.0.bias', 'net.0.weight'; "
     r"2 unexpected key\(s\): 'net.1.bias', 'net.1.weight'$"),
    ("a prefix that does not help", _prefix_that_does_not_help, ValueError,
     r"do not fit SmallCNN: after removing the prefix 'model.' that all its keys carry, 2 "
     r"missing key\(s\): 'net.8.bias', 'net.8.weight'; check that model_factory builds"),
    ("meta module", _meta_module, ValueError,
     r"the model has 8 parameter\(s\) or buffer\(s\) on the meta device \('net.0.weight'.*"
     r"load_state_dict\(state_dict, assign=True\)"),
    ("meta after loading", _meta_after_loading, ValueError,
     r"w.pt has 1 parameter\(s\) or buffer\(s\) on the meta device \('scale'\)"),
    ("channels_last on a channels-first model", _channels_first_as_channels_last, ValueError,
     r"channels_last=True, but the model reads \(batch, channels, time\): it fails on the "
     r"transposed signals \(batch, 64, 2\) and runs on \(batch, 2, 64\); load it with "
     r"channels_last=False"),
    ("channels_last on a declared channels-first graph", _declared_channels_first_as_channels_last,
     ValueError, r"channels_last=True, but the model's declared input is \(batch, 2, 64\), which "
                 r"is \(batch, channels, time\).*load it with channels_last=False"),
]


@pytest.mark.parametrize("call, error, message", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_loading_errors_name_the_problem_and_the_fix(tmp_path, call, error, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=message):
            call(tmp_path)


# ---------------------------------------------------------------------------------------------
# 3. a file whose content and extension disagree: loaded as what it holds, with a warning


def _torchscript(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export
        torch.jit.save(torch.jit.trace(_cnn(), X), path)


def _as_onnx(tmp_path):
    _torchscript(tmp_path / "m.pt")
    shutil.copy(tmp_path / "m.pt", tmp_path / "m.onnx")
    return tmp_path / "m.onnx"


def _onnx_as_pt2(tmp_path):
    shutil.move(_onnx_export(_cnn(), tmp_path / "m.onnx", 1), tmp_path / "m.pt2")
    return tmp_path / "m.pt2"


def _export_as_onnx(tmp_path):
    shutil.move(_pt2(tmp_path, 1), tmp_path / "m.onnx")
    return tmp_path / "m.onnx"


MISNAMED = [
    ("TorchScript named .onnx", _as_onnx,
     "m.onnx holds TorchScript by its content, not an ONNX model as its extension '.onnx' says: "
     "loading it as TorchScript; rename it to m.pt"),
    ("ONNX named .pt2", _onnx_as_pt2,
     "m.pt2 holds an ONNX model by its content, not a torch.export program as its extension "
     "'.pt2' says: loading it as ONNX; rename it to m.onnx"),
    ("torch.export named .onnx", _export_as_onnx,
     "m.onnx holds a torch.export program by its content, not an ONNX model"),
]


@pytest.mark.parametrize("make, message", [c[1:] for c in MISNAMED], ids=[c[0] for c in MISNAMED])
def test_a_misnamed_file_loads_as_what_it_holds(tmp_path, make, message):
    module, said = _load_quietly(make(tmp_path))
    assert message in said
    torch.testing.assert_close(module(X), _cnn()(X), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# 5. state dicts whose keys carry a prefix: loaded, with a warning naming it


class Wrapper(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.model = SmallCNN(2, 3)

    def forward(self, x):
        return self.model(x)


def _prefixed(prefix):
    return {prefix + k: v for k, v in _cnn().state_dict().items()}


PREFIXED = [
    ("Lightning .ckpt", lambda: {"epoch": 3, "global_step": 12, "state_dict": {
        **_prefixed("model."), "loss.weight": torch.ones(3)},
        "hyper_parameters": {"lr": 1e-3}, "optimizer_states": []}, SmallCNN, "w.ckpt",
     "w.ckpt: removed the prefix 'model.' from its keys to fit SmallCNN; ignored 1 entries "
     "outside it ('loss.weight')"),
    ("DataParallel", lambda: _prefixed("module."), SmallCNN, "w.pt",
     "w.pt: removed the prefix 'module.' from its keys to fit SmallCNN"),
    ("torch.compile", lambda: _prefixed("_orig_mod."), SmallCNN, "w.pth",
     "removed the prefix '_orig_mod.'"),
    ("nested under model_state_dict", lambda: {
        "epoch": 3, "model_state_dict": _prefixed("net.model."),
        "optimizer_state_dict": {"state": {}, "param_groups": [{"lr": 0.1}]}}, SmallCNN, "w.pt",
     "removed the prefix 'net.model.'"),
    ("prefix to add", lambda: _cnn().state_dict(), Wrapper, "w.pt",
     "w.pt: added the prefix 'model.' to its keys to fit Wrapper"),
]


@pytest.mark.parametrize("make, factory, name, message", [c[1:] for c in PREFIXED],
                         ids=[c[0] for c in PREFIXED])
def test_a_prefixed_state_dict_loads_with_a_warning(tmp_path, make, factory, name, message):
    torch.save(make(), tmp_path / name)
    build = (lambda: SmallCNN(2, 3)) if factory is SmallCNN else factory
    module, said = _load_quietly(tmp_path / name, model_factory=build)
    assert message in said
    torch.testing.assert_close(module(X), _cnn()(X))


def test_a_module_built_on_the_meta_device_takes_the_weights(tmp_path):
    torch.save(_cnn().state_dict(), tmp_path / "w.pt")

    def on_meta():
        with torch.device("meta"):
            return SmallCNN(2, 3)

    module = load_model(tmp_path / "w.pt", model_factory=on_meta)
    assert not any(p.is_meta for p in module.parameters())
    torch.testing.assert_close(module(X), _cnn()(X))


class TimeFirst(torch.nn.Module):
    """Reads (batch, time, channels)."""

    def __init__(self):
        super().__init__()
        self.inner = _cnn()

    def forward(self, x):
        return self.inner(x.transpose(1, 2))


def test_channels_last_wraps_an_exported_channels_last_model(tmp_path):
    # ChannelsLast over FixedBatch over a torch.export graph (whose train()/eval() raise); the
    # layout check lets a model that does read (batch, time, channels) through
    path = tmp_path / "tf.pt2"
    torch.export.save(torch.export.export(TimeFirst().eval(), (X[:1].transpose(1, 2),)), path)
    module, said = _load_quietly(path, channels_last=True)
    assert isinstance(module, ChannelsLast) and isinstance(module.model, FixedBatch)
    assert module.input_shape == (64, 2) and "fixed batch of 1" in said
    module.eval()
    torch.testing.assert_close(module(X), _cnn()(X))


def test_random_bytes_named_pt_are_refused_in_one_clear_error(tmp_path):
    """Random bytes read as a pickle stream fail in many ways (KeyError, IndexError, ...): each is
    one ValueError naming the file, whatever the bytes (seeded here; the tour draws fresh ones)."""
    from freqxai.adapters.loading import load_model

    rng = np.random.default_rng(0)
    path = tmp_path / "garbage.pt"
    for _ in range(200):
        path.write_bytes(rng.integers(0, 256, 256, dtype=np.uint8).tobytes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                load_model(path)
            except (ValueError, TypeError) as err:
                assert "garbage" in str(err)

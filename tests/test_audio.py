"""Audio pipeline on a tiny dataset in the AudioMNIST layout built on the fly, and on FSDD."""

import json
import wave

import h5py
import numpy as np
import pytest
import torch

from freqxai.cli import main
from freqxai.data.audio import (
    load_audio,
    preprocess_audiomnist,
    preprocess_fsdd,
    split_indices,
)
from freqxai.data.splits import AUDIOMNIST_SPLITS

# speakers covering train / validate / test of digit fold 0 and gender fold 0
SPEAKERS = {28: "male", 36: "male", 12: "female", 26: "female", 43: "male", 58: "female"}


def _write_wav(path, samples, rate=48000, channels=1):
    data = np.clip(samples, -1, 1)
    pcm = (data * 32000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def _tone(freq, seconds, rate=48000, amp=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return amp * np.sin(2 * np.pi * freq * t) * np.hanning(t.size)


@pytest.fixture(scope="module")
def audiomnist(tmp_path_factory):
    root = tmp_path_factory.mktemp("AudioMNIST")
    data = root / "data"
    meta = {}
    for spk, gender in SPEAKERS.items():
        folder = data / f"{spk:02d}"
        folder.mkdir(parents=True)
        meta[f"{spk:02d}"] = {"gender": gender, "age": "30", "accent": "x"}
        for digit in range(10):
            for rep in range(2):
                freq = 300 + 150 * digit + (40 if gender == "female" else 0)
                _write_wav(folder / f"{digit}_{spk:02d}_{rep}.wav", _tone(freq, 0.3 + 0.05 * rep))
    (data / "audioMNIST_meta.txt").write_text(json.dumps(meta))
    return root


def test_preprocessing_shapes_labels_rate_and_scaling(audiomnist, tmp_path):
    out = tmp_path / "am.h5"
    report = preprocess_audiomnist(audiomnist, out, seed=0, progress=False)
    assert report.n_written == 6 * 10 * 2 and not report.skipped
    ds = load_audio(out)
    assert ds.signals.shape == (120, 1, 8000) and ds.signals.dtype == np.float32
    assert ds.attrs["fs"] == 8000 and ds.attrs["dataset"] == "audiomnist"
    assert sorted(set(ds.speaker.tolist())) == sorted(SPEAKERS)
    assert set(ds.digit.tolist()) == set(range(10))
    for spk, gender in SPEAKERS.items():
        assert (ds.gender[ds.speaker == spk] == (gender == "female")).all()
    # AudioNet scaling: divided by its 95th percentile + 0.001
    p95 = np.percentile(ds.signals[:, 0], 95, axis=1)
    np.testing.assert_allclose(p95, 1.0, atol=0.01)
    # 8 kHz: the digit's tone sits at its frequency (1 Hz bins for 8000 samples at 8 kHz)
    i = int(np.flatnonzero((ds.digit == 3) & (ds.speaker == 28))[0])
    assert abs(int(np.abs(np.fft.rfft(ds.signals[i, 0])).argmax()) - (300 + 150 * 3)) <= 2


def test_resampler_removes_aliases(tmp_path):
    root = tmp_path / "A" / "data" / "01"
    root.mkdir(parents=True)
    (root.parent / "audioMNIST_meta.txt").write_text('{"01": {"gender": "male"}}')
    _write_wav(root / "0_01_0.wav", _tone(1000, 0.5) + _tone(6500, 0.5))  # 6.5 kHz > 4 kHz
    preprocess_audiomnist(tmp_path / "A", tmp_path / "a.h5", progress=False)
    spec = np.abs(np.fft.rfft(load_audio(tmp_path / "a.h5").signals[0, 0]))
    # without a low-pass, 6.5 kHz would alias to 1.5 kHz
    assert spec[1490:1510].max() < 1e-3 * spec[990:1010].max()


def test_placement_is_seeded(audiomnist, tmp_path):
    preprocess_audiomnist(audiomnist, tmp_path / "a.h5", seed=1, progress=False)
    preprocess_audiomnist(audiomnist, tmp_path / "b.h5", seed=1, progress=False)
    preprocess_audiomnist(audiomnist, tmp_path / "c.h5", seed=2, progress=False)
    a, b, c = (load_audio(tmp_path / f"{n}.h5").signals for n in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_speaker_disjoint_splits(audiomnist, tmp_path):
    preprocess_audiomnist(audiomnist, tmp_path / "am.h5", progress=False)
    ds = load_audio(tmp_path / "am.h5")
    for label, fold in (("digit", 0), ("gender", 0)):
        idx = split_indices(ds, label, fold)
        parts = {k: set(ds.speaker[v].tolist()) for k, v in idx.items()}
        assert not (parts["train"] & parts["validate"]) and not (parts["train"] & parts["test"])
        assert not (parts["validate"] & parts["test"])
        assert all(parts.values())
    assert set(ds.speaker[split_indices(ds, "digit", 0)["test"]].tolist()) == {26}
    with pytest.raises(ValueError, match="fold"):
        split_indices(ds, "gender", 4)


def test_package_splits_equal_the_protocol_file():
    from conftest import shared_path

    ref = json.loads(shared_path("reference-data", "audiomnist_splits.json").read_text())
    for task in ("digit", "gender"):
        for part in ("train", "validate", "test"):
            assert AUDIOMNIST_SPLITS[task][part] == ref[task][part]


def test_bad_files_are_reported_and_skipped(tmp_path):
    data = tmp_path / "A" / "data" / "01"
    data.mkdir(parents=True)
    (data.parent / "audioMNIST_meta.txt").write_text('{"01": {"gender": "female"}}')
    _write_wav(data / "0_01_0.wav", _tone(500, 0.4))
    _write_wav(data / "1_01_0.wav", _tone(500, 1.6))  # longer than 1 s
    (data / "2_01_0.wav").write_bytes(b"RIFF....not a wav")
    stereo = np.stack([_tone(500, 0.3), _tone(700, 0.3)], 1).ravel()
    _write_wav(data / "3_01_0.wav", stereo, channels=2)
    report = preprocess_audiomnist(tmp_path / "A", tmp_path / "a.h5", progress=False)
    assert report.n_written == 2 and report.n_trimmed == 1
    reasons = dict(report.skipped)
    assert "unreadable" in reasons[str(data / "2_01_0.wav")]
    assert "not mono" in reasons[str(data / "3_01_0.wav")]
    assert "2 files skipped" in report.summary()
    with h5py.File(tmp_path / "a.h5") as f:
        assert len(json.loads(f.attrs["skipped"])) == 2
    with pytest.raises(ValueError, match="unreadable"):
        preprocess_audiomnist(tmp_path / "A", tmp_path / "b.h5", strict=True, progress=False)


def test_layout_and_metadata_errors(tmp_path):
    (tmp_path / "empty" / "data").mkdir(parents=True)
    (tmp_path / "empty" / "data" / "audioMNIST_meta.txt").write_text("{}")
    with pytest.raises(ValueError, match="layout"):
        preprocess_audiomnist(tmp_path / "empty", tmp_path / "x.h5", progress=False)
    (tmp_path / "nometa" / "data" / "01").mkdir(parents=True)
    with pytest.raises(ValueError, match="metadata not found"):
        preprocess_audiomnist(tmp_path / "nometa", tmp_path / "x.h5", progress=False)
    bad = tmp_path / "badmeta" / "data"
    (bad / "01").mkdir(parents=True)
    (bad / "audioMNIST_meta.txt").write_text("{'01': {'gender': 'male'}}")  # Python, not JSON
    with pytest.raises(ValueError, match="not valid JSON"):
        preprocess_audiomnist(tmp_path / "badmeta", tmp_path / "x.h5", progress=False)
    assert main(["data", "fsdd", "--src", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "x.h5"), "--quiet"]) == 2


def test_audionet_training_steps_reduce_the_loss(audiomnist, tmp_path):
    import lightning as L

    from freqxai.models import AudioNet
    from freqxai.models.training import LitClassifier

    preprocess_audiomnist(audiomnist, tmp_path / "am.h5", progress=False)
    ds = load_audio(tmp_path / "am.h5")
    idx = split_indices(ds, "digit", 0)["train"][:10]
    x, y = torch.from_numpy(ds.signals[idx]), torch.from_numpy(ds.digit[idx])
    torch.manual_seed(0)
    lit = LitClassifier(AudioNet(10), lr=5e-4)
    losses = []

    class Record(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            losses.append(float(outputs["loss"]))

    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=10)
    L.Trainer(max_epochs=6, logger=False, enable_checkpointing=False, enable_progress_bar=False,
              enable_model_summary=False, callbacks=[Record()]).fit(lit, loader)
    assert len(losses) == 6
    assert np.mean(losses[-2:]) < 0.9 * losses[0]


def test_fsdd_from_the_shared_recordings(tmp_path):
    from conftest import shared_path

    src = shared_path("real-audio", "fsdd")
    report = preprocess_fsdd(src, tmp_path / "fsdd.h5", progress=False)
    assert report.n_written == 3000 and not report.skipped
    ds = load_audio(tmp_path / "fsdd.h5")
    assert ds.signals.shape == (3000, 1, 8000) and ds.attrs["fs"] == 8000
    names = json.loads(ds.attrs["speaker_names"])
    assert len(names) == 6
    idx = split_indices(ds, "digit", 2)
    spk = {k: set(ds.speaker[v].tolist()) for k, v in idx.items()}
    assert spk["test"] == {2} and spk["validate"] == {3} and len(spk["train"]) == 4
    assert len(idx["test"]) == 500
    with pytest.raises(ValueError, match="one gender"):
        split_indices(ds, "gender", 0)


def test_audio_run_end_to_end_on_the_fixture(audiomnist, tmp_path):
    from freqxai.models import AudioNet
    from freqxai.models.training import save_state_dict
    from freqxai.runner import ResultStore, RunConfig, run_experiment

    preprocess_audiomnist(audiomnist, tmp_path / "am.h5", progress=False)
    torch.manual_seed(0)
    weights = save_state_dict(AudioNet(10).eval(), tmp_path / "audionet.pt")
    cfg = RunConfig(dataset="audiomnist", data=str(tmp_path / "am.h5"), weights=str(weights),
                    out=str(tmp_path / "run"), n_test=3, chunk_size=3, n_masks=40,
                    n_steps=4, methods=["freqrise", "lrp"], domains=["fft", "stft"],
                    metrics=["complexity", "deletion"])
    summary = run_experiment(cfg, progress=False)
    assert summary is not None
    store = ResultStore(tmp_path / "run")
    unit = store.read_unit("freqrise__stft")
    assert unit["relevance"].shape == (3, 1, 228, 229)
    assert np.isfinite(unit["deletion"]).all()
    assert (tmp_path / "run" / "examples_stft.png").is_file()


def test_train_command_on_the_fixture(audiomnist, tmp_path, capsys):
    preprocess_audiomnist(audiomnist, tmp_path / "am.h5", progress=False)
    rc = main(["train", "audiomnist", "--data", str(tmp_path / "am.h5"), "--epochs", "1",
               "--out", str(tmp_path / "models"), "--accelerator", "cpu", "--quiet"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "test accuracy (held-out speakers)" in out
    weights = tmp_path / "models" / "audionet_audiomnist_digit_fold0.pt"
    state = torch.load(weights, weights_only=True)
    assert state["classifier.7.weight"].shape == (10, 512)
    assert list((tmp_path / "models" / "checkpoints_audiomnist_digit_fold0").glob("*.ckpt"))


def test_data_command_checks_out_first_and_skips_malformed_files(tmp_path, capsys):
    import shutil
    import struct

    from freqxai.cli import main

    src = tmp_path / "fsdd"
    (src / "recordings").mkdir(parents=True)
    rate = 8000
    for i in range(3):
        wav = np.zeros(4000, dtype=np.int16)
        wav[1000:2000] = (3000 * np.sin(np.arange(1000) / 5)).astype(np.int16)
        from scipy.io import wavfile

        wavfile.write(src / "recordings" / f"{i}_jackson_{i}.wav", rate, wav)
    # a RIFF/WAVE file whose data chunk comes without a fmt chunk
    bad = b"RIFF" + struct.pack("<I", 16) + b"WAVE" + b"data" + struct.pack("<I", 4) + b"\0" * 4
    (src / "recordings" / "4_jackson_0.wav").write_bytes(bad)
    folder = tmp_path / "outdir"
    folder.mkdir()
    assert main(["data", "fsdd", "--src", str(src), "--out", str(folder), "--quiet"]) == 2
    assert "is a folder" in capsys.readouterr().err
    out = tmp_path / "fsdd.h5"
    assert main(["data", "fsdd", "--src", str(src), "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "4_jackson_0.wav" in text
    assert main(["data", "fsdd", "--src", str(src), "--out", str(out), "--strict", "--quiet"]) == 2
    shutil.rmtree(src)


def test_fsdd_speakers_may_have_digits_and_refused_files_are_counted_with_the_rule(tmp_path, caplog):
    src = tmp_path / "fsdd"
    (src / "recordings").mkdir(parents=True)
    for digit in range(2):
        for spk in ("usm7", "jackson"):
            _write_wav(src / "recordings" / f"{digit}_{spk}_{digit}.wav", _tone(300, 0.3, 8000),
                       rate=8000)
    for bad in ("x_jackson_1.wav", "1-jackson-1.wav"):
        _write_wav(src / "recordings" / bad, _tone(300, 0.3, 8000), rate=8000)
    with caplog.at_level("WARNING"):
        preprocess_fsdd(src, tmp_path / "fsdd.h5", progress=False)
    ds = load_audio(tmp_path / "fsdd.h5")
    assert len(ds.digit) == 4 and sorted(json.loads(ds.attrs["speaker_names"])) == ["jackson",
                                                                                    "usm7"]
    lines = [r.getMessage() for r in caplog.records if "ignoring" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("ignoring 2 wav files")
    assert "speaker name of letters and digits" in lines[0]

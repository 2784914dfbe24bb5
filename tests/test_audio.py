"""Audio pipeline on a tiny dataset in the AudioMNIST layout built on the fly, on FSDD, and on
folders of labelled wav files (``freqxai data audio``)."""

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
    preprocess_folder,
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


# --- any folder of labelled wav files (preprocess_folder, 'freqxai data audio') -------------

TONES = {"bird": 2000, "cat": 700, "dog": 300}  # the class's tone in Hz


def _pcm(hz, n, rate=8000):
    """``n`` samples of a tone as int16 PCM at a third of full scale."""
    return (10000 * np.sin(2 * np.pi * hz * np.arange(n) / rate)).astype(np.int16)


def _tones(root, layout="flat", rate=8000):
    """Three clips of each class in TONES, of unequal lengths; ``{relative path: (label,
    samples)}``. flat: ``dog_1.wav``; folders: ``dog/1.wav``."""
    from scipy.io import wavfile

    written = {}
    for k, (label, hz) in enumerate(TONES.items()):
        for i in range(3):
            rel = f"{label}_{i}.wav" if layout == "flat" else f"{label}/{i}.wav"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            pcm = _pcm(hz, 400 + 100 * i + 10 * k, rate)
            wavfile.write(root / rel, rate, pcm)
            written[rel] = (label, pcm)
    return written


FLAT = r"(?P<label>[a-z]+)_\d+\.wav"
BY_FOLDER = r"^(?P<label>[^/]+)/"


def test_folder_labels_lengths_fs_and_the_custom_loader_round_trip(tmp_path):
    from freqxai.runner.tasks import read_data_file

    src = tmp_path / "clips"
    written = _tones(src)
    (src / "README.txt").write_text("not audio")  # other files are ignored, not refused
    report = preprocess_folder(src, tmp_path / "clips.h5", label_from=FLAT, progress=False)
    assert report.n_written == 9 and not report.refused and not report.skipped
    assert report.class_names == ["bird", "cat", "dog"] and report.class_counts == [3, 3, 3]
    with h5py.File(tmp_path / "clips.h5") as f:
        files = [v.decode() for v in f["files"][()]]
        X, y, lengths = f["X"][()], f["y"][()], f["lengths"][()]
        names = [v.decode() for v in f["class_names"][()]]
        assert f.attrs["fs"] == 8000.0 and json.loads(f.attrs["refused"]) == []
    assert files == sorted(written)
    assert [names[c] for c in y] == [written[f][0] for f in files]
    assert lengths.tolist() == [len(written[f][1]) for f in files]
    assert X.shape == (9, 1, max(lengths)) and X.dtype == np.float32
    for i, f in enumerate(files):  # int16 PCM / 32768, zero after the clip's end
        np.testing.assert_allclose(X[i, 0, : lengths[i]], written[f][1] / 32768.0, atol=1e-7)
        assert not X[i, 0, lengths[i]:].any()
        spec = np.abs(np.fft.rfft(X[i, 0, : lengths[i]]))
        peak_hz = spec.argmax() * 8000 / lengths[i]
        assert abs(peak_hz - TONES[written[f][0]]) < 8000 / lengths[i]
    d = read_data_file(tmp_path / "clips.h5")  # what train/run custom --data read
    np.testing.assert_array_equal(d["X"], X)
    np.testing.assert_array_equal(d["y"], y)
    np.testing.assert_array_equal(d["lengths"], lengths)
    assert d["fs"] == 8000.0 and d["class_names"] == ["bird", "cat", "dog"]


def test_folder_per_class_csv_and_tsv_give_the_same_data(tmp_path):
    src = tmp_path / "clips"
    written = _tones(src, layout="folders")
    rows = [(rel, label) for rel, (label, _) in written.items()]
    (tmp_path / "labels.csv").write_text(
        "speaker,file,label\n" + "".join(f"x,./{r},{lab}\n" for r, lab in rows[::-1]))
    (tmp_path / "labels.tsv").write_text(
        "file\tlabel\n" + "".join(f"{r}\t{lab}\n" for r, lab in rows))
    outs = {}
    for name, rule in (("pattern", BY_FOLDER), ("csv", tmp_path / "labels.csv"),
                       ("tsv", str(tmp_path / "labels.tsv"))):
        preprocess_folder(src, tmp_path / f"{name}.h5", label_from=rule, progress=False)
        with h5py.File(tmp_path / f"{name}.h5") as f:
            outs[name] = (f["X"][()], f["y"][()], [v.decode() for v in f["class_names"][()]])
    for name in ("csv", "tsv"):
        np.testing.assert_array_equal(outs[name][0], outs["pattern"][0])
        np.testing.assert_array_equal(outs[name][1], outs["pattern"][1])
        assert outs[name][2] == outs["pattern"][2] == ["bird", "cat", "dog"]


def test_integer_labels_are_ordered_by_value(tmp_path):
    from scipy.io import wavfile

    for label in ("2", "10"):
        for i in range(2):
            (tmp_path / "s" / label).mkdir(parents=True, exist_ok=True)
            wavfile.write(tmp_path / "s" / label / f"{i}.wav", 8000, _pcm(300, 400))
    report = preprocess_folder(tmp_path / "s", tmp_path / "o.h5", label_from=BY_FOLDER,
                               progress=False)
    assert report.class_names == ["2", "10"]  # not string order ('10' < '2')


def test_refused_files_are_counted_with_the_rule_and_strict_raises(tmp_path, caplog):
    from scipy.io import wavfile

    src = tmp_path / "clips"
    _tones(src)
    for bad in ("Dog_7.wav", "noise.wav", "sub/cat-1.wav"):
        (src / bad).parent.mkdir(exist_ok=True)
        wavfile.write(src / bad, 8000, _pcm(300, 400))
    with caplog.at_level("WARNING"):
        report = preprocess_folder(src, tmp_path / "o.h5", label_from=r"^" + FLAT,
                                   progress=False)
    assert report.n_written == 9
    assert [f for f, _ in report.refused] == ["Dog_7.wav", "noise.wav", "sub/cat-1.wav"]
    assert all("must match --label-from" in rule for _, rule in report.refused)
    lines = [r.getMessage() for r in caplog.records if "ignoring" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("ignoring 3 of 12 wav files")
    assert "Dog_7.wav" in lines[0] and "group 'label'" in lines[0]
    assert "3 files refused" in report.summary()
    with h5py.File(tmp_path / "o.h5") as f:
        assert [r[0] for r in json.loads(f.attrs["refused"])] == [f for f, _ in report.refused]
    with pytest.raises(ValueError, match="3 of 12 wav files .* get no label: its path"):
        preprocess_folder(src, tmp_path / "strict.h5", label_from=r"^" + FLAT, strict=True,
                          progress=False)
    assert not (tmp_path / "strict.h5").exists()
    # a label file: a wav it does not list is refused with that rule
    (tmp_path / "l.csv").write_text("file,label\n" + "".join(
        f"{c}_{i}.wav,{c}\n" for c in TONES for i in range(3)))
    report = preprocess_folder(src, tmp_path / "o.h5", label_from=tmp_path / "l.csv",
                               progress=False)
    assert len(report.refused) == 3 and "listed in the 'file' column" in report.refused[0][1]


@pytest.mark.parametrize("label_from, csv_text, match", [
    (r"([a-z]+)_\d+\.wav", None, "no group named 'label'"),
    (r"(?P<label>[a-z+_\d", None, "not a valid regular expression"),
    (r"\.(?P<label>wav)$", None, "1 class .* at least 2"),  # every clip is "wav"
    (r"(?P<label>[a-z]+_[01])\.wav", None, "classes have a single clip"),
    ("labels.csv", "file,label\ndog_0.wav,dog\ngone.wav,dog\n", "line 3: 'gone.wav' is not"),
    ("labels.csv", "name,class\ndog_0.wav,dog\n", "header row naming the columns 'file'"),
    ("labels.csv", "file,label\ndog_0.wav,dog\ndog_0.wav,cat\n", "again \\(first on line 2"),
    ("labels.csv", "file,label\ndog_0.wav,\n", "no label for"),
    ("missing.csv", None, "no such file"),
])
def test_bad_label_sources_raise_before_anything_is_written(tmp_path, label_from, csv_text,
                                                            match):
    src = tmp_path / "clips"
    _tones(src)
    if csv_text is not None:
        (tmp_path / label_from).write_text(csv_text)
    if label_from.endswith(".csv"):
        label_from = tmp_path / label_from
    with pytest.raises(ValueError, match=match):
        preprocess_folder(src, tmp_path / "o.h5", label_from=label_from, progress=False)
    assert not (tmp_path / "o.h5").exists()


def test_mixed_sample_rates_are_refused_without_fs_and_resampled_with_it(tmp_path):
    from scipy.io import wavfile

    src = tmp_path / "clips"
    _tones(src)
    wavfile.write(src / "dog_9.wav", 16000, _pcm(300, 1600, rate=16000))  # 0.1 s at 16 kHz
    with pytest.raises(ValueError, match=r"8000 Hz \(9 files\), 16000 Hz \(1 files\).*--fs"):
        preprocess_folder(src, tmp_path / "o.h5", label_from=FLAT, progress=False)
    assert not (tmp_path / "o.h5").exists()
    report = preprocess_folder(src, tmp_path / "o.h5", label_from=FLAT, fs=8000, progress=False)
    assert report.fs == 8000.0 and report.n_written == 10
    with h5py.File(tmp_path / "o.h5") as f:
        files = [v.decode() for v in f["files"][()]]
        i = files.index("dog_9.wav")
        n = int(f["lengths"][i])
        clip = f["X"][i, 0, :n]
    assert n == 800  # 0.1 s at 8 kHz
    assert abs(np.abs(np.fft.rfft(clip)).argmax() * 8000 / n - 300) <= 10
    with pytest.raises(ValueError, match="fs .* positive whole number"):
        preprocess_folder(src, tmp_path / "o.h5", label_from=FLAT, fs=8000.5, progress=False)


def test_unreadable_wavs_are_skipped_with_the_reason_and_the_classes_checked_again(tmp_path):
    from scipy.io import wavfile

    src = tmp_path / "clips"
    _tones(src)
    (src / "cat_5.wav").write_bytes(b"RIFF....not a wav")
    report = preprocess_folder(src, tmp_path / "o.h5", label_from=FLAT, progress=False)
    assert report.n_written == 9 and report.skipped[0][0] == "cat_5.wav"
    assert "unreadable" in report.skipped[0][1] and "1 files skipped" in report.summary()
    with pytest.raises(ValueError, match="cat_5.wav: unreadable"):
        preprocess_folder(src, tmp_path / "s.h5", label_from=FLAT, strict=True, progress=False)
    # skipping leaves 'owl' with one readable clip: refused before writing
    wavfile.write(src / "owl_0.wav", 8000, _pcm(300, 400))
    (src / "owl_1.wav").write_bytes(b"RIFF....")
    with pytest.raises(ValueError, match="single clip after skipping unreadable files: 'owl'"):
        preprocess_folder(src, tmp_path / "x.h5", label_from=FLAT, progress=False)
    assert not (tmp_path / "x.h5").exists()


def test_bit_depths_are_scaled_to_full_scale_and_long_clips_cut(tmp_path):
    from scipy.io import wavfile

    src = tmp_path / "clips"
    src.mkdir()
    wavfile.write(src / "a_0.wav", 8000, np.full(100, 255, np.uint8))
    wavfile.write(src / "a_1.wav", 8000, np.full(100, -2**31, np.int32))
    wavfile.write(src / "b_0.wav", 8000, np.full(100, 0.25, np.float32))
    burst = np.zeros(8000, np.float32)
    burst[5000:5400] = 0.5  # 1 s with a 50 ms burst
    wavfile.write(src / "b_1.wav", 8000, burst)
    report = preprocess_folder(src, tmp_path / "o.h5", label_from=r"(?P<label>[ab])_",
                               max_seconds=0.1, progress=False)
    assert report.n_trimmed == 1
    with h5py.File(tmp_path / "o.h5") as f:
        X, lengths = f["X"][()], f["lengths"][()]
    assert lengths.tolist() == [100, 100, 100, 800]
    np.testing.assert_allclose(X[:3, 0, :100], [[127 / 128] * 100, [-1.0] * 100, [0.25] * 100])
    assert X[3, 0, :800].sum() == pytest.approx(0.5 * 400)  # the whole burst is kept


def test_data_audio_command_prints_the_next_step_and_refuses_bad_input_in_one_line(
        tmp_path, capsys):
    src = tmp_path / "clips"
    _tones(src, layout="folders")
    out = tmp_path / "clips.h5"
    assert main(["data", "audio", "--src", str(src), "--out", str(out), "--label-from",
                 BY_FOLDER, "--quiet"]) == 0
    text = capsys.readouterr().out
    assert f"9 clips of 3 classes (3 bird, 3 cat, 3 dog) at 8000 Hz written to {out}" in text
    assert f"freqxai train custom --data {out}" in text
    bad = [
        ["--label-from", "([a-z]+)/"],  # no group 'label'
        [],  # no --label-from
        ["--label-from", BY_FOLDER, "--fs", "-3"],
        ["--label-from", str(tmp_path / "none.csv")],
    ]
    for extra in bad:
        rc = main(["data", "audio", "--src", str(src), "--out", str(tmp_path / "b.h5"),
                   "--quiet", *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and err[0].startswith("freqxai: error: "), (extra, err)
    assert not (tmp_path / "b.h5").exists()
    assert main(["data", "fsdd", "--src", str(src), "--out", str(tmp_path / "b.h5"),
                 "--label-from", BY_FOLDER, "--quiet"]) == 2
    assert "read only by 'freqxai data audio'" in capsys.readouterr().err


def test_train_custom_accepts_a_folder_file(tmp_path, capsys):
    src = tmp_path / "clips"
    _tones(src, layout="folders")
    preprocess_folder(src, tmp_path / "clips.h5", label_from=BY_FOLDER, progress=False)
    rc = main(["train", "custom", "--data", str(tmp_path / "clips.h5"), "--epochs", "1",
               "--out", str(tmp_path / "model"), "--accelerator", "cpu", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert "freqxai run custom --data TEST_FILE" in capsys.readouterr().out
    state = torch.load(tmp_path / "model" / "model.pt", weights_only=True)
    assert [v for k, v in state.items() if k.endswith("weight")][-1].shape[0] == 3  # 3 classes

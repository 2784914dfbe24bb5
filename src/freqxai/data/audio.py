"""Audio from raw wav files: the spoken-digit corpora AudioMNIST (Becker et al.) and FSDD, and any
folder of labelled wav files.

Spoken digits: preprocessing follows the AudioNet recipe of the AudioMNIST repository: resample to
8 kHz, place each clip in a 1 s frame of 8000 samples at a random (seeded) offset with zero
padding, and divide by the frame's 95th percentile plus 0.001. The clip's DC offset is removed
first, and a clip so short that the frame's 95th percentile is (near) zero is scaled by the 95th
percentile of its absolute values instead (counted in the report); without these, a few short
FSDD clips come out scaled by 1e6 and derail training. Resampling uses
``scipy.signal.resample_poly``, a polyphase FIR resampler with a Kaiser-windowed anti-aliasing
low-pass (the original used ``librosa.resample(res_type="scipy")``, an FFT resampler; scipy's
polyphase filter is the maintained choice that needs no extra dependency). Clips longer than 1 s,
which the original code rejects, are cut to their most energetic second and counted. Unreadable,
non-mono or empty files are reported and skipped (or raise with ``strict=True``).

Any audio classification task: :func:`preprocess_folder` reads every ``.wav`` under a folder,
labels each from its path (a regular expression) or from a CSV file, and writes the data file
that ``freqxai train custom --data`` and ``freqxai run custom --data`` read (clips at their own
length, with ``lengths``; ``fs``; ``class_names``).

Everything is read from a path the user gives; nothing is downloaded.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path, PurePosixPath

import h5py
import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly
from tqdm.auto import tqdm

from .._io import atomic_path, ensure_writable_dir
from .splits import audiomnist_speakers, fsdd_speakers

log = logging.getLogger(__name__)

__all__ = [
    "FS",
    "LENGTH",
    "AudioDataset",
    "PreprocessReport",
    "preprocess_audiomnist",
    "preprocess_fsdd",
    "preprocess_folder",
    "load_audio",
    "split_indices",
    "n_classes",
]

FS = 8000
LENGTH = 8000
_AUDIOMNIST_NAME = re.compile(r"^(\d)_(\d{2})_(\d+)\.wav$")
_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z0-9]+)_(\d+)\.wav$")
_FSDD_RULE = ("{digit}_{speaker}_{index}.wav: a digit 0-9, a speaker name of letters and digits, "
              "an index of digits")
RESAMPLER = "scipy.signal.resample_poly (polyphase FIR, Kaiser window beta=5)"
_LABEL_COLUMNS = ("file", "label")  # the header of a --label-from CSV/TSV file
_SHOWN = 3  # refused files named in the one-line summary


@dataclass
class PreprocessReport:
    """What preprocessing did: counts, trimmed clips, and the files left out with the reason.

    Attributes
    ----------
    n_written : int
        Clips written to ``out``.
    n_trimmed : int
        Clips cut to their most energetic part (1 s for the spoken digits; ``max_seconds`` for
        :func:`preprocess_folder`).
    n_rescaled : int
        Spoken digits too short for the frame's 95th percentile, scaled by the percentile of
        ``|clip|`` instead.
    skipped : list of (str, str)
        Files that could not be used (unreadable, not mono, empty, too short), with the reason.
    out : Path or None
        The file written.
    refused : list of (str, str)
        Files :func:`preprocess_folder` left out because their path gives no label, with the
        rule they broke.
    class_names : list of str
        The classes of :func:`preprocess_folder`'s output, in class-index order.
    class_counts : list of int
        Clips written per class, in the same order.
    fs : float or None
        The sampling rate of :func:`preprocess_folder`'s output in Hz.

    Examples
    --------
    >>> from freqxai.data.audio import PreprocessReport
    >>> report = PreprocessReport(n_written=2, skipped=[("bad.wav", "empty recording")],
    ...                           out="digits.h5")
    >>> print(report.summary())  # doctest: +NORMALIZE_WHITESPACE
    2 clips written to digits.h5
    0 clips longer than 1 s cut to their most energetic second
    0 clips too short for the frame's 95th percentile, scaled by the percentile of |clip| instead
    1 files skipped:
      bad.wav: empty recording
    """

    n_written: int = 0
    n_trimmed: int = 0
    n_rescaled: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    out: Path | None = None
    refused: list[tuple[str, str]] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    class_counts: list[int] = field(default_factory=list)
    fs: float | None = None

    def summary(self) -> str:
        """The report in a few lines (the skipped files: the first 20, with their reasons)."""
        if self.class_names:  # a folder of labelled clips (preprocess_folder)
            classes = ", ".join(f"{n} {c}" for n, c in zip(self.class_counts, self.class_names,
                                                             strict=True))
            lines = [f"{self.n_written} clips of {len(self.class_names)} classes ({classes}) at "
                     f"{self.fs:g} Hz written to {self.out}"]
            if self.n_trimmed:
                lines.append(f"{self.n_trimmed} clips cut to their most energetic part "
                             "(max_seconds)")
            if self.refused:
                lines.append(f"{len(self.refused)} files refused: {self.refused[0][1]} (e.g. "
                             f"{', '.join(f for f, _ in self.refused[:_SHOWN])}; all listed in "
                             "the file's attrs 'refused')")
        else:
            lines = [f"{self.n_written} clips written to {self.out}",
                     f"{self.n_trimmed} clips longer than 1 s cut to their most energetic second",
                     f"{self.n_rescaled} clips too short for the frame's 95th percentile, scaled "
                     "by the percentile of |clip| instead"]
        if self.skipped:
            lines.append(f"{len(self.skipped)} files skipped:")
            lines += [f"  {f}: {why}" for f, why in self.skipped[:20]]
            if len(self.skipped) > 20:
                lines.append(f"  ... and {len(self.skipped) - 20} more (listed in the file's attrs)")
        return "\n".join(lines)


def _read_mono(path: Path, *, full_scale: bool = False) -> tuple[int, np.ndarray]:
    """Sample rate and float64 samples of a mono wav; ValueError with the reason otherwise.

    With ``full_scale`` integer PCM is divided by its full scale (``int16``: 32768; ``uint8`` is
    centred on 128 first), so every file lies in [-1, 1] whatever its bit depth; float wavs are
    kept as they are.
    """
    try:
        rate, data = wavfile.read(path)
    except Exception as err:  # scipy raises many types for malformed files: one bad file is skipped
        raise ValueError(f"unreadable wav ({type(err).__name__}: {err})") from err
    if data.ndim != 1:
        if data.ndim == 2 and data.shape[1] == 1:
            data = data[:, 0]
        else:
            raise ValueError(f"not mono ({data.shape[1] if data.ndim == 2 else '?'} channels)")
    if data.size == 0:
        raise ValueError("empty recording")
    kind, bits = data.dtype.kind, data.dtype.itemsize * 8
    samples = data.astype(np.float64)
    if full_scale and kind == "u":
        samples = (samples - 2.0 ** (bits - 1)) / 2.0 ** (bits - 1)
    elif full_scale and kind == "i":
        samples /= 2.0 ** (bits - 1)
    if not np.isfinite(samples).all():
        raise ValueError("non-finite samples (NaN or Inf)")
    return int(rate), samples


def _resample(data: np.ndarray, rate: int, fs: int) -> np.ndarray:
    """``data`` sampled at ``rate`` Hz resampled to ``fs`` Hz (:data:`RESAMPLER`)."""
    if rate == fs:
        return data
    ratio = Fraction(fs, rate).limit_denominator(1000)
    return resample_poly(data, ratio.numerator, ratio.denominator)


def _most_energetic(data: np.ndarray, length: int) -> tuple[np.ndarray, bool]:
    """The ``length`` consecutive samples of ``data`` with the most energy (the first such window
    on ties), and whether ``data`` was cut; one pass over cumulative energy, any clip length."""
    if len(data) <= length:
        return data, False
    energy = np.concatenate([[0.0], np.cumsum(data**2)])
    start = int(np.argmax(energy[length:] - energy[:-length]))
    return data[start : start + length], True


def _to_frame(data: np.ndarray, rate: int, rng: np.random.Generator) -> tuple[np.ndarray, bool, bool]:
    """Resample to 8 kHz, embed in 8000 samples at a random offset, scale by the 95th percentile.

    Returns the frame, whether the clip was cut to 1 s, and whether the scale fell back to the
    percentile of ``|clip|`` (see :func:`preprocess_audiomnist`).
    """
    data = data - data.mean()  # a DC offset would shift the percentile (seen in FSDD clips)
    data = _resample(data, rate, FS)
    data, trimmed = _most_energetic(data, LENGTH)  # keep the most energetic second
    frame = np.zeros(LENGTH)
    offset = int(rng.integers(0, LENGTH - len(data))) if len(data) < LENGTH else 0
    frame[offset : offset + len(data)] = data
    scale = np.percentile(frame, 95)
    fallback = scale < 0.01 * np.abs(data).max()
    if fallback:  # a clip shorter than ~0.1 s: over 95 % of the frame is padding
        scale = np.percentile(np.abs(data), 95)
    frame /= scale + 0.001
    return frame.astype(np.float32), trimmed, bool(fallback)


@dataclass
class _Clip:
    path: Path
    digit: int
    speaker: int
    repetition: int


def check_output_file(out: str | Path) -> Path:
    """Refuse an output that is a folder or sits in a folder that cannot be written, before any
    file is read."""
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"--out {out} is a folder; give the HDF5 file to write, e.g. {out / 'data.h5'}")
    parent = out.parent if str(out.parent) else Path(".")
    ensure_writable_dir(parent, "folder of --out")
    return out


def _check_seed(seed) -> None:
    """The placement seed, checked before any file is read (numpy takes integers >= 0; the
    HDF5 file stores it as int64)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")


def _skip(report: PreprocessReport, name: str, err: ValueError, strict: bool) -> None:
    """Record a file that cannot be used, or raise with ``strict``."""
    if strict:
        raise ValueError(f"{name}: {err}") from err
    log.warning("skipping %s: %s", name, err)
    report.skipped.append((name, str(err)))


def _read_each(paths: Sequence[Path], names: Sequence[str], report: PreprocessReport,
               strict: bool, progress: bool, desc: str, *, full_scale: bool = False
               ) -> Iterator[tuple[int, int, np.ndarray]]:
    """``(index, rate, samples)`` of each readable mono wav, in order, one file at a time; the
    others are recorded in ``report.skipped`` under their name (or raise with ``strict``)."""
    for i, path in enumerate(tqdm(paths, desc=desc, disable=not progress, unit="file")):
        try:
            rate, data = _read_mono(path, full_scale=full_scale)
        except ValueError as err:
            _skip(report, names[i], err, strict)
            continue
        yield i, rate, data


def _write(out: Path, datasets: dict[str, np.ndarray], attrs: dict) -> None:
    """One HDF5 file, atomically: the datasets (``signals``/``X`` gzip-compressed) and attrs."""
    with atomic_path(out) as tmp, h5py.File(tmp, "w") as f:
        for name, value in datasets.items():
            f.create_dataset(name, data=value,
                             compression="gzip" if name in ("signals", "X") else None)
        for k, v in attrs.items():
            f.attrs[k] = v


def _process(clips: list[_Clip], out: Path, attrs: dict, seed: int, strict: bool,
             progress: bool, desc: str) -> PreprocessReport:
    rng = np.random.default_rng(seed)
    attrs = dict(attrs)
    genders = attrs.pop("_genders")
    report = PreprocessReport(out=out)
    signals, keep = [], []
    paths = [c.path for c in clips]
    for i, rate, data in _read_each(paths, [str(p) for p in paths], report, strict, progress,
                                    desc):
        try:
            frame, trimmed, fallback = _to_frame(data, rate, rng)
            if not np.isfinite(frame).all():
                raise ValueError("non-finite samples after scaling (silent clip?)")
        except ValueError as err:
            _skip(report, str(paths[i]), err, strict)
            continue
        report.n_trimmed += trimmed
        report.n_rescaled += fallback
        signals.append(frame)
        keep.append(clips[i])
    if not keep:
        raise ValueError(f"no readable recordings among {len(clips)} files; see the skipped list")
    _write(out, {"signals": np.stack(signals)[:, None, :],
                 "digit": np.array([c.digit for c in keep], dtype=np.int64),
                 "speaker": np.array([c.speaker for c in keep], dtype=np.int64),
                 "repetition": np.array([c.repetition for c in keep], dtype=np.int64),
                 "gender": np.array([genders[c.speaker] for c in keep], dtype=np.int64)},
           attrs | {"fs": FS, "length": LENGTH, "seed": seed, "resampler": RESAMPLER,
                    "n_trimmed": report.n_trimmed, "n_rescaled": report.n_rescaled,
                    "skipped": json.dumps(report.skipped)})
    report.n_written = len(keep)
    return report


def preprocess_audiomnist(src: str | Path, out: str | Path, seed: int = 0, strict: bool = False,
                          progress: bool = True) -> PreprocessReport:
    """Preprocess a clone of the AudioMNIST repository into one HDF5 file.

    Parameters
    ----------
    src : path
        The repository root (holding ``data/01/0_01_0.wav`` ... and ``data/audioMNIST_meta.txt``)
        or its ``data`` folder.
    out : path
        The HDF5 file to write (atomically).
    seed : int
        Seed of the random placement of each clip in its frame.
    strict : bool
        Raise on the first bad file instead of skipping and reporting it.
    progress : bool
        Show a progress bar.

    Returns
    -------
    PreprocessReport
        Counts and the files skipped; :func:`load_audio` reads ``out``.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from scipy.io import wavfile
    >>> from freqxai.data.audio import load_audio, preprocess_audiomnist
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "data" / "01").mkdir(parents=True)
    >>> meta = root / "data" / "audioMNIST_meta.txt"
    >>> _ = meta.write_text(json.dumps({"01": {"gender": "female"}}))
    >>> tone = (8000 * np.sin(np.arange(9600) / 5)).astype(np.int16)  # 0.2 s at 48 kHz
    >>> for digit in range(3):
    ...     wavfile.write(root / "data" / "01" / f"{digit}_01_0.wav", 48000, tone)
    >>> report = preprocess_audiomnist(root, root / "am.h5", progress=False)
    >>> report.n_written
    3
    >>> ds = load_audio(root / "am.h5")
    >>> ds.signals.shape, ds.digit.tolist(), ds.gender.tolist()
    ((3, 1, 8000), [0, 1, 2], [1, 1, 1])
    """
    _check_seed(seed)
    out = check_output_file(out)
    src = Path(src)
    data_dir = src / "data" if (src / "data").is_dir() else src
    meta_path = data_dir / "audioMNIST_meta.txt"
    if not data_dir.is_dir():
        raise ValueError(f"{src} is not a folder")
    if not meta_path.is_file():
        raise ValueError(f"speaker metadata not found: {meta_path} (expected in the AudioMNIST "
                         "layout data/audioMNIST_meta.txt)")
    try:
        meta = json.loads(meta_path.read_text())  # JSON, never eval
    except json.JSONDecodeError as err:
        raise ValueError(f"{meta_path} is not valid JSON: {err}") from err
    clips = []
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        for wav in sorted(folder.glob("*.wav")):
            m = _AUDIOMNIST_NAME.match(wav.name)
            if m is None:
                log.warning("ignoring %s: not named digit_speaker_repetition.wav", wav)
                continue
            clips.append(_Clip(wav, int(m.group(1)), int(m.group(2)), int(m.group(3))))
    if not clips:
        raise ValueError(f"no recordings found under {data_dir}: expected the AudioMNIST layout "
                         "data/NN/D_NN_R.wav (speaker folders 01..60)")
    genders = {}
    for spk in sorted({c.speaker for c in clips}):
        entry = meta.get(f"{spk:02d}")
        if entry is None or "gender" not in entry:
            raise ValueError(f"{meta_path} has no gender for speaker {spk:02d}")
        genders[spk] = 1 if str(entry["gender"]).strip().lower() == "female" else 0
    attrs = {"dataset": "audiomnist", "source": str(src.resolve()), "_genders": genders}
    return _process(clips, out, attrs, seed, strict, progress, "AudioMNIST")


def preprocess_fsdd(src: str | Path, out: str | Path, seed: int = 0, strict: bool = False,
                    progress: bool = True) -> PreprocessReport:
    """Preprocess the Free Spoken Digit Dataset (``recordings/{digit}_{speaker}_{index}.wav``).

    Speaker names are letters and digits; files named otherwise are left out with one warning
    that counts them and states the rule. Genders come from an optional ``speakers.json``
    (``{"name": {"gender": "female"}}``; male otherwise).

    Parameters
    ----------
    src : path
        The repository root (holding ``recordings/``) or the ``recordings`` folder.
    out : path
        The HDF5 file to write (atomically).
    seed : int
        Seed of the random placement of each clip in its frame.
    strict : bool
        Raise on the first bad file instead of skipping and reporting it.
    progress : bool
        Show a progress bar.

    Returns
    -------
    PreprocessReport
        Counts and the files skipped; :func:`load_audio` reads ``out``.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from scipy.io import wavfile
    >>> from freqxai.data.audio import load_audio, preprocess_fsdd
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "recordings").mkdir()
    >>> tone = (8000 * np.sin(np.arange(2400) / 5)).astype(np.int16)  # 0.3 s at 8 kHz
    >>> for digit in range(2):
    ...     for speaker in ("jackson", "usm7"):
    ...         wavfile.write(root / "recordings" / f"{digit}_{speaker}_0.wav", 8000, tone)
    >>> preprocess_fsdd(root, root / "fsdd.h5", progress=False).n_written
    4
    >>> ds = load_audio(root / "fsdd.h5")
    >>> ds.digit.tolist(), json.loads(ds.attrs["speaker_names"])
    ([0, 0, 1, 1], ['jackson', 'usm7'])
    """
    _check_seed(seed)
    out = check_output_file(out)
    src = Path(src)
    rec = src / "recordings" if (src / "recordings").is_dir() else src
    clips_raw, refused = [], []
    for wav in sorted(rec.glob("*.wav")):
        m = _FSDD_NAME.match(wav.name)
        if m is None:
            refused.append(wav.name)
            continue
        clips_raw.append((wav, int(m.group(1)), m.group(2), int(m.group(3))))
    if refused:  # one line for all of them, with the rule
        log.warning("ignoring %d wav files not named %s (e.g. %s)", len(refused), _FSDD_RULE,
                    ", ".join(refused[:_SHOWN]))
    if not clips_raw:
        raise ValueError(f"no recordings found under {src}: expected the FSDD layout "
                         f"recordings/{_FSDD_RULE}")
    names = sorted({c[2] for c in clips_raw})
    genders = {i: 0 for i in range(len(names))}
    meta_path = src / "speakers.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        genders = {i: 1 if str(meta.get(n, {}).get("gender", "male")).lower() == "female" else 0
                   for i, n in enumerate(names)}
    clips = [_Clip(w, d, names.index(s), r) for w, d, s, r in clips_raw]
    attrs = {"dataset": "fsdd", "source": str(src.resolve()), "speaker_names": json.dumps(names),
             "_genders": genders}
    return _process(clips, out, attrs, seed, strict, progress, "FSDD")


@dataclass
class _Labels:
    """The labels a rule gives: ``{relative path: label}``, the files it refuses with the rule
    each broke, and the rule in words."""

    labels: dict[str, str]
    refused: list[tuple[str, str]]
    rule: str


def _is_table(label_from: str | Path) -> bool:
    """Whether ``label_from`` names a CSV/TSV file rather than a regular expression."""
    if isinstance(label_from, Path):
        return True
    if "(?P<label>" in label_from:
        return False
    try:
        return label_from.lower().endswith((".csv", ".tsv")) or Path(label_from).is_file()
    except OSError:  # a long pattern is no file name
        return False


def _labels_from_pattern(pattern: str, files: list[str]) -> _Labels:
    try:
        rx = re.compile(pattern)
    except re.error as err:
        raise ValueError(f"--label-from '{pattern}' is not a valid regular expression ({err}); "
                         r"e.g. '(?P<label>[a-z]+)_\d+\.wav' or '^(?P<label>[^/]+)/'") from err
    if "label" not in rx.groupindex:
        raise ValueError(f"--label-from '{pattern}' has no group named 'label': write the part of "
                         "the path that names the class as (?P<label>...), e.g. "
                         r"'(?P<label>[a-z]+)_\d+\.wav' or '^(?P<label>[^/]+)/' (a folder per "
                         "class); or give a CSV file with the columns file,label")
    rule = (f"its path relative to --src must match --label-from '{pattern}' (re.search, with a "
            "non-empty group 'label')")
    labels, refused = {}, []
    for rel in files:
        m = rx.search(rel)
        if m is not None and m.group("label"):
            labels[rel] = m.group("label")
        else:
            refused.append((rel, rule))
    return _Labels(labels, refused, rule)


def _relative(cell: str) -> str:
    """A path cell of a label file as the relative POSIX path it names (``./a\\b.wav``:
    ``a/b.wav``)."""
    return PurePosixPath(cell.strip().replace("\\", "/")).as_posix()


def _labels_from_table(path: Path, src: Path, files: list[str]) -> _Labels:
    if not path.is_file():
        raise ValueError(f"--label-from {path}: no such file; give a CSV (or .tsv) file with the "
                         "columns file,label, or a regular expression with a group "
                         "(?P<label>...)")
    tsv = path.suffix.lower() == ".tsv"
    try:
        text = path.read_text(encoding="utf-8-sig")  # (-sig: a spreadsheet's byte-order mark)
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read --label-from {path} as UTF-8 text: {err}") from err
    reader = csv.reader(text.splitlines(), delimiter="\t" if tsv else ",")
    rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    header = [c.strip().lower() for c in rows[0][1]] if rows else []
    if any(c not in header for c in _LABEL_COLUMNS):
        raise ValueError(f"--label-from {path} must start with a header row naming the columns "
                         f"'file' and 'label' ({'tab' if tsv else 'comma'}-separated; other "
                         f"columns are ignored), got {rows[0][1] if rows else 'an empty file'}")
    fi, li = (header.index(c) for c in _LABEL_COLUMNS)
    present = set(files)
    labels: dict[str, str] = {}
    first_line: dict[str, int] = {}
    bad: list[str] = []
    for line, row in rows[1:]:
        cells = row + [""] * (max(fi, li) + 1 - len(row))
        rel, label = _relative(cells[fi]), cells[li].strip()
        if not label:
            bad.append(f"line {line}: no label for {cells[fi].strip()!r}")
        elif rel not in present:
            bad.append(f"line {line}: {cells[fi].strip()!r} is not a .wav file under {src}")
        elif rel in labels:
            bad.append(f"line {line}: {rel!r} again (first on line {first_line[rel]})")
        else:
            labels[rel], first_line[rel] = label, line
    if bad:
        raise ValueError(f"--label-from {path} has {len(bad)} bad rows ({'; '.join(bad[:_SHOWN])}"
                         f"{'; ...' if len(bad) > _SHOWN else ''}): give each .wav once, by its "
                         "path relative to --src with '/', with a non-empty label")
    rule = f"it must be listed in the 'file' column of --label-from {path}"
    return _Labels(labels, [(rel, rule) for rel in files if rel not in labels], rule)


def _class_names(labels: Sequence[str]) -> list[str]:
    """The distinct labels in class-index order: by value when all are integers ('2' before
    '10'), else sorted as strings."""
    names = set(labels)
    if all(re.fullmatch(r"[+-]?\d+", n) for n in names):
        return sorted(names, key=lambda n: (int(n), n))
    return sorted(names)


def _check_classes(labels: Sequence[str], files: Sequence[str], label_from: str,
                   when: str = "") -> None:
    """At least 2 classes, each with at least 2 clips, else ValueError naming the fix."""
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError(f"--label-from {label_from} gives {len(counts)} class "
                         f"({', '.join(map(repr, counts))}) for {len(labels)} files{when}: a "
                         "classifier needs at least 2; check that the label captures the part of "
                         "the path that names the class")
    single = [c for c in _class_names(labels) if counts[c] == 1]
    if single:
        where = {lab: f for lab, f in zip(labels, files, strict=True) if lab in single}
        shown = ", ".join(f"{c!r} ({where[c]})" for c in single[:_SHOWN])
        raise ValueError(f"{len(single)} classes have a single clip{when}: {shown}"
                         f"{', ...' if len(single) > _SHOWN else ''}; training holds out "
                         "clips of every class for validation, so each class needs at least 2: "
                         "add clips, or leave those files out of --label-from")


def _check_fs(fs: float | None) -> int | None:
    if fs is None:
        return None
    if (isinstance(fs, bool) or not isinstance(fs, int | float | np.integer | np.floating)
            or not np.isfinite(fs) or fs <= 0 or float(fs) != int(fs)):
        raise ValueError(f"fs (--fs) must be a positive whole number of Hz, e.g. 16000, got {fs!r}")
    return int(fs)


def preprocess_folder(src: str | Path, out: str | Path, *, label_from: str | Path,
                      fs: float | None = None, max_seconds: float | None = None,
                      strict: bool = False, progress: bool = True) -> PreprocessReport:
    """Every ``.wav`` under a folder, labelled from its path or a CSV file, into one data file.

    The data file is what ``freqxai train custom --data`` and ``freqxai run custom --data`` read
    (:func:`freqxai.runner.tasks.read_data_file`): ``X`` ``(n, 1, longest)`` float32, each clip
    zero-padded after its end; ``lengths`` (samples per clip); ``y`` (class indices); the
    attributes ``fs`` (Hz) and the dataset ``class_names``; plus ``files`` (each clip's path
    relative to ``src``). Files are read recursively in sorted order, so the same folder gives
    the same file. Integer PCM is divided by its full scale (int16 by 32768), so every clip lies in
    [-1, 1] whatever its bit depth; float wavs are kept as they are. Nothing else is done to the
    samples: no framing, padding, centring or scaling.

    Every check runs before anything is written: a bad ``label_from``, a label file row that
    names no wav, fewer than 2 classes or a class of one clip raise ``ValueError``. A wav whose
    path gives no label is refused with the rule it broke (one warning counts them, names the
    first few and states the rule; all are in the report and in the file's attrs ``refused``).
    An unreadable, non-mono, empty or non-finite wav is skipped with its reason, as by
    :func:`preprocess_fsdd`. ``strict`` raises on the first refused or skipped file instead.

    Parameters
    ----------
    src : path
        The folder holding the ``.wav`` files (any depth; other files are ignored).
    out : path
        The HDF5 file to write (atomically).
    label_from : str or path
        Where each clip's class comes from: either a regular expression with a group named
        ``label``, searched (``re.search``) in the path relative to ``src`` with ``/``
        separators, e.g. ``r"(?P<label>[a-z]+)_\\d+\\.wav"`` (``dog_3.wav``: ``dog``) or
        ``r"^(?P<label>[^/]+)/"`` (a folder per class: ``dog/3.wav``: ``dog``); or a CSV file
        (``.tsv``: tab-separated) whose header row names the columns ``file`` (the path relative
        to ``src``) and ``label`` (other columns are ignored). A ``Path``, a string ending in
        ``.csv``/``.tsv`` or naming an existing file is a label file; any other string a pattern.
        Labels are strings; their class indices follow sorted order (by value when every label is
        an integer).
    fs : float, optional
        Resample every clip to this rate in Hz (:data:`RESAMPLER`). Default: the files' own rate,
        which must then be one: files of several rates are refused, naming the rates found,
        rather than resampled silently.
    max_seconds : float, optional
        Cut longer clips to their most energetic ``max_seconds`` (counted in the report); by
        default every clip is kept whole.
    strict : bool
        Raise on the first refused or unreadable file instead of leaving it out and reporting it.
    progress : bool
        Show a progress bar.

    Returns
    -------
    PreprocessReport
        Clips written per class, the sampling rate, the refused and skipped files.

    Raises
    ------
    ValueError
        Before anything is written, naming the argument and the fix: ``out`` a folder or not
        writable, ``src`` not a folder or without wav files, a bad ``label_from`` (no group
        ``label``, an invalid pattern, a label file without the columns, a row naming no wav,
        a file twice, an empty label), fewer than 2 classes, a class with one clip, several
        sample rates without ``fs``, and, with ``strict``, any refused or unreadable file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from scipy.io import wavfile
    >>> from freqxai.data.audio import preprocess_folder
    >>> from freqxai.runner.tasks import read_data_file
    >>> src = Path(tempfile.mkdtemp())
    >>> for i, (name, hz) in enumerate([("low", 300), ("high", 1200)] * 2):
    ...     (src / name).mkdir(exist_ok=True)
    ...     t = np.arange(800 + 80 * i) / 8000  # 0.1 s to 0.13 s at 8 kHz
    ...     wavfile.write(src / name / f"clip{i}.wav", 8000,
    ...                   (10000 * np.sin(2 * np.pi * hz * t)).astype(np.int16))
    >>> report = preprocess_folder(src, src / "tones.h5", label_from=r"^(?P<label>[^/]+)/",
    ...                            progress=False)
    >>> print(report.summary())  # doctest: +ELLIPSIS
    4 clips of 2 classes (2 high, 2 low) at 8000 Hz written to .../tones.h5
    >>> d = read_data_file(src / "tones.h5")  # what 'freqxai train/run custom --data' read
    >>> d["X"].shape, d["y"].tolist(), d["lengths"].tolist(), d["class_names"], d["fs"]
    ((4, 1, 1040), [0, 0, 1, 1], [880, 1040, 800, 960], ['high', 'low'], 8000.0)

    The same labels from a CSV file:

    >>> _ = (src / "labels.csv").write_text("file,label\\nlow/clip0.wav,low\\n"
    ...     "high/clip1.wav,high\\nlow/clip2.wav,low\\nhigh/clip3.wav,high\\n")
    >>> preprocess_folder(src, src / "csv.h5", label_from=src / "labels.csv",
    ...                   progress=False).class_names
    ['high', 'low']
    """
    out = check_output_file(out)
    src = Path(src)
    if not src.is_dir():
        raise ValueError(f"--src {src} is not a folder; give the folder that holds the .wav files")
    target = _check_fs(fs)
    if max_seconds is not None and (
            isinstance(max_seconds, bool) or not isinstance(max_seconds, int | float)
            or not 0 < max_seconds < np.inf):
        raise ValueError(f"max_seconds (--max-seconds) must be a positive number of seconds, got "
                         f"{max_seconds!r}")
    if not isinstance(label_from, str | Path):
        raise TypeError(f"label_from (--label-from) must be a regular expression with a group "
                        f"(?P<label>...) or the path of a CSV file, got {type(label_from).__name__}")
    table = _is_table(label_from)
    if not table:  # a pattern is checked before the folder is listed
        _labels_from_pattern(str(label_from), [])
    files = sorted(p.relative_to(src).as_posix() for p in src.rglob("*")
                   if p.suffix.lower() == ".wav" and p.is_file())
    if not files:
        raise ValueError(f"no .wav files under --src {src}")
    rules = (_labels_from_table(Path(label_from), src, files) if table
             else _labels_from_pattern(str(label_from), files))
    shown = str(label_from) if table else f"'{label_from}'"
    if rules.refused:
        names = ", ".join(f for f, _ in rules.refused[:_SHOWN])
        if strict:
            raise ValueError(f"{len(rules.refused)} of {len(files)} wav files under {src} get no "
                             f"label: {rules.rule} (e.g. {names}); fix --label-from or move the "
                             "files, or run without strict (--strict) to skip them")
        log.warning("ignoring %d of %d wav files: %s (e.g. %s)", len(rules.refused), len(files),
                    rules.rule, names)
    if not rules.labels:
        raise ValueError(f"none of the {len(files)} wav files under {src} gets a label: "
                         f"{rules.rule} (e.g. {files[0]!r})")
    chosen = [f for f in files if f in rules.labels]  # sorted paths, whatever the CSV's order
    _check_classes([rules.labels[f] for f in chosen], chosen, shown)

    report = PreprocessReport(out=out, refused=rules.refused)
    series, kept, rates = [], [], Counter()
    for i, rate, data in _read_each([src / f for f in chosen], chosen, report, strict, progress,
                                    "audio", full_scale=True):
        rate_out = target or rate
        data = _resample(data, rate, rate_out)
        if max_seconds is not None:
            data, trimmed = _most_energetic(data, max(2, round(max_seconds * rate_out)))
            report.n_trimmed += trimmed
        if len(data) < 2:
            _skip(report, chosen[i], ValueError("shorter than 2 samples"), strict)
            continue
        series.append(data.astype(np.float32))
        kept.append(chosen[i])
        rates[rate] += 1
    if not kept:
        raise ValueError(f"no readable recordings among {len(chosen)} files; see the skipped list")
    if target is None and len(rates) > 1:
        found = ", ".join(f"{r} Hz ({n} files)" for r, n in sorted(rates.items()))
        raise ValueError(f"the wav files have {len(rates)} sample rates: {found}; give fs "
                         f"(--fs HZ) to resample them all to one, e.g. --fs "
                         f"{rates.most_common(1)[0][0]}")
    labels = [rules.labels[f] for f in kept]
    if report.skipped:
        _check_classes(labels, kept, shown, " after skipping unreadable files")
    names = _class_names(labels)
    index = {n: i for i, n in enumerate(names)}
    y = np.array([index[lab] for lab in labels], dtype=np.int64)
    lengths = np.array([len(x) for x in series], dtype=np.int64)
    X = np.zeros((len(series), 1, int(lengths.max())), dtype=np.float32)  # zero after each end
    for i, x in enumerate(series):
        X[i, 0, : len(x)] = x
    report.fs = float(target or next(iter(rates)))
    report.class_names, report.class_counts = names, np.bincount(y, minlength=len(names)).tolist()
    text = h5py.string_dtype()
    attrs = {"dataset": "audio", "source": str(src.resolve()), "label_from": str(label_from),
             "label_rule": rules.rule, "fs": report.fs, "resampler": RESAMPLER,
             "n_trimmed": report.n_trimmed, "skipped": json.dumps(report.skipped),
             "refused": json.dumps(report.refused)}
    if max_seconds is not None:
        attrs["max_seconds"] = float(max_seconds)
    _write(out, {"X": X, "y": y, "lengths": lengths,
                 "class_names": np.array(names, dtype=text),
                 "files": np.array(kept, dtype=text)}, attrs)
    report.n_written = len(kept)
    return report


@dataclass
class AudioDataset:
    """A preprocessed spoken-digit corpus in memory (:func:`load_audio`).

    Attributes
    ----------
    signals : numpy.ndarray
        ``(n, 1, 8000)`` float32 frames at :data:`FS` Hz.
    digit, gender, speaker : numpy.ndarray
        Per clip: the digit 0-9, the speaker's gender (1 female, 0 male) and the speaker's index.
    attrs : dict
        The file's attributes (``dataset``, ``fs``, ``seed``, the skipped files, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.audio import AudioDataset
    >>> ds = AudioDataset(np.zeros((2, 1, 8000), np.float32), digit=np.array([3, 7]),
    ...                   gender=np.array([0, 1]), speaker=np.array([0, 1]),
    ...                   attrs={"dataset": "fsdd"})
    >>> ds.name, ds.labels("digit").tolist(), ds.labels("gender").tolist()
    ('fsdd', [3, 7], [0, 1])
    """

    signals: np.ndarray
    digit: np.ndarray
    gender: np.ndarray
    speaker: np.ndarray
    attrs: dict

    @property
    def name(self) -> str:
        """The corpus: ``'audiomnist'`` or ``'fsdd'``."""
        return str(self.attrs["dataset"])

    def labels(self, label: str) -> np.ndarray:
        """The class of each clip for the task ``label``: ``'digit'`` or ``'gender'``."""
        if label not in ("digit", "gender"):
            raise ValueError(f"label must be 'digit' or 'gender', got {label!r}")
        return self.digit if label == "digit" else self.gender


def load_audio(path: str | Path) -> AudioDataset:
    """Read an HDF5 file written by :func:`preprocess_audiomnist` or :func:`preprocess_fsdd`.

    (A file of :func:`preprocess_folder` is read by
    :func:`freqxai.runner.tasks.read_data_file`, as ``--data`` of ``train/run custom``.)

    Raises
    ------
    ValueError
        For a missing file, a file that is not HDF5, or one without the spoken-digit datasets.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from scipy.io import wavfile
    >>> from freqxai.data.audio import load_audio, preprocess_fsdd
    >>> root = Path(tempfile.mkdtemp())
    >>> tone = (8000 * np.sin(np.arange(2400) / 5)).astype(np.int16)
    >>> for name in ("0_jackson_0.wav", "1_jackson_0.wav"):
    ...     wavfile.write(root / name, 8000, tone)
    >>> _ = preprocess_fsdd(root, root / "fsdd.h5", progress=False)
    >>> ds = load_audio(root / "fsdd.h5")
    >>> ds.name, ds.signals.shape, int(ds.attrs["fs"])
    ('fsdd', (2, 1, 8000), 8000)
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"data file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as err:  # not HDF5, truncated
        raise ValueError(f"{path} cannot be read as HDF5 ({err}); give the file 'freqxai data' "
                         "wrote") from err
    with f:
        missing = {"signals", "digit", "gender", "speaker"} - set(f)
        if missing:
            hint = (" (a file of 'freqxai data audio' goes to 'freqxai train/run custom --data')"
                    if f.attrs.get("dataset") == "audio" else "")
            raise ValueError(f"{path} is not a freqxai spoken-digit file (missing "
                             f"{sorted(missing)}){hint}")
        return AudioDataset(f["signals"][()], f["digit"][()], f["gender"][()], f["speaker"][()],
                            dict(f.attrs))


def split_indices(ds: AudioDataset, label: str = "digit", fold: int = 0) -> dict[str, np.ndarray]:
    """Indices of train / validate / test clips; no speaker is in two parts.

    AudioMNIST follows the paper's folds (:func:`freqxai.data.splits.audiomnist_speakers`); FSDD
    tests on speaker ``fold``, validates on the next and trains on the rest
    (:func:`freqxai.data.splits.fsdd_speakers`).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.audio import AudioDataset, split_indices
    >>> speaker = np.array([0, 0, 1, 1, 2, 2])
    >>> ds = AudioDataset(np.zeros((6, 1, 8000), np.float32), digit=np.array([0, 1] * 3),
    ...                   gender=np.zeros(6, int), speaker=speaker,
    ...                   attrs={"dataset": "fsdd", "speaker_names": '["a", "b", "c"]'})
    >>> {part: idx.tolist() for part, idx in split_indices(ds, "digit", fold=0).items()}
    {'train': [4, 5], 'validate': [2, 3], 'test': [0, 1]}
    """
    if ds.name == "audiomnist":
        parts = audiomnist_speakers(label, fold)
    else:
        if label == "gender" and len(np.unique(ds.gender)) < 2:
            raise ValueError("this corpus has speakers of one gender only; use label='digit'")
        names = json.loads(ds.attrs.get("speaker_names", "[]")) or sorted(set(ds.speaker.tolist()))
        parts = fsdd_speakers(list(names), fold)
    return {k: np.flatnonzero(np.isin(ds.speaker, v)) for k, v in parts.items()}


def n_classes(label: str) -> int:
    """Number of classes of a task: 10 digits or 2 genders.

    Examples
    --------
    >>> from freqxai.data.audio import n_classes
    >>> n_classes("digit"), n_classes("gender")
    (10, 2)
    """
    return 10 if label == "digit" else 2

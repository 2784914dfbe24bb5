"""What a run explains: test signals, labels, the trained model and (if known) the ground truth.

The data sources (:mod:`freqxai.runner.sources`) build a :class:`Task` with the helpers here
(data files, user models, class-stratified samples); :func:`check_task` checks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import channel_mismatch
from ..domains import Domain

__all__ = ["Task", "check_task", "data_hash", "file_hash", "read_data_file", "stratified_sample",
           "centered"]


@dataclass
class Task:
    """Test data and model of a run.

    Attributes
    ----------
    X, y : test signals ``(n, channels, time)`` float32 and labels.
    fs : sampling rate in Hz used for plots and axes.
    model : the classifier, in eval mode.
    truth_frequencies : per test signal the frequencies (Hz) that define its class, or None.
    model_source : where the model came from (for the record).
    lengths : per test signal its length, for series of unequal length (None: all ``X.shape[-1]``).
        ``X`` then holds them zero-padded after ``lengths[i]``; the padding is storage only:
        every series is explained, scored and summarised at its own length
        (:mod:`freqxai.ragged`).
    """

    X: np.ndarray
    y: np.ndarray
    fs: float
    model: nn.Module
    truth_frequencies: list[tuple[float, ...]] | None = None
    model_source: str = ""
    test_accuracy: float = float("nan")
    class_names: list[str] | None = None
    channel_names: list[str] | None = None
    model_sha256: str = ""
    lengths: np.ndarray | None = None

    def ground_truth(self, domain: Domain) -> list[list[int]] | None:
        """Indices of the ground-truth frequencies in ``domain``'s frequency profile, or None.

        Localization ranks the domain's frequency profile (STFT: relevance summed over frames;
        wavelet: per band), so the indices are its entries holding each true frequency.
        """
        if self.truth_frequencies is None or self.lengths is not None:
            return None
        length = self.X.shape[-1]
        if domain.frequency_axis(length) is None:
            return None
        return [[domain.profile_index(f, length, self.fs or None) for f in fs]
                for fs in self.truth_frequencies]


def data_hash(*arrays: np.ndarray) -> str:
    """SHA-256 of the arrays' bytes (recorded with every run)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file (recorded with every run as the model's provenance)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_data_file(path: str | Path, *, trust_pickle: bool = False) -> dict:
    """``X`` (n, channels, time), optional ``y``, ``fs``, ``class_names``, ``channel_names`` from
    an ``.npz`` (read without pickles) or ``.h5`` file, checked.

    Series of unequal length: a zero-padded ``X`` with a ``lengths`` array (one integer per
    series; what follows ``lengths[i]`` is ignored and set to 0), the safe format, in ``.h5`` or
    ``.npz``; or in an ``.npz`` an object array ``X`` of ``(channels, length_i)`` series, which
    needs ``trust_pickle`` (reading it runs code from the file). Either comes back as a padded
    ``X`` and ``lengths`` (absent when every series has one length).

    MNE epochs (``-epo.fif``, :func:`freqxai.data.eeg.read_epochs`): the EEG/MEG data channels,
    ``sfreq``, channel names and event names as classes, with ``eeg`` True.
    """
    path = Path(path)
    from ..data.eeg import is_epochs_file

    if is_epochs_file(path):  # MNE epochs (-epo.fif): EEG/MEG data channels, events as classes
        from ..data.eeg import read_epochs

        ep = read_epochs(path)
        return {"X": ep.X, "y": ep.y, "fs": ep.fs, "class_names": ep.class_names,
                "channel_names": ep.channel_names, "eeg": True}
    out: dict = {}
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path, allow_pickle=trust_pickle) as d:
                out = {k: d[k] for k in d.files}
        elif path.suffix.lower() in (".h5", ".hdf5"):
            import h5py

            with h5py.File(path, "r") as f:
                out = {k: f[k][()] for k in f.keys() if isinstance(f[k], h5py.Dataset)}
                out.update({k: v for k, v in f.attrs.items() if k not in out})
        else:
            raise ValueError(f"data file {path.name!r} must be .npz or .h5 (with an array 'X'), "
                             "or MNE epochs (-epo.fif)")
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise ValueError(f"cannot read {path} without unpickling: it is not an .npz archive "
                             "of plain arrays (names must be saved as np.array(names, dtype=str); "
                             "series of unequal length as a zero-padded X with a 'lengths' array, "
                             "best in an .h5 file, or an object array X with --trust-pickle if "
                             "you trust the file)") from err
        raise
    except Exception as err:  # OSError, EOFError, zipfile.BadZipFile (a truncated npz), h5py's
        raise ValueError(f"cannot read {path}: {err}") from err
    if "X" not in out:
        raise ValueError(f"{path} must hold an array 'X' (n, channels, time) or (n, time); it has "
                         f"{sorted(out)}")
    X = np.asarray(out["X"])
    lengths = None
    if X.dtype == object:  # an object array of (channels, length_i) series (trusted npz only)
        from ..ragged import pad_series

        series = [np.asarray(v) for v in X.reshape(-1)]
        series = [v[None] if v.ndim == 1 else v for v in series]
        if any(v.dtype.kind not in "fiu" for v in series):
            raise ValueError(f"X in {path} must hold real-valued series, got an object array of "
                             f"{sorted({str(v.dtype) for v in series})}")
        try:
            X, lengths = pad_series(series)
        except (TypeError, ValueError) as err:
            raise ValueError(f"X in {path}: {err}") from err
        if "lengths" in out:
            raise ValueError(f"{path} holds an object array X and 'lengths': give one of them")
    if np.iscomplexobj(X) or X.dtype.kind not in "fiu":
        raise ValueError(f"X in {path} must be real numbers, got dtype {X.dtype}")
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3 or X.shape[0] == 0:
        raise ValueError(f"X in {path} must be (n, channels, time) or (n, time), got {X.shape}")
    if "lengths" in out:  # before the NaN check: padding (NaN, as aeon pads) is ignored
        from ..ragged import check_lengths

        lengths = check_lengths(out["lengths"], len(X), X.shape[-1], where=f"lengths in {path}")
        X = X.astype(np.float64 if X.dtype == np.float64 else np.float32)
        for i, n in enumerate(lengths):  # one canonical value for the padding: 0
            X[i, :, n:] = 0
    if not np.isfinite(X).all():
        raise ValueError(f"X in {path} contains NaN or Inf")
    peak = float(np.abs(X).max())
    if peak > np.finfo(np.float32).max:  # signals are explained in float32
        raise ValueError(f"X in {path} has values up to {peak:.3g}, beyond float32's range "
                         f"(max {np.finfo(np.float32).max:.3g}); rescale the signals")
    if lengths is not None and len(np.unique(lengths)) == 1:  # one length after all
        X, lengths = X[:, :, : int(lengths[0])], None
    result = {"X": np.ascontiguousarray(X, dtype=np.float32)}
    if lengths is not None:
        result["lengths"] = lengths
    if "y" in out:
        y = np.asarray(out["y"]).reshape(-1)
        if y.dtype.kind not in "iu":
            raise ValueError(f"y in {path} must hold integer class indices, got dtype {y.dtype}")
        if len(y) != len(X):
            raise ValueError(f"y in {path} has {len(y)} labels for {len(X)} signals")
        if (y < 0).any():
            raise ValueError(f"y in {path} holds negative class indices")
        result["y"] = y.astype(np.int64)
    if "fs" in out:
        fs = np.asarray(out["fs"])
        if (fs.size != 1 or fs.dtype.kind not in "fiu"
                or not 0 < float(fs.reshape(-1)[0]) < np.inf):
            shown = fs.reshape(-1)[0].item() if fs.size == 1 else fs.tolist()
            raise ValueError(f"fs in {path} must be one positive, finite sampling rate in Hz, "
                             f"got {shown!r}")
        result["fs"] = float(fs.reshape(-1)[0])
    for key, n in (("class_names", None), ("channel_names", X.shape[1])):
        if key in out:
            names = [v.decode() if isinstance(v, bytes) else str(v)
                     for v in np.asarray(out[key]).reshape(-1)]
            if n is not None and len(names) != n:
                raise ValueError(f"{key} in {path} has {len(names)} names for {n} channels")
            result[key] = names
    return result


def _first_outputs(model: nn.Module, X: np.ndarray) -> torch.Tensor:
    """The model's output on the first signal, or one line saying why it cannot read the data."""
    try:
        with torch.no_grad():
            return model(torch.from_numpy(X[:1]))
    except Exception as err:  # a model that cannot read the data: say so in one line
        hint = ("; export it with dynamic batch and time dimensions (torch.export.export(..., "
                "dynamic_shapes=...))" if "Guard failed" in str(err) else "")
        channels = channel_mismatch(model, X.shape[1], "the data has")
        raise ValueError(f"{channels}the model cannot read signals of shape (batch, {X.shape[1]}, "
                         f"{X.shape[2]}): {type(err).__name__}: "
                         f"{str(err).splitlines()[0][:200]}{hint}") from err


def _ragged_outputs(model: nn.Module, X: np.ndarray, lengths: np.ndarray) -> torch.Tensor:
    """For series of unequal length: the model's output on the first series, after checking that
    it reads a series of every length in the data, or one line saying which length it cannot
    read and what to do (a model that needs one fixed length is refused, not given padding)."""
    from ..ragged import group_slices

    first = None
    for n, idx in group_slices(lengths):
        i = int(idx[0])
        try:
            with torch.no_grad():
                out = model(torch.from_numpy(np.ascontiguousarray(X[i : i + 1, :, :n])))
        except Exception as err:
            channels = channel_mismatch(model, X.shape[1], "the data has")
            raise ValueError(
                f"{channels}the model cannot read a series of {n} samples (the data holds series "
                f"of {int(lengths.min())} to {int(lengths.max())} samples, and each is explained "
                f"at its own length, never padded): {type(err).__name__}: "
                f"{str(err).splitlines()[0][:160]}; give a model that reads any length (e.g. "
                "global pooling over time, as SmallCNN), or pad or crop the series to one length "
                "yourself and give X without 'lengths'") from err
        first = out if i == 0 else first
    return first if first is not None else out


def _predict(model: nn.Module, X: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Predicted classes, batched; series of unequal length in groups of one length."""
    from ..ragged import group_slices

    groups = ([(X.shape[-1], np.arange(len(X)))] if lengths is None
              else group_slices(lengths))
    pred = np.empty(len(X), dtype=np.int64)
    with torch.no_grad():
        for n, idx in groups:
            for k in range(0, len(idx), 256):
                at = idx[k : k + 256]
                pred[at] = model(torch.from_numpy(np.ascontiguousarray(X[at, :, :n]))
                                 ).argmax(1).numpy()
    return pred


def _accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray, lengths: np.ndarray | None) -> float:
    from ..models.training import accuracy

    if lengths is None:
        return accuracy(model, X, y)
    return float((_predict(model, X, lengths) == y).mean())


def _crop_to_longest(X: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """A padded ``X`` cut after its longest series (a selection may drop the longest ones)."""
    return X if lengths is None else np.ascontiguousarray(X[:, :, : int(lengths.max())])


def _load_user_model(cfg: Any) -> tuple[nn.Module, str, str]:
    """``--model FILE`` (with ``--model-factory`` for a state dict), or Lightning's spelling
    ``--model package.module:Name --weights STATE_DICT``."""
    from ..convert import load_model

    if not Path(cfg.model).is_file() and ":" in cfg.model and cfg.weights:
        model = load_model(cfg.weights, model_factory=cfg.model, trust_pickle=cfg.trust_pickle)
        return model, f"{cfg.model} with {cfg.weights}", file_hash(cfg.weights)
    model = load_model(cfg.model, model_factory=cfg.model_factory, trust_pickle=cfg.trust_pickle)
    return model, str(cfg.model), file_hash(cfg.model)


def stratified_sample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Indices of ``n`` of the labels ``y``, each class in proportion to its share (largest
    remainders; every class at least once while ``n`` allows), drawn with ``seed`` and returned
    in the data's order. All indices when ``n >= len(y)``: a test set sorted by class is not
    cut to its first classes."""
    y = np.asarray(y)
    if n >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    quota = counts * n / len(y)
    take = np.floor(quota).astype(int)
    if n >= len(classes):
        take = np.maximum(take, 1)
    take = np.minimum(take, counts)
    while take.sum() < n:  # largest remainder first, never more than a class holds
        room = np.where(take < counts, quota - take, -np.inf)
        take[np.argmax(room)] += 1
    while take.sum() > n:  # the minimum of one per class overshot: trim the largest
        take[np.argmax(take)] -= 1
    picked = [rng.choice(np.flatnonzero(y == c), size=k, replace=False)
              for c, k in zip(classes, take, strict=True)]
    return np.sort(np.concatenate(picked))


def centered(ds: Any) -> Any:
    """A copy of the data set ``ds`` (its ``X`` and ``lengths``) with each series' channel means
    removed, over each series' own length (the padding of unequal lengths stays zero)."""
    import dataclasses

    X = np.array(ds.X, copy=True)
    if ds.lengths is None:
        X -= X.mean(axis=-1, keepdims=True)
    else:
        for i, n in enumerate(ds.lengths):  # (a one-off pass over the data, not a hot path)
            X[i, :, :n] -= X[i, :, :n].mean(axis=-1, keepdims=True)
    return dataclasses.replace(ds, X=X)


def check_task(cfg: Any, task: Task) -> Task:
    """``task`` (what a source loaded) checked against its model and the run's domains: finite
    float32 signals, ``(batch, n_classes)`` outputs that cover the labels and class names, and
    every domain able to transform every length in the data (the STFT of custom and UEA runs
    is fitted to the shortest: :meth:`RunConfig.fit_to_length`)."""
    if not np.isfinite(task.X).all():
        raise ValueError("test signals contain NaN or Inf")
    task.X = np.ascontiguousarray(task.X, dtype=np.float32)
    out = (_first_outputs(task.model, task.X) if task.lengths is None
           else _ragged_outputs(task.model, task.X, task.lengths))
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        raise ValueError("the model must return (batch, n_classes) scores for the data")
    n_out = out.shape[1]
    if task.y.max() >= n_out:
        raise ValueError(f"labels go up to {task.y.max()} but the model has {n_out} outputs")
    if task.class_names is not None and len(task.class_names) != n_out:
        raise ValueError(f"class_names has {len(task.class_names)} names for a model with "
                         f"{n_out} outputs: give one name per output, in output order")
    # series of unequal length: the STFT is fitted to the shortest, and every domain must
    # transform every length in the data
    lengths = [task.X.shape[-1]] if task.lengths is None else np.unique(task.lengths).tolist()
    cfg.fit_to_length(int(min(lengths)))
    for d in cfg.domains:  # every domain fits the signals before anything is computed
        for n in lengths:
            cfg.domain(d).check_length(int(n))
    return task


def __getattr__(name: str) -> Any:
    # ``load_task`` lives with the data sources it dispatches to (freqxai.runner.sources); the
    # older path keeps working, found by name so that this module (which the sources import)
    # does not import them back
    if name == "load_task":
        import importlib

        return importlib.import_module("freqxai.runner.sources").load_task
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Training of plain ``nn.Module`` classifiers with Lightning.

The model stays a plain module (it is what users explain); the :class:`LitClassifier` wrapper owns
the optimiser, the metrics and the multi-device logic, and is discarded after training.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lightning as L
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler, TensorDataset

from .._checks import POSITIVE_INT, InstanceOf, Integral, Interval, Real, validate_option
from .._io import atomic_path

if TYPE_CHECKING:
    from ..data.audio import AudioDataset

__all__ = [
    "LengthBucketSampler",
    "LitClassifier",
    "TrainResult",
    "accuracy",
    "check_training_settings",
    "fit_classifier",
    "save_state_dict",
    "train_audionet",
    "train_synthetic_mlp",
    "validation_split",
]


class EpochLines(L.Callback):
    """Log a few lines while training (to ``freqxai.progress``): the epoch, training loss and
    accuracy (and validation accuracy) at every quarter of the epochs and at the end."""

    def __init__(self, epochs: int, lines: int = 4) -> None:
        self.epochs = epochs
        self.every = max(1, epochs // lines)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        epoch = trainer.current_epoch + 1
        if epoch % self.every and epoch != self.epochs:
            return
        m = {k: float(v) for k, v in trainer.callback_metrics.items()}
        text = f"  epoch {epoch}/{self.epochs}"
        if "train_loss" in m:
            text += f": loss {m['train_loss']:.3f}, accuracy {m.get('train_acc', float('nan')):.3f}"
        if "val_acc" in m:
            text += f", validation accuracy {m['val_acc']:.3f}"
        logging.getLogger("freqxai.progress").info("%s", text)


class LitClassifier(L.LightningModule):
    """Cross-entropy training of a classifier with Adam.

    Parameters
    ----------
    model : nn.Module
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)`` logits.
    lr : float
        Adam learning rate.
    weight_decay : float
        Adam weight decay.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.cnn import SmallCNN
    >>> from freqxai.models.training import LitClassifier
    >>> lit = LitClassifier(SmallCNN(in_channels=1, n_classes=2, width=8), lr=1e-3)
    >>> x, y = torch.randn(4, 1, 64), torch.tensor([0, 1, 0, 1])
    >>> lit(x).shape                           # the wrapped model's logits
    torch.Size([4, 2])
    >>> loss = lit.training_step((x, y), 0)   # cross-entropy
    >>> loss.shape, type(lit.configure_optimizers()).__name__
    (torch.Size([]), 'Adam')
    """

    def __init__(self, model: nn.Module, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__()
        self.model = model
        self.lr = lr
        self.weight_decay = weight_decay
        self.loss = nn.CrossEntropyLoss()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def _step(self, batch, stage: str) -> torch.Tensor:
        x, y = batch
        logits = self(x)
        loss = self.loss(logits, y)
        acc = (logits.argmax(1) == y).float().mean()
        on_step = stage == "train"
        self.log(f"{stage}_loss", loss, on_step=on_step, on_epoch=True, prog_bar=on_step, sync_dist=True)
        self.log(f"{stage}_acc", acc, on_step=False, on_epoch=True, prog_bar=True, sync_dist=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

    def predict_step(self, batch, batch_idx):
        return self(batch[0])

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)


@dataclass
class TrainResult:
    """What :func:`fit_classifier` returns: the trained module and its scores.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.training import TrainResult
    >>> result = TrainResult(torch.nn.Linear(4, 2), val_acc=0.9, test_acc=0.85, epochs=12)
    >>> result.val_acc, result.test_acc, result.epochs, result.checkpoint
    (0.9, 0.85, 12, None)
    """

    model: nn.Module
    val_acc: float | None
    test_acc: float | None
    epochs: int
    checkpoint: Path | None = None


# the training settings' constraints (freqxai._checks), read by check_training_settings
_TRAINING_SETTINGS: dict[str, Any] = {
    "epochs": Interval(Integral, 1, None, text="an integer >= 1 (passes over the training data)"),
    "batch_size": POSITIVE_INT,
    "n_train": Interval(Integral, 1, None, text="an integer >= 1 (training signals)"),
    "patience": [Interval(Integral, 0, None), None],
    "seed": Interval(Integral, 0, 2**32, closed="left", text="an integer in [0, 2**32)"),
    "noise": Interval(Real, 0, None),
    "devices": [POSITIVE_INT, InstanceOf(str, text="'auto'")],
    "lr": Interval(Real, 0, None, closed="neither"),
}


def check_training_settings(**settings: Any) -> None:
    """Raise one ``ValueError`` naming every bad training setting, before any data is made.

    Known names: ``epochs``, ``batch_size``, ``n_train``, ``patience`` (integers >= 1; patience
    >= 0), ``seed`` (an integer in [0, 2**32), what Lightning's ``seed_everything`` takes),
    ``noise`` (a finite number >= 0) and ``lr`` (a finite number > 0).

    Examples
    --------
    >>> from freqxai.models.training import check_training_settings
    >>> check_training_settings(epochs=20, batch_size=256, lr=1e-3, seed=0)   # fine: no error
    >>> check_training_settings(epochs=0, lr=-1.0)
    Traceback (most recent call last):
        ...
    ValueError: ...epochs...lr...
    """
    problems = []
    for name, value in settings.items():
        if name in _TRAINING_SETTINGS:
            try:
                validate_option(_TRAINING_SETTINGS[name], value, name)
            except (TypeError, ValueError) as err:
                problems.append(str(err))
    if problems:
        raise ValueError("; ".join(problems))


class LengthBucketSampler(Sampler[list[int]]):
    """Batches of series of one length, for series of unequal length: never zero-padding.

    The series of each length are split into batches of at most ``batch_size``; with ``shuffle``
    each epoch shuffles the series within each length and the order of all batches (seeded:
    epoch ``e`` draws from ``seed + e``), so every batch holds one length and the model (global
    pooling over time, as :class:`~freqxai.models.cnn.SmallCNN`) sees only real samples.

    Parameters
    ----------
    lengths : sequence of int
        Length of each series of the dataset.
    batch_size : int
    shuffle : bool
    seed : int

    Examples
    --------
    >>> from freqxai.models.training import LengthBucketSampler
    >>> lengths = [100, 100, 120, 100, 120, 80]
    >>> sampler = LengthBucketSampler(lengths, batch_size=2, shuffle=False)
    >>> list(sampler)                          # each batch holds series of one length
    [[5], [0, 1], [3], [2, 4]]
    >>> len(sampler)
    4
    """

    def __init__(self, lengths: Any, batch_size: int, *, shuffle: bool = True, seed: int = 0) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = Interval(Integral, 1, None, text="a positive integer").check(
            batch_size, "batch_size")
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def _batches(self) -> list[list[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        batches = []
        for n in np.unique(self.lengths):
            idx = np.flatnonzero(self.lengths == n)
            if self.shuffle:
                idx = rng.permutation(idx)
            batches += [idx[k : k + self.batch_size].tolist()
                        for k in range(0, len(idx), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __iter__(self):
        batches = self._batches()
        self.epoch += 1
        return iter(batches)

    def __len__(self) -> int:
        return sum(-(-int(c) // self.batch_size) for c in np.unique(self.lengths,
                                                                   return_counts=True)[1])


class _SeriesDataset(Dataset):
    """``(series, label)`` pairs of a list of ``(channels, length_i)`` series."""

    def __init__(self, series: list, y: Any) -> None:
        self.series = [torch.as_tensor(np.asarray(x), dtype=torch.float32) for x in series]
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.long)
        if len(self.series) != len(self.y):
            raise ValueError(f"{len(self.series)} series but {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.series)

    def __getitem__(self, i: int):
        return self.series[i], self.y[i]


def _loader(X, y, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    if isinstance(X, list | tuple):  # series of unequal length: batches of one length each
        from ..ragged import split_by_length

        split_by_length(X)  # (channels, length) each, one channel count
        sampler = LengthBucketSampler([np.shape(x)[-1] for x in X], batch_size, shuffle=shuffle,
                                      seed=seed)
        return DataLoader(_SeriesDataset(X, y), batch_sampler=sampler)
    ds = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long))
    gen = torch.Generator().manual_seed(seed)
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, generator=gen if shuffle else None)


def fit_classifier(
    model: nn.Module,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    epochs: int = 20,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    patience: int | None = None,
    min_delta: float = 0.0,
    monitor: str = "val_acc",
    checkpoint_dir: str | Path | None = None,
    accelerator: str = "auto",
    devices: int | str = 1,
    progress: bool = True,
) -> TrainResult:
    """Train ``model`` with Adam and cross-entropy using a Lightning ``Trainer``.

    Parameters
    ----------
    model : nn.Module
        The classifier; trained in place and returned in eval mode.
    train, val, test : (X, y)
        Arrays ``(n, channels, time)`` and integer labels; for series of unequal length ``X``
        may be a list of ``(channels, length_i)`` arrays, batched by length
        (:class:`LengthBucketSampler`, no padding) for a model that reads any length.
    epochs, batch_size, lr, weight_decay
        Optimisation settings.
    seed : int
        Seeds Lightning (``seed_everything``) and the shuffling. The initial weights were drawn
        when ``model`` was built: seed before building it (``torch.manual_seed``) for a run that
        repeats exactly.
    patience : int, optional
        Early stopping on validation accuracy after this many epochs without improvement;
        the best checkpoint (on validation accuracy) is restored at the end.
    min_delta : float
        The least change of the monitored value that counts as an improvement for early stopping
        (Lightning's ``EarlyStopping(min_delta=...)``): a validation loss creeping from 0.003 to
        0.001 over a hundred epochs is not worth training for.
    monitor : {"val_acc", "val_loss"}
        What early stopping and the best checkpoint follow: validation accuracy (the paper's
        AudioNet protocol) or validation loss (smoother on a few dozen validation series,
        which tie in accuracy).
    checkpoint_dir : path, optional
        Where Lightning writes checkpoints (needed for ``patience``). Training resumes from
        ``last.ckpt`` there when it exists.
    accelerator, devices
        Passed to ``lightning.Trainer`` (e.g. ``"gpu"``, ``2``).
    progress : bool
        Show Lightning's progress bar.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.cnn import SmallCNN
    >>> from freqxai.models.training import fit_classifier
    >>> from freqxai.testing import tone_in_one_band
    >>> train, val = tone_in_one_band(32, seed=0), tone_in_one_band(8, seed=1)
    >>> _ = torch.manual_seed(0)               # the initial weights
    >>> model = SmallCNN(in_channels=1, n_classes=2, width=8)
    >>> result = fit_classifier(model, train, val, epochs=1, batch_size=16, accelerator="cpu",
    ...                         progress=False)
    >>> result.epochs, 0.0 <= result.val_acc <= 1.0, result.test_acc is None
    (1, True, True)
    >>> result.model is model, model.training  # trained in place, returned in eval mode
    (True, False)
    """
    check_training_settings(epochs=epochs, batch_size=batch_size, seed=seed, lr=lr,
                            patience=patience)
    if isinstance(min_delta, bool) or not isinstance(min_delta, int | float) \
            or not 0 <= min_delta < float("inf"):
        raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")
    if monitor not in ("val_acc", "val_loss"):
        raise ValueError(f"monitor must be 'val_acc' or 'val_loss', got {monitor!r}")
    mode = "max" if monitor == "val_acc" else "min"
    L.seed_everything(seed, workers=True, verbose=False)
    lit = LitClassifier(model, lr=lr, weight_decay=weight_decay)
    callbacks: list[L.Callback] = []
    ckpt_cb = None
    if checkpoint_dir is not None:
        ckpt_cb = L.pytorch.callbacks.ModelCheckpoint(
            dirpath=checkpoint_dir, monitor=monitor if val is not None else None, mode=mode,
            save_last=True, filename="best-{epoch}",
        )
        callbacks.append(ckpt_cb)
    if patience is not None and val is not None:
        callbacks.append(L.pytorch.callbacks.EarlyStopping(monitor=monitor, mode=mode,
                                                           patience=patience, min_delta=min_delta))
    if not progress:  # a few lines instead of Lightning's bars
        callbacks.append(EpochLines(epochs))
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator=accelerator,
        devices=devices,
        logger=False,
        callbacks=callbacks,
        enable_checkpointing=ckpt_cb is not None,
        enable_progress_bar=progress,
        enable_model_summary=False,
        deterministic=False,
    )
    train_loader = _loader(*train, batch_size, True, seed)
    val_loader = _loader(*val, batch_size, False, seed) if val is not None else None
    last = Path(checkpoint_dir) / "last.ckpt" if checkpoint_dir is not None else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*Checkpoint directory.*exists and is not empty.*")
        warnings.filterwarnings("ignore", ".*no `val_dataloader`.*")
        warnings.filterwarnings("ignore", ".*LeafSpec.*is deprecated.*")
        # resuming reads our own checkpoint, with weights_only=True: no pickle is run from it
        trainer.fit(lit, train_loader, val_loader,
                    ckpt_path=str(last) if last and last.exists() else None, weights_only=True)
        if ckpt_cb is not None and ckpt_cb.best_model_path:
            state = torch.load(ckpt_cb.best_model_path, map_location="cpu", weights_only=True)
            lit.load_state_dict(state["state_dict"])
    model.eval()
    val_acc = accuracy(model, *val, batch_size=batch_size) if val is not None else None
    test_acc = accuracy(model, *test, batch_size=batch_size) if test is not None else None
    return TrainResult(model, val_acc, test_acc, trainer.current_epoch,
                       Path(ckpt_cb.best_model_path) if ckpt_cb and ckpt_cb.best_model_path else None)


def validation_split(y: Any, *, fraction: float = 0.2, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Stratified ``(fit, validation)`` indices of labels ``y``, for early stopping.

    Each class gives ``round(fraction * its count)`` series to validation (at least one when it
    has two or more, never all), drawn with ``seed``; both index arrays are sorted, so a run
    repeats exactly.

    Raises
    ------
    ValueError
        For a fraction outside (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.models.training import validation_split
    >>> y = np.array([0] * 10 + [1] * 5)
    >>> fit, val = validation_split(y, fraction=0.2, seed=0)
    >>> len(fit), len(val), np.bincount(y[val]).tolist()   # 2 of class 0, 1 of class 1
    (12, 3, [2, 1])
    """
    if isinstance(fraction, bool) or not isinstance(fraction, float | int) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a number in (0, 1), got {fraction!r}")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    val = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        k = min(len(idx) - 1, max(1 if len(idx) > 1 else 0, round(fraction * len(idx))))
        val.append(rng.choice(idx, size=k, replace=False))
    val_idx = np.sort(np.concatenate(val)).astype(np.int64)
    return np.setdiff1d(np.arange(len(y)), val_idx), val_idx


def accuracy(model: nn.Module, X, y, batch_size: int = 256) -> float:
    """Top-1 accuracy of ``model`` on ``(X, y)``, batched, on the model's device.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.training import accuracy
    >>> from freqxai.testing import tone_in_one_band
    >>> class ToneDetector(torch.nn.Module):   # class 1 when a bin of 8-16 Hz is loud
    ...     def forward(self, x):
    ...         peak = torch.fft.rfft(x).abs()[..., 16:32].amax(-1).sum(1)
    ...         return torch.stack([torch.full_like(peak, 80.0), peak], dim=1)
    >>> X, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise
    >>> accuracy(ToneDetector(), X, y)
    1.0
    >>> accuracy(ToneDetector(), X, 1 - y)
    0.0
    """
    from .._validation import model_device

    device = model_device(model)
    if isinstance(X, list | tuple):  # series of unequal length: one batch per length
        loader = _loader(X, y, batch_size, False, 0)
        with torch.inference_mode():
            correct = sum(int((model(xb.to(device)).argmax(1).cpu() == yb).sum())
                          for xb, yb in loader)
        return correct / max(len(X), 1)
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.long)
    correct = 0
    with torch.inference_mode():
        for i in range(0, len(X), batch_size):
            pred = model(X[i : i + batch_size].to(device)).argmax(1).cpu()
            correct += int((pred == y[i : i + batch_size]).sum())
    return correct / max(len(X), 1)


def save_state_dict(model: nn.Module, path: str | Path) -> Path:
    """Save ``model.state_dict()`` atomically (temporary file, then rename).

    Examples
    --------
    >>> import torch
    >>> from freqxai.models.training import save_state_dict
    >>> model = torch.nn.Linear(4, 2)
    >>> path = save_state_dict(model, "weights.pt")
    >>> path.name, sorted(torch.load(path, weights_only=True))
    ('weights.pt', ['bias', 'weight'])
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
    return path


def train_synthetic_mlp(
    noise: float,
    *,
    n_train: int = 100_000,
    n_val: int = 1_000,
    n_test: int = 1_000,
    epochs: int = 20,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    accelerator: str = "auto",
    devices: int | str = 1,
    progress: bool = True,
) -> TrainResult:
    """Train the paper's MLP on the synthetic benchmark (Brüsch et al., NLDL 2025, section 4.1).

    As in the paper: training signals carry Gaussian noise of level ``noise``, validation signals
    noise 0.8, and the test signals are noise-free; Adam with ``lr=1e-3``, batch 256.
    Data seeds are derived from ``seed`` so train, validation and test never share a stream.

    Examples
    --------
    >>> from freqxai.models.training import train_synthetic_mlp
    >>> result = train_synthetic_mlp(0.01, n_train=64, n_val=16, n_test=16, epochs=1,
    ...                              accelerator="cpu", progress=False)
    >>> type(result.model).__name__, result.epochs
    ('SynthMLP', 1)
    """
    from ..data.synthetic import make_synthetic, split_seed
    from .mlp import SynthMLP

    check_training_settings(noise=noise, n_train=n_train, epochs=epochs, batch_size=batch_size,
                            seed=seed, lr=lr)
    train = make_synthetic(n_train, noise=noise, seed=split_seed(seed, "train"))
    val = make_synthetic(n_val, noise=0.8, seed=split_seed(seed, "val"))
    test = make_synthetic(n_test, noise=0.0, seed=split_seed(seed, "test"))
    L.seed_everything(seed, verbose=False)
    model = SynthMLP()
    return fit_classifier(
        model, train, val, test, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
        accelerator=accelerator, devices=devices, progress=progress,
    )


def train_audionet(ds: AudioDataset, label: str = "digit", fold: int = 0, *, epochs: int = 50,
                   batch_size: int = 100, lr: float = 5e-4, patience: int = 7, seed: int = 0,
                   checkpoint_dir: str | Path | None = None, accelerator: str = "auto",
                   devices: int | str = 1, progress: bool = True):
    """Train AudioNet as in the paper: Adam (lr 5e-4), batch 100, early stopping on validation
    accuracy with patience 7; returns a :class:`~freqxai.models.training.TrainResult`.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.data.audio import AudioDataset
    >>> from freqxai.models.training import train_audionet
    >>> rng = np.random.default_rng(0)         # 6 short clips of 3 speakers
    >>> ds = AudioDataset(rng.normal(size=(6, 1, 256)).astype(np.float32),
    ...                   digit=np.arange(6), gender=np.arange(6) % 2,
    ...                   speaker=np.repeat([0, 1, 2], 2),
    ...                   attrs={"dataset": "fsdd", "speaker_names": '["a", "b", "c"]'})
    >>> result = train_audionet(ds, "digit", fold=0, epochs=1, batch_size=2, accelerator="cpu",
    ...                         progress=False)
    >>> type(result.model).__name__, result.epochs
    ('AudioNet', 1)
    """
    from ..data.audio import n_classes, split_indices
    from .audionet import AudioNet

    check_training_settings(epochs=epochs, batch_size=batch_size, seed=seed, lr=lr,
                            patience=patience)
    idx = split_indices(ds, label, fold)
    y = ds.labels(label)
    parts = {k: (ds.signals[v], y[v]) for k, v in idx.items()}
    L.seed_everything(seed, verbose=False)
    model = AudioNet(n_classes(label), length=ds.signals.shape[-1])
    return fit_classifier(
        model, parts["train"], parts["validate"], parts["test"], epochs=epochs,
        batch_size=batch_size, lr=lr, seed=seed, patience=patience,
        checkpoint_dir=checkpoint_dir, accelerator=accelerator, devices=devices, progress=progress,
    )

"""Wrappers that present any classifier as the model explainers read: a ``(batch, channels,
time)`` tensor in, a ``(batch, n_classes)`` tensor out.

- :class:`NumpyModel` and :class:`EstimatorModel`: a function of numpy arrays, or a fitted
  scikit-learn/aeon/sktime classifier, as a forward-only ``nn.Module`` that declares what it
  returns (``output_kind``: probabilities are never put through another softmax);
  :func:`as_model` wraps estimators automatically;
- :class:`BinaryClassifier`: a model with one output (a logit or a sigmoid probability) as two
  classes;
- :class:`ChannelsLast`: a model that reads ``(batch, time, channels)`` (Keras' default);
- :class:`FixedBatch`: a graph exported for a fixed batch size, run on any batch.

This module imports nothing from freqxai but the pure checks (:mod:`freqxai._checks`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from .._checks import check_bool, check_positive_int

__all__ = [
    "BinaryClassifier",
    "ChannelsLast",
    "EstimatorModel",
    "FixedBatch",
    "NumpyModel",
    "as_model",
    "is_estimator",
]

Layout = Literal["channels_first", "flat"]
OutputKind = Literal["logits", "probabilities", "scores"]


class NumpyModel(nn.Module):
    """A function of numpy arrays as a forward-only model ``(batch, channels, time)`` tensor →
    ``(batch, n_classes)`` tensor.

    Explainers that need only forward passes (FreqRISE, the references, deletion and insertion)
    explain it in every domain; gradient methods are refused before any compute (it has no
    gradients). Each call converts its batch once (tensor → float64 numpy → tensor in the
    input's dtype and device): with FreqRISE's default of about a million signal samples per
    forward the conversion is a small fraction of a classifier's own work
    (``bench/blackbox.py``).

    Parameters
    ----------
    function : callable
        Maps a numpy array (``(n, channels, time)``, or ``(n, channels * time)`` with
        ``layout="flat"``) to ``(n, n_classes)`` scores, or ``(n,)`` for a binary score.
    output_kind : {"probabilities", "logits", "scores"}
        What ``function`` returns. Probabilities are read as they are (no softmax on top);
        logits and scores are softmaxed where a method weighs by class probability. A 1-D
        binary score ``s`` becomes ``[0, s]`` (logits whose softmax is ``sigmoid(s)``); 1-D
        probabilities ``p`` become ``[1 - p, p]``.
    layout : {"channels_first", "flat"}
        ``"flat"`` reshapes each signal to one row of ``channels * time`` features (scikit-learn).
    batch_size : int, optional
        Most signals per call of ``function`` (None: all it is given).
    dtype : numpy dtype
        The dtype ``function`` receives.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import FreqRISE
    >>> from freqxai.adapters import NumpyModel
    >>> from freqxai.testing import tone_in_one_band
    >>> def power_12hz(x):                     # numpy (n, channels, time) -> (n, 2) logits
    ...     p = np.abs(np.fft.rfft(x, axis=-1))[..., 24].sum(1)     # bin 24: 12 Hz at 128 Hz
    ...     return np.stack([np.zeros_like(p), p], axis=1)
    >>> model = NumpyModel(power_12hz, output_kind="logits")
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> relevance = FreqRISE(model, n_masks=64).attribute(x, target=1, seed=0)
    >>> relevance[:, 0].argmax(axis=-1).tolist()
    [24, 24, 24, 24]
    """

    differentiable = False

    def __init__(self, function: Callable[[np.ndarray], Any], *,
                 output_kind: OutputKind = "probabilities", layout: Layout = "channels_first",
                 batch_size: int | None = None, dtype: Any = np.float64) -> None:
        super().__init__()
        if not callable(function):
            raise TypeError(f"function must be callable, got {type(function).__name__}")
        if output_kind not in ("probabilities", "logits", "scores"):
            raise ValueError(f"output_kind must be 'probabilities', 'logits' or 'scores', got "
                             f"{output_kind!r}")
        if layout not in ("channels_first", "flat"):
            raise ValueError(f"layout must be 'channels_first' or 'flat', got {layout!r}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
                batch_size, int | np.integer) or batch_size < 1):
            raise ValueError(f"batch_size must be None or an integer >= 1, got {batch_size!r}")
        self.function = function
        self.output_kind = output_kind
        self.layout = layout
        self.max_batch_size = None if batch_size is None else int(batch_size)
        self.dtype = np.dtype(dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__} reads (batch, channels, time) tensors, got "
                             f"{shape}")
        a = x.detach().cpu().numpy().astype(self.dtype, copy=False)
        if self.layout == "flat":
            a = a.reshape(len(a), -1)
        step = self.max_batch_size or max(len(a), 1)
        parts = [self._call(a[i:i + step]) for i in range(0, len(a), step)]
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return torch.from_numpy(np.ascontiguousarray(out)).to(device=x.device, dtype=x.dtype)

    def _apply(self, a: np.ndarray) -> Any:
        """``function(a)``; a scikit-learn refusal of 3-D input names ``layout``."""
        try:
            return self.function(a)
        except ValueError as err:
            if a.ndim == 3 and "dim 3" in str(err):  # scikit-learn's check_array
                raise ValueError(
                    f"the function reads 2-D (n, features) arrays, but layout='channels_first' "
                    f"gives it {a.shape}: use layout='flat' (each signal one row of channels * "
                    f"time features), as scikit-learn estimators read ({err})") from err
            raise

    def _what(self) -> str:
        """The function's name in messages."""
        return "the function (output_kind='probabilities')"

    def _call(self, a: np.ndarray) -> np.ndarray:
        out = np.asarray(self._apply(a))
        if out.dtype == object or not np.issubdtype(out.dtype, np.number):
            raise TypeError(f"the classifier returned {out.dtype} values; it must return numbers "
                            "(class probabilities or scores)")
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.ndim == 1:  # a binary classifier's one score or probability
            if self.output_kind == "probabilities":
                self._check_probabilities(out[:, None], binary=True)
            other = 1 - out if self.output_kind == "probabilities" else np.zeros_like(out)
            out = np.stack([other, out], axis=1)
        if out.ndim != 2 or out.shape[0] != a.shape[0]:
            raise ValueError(f"the classifier must return (n, n_classes) for {a.shape[0]} "
                             f"signals, got shape {out.shape}")
        if self.output_kind == "probabilities":
            self._check_probabilities(out)
        return out.astype(np.float64, copy=False)

    def _check_probabilities(self, out: np.ndarray, binary: bool = False) -> None:
        """Raise ``ValueError`` naming the first row of ``out`` that is no probability
        distribution (a value below 0 or, unless ``binary``, a sum other than 1; a binary
        probability above 1). Rows with NaN or Inf are left to the explainers' finite check."""
        values = out.astype(np.float64, copy=False)
        finite = np.isfinite(values).all(1)
        tol = 1e-3
        bad = finite & ((values < -tol).any(1) | (values > 1 + tol).any(1))
        if not binary:
            bad |= finite & (np.abs(values.sum(1) - 1) > tol)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = np.array2string(values[i], precision=4, separator=", ", threshold=8)
            what = ("probabilities in [0, 1]" if binary
                    else "probabilities in [0, 1] that sum to 1")
            raise ValueError(
                f"{self._what()} returned row {i} = {row} (sum {values[i].sum():.4g}) for "
                f"{int(bad.sum())} of {len(values)} signals, which are not class {what}; "
                f"explanations weighted by them would be meaningless. {self._fix()}")

    def _fix(self) -> str:
        return ("Return probabilities, or declare what it returns: output_kind='logits' or "
                "'scores'")

    def extra_repr(self) -> str:
        return f"output_kind={self.output_kind!r}, layout={self.layout!r}"


def is_estimator(model: Any) -> bool:
    """Whether ``model`` is a fitted-classifier object with ``predict_proba`` or
    ``decision_function`` (scikit-learn, aeon, sktime), rather than a callable model.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.linear_model import LogisticRegression
    >>> from freqxai.adapters import is_estimator
    >>> X, y = np.random.default_rng(0).normal(size=(20, 32)), np.arange(20) % 2
    >>> is_estimator(LogisticRegression().fit(X, y))
    True
    >>> is_estimator(torch.nn.Linear(32, 2))
    False
    """
    return (not isinstance(model, nn.Module) and hasattr(model, "fit")
            and (hasattr(model, "predict_proba") or hasattr(model, "decision_function")))


def _fitted_dtype(estimator: Any) -> np.dtype:
    """The floating dtype an estimator was fitted on, where it keeps its training series
    (aeon's distance-based classifiers keep ``X_``, and their numba distances refuse to compare
    float32 with float64 series); float64 otherwise."""
    kept = getattr(estimator, "X_", None)
    first = kept[0] if isinstance(kept, list | tuple) and kept else kept
    if isinstance(first, np.ndarray) and first.dtype.kind == "f":
        return first.dtype
    return np.dtype(np.float64)


def _is_aeon(model: Any) -> bool:
    """aeon and sktime collection estimators read ``(n, channels, time)``; scikit-learn reads 2-D."""
    # by the class's ancestry, so a user's subclass of an aeon estimator counts too
    roots = {c.__module__.split(".")[0] for c in type(model).__mro__}
    if roots & {"aeon", "sktime"}:
        return True
    steps = getattr(model, "steps", None)  # a pipeline: its first step decides
    return bool(steps) and _is_aeon(steps[0][1])


class EstimatorModel(NumpyModel):
    """A fitted classifier (scikit-learn, aeon, sktime) as a forward-only model.

    Parameters
    ----------
    estimator : object
        Fitted, with ``predict_proba`` (read as probabilities) or ``decision_function`` (read
        as logits: for a binary classifier ``[0, score]``, whose softmax is ``sigmoid(score)``,
        exactly ``predict_proba`` for logistic regression).
    method : {"predict_proba", "decision_function"}, optional
        Which output to explain (default: ``predict_proba`` when the estimator has it).
    layout : {"channels_first", "flat"}, optional
        Default: ``channels_first`` for aeon/sktime estimators (and pipelines starting with
        one), ``flat`` (``(n, channels * time)``) for scikit-learn.
    batch_size : int, optional
        Most signals per call (None: as many as the explainer sends).

    Notes
    -----
    Probabilities are read as they are: FreqRISE's default weighs masks by the class probability
    (``output="softmax"`` means that for a probability model), ``"log_softmax"`` by its log. Some
    classifiers' ``predict_proba`` is one-hot (aeon's MiniRocketClassifier: a ridge classifier has
    no probabilities); FreqRISE then reads whether the class holds under each mask, and every
    weighting gives the same map (``python bench/blackbox.py --weighting``: 20.7 % of bins
    significant and a seed-to-seed top-5 % Jaccard of 0.875 with either, 8 BasicMotions signals,
    1000 masks).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from freqxai import FreqRISE
    >>> from freqxai.adapters import EstimatorModel
    >>> from freqxai.testing import tone_in_one_band
    >>> X, y = tone_in_one_band(40, seed=0)    # class 1: a 9-15 Hz tone in noise
    >>> spectrum = FunctionTransformer(lambda X: np.abs(np.fft.rfft(X)))
    >>> clf = make_pipeline(spectrum, LogisticRegression()).fit(X[:, 0], y)  # rows of 256 samples
    >>> model = EstimatorModel(clf)            # predict_proba; layout "flat" for scikit-learn
    >>> model(torch.from_numpy(X[:4])).shape   # (batch, n_classes) probabilities
    torch.Size([4, 2])
    >>> relevance = FreqRISE(clf, n_masks=64).attribute(X[:4], target=1, seed=0)  # wrapped for you
    >>> relevance.shape
    (4, 1, 129)
    >>> scores = EstimatorModel(clf, method="decision_function")    # logits [0, score]
    >>> scores(torch.from_numpy(X[:4])).shape
    torch.Size([4, 2])
    """

    def __init__(self, estimator: Any, *, method: str | None = None,
                 layout: Layout | None = None, batch_size: int | None = None) -> None:
        if method is None:
            method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
        if method not in ("predict_proba", "decision_function"):
            raise ValueError(f"method must be 'predict_proba' or 'decision_function', got "
                             f"{method!r}")
        if not hasattr(estimator, method):
            raise TypeError(f"{type(estimator).__name__} has no {method}; explainers need class "
                            "probabilities (predict_proba) or scores (decision_function)")
        kind: OutputKind = "probabilities" if method == "predict_proba" else "logits"
        aeon = _is_aeon(estimator)
        super().__init__(getattr(estimator, method), output_kind=kind,
                         layout=layout or ("channels_first" if aeon else "flat"),
                         batch_size=batch_size, dtype=_fitted_dtype(estimator))
        self.estimator = estimator
        self.method = method
        self._aeon = aeon
        classes = getattr(estimator, "classes_", None)
        self.classes_ = None if classes is None else np.asarray(classes)

    def _what(self) -> str:
        return f"{type(self.estimator).__name__}.{self.method}"

    def _fix(self) -> str:
        return (f"Check the estimator's {self.method}, or explain its decision_function "
                "(EstimatorModel(estimator, method='decision_function'))"
                if hasattr(self.estimator, "decision_function") and self.method == "predict_proba"
                else f"Check the estimator's {self.method}")

    def _apply(self, a: np.ndarray) -> Any:
        """``estimator.method(a)``; a failure on a layout the estimator does not read names
        ``layout`` and the one it reads."""
        try:
            return self.function(a)
        except Exception as err:
            name = type(self.estimator).__name__
            if self.layout == "channels_first" and not self._aeon:
                raise ValueError(
                    f"{name} is a scikit-learn estimator, which reads 2-D (n, features) arrays, "
                    f"but layout='channels_first' gives it {a.shape} signals and it fails "
                    f"({type(err).__name__}: {str(err).splitlines()[0][:160]}); leave layout out "
                    "(default 'flat' for scikit-learn: each signal one row of channels * time "
                    "features), or use layout='channels_first' only with an aeon/sktime "
                    "estimator") from err
            if self.layout == "flat" and self._aeon:
                raise ValueError(
                    f"{name} is an aeon/sktime estimator, which reads (n, channels, time), but "
                    f"layout='flat' gives it {a.shape} rows and it fails ({type(err).__name__}: "
                    f"{str(err).splitlines()[0][:160]}); leave layout out (default "
                    "'channels_first' for aeon)") from err
            raise

    def extra_repr(self) -> str:
        return f"{type(self.estimator).__name__}.{self.method}, layout={self.layout!r}"


def as_model(model: Any) -> Any:
    """``model`` as explainers read it: estimators (and their bound ``predict_proba`` /
    ``decision_function``) wrapped in :class:`EstimatorModel`; anything else as given.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sklearn.linear_model import LogisticRegression
    >>> from freqxai.adapters import as_model
    >>> X, y = np.random.default_rng(0).normal(size=(20, 32)), np.arange(20) % 2
    >>> clf = LogisticRegression().fit(X, y)
    >>> as_model(clf)
    EstimatorModel(...)
    >>> as_model(clf.decision_function).method
    'decision_function'
    >>> net = torch.nn.Linear(32, 2)
    >>> as_model(net) is net                   # anything else: as given
    True
    """
    if is_estimator(model):
        return EstimatorModel(model)
    if inspect.ismethod(model) and is_estimator(model.__self__):
        if model.__name__ in ("predict_proba", "decision_function"):
            return EstimatorModel(model.__self__, method=model.__name__)
        raise TypeError(f"model is {type(model.__self__).__name__}.{model.__name__}, which returns "
                        "labels or values, not class scores: give the estimator itself, or its "
                        "predict_proba / decision_function")
    return model


class BinaryClassifier(nn.Module):
    """Wrap a model with one output per input (a logit or a sigmoid probability) as two classes.

    Explainers and metrics read one score per class; a binary model with a single output
    (``BCEWithLogitsLoss``, a final ``sigmoid``) has one. This wrapper returns ``(batch, 2)``:

    - ``output="logit"``: ``[0, z]``, whose softmax is ``[1 - sigmoid(z), sigmoid(z)]``: class 1
      is the class the logit ``z`` scores, its logit and gradients are those of ``z``;
    - ``output="probability"``: ``[1 - p, p]``, read as probabilities (``output_kind``).

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch,)`` or ``(batch, 1)``.
    output : {"logit", "probability"}
        What the single output is.

    Examples
    --------
    >>> import torch
    >>> from freqxai import BinaryClassifier, FreqRISE
    >>> from freqxai.testing import tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> detector = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 1))  # one logit
    >>> model = BinaryClassifier(detector)     # outputs [0, z]: two classes
    >>> model(torch.from_numpy(x)).shape
    torch.Size([4, 2])
    >>> relevance = FreqRISE(model, n_masks=64).attribute(x, target=1, seed=0)
    >>> relevance.shape
    (4, 1, 129)
    """

    def __init__(self, model: Any, *, output: Literal["logit", "probability"] = "logit") -> None:
        super().__init__()
        if not callable(model):
            raise TypeError(f"model must be a torch.nn.Module or a callable, got "
                            f"{type(model).__name__}")
        if output not in ("logit", "probability"):
            raise ValueError(f"output must be 'logit' or 'probability', got {output!r}")
        self.model = model
        self.output = output
        self.output_kind = "probabilities" if output == "probability" else "logits"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.model(x)
        if not isinstance(z, torch.Tensor) or z.dim() not in (1, 2) or (z.dim() == 2 and z.shape[1] != 1):
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"BinaryClassifier: the wrapped model must return (batch,) or "
                             f"(batch, 1) outputs, got {shape}")
        z = z.reshape(-1, 1)
        if self.output == "probability" and bool(((z < 0) | (z > 1)).any()):
            raise ValueError("BinaryClassifier(output='probability'): the model returned values "
                             "outside [0, 1]; use output='logit' for a logit")
        other = 1 - z if self.output == "probability" else torch.zeros_like(z)
        return torch.cat([other, z], dim=1)


class ChannelsLast(nn.Module):
    """Runs a model that reads ``(batch, time, channels)`` (Keras' default) or ``(batch, time)``
    on freqxai's ``(batch, channels, time)``.

    A model that in fact reads ``(batch, channels, time)`` is refused with a ``ValueError``
    naming ``channels_last`` on its first call: when its declared ``input_shape`` matches the
    untransposed signals only, or when it fails (or returns another batch size) on the transposed
    signals and runs on the untransposed ones. A model that runs on both layouts (a flattening
    one whose ``time x channels`` equals ``channels x time``) cannot be told apart without
    ``input_shape``.

    Parameters
    ----------
    model : nn.Module
        The channels-last model.
    squeeze : bool
        The model reads ``(batch, time)``: inputs must have one channel, which is dropped.
    input_shape : tuple of int or None, optional
        The input shape the model declares after the batch axis (ONNX and Keras models state it;
        None for a free axis).

    Examples
    --------
    >>> import torch
    >>> from freqxai import ChannelsLast
    >>> class KerasLike(torch.nn.Module):     # reads (batch, time, channels)
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.linear = torch.nn.Linear(3, 2)   # mixes the last axis: the channels
    ...     def forward(self, x):
    ...         return self.linear(x).mean(dim=1)
    >>> model = ChannelsLast(KerasLike())
    >>> x = torch.randn(4, 3, 256)             # freqxai's (batch, channels, time)
    >>> model(x).shape
    torch.Size([4, 2])
    >>> flat = ChannelsLast(torch.nn.Linear(256, 2), squeeze=True)   # reads (batch, time)
    >>> flat(torch.randn(4, 1, 256)).shape
    torch.Size([4, 2])
    """

    def __init__(self, model: nn.Module, squeeze: bool = False, *,
                 input_shape: tuple[int | None, ...] | None = None) -> None:
        super().__init__()
        _check_wrapped(model, "ChannelsLast", "(batch, time, channels) or (batch, time)")
        self.model = model
        self.squeeze = check_bool(squeeze, "squeeze")
        self.input_shape = _check_input_shape(input_shape)
        self.training = getattr(model, "training", False)

    def train(self, mode: bool = True) -> ChannelsLast:
        return _train(self, mode)

    def forward(self, x, *args, **kwargs):
        if x.dim() != 3:
            raise ValueError(f"inputs must be (batch, channels, time), got shape {tuple(x.shape)}")
        if self.squeeze:
            if x.shape[1] != 1:
                raise ValueError(
                    f"the model reads (batch, time): give inputs with one channel, got {x.shape[1]}"
                )
            return self.model(x[:, 0], *args, **kwargs)
        channels, length = x.shape[1], x.shape[2]
        declared = self.input_shape
        if (declared is not None and len(declared) == 2 and channels != length
                and _fits(declared, (channels, length)) and not _fits(declared, (length, channels))):
            raise ValueError(
                f"channels_last=True, but the model's declared input is (batch, "
                f"{', '.join('?' if d is None else str(d) for d in declared)}), which is (batch, "
                f"channels, time) for these {channels}-channel signals of length {length}; load "
                "it with channels_last=False"
            )
        try:
            out = self.model(x.transpose(1, 2), *args, **kwargs)
        except Exception as err:
            if self._reads_channels_first(x, args, kwargs):
                raise ValueError(self._wrong_layout(channels, length, "fails on")) from err
            raise
        if (isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] != x.shape[0]
                and self._reads_channels_first(x, args, kwargs)):
            raise ValueError(self._wrong_layout(channels, length,
                                                f"returns {out.shape[0]} outputs for {x.shape[0]} inputs on"))
        return out

    def _reads_channels_first(self, x, args, kwargs) -> bool:
        """Whether the model runs on the untransposed signals, one output per input."""
        try:
            with torch.no_grad():
                out = self.model(x, *args, **kwargs)
        except Exception:
            return False
        return isinstance(out, torch.Tensor) and out.dim() > 0 and out.shape[0] == x.shape[0]

    @staticmethod
    def _wrong_layout(channels: int, length: int, what: str) -> str:
        return (f"channels_last=True, but the model reads (batch, channels, time): it {what} the "
                f"transposed signals (batch, {length}, {channels}) and runs on (batch, {channels}, "
                f"{length}); load it with channels_last=False")


def _train(wrapper: nn.Module, mode: bool) -> nn.Module:
    """``nn.Module.train`` for a wrapper whose model may be a ``torch.export`` graph, which has
    no mode to set and raises NotImplementedError from ``train()`` and ``eval()``."""
    wrapper.training = mode
    if not isinstance(wrapper.model, nn.Module):  # a plain callable has no mode
        return wrapper
    try:
        wrapper.model.train(mode)
    except NotImplementedError:
        pass
    return wrapper


def _check_wrapped(model: Any, wrapper: str, reads: str) -> None:
    """Raise ``TypeError`` naming ``model`` unless it is a module or a callable."""
    if isinstance(model, type) or not callable(model):
        raise TypeError(f"model must be a torch.nn.Module (or a callable) reading {reads} "
                        f"inputs for {wrapper} to wrap, got "
                        f"{model.__name__ if isinstance(model, type) else type(model).__name__}"
                        f"{' (a class: build it first)' if isinstance(model, type) else ''}")


def _check_input_shape(input_shape: Any) -> tuple[int | None, ...] | None:
    """``input_shape`` as a tuple of sizes >= 1 or None (a free axis); None stays None."""
    if input_shape is None:
        return None
    if isinstance(input_shape, str | bytes) or not isinstance(input_shape, Sequence | torch.Size):
        raise TypeError(f"input_shape must be None or a tuple of axis sizes after the batch axis "
                        f"(None for a free axis), e.g. (64, 3), got {input_shape!r:.60}")
    for d in input_shape:
        if d is not None:
            check_positive_int(d, f"every entry of input_shape {tuple(input_shape)!r:.60} (or None)")
    return tuple(None if d is None else int(d) for d in input_shape)


def _fits(declared: tuple[int | None, ...], shape: tuple[int, ...]) -> bool:
    """Whether ``shape`` matches ``declared`` (None matches any size)."""
    return len(declared) == len(shape) and all(
        d is None or d == s for d, s in zip(declared, shape, strict=True))


class FixedBatch(nn.Module):
    """Runs a graph exported for a fixed batch size on any batch, ``max_batch_size`` inputs at a
    time (the last piece padded with copies of its last input, whose outputs are dropped).

    Gradients flow through it, so gradient methods (FLEX, IG) work; it costs one model call per
    ``max_batch_size`` inputs. Only the first input is split; other arguments are passed as is.

    Parameters
    ----------
    model : nn.Module
        The graph that reads exactly ``max_batch_size`` inputs.
    max_batch_size : int
        The batch size the graph was exported for.
    input_shape : tuple of int or None, optional
        The shape of one input the graph reads (after the batch axis; None for a free axis):
        other shapes are refused with a ``ValueError`` naming both before the graph runs.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FixedBatch
    >>> class ExportedForEight(torch.nn.Module):   # stands in for a graph exported at batch 8
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2))
    ...     def forward(self, x):
    ...         if x.shape[0] != 8:
    ...             raise RuntimeError(f"exported for 8 inputs, got {x.shape[0]}")
    ...         return self.net(x)
    >>> graph = ExportedForEight()
    >>> model = FixedBatch(graph, max_batch_size=8, input_shape=(1, 256))
    >>> x = torch.randn(20, 1, 256)            # 3 calls of 8, the last one padded
    >>> model(x).shape
    torch.Size([20, 2])
    >>> torch.allclose(model(x), graph.net(x), atol=1e-6)
    True
    """

    def __init__(self, model: nn.Module, max_batch_size: int, *,
                 input_shape: tuple[int | None, ...] | None = None) -> None:
        super().__init__()
        _check_wrapped(model, "FixedBatch", f"exactly {max_batch_size!r}")
        if isinstance(max_batch_size, bool) or not isinstance(max_batch_size, int) \
                or max_batch_size < 1:
            raise ValueError(f"max_batch_size must be a positive int, got {max_batch_size!r}")
        self.model = model
        self.max_batch_size = max_batch_size
        self.input_shape = _check_input_shape(input_shape)
        self.training = getattr(model, "training", False)

    def train(self, mode: bool = True) -> FixedBatch:
        return _train(self, mode)

    def forward(self, x, *args, **kwargs):
        n = self.max_batch_size
        if self.input_shape is not None and not _fits(self.input_shape, tuple(x.shape[1:])):
            declared = ", ".join("?" if d is None else str(d) for d in (n, *self.input_shape))
            raise ValueError(
                f"the model was exported for inputs of shape ({declared}) and cannot read "
                f"{tuple(x.shape)}: export it with dynamic axes (torch.export's dynamic_shapes)"
            )  # short: the runner shows the first 200 characters
        if x.shape[0] == n:
            return self.model(x, *args, **kwargs)
        if x.shape[0] == 0:
            return _take(self.model(x.new_zeros(n, *x.shape[1:]), *args, **kwargs), 0)
        outs = []
        for start in range(0, x.shape[0], n):  # the graph reads n inputs, no more, no fewer
            piece = x[start : start + n]
            k = piece.shape[0]
            if k < n:
                piece = torch.cat([piece, piece[-1:].detach().expand(n - k, *piece.shape[1:])])
            outs.append(_take(self.model(piece, *args, **kwargs), k))
        if isinstance(outs[0], torch.Tensor):
            return torch.cat(outs)
        return type(outs[0])(torch.cat(parts) for parts in zip(*outs, strict=True))


def _take(out: Any, k: int) -> Any:
    """The first ``k`` rows of a tensor output or of each tensor of a tuple/list output."""
    if isinstance(out, torch.Tensor):
        return out[:k]
    if isinstance(out, tuple | list) and all(isinstance(o, torch.Tensor) for o in out):
        return type(out)(o[:k] for o in out)
    raise TypeError(f"a fixed-batch model must return a tensor or a tuple of tensors to be split "
                    f"into batches, got {type(out).__name__}")

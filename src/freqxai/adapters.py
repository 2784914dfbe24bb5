"""Any classifier as a model explainers can read, and what each model allows.

Most time-series classifiers in use are not eager PyTorch modules: aeon's MiniRocket, Rocket and
HIVE-COTE 2, scikit-learn pipelines, functions of numpy arrays. :class:`NumpyModel` and
:class:`EstimatorModel` present them to explainers as a forward-only ``nn.Module`` (tensors in,
tensors out, numpy in between, large batches), and declare what they return
(``output_kind``: probabilities are never put through another softmax).

:func:`capabilities` states what a model allows, following aeon's estimator tags: whether it can
be differentiated, whether it has eager modules for LRP's rules, what it returns, how it reads its
input and in what batches. Explainers declare what they need (``needs_gradients``,
``needs_modules``); :func:`method_support` joins the two, so the runner's default method set is
exactly what can explain the model and every method left out is named with its reason.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

__all__ = [
    "NumpyModel",
    "EstimatorModel",
    "ModelCapabilities",
    "as_model",
    "capabilities",
    "is_estimator",
    "method_support",
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
    ``decision_function`` (scikit-learn, aeon, sktime), rather than a callable model."""
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
    >>> from aeon.classification.convolution_based import MiniRocketClassifier
    >>> clf = MiniRocketClassifier().fit(X_train, y_train)
    >>> relevance = FreqRISE(clf).attribute(X_test)        # wrapped automatically
    >>> relevance = FreqRISE(EstimatorModel(clf, method="decision_function")).attribute(X_test)
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
    ``decision_function``) wrapped in :class:`EstimatorModel`; anything else as given."""
    if is_estimator(model):
        return EstimatorModel(model)
    if inspect.ismethod(model) and is_estimator(model.__self__):
        if model.__name__ in ("predict_proba", "decision_function"):
            return EstimatorModel(model.__self__, method=model.__name__)
        raise TypeError(f"model is {type(model.__self__).__name__}.{model.__name__}, which returns "
                        "labels or values, not class scores: give the estimator itself, or its "
                        "predict_proba / decision_function")
    return model


@dataclass(frozen=True)
class ModelCapabilities:
    """What a model allows (aeon's estimator tags are the model of this).

    Attributes
    ----------
    kind : str
        ``"torch"`` (an eager module), ``"torchscript"``, ``"torch.export"``, ``"estimator"``,
        ``"numpy"`` (a :class:`NumpyModel`) or ``"callable"``.
    differentiable : bool or None
        Gradients reach the input (None: not known without running it; explainers probe it).
    has_modules : bool
        Eager modules whose forward runs, so LRP's rules can hook into them.
    output_kind : str or None
        ``"logits"``, ``"probabilities"`` or ``"scores"`` as declared (None: read off the
        outputs when explaining).
    layout : str
        How the model reads a signal: ``"channels_first"`` or ``"flat"``.
    max_batch_size : int or None
        Most signals per call (a fixed-batch export; None: any).
    """

    kind: str
    differentiable: bool | None
    has_modules: bool
    output_kind: str | None
    layout: str = "channels_first"
    max_batch_size: int | None = None


def capabilities(model: Any) -> ModelCapabilities:
    """What ``model`` allows, from what it is (no forward pass; :class:`ModelCapabilities`)."""
    from .explainers.lrp_support import _graph_kind

    model = as_model(model)
    if not callable(model):
        raise TypeError(f"model must be a torch.nn.Module, a callable or a fitted estimator, got "
                        f"{type(model).__name__}")
    declared = getattr(model, "output_kind", None)
    batch = getattr(model, "max_batch_size", None)
    if isinstance(model, NumpyModel):
        kind = "estimator" if isinstance(model, EstimatorModel) else "numpy"
        return ModelCapabilities(kind, False, False, declared, model.layout, batch)
    graph = _graph_kind(model)
    if graph is not None:
        return ModelCapabilities("torchscript" if graph == "TorchScript" else "torch.export",
                                 True, False, declared, max_batch_size=batch)
    if isinstance(model, nn.Module):
        return ModelCapabilities("torch", getattr(model, "differentiable", None), True, declared,
                                 max_batch_size=batch)
    return ModelCapabilities("callable", None, False, declared, max_batch_size=batch)


def method_support(model: Any, methods: list[str] | None = None) -> dict[str, str | None]:
    """For each method (default: every registered one), None if it can explain ``model``, else
    the reason it cannot (``"needs gradients; a scikit-learn/aeon estimator has none"``).

    Decided from :func:`capabilities` and the explainers' declared needs; a model whose
    differentiability is unknown is taken as differentiable here and probed on one input when
    explained.
    """
    from .explainers import list_explainers
    from .explainers.base import explainer_class

    caps = capabilities(model)
    what = {"estimator": "a scikit-learn/aeon estimator", "numpy": "a numpy function",
            "torchscript": "a TorchScript graph", "torch.export": "a torch.export graph",
            "callable": "a plain callable", "torch": "this model"}[caps.kind]
    out: dict[str, str | None] = {}
    for name in methods or list_explainers():
        cls = explainer_class(name)
        if cls.needs_gradients and caps.differentiable is False:
            out[name] = f"needs gradients; {what} has none"
        elif getattr(cls, "needs_modules", False) and not caps.has_modules:
            out[name] = f"needs eager modules for its rules; {what} has no module hooks"
        else:
            out[name] = None
    return out

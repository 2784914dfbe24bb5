"""The metric contract: one call signature, declared tags, and a registry.

Every metric is called as ``metric(model, inputs, relevance, target=None, *, domain=None,
ground_truth=None)`` and returns one score per input (Quantus' convention of one signature for
every metric, with a declared ``higher_is_better``), so the runner loops over metrics and the
report reads the direction instead of hard-coding it.

**Tags**: one frozen dataclass, :class:`MetricTags` (``name`` the registry name, ``label`` the
column title, ``higher_is_better``, ``needs_model``, ``needs_ground_truth``, ``has_curves``: the
metric also returns per-input curves through ``curves``, ``needs_explainer``: it explains
perturbed inputs again), read with :func:`freqxai.explainers.get_tags` or ``cls.tags``. A class
declares ``tags = MetricTags(...)``; the tags are also kept as the class attributes of the same
names, which plug-ins may set instead (a class without its own ``tags`` reads those).

**The ``__call__`` wrapper** (explicit): ``Metric.__init_subclass__`` wraps the ``__call__`` a
class defines (plug-ins' too) with :func:`_checked_call`, which checks a ``domain=`` given to any
metric (an unknown name is refused, used or not) before the metric's own code runs.
:func:`freqxai.testing.check_metric` runs the contract on a class.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from .._registry import Registry
from ..domains import Domain, get_domain

__all__ = [
    "Metric",
    "MetricTags",
    "register_metric",
    "list_metrics",
    "get_metric",
    "metric_class",
    "check_relevance",
]


def check_relevance(relevance: Any, batch: int | None = None, name: str = "relevance",
                    batch_of: str = "inputs", *, warn_flat: bool = False) -> np.ndarray:
    """``relevance`` as a float64 array ``(batch, ...)``; raises on NaN/Inf or a batch mismatch.

    ``warn_flat``: warn when an input's relevance is constant (all zero, say), for metrics that
    rank coefficients: its ranking would be by position, not by relevance.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from freqxai.metrics import check_relevance
    >>> r = check_relevance(torch.ones(4, 1, 129), batch=4)
    >>> r.dtype, r.shape
    (dtype('float64'), (4, 1, 129))
    >>> check_relevance(np.ones((3, 1, 129)), batch=4)
    Traceback (most recent call last):
    ...
    ValueError: relevance has 3 samples for 4 inputs
    """
    if isinstance(relevance, torch.Tensor):
        if relevance.is_complex() or relevance.dtype == torch.bool:
            raise TypeError(f"{name} must be real-valued, got {relevance.dtype}; take .abs() or "
                            ".real of complex relevance first")
        r = relevance.detach().cpu().to(torch.float64).numpy()
    elif isinstance(relevance, np.ndarray):
        if relevance.dtype == object or np.iscomplexobj(relevance) or relevance.dtype == bool:
            raise TypeError(f"{name} must be a real array, got dtype {relevance.dtype}; take "
                            "np.abs() or .real of complex relevance first")
        r = relevance.astype(np.float64, copy=False)
    else:
        raise TypeError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(relevance).__name__}")
    if r.ndim < 2:
        raise ValueError(f"{name} must have shape (batch, ...), got shape {r.shape}")
    if r.size == 0:
        raise ValueError(f"{name} is empty (shape {r.shape}): nothing to score")
    if batch is not None and r.shape[0] != batch:
        raise ValueError(f"{name} has {r.shape[0]} samples for {batch} {batch_of}")
    if not np.isfinite(r).all():
        raise ValueError(f"{name} contains NaN or Inf values; a score of it would be meaningless")
    if warn_flat:
        flat = r.reshape(len(r), -1)
        constant = np.flatnonzero((flat == flat[:, :1]).all(1))
        if constant.size:
            import warnings

            warnings.warn(f"{name} is constant (e.g. all zero) for {constant.size} of {len(r)} "
                          f"inputs (#{', #'.join(map(str, constant[:5]))}): it ranks no "
                          "coefficient above another, so their scores rank by position",
                          UserWarning, stacklevel=3)
    return r


@dataclass(frozen=True)
class MetricTags:
    """What a metric scores and needs, read with :func:`freqxai.explainers.get_tags`.

    Attributes
    ----------
    name : str
        The registry name (set by :func:`register_metric`).
    label : str
        Column title in tables.
    higher_is_better : bool
        The score direction (Quantus' ``score_direction``; :attr:`score_direction` says it in a
        word).
    needs_model : bool
        The metric runs the model (False: it reads the relevance alone, e.g. complexity).
    needs_ground_truth : bool
        The metric scores against known frequencies (``ground_truth=``; the synthetic data).
    has_curves : bool
        ``curves`` also returns per-input curves (deletion, insertion).
    needs_explainer : bool
        The metric explains perturbed inputs again (stability): it takes an explainer, and runs
        leave it to the API.

    Examples
    --------
    >>> from freqxai import MetricTags, get_tags
    >>> from freqxai.metrics import metric_class
    >>> tags = get_tags(metric_class("deletion"))
    >>> tags.label, tags.higher_is_better, tags.has_curves
    ('deletion AUC', False, True)
    >>> MetricTags(name="peak_share", label="peak share").score_direction   # a plug-in's tags
    'higher'
    """

    name: str = "metric"
    label: str = "metric"
    higher_is_better: bool = True
    needs_model: bool = True
    needs_ground_truth: bool = False
    has_curves: bool = False
    needs_explainer: bool = False

    @property
    def score_direction(self) -> str:
        """``"higher"`` or ``"lower"`` (is better)."""
        return "higher" if self.higher_is_better else "lower"


class _TagsAccessor:
    """``cls.tags`` / ``obj.tags``: the class's current :class:`MetricTags`."""

    def __get__(self, obj: Any, owner: type) -> Any:
        return owner._read_tags()


class Metric:
    """Base class of metrics.

    Parameters
    ----------
    domain : str or Domain, optional
        Default explanation domain of the relevance (a call's ``domain=`` overrides it).

    Examples
    --------
    A metric declares its tags and returns one score per input:

    >>> import numpy as np
    >>> from freqxai.metrics import Metric, MetricTags, check_relevance
    >>> class PeakShare(Metric):
    ...     # the share of the absolute relevance in the largest coefficient
    ...     tags = MetricTags(label="peak share", higher_is_better=True, needs_model=False)
    ...     def __call__(self, model, inputs, relevance, target=None, *, domain=None,
    ...                  ground_truth=None):
    ...         r = np.abs(check_relevance(relevance)).reshape(len(relevance), -1)
    ...         return r.max(1) / r.sum(1)
    >>> PeakShare()(None, None, np.array([[[1.0, 3.0]], [[2.0, 2.0]]]))
    array([0.75, 0.5 ])
    >>> PeakShare.tags.score_direction
    'higher'
    """

    name: ClassVar[str] = "metric"
    # the tags, also as class attributes (read them with get_tags / cls.tags; see MetricTags)
    label: ClassVar[str] = "metric"
    higher_is_better: ClassVar[bool] = True
    needs_model: ClassVar[bool] = True
    needs_ground_truth: ClassVar[bool] = False
    has_curves: ClassVar[bool] = False
    needs_explainer: ClassVar[bool] = False
    tags: ClassVar[Any] = _TagsAccessor()

    def __init__(self, domain: str | Domain | None = None) -> None:
        self.domain = None if domain is None else get_domain(domain)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("tags")
        if isinstance(declared, MetricTags):  # kept as the class attributes old readers use
            for f in dataclasses.fields(MetricTags):
                if f.name != "name":
                    setattr(cls, f.name, getattr(declared, f.name))
            delattr(cls, "tags")  # the inherited accessor reads them back
        if "__call__" in cls.__dict__:
            cls.__call__ = _checked_call(cls.__dict__["__call__"])

    @classmethod
    def _read_tags(cls) -> MetricTags:
        values = {f.name: getattr(cls, f.name, f.default) for f in dataclasses.fields(MetricTags)}
        return MetricTags(**{k: v if k in ("name", "label") else bool(v)
                             for k, v in values.items()})

    def _domain(self, domain: str | Domain | None, default: str | None = "fft") -> Domain | None:
        if domain is not None:
            return get_domain(domain)
        if self.domain is not None:
            return self.domain
        return None if default is None else get_domain(default)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        """One score per input, shape ``(batch,)``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        arrow = "higher" if self.higher_is_better else "lower"
        return f"{type(self).__name__}(name={self.name!r}, {arrow} is better)"


def _checked_call(call):
    """Wrap a class's ``__call__`` (module notes): a ``domain=`` given to any metric is checked,
    used or not."""
    @functools.wraps(call)
    def checked(self, *args: Any, domain: Any = None, **kw: Any) -> Any:
        if domain is not None:
            get_domain(domain)
        return call(self, *args, domain=domain, **kw)

    checked.__metric_contract__ = True
    return checked


_METRICS: Registry[type[Metric]] = Registry("metric", Metric)


def register_metric(name: str, *, aliases: tuple[str, ...] = (), override: bool = False):
    """Class decorator: make a :class:`Metric` subclass available by ``name`` (and ``aliases``);
    a name already taken is refused unless ``override=True`` (replacing it on purpose).

    Examples
    --------
    >>> from freqxai.metrics import Metric, list_metrics, register_metric
    >>> from freqxai.testing import isolated_registries
    >>> with isolated_registries():      # a plug-in under test: registered inside the block only
    ...     @register_metric("my_metric")
    ...     class MyMetric(Metric):
    ...         pass
    ...     print("my_metric" in list_metrics(), MyMetric.tags.name)
    True my_metric
    >>> "my_metric" in list_metrics()
    False
    """
    return _METRICS.register(name, aliases=aliases, override=override)


def list_metrics() -> list[str]:
    """Names of the registered metrics, in registration order.

    Examples
    --------
    >>> from freqxai.metrics import list_metrics
    >>> list_metrics()
    ['localization', 'complexity', 'deletion', 'insertion', ...]
    """
    return _METRICS.names()


def metric_class(name: str) -> type[Metric]:
    """The class registered as ``name`` (or an alias of it).

    Examples
    --------
    >>> from freqxai.metrics import metric_class
    >>> metric_class("deletion_auc").__name__       # an alias of "deletion"
    'Deletion'
    >>> metric_class("deletion").tags.higher_is_better
    False
    """
    return _METRICS.lookup(name)


def get_metric(name: str, **settings: Any) -> Metric:
    """Build a registered metric, e.g. ``get_metric("deletion", fractions=...)``.

    Examples
    --------
    >>> from freqxai.metrics import get_metric
    >>> get_metric("deletion", fractions=(0.0, 0.5, 1.0))
    Deletion(name='deletion', lower is better)
    >>> get_metric("complexity").tags.needs_model
    False
    """
    return metric_class(name)(**settings)

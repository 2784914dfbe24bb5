"""The metric contract: one call signature, a declared score direction, and a registry.

Every metric is called as ``metric(model, inputs, relevance, target=None, *, domain=None,
ground_truth=None)`` and returns one score per input (Quantus' convention of one signature for
every metric, with a declared ``higher_is_better``), so the runner loops over metrics and the
report reads the direction instead of hard-coding it. Class attributes: ``name`` (registry name),
``label`` (column title), ``higher_is_better``, ``needs_model``, ``needs_ground_truth``,
``has_curves`` (the metric also returns per-input curves through ``curves``).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np
import torch

from .._registry import Registry
from ..domains import Domain, get_domain

__all__ = [
    "Metric",
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
    rank coefficients: its ranking would be by position, not by relevance."""
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


class Metric:
    """Base class of metrics.

    Parameters
    ----------
    domain : str or Domain, optional
        Default explanation domain of the relevance (a call's ``domain=`` overrides it).
    """

    name: ClassVar[str] = "metric"
    label: ClassVar[str] = "metric"
    higher_is_better: ClassVar[bool] = True
    needs_model: ClassVar[bool] = True
    needs_ground_truth: ClassVar[bool] = False
    has_curves: ClassVar[bool] = False
    needs_explainer: ClassVar[bool] = False  # explains perturbed inputs again (stability)

    def __init__(self, domain: str | Domain | None = None) -> None:
        self.domain = None if domain is None else get_domain(domain)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__call__" in cls.__dict__:  # a domain given to any metric is checked, used or not
            call = cls.__dict__["__call__"]

            @functools.wraps(call)
            def checked(self, *args: Any, domain: Any = None, **kw: Any) -> Any:
                if domain is not None:
                    get_domain(domain)
                return call(self, *args, domain=domain, **kw)

            cls.__call__ = checked

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


_METRICS: Registry[type[Metric]] = Registry("metric", Metric)


def register_metric(name: str, *, aliases: tuple[str, ...] = (), override: bool = False):
    """Class decorator: make a :class:`Metric` subclass available by ``name`` (and ``aliases``);
    a name already taken is refused unless ``override=True`` (replacing it on purpose).

    Examples
    --------
    >>> @register_metric("my_metric")
    ... class MyMetric(Metric): ...
    """
    return _METRICS.register(name, aliases=aliases, override=override)


def list_metrics() -> list[str]:
    """Names of the registered metrics, in registration order."""
    return _METRICS.names()


def metric_class(name: str) -> type[Metric]:
    """The class registered as ``name`` (or an alias of it)."""
    return _METRICS.lookup(name)


def get_metric(name: str, **settings: Any) -> Metric:
    """Build a registered metric, e.g. ``get_metric("deletion", fractions=...)``."""
    return metric_class(name)(**settings)

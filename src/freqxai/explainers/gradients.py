"""Gradient baselines in time (Captum and Zennit), and their projection into a frequency domain.

The FreqRISE paper (Brüsch et al., NLDL 2025) compares against saliency, gradient×input,
Integrated Gradients and LRP computed in time and carried into frequency or time-frequency with
DFT-LRP (Vielhaben et al., 2024). Each explainer here returns time relevance ``(batch, channels,
time)``; :class:`InDomain` projects any of them into a domain with
:func:`~freqxai.explainers.projection.project_relevance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from captum.attr import InputXGradient
from captum.attr import Saliency as _CaptumSaliency
from torch import nn

from .._validation import (
    TargetType,
    as_signal_tensor,
    model_device,
    resolve_targets,
    to_output,
    warn_if_training,
)
from ..domains import Domain, Time, get_domain
from .flex import FLEX
from .projection import project_relevance

__all__ = [
    "TimeExplainer",
    "Saliency",
    "GradientXInput",
    "IntegratedGradientsTime",
    "LRP",
    "InDomain",
]


class TimeExplainer:
    """Base class: validates inputs and targets, runs :meth:`_attribute` on the model's device.

    Subclasses implement ``_attribute(x, targets, **kwargs) -> (batch, channels, time)``.
    """

    domain: Domain = Time()

    def __init__(self, model: nn.Module | Any) -> None:
        if not callable(model):
            raise TypeError(f"model must be callable, got {type(model).__name__}")
        self.model = model

    def attribute(self, inputs: torch.Tensor | np.ndarray, target: TargetType = None, **kwargs):
        """Time-domain relevance ``(batch, channels, time)`` for ``target`` (None: predicted)."""
        x, was_numpy = as_signal_tensor(inputs)
        warn_if_training(self.model)
        x = x.to(model_device(self.model))
        with torch.no_grad():
            targets = resolve_targets(target, self.model(x))
        # a detached view that needs gradients: the caller's tensor is left as it was
        x = x.detach().requires_grad_()
        return to_output(self._attribute(x, targets, **kwargs).detach(), was_numpy)

    def _attribute(self, x: torch.Tensor, targets: torch.Tensor, **kwargs) -> torch.Tensor:
        raise NotImplementedError


class Saliency(TimeExplainer):
    """Gradient of the target output (Simonyan et al., 2014), via Captum.

    ``abs=True`` (Captum's default) returns the gradient magnitude.
    """

    def _attribute(self, x, targets, abs: bool = True):
        return _CaptumSaliency(self.model).attribute(x, target=targets, abs=abs)


class GradientXInput(TimeExplainer):
    """Gradient times input (Shrikumar et al., 2016), via Captum's ``InputXGradient``."""

    def _attribute(self, x, targets):
        return InputXGradient(self.model).attribute(x, target=targets)


class IntegratedGradientsTime(TimeExplainer):
    """Integrated Gradients in time (Sundararajan et al., 2017), via Captum; zero baseline.

    Runs :class:`~freqxai.FLEX` in the time domain, which is Captum's IG with FLEX's batching
    (input groups sized for the device, one backward per forward pass).
    """

    def _attribute(self, x, targets, baselines=None, n_steps: int = 50,
                   internal_batch_size: int | None = None, method: str = "gausslegendre"):
        return FLEX(self.model, "time").attribute(
            x.detach(), target=targets, baselines=baselines, n_steps=n_steps, method=method,
            internal_batch_size=internal_batch_size,
        )


class LRP(TimeExplainer):
    """Layer-wise Relevance Propagation (Bach et al., 2015) with a Zennit composite.

    Propagation starts from the target logit, so the relevance sums (up to the rules' absorption
    by biases and stabilizers) to the model's output for the target class.

    Parameters
    ----------
    model : nn.Module
    composite : str or zennit Composite
        A name from ``zennit.composites.COMPOSITES`` (``"epsilon_plus"``, the default,
        ``"epsilon_alpha2_beta1"``, ``"epsilon_plus_flat"``, ...) or a composite instance.
    canonizers : sequence of zennit Canonizer, optional
        Canonizers for the named composite. By default batch-norm layers that follow a linear or
        convolutional layer in an ``nn.Sequential`` are merged (``SequentialMergeBatchNorm``).
    """

    def __init__(self, model: nn.Module, composite: Any = "epsilon_plus",
                 canonizers: Sequence[Any] | None = None) -> None:
        super().__init__(model)
        from zennit.composites import COMPOSITES, Composite

        if isinstance(composite, str):
            if composite not in COMPOSITES:
                raise ValueError(f"composite must be one of {sorted(COMPOSITES)}, got {composite!r}")
            if canonizers is None:
                from zennit.canonizers import SequentialMergeBatchNorm

                canonizers = [SequentialMergeBatchNorm()]
            composite = COMPOSITES[composite](canonizers=list(canonizers))
        elif not isinstance(composite, Composite):
            raise TypeError(f"composite must be a name or a zennit Composite, got {composite!r}")
        self.composite = composite

    def _attribute(self, x, targets):
        from zennit.attribution import Gradient

        n_out = self.model(x[:1]).shape[1]
        one_hot = torch.nn.functional.one_hot(targets, n_out).to(x.dtype)
        # Start from the target logit (R_out = f_c), so relevance sums to the logit as in the
        # paper; the attributor registers and always removes the rule hooks (context manager).
        with Gradient(model=self.model, composite=self.composite) as attributor:
            _, relevance = attributor(x, lambda out: out * one_hot)
        return relevance


class InDomain:
    """Run a time-domain explainer and project its relevance into ``domain`` with DFT-LRP.

    Parameters
    ----------
    explainer : TimeExplainer
        Saliency, GradientXInput, IntegratedGradientsTime or LRP.
    domain : str or Domain
        Target domain (``"fft"``, ``"stft"``, ``"time"``).
    eps : float
        Negligible-sample threshold of :func:`project_relevance`.

    Examples
    --------
    >>> lrp_fft = InDomain(LRP(model), "fft")
    >>> relevance = lrp_fft.attribute(x, target=y)     # (batch, channels, n_freq)
    """

    def __init__(self, explainer: TimeExplainer, domain: str | Domain = "fft", eps: float = 1e-6):
        if not isinstance(explainer, TimeExplainer):
            raise TypeError(f"explainer must be a TimeExplainer, got {type(explainer).__name__}")
        self.explainer = explainer
        self.domain = get_domain(domain)
        self.eps = eps
        self.model = explainer.model

    def attribute(self, inputs, target: TargetType = None, **kwargs):
        """Relevance per coefficient of the domain ``(batch, channels, *coefficient_axes)``."""
        x, was_numpy = as_signal_tensor(inputs)
        rel_time = self.explainer.attribute(x, target=target, **kwargs)
        x = x.to(rel_time.device)
        out = project_relevance(rel_time, x, self.domain, eps=self.eps).to(x.dtype)
        return to_output(out, was_numpy)

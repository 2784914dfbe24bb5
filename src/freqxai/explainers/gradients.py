"""Gradient baselines in time (Captum and Zennit), projected into any domain with DFT-LRP.

The FreqRISE paper (Brüsch et al., NLDL 2025) compares against saliency, gradient×input,
Integrated Gradients and LRP computed in time and carried into frequency or time-frequency with
DFT-LRP (Vielhaben et al., 2024). Each explainer here computes time relevance ``(batch, channels,
time)`` and projects it into its ``domain`` with the domain's
:meth:`~freqxai.domains.Domain.project_relevance` (``domain="time"``, the default of the classes,
returns the time relevance itself; :func:`~freqxai.get_explainer` defaults to ``"fft"``).
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .._checks import POSITIVE_INT, Bool, Checked, Constraint, StrOptions
from .._validation import TargetType
from ..adapters import as_model
from ..domains import Domain, get_domain
from ..domains.base import check_eps
from .base import (
    Attribution,
    Explainer,
    ExplainerTags,
    Prepared,
    refuse_forward_only,
    register_explainer,
)
from .flex import FLEX, METHODS
from .lrp_support import (
    CONSERVATION_BAND,
    CONSERVATION_TOLERANCE,
    check_lrp_model,
    conservation_ratio,
    refuse_compiled_graph,
)

__all__ = [
    "GradientExplainer",
    "Saliency",
    "GradientXInput",
    "IntegratedGradients",
    "LRP",
    "IntegratedGradientsTime",
    "InDomain",
]


# the options of Integrated Gradients (FLEX's, less show_progress; baselines are checked against
# the inputs)
_IG_OPTIONS = {"n_steps": POSITIVE_INT, "method": StrOptions(METHODS),
               "internal_batch_size": [POSITIVE_INT, None], "return_convergence_delta": Bool()}


class _Composite(Constraint):
    """A name from ``zennit.composites.COMPOSITES`` or a zennit ``Composite`` (zennit is imported
    when a value is checked)."""

    def accepts(self, value: Any) -> bool:
        from zennit.composites import COMPOSITES, Composite

        return (isinstance(value, str) and value in COMPOSITES) or isinstance(value, Composite)

    def check(self, value: Any, name: str) -> Any:
        from zennit.composites import COMPOSITES, Composite

        if isinstance(value, str):
            if value not in COMPOSITES:
                raise ValueError(f"{name} must be one of {sorted(COMPOSITES)}, got {value!r}")
        elif not isinstance(value, Composite):
            raise TypeError(f"{name} must be a name or a zennit Composite, got {value!r}")
        return value

    def describe(self) -> str:
        return "a name from zennit.composites.COMPOSITES or a zennit Composite"


class _Canonizers(Constraint):
    """None (the default canonizers) or a list of zennit ``Canonizer`` instances."""

    error = TypeError

    def accepts(self, value: Any) -> bool:
        from zennit.canonizers import Canonizer

        if value is None:
            return True
        if isinstance(value, str | bytes):
            return False
        try:
            return all(isinstance(c, Canonizer) for c in value)
        except TypeError:
            return False

    def convert(self, value: Any) -> list | None:
        return None if value is None else list(value)

    def check(self, value: Any, name: str) -> Any:
        if value is not None and not isinstance(value, str | bytes):
            _iterable(value, name)  # "must be a list" for what is not iterable at all
        if not self.accepts(value):
            raise TypeError(f"{name} must be a list of zennit Canonizer instances, e.g. "
                            f"[SequentialMergeBatchNorm()], got {value!r:.80}")
        return self.convert(value)

    def describe(self) -> str:
        return "None or a list of zennit Canonizer instances"


class GradientExplainer(Explainer):
    """Base class: time relevance from ``_attribute_time``, projected into ``domain``.

    Parameters
    ----------
    model : torch.nn.Module or callable
    domain : str or Domain
        ``"time"`` (default here): the time relevance itself; any other domain: its DFT-LRP
        projection, which conserves the relevance's sum per signal and channel.
    eps : float
        Negligible-sample threshold of the projection (see
        :meth:`~freqxai.domains.Domain.project_relevance`).

    Examples
    --------
    A gradient method of your own computes relevance in time; ``_project`` carries it into the
    explainer's domain (DFT-LRP, conserving each signal's sum):

    >>> import numpy as np
    >>> import torch
    >>> from freqxai.explainers import GradientExplainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> class GradientTimesInput(GradientExplainer):
    ...     def attribute(self, inputs, target=None):
    ...         prep = self._time_inputs(inputs, target)       # prep.x requires grad
    ...         logit = self.model(prep.x).gather(1, prep.targets[:, None]).sum()
    ...         grad, = torch.autograd.grad(logit, prep.x)
    ...         return self._project(grad * prep.x, prep)
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = BinPowerModel(k=24)
    >>> in_time = GradientTimesInput(model).attribute(x, target=0)         # domain "time"
    >>> in_fft = GradientTimesInput(model, domain="fft").attribute(x, target=0)
    >>> in_time.shape, in_fft.shape
    ((4, 1, 256), (4, 1, 129))
    >>> np.allclose(in_time.sum(-1), in_fft.sum(-1), rtol=1e-4)
    True
    """

    # the paper clips negative gradient relevance before scoring
    tags = ExplainerTags(computes_in_time=True, clip_negative=True, needs_gradients=True)
    # numpy floats too; NaN, Inf and negatives refused
    _settings = {"eps": Checked(check_eps, "a finite number >= 0")}

    def __init__(self, model: nn.Module | Any, domain: str | Domain = "time", *,
                 eps: float = 1e-6, **settings: Any) -> None:
        super().__init__(model, domain, eps=eps, **settings)

    def _project(self, time_relevance: torch.Tensor, prep: Prepared,
                 *extra: torch.Tensor) -> Attribution:
        """The time relevance projected into the domain, finished like the input (with
        ``extra`` per-input values after it, e.g. a convergence delta)."""
        x = prep.x.detach().to(torch.float64)
        out = self.domain.project_relevance(time_relevance.detach().to(torch.float64), x,
                                            eps=self.eps)
        return self._finish((out, *extra) if extra else out, prep)

    def _time_inputs(self, inputs, target) -> Prepared:
        prep = self._prepare(inputs, target)
        # a detached copy that needs gradients: the caller's tensor is left as it was
        prep.x = prep.x.detach().requires_grad_()
        return prep

    def _attribute_time(self, x: torch.Tensor, targets: torch.Tensor, **options) -> torch.Tensor:
        raise NotImplementedError


@register_explainer("saliency")
class Saliency(GradientExplainer):
    """Gradient of the target output (Simonyan et al., 2014), via Captum.

    ``abs=True`` (Captum's default) returns the gradient magnitude.

    Not in default runs (name it with ``--methods``): projected into a frequency domain, the
    time-domain gradient's magnitude barely depends on the model. Deleting coefficients by the
    trained model's map did no better than by a randomized model's (model-swap deletion gaps
    0.08 / 0.02 / -0.10 on raw BasicMotions, mean-removed BasicMotions and the paper's MLP,
    against 0.24-0.50 for FreqRISE, FLEX, gradient x input and LRP; issue 26).

    Examples
    --------
    >>> from freqxai import Saliency
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = BinPowerModel(k=24)
    >>> Saliency(model).attribute(x, target=0).shape                 # per time sample
    (4, 1, 256)
    >>> Saliency(model, domain="fft").attribute(x, target=0).shape   # projected (DFT-LRP)
    (4, 1, 129)
    """

    tags = dataclasses.replace(GradientExplainer.tags, in_default_runs=False)
    _call_options = {"abs": Bool()}

    def attribute(self, inputs: Attribution, target: TargetType = None, *,
                  abs: bool = True) -> Attribution:
        """Relevance ``(batch, channels, *coefficient_shape)``; ``abs`` takes the magnitude."""
        prep = self._time_inputs(inputs, target)
        from captum.attr import Saliency as CaptumSaliency  # (deferred: loads matplotlib)

        rel = CaptumSaliency(self.model).attribute(prep.x, target=prep.targets, abs=abs)
        return self._project(rel, prep)


@register_explainer("gxi")
class GradientXInput(GradientExplainer):
    """Gradient times input (Shrikumar et al., 2016), via Captum's ``InputXGradient``.

    Examples
    --------
    >>> from freqxai import GradientXInput
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> explainer = GradientXInput(BinPowerModel(k=24), domain="fft")   # class 0: bin 24 (12 Hz)
    >>> relevance = explainer.attribute(x, target=0)
    >>> relevance.shape
    (4, 1, 129)
    >>> relevance[:, 0].argmax(axis=-1).tolist()
    [24, 24, 24, 24]
    """

    # additive: exact for piecewise-linear models without biases
    tags = dataclasses.replace(GradientExplainer.tags, additive=True)

    def attribute(self, inputs: Attribution, target: TargetType = None) -> Attribution:
        """Relevance ``(batch, channels, *coefficient_shape)``."""
        prep = self._time_inputs(inputs, target)
        from captum.attr import InputXGradient  # (deferred: captum.attr loads matplotlib)

        rel = InputXGradient(self.model).attribute(prep.x, target=prep.targets)
        return self._project(rel, prep)


@register_explainer("ig")
class IntegratedGradients(GradientExplainer):
    """Integrated Gradients in time (Sundararajan et al., 2017), via Captum; zero baseline.

    Runs :class:`~freqxai.FLEX` in the time domain, which is Captum's IG with FLEX's batching
    (input groups sized for the device, one backward per forward pass), then projects.

    Examples
    --------
    >>> from freqxai import IntegratedGradients
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> ig = IntegratedGradients(BinPowerModel(k=24), domain="fft")    # class 0: bin 24 (12 Hz)
    >>> relevance, delta = ig.attribute(x, target=0, n_steps=16, return_convergence_delta=True)
    >>> relevance.shape, delta.shape
    ((4, 1, 129), (4,))
    >>> relevance[:, 0].argmax(axis=-1).tolist()
    [24, 24, 24, 24]
    """

    tags = dataclasses.replace(GradientExplainer.tags, has_convergence_delta=True, additive=True)
    _call_options = _IG_OPTIONS

    def attribute(self, inputs: Attribution, target: TargetType = None, *, baselines: Any = None,
                  n_steps: int = 50, internal_batch_size: int | None = None,
                  method: str = "gausslegendre", return_convergence_delta: bool = False,
                  ) -> Attribution | tuple[Attribution, Attribution]:
        """Relevance ``(batch, channels, *coefficient_shape)``; options as :meth:`FLEX.attribute`
        (with ``return_convergence_delta``, also ``sum(relevance) - (f(x) - f(baseline))`` per
        input: the error of the numerical integration, which the projection conserves)."""
        prep = self._time_inputs(inputs, target)
        out = FLEX(self.model, "time").attribute(
            prep.x.detach(), target=prep.targets, baselines=baselines, n_steps=n_steps,
            method=method, internal_batch_size=internal_batch_size,
            return_convergence_delta=return_convergence_delta,
        )
        if return_convergence_delta:
            return self._project(out[0], prep, out[1].detach())
        return self._project(out, prep)


@register_explainer("lrp")
class LRP(GradientExplainer):
    """Layer-wise Relevance Propagation (Bach et al., 2015) with a Zennit composite.

    Propagation starts from the target logit, so the relevance sums (up to the rules' absorption
    by biases and stabilizers) to the model's output for the target class.

    Parameters
    ----------
    model : nn.Module
        An eager module (Zennit attaches its rules to the module's layers).
    domain : str or Domain
        ``"time"`` by default; any other domain gets the DFT-LRP projection.
    composite : str or zennit Composite
        A name from ``zennit.composites.COMPOSITES`` (``"epsilon_plus"``, the default,
        ``"epsilon_alpha2_beta1"``, ``"epsilon_plus_flat"``, ...) or a composite instance.
    canonizers : sequence of zennit Canonizer, optional
        Canonizers for a named composite. By default batch-norm layers that follow a linear or
        convolutional layer in an ``nn.Sequential`` are merged (``SequentialMergeBatchNorm``).
        With a composite instance, give them to the composite's constructor instead.
    strict : bool
        Raise (default) when a module with parameters or one that mixes its inputs has no rule
        in the composite; ``False`` warns instead (:func:`~freqxai.explainers.lrp_support.check_lrp_model`).
        TorchScript and ``torch.export`` graphs are always refused: no rule would fire.

    Notes
    -----
    After every call conservation is checked: a second pass with the same composite but the
    biases left out of the rules (``zero_params="bias"``) must sum to the target logit within
    5 % (biases and nothing else absorb relevance in the first pass); a ``UserWarning`` names the
    inputs where it does not (operations in ``forward`` outside modules, or activations so small
    that the stabiliser absorbs the relevance). For a composite instance, whose bias handling is
    not known, the ratio of the result itself must lie in [0.5, 2]. The ratio of the last call
    is kept in ``conservation_`` (one value per input).

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from freqxai import LRP
    >>> from freqxai.testing import tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2, bias=False))
    >>> lrp = LRP(model, domain="fft")         # relevance in time, projected with DFT-LRP
    >>> relevance = lrp.attribute(x, target=y)
    >>> relevance.shape
    (4, 1, 129)
    >>> logits = model(torch.from_numpy(x)).detach().numpy()[np.arange(4), y]
    >>> np.allclose(relevance.sum(axis=(1, 2)), logits, atol=1e-4)   # conserved: the target logit
    True
    """

    # additive: relevance is conserved, it sums to the target logit
    tags = dataclasses.replace(GradientExplainer.tags, additive=True, needs_modules=True)
    _settings = {**GradientExplainer._settings, "composite": _Composite(),
                 "canonizers": _Canonizers(), "strict": Bool()}

    def __init__(self, model: nn.Module, domain: str | Domain = "time", *,
                 composite: Any = "epsilon_plus", canonizers: Sequence[Any] | None = None,
                 strict: bool = True, eps: float = 1e-6) -> None:
        model = as_model(model)  # an estimator: refused for having no gradients, below
        refuse_forward_only(model, self.name)
        refuse_compiled_graph(model)  # before the nn.Module check: an ExportedProgram is none
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"LRP needs a torch.nn.Module (Zennit attaches its rules to the module's layers), "
                f"got {type(model).__name__}; use a gradient method (saliency, gxi, ig) for "
                "other callables"
            )
        super().__init__(model, domain, eps=eps, composite=composite, canonizers=canonizers,
                         strict=strict)
        from zennit.composites import COMPOSITES

        self._bias_free = None  # the conservation check's composite (named composites)
        if isinstance(composite, str):
            if canonizers is None:
                from zennit.canonizers import SequentialMergeBatchNorm

                canonizers = [SequentialMergeBatchNorm()]
            cls = COMPOSITES[composite]
            if "zero_params" in inspect.signature(cls.__init__).parameters:
                self._bias_free = cls(canonizers=list(canonizers), zero_params="bias")
            composite = cls(canonizers=list(canonizers))
        self.composite = composite  # the instance (a name given: built here)
        self.unsupported = check_lrp_model(model, composite, strict=self.strict)

    @classmethod
    def _check_settings(cls, settings: dict[str, Any]) -> None:
        if not isinstance(settings.get("composite", "epsilon_plus"), str) \
                and settings.get("canonizers") is not None:
            raise ValueError(
                "canonizers are only used with a composite name; with a Composite instance give "
                "them to its constructor, e.g. EpsilonPlus(canonizers=[...])"
            )

    def attribute(self, inputs: Attribution, target: TargetType = None) -> Attribution:
        """Relevance ``(batch, channels, *coefficient_shape)`` starting from the target logit."""
        from zennit.attribution import Gradient

        prep = self._time_inputs(inputs, target)
        one_hot = torch.nn.functional.one_hot(prep.targets, prep.outputs.shape[1]).to(prep.x.dtype)
        # Start from the target logit (R_out = f_c), so relevance sums to the logit as in the
        # paper; the attributor registers and always removes the rule hooks (context manager).
        with Gradient(model=self.model, composite=self.composite) as attributor:
            _, relevance = attributor(prep.x, lambda out: out * one_hot)
        self._check_conservation(prep, one_hot, relevance)
        return self._project(relevance, prep)


    def _check_conservation(self, prep: Prepared, one_hot: torch.Tensor,
                            relevance: torch.Tensor) -> None:
        """Warn when relevance is not conserved (see the class notes)."""
        from zennit.attribution import Gradient

        logits = prep.outputs.gather(1, prep.targets[:, None])[:, 0]
        if self._bias_free is not None:
            with Gradient(model=self.model, composite=self._bias_free) as attributor:
                _, check = attributor(prep.x.detach().requires_grad_(), lambda out: out * one_hot)
            lo, hi = 1 - CONSERVATION_TOLERANCE, 1 + CONSERVATION_TOLERANCE
        else:
            check, (lo, hi) = relevance, CONSERVATION_BAND
        ratio = conservation_ratio(check, logits)
        self.conservation_ = ratio.float()  # per input, read by the runner's certainty table
        bad = ~((ratio >= lo) & (ratio <= hi)) & ~ratio.isnan()
        self.conserved_ = ~bad  # per input; a run does not count LRP where most are not
        if bad.any():
            warnings.warn(
                f"LRP relevance is not conserved for {int(bad.sum())} of {len(ratio)} inputs: "
                f"without biases it sums to {ratio[bad].min().item():.3g}-"
                f"{ratio[bad].max().item():.3g} times the target logit (expected [{lo:g}, {hi:g}]). "
                "Operations in forward outside modules, or activations so small that the "
                "stabiliser absorbs relevance, make it so; check the model, or use a gradient "
                "method.", UserWarning, stacklevel=3,
            )


def _iterable(value: Any, name: str) -> list:
    try:
        return list(value)
    except TypeError as err:
        raise TypeError(f"{name} must be a list, got {type(value).__name__}") from err


class IntegratedGradientsTime(IntegratedGradients):
    """Deprecated alias of :class:`IntegratedGradients` (the time methods drop the suffix).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import IntegratedGradients
    >>> from freqxai.explainers import IntegratedGradientsTime
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)
    >>> model = BinPowerModel(k=24)
    >>> old = IntegratedGradientsTime(model)   # DeprecationWarning
    >>> np.allclose(old.attribute(x, target=0, n_steps=8),
    ...             IntegratedGradients(model).attribute(x, target=0, n_steps=8))
    True
    """

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn("IntegratedGradientsTime is deprecated; use freqxai.IntegratedGradients",
                      DeprecationWarning, stacklevel=2)
        super().__init__(*args, **kwargs)


def __getattr__(name: str):
    """``TimeExplainer``: the deprecated name of :class:`GradientExplainer` (warns; goes in 0.2.0)."""
    if name == "TimeExplainer":
        warnings.warn("TimeExplainer is deprecated; use freqxai.explainers.GradientExplainer",
                      DeprecationWarning, stacklevel=2)
        return GradientExplainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class InDomain:
    """Deprecated: give the gradient explainer a ``domain`` instead (``LRP(model, domain="fft")``
    or ``get_explainer("lrp", model, domain="fft")``).

    Runs a time-domain explainer and projects its relevance into ``domain`` with DFT-LRP.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import GradientXInput
    >>> from freqxai.explainers import InDomain
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)
    >>> model = BinPowerModel(k=24)
    >>> old = InDomain(GradientXInput(model), domain="fft")     # DeprecationWarning
    >>> new = GradientXInput(model, domain="fft")               # what to write instead
    >>> np.allclose(old.attribute(x, target=0), new.attribute(x, target=0))
    True
    """

    def __init__(self, explainer: GradientExplainer, domain: str | Domain = "fft", eps: float = 1e-6):
        warnings.warn("InDomain is deprecated; pass domain= to the explainer, e.g. "
                      "LRP(model, domain='fft')", DeprecationWarning, stacklevel=2)
        if not isinstance(explainer, GradientExplainer):
            raise TypeError(f"explainer must be a GradientExplainer (TimeExplainer), got "
                            f"{type(explainer).__name__}")
        self.explainer = explainer
        self.domain = get_domain(domain)
        self.eps = eps
        self.model = explainer.model

    def attribute(self, inputs, target: TargetType = None, **kwargs):
        """Relevance per coefficient of the domain ``(batch, channels, *coefficient_axes)``."""
        saved = (self.explainer.domain, self.explainer.eps)
        self.explainer.domain, self.explainer.eps = self.domain, self.eps
        try:
            return self.explainer.attribute(inputs, target=target, **kwargs)
        finally:
            self.explainer.domain, self.explainer.eps = saved

"""The explainer contract: one preparation and one finishing step for every method, and a registry.

Every explainer follows Captum's pipeline: settings in ``__init__``, data in
``attribute(inputs, target=None, *, ...)`` with keyword-only options. ``attribute`` validates its
options, calls :meth:`Explainer._prepare` (inputs, dtype, device, model outputs, targets),
does its math and returns through :meth:`Explainer._finish` (numpy in → numpy out, the input's
floating dtype preserved; half precision is computed in the model's dtype, float32 for CPU models,
and returned as given).

Class attributes tell the runner and the report what a method produces, instead of name
switches: ``signed`` (relevance can be negative), ``clip_negative`` (negative relevance is clipped
before scoring, one rule for FLEX and every gradient method, as the FreqRISE paper does for
gradients), ``has_convergence_delta``, ``has_standard_error``, ``computes_in_time`` (relevance
is computed in time and projected into the domain with DFT-LRP, so the runner may compute it once
for every domain), ``additive`` (relevance sums to the explained output, so bands sum it; else
bands average it) and ``needs_gradients`` (the method differentiates the model: checked on one
input before any compute, so a model that leaves torch is refused with the methods that can run).

Every ``attribute`` also takes a list of ``(channels, length_i)`` series of unequal length and
returns a list: each series is explained at its own length (:mod:`freqxai.ragged`), never padded.

Every ``attribute`` runs the model in evaluation mode (dropout off, batch norm reading its running
statistics) and restores each of the caller's modules to its own mode afterwards: an explanation
is of the deterministic model, and explaining never changes the model.

Methods register with :func:`register_explainer` next to their class (Zennit's
``@register_composite`` convention); :func:`list_explainers` and :func:`get_explainer` read the
registry, and so do the CLI, the configuration and the runner.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from .._registry import Registry
from .._validation import (
    TargetType,
    as_signal_tensor,
    check_cast,
    check_model,
    checked_outputs,
    compute_dtype,
    eval_mode,
    model_device,
    model_outputs_probabilities,
    resolve_targets,
    to_output,
)
from ..domains import Domain, get_domain
from ..ragged import attribute_ragged, is_ragged

__all__ = [
    "Attribution",
    "Explainer",
    "Prepared",
    "register_explainer",
    "list_explainers",
    "get_explainer",
    "explainer_class",
    "check_differentiable",
    "forward_only_methods",
]

Attribution = torch.Tensor | np.ndarray


@dataclass
class Prepared:
    """Validated data of one ``attribute`` call.

    Attributes
    ----------
    x : tensor (batch, channels, time)
        The inputs on the model's device, in the model's dtype.
    targets : long tensor (batch,)
        One class per input.
    outputs : tensor (batch, n_classes)
        The model's outputs on ``x`` (no gradients).
    was_numpy : bool
        Whether the user gave numpy (the result goes back as numpy).
    dtype : torch.dtype
        The dtype results are returned in (the input's floating dtype).
    probabilities : bool
        Whether the model's outputs are probabilities (declared by the model's ``output_kind``
        or read off ``outputs``): a method that weighs by class probability must not apply
        another softmax.
    """

    x: torch.Tensor
    targets: torch.Tensor
    outputs: torch.Tensor
    was_numpy: bool
    dtype: torch.dtype
    probabilities: bool = False


class Explainer:
    """Base class of every explainer.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)``. Relevance is computed on the
        device of its parameters.
    domain : str or Domain
        Where relevance lives: a name from :func:`freqxai.domains.list_domains` or a
        :class:`~freqxai.domains.Domain`.
    """

    name: ClassVar[str] = "explainer"
    signed: ClassVar[bool] = True
    clip_negative: ClassVar[bool] = False
    has_convergence_delta: ClassVar[bool] = False
    has_standard_error: ClassVar[bool] = False
    computes_in_time: ClassVar[bool] = False
    needs_model: ClassVar[bool] = True
    needs_gradients: ClassVar[bool] = False
    needs_modules: ClassVar[bool] = False  # hooks into an eager module tree (LRP's rules)
    # in the runner's default method set (methods that optimize per input are asked for by name)
    in_default_runs: ClassVar[bool] = True
    # relevance adds up to the explained output (completeness / conservation: IG, FLEX, LRP,
    # gradient x input): a band's relevance is the sum over its coefficients; otherwise values
    # are per-coefficient effects and a band's relevance is their mean (a wide band must not win
    # by its size)
    additive: ClassVar[bool] = False
    reads_probabilities: ClassVar[bool] = False  # weighs outputs by class probability

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "attribute" in cls.__dict__:  # every method's attribute runs the model in eval mode
            cls.attribute = _in_eval_mode(cls.__dict__["attribute"])

    def __init__(self, model: Any, domain: str | Domain = "fft") -> None:
        self.model = check_model(model) if self.needs_model or model is not None else None
        if self.needs_gradients:
            refuse_forward_only(self.model, self.name)
        self.domain = get_domain(domain)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(domain={self.domain!r})"

    def _prepare(self, inputs: Any, target: TargetType, *extra: Any) -> Prepared:
        """Validate inputs, move them to the model, run it once and resolve the targets."""
        x, was_numpy = as_signal_tensor(inputs)
        out_dtype = x.dtype
        self.domain.check_length(x.shape[-1])
        if self.model is None:  # model-free references: targets are not needed
            x = x.to(compute_dtype(None, x.dtype))
            return Prepared(x, torch.zeros(len(x), dtype=torch.long), x.new_empty(len(x), 0),
                            was_numpy, out_dtype)
        x = x.to(device=model_device(self.model), dtype=compute_dtype(self.model, x.dtype))
        check_cast(x, out_dtype)
        with torch.no_grad():
            outputs = checked_outputs(self.model, x, *extra)
        targets = resolve_targets(target, outputs)
        if self.needs_gradients:
            check_differentiable(self.model, x, *extra, method=self.name)
        probabilities = (self.reads_probabilities
                         and model_outputs_probabilities(self.model, outputs, type(self).__name__))
        return Prepared(x, targets, outputs, was_numpy, out_dtype, probabilities)

    def _finish(self, result: Any, prep: Prepared) -> Any:
        """Cast every tensor of ``result`` (a tensor or a tuple) back to the caller's form."""
        if isinstance(result, tuple):
            return tuple(self._finish(r, prep) for r in result)
        return to_output(result, prep.was_numpy, prep.dtype)

    def attribute(self, inputs: Any, target: TargetType = None, **options: Any) -> Any:
        """Relevance ``(batch, channels or 1, *coefficient_shape)`` of ``inputs`` for ``target``."""
        raise NotImplementedError


def _in_eval_mode(attribute):
    """Wrap a class's ``attribute``: the model in eval mode, a list of series of unequal
    length explained one length at a time (:mod:`freqxai.ragged`), and an ``mne.Epochs`` read
    as its data channels (:func:`freqxai.data.eeg.from_epochs`)."""
    @functools.wraps(attribute)
    def wrapped(self: Explainer, inputs: Any, target: TargetType = None, **kwargs: Any) -> Any:
        if type(inputs).__module__.startswith("mne."):  # an mne.Epochs: its EEG/MEG data
            from ..data.eeg import epochs_signals  # channels (numpy in, numpy out)

            inputs = epochs_signals(inputs)
        with eval_mode(getattr(self, "model", None)):
            if is_ragged(inputs):
                return attribute_ragged(functools.partial(attribute, self), inputs, target,
                                        **kwargs)
            return attribute(self, inputs, target, **kwargs)

    return wrapped


def refuse_forward_only(model: Any, method: str) -> None:
    """Raise ``TypeError`` (naming the methods that can run) for a model that declares it has no
    gradients (``differentiable = False``: an estimator, a numpy function)."""
    if getattr(model, "differentiable", None) is False:
        raise TypeError(
            f"{method} needs gradients of the model's outputs with respect to its input; "
            f"{type(model).__name__} has none (a forward-only model). Methods that need only "
            f"forward passes: {', '.join(forward_only_methods())}")


def forward_only_methods() -> list[str]:
    """Registered methods that need only forward passes of the model (no gradients)."""
    return [n for n in list_explainers() if not explainer_class(n).needs_gradients]


def check_differentiable(model: Any, x: torch.Tensor, *extra: Any, method: str = "this method"
                         ) -> None:
    """Refuse, before any compute, a model whose outputs carry no gradient to its input.

    One forward and backward pass on the first input: a model that leaves torch (numpy inside
    ``forward``, ``.item()``, ``torch.no_grad``) or ignores its input has no gradient there, and
    gradient methods would fail inside torch or return zeros.
    """
    probe = x[:1].detach().requires_grad_()
    rows = tuple(e[:1] if isinstance(e, torch.Tensor) and e.shape[:1] == x.shape[:1] else e
                 for e in extra)
    grad = None
    try:
        with torch.enable_grad():
            out = model(probe, *rows)
            if isinstance(out, torch.Tensor) and out.requires_grad:
                grad = torch.autograd.grad(out.sum(), probe, allow_unused=True)[0]
    except RuntimeError:
        grad = None
    if grad is None:
        raise TypeError(
            f"{method} needs gradients of the model's outputs with respect to its input, and this "
            "model has none (its forward leaves torch, e.g. numpy or .item(), runs under "
            "no_grad, or ignores its input). Methods that need only forward passes: "
            f"{', '.join(forward_only_methods())}"
        )


_EXPLAINERS: Registry[type[Explainer]] = Registry("explainer", Explainer)


def register_explainer(name: str, *, aliases: tuple[str, ...] = (), override: bool = False):
    """Class decorator: make a :class:`Explainer` subclass available by ``name`` (and ``aliases``);
    a name already taken is refused unless ``override=True`` (replacing it on purpose).

    Examples
    --------
    >>> @register_explainer("my_explainer")
    ... class MyExplainer(Explainer): ...
    """
    return _EXPLAINERS.register(name, aliases=aliases, override=override)


def list_explainers() -> list[str]:
    """Names of the registered explainers, in registration order."""
    return _EXPLAINERS.names()


def explainer_class(name: str) -> type[Explainer]:
    """The class registered as ``name`` (or an alias of it)."""
    return _EXPLAINERS.lookup(name)


def get_explainer(name: str, model: Any, domain: str | Domain = "fft", **settings: Any) -> Explainer:
    """Build a registered explainer.

    Parameters
    ----------
    name : str
        A name from :func:`list_explainers`.
    model : torch.nn.Module or callable
    domain : str or Domain
        Where relevance lives. Time-domain gradient methods (``computes_in_time``) compute
        relevance in time and project it here with DFT-LRP.
    **settings
        Constructor settings of the explainer (e.g. ``composite`` for LRP).

    Examples
    --------
    >>> lrp_stft = get_explainer("lrp", model, domain="stft")
    >>> relevance = lrp_stft.attribute(x, target=y)
    """
    return explainer_class(name)(model, domain=domain, **settings)

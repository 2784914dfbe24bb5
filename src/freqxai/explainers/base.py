"""The explainer contract: declared settings, options and tags, one preparation and one finishing
step for every method, and a registry.

Every explainer follows Captum's pipeline: **settings** in ``__init__``, the **data and the
per-call budget** in ``attribute(inputs, target=None, *, ...)`` with keyword-only options. Both
are declared on the class, each with its constraint (:mod:`freqxai._checks`, scikit-learn's
``Interval`` / ``StrOptions``)::

    class MyExplainer(Explainer):
        _settings = {"n_samples": Interval(Integral, 1, None)}            # __init__
        _call_options = {"show_progress": Bool()}                          # attribute

        def __init__(self, model, domain="fft", *, n_samples=100):
            super().__init__(model, domain, n_samples=n_samples)   # checked, then self.n_samples

        def attribute(self, inputs, target=None, *, show_progress=False):
            prep = self._prepare(inputs, target)                   # show_progress already checked
            ...
            return self._finish(relevance, prep)

:meth:`Explainer.__init__` checks the settings (and :meth:`Explainer._check_settings`, the
rules between them) before it looks at the model; the wrapper every ``attribute`` gets (see
below) checks the declared call options before any compute. :meth:`Explainer.check_options`
does both without a model (the runner checks a configuration with it before a run) and
:meth:`Explainer.split_options` tells settings from call options. A class without declarations
(a plug-in written before them) still works: its ``__init__`` and ``attribute`` parameters are
its options, checked by its own code.

**The ``attribute`` wrapper** (explicit, not magic): ``Explainer.__init_subclass__`` wraps the
``attribute`` a class defines (plug-ins' too) with :func:`_contract_attribute`, which, in order,
takes a setting given to ``attribute`` that the class moved to ``__init__``
(``_moved_to_init``) for this call only with a ``DeprecationWarning``; checks the declared call
options; reads an ``mne.Epochs`` as its data channels; runs the model in evaluation mode
(dropout off, batch norm reading its running statistics; each of the caller's modules is
restored to its own mode afterwards: explaining never changes the model); and explains a list
of ``(channels, length_i)`` series of unequal length one length at a time
(:mod:`freqxai.ragged`), returning a list. The body then calls :meth:`Explainer._prepare`
(inputs, dtype, device, model outputs, targets), does its math and returns through
:meth:`Explainer._finish` (numpy in → numpy out, the input's floating dtype preserved; half
precision is computed in the model's dtype, float32 for CPU models, and returned as given).

**Tags** tell the runner and the report what a method produces, instead of name switches: one
frozen dataclass, :class:`ExplainerTags`, read with :func:`get_tags` (also ``cls.tags``). A class
declares ``tags = ExplainerTags(...)`` (complete: fields it does not give take the defaults; a
subclass extends its parent's with ``dataclasses.replace(Parent.tags, ...)``). The tags are
also kept as the class attributes of the same names (``FreqRISE.signed``), which plug-ins may
set instead: a class without its own ``tags`` reads them from those attributes.

Methods register with :func:`register_explainer` next to their class (Zennit's
``@register_composite`` convention); :func:`list_explainers` and :func:`get_explainer` read the
registry, and so do the CLI, the configuration and the runner. :func:`freqxai.testing.check_explainer`
runs the contract on a class.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from .._checks import validate_options
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
    "ExplainerTags",
    "Prepared",
    "register_explainer",
    "list_explainers",
    "get_explainer",
    "get_tags",
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


@dataclass(frozen=True)
class ExplainerTags:
    """What an explainer produces and needs (aeon's estimator tags), read with :func:`get_tags`.

    Attributes
    ----------
    name : str
        The registry name (set by :func:`register_explainer`).
    signed : bool
        Relevance can be negative.
    clip_negative : bool
        Negative relevance is clipped before scoring (one rule for FLEX and every gradient
        method, as the FreqRISE paper does for gradients).
    has_convergence_delta : bool
        ``attribute(..., return_convergence_delta=True)`` also returns
        ``sum(relevance) - (f(x) - f(baseline))`` per input.
    has_standard_error : bool
        ``attribute(..., return_standard_error=True)`` also returns a Monte-Carlo standard error.
    computes_in_time : bool
        Relevance is computed in time and projected into the domain with DFT-LRP, so the runner
        may compute it once for every domain.
    needs_model : bool
        The model is required (False: it is optional, e.g. the references).
    needs_gradients : bool
        The method differentiates the model: checked on one input before any compute, so a model
        that leaves torch is refused with the methods that can run.
    needs_modules : bool
        The method hooks into an eager module tree (LRP's rules).
    in_default_runs : bool
        In the runner's default method set (methods that optimize per input are asked for by
        name).
    additive : bool
        Relevance adds up to the explained output (completeness / conservation: IG, FLEX, LRP,
        gradient x input): a band's relevance is the sum over its coefficients; otherwise values
        are per-coefficient effects and a band's relevance is their mean.
    reads_probabilities : bool
        The method weighs outputs by class probability (a model's probabilities are never
        softmaxed again).
    reference : bool
        A reference explanation every method is scored against (random, amplitude), not a method
        that explains the model. Declared; a class without its own ``tags`` and without a
        ``reference`` attribute is a reference when it does not need the model (as before the
        tag existed).
    stochastic : bool
        Results depend on a random draw (a ``seed`` makes them repeat).
    batch_invariant : bool
        A batch gives what one input at a time gives (with a seed).

    Examples
    --------
    >>> from freqxai import FLEX, ExplainerTags, FreqRISE, get_tags
    >>> get_tags(FLEX).additive, get_tags(FLEX).needs_gradients
    (True, True)
    >>> get_tags(FreqRISE).stochastic
    True
    >>> tags = ExplainerTags(name="mine", stochastic=True)   # a plug-in's declaration
    >>> tags.signed, tags.needs_model                         # fields not given: the defaults
    (True, True)
    """

    name: str = "explainer"
    signed: bool = True
    clip_negative: bool = False
    has_convergence_delta: bool = False
    has_standard_error: bool = False
    computes_in_time: bool = False
    needs_model: bool = True
    needs_gradients: bool = False
    needs_modules: bool = False
    in_default_runs: bool = True
    additive: bool = False
    reads_probabilities: bool = False
    reference: bool = False
    stochastic: bool = False
    batch_invariant: bool = True


class _TagsAccessor:
    """``cls.tags`` / ``obj.tags``: :func:`get_tags` of the class (always current, also after a
    plug-in or a test sets one of the tag attributes)."""

    def __get__(self, obj: Any, owner: type) -> Any:
        return owner._read_tags()


def get_tags(obj: Any) -> Any:
    """The tags of an explainer or metric (class or instance), or a model's capabilities.

    Returns
    -------
    ExplainerTags, MetricTags or ModelCapabilities
        :class:`ExplainerTags` for an :class:`Explainer`, :class:`~freqxai.metrics.MetricTags`
        for a :class:`~freqxai.metrics.Metric`, and for anything else taken as a model
        :class:`~freqxai.adapters.ModelCapabilities` (:func:`freqxai.adapters.capabilities`).

    Raises
    ------
    TypeError
        For a domain, or something that is none of these.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FreqRISE, get_tags, list_explainers
    >>> from freqxai.explainers import explainer_class
    >>> get_tags(FreqRISE).has_standard_error
    True
    >>> get_tags("shapley").additive            # a registered method's name
    True
    >>> [m for m in list_explainers() if get_tags(explainer_class(m)).reference]
    ['random', 'amplitude']
    >>> get_tags(torch.nn.Linear(256, 2)).kind  # a model: its capabilities
    'torch'
    """
    if isinstance(obj, str):  # a registered method's name (not a model)
        if obj.lower() not in _EXPLAINERS.names() and obj.lower() not in _EXPLAINERS.aliases:
            raise ValueError(f"get_tags({obj!r}): no method of that name (freqxai list shows "
                             "them); for a metric give its class: get_tags(metric_class(name))")
        obj = _EXPLAINERS.lookup(obj)
    cls = obj if isinstance(obj, type) else type(obj)
    read = getattr(cls, "_read_tags", None)
    if callable(read):
        return read()
    if issubclass(cls, Domain) or isinstance(obj, type):
        raise TypeError(f"get_tags reads explainers, metrics (classes or instances) and models, "
                        f"got {obj!r:.80}")
    from ..adapters import capabilities  # models: their capabilities (no forward pass)

    return capabilities(obj)


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
    **settings
        The subclass's declared settings (``_settings``), checked and kept as attributes of the
        same names.

    Notes
    -----
    Declarations a subclass makes (module notes): ``_settings`` and ``_call_options`` map option
    names to constraints (:mod:`freqxai._checks`); ``_moved_to_init`` names settings that
    ``attribute`` still takes for one call, with a ``DeprecationWarning``; ``tags`` is an
    :class:`ExplainerTags`; :meth:`_check_settings` and :meth:`_check_domain` check what one
    constraint cannot.

    Examples
    --------
    A method of your own: declare its tags, prepare the inputs and finish the result
    (numpy in, numpy out) as the built-in methods do.

    >>> from freqxai import Explainer, ExplainerTags, get_explainer, register_explainer
    >>> from freqxai.testing import isolated_registries, tone_in_one_band
    >>> class Power(Explainer):
    ...     # relevance: the squared magnitude of each coefficient (needs no model)
    ...     tags = ExplainerTags(signed=False, needs_model=False)
    ...     def attribute(self, inputs, target=None):
    ...         prep = self._prepare(inputs, target)
    ...         return self._finish(self.domain.forward(prep.x).abs() ** 2, prep)
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> Power(None, domain="fft").attribute(x).shape
    (4, 1, 129)
    >>> Power(None, domain="stft").attribute(x).shape      # any domain
    (4, 1, 33, 17)
    >>> with isolated_registries():            # registered for this block only
    ...     _ = register_explainer("power")(Power)
    ...     get_explainer("power", None, domain="fft").attribute(x).shape
    (4, 1, 129)
    """

    name: ClassVar[str] = "explainer"
    # the tags, also as class attributes (read them with get_tags / cls.tags; see ExplainerTags)
    signed: ClassVar[bool] = True
    clip_negative: ClassVar[bool] = False
    has_convergence_delta: ClassVar[bool] = False
    has_standard_error: ClassVar[bool] = False
    computes_in_time: ClassVar[bool] = False
    needs_model: ClassVar[bool] = True
    needs_gradients: ClassVar[bool] = False
    needs_modules: ClassVar[bool] = False
    in_default_runs: ClassVar[bool] = True
    additive: ClassVar[bool] = False
    reads_probabilities: ClassVar[bool] = False
    reference: ClassVar[bool | None] = None  # None: not declared (a reference iff not needs_model)
    stochastic: ClassVar[bool] = False
    batch_invariant: ClassVar[bool] = True
    tags: ClassVar[Any] = _TagsAccessor()

    # declared options: name -> constraint (freqxai._checks); settings go to __init__, call
    # options to attribute
    _settings: ClassVar[dict[str, Any]] = {}
    _call_options: ClassVar[dict[str, Any]] = {}
    # settings that attribute still takes (for that call, with a DeprecationWarning)
    _moved_to_init: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("tags")
        if isinstance(declared, ExplainerTags):  # kept as the class attributes old readers use
            for f in dataclasses.fields(ExplainerTags):
                if f.name != "name":
                    setattr(cls, f.name, getattr(declared, f.name))
            delattr(cls, "tags")  # the inherited accessor reads them back
        if "attribute" in cls.__dict__:
            cls.attribute = _contract_attribute(cls.__dict__["attribute"])

    def __init__(self, model: Any, domain: str | Domain = "fft", **settings: Any) -> None:
        settings = type(self)._validated_settings(settings)
        self.model = check_model(model) if self.needs_model or model is not None else None
        if self.needs_gradients:
            refuse_forward_only(self.model, self.name)
        self.domain = get_domain(domain)
        self._check_domain(self.domain)
        for key, value in settings.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(domain={self.domain!r})"

    # -- tags and options ----------------------------------------------------------------------

    @classmethod
    def _read_tags(cls) -> ExplainerTags:
        values = {f.name: getattr(cls, f.name, f.default) for f in dataclasses.fields(ExplainerTags)}
        if values["reference"] is None:
            values["reference"] = not values["needs_model"]
        return ExplainerTags(**{k: v if k == "name" else bool(v) for k, v in values.items()})

    @classmethod
    def option_names(cls) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(settings, call_options)``: the names ``__init__`` and ``attribute`` take.

        Declared names first (those the method's signature accepts), then parameters of the
        signatures that are not declared (a plug-in's); ``model``, ``domain``, ``inputs`` and
        ``target`` are not options.
        """
        init_named, init_any = _keywords(cls.__init__, ("self", "model", "domain"))
        call_named, call_any = _keywords(cls.attribute, ("self", "inputs", "target"))
        settings = [n for n in cls._settings if init_any or n in init_named]
        settings += [n for n in init_named if n not in settings]
        call = [n for n in cls._call_options if (call_any or n in call_named) and n not in settings]
        call += [n for n in call_named if n not in call and n not in settings]
        return tuple(settings), tuple(call)

    @classmethod
    def split_options(cls, **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """``options`` split into constructor settings and ``attribute`` options; names the class
        takes neither way are left out (shared run settings go only to the methods that take
        them). Nothing is checked (:meth:`check_options` does).

        Examples
        --------
        >>> FreqRISE.split_options(n_masks=500, seed=0, n_steps=20)
        ({'n_masks': 500}, {'seed': 0})
        """
        settings, call = cls.option_names()
        return ({k: v for k, v in options.items() if k in settings},
                {k: v for k, v in options.items() if k in call})

    @classmethod
    def check_options(cls, domain: str | Domain | None = None, **options: Any
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check settings and ``attribute`` options without a model or data, as the explainer
        would: each declared constraint, :meth:`_check_settings` with the defaults of the
        settings not given and, with ``domain``, :meth:`_check_domain`.

        Options the class takes without declaring them (a plug-in's) are returned unchecked.

        Returns
        -------
        settings, call_options : dict
            The options, normalised (numpy scalars as Python numbers), as :meth:`split_options`
            splits them.

        Raises
        ------
        TypeError
            For a name the class takes neither in ``__init__`` nor in ``attribute``.
        ValueError, TypeError
            For a value its constraint refuses, with the explainer's own message.
        """
        settings_names, call_names = cls.option_names()
        unknown = [k for k in options if k not in settings_names and k not in call_names]
        if unknown:
            raise TypeError(f"{cls.__name__} takes no option {unknown[0]!r}; its settings are "
                            f"{list(settings_names)} and its attribute options "
                            f"{list(call_names)}")
        settings, call = cls.split_options(**options)
        settings = cls._validated_settings(settings, cls._default_settings())
        call = validate_options(cls._call_options, call)
        if domain is not None:
            cls._check_domain(get_domain(domain))
        return settings, call

    @classmethod
    def _check_settings(cls, settings: dict[str, Any]) -> None:
        """Rules between settings that no single constraint states (``settings`` holds every
        declared setting); raise ``ValueError`` naming them. Nothing by default."""

    @classmethod
    def _check_domain(cls, domain: Domain) -> None:
        """Refuse a domain the method is not defined on (``ValueError``). Any by default."""

    @classmethod
    def _validated_settings(cls, given: dict[str, Any], base: dict[str, Any] | None = None
                            ) -> dict[str, Any]:
        """``given`` checked by the declared constraints (a name not declared: ``TypeError``),
        then :meth:`_check_settings` on ``base`` updated with them."""
        values = validate_options(cls._settings, given, who=cls.__name__, strict=True)
        cls._check_settings({**(base or {}), **values})
        return values

    @classmethod
    def _default_settings(cls) -> dict[str, Any]:
        """Declared settings with the defaults ``__init__`` gives them."""
        try:
            params = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            return {}
        return {n: params[n].default for n in cls._settings
                if n in params and params[n].default is not inspect.Parameter.empty}

    def _current_settings(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in type(self)._settings if hasattr(self, n)}

    # -- the pipeline --------------------------------------------------------------------------

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


def _keywords(fn: Any, skip: tuple[str, ...]) -> tuple[list[str], bool]:
    """Parameter names of ``fn`` that can be given by keyword (less ``skip``), and whether it
    takes ``**kwargs``."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return [], False
    named = [p.name for p in params if p.name not in skip
             and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return named, any(p.kind is p.VAR_KEYWORD for p in params)


def _contract_attribute(attribute):
    """Wrap a class's ``attribute`` with the contract every explainer shares (module notes):
    deprecated settings for this call, declared call options checked, an ``mne.Epochs`` read as
    its data channels (:func:`freqxai.data.eeg.from_epochs`), the model in eval mode, and a list
    of series of unequal length explained one length at a time (:mod:`freqxai.ragged`)."""
    @functools.wraps(attribute)
    def wrapped(self: Explainer, inputs: Any, target: TargetType = None, **kwargs: Any) -> Any:
        cls = type(self)
        moved = {k: kwargs.pop(k) for k in [k for k in kwargs if k in cls._moved_to_init]}
        if moved:
            _warn_moved(cls, moved)
            moved = cls._validated_settings(moved, self._current_settings())
        kwargs = validate_options(cls._call_options, kwargs)
        if type(inputs).__module__.startswith("mne."):  # an mne.Epochs: its EEG/MEG data
            from ..data.eeg import epochs_signals  # channels (numpy in, numpy out)

            inputs = epochs_signals(inputs)
        with eval_mode(getattr(self, "model", None)), _settings_for_call(self, moved):
            if is_ragged(inputs):
                return attribute_ragged(functools.partial(attribute, self), inputs, target,
                                        **kwargs)
            return attribute(self, inputs, target, **kwargs)

    wrapped.__explainer_contract__ = True
    return wrapped


_in_eval_mode = _contract_attribute  # (its name before the contract grew)


def _warn_moved(cls: type, moved: dict[str, Any]) -> None:
    names = ", ".join(f"{k}={v!r:.40}" for k, v in moved.items())
    keys = list(moved)
    listed = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
    warnings.warn(
        f"{cls.__name__}.attribute({names}): {listed} "
        f"{'is a setting' if len(moved) == 1 else 'are settings'} of the explainer now; give "
        f"{'it' if len(moved) == 1 else 'them'} to the constructor, {cls.__name__}(model, "
        f"domain, {names}) (or get_explainer(name, model, domain, ...)). Passing settings to "
        "attribute is deprecated and stops working in 0.3.0.",
        DeprecationWarning, stacklevel=3)


@contextlib.contextmanager
def _settings_for_call(explainer: Explainer, settings: dict[str, Any]):
    """``settings`` in place of the explainer's own for one call (restored afterwards)."""
    saved = {k: getattr(explainer, k) for k in settings}
    explainer.__dict__.update(settings)
    try:
        yield
    finally:
        explainer.__dict__.update(saved)


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
    >>> from freqxai import AmplitudeReference, get_explainer, list_explainers, register_explainer
    >>> from freqxai.testing import isolated_registries, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)
    >>> with isolated_registries():            # registrations last for this block only
    ...     @register_explainer("loudness", aliases=("amp",))
    ...     class Loudness(AmplitudeReference):
    ...         pass  # the amplitude reference, renamed
    ...     print(get_explainer("amp", None).attribute(x).shape, "loudness" in list_explainers())
    (4, 1, 129) True
    >>> "loudness" in list_explainers()
    False
    """
    return _EXPLAINERS.register(name, aliases=aliases, override=override)


def list_explainers() -> list[str]:
    """Names of the registered explainers, in registration order.

    Examples
    --------
    >>> from freqxai import list_explainers
    >>> list_explainers()
    ['freqrise', 'flex', 'saliency', 'gxi', 'ig', 'lrp', 'flextime', 'freqmask', 'shapley', ...]
    """
    return _EXPLAINERS.names()


def explainer_class(name: str) -> type[Explainer]:
    """The class registered as ``name`` (or an alias of it).

    Examples
    --------
    >>> from freqxai.explainers import explainer_class
    >>> explainer_class("ig").__name__
    'IntegratedGradients'
    >>> explainer_class("band_shapley").__name__   # an alias of "shapley"
    'BandShapley'
    >>> explainer_class("freqrise").split_options(n_masks=500, seed=0)
    ({'n_masks': 500}, {'seed': 0})
    """
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
    >>> import torch
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 2))
    >>> lrp_stft = get_explainer("lrp", model, domain="stft")
    >>> lrp_stft
    LRP(domain=STFT(...))
    >>> lrp_stft.attribute(x, target=y).shape  # (batch, channels, frequencies, frames)
    (4, 1, 33, 17)
    >>> rise = get_explainer("freqrise", model, n_masks=64)      # settings by keyword
    >>> rise.attribute(x, target=y, seed=0).shape
    (4, 1, 129)
    """
    return explainer_class(name)(model, domain=domain, **settings)

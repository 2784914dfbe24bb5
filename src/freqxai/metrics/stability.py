"""Stability of an explanation under small input perturbations (the FLEXtime paper's robustness).

Both metrics explain perturbed copies of each input again, so they take the explainer:
``metric(model, inputs, relevance, target, explainer=...)`` with an :class:`Explainer` (its
``attribute`` options in ``explain_options``) or any callable ``(inputs, target) -> relevance``
(class attribute ``needs_explainer``). Both explain the inputs themselves too (as Captum does):
``relevance`` is only checked against the inputs, so relevance post-processed for other metrics
(clipped negatives) does not mix with raw explanations of the perturbed inputs.

- :class:`SensitivityMax` (``"sensitivity_max"``): Captum's ``sensitivity_max`` (Yeh et al.,
  NeurIPS 2019) with its defaults: ``n_perturbations=10`` inputs drawn uniformly from the
  L-infinity ball of ``radius=0.02`` around the input, and the largest
  :math:`\\|e(x') - e(x)\\|_F / \\|e(x)\\|_F`. The same numbers as Captum's function for the same
  draws (tested); here the draws are seeded.
- :class:`RelativeOutputStability` (``"relative_output_stability"``; Agarwal et al., 2022,
  "Rethinking stability for attribution-based explanations"), as the FLEXtime code computes it
  (``compute_relative_sensitivity``): ``x' = x + N(0, (0.05 std)^2)``, ten draws,
  :math:`\\max_{x'} \\|(e(x) - e(x')) / e(x)\\|_2 / \\max(\\|h(x) - h(x')\\|_2, 10^{-6})` with
  :math:`h` the model's outputs, zero entries of :math:`e(x)` replaced by :math:`10^{-6}`, over the
  draws that keep the predicted class (NaN when none does). The reference scales the noise by
  its data set's standard deviation; here by each input's own (over channels and time), so a
  score does not depend on the rest of the batch. The paper reports the log of the mean over
  inputs.

Lower is better for both. A stochastic explainer (FreqRISE) should be given a fixed seed, or its
Monte-Carlo noise counts as instability.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .._validation import (
    as_signal_tensor,
    check_finite_outputs,
    check_model,
    check_number,
    check_positive_int,
    check_seed,
    checked_outputs,
    compute_dtype,
    eval_mode,
    model_device,
    resolve_targets,
)
from ..domains import Domain
from .base import Metric, MetricTags, check_relevance, register_metric

__all__ = [
    "sensitivity_max",
    "relative_output_stability",
    "SensitivityMax",
    "RelativeOutputStability",
]

EPS_MIN = 1e-6


def _explain_fn(explainer: Any, options: dict | None) -> Callable:
    from ..explainers.base import Explainer

    if isinstance(explainer, Explainer):
        opts = dict(options or {})

        def explain(x, target):
            return explainer.attribute(x, target=target, **opts)

        return explain
    if options:
        raise ValueError("explain_options apply to an Explainer's attribute; a callable "
                         "explainer takes (inputs, target) only")
    if not callable(explainer):
        raise TypeError(
            "explainer must be an Explainer (e.g. freqxai.get_explainer('flextime', model)) or a "
            f"callable (inputs, target) -> relevance, got {type(explainer).__name__}")
    return explainer


def _as_tensor(relevance: Any) -> torch.Tensor:
    if isinstance(relevance, tuple):
        raise TypeError("the explainer returned a tuple; stability metrics compare one "
                        "relevance map per input (turn off return_* options)")
    return torch.as_tensor(check_relevance(relevance, name="the explainer's relevance"))


def _prepare(inputs: Any, target: Any, relevance: Any):
    x, _ = as_signal_tensor(inputs)
    if relevance is not None:
        check_relevance(relevance, len(x))
    return x


def sensitivity_max(explainer: Any, inputs: Any, target: Any = None, *,
                    explain_options: dict | None = None, radius: float = 0.02,
                    n_perturbations: int = 10, seed: int | None = 0) -> np.ndarray:
    """Captum's max-sensitivity ``(batch,)``: the largest relative change of the explanation.

    Parameters
    ----------
    explainer : Explainer or callable
        Explains ``(inputs, target)``; an :class:`Explainer` gets ``explain_options``.
    inputs : (batch, channels, time)
    target : int, sequence, tensor or None
        Class per input, kept for its perturbed copies (None: each input's explainer default,
        the predicted class of each copy).
    radius : float
        Half-width of the uniform noise (absolute, in the inputs' units; Captum's default 0.02).
    n_perturbations : int
        Perturbed copies per input.
    seed : int or None
        Seed of the noise (the global generator is left as it was); None draws fresh noise.

    Examples
    --------
    >>> from freqxai.metrics import sensitivity_max
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> scores = sensitivity_max(get_explainer("gxi", model), x, target=0)
    >>> scores.shape
    (4,)
    >>> bool((scores < 0.1).all())     # the map moves by under 10 % for noise of +-0.02
    True
    """
    explain = _explain_fn(explainer, explain_options)
    radius = check_number(radius, "radius")
    n_perturbations = check_positive_int(n_perturbations, "n_perturbations")
    x, was_numpy = as_signal_tensor(inputs)
    x = x.cpu()
    base = _as_tensor(explain(inputs, target))
    if base.shape[0] != len(x):
        raise ValueError(f"the explainer returned {base.shape[0]} maps for {len(x)} inputs")
    with torch.random.fork_rng(devices=[]):
        if check_seed(seed) is not None:
            torch.manual_seed(seed)
        # Captum's default_perturb_func: inputs repeated per copy, float32 uniform noise
        expanded = x.repeat_interleave(n_perturbations, dim=0)
        noise = torch.empty(expanded.shape, dtype=torch.float32).uniform_(-radius, radius)
    perturbed = expanded + noise.to(expanded.dtype)
    targets = _expand_target(target, len(x), n_perturbations)
    moved = _as_tensor(explain(perturbed.numpy() if was_numpy else perturbed, targets))
    diff = (moved - base.repeat_interleave(n_perturbations, dim=0)).flatten(1).norm(dim=1)
    norm = base.flatten(1).norm(dim=1).repeat_interleave(n_perturbations)
    sens = torch.where(norm > 0, diff / torch.where(norm > 0, norm, 1.0), diff)
    return sens.view(len(x), n_perturbations).amax(1).numpy()


def relative_output_stability(model: Any, explainer: Any, inputs: Any, target: Any = None, *,
                              explain_options: dict | None = None, noise: float = 0.05,
                              n_perturbations: int = 10, seed: int | None = 0) -> np.ndarray:
    """Relative output stability ``(batch,)`` (Agarwal et al., 2022; the FLEXtime code's).

    Parameters
    ----------
    model : callable
        ``(batch, channels, time) -> (batch, n_classes)``; its outputs are ``h``.
    explainer : Explainer or callable
        Explains ``(inputs, target)``; an :class:`Explainer` gets ``explain_options``.
    inputs : (batch, channels, time)
    target : int, sequence, tensor or None
        Class explained for each input and its copies (None: the predicted class of the input).
    noise : float
        Standard deviation of the Gaussian noise relative to each input's standard deviation.
    n_perturbations : int
        Perturbed copies per input.
    seed : int or None
        Seed of the noise (the global generator is left as it was).

    Returns
    -------
    ndarray, shape (batch,)
        NaN for an input all of whose copies change the predicted class.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import get_explainer
    >>> from freqxai.metrics import relative_output_stability
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> scores = relative_output_stability(model, get_explainer("gxi", model), x)
    >>> scores.shape, bool(np.isfinite(scores).all())
    ((3,), True)
    """
    model = check_model(model)
    explain = _explain_fn(explainer, explain_options)
    noise = check_number(noise, "noise")
    n_perturbations = check_positive_int(n_perturbations, "n_perturbations")
    x, was_numpy = as_signal_tensor(inputs)
    x = x.cpu()
    device = model_device(model)
    xm = x.to(device=device, dtype=compute_dtype(model, x.dtype))
    with eval_mode(model), torch.no_grad():
        out = checked_outputs(model, xm)
        targets = resolve_targets(target, out)
        with torch.random.fork_rng(devices=[]):
            if check_seed(seed) is not None:
                torch.manual_seed(seed)
            eps = torch.randn((len(x), n_perturbations, *x.shape[1:]), dtype=torch.float64)
        scale = noise * x.double().flatten(1).std(dim=1)
        perturbed = (x.double()[:, None] + eps * scale.view(-1, 1, 1, 1)).to(x.dtype)
        perturbed = perturbed.reshape(-1, *x.shape[1:])
        out_p = check_finite_outputs(model(perturbed.to(device=device, dtype=xm.dtype)),
                                     "the perturbed inputs")
    base = _as_tensor(explain(inputs, targets.cpu()))
    moved = _as_tensor(explain(perturbed.numpy() if was_numpy else perturbed,
                               targets.cpu().repeat_interleave(n_perturbations)))
    if base.shape[0] != len(x) or moved.shape[0] != len(perturbed):
        raise ValueError("the explainer returned a different number of maps than inputs")
    e = base.repeat_interleave(n_perturbations, dim=0)
    rel = (e - moved) / torch.where(e == 0, torch.full_like(e, EPS_MIN), e)
    numerator = rel.flatten(1).norm(dim=1)
    h = out.double().cpu().repeat_interleave(n_perturbations, dim=0)
    denominator = (h - out_p.double().cpu()).norm(dim=1).clamp_min(EPS_MIN)
    ratio = numerator / denominator
    changed = out_p.argmax(1).cpu() != out.argmax(1).cpu().repeat_interleave(n_perturbations)
    ratio = torch.where(changed, torch.full_like(ratio, float("nan")), ratio)
    ratio = ratio.view(len(x), n_perturbations)
    kept = ~torch.isnan(ratio)
    best = torch.where(kept, ratio, torch.full_like(ratio, -float("inf"))).amax(1)
    return torch.where(kept.any(1), best, torch.full_like(best, float("nan"))).numpy()


def _expand_target(target: Any, n: int, k: int) -> Any:
    """``target`` for the ``n * k`` perturbed copies (each input's ``k`` copies in a row)."""
    if target is None or isinstance(target, int | np.integer):
        return target
    t = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target)
    if t.dim() == 0:
        return target
    if len(t) != n:
        raise ValueError(f"target has {len(t)} entries for {n} inputs")
    return t.repeat_interleave(k)


class _Stability(Metric):
    """Base of the metrics that explain perturbed inputs again (they need the explainer)."""

    tags = MetricTags(higher_is_better=False, needs_explainer=True)

    def __init__(self, domain: str | Domain | None = None, *, explainer: Any = None,
                 explain_options: dict | None = None, n_perturbations: int = 10,
                 seed: int | None = 0) -> None:
        super().__init__(domain)
        self.explainer = explainer
        self.explain_options = explain_options
        self.n_perturbations = check_positive_int(n_perturbations, "n_perturbations")
        self.seed = check_seed(seed)

    def _explainer(self, explainer: Any, options: dict | None) -> tuple[Any, dict | None]:
        explainer = explainer if explainer is not None else self.explainer
        if explainer is None:
            raise ValueError(
                f"{self.name} explains perturbed copies of every input again, so it needs the "
                f"explainer: {self.name}(model, inputs, relevance, target, explainer="
                "get_explainer(method, model, domain=...), explain_options={...}) or "
                f"get_metric({self.name!r}, explainer=...)")
        return explainer, options if options is not None else self.explain_options


@register_metric("sensitivity_max")
class SensitivityMax(_Stability):
    """Captum's max-sensitivity of the explainer (lower is better); needs ``explainer=``.

    Parameters
    ----------
    domain : str or Domain, optional
        Unused (the explainer has its domain); kept for the common signature.
    explainer : Explainer or callable, optional
        Default explainer (a call's ``explainer=`` overrides it).
    explain_options : dict, optional
        Options of the explainer's ``attribute``.
    radius : float
        Half-width of the uniform noise (Captum's default 0.02).
    n_perturbations : int
    seed : int or None

    Examples
    --------
    >>> from freqxai.metrics import SensitivityMax
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> metric = SensitivityMax(explainer=get_explainer("gxi", model))
    >>> scores = metric(model, x, relevance, target=0)
    >>> scores.shape, bool((scores < 0.1).all())
    ((4,), True)
    """

    tags = MetricTags(label="sensitivity max", higher_is_better=False, needs_model=False,
                      needs_explainer=True)

    def __init__(self, domain: str | Domain | None = None, *, explainer: Any = None,
                 explain_options: dict | None = None, radius: float = 0.02,
                 n_perturbations: int = 10, seed: int | None = 0) -> None:
        super().__init__(domain, explainer=explainer, explain_options=explain_options,
                         n_perturbations=n_perturbations, seed=seed)
        self.radius = check_number(radius, "radius")

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None,
                 explainer: Any = None, explain_options: dict | None = None) -> np.ndarray:
        """Per-sample max-sensitivity of ``explainer`` around ``inputs``."""
        explainer, options = self._explainer(explainer, explain_options)
        _prepare(inputs, target, relevance)
        return sensitivity_max(explainer, inputs, target, explain_options=options,
                               radius=self.radius, n_perturbations=self.n_perturbations,
                               seed=self.seed)


@register_metric("relative_output_stability", aliases=("ros",))
class RelativeOutputStability(_Stability):
    """Relative output stability of the explainer (lower is better); needs ``explainer=``.

    Parameters
    ----------
    domain : str or Domain, optional
        Unused (the explainer has its domain); kept for the common signature.
    explainer : Explainer or callable, optional
        Default explainer (a call's ``explainer=`` overrides it).
    explain_options : dict, optional
        Options of the explainer's ``attribute``.
    noise : float
        Noise standard deviation relative to each input's (the reference: 0.05 of its data's).
    n_perturbations : int
    seed : int or None

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import get_explainer
    >>> from freqxai.metrics import get_metric
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> explainer = get_explainer("gxi", model)
    >>> metric = get_metric("relative_output_stability", explainer=explainer)
    >>> scores = metric(model, x, explainer.attribute(x))
    >>> scores.shape, bool(np.isfinite(scores).all())
    ((3,), True)
    """

    tags = MetricTags(label="relative output stability", higher_is_better=False,
                      needs_explainer=True)

    def __init__(self, domain: str | Domain | None = None, *, explainer: Any = None,
                 explain_options: dict | None = None, noise: float = 0.05,
                 n_perturbations: int = 10, seed: int | None = 0) -> None:
        super().__init__(domain, explainer=explainer, explain_options=explain_options,
                         n_perturbations=n_perturbations, seed=seed)
        self.noise = check_number(noise, "noise")

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None,
                 explainer: Any = None, explain_options: dict | None = None) -> np.ndarray:
        """Per-sample relative output stability of ``explainer`` around ``inputs``."""
        explainer, options = self._explainer(explainer, explain_options)
        _prepare(inputs, target, relevance)
        return relative_output_stability(model, explainer, inputs, target,
                                         explain_options=options, noise=self.noise,
                                         n_perturbations=self.n_perturbations, seed=self.seed)

"""Deletion and insertion curves in the explanation domain (FreqRISE's faithfulness test).

Brüsch et al. (NLDL 2025), section 4: coefficients are removed (set to zero) in order of
decreasing relevance, the signal is inverted to time, and the softmax probability of the target
class (the given target, by default the predicted class) is recorded; a faithful explanation makes it drop fast (low deletion area). Insertion starts
from all coefficients removed and restores the most relevant first (high insertion area is good;
Petsiuk et al., 2018).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .._batching import MODEL_ELEMENTS, rows_per_forward
from .._validation import (
    as_signal_tensor,
    check_bool,
    check_cast,
    check_choice,
    check_finite_outputs,
    check_model,
    check_positive_int,
    checked_outputs,
    class_scores,
    compute_dtype,
    eval_mode,
    model_device,
    model_outputs_probabilities,
    resolve_targets,
)
from ..domains import Domain, get_domain
from .base import Metric, MetricTags, check_relevance, register_metric

__all__ = ["DEFAULT_FRACTIONS", "perturbation_curves", "area_under_curve", "Deletion", "Insertion"]

DEFAULT_FRACTIONS: tuple[float, ...] = tuple(np.round(np.arange(0, 1.0, 0.05), 2))
# Perturbed coefficient values (real numbers) held per chunk of inputs.
_CHUNK_ELEMENTS = 2**24


def check_fractions(fractions: Any) -> np.ndarray:
    """``fractions`` as a strictly increasing 1-D float array in [0, 1] (at least two points)."""
    try:
        fr = np.asarray(fractions, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"fractions must be a sequence of numbers, got {fractions!r}") from err
    if fr.ndim != 1 or fr.size < 2 or not np.isfinite(fr).all() or (fr < 0).any() or (fr > 1).any():
        raise ValueError(f"fractions must be a 1-D sequence of at least two values in [0, 1], got "
                         f"{fractions!r}")
    if (np.diff(fr) <= 0).any():
        raise ValueError(f"fractions must be strictly increasing (an unsorted axis gives a "
                         f"negative area), got {fractions!r}")
    return fr


def area_under_curve(curves: np.ndarray, fractions: Sequence[float]) -> np.ndarray:
    """Trapezoid area under each curve ``(batch, n_fractions)`` over ``fractions``.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import area_under_curve
    >>> curves = np.array([[1.0, 0.5, 0.0], [1.0, 1.0, 1.0]])
    >>> area_under_curve(curves, fractions=[0.0, 0.5, 1.0])
    array([0.5, 1. ])
    """
    curves = np.asarray(curves, dtype=float)
    if not np.isfinite(curves).all():
        raise ValueError("curves contain NaN or Inf values; their area would be meaningless")
    x = check_fractions(fractions)
    if curves.shape[-1] != x.size:
        raise ValueError(f"curves have {curves.shape[-1]} points but fractions {x.size}")
    # the trapezoid rule, written out (numpy 1.x has np.trapz, numpy 2.x np.trapezoid)
    return ((curves[..., 1:] + curves[..., :-1]) / 2 * np.diff(x)).sum(axis=-1)


def _ranks(relevance: torch.Tensor) -> torch.Tensor:
    """Rank of each element per sample, 0 = most relevant (stable for ties)."""
    flat = relevance.flatten(1)
    order = torch.argsort(-flat, dim=1, stable=True)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(flat.shape[1], device=flat.device).expand_as(order))
    return ranks


def perturbation_curves(
    model,
    inputs: torch.Tensor | np.ndarray,
    relevance: torch.Tensor | np.ndarray,
    target=None,
    domain: str | Domain = "fft",
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    mode: str = "deletion",
    use_softmax: bool = True,
    batch_size: int | None = None,
) -> np.ndarray:
    """Target-class probability as the top-``q`` fraction of coefficients is removed or inserted.

    Parameters
    ----------
    model : callable
        ``(batch, channels, time)`` → ``(batch, n_classes)``.
    inputs : (batch, channels, time)
    relevance : ``(batch, channels or 1, *coefficient_axes)``
        A channel axis of 1 ranks coefficient positions and perturbs all channels together.
    target : int, sequence, tensor or None
        Class whose probability is tracked (None: the predicted class of each input).
    domain : str or Domain
        The explanation domain of ``relevance``.
    fractions : sequence of float in [0, 1]
        Share of coefficients removed (deletion) or kept (insertion) at each point.
    mode : {"deletion", "insertion"}
    use_softmax : bool
        Track probabilities (default) or the raw outputs. A model whose outputs already are
        probabilities (declared by ``model.output_kind`` or detected, with a warning) is read
        as it is, never through a second softmax.
    batch_size : int, optional
        Perturbed signals per model forward. Defaults to about 64K signal samples per forward on
        CPU (a CNN's activations then stay in the caches, as in :class:`~freqxai.FreqRISE`) and
        16M on GPU.

    Returns
    -------
    ndarray, shape (batch, len(fractions))

    Notes
    -----
    The model is evaluated in evaluation mode (dropout off, batch norm reading its running
    statistics), so two calls give the same curves; each of the caller's modules is restored to
    its own mode afterwards and no statistic is updated.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.metrics import perturbation_curves
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> curves = perturbation_curves(model, x, relevance, target=0, fractions=(0.0, 0.05, 0.5))
    >>> curves.shape
    (4, 3)
    >>> bool(np.allclose(curves[:, 1:], 0.5))   # bin 24 deleted first: logit 0, probability 1/2
    True
    """
    model = check_model(model)
    check_choice(mode, "mode", ("deletion", "insertion"))
    check_bool(use_softmax, "use_softmax")
    batch_size = None if batch_size is None else check_positive_int(batch_size, "batch_size")
    fr_np = check_fractions(fractions)
    domain = get_domain(domain)
    x, _ = as_signal_tensor(inputs)
    domain.check_length(x.shape[-1])
    device = model_device(model)
    x = check_cast(x.to(device=device, dtype=compute_dtype(model, x.dtype)), x.dtype)
    rel = torch.from_numpy(check_relevance(relevance, len(x), warn_flat=True)).to(device)
    coeffs = domain.forward(x)
    if tuple(rel.shape[2:]) != tuple(coeffs.shape[2:]) or rel.shape[1] not in (1, x.shape[1]):
        raise ValueError(
            f"relevance shape {tuple(rel.shape)} does not fit coefficients {tuple(coeffs.shape)} "
            f"of the {domain.name!r} domain (channel axis must be 1 or the number of channels)"
        )
    fr = torch.as_tensor(fr_np, device=device)
    with eval_mode(model), torch.no_grad():
        return _curves(model, x, rel, coeffs, target, domain, fr, mode, use_softmax, batch_size)


def _curves(model, x, rel, coeffs, target, domain, fr, mode, use_softmax, batch_size) -> np.ndarray:
    n_rank = rel[0].numel()
    k = torch.round(fr * n_rank).long()  # elements removed / kept at each fraction
    outputs = checked_outputs(model, x)
    targets = resolve_targets(target, outputs)
    probabilities = use_softmax and model_outputs_probabilities(model, outputs, mode)
    length = x.shape[-1]
    if batch_size is None:
        batch_size = rows_per_forward(x.shape[1] * length, x.device, MODEL_ELEMENTS)
    n_q = len(fr)
    per_input = n_q * coeffs[0].numel() * (2 if coeffs.is_complex() else 1)
    group = max(1, _CHUNK_ELEMENTS // per_input)
    curves = torch.empty((x.shape[0], n_q), dtype=torch.float64)
    for start in range(0, x.shape[0], group):
        sl = slice(start, start + group)
        ranks = _ranks(rel[sl])  # (g, n_rank)
        top = ranks[:, None, :] < k[None, :, None]  # (g, Q, n_rank): the top-k elements
        keep = ~top if mode == "deletion" else top
        keep = keep.reshape(*keep.shape[:2], *rel.shape[1:])
        perturbed = coeffs[sl, None] * keep.to(coeffs.real.dtype)  # (g, Q, C, *grid)
        signals = domain.inverse(perturbed, length).reshape(-1, *x.shape[1:])
        tgt = targets[sl].repeat_interleave(n_q)
        vals = []
        for b in range(0, signals.shape[0], batch_size):
            o = check_finite_outputs(model(signals[b : b + batch_size]), f"the {mode} signals")
            o = class_scores(o, "softmax" if use_softmax else "logit", probabilities)
            vals.append(o.gather(1, tgt[b : b + batch_size, None])[:, 0])
        curves[sl] = torch.cat(vals).view(-1, n_q).double().cpu()
    return curves.numpy()


class _Curve(Metric):
    """Area under a perturbation curve in the explanation domain.

    Parameters
    ----------
    domain : str or Domain
        Default domain of the relevance (a call's ``domain=`` overrides it).
    fractions : sequence of float
        Strictly increasing shares of coefficients removed / kept, in [0, 1].
    use_softmax : bool
        Track probabilities (default) or logits.
    batch_size : int, optional
        Perturbed signals per model forward. Defaults to about 64K signal samples per forward on
        CPU (a CNN's activations then stay in the caches, as in :class:`~freqxai.FreqRISE`) and
        16M on GPU.
    """

    mode = "deletion"
    tags = MetricTags(has_curves=True)

    def __init__(self, domain: str | Domain = "fft", fractions: Sequence[float] = DEFAULT_FRACTIONS,
                 use_softmax: bool = True, batch_size: int | None = None) -> None:
        super().__init__(domain)
        self.fractions = tuple(float(f) for f in check_fractions(fractions))
        self.use_softmax = check_bool(use_softmax, "use_softmax")
        self.batch_size = (None if batch_size is None
                           else check_positive_int(batch_size, "batch_size"))

    def curves(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
               domain: str | Domain | None = None) -> np.ndarray:
        """Per-sample curves ``(batch, n_fractions)``."""
        return perturbation_curves(model, inputs, relevance, target, self._domain(domain),
                                   self.fractions, self.mode, self.use_softmax, self.batch_size)

    def area(self, curves: np.ndarray) -> np.ndarray:
        """Per-sample area under ``curves`` over this metric's fractions."""
        return area_under_curve(curves, self.fractions)

    def __call__(self, model: Any, inputs: Any, relevance: Any, target: Any = None, *,
                 domain: str | Domain | None = None, ground_truth: Any = None) -> np.ndarray:
        """Per-sample area under the curve."""
        return self.area(self.curves(model, inputs, relevance, target, domain=domain))


@register_metric("deletion", aliases=("deletion_auc",))
class Deletion(_Curve):
    """Area under the deletion curve: remove the most relevant coefficients first (lower is
    better). Tracks the target class (default: the predicted class).

    Examples
    --------
    >>> from freqxai.metrics import Deletion
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> random = get_explainer("random", model).attribute(x, target=0, seed=0)
    >>> deletion = Deletion()
    >>> scores = deletion(model, x, relevance, target=0)
    >>> scores.shape
    (4,)
    >>> bool((scores < deletion(model, x, random, target=0)).all())  # better than chance
    True
    >>> deletion.curves(model, x, relevance, target=0).shape   # 20 fractions: 0, 0.05, ...
    (4, 20)
    """

    tags = MetricTags(label="deletion AUC", higher_is_better=False, has_curves=True)
    mode = "deletion"


@register_metric("insertion", aliases=("insertion_auc",))
class Insertion(_Curve):
    """Area under the insertion curve: restore the most relevant coefficients first (higher is
    better). Tracks the target class (default: the predicted class).

    Examples
    --------
    >>> from freqxai.metrics import Insertion
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)            # 4 signals (4, 1, 256)
    >>> model = BinPowerModel(k=24)                   # class 0 reads rFFT bin 24 only
    >>> relevance = get_explainer("gxi", model).attribute(x, target=0)
    >>> random = get_explainer("random", model).attribute(x, target=0, seed=0)
    >>> insertion = Insertion()
    >>> scores = insertion(model, x, relevance, target=0)
    >>> scores.shape
    (4,)
    >>> bool((scores > insertion(model, x, random, target=0)).all())  # better than chance
    True
    """

    tags = MetricTags(label="insertion AUC", higher_is_better=True, has_curves=True)
    mode = "insertion"

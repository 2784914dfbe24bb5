"""One unit of work: a method in a domain on a chunk of test signals, explained and scored.

Everything here reads the registries and the classes' declared attributes: no method, metric or
domain is named.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import nn

from ..explainers import explainer_class, get_explainer, project_relevance
from ..metrics import get_metric, postprocess
from .budget import forward_flops
from .config import RunConfig

__all__ = ["CERTAINTY", "CERTAINTY_DEVIATION", "SELF_CHECKS", "explain_chunk_domains",
           "explain_chunk_with_certainty", "explain_and_score_ragged", "score_chunk", "unit_seed"]

SIGNIFICANT_Z = 3.0  # |z| above which a coefficient counts as significant (0.27 % by chance)
# Per-input certainty figures a unit may store, and their labels in the report: the share of
# coefficients at |z| > SIGNIFICANT_Z, |sum of relevance - (f(x) - f(baseline))| / |f(x) -
# f(baseline)|, and LRP's bias-free relevance over the target logit
CERTAINTY = {"significant": "coefficients with abs z > 3", "integration_error": "integration error",
             "conservation": "conservation (bias-free sum / logit)",
             "split_half_stable": "split halves of the masks agreed (1) or not (0)",
             "conserved": "relevance conserved (1) or not (0)"}
# How far each per-input figure lies from what a trustworthy explanation gives (larger: worse),
# so that the report names the worst inputs beside the mean: few significant coefficients, a
# large integration error, relevance far from conserved (1)
CERTAINTY_DEVIATION = {"significant": lambda v: -v, "integration_error": np.abs,
                       "conservation": lambda v: np.abs(v - 1), "split_half_stable": lambda v: -v,
                       "conserved": lambda v: -v}
# Per-input checks a method passes (1) or fails (0) on its own: a run does not count a method
# toward the answer where it failed on most inputs (freqxai.answer, ``not_counted``)
SELF_CHECKS = {"split_half_stable": "the split halves of its masks never agreed",
               "conserved": "its relevance is not conserved"}


# Per-input arrays shaped like the coefficients (NaN-padded for series of unequal length)
COEFFICIENT_SHAPED = ("relevance", "standard_error", "z_score")


def unit_seed(cfg: RunConfig, method: str, domain: str, chunk: int) -> int:
    """A seed per (method, domain, chunk): results do not depend on which process runs a chunk."""
    key = f"{cfg.seed}/{method}/{domain}/{chunk}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")


def explain_chunk_with_certainty(model: nn.Module, cfg: RunConfig, method: str, domain_name: str,
                                 x: torch.Tensor, y: torch.Tensor, chunk: int
                                 ) -> tuple[torch.Tensor, dict[str, np.ndarray]]:
    """Relevance and what each method says about its own certainty (:data:`CERTAINTY`), read from
    the class's declared attributes: with a standard error, ``standard_error`` and ``z_score``
    maps and ``significant``; with a convergence delta, ``integration_error``; with a
    conservation check (``conservation_`` after the call), ``conservation``."""
    seed = unit_seed(cfg, method, domain_name, chunk)
    # the mask budget of methods that take one (FreqRISE's max_masks) follows the model's cost
    fits_cost = "max_masks" in explainer_class(method).option_names()[0]
    flops = forward_flops(model, x.shape[1], x.shape[-1]) if fits_cost else None
    init, options = cfg.explainer_settings(method, domain_name, x.shape[-1], seed,
                                           forward_flops=flops)
    explainer = get_explainer(method, model, cfg.domain(domain_name), **init)
    extras: dict[str, np.ndarray] = {}
    if explainer.has_standard_error:
        rel, se, z = explainer.attribute(x, target=y, return_standard_error=True,
                                         return_z_scores=True, **options)
        extras = {
            "standard_error": se.detach().float().cpu().numpy(),
            "z_score": z.detach().float().cpu().numpy(),
            "significant": (z.abs() > SIGNIFICANT_Z).flatten(1).double().mean(1).cpu().numpy(),
        }
    elif explainer.has_convergence_delta:
        rel, delta = explainer.attribute(x, target=y, return_convergence_delta=True, **options)
        # delta = sum(relevance) - (f(x) - f(baseline)): relative to the change it explains
        change = (rel.detach().flatten(1).double().sum(1) - delta.double()).abs()
        extras["integration_error"] = (delta.double().abs()
                                       / change.clamp_min(1e-12)).cpu().numpy()
    else:
        rel = explainer.attribute(x, target=y, **options)
    conservation = getattr(explainer, "conservation_", None)
    if conservation is not None:
        extras["conservation"] = conservation.detach().double().cpu().numpy()
    stable = getattr(explainer, "stable_", None)  # FreqRISE's n_masks="auto": did its halves agree
    if stable is not None:
        extras["split_half_stable"] = np.full(len(x), float(stable))
    conserved = getattr(explainer, "conserved_", None)
    if conserved is not None:
        extras["conserved"] = conserved.detach().double().cpu().numpy()
    return rel, extras


def explain_chunk_domains(model: nn.Module, cfg: RunConfig, method: str, domains: list[str],
                          x: torch.Tensor, y: torch.Tensor, chunk: int
                          ) -> dict[str, tuple[torch.Tensor, dict[str, np.ndarray]]]:
    """Relevance (and certainty arrays) of ``method`` in each of ``domains``; methods that compute
    in time (``computes_in_time``) run once and are projected into every domain (DFT-LRP, which
    keeps each signal's sum, so their per-input certainty figures hold in every domain), the
    others run per domain."""
    if not explainer_class(method).computes_in_time:
        return {d: explain_chunk_with_certainty(model, cfg, method, d, x, y, chunk) for d in domains}
    in_time, extras = explain_chunk_with_certainty(model, cfg, method, "time", x, y, chunk)
    return {d: (project_relevance(in_time, x, cfg.domain(d)).to(x.dtype), dict(extras))
            for d in domains}


def score_chunk(model: nn.Module, cfg: RunConfig, method: str, domain_name: str, x: torch.Tensor,
                y: torch.Tensor, relevance: torch.Tensor, truth: list[list[int]] | None) -> dict:
    """Per-sample metric values (and curves) of one chunk, keyed by metric name."""
    domain = cfg.domain(domain_name)
    rel = relevance.detach().cpu().double().numpy()
    # The paper compares positive evidence only: methods that declare clip_negative (gradients,
    # FLEX: one rule for the same kind of relevance) are clipped before scoring.
    scored = postprocess(rel, clip=cfg.clip_negative and explainer_class(method).clip_negative,
                         rule=cfg.threshold)
    out: dict[str, np.ndarray] = {}
    has_frequency = domain.frequency_axis(x.shape[-1]) is not None
    for name in cfg.metrics:
        metric = get_metric(name)
        if metric.needs_ground_truth and (truth is None or not has_frequency):
            out[name] = np.full(len(x), np.nan)
        elif metric.has_curves:
            curves = metric.curves(model, x, scored, y, domain=domain)
            out[f"{name}_curve"] = curves
            out[name] = metric.area(curves)
        else:
            out[name] = metric(model, x, scored, y, domain=domain, ground_truth=truth)
    return out


def explain_and_score_ragged(model: nn.Module, cfg: RunConfig, method: str, domains: list[str],
                             x: torch.Tensor, y: torch.Tensor, lengths: np.ndarray, chunk: int,
                             grids: dict[str, tuple[int, ...]]) -> dict[str, dict[str, np.ndarray]]:
    """A chunk of series of unequal length (zero-padded ``x`` and their ``lengths``): each group
    of one length cut to that length, explained (:func:`explain_chunk_domains`) and scored
    (:func:`score_chunk`) on its own, so no mask, path or metric ever sees the padding.

    Returns per domain the arrays of :func:`score_chunk` and the relevance (and certainty maps)
    in input order; coefficient-shaped arrays NaN-padded to ``grids[domain]`` (the largest
    grid of the run, :func:`freqxai.ragged.coefficient_grid`).
    """
    from ..ragged import group_slices, pad_coefficients

    parts: dict[str, list[tuple[np.ndarray, dict[str, np.ndarray]]]] = {d: [] for d in domains}
    for length, idx in group_slices(lengths):
        at = torch.as_tensor(idx, device=x.device)
        xg, yg = x[at, :, :length].contiguous(), y[at]
        for d, (rel, certainty) in explain_chunk_domains(model, cfg, method, domains, xg, yg,
                                                         chunk).items():
            arrays = {"relevance": rel.detach().float().cpu().numpy(), **certainty,
                      **score_chunk(model, cfg, method, d, xg, yg, rel, None)}
            parts[d].append((idx, arrays))
    out: dict[str, dict[str, np.ndarray]] = {}
    for d, groups in parts.items():
        n_coef = len(grids[d])
        merged: dict[str, np.ndarray] = {}
        for key in groups[0][1]:
            pieces = [a[key] for _, a in groups]
            if key in COEFFICIENT_SHAPED and pieces[0].ndim == 2 + n_coef:
                pieces = [pad_coefficients(p, grids[d]) for p in pieces]
            full = np.empty((len(lengths), *pieces[0].shape[1:]), dtype=pieces[0].dtype)
            for (idx, _), p in zip(groups, pieces, strict=True):
                full[idx] = p
            merged[key] = full
        out[d] = merged
    return out

"""One unit of work: a method in a domain on a chunk of test signals, explained and scored."""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import nn

from ..domains import STFT, Domain, Time
from ..explainers import (
    FLEX,
    LRP,
    AmplitudeReference,
    FreqRISE,
    GradientXInput,
    IntegratedGradientsTime,
    RandomReference,
    Saliency,
)
from ..explainers.projection import project_relevance
from ..metrics import complexity, perturbation_curves, postprocess, relevance_rank_accuracy
from ..metrics.faithfulness import DEFAULT_FRACTIONS, area_under_curve
from .config import GRADIENT_METHODS, RunConfig

__all__ = ["explain_chunk", "explain_chunk_domains", "score_chunk", "unit_seed"]


def unit_seed(cfg: RunConfig, method: str, domain: str, chunk: int) -> int:
    """A seed per (method, domain, chunk): results do not depend on which process runs a chunk."""
    key = f"{cfg.seed}/{method}/{domain}/{chunk}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")


def _num_cells(cfg: RunConfig, domain_name: str, domain: Domain, length: int):
    cells = cfg.num_cells.get(domain_name, 200)
    grid = domain.coefficient_shape(length)
    if isinstance(cells, list | tuple):
        return tuple(g if c in (0, None) else min(int(c), g) for c, g in zip(cells, grid, strict=True))
    if cells in (0, None):
        return grid if len(grid) > 1 else grid[0]
    return tuple(min(int(cells), g) for g in grid) if len(grid) > 1 else min(int(cells), grid[0])


def explain_chunk(model: nn.Module, cfg: RunConfig, method: str, domain_name: str,
                  x: torch.Tensor, y: torch.Tensor, chunk: int) -> torch.Tensor:
    """Relevance of ``method`` in ``domain_name`` for the signals ``x`` and labels ``y``."""
    domain = cfg.domain(domain_name)
    seed = unit_seed(cfg, method, domain_name, chunk)
    if method == "freqrise":
        return FreqRISE(model, domain).attribute(
            x, target=y, n_masks=cfg.n_masks, num_cells=_num_cells(cfg, domain_name, domain, x.shape[-1]),
            p_keep=cfg.p_keep, seed=seed, use_softmax=cfg.use_softmax,
            normalize="minmax",  # the paper's evaluation scales each sample to [0, 1]
        )
    if method == "flex":
        return FLEX(model, domain).attribute(x, target=y, n_steps=cfg.n_steps)
    if method == "random":
        return RandomReference(model, domain).attribute(x, target=y, seed=seed)
    if method == "amplitude":
        return AmplitudeReference(model, domain).attribute(x, target=y)
    return project_relevance(_time_relevance(model, cfg, method, x, y), x, domain).to(x.dtype)


def _time_relevance(model: nn.Module, cfg: RunConfig, method: str, x: torch.Tensor,
                    y: torch.Tensor) -> torch.Tensor:
    """Time-domain relevance of a gradient method (projected into domains by DFT-LRP)."""
    explainer = {
        "saliency": lambda: Saliency(model),
        "gxi": lambda: GradientXInput(model),
        "ig": lambda: IntegratedGradientsTime(model),
        "lrp": lambda: LRP(model, composite=cfg.lrp_composite),
    }[method]()
    kwargs = {"n_steps": cfg.n_steps} if method == "ig" else {}
    return explainer.attribute(x, target=y, **kwargs)


def explain_chunk_domains(model: nn.Module, cfg: RunConfig, method: str, domains: list[str],
                          x: torch.Tensor, y: torch.Tensor, chunk: int) -> dict[str, torch.Tensor]:
    """Relevance of ``method`` in each of ``domains``; gradient methods run once in time and are
    projected into every domain (DFT-LRP), the others run per domain."""
    if method not in GRADIENT_METHODS:
        return {d: explain_chunk(model, cfg, method, d, x, y, chunk) for d in domains}
    in_time = _time_relevance(model, cfg, method, x, y)
    return {d: project_relevance(in_time, x, cfg.domain(d)).to(x.dtype) for d in domains}


def score_chunk(model: nn.Module, cfg: RunConfig, method: str, domain_name: str, x: torch.Tensor,
                y: torch.Tensor, relevance: torch.Tensor, truth: list[list[int]] | None) -> dict:
    """Per-sample metric values and curves of one chunk (arrays keyed by name)."""
    domain = cfg.domain(domain_name)
    rel = relevance.detach().cpu().double().numpy()
    # The paper compares positive evidence only: clip gradient methods' negative relevance.
    scored = postprocess(rel, clip=cfg.clip_negative and method in GRADIENT_METHODS,
                         rule=cfg.threshold)
    out: dict[str, np.ndarray] = {}
    n = len(x)
    if "localization" in cfg.metrics:
        if truth is None or isinstance(domain, Time):
            out["localization"] = np.full(n, np.nan)
        else:
            marginal = scored.sum(axis=1)  # over channels
            if isinstance(domain, STFT):
                marginal = marginal.sum(axis=-1)  # over frames
            out["localization"] = relevance_rank_accuracy(marginal, truth)
    if "complexity" in cfg.metrics:
        out["complexity"] = complexity(scored)
    for mode in ("deletion", "insertion"):
        if mode in cfg.metrics:
            curves = perturbation_curves(model, x, scored, y, domain, DEFAULT_FRACTIONS, mode=mode,
                                         use_softmax=True)
            out[f"{mode}_curve"] = curves
            out[f"{mode}_auc"] = area_under_curve(curves, DEFAULT_FRACTIONS)
    return out

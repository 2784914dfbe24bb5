"""What a run will cost, said before the heavy work: each method is timed on a few test signals
(a probe, the run's own code on the run's own model), and the explanation phase and the sanity
checks are extrapolated from it.

The probe explains and scores 1 and then 4 signals per method in every domain of the run, as a
work item does, and throws the results away (about 5 signals' work per method). The two times give
a work item's fixed cost (a small model's forward costs about the same for 1 signal as for 25)
and its cost per signal; the run's work items are summed with them. FreqRISE's
``n_masks="auto"`` may stop earlier or later on more signals, so the estimate says "about". The
run logs the estimate and, at the end of the phase, the time it took, so a wrong estimate is seen.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import torch

from .compute import explain_chunk_domains, score_chunk
from .config import RunConfig

__all__ = ["PROBE_SIZES", "QUICK_ADVICE_SECONDS", "probe_costs", "estimate_text",
           "format_seconds"]

# signals of the two timed calls per method: a fixed cost and a slope; the second is at most a
# tenth of the run's signals (at least 2), so the probe of a 10-signal run is not half its work
PROBE_SIZES = (1, 4)
QUICK_ADVICE_SECONDS = 600.0  # above this, the estimate offers --quick


def _time_call(model: Any, cfg: RunConfig, method: str, x: torch.Tensor, t: torch.Tensor,
               truth: Any) -> float:
    t0 = time.perf_counter()
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")  # the run itself reports what the probe would warn
        rels = explain_chunk_domains(model, cfg, method, list(cfg.domains), x, t, 0)
        for domain, (rel, _) in rels.items():
            gt = truth(cfg.domain(domain)) if truth is not None else None
            score_chunk(model, cfg, method, domain, x, t, rel,
                        gt[:len(x)] if gt is not None else None)
    return time.perf_counter() - t0


def probe_costs(model: Any, cfg: RunConfig, X: np.ndarray, y: np.ndarray, truth: Any = None,
                methods: list[str] | None = None, lengths: np.ndarray | None = None
                ) -> dict[str, tuple[float, float]]:
    """Per method, the cost of one work item as ``(fixed seconds, seconds per signal)``: each
    method explains and scores the first signals of ``X`` in every domain of the run twice
    (:data:`PROBE_SIZES` signals), on the CPU. A fixed cost matters: a small model's forwards
    cost about the same for 1 signal as for 25 (a line through one point would count it 25
    times)."""
    if lengths is not None:
        return _probe_ragged(model, cfg, X, y, methods, np.asarray(lengths))
    second = min(PROBE_SIZES[1], max(2, len(X) // 10))
    sizes = [min(k, len(X)) for k in (PROBE_SIZES[0], second)]
    out: dict[str, tuple[float, float]] = {}
    for method in methods or cfg.methods:
        times = []
        for k in sizes:
            x = torch.as_tensor(np.ascontiguousarray(X[:k]))
            times.append(_time_call(model, cfg, method, x, torch.as_tensor(np.asarray(y[:k])),
                                    truth))
        slope = max(0.0, (times[1] - times[0]) / (sizes[1] - sizes[0])) if sizes[1] > sizes[0] \
            else times[0] / sizes[0]
        out[method] = (max(0.0, times[0] - slope * sizes[0]), slope)
    return out


def _probe_ragged(model: Any, cfg: RunConfig, X: np.ndarray, y: np.ndarray,
                  methods: list[str] | None, lengths: np.ndarray) -> dict[str, tuple[float, float]]:
    """Series of unequal length are explained a length at a time, so each series pays a
    group's fixed cost about alone: the cost is one series of the median length, timed, per
    series (no fixed part). No ground truth (unequal-length data has none)."""
    i = int(np.argsort(lengths)[len(lengths) // 2])
    x = torch.as_tensor(np.ascontiguousarray(X[i:i + 1, :, :int(lengths[i])]))
    t = torch.as_tensor(np.asarray(y[i:i + 1]))
    return {method: (0.0, _time_call(model, cfg, method, x, t, None))
            for method in methods or cfg.methods}


def format_seconds(seconds: float) -> str:
    """``40 s``, ``3 min``, ``1 h 20 min``."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {seconds % 3600 / 60:.0f} min"


def estimate_text(costs: dict[str, tuple[float, float]], work: dict[str, list[tuple[int, float]]],
                  *, devices: int = 1, sanity_signals: int = 0, sanity_steps: int = 0,
                  swap_signals: int = 0, swap_steps: int = 0,
                  quick: bool = False) -> tuple[str, float]:
    """One line stating the estimated time of the explanation phase (per method, slowest first)
    and of the sanity checks, and the seconds of the explanation phase.

    Parameters
    ----------
    costs : dict
        Per method ``(fixed seconds, seconds per signal)`` of a work item (:func:`probe_costs`).
    work : dict
        Per method its work items still to do, each ``(signals, share of the run's domains)``
        (a resumed run counts only what is missing).
    devices : int
        Processes sharing the work.
    sanity_signals, sanity_steps : int
        Signals of the sanity checks and explanations per signal they take (one per layer
        randomized plus the trained model's); 0: no sanity checks.
    swap_signals, swap_steps : int
        Signals of the model-swap deletion test and explanations per signal it takes (the
        trained and the randomized model's map, per randomization); 0: none.
    quick : bool
        The run is already ``--quick`` (no advice to use it).
    """
    cost = {m: sum((costs[m][0] + costs[m][1] * n) * share for n, share in work.get(m, []))
            / max(devices, 1) for m in costs}
    total = sum(cost.values())
    parts = ", ".join(f"{m} {format_seconds(s)}" for m, s in
                      sorted(cost.items(), key=lambda kv: -kv[1]) if work.get(m))
    text = f"estimated time: explaining about {format_seconds(total)} ({parts})"
    sanity = (sum(a + b * sanity_signals for a, b in costs.values()) * sanity_steps
              + sum(a + b * swap_signals for a, b in costs.values()) * swap_steps)
    if sanity:
        text += f", sanity checks about {format_seconds(sanity)}"
    if total + sanity > QUICK_ADVICE_SECONDS and not quick:
        text += ("; more than 10 min: --quick gives a first answer (band Shapley values and "
                 "FLEX, fft, 10 signals per class) in a fraction of it")
    return text, total

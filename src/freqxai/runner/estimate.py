"""What a run will cost, said before the heavy work: a cost model whose per-unit costs a timed
probe measures on the run's own model and data.

The model (:func:`item_seconds`, :func:`phase_seconds`, :func:`sanity_seconds`): a work item of
method *m* on *n* signals costs

    T_item = a_m + n x (e_m x E/E_0 x F/F_0 + s_m x F/F_0)

seconds, summed over the run's items and divided among the processes that share them
(:func:`effective_devices`), plus the start of the extra processes (:func:`startup_seconds`).
``a_m`` is a work item's fixed cost (setting the explainer up; a small model's forward costs
about the same for 1 signal as for 25), ``e_m`` and ``s_m`` the
seconds per signal of explaining and of scoring, all three timed by the probe at the run's shape
(:class:`Shape`: ``E_0`` model evaluations per signal and domain, ``F_0`` FLOPs per evaluation).
At another shape the explanation scales with the evaluations ``E`` (:func:`evaluations`:
FreqRISE's masks, band Shapley's coalitions ``2**B``, IG's and FLEX's steps, 1 for a single
gradient) and both with the cost of one evaluation ``F`` (:func:`forward_units`: the model's
FLOPs on one ``(channels, length)`` signal plus an inverse FFT). A run's probe is at the run's
own shape, so there the ratios are 1 except for series of unequal length (each length its own
shape); ``bench/scale.py`` checks the model against measurements across signals, length,
channels, masks, bands, steps and processes (docs/performance.md, "Cost model").

The probe explains and scores 1, then 4, then 1 signal again per method in every domain of the
run, as a work item does, and throws the results away (about 6 signals' work per method; the
first call also pays the process's one-off costs, so the faster 1-signal call is kept). FreqRISE's
``n_masks="auto"`` may stop earlier or later on more signals, so the estimate says "about". The
run logs the estimate and, at the end of the phase, the time it took, so a wrong estimate is seen.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from .budget import forward_flops
from .compute import explain_chunk_domains, score_chunk
from .config import RunConfig

__all__ = ["PROBE_SIZES", "QUICK_ADVICE_SECONDS", "TRANSFORM_FLOPS", "MAX_START_SECONDS", "Shape",
           "MethodCost", "forward_units", "coalitions", "evaluations", "run_shape",
           "item_seconds", "phase_seconds", "sanity_seconds", "effective_devices",
           "startup_seconds", "retrain_seconds", "length_shapes", "probe_costs", "estimate_text",
           "format_seconds"]

# signals of the two timed calls per method: a fixed cost and a slope; the second is at most a
# tenth of the run's signals (at least 2), so the probe of a 10-signal run is not half its work
PROBE_SIZES = (1, 4)
QUICK_ADVICE_SECONDS = 600.0  # above this, the estimate offers --quick
# FLOPs of an FFT per sample and per log2 of its length (the radix-2 count, 5 n log2 n)
TRANSFORM_FLOPS = 5.0
# most seconds an extra process of a run is counted to take to start (6-15 s on 2 busy cores)
MAX_START_SECONDS = 60.0


# ---- the cost model -----------------------------------------------------------------------------

def forward_units(model: Any, channels: int, length: int, flops: float | None = None) -> float:
    """The cost of one model evaluation on one ``(channels, length)`` signal, in FLOPs:

        F(C, L) = forward FLOPs + 5 C L log2 L

    the model's forward as PyTorch counts it (``flops``, else
    :func:`~freqxai.runner.budget.forward_flops`; ``C x L`` where it cannot be counted, a model
    reads every sample at least once) plus one inverse FFT per channel, which every perturbation
    or path in a frequency domain pays to bring the evaluated signal back to time. A
    convolutional net's FLOPs grow linearly in ``L`` (and barely with ``C``: only its first
    layer reads the channels), so its evaluations do too."""
    channels, length = int(channels), int(length)
    if flops is None:
        flops = forward_flops(model, channels, length)
    if not flops:
        flops = float(channels * length)
    return float(flops) + TRANSFORM_FLOPS * channels * length * math.log2(max(length, 2))


def coalitions(n_players: int, *, max_exact: int = 12, max_evaluations: int | None = None,
               n_permutations: int = 200) -> int:
    """Coalitions band Shapley evaluates per signal (one forward each) for ``n_players`` bands:

        2**B                                       when B <= max_exact and 2**B <= max_evaluations
        min(2**B, max_evaluations, n_permutations (B - 1) + 2)    otherwise (permutation sampling)

    (exact values, else the distinct prefixes of antithetic permutations up to the budget: the
    second line is their upper bound, within one pair, ``2 (B - 1)``, of what is drawn). A run
    gives ``max_evaluations`` 300, so up to 8 bands are exact and more cost 300."""
    n = max(int(n_players), 0)
    if n <= max_exact and (max_evaluations is None or 2 ** n <= max_evaluations):
        return 2 ** n
    bound = min(2 ** min(n, 62), n_permutations * max(n - 1, 1) + 2)
    return int(bound if max_evaluations is None else min(bound, max_evaluations))


def evaluations(settings: Mapping[str, Any], *, length: int, channels: int = 1) -> float:
    """Model evaluations per signal and domain of an explainer with ``settings`` (its
    constructor settings and ``attribute`` options together, as a run gives them), read from
    the options it takes:

    - ``n_masks`` (FreqRISE): the masks, ``M`` forwards; ``"auto"``: at most ``max_masks`` (it
      stops once two halves of the masks agree, so this is an upper bound);
    - ``bands`` and ``max_evaluations`` (band Shapley): :func:`coalitions` of its bands, ``2**B``
      (``B x channels`` players with ``players="channel_band"``);
    - ``n_steps`` (IG, FLEX): ``K`` steps along the path, a forward and a backward each;
    - none of these (gradient x input, saliency, LRP, the references): 1.
    """
    if "n_masks" in settings:
        masks = settings["n_masks"]
        if masks == "auto" or masks is None:
            from .config import AUTO_MAX_MASKS

            masks = settings.get("max_masks") or AUTO_MAX_MASKS
        return float(masks)
    if "max_evaluations" in settings and "bands" in settings:
        from ..bands import signal_bands

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                n = len(signal_bands(int(length), settings.get("fs"),
                                     eeg=bool(settings.get("eeg", False)),
                                     bands=settings.get("bands")))
        except (TypeError, ValueError):
            n = 8
        if settings.get("players") == "channel_band":
            n *= int(channels)
        return float(coalitions(n, max_exact=settings.get("max_exact", 12),
                                max_evaluations=settings.get("max_evaluations"),
                                n_permutations=settings.get("n_permutations", 200)))
    if "n_steps" in settings:
        return float(settings["n_steps"])
    return 1.0


@dataclass(frozen=True)
class Shape:
    """The size of one signal's work: its ``length`` and ``channels``, the model
    ``evaluations`` per signal and domain (:func:`evaluations`) and the FLOPs of one
    (``forward``, :func:`forward_units`)."""

    length: int
    channels: int
    evaluations: float
    forward: float


def run_shape(model: Any, cfg: RunConfig, method: str, channels: int, length: int) -> Shape:
    """The :class:`Shape` of ``method``'s work in a run of ``cfg`` on ``(channels, length)``
    signals: its settings in the run's first domain (the masks, bands and steps are the same in
    every domain), FreqRISE's ``"auto"`` budget fitted to the model's FLOPs as the run fits it."""
    from ..explainers import explainer_class

    flops = forward_flops(model, channels, length)
    init, options = cfg.explainer_settings(method, cfg.domains[0], length, 0,
                                           forward_flops=flops)
    settings = dict(init, **options)
    names = explainer_class(method).option_names()
    for name in ("bands", "fs", "eeg", "players"):  # the class's defaults where the run sets none
        if name in names[0] and name not in settings:
            settings[name] = None if name != "eeg" else False
    return Shape(int(length), int(channels),
                 evaluations(settings, length=length, channels=channels),
                 forward_units(model, channels, length, flops))


@dataclass(frozen=True)
class MethodCost:
    """What a method's work item costs, timed by the probe at ``shape``: ``fixed`` seconds per
    item and ``explain`` and ``score`` seconds per signal (and domain share 1)."""

    fixed: float
    explain: float
    score: float = 0.0
    shape: Shape | None = None

    @property
    def per_signal(self) -> float:
        """Seconds per signal, explaining and scoring."""
        return self.explain + self.score

    def at(self, shape: Shape | None) -> MethodCost:
        """The cost at another ``shape``: explaining ``x (E / E_0) x (F / F_0)``, scoring
        ``x F / F_0`` (its curves evaluate the model a fixed number of times per signal), the
        fixed cost as it is. Itself without a shape (either one's)."""
        if shape is None or self.shape is None or shape == self.shape:
            return self
        f = shape.forward / self.shape.forward
        e = shape.evaluations / self.shape.evaluations
        return replace(self, explain=self.explain * e * f, score=self.score * f, shape=shape)


def _as_cost(cost: MethodCost | tuple[float, float]) -> MethodCost:
    """A :class:`MethodCost`, or ``(fixed, seconds per signal)`` as one."""
    return cost if isinstance(cost, MethodCost) else MethodCost(float(cost[0]), float(cost[1]))


def item_seconds(cost: MethodCost | tuple[float, float], signals: float, share: float = 1.0,
                 shape: Shape | None = None) -> float:
    """Seconds of one work item of ``signals`` signals in ``share`` of the run's domains:

        (a + n x per-signal cost at ``shape``) x share

    linear in the signals past the fixed cost ``a``; ``shape``: the item's signals differ from
    the probe's (:meth:`MethodCost.at`)."""
    c = _as_cost(cost).at(shape)
    return (c.fixed + c.per_signal * signals) * share


def phase_seconds(costs: Mapping[str, MethodCost | tuple[float, float]],
                  work: Mapping[str, Iterable[tuple]], devices: float = 1.0) -> dict[str, float]:
    """Per method, the seconds of the explanation phase: its work items' :func:`item_seconds`
    summed and divided among ``devices`` processes (:func:`effective_devices`)

        T_m = sum_items item_seconds / D

    ``work``: per method its items, ``(signals, share of the run's domains)`` or ``(signals,
    share, Shape)``."""
    return {m: sum(item_seconds(costs[m], *item) for item in work.get(m, ()))
            / max(float(devices), 1.0) for m in costs}


def sanity_seconds(costs: Mapping[str, MethodCost | tuple[float, float]], *, signals: int = 0,
                   steps: int = 0, swap_signals: int = 0, swap_steps: int = 0) -> float:
    """Seconds of the sanity checks: every method explains ``signals`` signals once per model
    (``steps``: one per layer randomized plus the trained model's) and ``swap_signals`` once
    per map of the model-swap deletion test (``swap_steps``), each a work item:

        sum_m [item(signals) x steps + item(swap_signals) x swap_steps]
    """
    return sum(item_seconds(c, signals) * steps + item_seconds(c, swap_signals) * swap_steps
               for c in costs.values()) if steps or swap_steps else 0.0


def effective_devices(devices: int, *, cores: int | None = None, busy: float = 0.0,
                      threads: int | None = None) -> float:
    """How many of ``devices`` processes work at once: on accelerators (``cores`` None) all of
    them; on the CPU only as many as the cores no other job keeps busy hold, ``threads`` each
    (one core each when not set)

        D_eff = min(D, max(1, (cores - busy) / threads))

    The explanation phase divides by it (:func:`phase_seconds`)."""
    devices = max(int(devices), 1)
    if cores is None or devices == 1:
        return float(devices)
    free = max(float(cores) - float(busy), 0.0)
    return float(min(devices, max(1.0, free / max(int(threads or 1), 1))))


def startup_seconds(devices: int, import_seconds: float | None) -> float:
    """What a run of more than one process pays before its work: every extra process starts
    Python and imports PyTorch, Lightning and the library again, all at once, and the first
    work item waits for them (DDP's rendezvous):

        T_start = import seconds if D > 1 else 0

    ``import_seconds``: what this process took (:data:`~freqxai.runner.budget.IMPORT_SECONDS`;
    None: not known, 0), at most :data:`MAX_START_SECONDS` (a process that imported the
    library long after it started, a notebook's kernel, does not count its idle time)."""
    if int(devices) <= 1:
        return 0.0
    return min(float(import_seconds or 0.0), MAX_START_SECONDS)


# ---- the probe ----------------------------------------------------------------------------------

def _time_call(model: Any, cfg: RunConfig, method: str, x: torch.Tensor, t: torch.Tensor,
               truth: Any) -> tuple[float, float]:
    """Seconds explaining and seconds scoring ``x`` in every domain of the run."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")  # the run itself reports what the probe would warn
        rels = explain_chunk_domains(model, cfg, method, list(cfg.domains), x, t, 0)
        t1 = time.perf_counter()
        for domain, (rel, _) in rels.items():
            gt = truth(cfg.domain(domain)) if truth is not None else None
            score_chunk(model, cfg, method, domain, x, t, rel,
                        gt[:len(x)] if gt is not None else None)
    return t1 - t0, time.perf_counter() - t1


def _shape_or_none(model: Any, cfg: RunConfig, method: str, channels: int, length: int
                   ) -> Shape | None:
    try:
        return run_shape(model, cfg, method, channels, length)
    except Exception:  # noqa: BLE001 - a plug-in's settings the model cannot read: no scaling
        return None


def probe_costs(model: Any, cfg: RunConfig, X: np.ndarray, y: np.ndarray, truth: Any = None,
                methods: list[str] | None = None, lengths: np.ndarray | None = None
                ) -> dict[str, MethodCost]:
    """Per method, the cost of one work item (:class:`MethodCost`: fixed seconds, seconds per
    signal explaining and scoring, at the run's :class:`Shape`): each method explains and scores
    the first signals of ``X`` in every domain of the run (:data:`PROBE_SIZES` signals, the
    first size twice: the faster one counts), on the CPU. A fixed cost matters: a small model's forwards cost about the same for 1 signal as
    for 25 (a line through one point would count it 25 times)."""
    if lengths is not None:
        return _probe_ragged(model, cfg, X, y, methods, np.asarray(lengths))
    second = min(PROBE_SIZES[1], max(2, len(X) // 10))
    sizes = [min(k, len(X)) for k in (PROBE_SIZES[0], second)]
    out: dict[str, MethodCost] = {}
    for method in methods or cfg.methods:
        times = []
        for k in (*sizes, sizes[0]):
            x = torch.as_tensor(np.ascontiguousarray(X[:k]))
            times.append(_time_call(model, cfg, method, x, torch.as_tensor(np.asarray(y[:k])),
                                    truth))
        # the first call pays what a process pays once (imports: scipy.stats, PyTorch's FLOP
        # counter; 4-8 s on 2 busy cores), not every work item: the faster of the two 1-signal
        # calls is the item's
        first = times.pop()
        times[0] = (min(times[0][0], first[0]), min(times[0][1], first[1]))
        if sizes[1] > sizes[0]:
            explain, score = (max(0.0, (times[1][i] - times[0][i]) / (sizes[1] - sizes[0]))
                              for i in (0, 1))
        else:
            explain, score = (times[0][i] / sizes[0] for i in (0, 1))
        fixed = max(0.0, sum(times[0]) - (explain + score) * sizes[0])
        out[method] = MethodCost(fixed, explain, score,
                                 _shape_or_none(model, cfg, method, X.shape[1], X.shape[-1]))
    return out


def _probe_ragged(model: Any, cfg: RunConfig, X: np.ndarray, y: np.ndarray,
                  methods: list[str] | None, lengths: np.ndarray) -> dict[str, MethodCost]:
    """Series of unequal length are explained a length at a time, so each series pays a
    group's fixed cost about alone: the cost is one series of the median length, timed, per
    series (no fixed part), at that length's :class:`Shape` (the run scales it to each series'
    length). No ground truth (unequal-length data has none)."""
    i = int(np.argsort(lengths)[len(lengths) // 2])
    x = torch.as_tensor(np.ascontiguousarray(X[i:i + 1, :, :int(lengths[i])]))
    t = torch.as_tensor(np.asarray(y[i:i + 1]))
    out = {}
    for method in methods or cfg.methods:
        explain, score = _time_call(model, cfg, method, x, t, None)
        out[method] = MethodCost(0.0, explain, score,
                                 _shape_or_none(model, cfg, method, X.shape[1], int(lengths[i])))
    return out


def length_shapes(model: Any, cfg: RunConfig, method: str, channels: int,
                  lengths: Iterable[int], most: int = 24) -> dict[int, Shape | None]:
    """Per distinct length, ``method``'s :class:`Shape` (series of unequal length): computed at
    up to ``most`` of the lengths (quantiles) and interpolated between them, so a set of
    hundreds of lengths counts the model's FLOPs a few dozen times."""
    distinct = np.unique(np.asarray(list(lengths), dtype=np.int64))
    if len(distinct) == 0:
        return {}
    at = np.unique(distinct[np.round(np.linspace(0, len(distinct) - 1,
                                                 min(most, len(distinct)))).astype(int)])
    known = {int(n): _shape_or_none(model, cfg, method, channels, int(n)) for n in at}
    if any(s is None for s in known.values()):
        return {int(n): None for n in distinct}
    ev = np.array([known[int(n)].evaluations for n in at])
    fw = np.array([known[int(n)].forward for n in at])
    return {int(n): known.get(int(n)) or Shape(int(n), int(channels), float(np.interp(n, at, ev)),
                                                float(np.interp(n, at, fw)))
            for n in distinct}


# ---- the words ----------------------------------------------------------------------------------

def format_seconds(seconds: float) -> str:
    """``40 s``, ``3 min``, ``1 h 20 min``."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {seconds % 3600 / 60:.0f} min"


def retrain_seconds(record: Mapping[str, float] | None, epochs: int) -> float | None:
    """Seconds of retraining the run's model on permuted labels (the label sanity check): the
    training the run recorded (:func:`freqxai.runner.sources.base.training_record`), per epoch,
    times the ``epochs`` the retraining runs (all of them: nothing to stop early on labels
    that carry no information)

        T_retrain = seconds / epochs_trained x epochs

    None when no training was recorded (a model trained by an older version)."""
    if not record or record.get("epochs", 0) <= 0:
        return None
    return float(record["seconds"]) / float(record["epochs"]) * int(epochs)


def estimate_text(costs: Mapping[str, MethodCost | tuple[float, float]],
                  work: Mapping[str, list[tuple]], *, devices: float = 1,
                  sanity_signals: int = 0, sanity_steps: int = 0, swap_signals: int = 0,
                  swap_steps: int = 0, startup: float = 0.0, retrain: float | None = 0.0,
                  quick: bool = False) -> tuple[str, float]:
    """One line stating the estimated time of the explanation phase (per method, slowest first)
    and of the sanity checks, and the seconds of the explanation phase (the cost model,
    :func:`phase_seconds` and :func:`sanity_seconds`).

    Parameters
    ----------
    costs : dict
        Per method a work item's :class:`MethodCost` (:func:`probe_costs`), or ``(fixed seconds,
        seconds per signal)``.
    work : dict
        Per method its work items still to do, each ``(signals, share of the run's domains)``
        or ``(signals, share, Shape)`` (a resumed run counts only what is missing).
    devices : float
        Processes sharing the work, those that run at once (:func:`effective_devices`).
    sanity_signals, sanity_steps : int
        Signals of the sanity checks and explanations per signal they take (one per layer
        randomized plus the trained model's); 0: no sanity checks.
    swap_signals, swap_steps : int
        Signals of the model-swap deletion test and explanations per signal it takes (the
        trained and the randomized model's map, per randomization); 0: none.
    startup : float
        Seconds the extra processes take to start (:func:`startup_seconds`), part of the phase.
    retrain : float or None
        Seconds of retraining the model on permuted labels for the sanity checks
        (:func:`retrain_seconds`; 0: none; None: it retrains, for a time not known).
    quick : bool
        The run is already ``--quick`` (no advice to use it).
    """
    cost = phase_seconds(costs, work, devices)
    total = sum(cost.values()) + startup
    parts = ", ".join(f"{m} {format_seconds(s)}" for m, s in
                      sorted(cost.items(), key=lambda kv: -kv[1]) if work.get(m))
    if startup:
        parts += f", starting the other processes {format_seconds(startup)}"
    text = f"estimated time: explaining about {format_seconds(total)} ({parts})"
    sanity = sanity_seconds(costs, signals=sanity_signals, steps=sanity_steps,
                            swap_signals=swap_signals, swap_steps=swap_steps)
    if retrain:
        sanity += retrain
    if sanity:
        text += f", sanity checks about {format_seconds(sanity)}"
        if retrain:
            text += f" (of which retraining the model on permuted labels {format_seconds(retrain)})"
    if retrain is None:
        text += (", plus retraining the model on permuted labels for the sanity checks (about as "
                 "long as training it)")
    if total + sanity > QUICK_ADVICE_SECONDS and not quick:
        text += ("; more than 10 min: --quick gives a first answer (band Shapley values and "
                 "FLEX, fft, 10 signals per class) in a fraction of it")
    return text, total

"""Sanity checks for explanations (Adebayo et al., NeurIPS 2018), in any domain.

An explanation that does not change when the model's weights are randomized, or when the model is
trained on permuted labels, explains the data rather than the model.

- :func:`parameter_randomization`: the explanation of the original model against explanations of
  copies whose layers are re-initialized, from the output backwards cumulatively
  (``order="cascading"``) or one layer at a time (``order="independent"``). The caller's model is
  never modified (a deep copy is randomized).
- :func:`data_randomization`: against the explanation of a model trained on permuted labels
  (:func:`train_on_permuted_labels` trains one for the models freqxai trains).

Similarity per input, over the flattened relevance of the explained class (the original model's
class: the same question asked of every model): Spearman's rank correlation and the top-k
intersection (the share of the original's ``top_k = 10 %`` most relevant coefficients that stay
in the top ``10 %``). Of absolute values by default (``absolute=True``): a method whose sign flips
under randomization but whose magnitudes do not has not passed the check; Adebayo et al. report
both, ``absolute=False`` gives the signed comparison.

A method **survives** randomization (it fails the check) when the mean Spearman correlation
after full randomization stays above ``threshold = 0.5`` (cascading: the last row, every layer
randomized; independent: every single-layer row). A model-free reference (the amplitude of each
coefficient) survives by construction, and must.

Examples
--------
>>> table = parameter_randomization(model, x, y, method="freqrise", domain="fft",
...                                 options={"n_masks": 1000, "seed": 0})
>>> table.attrs["survives"], table[["layer", "spearman", "top_k"]]
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import (
    as_signal_tensor,
    check_bool,
    check_choice,
    check_model,
    check_seed,
    checked_outputs,
    compute_dtype,
    eval_mode,
    model_device,
    resolve_targets,
)

__all__ = [
    "SURVIVAL_THRESHOLD",
    "parameter_randomization",
    "data_randomization",
    "train_on_permuted_labels",
    "randomizable_layers",
    "similarity",
    "plot_randomization",
]

# Mean Spearman correlation above which an explanation "survives" full randomization.
SURVIVAL_THRESHOLD = 0.5
COLUMNS = ["method", "domain", "order", "step", "layer", "spearman", "spearman_se", "top_k",
           "top_k_se", "n"]


def randomizable_layers(model: nn.Module) -> list[str]:
    """Names of the modules that own parameters, from the input to the output (registration
    order; the model itself is ``""`` when it holds parameters directly)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module to randomize its layers, got "
                        f"{type(model).__name__}")
    return [name for name, m in model.named_modules()
            if any(True for _ in m.parameters(recurse=False))]


def _randomize(module: nn.Module, generator_seed: int) -> None:
    """Re-initialize ``module``'s own parameters: its ``reset_parameters`` (PyTorch's default
    initialization) when it has one, else Gaussian noise of each parameter's standard deviation
    (the layers of a TorchScript module, whose Python methods are compiled away)."""
    with torch.random.fork_rng(devices=_devices(module)), torch.no_grad():
        torch.manual_seed(generator_seed)
        reset = None if isinstance(module, torch.jit.ScriptModule) else getattr(
            module, "reset_parameters", None)
        if callable(reset):
            reset()
            return
        for p in module.parameters(recurse=False):
            std = float(p.detach().float().std()) if p.numel() > 1 else 1.0
            p.normal_(0.0, std if std > 0 else 1.0)


def _layer_seed(seed: int, index: int) -> int:
    """A well-mixed seed per layer (``seed + index`` would redraw, for ``seed=0``, the very
    weights of a model built after ``torch.manual_seed(0)``)."""
    return int(np.random.SeedSequence([int(seed), int(index), 2018]).generate_state(1)[0])


def _devices(module: nn.Module) -> list:
    return [p.device for p in module.parameters() if p.device.type == "cuda"][:1]


def _ranks(a: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(a, axis=1)


def similarity(reference: Any, other: Any, *, top_k: float = 0.1, absolute: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per-input Spearman correlation and top-k intersection of two relevance batches.

    Parameters
    ----------
    reference, other : array or tensor, shape (batch, ...)
        Relevance maps (flattened per input).
    top_k : float
        Share of coefficients in the top set, in (0, 1]; at least one coefficient.
    absolute : bool
        Compare magnitudes (default) or signed values.

    Returns
    -------
    spearman, intersection : ndarray, shape (batch,)
        Spearman's rho (NaN for an input whose map is constant in either batch) and the share of
        ``reference``'s top ``k`` coefficients that are in ``other``'s top ``k``.
    """
    from .metrics.base import check_relevance

    a = check_relevance(reference, name="reference")
    b = check_relevance(other, len(a), name="other", batch_of="reference maps")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if a.shape != b.shape:
        raise ValueError(f"reference and other maps differ in shape: {a.shape} and {b.shape}")
    _check_similarity_options(top_k, absolute)
    if absolute:
        a, b = np.abs(a), np.abs(b)
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(1, keepdims=True), rb - rb.mean(1, keepdims=True)
    denom = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(denom > 0, (ra * rb).sum(1) / np.where(denom > 0, denom, 1.0), np.nan)
    k = max(1, int(round(float(top_k) * a.shape[1])))
    ta = np.argpartition(-a, k - 1, axis=1)[:, :k]
    tb = np.argpartition(-b, k - 1, axis=1)[:, :k]
    inter = np.array([len(np.intersect1d(x, y, assume_unique=True)) for x, y in zip(ta, tb, strict=True)])
    return rho, inter / k


def _check_similarity_options(top_k: Any, absolute: Any) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int | float | np.number) \
            or not 0 < float(top_k) <= 1:
        raise ValueError(f"top_k must be a share of coefficients in (0, 1], e.g. 0.1, got {top_k!r}")
    check_bool(absolute, "absolute")


def _explain(method: str, model: Any, x: torch.Tensor, targets: torch.Tensor, domain: Any,
             settings: dict, options: dict) -> np.ndarray:
    from .explainers import get_explainer

    rel = get_explainer(method, model, domain=domain, **settings).attribute(
        x, target=targets, **options)
    if isinstance(rel, tuple):
        raise ValueError(f"{method} returned a tuple; leave its return_* options off for the "
                         "sanity checks")
    return rel.detach().cpu().double().numpy() if isinstance(rel, torch.Tensor) else np.asarray(rel)


def _fixed_seed(method: str, options: dict, what: str) -> dict:
    """``options`` with a ``seed`` for a stochastic method (one whose ``attribute`` takes a
    ``seed``: FreqRISE's masks, the random reference) given none: one drawn and reused for every
    model, so that the comparison measures the model and not the draws; a warning names it."""
    import inspect
    import warnings

    from .explainers import explainer_class

    if options.get("seed") is not None:
        return options
    try:
        takes_seed = "seed" in inspect.signature(explainer_class(method).attribute).parameters
    except (TypeError, ValueError):  # a signature Python cannot read: nothing to fix
        return options
    if not takes_seed:
        return options
    drawn = int(np.random.SeedSequence().generate_state(1)[0] % 2**31)
    warnings.warn(f"{method} is stochastic and options has no seed: every {what} is explained "
                  f"with the same draws, seed={drawn} (give options={{'seed': ...}} to choose "
                  "it)", UserWarning, stacklevel=3)
    return {**options, "seed": drawn}


def _row(method: str, domain_name: str, order: str, step: int, layer: str, rho: np.ndarray,
         inter: np.ndarray) -> dict:
    def mean_se(v: np.ndarray) -> tuple[float, float]:
        v = v[np.isfinite(v)]
        if not len(v):
            return math.nan, math.nan
        return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else math.nan

    s, s_se = mean_se(rho)
    t, t_se = mean_se(inter)
    return {"method": method, "domain": domain_name, "order": order, "step": step, "layer": layer,
            "spearman": s, "spearman_se": s_se, "top_k": t, "top_k_se": t_se,
            "n": int(np.isfinite(rho).sum())}


def _setup(model: Any, inputs: Any, target: Any, method: str, domain: Any,
           settings: dict | None, options: dict | None):
    from .domains import get_domain
    from .explainers import explainer_class

    explainer_class(method)  # unknown names refused before any compute
    domain = get_domain(domain)
    model = check_model(model)
    x, _ = as_signal_tensor(inputs)
    x = x.to(device=model_device(model), dtype=compute_dtype(model, x.dtype))
    with eval_mode(model), torch.no_grad():
        targets = resolve_targets(target, checked_outputs(model, x))
    for name, value in (("settings", settings), ("options", options)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict of keyword arguments or None, got "
                            f"{type(value).__name__}")
    return model, x, targets, domain, dict(settings or {}), dict(options or {})


def parameter_randomization(
    model: nn.Module,
    inputs: Any,
    target: Any = None,
    *,
    method: str = "freqrise",
    domain: Any = "fft",
    order: str = "cascading",
    settings: dict | None = None,
    options: dict | None = None,
    layers: Sequence[str] | None = None,
    top_k: float = 0.1,
    absolute: bool = True,
    threshold: float = SURVIVAL_THRESHOLD,
    seed: int = 0,
):
    """Model parameter randomization test: similarity to the original explanation per layer.

    Parameters
    ----------
    model : torch.nn.Module
        The trained model (never modified: a deep copy is randomized), ONNX (onnx2pytorch) and
        TorchScript modules included; a TorchScript layer gets Gaussian noise of each
        parameter's standard deviation (its ``reset_parameters`` is compiled away).
    inputs : (batch, channels, time)
    target : int, sequence, tensor or None
        Class explained for every model; None: the original model's predicted class.
    method : str
        A registered explainer (:func:`freqxai.list_explainers`).
    domain : str or Domain
    order : {"cascading", "independent"}
        Randomize layers from the output backwards, cumulatively, or one at a time.
    settings, options : dict, optional
        The explainer's constructor settings and ``attribute`` options. A stochastic method
        (FreqRISE, the random reference) explains every model with the same draws: its
        ``seed``, or one drawn, reused and named in a warning when ``options`` has none.
    layers : sequence of str, optional
        Module names to randomize, input to output (default: :func:`randomizable_layers`).
    top_k : float
        Share of coefficients in the top set of the intersection.
    absolute : bool
        Compare magnitudes (default) or signed relevance.
    threshold : float
        Mean Spearman correlation above which the method survives randomization.
    seed : int
        Seed of the re-initialization (each layer's own seed is drawn from ``(seed, layer
        index)``).

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step`` 0 is the original model (similarity 1), then one row per
        randomized layer, output first; columns ``method, domain, order, step, layer, spearman,
        spearman_se, top_k, top_k_se, n`` (means and standard errors over inputs; ``n`` inputs
        with a defined correlation). ``attrs``: ``survives`` (bool), ``threshold``, ``absolute``,
        ``top_k_share``.
    """
    import pandas as pd

    check_choice(order, "order", ("cascading", "independent"))
    if check_seed(seed) is None:
        raise ValueError("seed must be an integer (the randomized weights must repeat), got None")
    model, x, targets, domain, settings, options = _setup(model, inputs, target, method, domain,
                                                          settings, options)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module to randomize its layers, got "
                        f"{type(model).__name__}")
    known = set(randomizable_layers(model))
    if not known:
        raise TypeError(f"{type(model).__name__} has no layers with weights to randomize (a "
                        "forward-only model, e.g. an estimator or numpy function wrapped as a "
                        "module); parameter randomization re-initializes a torch module's layers")
    names = randomizable_layers(model) if layers is None else list(layers)
    bad = [n for n in names if n not in known]
    if bad or not names:
        raise ValueError(f"layers {bad or names} are not modules with parameters of the model; "
                         f"choose from {sorted(known)}")
    _check_similarity_options(top_k, absolute)
    _check_threshold(threshold)
    options = _fixed_seed(method, options, "model (the original and each randomized copy)")
    original = _explain(method, model, x, targets, domain, settings, options)
    rho, inter = similarity(original, original, top_k=top_k, absolute=absolute)
    rows = [_row(method, domain.name, order, 0, "original", rho, inter)]
    try:
        work = copy.deepcopy(model)
    except Exception as err:  # noqa: BLE001 (any failure to copy: say what to do)
        raise TypeError(f"the model cannot be deep-copied ({err}); parameter randomization "
                        "randomizes a copy so the caller's model is never changed") from err
    backwards = list(reversed(names))
    for step, name in enumerate(backwards, start=1):
        if order == "independent":
            work = copy.deepcopy(model)
        # the copy's layers by their names as named_modules gives them: onnx2pytorch's names
        # ("Conv_/net/net.0/...") are no attribute paths and ScriptModules have no get_submodule
        _randomize(dict(work.named_modules())[name], _layer_seed(seed, names.index(name)))
        rel = _explain(method, work, x, targets, domain, settings, options)
        rho, inter = similarity(original, rel, top_k=top_k, absolute=absolute)
        rows.append(_row(method, domain.name, order, step, name or "(model)", rho, inter))
    table = pd.DataFrame(rows, columns=COLUMNS)
    _flag(table, threshold, absolute, top_k)
    return table


def _check_threshold(threshold: Any) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number) \
            or not -1 <= float(threshold) <= 1:
        raise ValueError(f"threshold must be a correlation in [-1, 1], got {threshold!r}")


def _flag(table, threshold: float, absolute: bool, top_k: float) -> None:
    randomized = table[table["step"] > 0]
    order = table["order"].iloc[0]
    if order == "independent":
        survives = bool((randomized["spearman"] > threshold).all())
    else:
        survives = bool(randomized["spearman"].iloc[-1] > threshold)
    table.attrs.update(survives=survives, threshold=float(threshold), absolute=absolute,
                       top_k_share=float(top_k))


def train_on_permuted_labels(make_model: Callable[[], nn.Module], X: np.ndarray, y: np.ndarray,
                             *, seed: int = 0, **fit_settings: Any) -> nn.Module:
    """A fresh model trained on a random permutation of the labels (data randomization test).

    Parameters
    ----------
    make_model : callable
        Builds the untrained model (the same architecture as the explained one), e.g.
        ``lambda: MyNet()`` (not a model: it would be trained further); called after
        ``torch.manual_seed(seed)``.
    X, y : arrays
        Training data ``(n, channels, time)`` and integer labels; ``y`` is permuted with
        ``numpy.random.default_rng(seed)``.
    seed : int
        Seeds the permutation, the initial weights and the training.
    **fit_settings
        Passed to :func:`freqxai.models.training.fit_classifier` (``epochs``, ``batch_size``,
        ``lr``, ``accelerator``...).
    """
    from .models.training import fit_classifier

    if isinstance(make_model, nn.Module):  # a model: it would be trained further, not afresh
        raise TypeError(f"make_model must be a function that builds a fresh model, e.g. "
                        f"lambda: {type(make_model).__name__}(), got a {type(make_model).__name__}"
                        " module (an instance, which would be trained further, not afresh)")
    if not callable(make_model):
        raise TypeError(f"make_model must be a function that builds a fresh model, e.g. "
                        f"lambda: MyNet(), got {type(make_model).__name__}")
    if check_seed(seed) is None:
        raise ValueError("seed must be an integer (the permutation and the training must "
                         "repeat), got None")
    if not hasattr(X, "__len__") or isinstance(X, str):
        raise TypeError(f"X must be an array (n, channels, time) or a list of (channels, length) "
                        f"arrays, got {type(X).__name__}")
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must hold one label per signal of X: X has {len(X)} signals, y has "
                         f"shape {y.shape}")
    permuted = np.random.default_rng(seed).permutation(y)
    torch.manual_seed(seed)
    model = make_model()
    if not isinstance(model, nn.Module):
        raise TypeError(f"make_model must return a torch.nn.Module, got {type(model).__name__}")
    fit_classifier(model, (np.asarray(X), permuted), seed=seed, **fit_settings)
    return model.eval()


def data_randomization(
    model: nn.Module,
    randomized_model: nn.Module,
    inputs: Any,
    target: Any = None,
    *,
    method: str = "freqrise",
    domain: Any = "fft",
    settings: dict | None = None,
    options: dict | None = None,
    top_k: float = 0.1,
    absolute: bool = True,
    threshold: float = SURVIVAL_THRESHOLD,
):
    """Data randomization test: the explanation of ``model`` against that of a model of the same
    architecture trained on permuted labels (:func:`train_on_permuted_labels`).

    Returns
    -------
    pandas.DataFrame
        Rows ``original`` and ``permuted labels`` with :func:`parameter_randomization`'s columns
        (``order="data"``); ``attrs["survives"]``: the Spearman correlation stays above
        ``threshold``.
    """
    import pandas as pd

    model, x, targets, domain, settings, options = _setup(model, inputs, target, method, domain,
                                                          settings, options)
    randomized_model = check_model(randomized_model, "randomized_model")
    _check_similarity_options(top_k, absolute)
    _check_threshold(threshold)
    options = _fixed_seed(method, options, "model (the original and the retrained one)")
    original = _explain(method, model, x, targets, domain, settings, options)
    rho, inter = similarity(original, original, top_k=top_k, absolute=absolute)
    rows = [_row(method, domain.name, "data", 0, "original", rho, inter)]
    xr = x.to(device=model_device(randomized_model), dtype=compute_dtype(randomized_model, x.dtype))
    rel = _explain(method, randomized_model, xr, targets.to(xr.device), domain, settings, options)
    rho, inter = similarity(original, rel, top_k=top_k, absolute=absolute)
    rows.append(_row(method, domain.name, "data", 1, "permuted labels", rho, inter))
    table = pd.DataFrame(rows, columns=COLUMNS)
    _flag(table, threshold, absolute, top_k)
    return table


def plot_randomization(tables: Sequence[Any], ax: Any = None, *, metric: str = "spearman",
                       title: str | None = None, labels: Sequence[str] | None = None):
    """Similarity against randomized layers, one line per table (method), with standard errors.

    Parameters
    ----------
    tables : DataFrame or sequence of DataFrames
        From :func:`parameter_randomization` (same layers on the x axis) and
        :func:`data_randomization`: a data-randomization table is one point ("labels permuted")
        after the layers, in the colour of the layer table of the same label.
    ax : matplotlib Axes, optional
    metric : {"spearman", "top_k"}
    title : str, optional
    labels : sequence of str, optional
        One legend label per table (default: its method), e.g. the domains of one method.

    Returns
    -------
    matplotlib Axes
        Methods that survive are drawn dashed (hollow points) and marked "(survives)" in the
        legend; the threshold is a grey line.
    """
    check_choice(metric, "metric", ("spearman", "top_k"))
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes (or None for a new figure), got "
                            f"{type(ax).__name__}")
    tables = [tables] if hasattr(tables, "columns") else list(tables)  # one table: a list of one
    if not tables:
        raise ValueError("tables is empty: give the DataFrame of parameter_randomization or "
                         "data_randomization, or a list of them")
    for i, t in enumerate(tables):
        if not hasattr(t, "columns") or not {"method", "order", "layer", metric} <= set(t.columns):
            raise TypeError(f"tables must be a DataFrame of parameter_randomization or "
                            f"data_randomization, or a list of them; entry {i} is a "
                            f"{type(t).__name__}")
    if labels is None:
        labels = [t["method"].iloc[0] for t in tables]
    elif len(labels) != len(tables):
        raise ValueError(f"labels has {len(labels)} entries for {len(tables)} tables; give one "
                         "per table")
    if ax is None:
        from .plotting import new_figure

        _, axs = new_figure(1, 1, figsize=(6, 3.5))
        ax = axs[0, 0]
    layered = [(t, lab) for t, lab in zip(tables, labels, strict=True)
               if t["order"].iloc[0] != "data"]
    data = [(t, lab) for t, lab in zip(tables, labels, strict=True)
            if t["order"].iloc[0] == "data"]
    ticks = list(max((t for t, _ in layered), key=len)["layer"]) if layered else ["original"]
    colours = {}
    for table, label in layered:
        survives = table.attrs.get("survives", False)
        colours[label] = f"C{len(colours) % 10}"
        steps = np.arange(len(table))
        ax.errorbar(steps, table[metric], yerr=table[f"{metric}_se"].fillna(0), marker="o",
                    capsize=2, linestyle="--" if survives else "-", color=colours[label],
                    mfc="none" if survives else colours[label],
                    label=label + (" (survives)" if survives else ""))
    if data:
        ticks.append("labels permuted")
    for table, label in data:  # one point: the model trained on permuted labels
        survives = table.attrs.get("survives", False)
        colour = colours.setdefault(label, f"C{len(colours) % 10}")
        row = table[table["step"] == 1]
        ax.errorbar([len(ticks) - 1], row[metric], yerr=row[f"{metric}_se"].fillna(0),
                    marker="s", capsize=2, linestyle="none", color=colour,
                    mfc="none" if survives else colour,
                    label=None if layered else label + (" (survives)" if survives else ""))
    ax.set_xticks(np.arange(len(ticks)), ticks, rotation=45, ha="right")
    if metric == "spearman" and tables:
        ax.axhline(tables[0].attrs.get("threshold", SURVIVAL_THRESHOLD), color="0.6", lw=0.8)
    ax.set_ylabel("Spearman rank correlation" if metric == "spearman" else "top-k intersection")
    ax.set_xlabel("randomized (cascading: this layer and all above it)"
                  if layered and layered[0][0]["order"].iloc[0] == "cascading" else "randomized")
    ax.set_ylim(-0.3 if metric == "spearman" else 0, 1.05)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if title:
        ax.set_title(title)
    return ax

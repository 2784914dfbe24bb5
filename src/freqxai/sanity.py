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

What the flag measures, and what separates methods
---------------------------------------------------
The Spearman correlation of magnitudes mostly measures how much a map resembles the input's own
spectrum: gradient x input, integrated gradients and FLEX carry ``|X_k|`` as a factor, so the maps
of any two models correlate through the input (Sundararajan & Taly, 2018; Kindermans et al.,
2019; Binder et al., 2023). ``survives`` is therefore a description, not a verdict.
:func:`model_swap_deletion` asks the question that does separate methods: does deleting
coefficients from the trained model's input in the order of the trained model's map lower the
target's probability faster than deleting them in the order of the randomized model's map? A map
that only mirrors the input scores a gap of exactly 0.

References
----------
Adebayo, J. et al. (2018). Sanity checks for saliency maps. NeurIPS.
Sundararajan, M. & Taly, A. (2018). A note about: Local explanation methods for deep neural
networks lack sensitivity to parameter values. arXiv:1806.04205.
Kindermans, P.-J. et al. (2019). The (un)reliability of saliency methods. In Explainable AI,
LNCS 11700.
Sixt, L., Granz, M. & Landgraf, T. (2020). When explanations lie: why many modified BP
attributions fail. ICML.
Binder, A. et al. (2023). Shortcomings of top-down randomization-based sanity checks for
evaluations of deep neural network explanations. CVPR.
Hedström, A. et al. (2023). The meta-evaluation problem in explainable AI: identifying reliable
estimators with MetaQuantus. TMLR.

Examples
--------
>>> from freqxai.sanity import model_swap_deletion, parameter_randomization
>>> from freqxai.testing import ContractCNN, contract_inputs
>>> model, x = ContractCNN().eval(), contract_inputs()
>>> table = parameter_randomization(model, x, method="freqrise", domain="fft",
...                                 settings={"n_masks": 256}, options={"seed": 0})
>>> table.attrs["survives"], table[["layer", "spearman", "top_k"]]  # doctest: +SKIP
>>> swap = model_swap_deletion(model, x, method="gxi", domain="fft")
>>> swap[["gap", "gap_se", "p_value", "upper_bound", "outcome"]]  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import (
    as_signal_tensor,
    check_bool,
    check_choice,
    check_fraction,
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
    "model_swap_deletion",
    "SWAP_OUTCOMES",
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
    order; the model itself is ``""`` when it holds parameters directly).

    Examples
    --------
    >>> from freqxai.sanity import randomizable_layers
    >>> from freqxai.testing import ContractCNN
    >>> randomizable_layers(ContractCNN())       # the Conv1d and the Linear layer
    ['net.0', 'net.4']
    """
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

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.sanity import similarity
    >>> a = np.array([[[0.1, 0.5, 0.9, 0.3]]])
    >>> similarity(a, a)
    (array([1.]), array([1.]))
    >>> similarity(a, -a)                        # magnitudes by default: the same map
    (array([1.]), array([1.]))
    >>> similarity(a, -a, absolute=False)        # signed: reversed ranks, another top bin
    (array([-1.]), array([0.]))
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

    Examples
    --------
    >>> from freqxai.sanity import parameter_randomization
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> table = parameter_randomization(model, x, method="gxi", domain="fft")
    >>> list(table["layer"]), float(table["spearman"].iloc[0])   # output layer first
    (['original', 'net.4', 'net.0'], 1.0)
    >>> table.attrs["survives"]       # its map changed with the weights: the check is passed
    False
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

    Examples
    --------
    >>> from freqxai.sanity import train_on_permuted_labels
    >>> from freqxai.testing import ContractCNN, tone_in_one_band
    >>> X, y = tone_in_one_band(8, seed=0)
    >>> shuffled = train_on_permuted_labels(lambda: ContractCNN(channels=1, n_classes=2), X, y,
    ...                                     epochs=1, batch_size=8, progress=False)
    >>> type(shuffled).__name__, shuffled.training
    ('ContractCNN', False)
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

    Examples
    --------
    >>> from freqxai.sanity import data_randomization
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> shuffled = ContractCNN(seed=1).eval()  # stand-in: train_on_permuted_labels trains one
    >>> table = data_randomization(model, shuffled, x, method="gxi", domain="fft")
    >>> list(table["layer"]), list(table["order"])
    (['original', 'permuted labels'], ['data', 'data'])
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


# -- the model-swap deletion test ------------------------------------------------------------------

SWAP_OUTCOMES = ("model-dependent", "no evidence of model dependence",
                 "undecided (explain more signals)")
# The one-sided confidence of the gap's upper bound ("no evidence" when it is below ``margin``).
SWAP_LEVEL = 0.95
SWAP_TEST = "one-sided paired t-test on the per-input gaps"
SWAP_COLUMNS = ["method", "domain", "randomization", "n", "gap", "gap_se", "p_value",
                "upper_bound", "outcome", "reason", "deletion_trained", "deletion_randomized",
                "spearman", "partial_spearman", "signed_spearman", "reliability", "energy_bins"]
_RANDOMIZED = {"layers": "randomized", "permuted labels": "permuted-label"}


def _takes_seed(method: str) -> bool:
    """Whether ``method``'s ``attribute`` takes a ``seed`` (a stochastic method)."""
    import inspect

    from .explainers import explainer_class

    try:
        return "seed" in inspect.signature(explainer_class(method).attribute).parameters
    except (TypeError, ValueError):
        return False


def _derived_seed(base: int, role: int) -> int:
    """An independent seed for role 1 (the randomized model) or 2 (the trained model again)."""
    return int(np.random.SeedSequence([int(base), int(role), 2020]).generate_state(1)[0] % 2**31)


def _randomized_copy(model: nn.Module, seed: int) -> nn.Module:
    """A deep copy of ``model`` with every layer re-initialized: the last step of the cascading
    :func:`parameter_randomization` with the same ``seed`` (the same weights)."""
    names = randomizable_layers(model)
    if not names:
        raise TypeError(f"{type(model).__name__} has no layers with weights to randomize (a "
                        "forward-only model, e.g. an estimator or numpy function wrapped as a "
                        "module); randomized='layers' re-initializes a torch module's layers: "
                        "give randomized=<a model trained on permuted labels> instead")
    try:
        work = copy.deepcopy(model)
    except Exception as err:  # noqa: BLE001 (any failure to copy: say what to do)
        raise TypeError(f"the model cannot be deep-copied ({err}); randomized='layers' "
                        "randomizes a copy so the caller's model is never changed") from err
    modules = dict(work.named_modules())
    for index, name in enumerate(names):
        _randomize(modules[name], _layer_seed(seed, index))
    return work.eval() if hasattr(work, "eval") else work


def _swap_test(gaps: np.ndarray, alpha: float, margin: float) -> dict[str, Any]:
    """Mean gap, its standard error, the one-sided p-value (H0: mean gap <= 0), the one-sided
    :data:`SWAP_LEVEL` upper bound and the outcome (first that applies: p < ``alpha`` →
    model-dependent; upper bound < ``margin`` → no evidence; else undecided). Gaps that are all
    equal have no spread: p is 0 when they are positive, else 1, and the bound is their value
    (a model-free map: all 0, no evidence)."""
    from scipy.stats import t as student

    g = np.asarray(gaps, dtype=float)
    n = len(g)
    mean = float(g.mean())
    se = float(g.std(ddof=1) / np.sqrt(n))
    if se > 0:
        p = float(student.sf(mean / se, n - 1))
        upper = mean + float(student.ppf(SWAP_LEVEL, n - 1)) * se
    else:
        p, upper = (0.0 if mean > 0 else 1.0), mean
    outcome = (SWAP_OUTCOMES[0] if p < alpha else SWAP_OUTCOMES[1] if upper < margin
               else SWAP_OUTCOMES[2])
    return {"n": n, "gap": mean, "gap_se": se, "p_value": p, "upper_bound": upper,
            "outcome": outcome}


def swap_reason(row: Any, alpha: float | None = None, margin: float | None = None) -> str:
    """One sentence that says why a :func:`model_swap_deletion` row has its outcome.

    ``row`` is a mapping (or table row) with ``outcome, gap, gap_se, p_value, upper_bound`` and
    ``randomization``; ``alpha`` and ``margin`` (for the undecided case) default to the test's.
    """
    alpha = 0.01 if alpha is None else alpha
    margin = 0.10 if margin is None else margin
    need = ("outcome", "gap", "gap_se", "p_value", "upper_bound", "randomization")
    missing = [k for k in need if k not in row]
    if missing:
        raise ValueError(f"row must be a model_swap_deletion row; it lacks {missing}")
    what = _RANDOMIZED.get(str(row["randomization"]), "other")
    gap, se, p, upper = (float(row[k]) for k in ("gap", "gap_se", "p_value", "upper_bound"))
    if row["outcome"] == SWAP_OUTCOMES[0]:
        return (f"its map depends on the model: deleting by the trained model's map lowers the "
                f"target's probability faster than by the {what} model's map (gap {gap:.2f} "
                f"± {se:.2f}, one-sided p = {p:.2g})")
    if row["outcome"] == SWAP_OUTCOMES[1]:
        return (f"its map does not depend on the model: deleting by the {what} model's map "
                f"does as well (gap {gap:.2f}, upper bound {upper:.2f})")
    return (f"undecided: gap {gap:.2f} ± {se:.2f}, p = {p:.2g} (not below {alpha:g}) and upper "
            f"bound {upper:.2f} (not below {margin:g}); explain more signals")


def _masked_spearman(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Spearman's rho per row of ``a`` and ``b`` ``(n, m)`` over the entries where ``mask``
    holds (NaN for a row with fewer than two such entries or a constant one)."""
    from scipy.stats import rankdata

    ra = rankdata(np.where(mask, a, np.nan), axis=1, nan_policy="omit")
    rb = rankdata(np.where(mask, b, np.nan), axis=1, nan_policy="omit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without entries: NaN, as said
        ra = ra - np.nanmean(ra, axis=1, keepdims=True)
        rb = rb - np.nanmean(rb, axis=1, keepdims=True)
    num = np.nansum(ra * rb, axis=1)
    den = np.sqrt(np.nansum(ra**2, axis=1) * np.nansum(rb**2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _descriptive(a: np.ndarray, b: np.ndarray, amplitude: np.ndarray, energy: float
                 ) -> dict[str, np.ndarray]:
    """Per input, on the bins that carry energy (amplitude at least ``energy`` times the input's
    largest): Spearman of |a| and |b|, its partial correlation given the amplitude, the signed
    Spearman, and the share of bins used."""
    n = len(a)
    if a.shape[1] == 1 and amplitude.shape[1] > 1:  # one map for all channels: their joint energy
        amplitude = np.sqrt((amplitude**2).sum(axis=1, keepdims=True))
    a, b, amp = a.reshape(n, -1), b.reshape(n, -1), amplitude.reshape(n, -1)
    mask = amp >= energy * amp.max(axis=1, keepdims=True)
    mask &= amp > 0
    ab = _masked_spearman(np.abs(a), np.abs(b), mask)
    az = _masked_spearman(np.abs(a), amp, mask)
    bz = _masked_spearman(np.abs(b), amp, mask)
    den = np.sqrt((1 - az**2) * (1 - bz**2))
    with np.errstate(invalid="ignore", divide="ignore"):
        partial = np.where(den > 0, (ab - az * bz) / np.where(den > 0, den, 1.0), np.nan)
    return {"spearman": ab, "partial_spearman": partial,
            "signed_spearman": _masked_spearman(a, b, mask), "energy_bins": mask.mean(axis=1)}


def _nanmean(v: np.ndarray) -> float:
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def model_swap_deletion(
    model: Any,
    inputs: Any,
    target: Any = None,
    *,
    method: str = "freqrise",
    domain: Any = "fft",
    randomized: Any = "layers",
    settings: dict | None = None,
    options: dict | None = None,
    seed: int = 0,
    fractions: Sequence[float] | None = None,
    alpha: float = 0.01,
    margin: float = 0.10,
    energy: float = 0.01,
    reliability: bool = True,
):
    """Model-swap deletion test: does the method's map show what the trained model uses?

    The inputs are explained with the trained model (map A) and with a model that learned
    nothing about the task (map B): a copy of the trained model with every layer re-initialized
    (``randomized="layers"``, the cascading randomization of :func:`parameter_randomization`,
    the same weights for the same ``seed``), or a model of the same architecture trained on
    permuted labels (:func:`train_on_permuted_labels`) given as ``randomized``. Coefficients
    are then deleted from the **trained** model's input in the order of A, and in the order of
    B, following the trained model's probability of the target (the run's deletion metric,
    :func:`freqxai.metrics.perturbation_curves`; the area under the curve, lower is faster).
    Per input, ``gap = AUC(B) - AUC(A)``: positive when the trained model's map finds what the
    trained model uses faster than the other model's map does. A map that does not depend on the
    model (the amplitude reference) ranks the coefficients the same way for both models and
    scores a gap of exactly 0; a map that only mirrors the input scores about 0.

    Parameters
    ----------
    model : torch.nn.Module or any model freqxai explains
        The trained model (never modified). ``randomized="layers"`` needs a torch module with
        layers that own weights.
    inputs : (batch, channels, time)
        At least two signals (the test is paired over inputs); 20 or more give a decision for
        most methods.
    target : int, sequence, tensor or None
        The class explained and followed, for both maps; None: the trained model's predicted
        class.
    method : str
        A registered explainer (:func:`freqxai.list_explainers`).
    domain : str or Domain
        Where the maps are computed and the coefficients deleted.
    randomized : "layers" or a model
        The model that learned nothing about the task: ``"layers"`` (every layer of a copy
        re-initialized, as the last row of the cascading :func:`parameter_randomization`) or a
        model trained on permuted labels (reported as ``"permuted labels"``).
    settings, options : dict, optional
        The explainer's constructor settings and ``attribute`` options, the same for both
        models.
    seed : int
        Seed of the re-initialized weights (as in :func:`parameter_randomization`), and of a
        stochastic method's draws when ``options`` has no ``seed``.
    fractions : sequence of float, optional
        Shares of coefficients deleted (default :data:`freqxai.metrics.DEFAULT_FRACTIONS`, 0 to 0.95 by 0.05: the run's deletion metric).
    alpha : float
        Level of the one-sided test "the mean gap is above 0", in (0, 1).
    margin : float
        A gap whose one-sided 95 % upper bound is below ``margin`` (> 0) is "no evidence of model
        dependence": the trained model's map does not beat the randomized one by that much.
    energy : float
        Bins that carry energy, for the descriptive correlations: those whose amplitude
        ``|X_k|`` is at least ``energy`` times the input's largest (default 1 %), in (0, 1).
        Bins without energy rank arbitrarily in every map and would dilute the correlations.
    reliability : bool
        For a stochastic method, also explain the trained model with a third seed and report the
        seed-to-seed Spearman correlation (the ceiling of ``spearman``). Costs one explanation.

    Returns
    -------
    pandas.DataFrame
        One row, columns :data:`SWAP_COLUMNS`: ``randomization`` (``"layers"`` or ``"permuted
        labels"``), ``n`` inputs, ``gap`` (mean), ``gap_se``, ``p_value``, ``upper_bound``
        (one-sided 95 %), ``outcome`` (one of :data:`SWAP_OUTCOMES`), ``reason`` (one
        sentence), the mean deletion areas by A (``deletion_trained``) and by B
        (``deletion_randomized``); descriptive, on bins that carry energy, means over inputs:
        ``spearman`` (of ``|A|`` and ``|B|``), ``partial_spearman`` (given the amplitude
        reference ``|X_k|``), ``signed_spearman``, ``reliability`` (Spearman of ``|A|`` under two
        seeds of a stochastic method; NaN for a deterministic one) and ``energy_bins`` (share of bins
        used). ``attrs``: per-input ``gaps``, ``deletion_trained``, ``deletion_randomized``,
        and ``alpha``, ``margin``, ``energy``, ``level``, ``test``, ``fractions``, ``seeds``.

    Notes
    -----
    **The test.** A one-sided paired t-test on the per-input gaps (H0: mean gap <= 0), at
    ``alpha``: "model-dependent" when p < ``alpha``. The t statistic also gives the one-sided
    95 % upper bound ``mean + t(0.95, n-1) * SE``: "no evidence of model dependence" when it is
    below ``margin``; otherwise "undecided (explain more signals)". The p-value and the bound come
    from the same statistic, so the outcome reads the mean gap with one model of its
    uncertainty; gaps are differences of two areas in [0, 1], bounded, so the t-test is robust
    at 20 inputs (a signed-rank test would test the median, not the mean that the bound is
    about). Gaps that are all equal (a model-free map: all exactly 0) give p = 1 and a bound of
    their value.

    **Seeds.** A stochastic method (one whose ``attribute`` takes a ``seed``: FreqRISE's masks,
    the random reference) explains each model with **independent** draws: the trained model with
    ``options["seed"]`` (else ``seed``), the other model with a seed derived from it, so shared
    Monte-Carlo noise cannot make the maps agree (the random reference is re-drawn per model).
    ``reliability`` explains the trained model once more with a third seed: how far two maps of
    the *same* model agree, against which ``spearman`` is to be read.

    **Ranking.** The coefficients are deleted in the order of the relevance as the method gives
    it (the deletion metric's order: the largest first; signed maps: the evidence for the target
    first).

    References
    ----------
    Adebayo, J. et al. (2018). Sanity checks for saliency maps. NeurIPS.
    Sundararajan, M. & Taly, A. (2018). A note about: Local explanation methods for deep neural
    networks lack sensitivity to parameter values. arXiv:1806.04205.
    Kindermans, P.-J. et al. (2019). The (un)reliability of saliency methods. In Explainable AI,
    LNCS 11700.
    Binder, A. et al. (2023). Shortcomings of top-down randomization-based sanity checks for
    evaluations of deep neural network explanations. CVPR.
    Petsiuk, V., Das, A. & Saenko, K. (2018). RISE: Randomized input sampling for explanation
    of black-box models. BMVC (deletion curves).

    Examples
    --------
    >>> from freqxai.sanity import SWAP_OUTCOMES, model_swap_deletion
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> row = model_swap_deletion(model, x, method="gxi", domain="fft")
    >>> row.loc[0, "outcome"] in SWAP_OUTCOMES, int(row.loc[0, "n"])
    (True, 3)

    The amplitude reference ranks coefficients without the model, a gap of exactly 0:

    >>> row = model_swap_deletion(model, x, method="amplitude", domain="fft")
    >>> float(row.loc[0, "gap"]), row.loc[0, "outcome"]
    (0.0, 'no evidence of model dependence')
    """
    import pandas as pd

    from .metrics.faithfulness import (
        DEFAULT_FRACTIONS,
        area_under_curve,
        check_fractions,
        perturbation_curves,
    )

    if check_seed(seed) is None:
        raise ValueError("seed must be an integer (the randomized weights must repeat), got None")
    alpha = check_fraction(alpha, "alpha")
    margin = check_fraction(margin, "margin (an upper bound on a gap of deletion areas, in (0, 1))")
    energy = check_fraction(energy, "energy")
    check_bool(reliability, "reliability")
    fr = check_fractions(DEFAULT_FRACTIONS if fractions is None else fractions)
    if isinstance(randomized, str):
        check_choice(randomized, "randomized", ("layers",))
    elif randomized is None or isinstance(randomized, bool | int | float | np.ndarray):
        raise TypeError(f"randomized must be 'layers' or a model trained on permuted labels, got "
                        f"{type(randomized).__name__}")
    elif randomized is model:
        raise ValueError("randomized is the trained model itself; give 'layers' or a model "
                         "trained on permuted labels")
    else:
        randomized = check_model(randomized, "randomized")
    model, x, targets, domain, settings, options = _setup(model, inputs, target, method, domain,
                                                          settings, options)
    if len(x) < 2:
        raise ValueError(f"inputs must hold at least 2 signals (the test is paired over inputs; "
                         f"20 give a decision for most methods), got {len(x)}")
    if isinstance(randomized, str):
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module to randomize its layers, got "
                            f"{type(model).__name__}; give randomized=<a model trained on "
                            "permuted labels> instead")
        other, label = _randomized_copy(model, seed), "layers"
    else:
        other, label = randomized, "permuted labels"
    seeds = None
    opt_a, opt_b, opt_r = options, options, None
    if _takes_seed(method):
        base = int(options["seed"]) if options.get("seed") is not None else int(seed)
        seeds = {"trained": base, "randomized": _derived_seed(base, 1),
                 "reliability": _derived_seed(base, 2) if reliability else None}
        opt_a, opt_b = {**options, "seed": base}, {**options, "seed": seeds["randomized"]}
        opt_r = {**options, "seed": seeds["reliability"]} if reliability else None
    a = _explain(method, model, x, targets, domain, settings, opt_a)
    xr = x.to(device=model_device(other), dtype=compute_dtype(other, x.dtype))
    b = _explain(method, other, xr, targets.to(xr.device), domain, settings, opt_b)
    if a.shape != b.shape:
        raise ValueError(f"{method} gave maps of other shapes for the two models: {a.shape} and "
                         f"{b.shape}")
    # both orders delete from the trained model's input, each call alike (the same batches),
    # so two equal rankings give equal curves exactly
    auc_a = area_under_curve(perturbation_curves(model, x, a, targets, domain, fr, "deletion"), fr)
    auc_b = area_under_curve(perturbation_curves(model, x, b, targets, domain, fr, "deletion"), fr)
    gaps = auc_b - auc_a
    amplitude = domain.forward(x).abs().detach().cpu().double().numpy()
    desc = _descriptive(a, b, amplitude, energy)
    reliable = math.nan
    if opt_r is not None:
        again = _explain(method, model, x, targets, domain, settings, opt_r)
        reliable = _nanmean(_descriptive(a, again, amplitude, energy)["spearman"])
    row = {"method": method, "domain": domain.name, "randomization": label,
           **_swap_test(gaps, alpha, margin),
           "deletion_trained": float(auc_a.mean()), "deletion_randomized": float(auc_b.mean()),
           **{k: _nanmean(v) for k, v in desc.items()}, "reliability": reliable}
    row["reason"] = swap_reason(row, alpha, margin)
    table = pd.DataFrame([row], columns=SWAP_COLUMNS)
    table.attrs.update(gaps=gaps.tolist(), deletion_trained=auc_a.tolist(),
                       deletion_randomized=auc_b.tolist(), alpha=alpha, margin=margin,
                       energy=energy, level=SWAP_LEVEL, test=SWAP_TEST,
                       fractions=[float(f) for f in fr], seeds=seeds)
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

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from freqxai.sanity import parameter_randomization, plot_randomization
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model, x = ContractCNN().eval(), contract_inputs()   # 3 signals (3, 2, 64)
    >>> tables = [parameter_randomization(model, x, method=m) for m in ("gxi", "amplitude")]
    >>> ax = plot_randomization(tables)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]   # the model-free map survives
    ['gxi', 'amplitude (survives)']
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['original', 'net.4', 'net.0']
    >>> plt.close(ax.figure)
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

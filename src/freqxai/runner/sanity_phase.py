"""The run's sanity checks (Adebayo et al., "Sanity checks for saliency maps", NeurIPS 2018).

After the explanations, per method and domain, on a small class-stratified subset of the test
signals (:data:`DEFAULT_SIGNALS`) and with the run's own settings of each method (masks, steps,
cells; a fixed seed, so every model gets the same masks):

- **parameter randomization** (:func:`freqxai.sanity.parameter_randomization`, cascading: the
  layers re-initialized from the output backwards);
- **data randomization** (:func:`freqxai.sanity.data_randomization`) where the run trained the
  model itself (the synthetic MLP, AudioNet, the UEA SmallCNN): the same architecture trained
  with the same settings and epochs on permuted labels, cached in the run folder as
  ``model_permuted_labels.pt`` (like ``model.pt``).

A method whose explanation stays similar (mean Spearman correlation of |relevance| above 0.5)
**survives**. That flag is descriptive: the statistic mostly measures how much a map resembles the
input's own spectrum (gradient x input, IG and FLEX carry ``|X_k|`` as a factor). What decides
whether a method counts toward the run's answer is the **model-swap deletion test**
(:func:`freqxai.sanity.model_swap_deletion`), run beside the tables for the same randomizations
(every layer re-initialized; the model retrained on permuted labels where the run retrains one)
on :func:`swap_size` signals (at least :data:`SWAP_SIGNALS` = 20, the Adebayo tables' size when
it is larger): deleting coefficients from the trained model's input by the trained model's map
against by the randomized model's map. :func:`model_swap_outcomes` gives its outcome per method
and domain; a method with "no evidence of model dependence" is not counted
(:func:`freqxai.runner.answer.not_counted`). Models without layers to randomize
(aeon/scikit-learn estimators, numpy functions: forward passes only) are skipped with the reason,
and so is any check that fails (the run's explanations are done by then: its report is written).

Stored in ``results.h5``: one group per table, ``sanity/<order>/<method>__<domain>`` (``order``
``cascading`` or ``data``; the table's columns as datasets, ``survives``, the subset and the
settings as attributes), each written atomically as soon as it is computed (never half-written),
and the skip reasons in the ``sanity_skipped`` attribute. The model-swap tables likewise, one
group each, ``model_swap/<order>/<method>__<domain>`` (the per-input gaps and deletion areas as
datasets, the row's numbers, outcome and reason, the subset and the settings as attributes;
failures in the ``model_swap_skipped`` attribute). A resumed or repeated run computes only
the tables that are missing, or that were computed on other signals or settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._io import atomic_path
from .config import RunConfig
from .store import ResultStore, unit_name

__all__ = ["DEFAULT_SIGNALS", "PERMUTED_MODEL", "SWAP_SIGNALS", "SanityResults", "sanity_size",
           "swap_size", "read_sanity", "run_sanity_phase", "model_swap_outcomes"]

phases = logging.getLogger("freqxai.progress")

# Test signals of the sanity phase when it is on. Measured on BasicMotions' defaults (SmallCNN,
# 4 layers, 8 methods x 2 domains, 3000 masks, 40 test signals; docs/trust.md): the layer tables
# on 10 signals take 0.74x the time of the explanation phase, retraining on permuted labels as
# long as the run's own training; the run takes 1.8x as long in all. Fewer signals would not
# do: the standard error of the mean Spearman correlation is 0.01-0.04 for gradient methods
# but 0.06-0.10 for FreqRISE at 10 signals, already wide against the threshold of 0.5.
DEFAULT_SIGNALS = 10
# Test signals of the model-swap deletion test: at least 20 (a separate constant, the larger of it
# and the run's sanity size is used). Its outcome is a paired test over inputs; on 10 signals the
# 95 % upper bound of a gap with a spread of 0.1 is already 0.06 above its mean.
SWAP_SIGNALS = 20
PERMUTED_MODEL = "model_permuted_labels.pt"
GROUP = "sanity"
SKIPPED = "sanity_skipped"
SWAP_GROUP = "model_swap"
SWAP_SKIPPED = "model_swap_skipped"
SWAP_ARRAYS = ("gaps", "deletion_trained", "deletion_randomized")
NUMERIC = ("step", "spearman", "spearman_se", "top_k", "top_k_se", "n")


def sanity_size(cfg: RunConfig) -> int:
    """Test signals the sanity phase explains: ``cfg.sanity`` ``True`` → :data:`DEFAULT_SIGNALS`,
    ``False`` or 0 → off, ``N`` → N; unset (``None``) → :data:`DEFAULT_SIGNALS`, except on the
    sources whose ``sanity_by_default`` is False (the audio and UEA data sets: retraining their
    model on permuted labels takes as long as their training)."""
    from .sources import list_sources, source_class

    value = getattr(cfg, "sanity", None)
    if value is None:
        on = cfg.dataset not in list_sources() or source_class(cfg.dataset).sanity_by_default
        return DEFAULT_SIGNALS if on else 0
    if isinstance(value, bool):
        return DEFAULT_SIGNALS if value else 0
    return int(value)


def swap_size(cfg: RunConfig) -> int:
    """Test signals of the model-swap deletion test: 0 when the sanity phase is off, else the
    larger of :data:`SWAP_SIGNALS` and :func:`sanity_size` (all test signals when fewer)."""
    n = sanity_size(cfg)
    return max(SWAP_SIGNALS, n) if n else 0


@dataclass
class SanityResults:
    """What ``results.h5`` holds of the sanity checks.

    Attributes
    ----------
    tables : dict
        ``(order, method, domain)`` → table (pandas, :func:`freqxai.sanity.parameter_randomization`'s
        columns, ``attrs["survives"]``), ``order`` ``"cascading"`` or ``"data"``.
    skipped : dict
        Method (or ``"data randomization"``) → why it was not checked.
    swaps : dict
        ``(order, method, domain)`` → the one-row table of
        :func:`freqxai.sanity.model_swap_deletion` (``attrs``: the per-input ``gaps`` and
        deletion areas, ``signals``, ``seconds``, the test's settings).
    swap_skipped : dict
        ``"<method> (<order>)"`` → why its model-swap test failed.
    """

    tables: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    swaps: dict = field(default_factory=dict)
    swap_skipped: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tables or self.skipped or self.swaps)

    def survives(self) -> dict[tuple[str, str], bool]:
        """Per checked ``(method, domain)``: True when its explanation survives either test
        (parameter or data randomization)."""
        out: dict[tuple[str, str], bool] = {}
        for (_, method, domain), table in self.tables.items():
            out[(method, domain)] = (out.get((method, domain), False)
                                     or bool(table.attrs.get("survives", False)))
        return out

    def n_signals(self) -> int:
        return max((len(t.attrs.get("signals", [])) for t in self.tables.values()), default=0)


# -- storage --------------------------------------------------------------------------------------

def _path(order: str, method: str, domain: str) -> str:
    return f"{GROUP}/{order}/{unit_name(method, domain)}"


def _swap_path(order: str, method: str, domain: str) -> str:
    return f"{SWAP_GROUP}/{order}/{unit_name(method, domain)}"


def _stored_keys(store: ResultStore) -> dict[str, str]:
    import h5py

    if not store.exists():
        return {}
    out = {}
    with h5py.File(store.path, "r") as f:
        for top in (GROUP, SWAP_GROUP):
            for order, group in (f[top].items() if top in f else []):
                for name, g in group.items():
                    out[f"{top}/{order}/{name}"] = str(g.attrs.get("key", ""))
    return out


@contextlib.contextmanager
def _new_group(store: ResultStore, path: str):
    """A fresh group ``path`` of ``results.h5``, written atomically (a copy, then a rename, as
    :meth:`ResultStore.write`): an interrupted run leaves the group whole or absent."""
    import h5py

    with atomic_path(store.path) as tmp:
        shutil.copyfile(store.path, tmp)
        with h5py.File(tmp, "a") as f:
            if path in f:
                del f[path]
            yield f.create_group(path)


def _write_table(store: ResultStore, path: str, table: Any, attrs: dict) -> None:
    """One table as a group of ``results.h5`` (:func:`_new_group`)."""
    import h5py

    with _new_group(store, path) as g:
        for col in NUMERIC:
            g.create_dataset(col, data=table[col].to_numpy())
        g.create_dataset("layer", data=np.array(list(table["layer"]), dtype=object),
                         dtype=h5py.string_dtype())
        for k, v in {**table.attrs, "method": table["method"].iloc[0],
                     "domain": table["domain"].iloc[0], "order": table["order"].iloc[0],
                     **attrs}.items():
            g.attrs[k] = json.dumps(v) if isinstance(v, dict | list) else v


def _write_swap(store: ResultStore, path: str, table: Any, attrs: dict) -> None:
    """One model-swap table as a group of ``results.h5`` (:func:`_new_group`)."""
    row = table.iloc[0].to_dict()
    with _new_group(store, path) as g:
        for name in SWAP_ARRAYS:
            g.create_dataset(name, data=np.asarray(table.attrs[name], dtype=float))
        settings = {k: v for k, v in table.attrs.items() if k not in SWAP_ARRAYS}
        for k, v in {**row, **settings, **attrs}.items():
            if isinstance(v, dict | list) or v is None:
                v = json.dumps(v)
            g.attrs[k] = v.item() if isinstance(v, np.generic) else v


def _read_swaps(f: Any) -> dict:
    """The model-swap tables of an open ``results.h5``."""
    import pandas as pd

    from ..sanity import SWAP_COLUMNS

    out = {}
    for order, group in (f[SWAP_GROUP].items() if SWAP_GROUP in f else []):
        for g in group.values():
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()}
            row = {c: attrs[c] for c in SWAP_COLUMNS}
            table = pd.DataFrame([row], columns=SWAP_COLUMNS)
            table.attrs.update({name: g[name][()].tolist() for name in SWAP_ARRAYS})
            for k in ("alpha", "margin", "energy", "level", "seconds"):
                table.attrs[k] = float(attrs[k])
            for k in ("fractions", "seeds", "signals"):
                table.attrs[k] = json.loads(attrs[k])
            table.attrs["test"] = str(attrs["test"])
            out[(order, str(row["method"]), str(row["domain"]))] = table
    return out


def read_sanity(store: ResultStore) -> SanityResults:
    """The sanity tables and skip reasons stored in ``results.h5`` (empty when the run has none)."""
    import h5py
    import pandas as pd

    results = SanityResults()
    if not store.exists():
        return results
    try:
        with h5py.File(store.path, "r") as f:
            skipped = f.attrs.get(SKIPPED)
            results.skipped = json.loads(skipped) if skipped else {}
            swap_skipped = f.attrs.get(SWAP_SKIPPED)
            results.swap_skipped = json.loads(swap_skipped) if swap_skipped else {}
            results.swaps = _read_swaps(f)
            for order, group in (f[GROUP].items() if GROUP in f else []):
                for g in group.values():
                    attrs = dict(g.attrs)
                    table = pd.DataFrame({
                        "method": str(attrs["method"]), "domain": str(attrs["domain"]),
                        "order": order, "step": g["step"][()],
                        "layer": [v.decode() if isinstance(v, bytes) else str(v)
                                  for v in g["layer"][()]],
                        **{c: g[c][()] for c in NUMERIC if c != "step"}})
                    table.attrs.update(
                        survives=bool(attrs["survives"]), threshold=float(attrs["threshold"]),
                        absolute=bool(attrs["absolute"]), top_k_share=float(attrs["top_k_share"]),
                        signals=json.loads(attrs["signals"]), seconds=float(attrs["seconds"]))
                    results.tables[(order, table["method"].iloc[0], table["domain"].iloc[0])] = table
    except (OSError, KeyError, ValueError) as err:
        raise store.damaged(f"sanity tables: {err}") from err
    return results


# -- the phase ------------------------------------------------------------------------------------

def _seed(cfg: RunConfig, method: str, domain: str) -> int:
    key = f"{cfg.seed}/sanity/{method}/{domain}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "little")


def _key(cfg: RunConfig, *parts: Any) -> str:
    text = json.dumps([cfg.result_key(), *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _not_randomizable(model: Any) -> str | None:
    """Why the model's layers cannot be randomized, or None."""
    from torch import nn

    from ..adapters import capabilities
    from ..sanity import randomizable_layers

    if isinstance(model, nn.Module) and randomizable_layers(model):
        return None
    kind = capabilities(model).kind
    what = {"estimator": "a scikit-learn/aeon estimator", "numpy": "a numpy function",
            "callable": "a plain callable"}.get(kind, "this model")
    return (f"{what} has no layers with weights to randomize (forward passes only); parameter "
            "randomization re-initializes a torch module's layers")


def _trained_by_run(cfg: RunConfig) -> str | None:
    """None when the run trained the model itself (data randomization can retrain it), else why
    not (the data source says: :meth:`~freqxai.runner.sources.Source.retrain_reason`)."""
    from .sources import get_source

    return get_source(cfg.dataset).retrain_reason(cfg)


def _permuted_model(cfg: RunConfig, task: Any, progress: bool):
    """The run's architecture trained with the run's settings on permuted labels (cached); the
    data source gives the architecture and the training data
    (:meth:`~freqxai.runner.sources.Source.retraining`)."""
    from ..models.training import save_state_dict
    from ..sanity import train_on_permuted_labels
    from .sources import get_source

    cached = Path(cfg.out) / PERMUTED_MODEL
    plan = get_source(cfg.dataset).retraining(cfg)
    fit: dict[str, Any] = {"epochs": cfg.epochs, "accelerator": "cpu", "progress": progress,
                           **plan.fit}
    with torch.random.fork_rng(devices=[]):  # the global random state is left as it was
        if cached.is_file():
            torch.manual_seed(cfg.seed)
            model = plan.factory()
            model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True))
            return model.eval()
        phases.info("sanity checks: training the model on permuted labels (%d epochs)",
                    cfg.epochs)
        X, y = plan.data()
        model = train_on_permuted_labels(plan.factory, X, y, seed=cfg.seed, **fit)
    save_state_dict(model, cached)
    return model.eval()


def run_sanity_phase(cfg: RunConfig, task: Any, store: ResultStore, *,
                     progress: bool = False) -> SanityResults:
    """Compute the sanity tables ``results.h5`` lacks (see the module's description) and return
    all of them.

    Warnings raised while explaining randomized models (FreqRISE's "no significant coefficient",
    LRP's conservation) are expected there and are not added to the run's warnings.
    """
    from ..explainers import explainer_class, get_tags
    from ..sanity import data_randomization, parameter_randomization
    from .tasks import stratified_sample

    n = sanity_size(cfg)
    if n == 0:
        return read_sanity(store)
    skipped: dict[str, str] = {}
    if getattr(task, "lengths", None) is not None or not isinstance(task.X, np.ndarray):
        skipped["all methods"] = ("series of unequal length are not checked yet (the checks "
                                  "compare maps of one shape)")
        store.write(attrs={SKIPPED: skipped})
        return read_sanity(store)
    idx = stratified_sample(task.y, n, cfg.seed)
    x, y = task.X[idx], task.y[idx]
    length = task.X.shape[-1]
    stored = _stored_keys(store)
    reason = _not_randomizable(task.model)
    data_reason = _trained_by_run(cfg)
    if reason is not None:
        skipped.update({m: reason for m in cfg.methods})
    if data_reason is not None:
        skipped["data randomization"] = data_reason
    orders = [o for o, why in (("cascading", reason), ("data", data_reason)) if why is None]
    todo = _missing(cfg, orders, length, idx, stored, _path)
    if todo:
        phases.info("sanity checks: randomizing the model's layers%s for %s on %d test signals "
                    "(%d tables)", "" if "data" not in orders else " and labels",
                    ", ".join(dict.fromkeys(t[1] for t in todo)), len(idx), len(todo))
    permuted = None
    for order, method, domain, init, call, key in todo:
        if method in skipped:
            continue
        if order == "data" and permuted is None:
            permuted = _permuted_model(cfg, task, progress)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if order == "data":
                    table = data_randomization(task.model, permuted, x, y, method=method,
                                               domain=cfg.domain(domain), settings=init,
                                               options=call)
                else:
                    table = parameter_randomization(task.model, x, y, method=method,
                                                    domain=cfg.domain(domain), settings=init,
                                                    options=call, seed=cfg.seed)
            except Exception as err:  # noqa: BLE001 (after the whole run: skip, say why)
                first = (str(err).splitlines() or [""])[0][:300]
                skipped[method] = f"{type(err).__name__}: {first}"
                phases.info("sanity checks: %s not checked (%s)", method, skipped[method])
                continue
        _write_table(store, _path(order, method, domain), table, {
            "key": key, "signals": idx.tolist(), "seconds": time.perf_counter() - t0,
            "reference": get_tags(explainer_class(method)).reference})
    if read_sanity(store).skipped != skipped or SKIPPED not in store.read_attrs():
        store.write(attrs={SKIPPED: skipped})  # (results.h5 is copied on every write)
    _swap_phase(cfg, task, store, orders, progress)
    return read_sanity(store)


def _missing(cfg: RunConfig, orders: list[str], length: int, idx: Any, stored: dict,
             path_of: Any, *kind: str) -> list[tuple]:
    """``(order, method, domain, settings, options, key)`` of each table whose stored key (at
    ``path_of(order, method, domain)``) is not the one these settings and signals give."""
    todo = []
    for order in orders:
        for method in cfg.methods:
            for domain in cfg.domains:
                init, call = cfg.explainer_settings(method, domain, length,
                                                    _seed(cfg, method, domain))
                key = _key(cfg, *kind, order, method, domain, idx.tolist(), init, call)
                if stored.get(path_of(order, method, domain)) != key:
                    todo.append((order, method, domain, init, call, key))
    return todo


def _swap_phase(cfg: RunConfig, task: Any, store: ResultStore, orders: list[str],
                progress: bool) -> None:
    """The model-swap tables ``results.h5`` lacks (:func:`freqxai.sanity.model_swap_deletion`),
    per randomization in ``orders``, method and domain, on :func:`swap_size` class-stratified
    test signals (the Adebayo tables' subset is part of it when the seeds agree); each written
    atomically as it is done; failures kept with their reason in ``model_swap_skipped``."""
    from ..explainers import explainer_class, get_tags
    from ..sanity import model_swap_deletion
    from .tasks import stratified_sample

    idx = stratified_sample(task.y, swap_size(cfg), cfg.seed)
    if len(idx) < 2:
        return
    x, y = task.X[idx], task.y[idx]
    length = task.X.shape[-1]
    stored = _stored_keys(store)
    failed = dict(read_sanity(store).swap_skipped)
    todo = _missing(cfg, orders, length, idx, stored, _swap_path, "model swap")
    if not todo:
        return
    phases.info("sanity checks: model-swap deletion test for %s on %d test signals (%d tables)",
                ", ".join(dict.fromkeys(t[1] for t in todo)), len(idx), len(todo))
    permuted = None
    for order, method, domain, init, call, key in todo:
        label = f"{method} ({'layers' if order == 'cascading' else 'permuted labels'}, {domain})"
        if order == "data" and permuted is None:
            permuted = _permuted_model(cfg, task, progress)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                table = model_swap_deletion(
                    task.model, x, y, method=method, domain=cfg.domain(domain),
                    randomized=permuted if order == "data" else "layers", settings=init,
                    options=call, seed=cfg.seed)
            except Exception as err:  # noqa: BLE001 (after the whole run: skip, say why)
                first = (str(err).splitlines() or [""])[0][:300]
                failed[label] = f"{type(err).__name__}: {first}"
                phases.info("sanity checks: model swap of %s not done (%s)", label,
                            failed[label])
                continue
        failed.pop(label, None)
        _write_swap(store, _swap_path(order, method, domain), table, {
            "key": key, "signals": idx.tolist(), "seconds": time.perf_counter() - t0,
            "reference": get_tags(explainer_class(method)).reference})
    if read_sanity(store).swap_skipped != failed:
        store.write(attrs={SWAP_SKIPPED: failed})


def model_swap_outcomes(store: ResultStore) -> dict[tuple[str, str], tuple[str, str]]:
    """The model-swap deletion test's outcome per checked ``(method, domain)``, with a reason.

    Where both randomizations ran (layers; permuted labels), the method has **no evidence of
    model dependence** when either gives it (a map that does as well for a model that learned
    nothing about the labels does not show what the trained model uses), is **model-dependent**
    when both are, and is undecided otherwise. The reason names the randomization(s) and gives
    the gap, its upper bound or p-value (:func:`freqxai.sanity.swap_reason`).

    Returns
    -------
    dict
        ``(method, domain)`` → ``(outcome, reason)``, outcome one of
        :data:`freqxai.sanity.SWAP_OUTCOMES`; empty when the run has no model-swap tables.
    """
    from ..sanity import SWAP_OUTCOMES

    by: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for (order, method, domain), table in sorted(read_sanity(store).swaps.items()):
        by.setdefault((method, domain), []).append((order, table.iloc[0]))
    out = {}
    for key, rows in by.items():
        rank = {SWAP_OUTCOMES[1]: 0, SWAP_OUTCOMES[2]: 1, SWAP_OUTCOMES[0]: 2}
        worst = min((rank[str(r["outcome"])] for _, r in rows))
        outcome = next(o for o, v in rank.items() if v == worst)
        chosen = [(o, r) for o, r in rows if str(r["outcome"]) == outcome]
        where = {"cascading": "layers randomized", "data": "labels permuted"}
        reason = "; ".join(f"{str(r['reason'])} ({where.get(o, o)}, n = {int(r['n'])})"
                           for o, r in chosen)
        out[key] = (outcome, reason)
    return out

"""Experiment configuration: one validated object, read from the command line or a file.

Types are checked by pydantic (a validated dataclass in strict mode: ``"false"`` is not a bool,
``"abc"`` or ``true`` not an int, ``"freqrise"`` not a list of methods) when the object is built;
names, ranges, files and domain parameters by :meth:`RunConfig.validate`; both before any compute,
each with one message naming every bad field. Pydantic rather than hand-written checks: it is the
well-kept standard for typed configuration and reports all fields at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import field
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass

from .._io import ensure_writable_dir

__all__ = ["RunConfig", "load_config", "make_config"]

DATASETS = ("synthetic", "audiomnist", "fsdd", "custom", "uea")
PAPER_DATASETS = ("synthetic", "audiomnist", "fsdd")
# Version of the results layout; part of the result key, so a run folder of another layout is
# refused instead of mixed (2: metric keys are registry names, chunk size shapes the shards;
# 3: FreqRISE's centered default masks with box cells).
RESULTS_FORMAT = 3


def _methods() -> list[str]:
    from ..explainers import list_explainers

    return list_explainers()


def _metrics() -> list[str]:
    from ..metrics import list_metrics

    return list_metrics()


@dataclass(config=ConfigDict(strict=True, extra="forbid"))
class RunConfig:
    """Settings of one experiment run (all fields have the paper's defaults).

    Attributes
    ----------
    dataset : {"synthetic", "audiomnist", "fsdd", "custom", "uea"}
        The paper's data sets, ``custom`` (your model and data file) or ``uea`` (a UEA/UCR set
        bundled with aeon).
    out : path
        Run folder (results.h5, tables, figures, cached model).
    noise : float
        Synthetic benchmark: noise level of the training signals.
    data : path, optional
        Audio datasets: the HDF5 file written by ``freqxai data``. ``custom``: an ``.npz`` or
        ``.h5`` with ``X`` (n, channels, time) or (n, time), optional ``y`` (else the predicted
        class), ``fs``, ``class_names``, ``channel_names``.
    model : path, optional
        ``custom`` (required) and ``uea`` (else a small CNN is trained): TorchScript, a
        ``torch.export`` program, ONNX, Keras, or a state dict with ``model_factory``.
    model_factory : str, optional
        ``"package.module:Name"`` that builds the module a state dict is loaded into.
    trust_pickle : bool
        Allow a model file that holds a pickled module (it runs code when loaded).
    fs : float, optional
        Sampling rate in Hz (overrides the data file's).
    name : str, optional
        ``uea``: the data set, e.g. ``"BasicMotions"``.
    label : {"digit", "gender"}
        Audio datasets: the task.
    fold : int
        Audio datasets: the split fold.
    test_data : path, optional
        Synthetic: an ``.npz`` with ``X`` (n, 2560) or (n, 1, 2560) and ``y`` to use as test set.
    weights : path, optional
        A state dict for the model; otherwise the model is trained (and cached in ``out``).
    n_test : int
        Number of test signals explained.
    methods, domains, metrics : lists of names
        From the registries (``freqxai.list_explainers()``, ``freqxai.list_domains()``,
        ``freqxai.metrics.list_metrics()``); methods and metrics default to all registered.
    n_masks, p_keep, num_cells : FreqRISE settings; ``num_cells`` maps domain → cells (an int or
        ``[freq, frames]``), ``0`` meaning one cell per coefficient.
    use_softmax : bool
        FreqRISE weights masks by probabilities (True) or logits.
    n_steps : int
        FLEX and IG integration steps.
    lrp_composite : str
        Zennit composite for LRP.
    stft : dict
        STFT domain parameters (``n_fft``, ``hop_length``, ``window``, ``center``); the same as
        ``domain_params["stft"]``.
    domain_params : dict
        Domain name → constructor parameters (e.g. ``{"wavelet": {"wavelet": "db4"}}``).
    explainer_options : dict
        Method name → settings of its constructor or ``attribute`` (e.g.
        ``{"freqrise": {"normalize": "minmax", "estimator": "paper"}}``, the paper's estimator
        and evaluation, the default for the paper's datasets). The
        shared fields ``n_masks``, ``p_keep``, ``num_cells``, ``use_softmax``, ``n_steps``,
        ``lrp_composite`` (as ``composite``) and the per-unit seed go to every method that takes
        them.
    clip_negative, threshold
        Post-processing before complexity (the paper clips negative gradient relevance).
    chunk_size : int
        Signals per unit of work; a run resumes at this granularity.
    devices : int
        Processes (CPU, gloo) or GPUs for the attribution step (Lightning).
    accelerator : str
        Lightning accelerator (``"cpu"``, ``"gpu"``, ``"auto"``).
    threads : int, optional
        CPU threads per process. Float results depend on the thread count only through the
        order of reductions (relative differences around 1e-7); pin it to get bit-identical
        numbers from runs with different ``devices``.
    seed : int
    epochs, n_train : training settings when no weights are given (epochs: 20 for the
        synthetic MLP, 200 for the UEA CNN, 50 for AudioNet by default).
    """

    dataset: str = "synthetic"
    out: str = "runs/synthetic"
    noise: float = 0.01
    data: str | None = None
    label: str = "digit"
    fold: int = 0
    test_data: str | None = None
    weights: str | None = None
    model: str | None = None
    model_factory: str | None = None
    trust_pickle: bool = False
    fs: float | None = None
    name: str | None = None
    n_test: int = 100
    methods: list[str] = field(default_factory=_methods)
    domains: list[str] = field(default_factory=lambda: ["fft", "stft"])
    metrics: list[str] = field(default_factory=_metrics)
    n_masks: int = 3000
    p_keep: float = 0.5
    num_cells: dict[str, Any] | None = None
    use_softmax: bool = True
    n_steps: int = 50
    lrp_composite: str = "epsilon_plus"
    stft: dict[str, Any] | None = None
    domain_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    explainer_options: dict[str, dict[str, Any]] | None = None
    clip_negative: bool = True
    threshold: str | float | None = None
    chunk_size: int = 25
    devices: int = 1
    accelerator: str = "cpu"
    threads: int | None = None
    seed: int = 0
    epochs: int | None = None
    n_train: int = 100_000

    def __post_init__(self) -> None:
        # Dataset-dependent defaults: the synthetic benchmark has 1281 bins of single sinusoids
        # (one mask cell per bin, as the published synthetic run); audio uses the paper's STFT
        # (n_fft=455, hop=35, Hann) and 200 cells.
        audio = self.dataset in ("audiomnist", "fsdd")
        if self.epochs is None:
            self.epochs = {"uea": 200, "audiomnist": 50, "fsdd": 50}.get(self.dataset, 20)
        if self.explainer_options is None:  # the paper's estimator and evaluation for its data
            self.explainer_options = ({"freqrise": {"normalize": "minmax", "estimator": "paper"}}
                                      if self.dataset in PAPER_DATASETS else {})
        if self.stft is None and isinstance(self.domain_params, dict) and "stft" in self.domain_params:
            self.stft = dict(self.domain_params["stft"])
        if self.stft is None and self.dataset not in PAPER_DATASETS:
            pass  # chosen from the signal length when the data is loaded (fit_to_length)
        elif self.stft is None:
            self.stft = ({"n_fft": 455, "hop_length": 35, "window": "hann"} if audio
                         else {"n_fft": 128, "hop_length": 32, "window": "hann"})
        if self.stft is not None:
            self.domain_params = {**self.domain_params, "stft": dict(self.stft)}
        if self.num_cells is None and self.dataset not in PAPER_DATASETS:
            self.num_cells = {}  # num_cells="auto" in every domain
        if self.num_cells is None:
            self.num_cells = ({"fft": 200, "stft": 200, "time": 200} if audio
                              else {"fft": 0, "stft": [64, 16], "time": 200})

    def validate(self, create_out: bool = True) -> RunConfig:
        """Check every field; raise one ``ValueError`` naming all problems found."""
        problems: list[str] = []

        from ..domains import get_domain, list_domains
        from ..explainers import explainer_class, list_explainers
        from ..metrics import list_metrics, metric_class

        def canonical(kind: str, values, lookup, allowed) -> list[str]:
            if isinstance(values, str) or not isinstance(values, list | tuple):
                problems.append(f"{kind}s must be a list of names, got {values!r}")
                return []
            out, bad = [], []
            for v in values:
                try:
                    out.append(lookup(v))
                except (ValueError, TypeError):
                    bad.append(v)
            if bad:
                problems.append(f"unknown {kind} {bad}; choose from {allowed}")
            return out

        if self.dataset not in DATASETS:
            problems.append(f"unknown dataset {self.dataset!r}; choose from {list(DATASETS)}")
        self.methods = canonical("method", self.methods, lambda m: explainer_class(m).name,
                                 list_explainers())
        self.domains = canonical("domain", self.domains, lambda d: get_domain(d).name,
                                 list_domains())
        self.metrics = canonical("metric", self.metrics, lambda m: metric_class(m).name,
                                 list_metrics())
        for d in self.domains:
            if d == "stft" and self.stft is None:
                continue  # chosen from the signal length (fit_to_length)
            try:
                self.domain(d)
            except (TypeError, ValueError) as err:
                problems.append(f"domain {d!r} with parameters {self.domain_params.get(d, {})}: {err}")
        problems += self._check_explainer_options()
        for d, cells in (self.num_cells or {}).items():
            n_axes = None
            try:
                if d != "stft" or self.stft is not None:
                    n_axes = len(self.domain(d).coefficient_shape(4096))
            except (TypeError, ValueError):
                pass
            ok_int = lambda c: isinstance(c, int) and not isinstance(c, bool) and c >= 0  # noqa: E731
            if cells == "auto" or ok_int(cells):
                continue
            if not (isinstance(cells, list) and all(ok_int(c) for c in cells)
                    and (n_axes is None or len(cells) == n_axes)):
                problems.append(f"num_cells[{d!r}] must be 'auto', an integer >= 0 (0: one cell "
                                f"per coefficient) or {n_axes or 'one'} such integers (one per "
                                f"coefficient axis), got {cells!r}")
        for name in ("methods", "domains", "metrics"):
            if not getattr(self, name):
                problems.append(f"{name} must not be empty")
        for name in ("weights", "test_data", "data"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_file():
                problems.append(f"{name} file not found: {value}")
        if self.dataset in ("audiomnist", "fsdd") and self.data is None:
            problems.append(f"dataset {self.dataset!r} needs --data PATH.h5 (from 'freqxai data')")
        if self.dataset == "custom" and (self.model is None or self.data is None):
            problems.append("dataset 'custom' needs --model MODEL and --data DATA.npz|.h5")
        if self.dataset == "uea" and not self.name:
            problems.append("dataset 'uea' needs --name NAME (e.g. BasicMotions)")
        if self.model is not None and not Path(self.model).is_file():
            if ":" in self.model and self.weights:  # --model package.module:Name --weights w.pt
                pass
            else:
                problems.append(f"model file not found: {self.model} (a class path "
                                "package.module:Name needs --weights with the state dict)")
        try:
            from zennit.composites import COMPOSITES

            if "lrp" in self.methods and self.lrp_composite not in COMPOSITES:
                problems.append(f"lrp_composite must be one of {sorted(COMPOSITES)}, got "
                                f"{self.lrp_composite!r}")
        except ImportError:  # pragma: no cover - zennit is a dependency
            pass
        if self.fs is not None and (isinstance(self.fs, bool) or not isinstance(self.fs, int | float)
                                    or not self.fs > 0):
            problems.append(f"fs must be a positive number of Hz, got {self.fs!r}")
        if self.accelerator in ("gpu", "cuda"):
            import torch

            if not torch.cuda.is_available():
                problems.append(f"accelerator {self.accelerator!r}: no CUDA device is available "
                                "here; use --accelerator cpu (or auto)")
        if not isinstance(self.trust_pickle, bool):
            problems.append(f"trust_pickle must be true or false, got {self.trust_pickle!r}")
        if self.label not in ("digit", "gender"):
            problems.append(f"label must be 'digit' or 'gender', got {self.label!r}")
        for name in ("n_test", "n_masks", "n_steps", "chunk_size", "devices", "epochs", "n_train"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            problems.append(f"threads must be a positive integer or null, got {self.threads!r}")
        if not 0 < self.p_keep < 1:
            problems.append(f"p_keep must be in (0, 1), got {self.p_keep}")
        if self.noise < 0:
            problems.append(f"noise must be >= 0, got {self.noise}")
        if self.threshold is not None and self.threshold != "mean" and not (
            isinstance(self.threshold, float | int) and 0 < float(self.threshold) < 1
        ):
            problems.append(f"threshold must be null, 'mean' or a quantile in (0, 1), got {self.threshold!r}")
        if create_out:
            try:
                ensure_writable_dir(self.out, "output folder")
            except ValueError as err:
                problems.append(str(err))
        if problems:
            raise ValueError("invalid run configuration:\n  - " + "\n  - ".join(problems))
        return self

    def fit_to_length(self, length: int) -> None:
        """Choose what depends on the data's length for custom and UEA runs: an STFT of about a
        quarter of the signal (a power of two between 16 and 256, hop n_fft // 4)."""
        if self.stft is None:
            import math

            n_fft = min(256, max(16, 2 ** int(math.log2(max(length // 4, 1)))))
            self.stft = {"n_fft": min(n_fft, length), "hop_length": max(1, min(n_fft, length) // 4),
                         "window": "hann"}
            self.domain_params = {**self.domain_params, "stft": dict(self.stft)}

    def stft_domain(self):
        return self.domain("stft")

    def domain(self, name: str):
        """The domain ``name`` with its parameters from ``domain_params``."""
        from ..domains import get_domain

        return get_domain(name, **self.domain_params.get(name, {}))

    def _check_explainer_options(self) -> list[str]:
        """Every option in ``explainer_options`` must be a setting the method takes."""
        from ..explainers import explainer_class

        problems = []
        if not isinstance(self.explainer_options, dict):
            return [f"explainer_options must map method names to settings, got {self.explainer_options!r}"]
        for method, options in self.explainer_options.items():
            try:
                cls = explainer_class(method)
            except ValueError as err:
                problems.append(f"explainer_options: {err}")
                continue
            if not isinstance(options, dict):
                problems.append(f"explainer_options[{method!r}] must be a mapping, got {options!r}")
                continue
            known = set(_parameters(cls.__init__)) | set(_parameters(cls.attribute))
            bad = sorted(set(options) - known)
            if bad:
                problems.append(f"explainer_options[{method!r}] has unknown settings {bad}; "
                                f"{method} takes {sorted(known - {'self', 'model', 'inputs', 'target', 'domain'})}")
        return problems

    def explainer_settings(self, method: str, domain: str, length: int, seed: int
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Constructor settings and ``attribute`` options of ``method`` in ``domain``.

        Shared fields go to every method whose constructor or ``attribute`` takes a parameter of
        that name; ``explainer_options[method]`` overrides them.
        """
        from ..explainers import explainer_class

        cls = explainer_class(method)
        shared = {
            "n_masks": self.n_masks, "p_keep": self.p_keep, "use_softmax": self.use_softmax,
            "n_steps": self.n_steps, "composite": self.lrp_composite, "seed": seed,
            "num_cells": self._num_cells(domain, length),
        }
        shared.update(self.explainer_options.get(method, {}))
        init_names, call_names = _parameters(cls.__init__), _parameters(cls.attribute)
        init = {k: v for k, v in shared.items() if k in init_names and k not in ("model", "domain")}
        call = {k: v for k, v in shared.items() if k in call_names and k not in init}
        return init, call

    def _num_cells(self, domain_name: str, length: int):
        """FreqRISE cells of a domain: ``num_cells[domain]`` (0 = one per coefficient), clamped to
        the grid; ``"auto"`` for domains without an entry."""
        cells = (self.num_cells or {}).get(domain_name, "auto")
        if cells == "auto":
            return cells
        grid = self.domain(domain_name).coefficient_shape(length)
        if isinstance(cells, list | tuple):
            return tuple(g if c in (0, None) else min(int(c), g) for c, g in zip(cells, grid, strict=True))
        if cells in (0, None):
            return grid if len(grid) > 1 else grid[0]
        return tuple(min(int(cells), g) for g in grid) if len(grid) > 1 else min(int(cells), grid[0])

    def units(self) -> list[tuple[str, str]]:
        """(method, domain) pairs to compute, in a fixed order."""
        return [(m, d) for m in self.methods for d in self.domains]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def result_key(self) -> str:
        """Hash of the settings that determine results (not where or how fast they run)."""
        skip = {"out", "devices", "accelerator", "threads"}
        relevant = {k: v for k, v in self.to_dict().items() if k not in skip}
        relevant["results_format"] = RESULTS_FORMAT
        return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _parameters(fn) -> list[str]:
    import inspect

    return list(inspect.signature(fn).parameters)


def load_config(path: str | Path, **overrides: Any) -> RunConfig:
    """Read a JSON or TOML configuration file; ``overrides`` (not None) replace its values."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"config file not found: {path}")
    text = path.read_text()
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib
            except ImportError as err:
                raise ValueError("TOML configs need Python >= 3.11 or 'pip install tomli'; "
                                 "or write the config as JSON") from err
        data = tomllib.loads(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"config {path} is not valid JSON: {err}") from err
    names = {f.name for f in dataclasses.fields(RunConfig)}
    bad = sorted(set(data) - names)
    if bad:
        raise ValueError(f"unknown config keys {bad} in {path}; valid keys: {sorted(names)}")
    data.update({k: v for k, v in overrides.items() if v is not None})
    return make_config(**data)


def make_config(**values: Any) -> RunConfig:
    """A :class:`RunConfig` from field values, type errors turned into one ``ValueError`` that
    names every bad field, its value and the expected type."""
    try:
        return RunConfig(**values)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "config"
            lines.append(f"{where}: {e['msg'].lower()} (got {e.get('input')!r:.60})")
        raise ValueError("invalid run configuration:\n  - " + "\n  - ".join(lines)) from None

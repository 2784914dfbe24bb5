"""Experiment configuration: one validated object, read from the command line or a file.

Types are checked by pydantic (a validated dataclass in strict mode: ``"false"`` is not a bool,
``"abc"`` or ``true`` not an int, ``"freqrise"`` not a list of methods) when the object is built;
names, ranges, files and domain parameters by :meth:`RunConfig.validate`; both before any compute,
each with one message naming every bad field. Pydantic rather than hand-written checks: it is the
well-kept standard for typed configuration and reports all fields at once.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
from dataclasses import field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass

from .._io import ensure_writable_dir

__all__ = ["RunConfig", "load_config", "make_config"]

# Most FreqRISE masks per signal of n_masks="auto" in a run (the default outside the paper's data:
# OSULeaf's CNN stopped at 1000 masks in the rFFT and 2000 in the STFT, bench/long_signals.py)
AUTO_MAX_MASKS = 3000
# Band Shapley coalitions per signal in runs: a tenth of FreqRISE's budget. Exact values while
# 2**bands fits (up to 8 bands: DC and octaves of series up to ~500 samples), antithetic
# permutations with a standard error beyond (BandShapley's max_evaluations).
SHAPLEY_MAX_EVALUATIONS = AUTO_MAX_MASKS // 10
# Version of the results layout; part of the result key, so a run folder of another layout is
# refused instead of mixed (2: metric keys are registry names, chunk size shapes the shards;
# 3: FreqRISE's centered default masks with box cells).
RESULTS_FORMAT = 3


# --quick: band Shapley values and FLEX (where the model has gradients), fft only, this many
# signals per class, no sanity checks: a first answer in minutes
QUICK_METHODS = ("shapley", "flex")
QUICK_PER_CLASS = 10
DEFAULT_N_TEST = 100
# Names an explainer takes that the run sets itself (explainer_options may not set them).
RUN_SETS = frozenset({"self", "model", "domain", "inputs", "target", "return_standard_error",
                      "return_z_scores", "return_convergence_delta"})


def _methods() -> list[str]:
    """The registered methods of a default run (``in_default_runs``: FLEXtime and FreqMask, an
    optimization per input each, run when named)."""
    from ..explainers import explainer_class, list_explainers

    return [m for m in list_explainers() if explainer_class(m).in_default_runs]


def _metrics() -> list[str]:
    """Every registered metric the runner scores from relevance alone (metrics that explain
    perturbed inputs again, ``needs_explainer``, cost a full explanation per perturbation: the
    API runs them)."""
    from ..metrics import list_metrics, metric_class

    return [m for m in list_metrics() if not getattr(metric_class(m), "needs_explainer", False)]


SECTIONS = ("data", "explain", "compute")
# Lightning strategies of the attribution step: each process computes whole work items, so only
# plain data parallelism applies (ddp_spawn and ddp_fork start processes that would run the
# prediction alone, without the run around it; sharded strategies shard training state)
STRATEGIES = ("auto", "ddp")


def _section(section: str, default: Any = dataclasses.MISSING, *,
             factory: Any = dataclasses.MISSING) -> Any:
    """A ``RunConfig`` field of ``section`` (one of :data:`SECTIONS`)."""
    return field(default=default, default_factory=factory, metadata={"section": section})


def _data(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    return _section("data", default, **kwargs)


def _explain(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    return _section("explain", default, **kwargs)


def _compute(default: Any = dataclasses.MISSING, **kwargs: Any) -> Any:
    return _section("compute", default, **kwargs)


class Section:
    """A live view of one section of a :class:`RunConfig` (``cfg.sections.explain.n_masks`` is
    ``cfg.n_masks``): its fields as attributes, :meth:`to_dict`, ``in``, iteration over names."""

    __slots__ = ("_cfg", "_names", "_section")

    def __init__(self, cfg: RunConfig, name: str) -> None:
        self._cfg, self._section = cfg, name
        self._names = RunConfig.section_fields(name)

    def __getattr__(self, key: str) -> Any:
        if key in self._names:
            return getattr(self._cfg, key)
        raise AttributeError(f"the {self._section} section of a RunConfig has no field {key!r}; it "
                             f"has {list(self._names)}")

    def __contains__(self, key: object) -> bool:
        return key in self._names

    def __iter__(self):
        return iter(self._names)

    def to_dict(self) -> dict[str, Any]:
        """The section's fields and values (a copy)."""
        return {k: copy.deepcopy(getattr(self._cfg, k)) for k in self._names}

    def __repr__(self) -> str:
        return f"{self._section}({', '.join(f'{k}={getattr(self._cfg, k)!r}' for k in self._names)})"


class Sections(NamedTuple):
    """The three sections of a :class:`RunConfig` (``cfg.sections``)."""

    data: Section
    explain: Section
    compute: Section


@dataclass(config=ConfigDict(strict=True, extra="forbid"))
class RunConfig:
    """Settings of one experiment run (all fields have the paper's defaults).

    Attributes
    ----------
    dataset : {"synthetic", "audiomnist", "fsdd", "custom", "uea"} or a registered source
        The data source (:mod:`freqxai.runner.sources`): the paper's data sets, ``custom`` (your
        model and data file) or ``uea`` (a UEA/UCR set bundled with aeon). The source's
        defaults fill the fields left unset (epochs, masks, STFT, cells, explainer options).
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
    classifier : str
        ``uea`` without ``model``: the classifier trained on the train split, ``"cnn"`` (freqxai's
        SmallCNN, every method explains it), ``"minirocket"``, ``"rocket"``, ``"hivecote2"``
        (aeon's; FreqRISE and the references explain them) or ``"package.module:Class"`` (an
        aeon/scikit-learn classifier built without arguments).
    eeg : bool, optional
        The data is EEG: summaries use the EEG bands. Default: EEG when most channel names are
        10-20 electrode labels.
    label : {"digit", "gender"}
        Audio datasets: the task.
    fold : int
        Audio datasets: the split fold.
    test_data : path, optional
        Synthetic: an ``.npz`` with ``X`` (n, 2560) or (n, 1, 2560) and ``y`` to use as test set.
    weights : path, optional
        A state dict for the model; otherwise the model is trained (and cached in ``out``).
    n_test : int, optional
        Number of test signals explained: a sample stratified by class (seeded by ``seed``, in
        the data's order) when the test set has more; the synthetic and audio sets take the
        first ``n_test``, as the paper did. Default 100 (``quick``: 10 per class, at most 100).
    quick : bool
        A first answer in minutes: methods default to band Shapley values and FLEX (the ones
        that can explain the model), domains to ``fft``, ``n_test`` to 10 signals per class (at
        most 100),
        sanity checks off. Settings given explicitly win.
    center : bool
        ``uea``: remove each channel's mean from every series (training and explained signals)
        before anything else, so an offset (a sensor's orientation, an electrode's DC) cannot be
        the answer.
    methods, domains, metrics : lists of names
        From the registries (``freqxai.list_explainers()``, ``freqxai.list_domains()``,
        ``freqxai.metrics.list_metrics()``). Methods default to every registered method that can
        explain the model (except those that optimize per input, FLEXtime and FreqMask, which
        run when named) (:func:`freqxai.adapters.method_support`: no gradient methods for a
        scikit-learn/aeon estimator, no LRP for a TorchScript graph; the run names each one left
        out and why); metrics default to all registered.
    n_masks, p_keep, num_cells : FreqRISE settings; ``num_cells`` maps domain → cells (an int or
        ``[freq, frames]``), ``0`` meaning one cell per coefficient. ``n_masks``: 3000 on the
        paper's data sets (as published), else ``"auto"``: masks are drawn until two halves of
        them agree on the top coefficients, at most :data:`AUTO_MAX_MASKS` (3000).
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
        Processes (CPU, gloo) or GPUs for the attribution step (Lightning), per node.
    num_nodes : int
        Nodes (machines) the attribution step runs on, ``devices`` processes each (Lightning's
        cluster environments: ``torchrun``, SLURM's ``srun``; the run folder must be on a file
        system every node sees; ``docs/cluster.md``).
    strategy : str
        Lightning strategy of the attribution step: ``"auto"`` (DDP when ``devices * num_nodes
        > 1``, else one process) or ``"ddp"``.
    accelerator : str
        Lightning accelerator (``"cpu"``, ``"gpu"``, ``"auto"``).
    threads : int, optional
        CPU threads per process. Float results depend on the thread count only through the
        order of reductions (relative differences around 1e-7); pin it to get bit-identical
        numbers from runs with different ``devices``.
    seed : int
        In [0, 2**32) (what numpy's and Lightning's global seeding take).
    epochs, n_train : training settings when no weights are given (epochs: 20 for the
        synthetic MLP, at most 200 for the UEA CNN, which stops 20 epochs after the loss on a
        stratified 20 % validation split of the train set last fell, 50 for AudioNet by default).
    sanity : bool or int, optional
        Sanity checks after the explanations (:mod:`freqxai.runner.sanity_phase`): the number of
        test signals (class-stratified), ``True`` for 10, ``False`` or 0 for none; unset: 10,
        except on the UEA and audio data sets (off). Not part of the result key: turning it on for a
        finished run adds the checks to its folder.

    A setting the chosen data set does not read (``fs`` on a synthetic run, ``label`` on a custom
    run, ``epochs`` when the model is given; each source declares the fields it reads) is refused
    by :meth:`validate` when it differs from its default, and so are ``num_cells`` and
    ``domain_params`` keyed by an unknown domain, ``stft`` and ``domain_params["stft"]`` that
    disagree, and explainer options the run sets itself or that the explainer rejects (checked
    without a model or data).

    Every field belongs to one section, ``data``, ``explain`` or ``compute``
    (:meth:`section_fields`; :attr:`sections` gives live views of them); the configuration is
    built and read flat (``RunConfig(dataset="uea", n_masks=500).n_masks``).

    Examples
    --------
    >>> from freqxai.runner import RunConfig
    >>> cfg = RunConfig(dataset="synthetic", out="runs/quick", n_test=20,
    ...                 methods=["flex", "shapley"], domains=["fft"])
    >>> cfg.validate(create_out=False) is cfg  # every problem at once, before any compute
    True
    >>> cfg.n_masks, cfg.seed                  # fields not given: the data set's defaults
    (3000, 0)
    >>> cfg.sections.compute.out, "n_steps" in RunConfig.section_fields("explain")
    ('runs/quick', True)
    >>> RunConfig(dataset="synthetic", fs=100.0).validate(create_out=False)
    Traceback (most recent call last):
        ...
    ValueError: invalid run configuration: fs=100.0 applies to custom and uea runs only; ...

    Run it with :func:`~freqxai.runner.run_experiment` (``freqxai run`` on the command line):

    >>> from freqxai.runner import run_experiment    # doctest: +SKIP
    >>> summary = run_experiment(cfg)                 # doctest: +SKIP
    """

    # Each field belongs to one section (its metadata; RunConfig.sections gives the views):
    # data: what is explained (the source, its data and model, the test signals); explain: how
    # it is explained, scored and checked; compute: where and how the work runs.
    dataset: str = _data("synthetic")
    out: str = _compute("runs/synthetic")
    noise: float = _data(0.01)
    data: str | None = _data(None)
    label: str = _data("digit")
    fold: int = _data(0)
    test_data: str | None = _data(None)
    weights: str | None = _data(None)
    model: str | None = _data(None)
    model_factory: str | None = _data(None)
    trust_pickle: bool = _data(False)
    fs: float | None = _data(None)
    name: str | None = _data(None)
    classifier: str = _data("cnn")
    eeg: bool | None = _data(None)
    n_test: int | None = _data(None)
    methods: list[str] | None = _explain(None)
    domains: list[str] | None = _explain(None)
    metrics: list[str] = _explain(factory=_metrics)
    n_masks: int | str | None = _explain(None)
    p_keep: float = _explain(0.5)
    num_cells: dict[str, Any] | None = _explain(None)
    use_softmax: bool = _explain(True)
    n_steps: int = _explain(50)
    lrp_composite: str = _explain("epsilon_plus")
    stft: dict[str, Any] | None = _explain(None)
    domain_params: dict[str, dict[str, Any]] = _explain(factory=dict)
    explainer_options: dict[str, dict[str, Any]] | None = _explain(None)
    clip_negative: bool = _explain(True)
    threshold: str | float | None = _explain(None)
    chunk_size: int = _compute(25)
    devices: int = _compute(1)
    accelerator: str = _compute("cpu")
    num_nodes: int = _compute(1)
    strategy: str = _compute("auto")
    threads: int | None = _compute(None)
    seed: int = _compute(0)
    epochs: int | None = _data(None)
    n_train: int = _data(100_000)
    sanity: bool | int | None = _explain(None)
    quick: bool = _explain(False)
    center: bool = _data(False)

    def __post_init__(self) -> None:
        # methods left to the default: every registered method that can explain the model (the
        # runner drops the others, naming why); named methods that cannot run are refused
        self.methods_given = self.methods is not None
        quick = self.quick is True
        if self.methods is None:
            self.methods = list(QUICK_METHODS) if quick else _methods()
        if self.domains is None:
            self.domains = ["fft"] if quick else ["fft", "stft"]
        if self.n_test is None and not quick:  # (quick: 10 per class, once the classes are known)
            self.n_test = DEFAULT_N_TEST
        if self.sanity is None and quick:
            self.sanity = False
        # The data source's defaults of the settings left unset (runner.sources): training
        # epochs; on the paper's data its 3000 masks, estimator, STFT and cells; elsewhere masks
        # drawn until stable, cells "auto" and an STFT fitted to the signal length.
        source = _source(self.dataset)
        if self.epochs is None:
            self.epochs = source.default("epochs")
        if self.n_masks is None:
            self.n_masks = source.default("n_masks")
        # registered names for keys given as an alias or in another case ("FFT", "fourier"), so
        # that no entry is missed by the lookups below (unknown names are reported by validate)
        self.domain_params = _canonical_keys(self.domain_params, _domain_name)
        self.num_cells = _canonical_keys(self.num_cells, _domain_name)
        self.explainer_options = _canonical_keys(self.explainer_options, _method_name)
        # the STFT given twice with different parameters: ``stft`` would win without a word
        given = self.domain_params.get("stft") if isinstance(self.domain_params, dict) else None
        self._stft_conflict = (
            f"stft {self.stft} and domain_params['stft'] {given} disagree; give the STFT's "
            "parameters once (domain_params['stft'])"
            if self.stft is not None and isinstance(given, dict) and dict(given) != dict(self.stft)
            else None)
        if self.explainer_options is None:
            self.explainer_options = source.default("explainer_options")
        if self.stft is None and isinstance(self.domain_params, dict) and "stft" in self.domain_params:
            self.stft = dict(self.domain_params["stft"])
        if self.stft is None:  # (still None: chosen from the signal length, fit_to_length)
            self.stft = source.default("stft")
        if self.stft is not None:
            self.domain_params = {**self.domain_params, "stft": dict(self.stft)}
        if self.num_cells is None:  # ({}: "auto" in every domain)
            self.num_cells = source.default("num_cells")

    @classmethod
    def section_fields(cls, section: str) -> tuple[str, ...]:
        """The fields of ``section`` (``"data"``, ``"explain"`` or ``"compute"``), in order."""
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {list(SECTIONS)}, got {section!r}")
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata["section"] == section)

    @property
    def sections(self) -> Sections:
        """Live views of the three sections (``cfg.sections.data.noise``, ``cfg.sections.
        compute.to_dict()``): ``data``, what is explained (the source, its data and model, the
        test signals); ``explain``, how it is explained, scored and checked; ``compute``, where
        and how the work runs. (``cfg.data`` is the data file field.)"""
        return Sections(*(Section(self, name) for name in SECTIONS))

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
            # a name given twice (or as an alias) is computed once: the tables key on it
            twice = list(dict.fromkeys(v for i, v in enumerate(out) if v in out[:i]))
            if twice:
                import warnings

                warnings.warn(f"{kind}s: {', '.join(map(repr, twice))} named twice; computed "
                              "once", UserWarning, stacklevel=3)
            return list(dict.fromkeys(out))

        from .sources import list_sources

        if self.dataset not in list_sources():
            problems.append(f"unknown dataset {self.dataset!r}; choose from {list_sources()}")
        self.methods = canonical("method", self.methods, lambda m: explainer_class(m).name,
                                 list_explainers())
        self.domains = canonical("domain", self.domains, lambda d: get_domain(d).name,
                                 list_domains())
        self.metrics = canonical("metric", self.metrics, lambda m: metric_class(m).name,
                                 list_metrics())
        for m in self.metrics:
            if m in list_metrics() and getattr(metric_class(m), "needs_explainer", False):
                problems.append(f"metric {m!r} explains perturbed copies of every input again (a "
                                "full explanation per perturbation): the runner does not score "
                                f"it; use the API (freqxai.metrics.get_metric({m!r}, ...))")
        # every domain of the run, and every domain given parameters (checked even where unused)
        known_domains = set(list_domains())  # (unknown keys are reported by _check_domain_keys)
        for d in dict.fromkeys([*self.domains, *(k for k in self.domain_params
                                                  if k in known_domains)]):
            if d == "stft" and self.stft is None:
                continue  # chosen from the signal length (fit_to_length)
            try:
                self.domain(d)
            except (TypeError, ValueError) as err:
                problems.append(f"domain {d!r} with parameters {self.domain_params.get(d, {})}: {err}")
        if getattr(self, "_stft_conflict", None):
            problems.append(self._stft_conflict)
        problems += self._check_domain_keys()
        problems += self._check_explainer_options()
        for d, cells in (self.num_cells or {}).items():
            n_axes = None
            try:  # the number of coefficient axes (the STFT's parameters may come with the data)
                domain = self.domain(d) if d != "stft" or self.stft is not None else get_domain(d)
                n_axes = len(domain.coefficient_shape(4096))
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
        if not isinstance(self.sanity, bool | None) and self.sanity < 0:
            problems.append(f"sanity must be True, False or a number of test signals >= 0 (0: "
                            f"off), got {self.sanity!r}")
        for name in ("methods", "domains", "metrics"):
            if not getattr(self, name):
                problems.append(f"{name} must not be empty: name at least one, or leave the "
                                "setting out for the default")
        problems += self._check_applies()
        for name in ("weights", "test_data", "data"):
            value = getattr(self, name)
            if value is not None and not Path(value).is_file():
                problems.append(f"{name} file not found: {value}")
        if self.dataset in list_sources():  # what the source needs, values it refuses
            problems += _source(self.dataset).check(self)
        try:
            from zennit.composites import COMPOSITES

            if "lrp" in self.methods and self.lrp_composite not in COMPOSITES:
                problems.append(f"lrp_composite must be one of {sorted(COMPOSITES)}, got "
                                f"{self.lrp_composite!r}")
        except ImportError:  # pragma: no cover - zennit is a dependency
            pass
        if self.fs is not None and (isinstance(self.fs, bool) or not isinstance(self.fs, int | float)
                                    or not 0 < self.fs < math.inf):
            problems.append(f"fs must be a positive, finite number of Hz, got {self.fs!r}")
        if self.accelerator not in ("cpu", "gpu", "cuda", "mps", "auto"):
            problems.append(f"accelerator must be cpu, gpu (cuda), mps or auto, got "
                            f"{self.accelerator!r}")
        if self.accelerator in ("gpu", "cuda"):
            import torch

            if not torch.cuda.is_available():
                problems.append(f"accelerator {self.accelerator!r}: no CUDA device is available "
                                "here; use --accelerator cpu (or auto)")
        if not isinstance(self.trust_pickle, bool):
            problems.append(f"trust_pickle must be true or false, got {self.trust_pickle!r}")
        for name in ("quick", "center"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be true or false, got {getattr(self, name)!r}")
        if self.strategy not in STRATEGIES:
            problems.append(f"strategy must be {' or '.join(STRATEGIES)} (Lightning's DDP: one "
                            "process per device, started by Lightning, torchrun or SLURM's srun), "
                            f"got {self.strategy!r}")
        for name in ("n_test", "n_masks", "n_steps", "chunk_size", "devices", "num_nodes",
                     "epochs", "n_train"):
            value = getattr(self, name)
            if name == "n_masks" and value == "auto" or name == "n_test" and value is None:
                continue
            if not isinstance(value, int) or value < 1:
                problems.append(f"{name} must be a positive integer, got {value!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            problems.append(f"threads must be a positive integer or null, got {self.threads!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            # numpy's and Lightning's global seeding take [0, 2**32); results.h5 stores it as int64
            problems.append(f"seed must be an integer in [0, 2**32), got {self.seed!r}")
        if not 0 < self.p_keep < 1:
            problems.append(f"p_keep must be in (0, 1), got {self.p_keep}")
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
            raise ValueError(_invalid(problems))
        return self

    def fit_to_length(self, length: int) -> None:
        """Choose what depends on the data's length for custom and UEA runs: an STFT of about a
        quarter of the signal (a power of two between 16 and 256, hop n_fft // 4), by
        :func:`freqxai.domains.stft.fit_stft`, the rule of the API's ``STFT(n_fft="auto")``."""
        if self.stft is None:
            from ..domains.stft import fit_stft

            n_fft, hop = fit_stft(int(length))
            self.stft = {"n_fft": n_fft, "hop_length": hop, "window": "hann"}
            self.domain_params = {**self.domain_params, "stft": dict(self.stft)}

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
                                f"{method} takes {sorted(known - RUN_SETS)}")
            reserved = sorted(set(options) & RUN_SETS)
            if reserved:
                problems.append(
                    f"explainer_options[{method!r}] sets {reserved}, which the run sets itself "
                    "(the model from --model/--weights, the domain from domains and "
                    "domain_params, inputs and targets from the data, the certainty outputs): "
                    "remove them")
        if not problems:
            problems += self._check_option_values()
        return problems

    def _check_option_values(self) -> list[str]:
        """Let every method of the run check its settings (shared fields and its
        ``explainer_options``) in every domain of the run, as it would when computing, but
        without a model or data: a bad value fails here, not midway through a run."""
        from ..domains import get_domain
        from ..explainers import explainer_class

        problems: list[str] = []
        # the run's methods, and any other method given options (a bad value is refused even
        # where the method is not run: it would surface when the method is added)
        for method in dict.fromkeys([*self.methods, *self.explainer_options]):
            cls = explainer_class(method)
            init, call = self._split_settings(cls, {k: v for k, v in self._shared(seed=0).items()
                                                    if k != "num_cells"}, method)
            domains = ["time"] if cls.computes_in_time else self.domains
            for d in domains:
                try:  # (an STFT fitted to the data later: its defaults serve to check options)
                    domain = self.domain(d) if d != "stft" or self.stft is not None else get_domain(d)
                except (TypeError, ValueError):
                    domain = None  # reported with the domain
                err = _probe_settings(cls, domain, init, call) if domain is not None else None
                where = (f"explainer_options[{method!r}]" if self.explainer_options.get(method)
                         else f"{method} settings")
                if err is not None and f"{where}: {err}" not in problems:
                    problems.append(f"{where}: {err}")
        return problems

    def _check_domain_keys(self) -> list[str]:
        """``num_cells`` and ``domain_params`` must be keyed by registered domains: an entry
        under another name would be ignored without a word."""
        from ..domains import list_domains

        problems = []
        for name in ("num_cells", "domain_params"):
            mapping = getattr(self, name)
            if not isinstance(mapping, dict):
                continue
            seen: dict[str, str] = {}
            for key in mapping:
                try:
                    canonical = _domain_name(key)
                except (TypeError, ValueError):
                    problems.append(f"{name} names unknown domain {key!r}; choose from "
                                    f"{list_domains()}")
                    continue
                if canonical in seen:
                    problems.append(f"{name} sets domain {canonical!r} twice ({seen[canonical]!r} "
                                    f"and {key!r}); keep one")
                seen[canonical] = key
        return problems

    def _check_applies(self) -> list[str]:
        """Settings the chosen data source does not read (``--fs`` on a synthetic run, ``label`` on
        a custom run, ``--epochs`` with given weights): refused, since the run would ignore them.
        Each source declares the fields it reads (:attr:`~freqxai.runner.sources.Source.fields`)
        and whether it trains its model (then it reads ``epochs``)."""
        from .sources import list_sources, source_class
        from .sources.base import changed

        if self.dataset not in list_sources():
            return []
        source = _source(self.dataset)
        readers: dict[str, list[str]] = {}
        for name in list_sources():
            for field_name in source_class(name).fields:
                readers.setdefault(field_name, []).append(name)
        problems = []
        for f in dataclasses.fields(self):
            datasets = readers.get(f.name)
            if datasets and f.name not in source.fields and changed(self, f.name):
                problems.append(f"{f.name}={getattr(self, f.name)!r} applies to "
                                f"{' and '.join(datasets)} runs only; a {self.dataset} run would "
                                "ignore it: remove it")
        if not source.trains(self) and self.epochs != source.default("epochs"):
            problems.append(f"epochs={self.epochs!r} has no effect: this {self.dataset} run "
                            "trains no model (it is given); remove --epochs")
        return problems

    def explainer_settings(self, method: str, domain: str, length: int, seed: int, *,
                           forward_flops: float | None = None
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Constructor settings and ``attribute`` options of ``method`` in ``domain``.

        Shared fields go to every method that takes an option of that name, as a setting or a
        call option as the method declares it (:meth:`~freqxai.explainers.Explainer.split_options`;
        a plug-in without declarations: its parameters' names); ``explainer_options[method]``
        overrides them. ``forward_flops`` (one forward of the model on one signal,
        :func:`freqxai.runner.budget.forward_flops`) fits ``n_masks="auto"``'s most masks to the
        model's cost (:func:`freqxai.runner.budget.auto_max_masks`).
        """
        from ..explainers import explainer_class

        shared = dict(self._shared(seed, forward_flops),
                      num_cells=self._num_cells(domain, length))
        return self._split_settings(explainer_class(method), shared, method)

    def _shared(self, seed: int, forward_flops: float | None = None) -> dict[str, Any]:
        from .budget import auto_max_masks

        # n_masks="auto" stops once two halves of the masks agree, at most AUTO_MAX_MASKS (the
        # paper's fixed budget, so never slower than it), fewer for a costly model
        budget = ({"max_masks": auto_max_masks(forward_flops, AUTO_MAX_MASKS)}
                  if self.n_masks == "auto" else {})
        return {**budget, "n_masks": self.n_masks, "p_keep": self.p_keep,
                "use_softmax": self.use_softmax, "max_evaluations": SHAPLEY_MAX_EVALUATIONS,
                "n_steps": self.n_steps, "composite": self.lrp_composite, "seed": seed}

    def _split_settings(self, cls, shared: dict[str, Any], method: str
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
        options = (self.explainer_options or {}).get(method, {})
        if "output" in options and "use_softmax" not in options:
            # ``output`` is the newer spelling of ``use_softmax``: the method's own choice wins
            shared = {k: v for k, v in shared.items() if k != "use_softmax"}
        return cls.split_options(**{**shared, **options})

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

    def n_explained(self, n_classes: int) -> int:
        """How many test signals to explain: ``n_test``, or with ``quick`` and no ``n_test``
        :data:`QUICK_PER_CLASS` per class (a class-stratified sample), at most the default 100."""
        if self.n_test is not None:
            return int(self.n_test)
        return min(DEFAULT_N_TEST, QUICK_PER_CLASS * max(int(n_classes), 1))

    def units(self) -> list[tuple[str, str]]:
        """(method, domain) pairs to compute, in a fixed order."""
        return [(m, d) for m in self.methods for d in self.domains]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def result_key(self) -> str:
        """Hash of the settings that determine results (not where or how fast they run)."""
        skip = {"out", "devices", "num_nodes", "strategy", "accelerator", "threads", "sanity",
                "quick"}
        relevant = {k: v for k, v in self.to_dict().items() if k not in skip}
        if not relevant["center"]:  # (folders of runs before --center keep their key)
            del relevant["center"]
        # quick's effect is in the fields it sets (methods, domains, sanity) and in n_test, which
        # stays None until the classes are known: the same as 10 per class
        if relevant["n_test"] is None:
            relevant["n_test"] = f"{QUICK_PER_CLASS} per class"
        relevant["results_format"] = RESULTS_FORMAT
        return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _source(name: Any):
    """The data source ``name`` (:mod:`freqxai.runner.sources`); for a name that is none (which
    :meth:`RunConfig.validate` reports), the base source, whose defaults suit any data."""
    from .sources import Source, list_sources, source_class

    return source_class(name)() if isinstance(name, str) and name in list_sources() else Source()


def _domain_name(name: str) -> str:
    from ..domains import get_domain

    return get_domain(name).name


def _method_name(name: str) -> str:
    from ..explainers import explainer_class

    return explainer_class(name).name


def _canonical_keys(mapping, lookup):
    """``mapping`` with keys that name a registered entry by an alias or in another case
    (``"FFT"``, ``"fourier"``) renamed to the registered name; unknown names, and two keys naming one
    entry, are kept as given (``validate`` reports them)."""
    if not isinstance(mapping, dict):
        return mapping
    names = {}
    for key in mapping:
        try:
            names[key] = lookup(key)
        except (TypeError, ValueError):
            names[key] = key
    if len(set(names.values())) < len(names):
        return mapping
    return {names[k]: v for k, v in mapping.items()}


def _invalid(problems: list[str]) -> str:
    """One line for one problem, else a list of them."""
    if len(problems) == 1:
        return f"invalid run configuration: {problems[0]}"
    return "invalid run configuration:\n  - " + "\n  - ".join(problems)


class _SettingsChecked(Exception):
    """Raised in place of a plug-in explainer's data preparation: every check before it passed
    (the fallback of :func:`_probe_settings` for options a class does not declare)."""


def _probe_settings(cls, domain, init: dict[str, Any], call: dict[str, Any]) -> str | None:
    """The error an explainer raises for constructor settings ``init`` and ``attribute`` options
    ``call`` before it touches any data, or None.

    The class's ``check_options(domain=..., **options)`` checks them without a model
    (:meth:`freqxai.explainers.Explainer.check_options`: the declared constraints; a class may
    define its own). Options a class takes without declaring them (a plug-in written before
    declarations) are checked as before: the explainer is built around a stand-in model and
    ``attribute`` is called with its data preparation replaced by a stop, so the options it
    validates first are checked and nothing is computed; a class whose bare ``attribute`` does
    not reach the preparation is left to the run.
    """
    import warnings

    import torch

    check = getattr(cls, "check_options", None)
    if callable(check):
        try:
            check(domain=domain, **init, **call)
        except (TypeError, ValueError) as err:
            return str(err)
        if _checks_itself(cls, {*init, *call}):
            return None

    def build(settings: dict[str, Any]):
        explainer = cls(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(1, 2)),
                        domain=domain, **settings)

        def stop(*args: Any, **kwargs: Any):
            raise _SettingsChecked

        explainer._prepare = stop
        return explainer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            build({}).attribute(None)
        except _SettingsChecked:
            pass
        except Exception:  # noqa: BLE001 - this class cannot be checked without data
            return None
        else:
            return None
        try:
            explainer = build(init)
            explainer.attribute(None, **call)
        except _SettingsChecked:
            return None
        except (TypeError, ValueError) as err:
            return str(err)
        except Exception:  # noqa: BLE001 - not a settings check: left to the run
            return None
    return None


def _checks_itself(cls, names: set[str]) -> bool:
    """Whether ``cls.check_options`` covers ``names``: a class's own ``check_options``, or the
    declared one with every name declared."""
    from ..explainers import Explainer

    own = getattr(getattr(cls, "check_options", None), "__func__", None)
    if own is not Explainer.check_options.__func__:
        return True
    declared = {*getattr(cls, "_settings", {}), *getattr(cls, "_call_options", {})}
    return names <= declared


def _parameters(fn) -> list[str]:
    import inspect

    return list(inspect.signature(fn).parameters)


def load_config(path: str | Path, **overrides: Any) -> RunConfig:
    """Read a JSON or TOML configuration file; ``overrides`` (not None) replace its values.

    Examples
    --------
    >>> from pathlib import Path
    >>> from freqxai.runner import load_config
    >>> _ = Path("run.toml").write_text('''
    ... dataset = "synthetic"
    ... n_test = 20
    ... methods = ["freqrise", "flex"]
    ... ''')
    >>> cfg = load_config("run.toml", n_test=8)     # overrides replace the file's values
    >>> cfg.dataset, cfg.n_test, cfg.methods
    ('synthetic', 8, ['freqrise', 'flex'])
    """
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
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"config {path} is not valid TOML: {err}") from err
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"config {path} is not valid JSON: {err}") from err
    names = {f.name for f in dataclasses.fields(RunConfig)}
    if not isinstance(data, dict):
        raise ValueError(f"config {path} must hold a mapping of settings to values, e.g. "
                         f'{{"methods": ["freqrise"]}}; it holds a {type(data).__name__}')
    bad = sorted(set(data) - names, key=str)
    if bad:
        raise ValueError(f"unknown config keys {bad} in {path}; valid keys: {sorted(names)}")
    data.update({k: v for k, v in overrides.items() if v is not None})
    return make_config(**data)


def make_config(**values: Any) -> RunConfig:
    """A :class:`RunConfig` from field values, type errors turned into one ``ValueError`` that
    names every bad field, its value and the expected type.

    Examples
    --------
    >>> from freqxai.runner import make_config
    >>> cfg = make_config(dataset="uea", name="BasicMotions", n_masks=500)
    >>> type(cfg).__name__, cfg.name, cfg.n_masks
    ('RunConfig', 'BasicMotions', 500)
    >>> make_config(n_test="many")
    Traceback (most recent call last):
        ...
    ValueError: invalid run configuration: n_test: input should be a valid integer (got 'many')
    """
    try:
        return RunConfig(**values)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"]) or "config"
            lines.append(f"{where}: {e['msg'].lower()} (got {e.get('input')!r:.60})")
        raise ValueError(_invalid(lines)) from None

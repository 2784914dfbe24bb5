"""Run an experiment: chunks of work through ``lightning.Trainer.predict``, then one HDF5 file.

Each prediction "batch" is one (method, chunk of test signals) item; the LightningModule explains
and scores it in every pending domain (gradient methods once in time, projected into each), and a
prediction writer saves one shard per domain. With ``devices > 1`` or ``num_nodes > 1``
Lightning's DDP strategy (gloo on CPU, NCCL on GPUs) spreads the items over processes, started
by Lightning itself or by a cluster launcher (torchrun, SLURM's srun: Lightning's cluster
environments). Only global rank 0 reads and writes the run folder's state (results.h5, the lock);
the other processes take its list of work items once connected and write only their shards. Every
item has its own seed, so the numbers do not depend on how items are distributed, and a resumed
run recomputes exactly the items whose shards are missing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import signal
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import BasePredictionWriter
from torch.utils.data import Dataset

from .. import __version__
from .._io import atomic_path
from ..metrics.faithfulness import DEFAULT_FRACTIONS
from ..ragged import coefficient_grid
from .budget import forward_flops
from .compute import explain_and_score_ragged, explain_chunk_domains, score_chunk
from .config import RunConfig
from .sanity_phase import run_sanity_phase
from .sources import load_task
from .store import RESULTS, ResultStore, save_shard, shard_path, unit_name
from .tasks import Task, data_hash

log = logging.getLogger(__name__)
# What a run is doing, one line per phase (loading, training, explaining, writing): the CLI shows
# them (unless --quiet); Lightning's own bars only with --verbose.
phases = logging.getLogger("freqxai.progress")

__all__ = ["run", "RunSummary", "Terminated"]


@dataclass
class RunSummary:
    """What :func:`freqxai.runner.run_experiment` returns: the run folder and what the call did.

    Attributes
    ----------
    run_dir : Path
        The run folder.
    n_items : int
        Work items of the run (a method and a chunk of signals, with its domains).
    n_computed : int
        Work items this call computed (0: the run was complete already).
    seconds : float
        Wall time of the call.
    test_accuracy : float
        The model's accuracy on the test signals.
    estimated_seconds : float or None
        The explanation phase's estimated time, made before it started (None: no estimate).
    explain_seconds : float
        The explanation phase's time.

    Examples
    --------
    >>> from pathlib import Path
    >>> from freqxai.runner import RunSummary
    >>> summary = RunSummary(Path("run"), n_items=2, n_computed=2, seconds=3.1, test_accuracy=0.95)
    >>> summary.estimated_seconds, summary.explain_seconds     # the defaults
    (None, 0.0)

    :func:`~freqxai.runner.run_experiment` returns one (its example runs a tiny experiment).
    """

    run_dir: Path
    n_items: int
    n_computed: int
    seconds: float
    test_accuracy: float
    # the explanation phase: its estimate before it started (None: no estimate) and its time
    estimated_seconds: float | None = None
    explain_seconds: float = 0.0


Item = tuple[str, int, tuple[str, ...]]  # method, chunk, pending domains


def _log_estimate(cfg: RunConfig, task: Task, items: list[Item]) -> float | None:
    """Time each method on a few signals (:mod:`.estimate`) and log the estimated time of the
    explanation phase and of the sanity checks before they start; the explanation phase's
    seconds, or None where no estimate is made (an accelerator: the probe runs on the CPU).
    The cost model of :mod:`.estimate`: the probe's costs summed over the work items left and
    divided among the processes that run at once (:func:`.estimate.effective_devices`: on a
    busy machine, only as many as the free cores hold), plus the extra processes' start
    (:func:`.estimate.startup_seconds`). Series of unequal length are probed one series of the
    median length at a time, each length group of a work item scaled to its own length
    (:func:`.estimate.length_shapes`)."""
    from ..sanity import randomizable_layers
    from .budget import IMPORT_SECONDS
    from .estimate import (
        effective_devices,
        estimate_text,
        length_shapes,
        probe_costs,
        retrain_seconds,
        startup_seconds,
    )
    from .sanity_phase import PERMUTED_MODEL, _trained_by_run, sanity_size, swap_size
    from .sources.base import training_record

    if cfg.accelerator != "cpu":
        return None
    if cfg.threads is not None:  # timed as the work items will run
        torch.set_num_threads(cfg.threads)
    work: dict[str, list[tuple]] = {}
    lengths = None if task.lengths is None else np.asarray(task.lengths, dtype=np.int64)
    for method, chunk, domains in items:  # what is left to do (a resumed run: the missing part)
        rows = min(cfg.chunk_size, len(task.X) - chunk * cfg.chunk_size)
        share = len(domains) / len(cfg.domains)
        if lengths is None:
            work.setdefault(method, []).append((rows, share))
        else:  # one group per length, each explained on its own (explain_and_score_ragged)
            start = chunk * cfg.chunk_size
            sizes, counts = np.unique(lengths[start:start + rows], return_counts=True)
            work.setdefault(method, []).extend(
                (int(k), share, int(n)) for n, k in zip(sizes, counts, strict=True))
    costs = probe_costs(task.model, cfg, task.X, task.y, task.ground_truth, list(work),
                        lengths=task.lengths)
    if lengths is not None:  # each length group at its own shape
        for method, entries in work.items():
            shapes = length_shapes(task.model, cfg, method, task.X.shape[1],
                                   {n for _, _, n in entries})
            work[method] = [(k, share, shapes.get(n)) for k, share, n in entries]
    cores = os.cpu_count() or 1
    # the processes of one node share its cores; every node runs as many (a shared machine's
    # load is read on this one)
    devices = effective_devices(cfg.devices, cores=cores, threads=cfg.threads,
                                busy=_busy_cores(cores) if cfg.devices > 1 else 0.0
                                ) * cfg.num_nodes
    n_sanity = sanity_size(cfg)
    steps = swap_steps = 0
    retrain: float | None = 0.0
    if n_sanity and isinstance(task.model, torch.nn.Module):
        steps = len(randomizable_layers(task.model)) + 1  # cascading, plus the trained model
        swap_steps = 2  # the model-swap test: the trained and the layer-randomized model's maps
        if _trained_by_run(cfg) is None:  # and the same for a model retrained on permuted labels
            steps, swap_steps = steps + 2, swap_steps + 2
            if not (Path(cfg.out) / PERMUTED_MODEL).is_file():
                retrain = retrain_seconds(training_record(cfg.out), cfg.epochs)
    text, seconds = estimate_text(costs, work, devices=devices,
                                  startup=startup_seconds(cfg.devices * cfg.num_nodes,
                                                          IMPORT_SECONDS),
                                  sanity_signals=n_sanity, sanity_steps=steps,
                                  swap_signals=swap_size(cfg), swap_steps=swap_steps,
                                  retrain=retrain, quick=cfg.quick)
    phases.info("%s", text)
    return seconds


class _Items(Dataset):
    def __init__(self, items: list[Item]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> int:
        return i


class _ExplainModule(L.LightningModule):
    """Explains and scores work items. Rank 0 builds it with its task and items; the other
    processes of a multi-process run build it empty, with ``load``, and take rank 0's items in
    :meth:`setup`, then load their task."""

    def __init__(self, task: Task | None, cfg: RunConfig, items: list[Item],
                 load: Callable[[], Task] | None = None) -> None:
        super().__init__()
        self.task = None
        self.cfg = cfg
        self.items = items
        self.load = load
        # fewer items than processes (a resumed run's last ones): a process may get none
        self.allow_zero_length_dataloader_with_multiple_devices = True
        if task is not None:
            self._use(task)

    def _use(self, task: Task) -> None:
        # kept out of the module tree: Lightning switches registered modules between train and
        # eval, which compiled graphs (TorchScript, torch.export) refuse; the model stays as loaded
        object.__setattr__(self, "_net", task.model)
        self.task = task
        # series of unequal length: relevance is stored NaN-padded to the run's largest grid
        self.grids = ({d: coefficient_grid(self.cfg.domain(d), task.lengths)
                       for d in self.cfg.domains} if task.lengths is not None else {})

    def setup(self, stage: str) -> None:
        # Rank 0's work items (and methods) for every process, once they are connected: only
        # rank 0 reads the run folder's state, which it may be writing while processes a
        # launcher started with it (torchrun, srun) get here
        items, methods = self.trainer.strategy.broadcast(
            (self.items, self.cfg.methods) if self.task is not None else None, src=0)
        if self.task is None:
            self.items, self.cfg.methods = items, methods
            if items:
                _check_shared(Path(self.cfg.out))
                self._use(self.load())

    def predict_dataloader(self):
        return torch.utils.data.DataLoader(_Items(self.items), batch_size=1, shuffle=False)

    @property
    def net(self):
        return self._net

    def on_predict_start(self) -> None:
        if self.device.type != "cpu":
            self._net.to(self.device)
        if self.cfg.threads is not None:
            torch.set_num_threads(self.cfg.threads)

    def predict_step(self, batch, batch_idx):
        i = int(batch[0])
        method, chunk, domains = self.items[i]
        sl = slice(chunk * self.cfg.chunk_size, (chunk + 1) * self.cfg.chunk_size)
        x = torch.from_numpy(self.task.X[sl]).to(self.device)
        y = torch.from_numpy(self.task.y[sl]).to(self.device)
        if self.task.lengths is not None:  # series of unequal length: each at its own length
            with torch.enable_grad():
                return i, explain_and_score_ragged(self.net, self.cfg, method, list(domains), x, y,
                                                   self.task.lengths[sl], chunk, self.grids)
        with torch.enable_grad():  # gradient methods need autograd inside predict
            rels = explain_chunk_domains(self.net, self.cfg, method, list(domains), x, y, chunk)
        out = {}
        for domain, (rel, certainty) in rels.items():
            truth = self.task.ground_truth(self.cfg.domain(domain))
            scores = score_chunk(self.net, self.cfg, method, domain, x, y, rel,
                                 truth[sl] if truth is not None else None)
            out[domain] = {"relevance": rel.detach().float().cpu().numpy(), **certainty, **scores}
        return i, out


class _ShardWriter(BasePredictionWriter):
    def __init__(self, run_dir: Path, warning_log: _WarningLog) -> None:
        super().__init__(write_interval="batch")
        self.run_dir = run_dir
        self.warning_log = warning_log

    def write_on_batch_end(self, trainer, pl_module, prediction, batch_indices, batch, batch_idx,
                           dataloader_idx):
        i, per_domain = prediction
        method, chunk, _ = pl_module.items[i]
        self.warning_log.flush()  # before the shards: a chunk on disk has its warnings on disk
        for domain, arrays in per_domain.items():
            save_shard(shard_path(self.run_dir, method, domain, chunk), arrays)


def _chunks(cfg: RunConfig, n: int) -> int:
    return -(-n // cfg.chunk_size)


def _merge_complete_units(cfg: RunConfig, task: Task, store: ResultStore) -> list[str]:
    """Move units whose shards are all present from shards into results.h5."""
    run_dir = Path(cfg.out)
    done = store.completed_units()
    n_chunks = _chunks(cfg, len(task.X))
    units, unit_attrs, merged = {}, {}, []
    for method, domain in cfg.units():
        name = unit_name(method, domain)
        paths = [shard_path(run_dir, method, domain, c) for c in range(n_chunks)]
        if name in done or not all(p.is_file() for p in paths):
            continue
        units[name] = paths  # read one shard at a time while writing (ResultStore.write_shards)
        dom = cfg.domain(domain)
        unit_attrs[name] = {"method": method, "domain": domain, "domain_repr": repr(dom)}
        merged.append(name)
    if units:
        store.write_shards(units, unit_attrs)
        for method, domain in cfg.units():
            if unit_name(method, domain) in merged:
                for c in range(n_chunks):
                    shard_path(run_dir, method, domain, c).unlink(missing_ok=True)
    return merged


def _record(cfg: RunConfig, task: Task, store: ResultStore,
            left_out: dict[str, str] | None = None) -> None:
    """Write (or check) the run's identity: config, versions, seeds, data hashes, and the methods
    left out of the default set with their reasons."""
    key = cfg.result_key()
    ragged = {} if task.lengths is None else {"lengths": task.lengths}
    digest = data_hash(task.X, task.y, *ragged.values())
    if store.exists():
        attrs = store.read_attrs()
        if attrs.get("result_key") != key or attrs.get("data_sha256") != digest:
            raise ValueError(
                f"{store.path} holds results of a different configuration or test set; "
                "use another --out folder (or delete it) to start a new run"
            )
        return
    axes = {}
    for d in cfg.domains:
        # fs 0.0 stands for "unknown" (HDF5 attributes hold no None): cycles per sample
        for name, values in cfg.domain(d).axes(task.X.shape[-1], task.fs or None).items():
            axes[f"axes/{d}/{name}"] = np.asarray(values)
    store.write(
        attrs={
            "config": cfg.to_dict(), "result_key": key, "data_sha256": digest,
            "freqxai_version": __version__, "torch_version": torch.__version__,
            "seed": cfg.seed, "fs": task.fs, "model_source": task.model_source,
            "model_sha256": task.model_sha256,
            "class_names": list(task.class_names or []),
            "channel_names": list(task.channel_names or []),
            "test_accuracy": task.test_accuracy,
            "methods_left_out": dict(left_out or {}),
            # FLOPs of one forward on one signal (0: not counted): FreqRISE's mask budget
            "forward_flops": forward_flops(task.model, task.X.shape[1], task.X.shape[-1]) or 0.0,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        data={"X": task.X, "y": task.y, "fractions": np.asarray(DEFAULT_FRACTIONS), **axes,
              **ragged},
    )


def _check_methods(cfg: RunConfig, task: Task) -> dict[str, str]:
    """Decide the methods before computing, from what the model allows and what each method
    needs (:func:`freqxai.adapters.method_support`, building each method once, one gradient
    probe on one input).

    With methods left to their default, the run uses every method that can explain this model
    and returns the others with their reason (``{"lrp": "needs eager modules ..."}``), which the
    terminal, results.md and report.html name. Methods asked for by name that cannot run are
    refused here, in one message naming the methods that can, not after shards exist.
    """
    from .._validation import model_device
    from ..explainers import explainer_class, get_explainer, method_support
    from ..explainers.base import check_differentiable

    reasons = {m: why for m, why in method_support(task.model, cfg.methods).items() if why}
    for method in cfg.methods:
        if method in reasons:
            continue
        for domain in cfg.domains:  # every domain of the run: one may have no map of it
            init, _ = cfg.explainer_settings(method, domain, task.X.shape[-1], 0)
            try:
                get_explainer(method, task.model, cfg.domain(domain), **init)
            except (TypeError, ValueError) as err:
                reasons[method] = str(err)
                break
    gradient_methods = [m for m in cfg.methods
                        if explainer_class(m).needs_gradients and m not in reasons]
    if gradient_methods:
        x = torch.as_tensor(task.X[:1], dtype=torch.float32)
        try:
            check_differentiable(task.model, x.to(model_device(task.model)))
        except TypeError:
            for m in gradient_methods:
                reasons[m] = ("needs gradients; the model has none with respect to its input "
                              "(its forward leaves torch, e.g. numpy inside, or runs under no_grad)")
    runnable = [m for m in cfg.methods if m not in reasons]
    if reasons and (cfg.methods_given or not runnable):
        raise ValueError(
            "methods that cannot run on this model (remove them from --methods):\n  - "
            + "\n  - ".join(f"{m}: {why}" for m, why in reasons.items())
            + f"\nmethods that can run: {', '.join(runnable) or 'none'}")
    cfg.methods = runnable
    return reasons


def run(cfg: RunConfig, progress: bool = True, callbacks: list[L.Callback] | None = None, *,
        verbose: bool = False, finish: Callable[[Path], Any] | None = None) -> RunSummary | None:
    """Compute every pending (method, domain, chunk) and merge the results into results.h5, then
    the band checks and the sanity checks it lacks. The public
    :func:`freqxai.runner.run_experiment` runs this, then writes the report.

    Parameters
    ----------
    cfg : RunConfig
    progress : bool
        Show one progress bar over the explanation work (the phases are logged to the
        ``freqxai.progress`` logger at INFO level; the CLI prints them).
    verbose : bool
        Lightning's own progress bars (training epochs, prediction batches) instead.
    callbacks : list of lightning callbacks, optional
        Added to the attribution ``Trainer`` (e.g. custom monitoring).
    finish : callable, optional
        Called with the run folder as the run's last step, in the process that reports, while the
        run still holds the folder and records its warnings (the report:
        :func:`freqxai.runner.run_experiment`).

    Returns
    -------
    RunSummary, or None in the extra processes of a multi-process run (only rank 0 reports).

    Raises
    ------
    Terminated
        When the process receives SIGTERM during the run (``kill``, ``timeout``, a scheduler): it
        stops like Ctrl-C (a ``KeyboardInterrupt``), finished chunks are kept, and the same call
        resumes the run.
    """
    t0 = time.perf_counter()
    run_dir = Path(cfg.out)
    # the global rank (LOCAL_RANK is 0 on every node): only rank 0 creates, locks, records,
    # merges and reports; the others compute their share of the work items
    rank, env = _launch(cfg)
    # Only the process whose mkdir made the folder (one winner, atomically) may remove it again,
    # and only with the lock held: a failed start leaves no empty folder behind, and a run that
    # loses the lock to another one started at the same moment never removes the winner's.
    created = rank == 0 and _create_folder(run_dir)
    try:
        with _sigterm_as_interrupt():
            cfg.validate(create_out=rank == 0)  # every problem reported before any compute
            _check_launch(cfg, env)
            # One run writes a folder at a time: a second run on the same --out is refused (the
            # extra processes of a multi-process run belong to the run that holds the lock).
            lock = contextlib.nullcontext() if rank else _folder_lock(run_dir)
            with lock:
                return _run_locked(cfg, run_dir, rank, t0, progress, callbacks, verbose,
                                   finish, env)
    except BaseException:
        if created:
            _remove_if_unused(run_dir)
        raise


def _launch(cfg: RunConfig):
    """This process's global rank, before any trainer exists, and the cluster environment that
    started it, found the way ``lightning.Trainer`` finds them (its cluster environments, in its
    order): torchrun (``RANK``), SLURM's srun (``SLURM_PROCID``), LSF, MPI; else Lightning's own
    launch, whose extra processes get ``NODE_RANK`` and ``LOCAL_RANK``."""
    from lightning.fabric.plugins.environments import (
        LightningEnvironment,
        LSFEnvironment,
        MPIEnvironment,
        SLURMEnvironment,
        TorchElasticEnvironment,
    )

    for env_type in (TorchElasticEnvironment, SLURMEnvironment, LSFEnvironment, MPIEnvironment):
        if env_type.detect():
            try:
                env = env_type()
            except RuntimeError as err:  # (srun given --ntasks without --ntasks-per-node)
                raise ValueError(str(err)) from None
            return env.global_rank(), env
    env = LightningEnvironment()
    per_node = cfg.devices if isinstance(cfg.devices, int) and cfg.devices > 0 else 1
    return env.node_rank() * per_node + env.local_rank(), env


def _check_launch(cfg: RunConfig, env) -> None:
    """The processes a launcher started must be the run's ``devices`` x ``num_nodes`` (Lightning's
    own check, made before any compute)."""
    from lightning.fabric.plugins.environments import LightningEnvironment

    if isinstance(env, LightningEnvironment):
        return
    try:
        env.validate_settings(num_devices=cfg.devices, num_nodes=cfg.num_nodes)
    except ValueError as err:
        raise ValueError(f"--devices {cfg.devices} and --num-nodes {cfg.num_nodes} do not match "
                         f"the processes the launcher started: {err}") from None


def _check_shared(run_dir: Path) -> None:
    """A process other than rank 0 sees the run folder rank 0 has written: the folder must be on
    a file system every node shares."""
    if not (run_dir / RESULTS).is_file():
        import socket

        raise FileNotFoundError(
            f"{run_dir / RESULTS}, written by rank 0 of this run, is not visible on "
            f"{socket.gethostname()}: the run folder (--out) must be on a file system every "
            "node shares")


class Terminated(KeyboardInterrupt):
    """The run received SIGTERM and stopped the way Ctrl-C stops it: chunks already computed are
    kept, and the same command resumes (the command line exits with 143)."""


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """For the duration of a run, SIGTERM takes Ctrl-C's path, then the previous handler returns.

    Lightning's own SIGTERM handler only sets a flag that prediction never reads, so ``kill`` left
    the run going. Here the first SIGTERM raises ``KeyboardInterrupt`` (Lightning stops cleanly and
    turns it into ``sys.exit(1)``; :func:`_run` turns that back), and whatever the run raises then
    comes out as :class:`Terminated`. Signal handlers belong to the main thread: elsewhere nothing
    changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def on_sigterm(signum, frame):
        if not received:  # a second SIGTERM does not cut the clean stop short
            received.append(signum)
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    except (KeyboardInterrupt, SystemExit) as err:
        if received:
            raise Terminated("terminated by SIGTERM") from err
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


LOCK_NAME = ".freqxai.lock"


def _create_folder(run_dir: Path) -> bool:
    """Create the run folder; True only in the process whose ``mkdir`` made it."""
    try:
        run_dir.mkdir(parents=True)
    except OSError:  # it exists (an earlier run's, or a concurrent one's) or cannot be made:
        return False  # validate() says why in the second case
    return True


def _remove_if_unused(run_dir: Path) -> None:
    """Remove a folder this process created when a failed start left nothing in it but the lock
    file, and only while holding the lock: a run that has taken the folder in the meantime (it
    holds the lock, or has written something) keeps it."""
    from filelock import FileLock, Timeout

    lock_path = run_dir / LOCK_NAME
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return
    try:
        if any(p.name != LOCK_NAME for p in run_dir.iterdir()):
            return
        # Unlinked while held: a run opening the lock file from now on makes a new one, which
        # keeps the folder (rmdir below fails and leaves it).
        lock_path.unlink(missing_ok=True)
    finally:
        lock.release()
    with contextlib.suppress(OSError):
        run_dir.rmdir()


def _folder_lock(run_dir: Path):
    from filelock import FileLock, Timeout

    lock = FileLock(run_dir / LOCK_NAME)
    try:
        lock.acquire(timeout=0)
    except Timeout as err:
        raise ValueError(f"{run_dir} is being written by another freqxai run; wait for it to "
                         "finish or use another --out") from err
    return _Held(lock)


class _Held(contextlib.AbstractContextManager):
    """The run folder's lock while a run writes it. On release the lock file is unlinked while
    still held, so a finished run folder holds only its results: a run that opens the lock file
    from then on makes a new one (and locks that); only a run that opened the old file in the
    moment between unlink and release could lock the same folder at once, and it finds the
    results complete (its work items are done)."""

    def __init__(self, lock) -> None:
        self.lock = lock

    def __exit__(self, *exc) -> None:
        try:
            Path(self.lock.lock_file).unlink(missing_ok=True)
        finally:
            self.lock.release()


MAX_WARNINGS = 200  # distinct warning messages kept in results.h5


class _WarningLog:
    """The run's own warnings, saved as they happen beside the shards (one JSON file per process
    and call), so that a run stopped by Ctrl-C, SIGTERM or even SIGKILL keeps them: the run that
    completes the folder folds every earlier part's warnings into results.h5 and its report."""

    def __init__(self, run_dir: Path, rank: int, caught: list) -> None:
        self.dir = run_dir / "shards"
        # a fresh name per call: a resumed run never overwrites the part before it
        self.path = self.dir / f"warnings-{rank}-{uuid.uuid4().hex[:12]}.json"
        self.caught = caught
        self.saved = 0
        self.closed = False

    def messages(self) -> list[str]:
        return list(dict.fromkeys(_messages(self.caught)))

    def flush(self) -> None:
        """Save the messages caught so far (nothing to do when there is no new one)."""
        messages = self.messages()
        if self.closed or len(messages) == self.saved:
            return
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(messages[:MAX_WARNINGS]))
        self.saved = len(messages)

    def commit(self, store: ResultStore) -> None:
        """Write the warnings of every part and process of the run into results.h5, in the order
        they came, and remove the saved files."""
        files = sorted(self.dir.glob("warnings-*.json"), key=lambda p: p.stat().st_mtime_ns)
        previous = store.read_attrs().get("warnings")
        previous = json.loads(previous) if isinstance(previous, str) else []
        saved = [m for p in files for m in json.loads(p.read_text())]
        store.write(attrs={"warnings": list(dict.fromkeys(previous + saved + self.messages()))[
            :MAX_WARNINGS]})
        for p in files:
            p.unlink(missing_ok=True)
        self.closed = True


def _busy_cores(cores: int, window: float = 0.3) -> float:
    """How many cores other work keeps busy now: the lower of the 1-minute load average and the
    busy share of ``/proc/stat`` over ``window`` seconds (this process idles meanwhile). The load
    average alone lags: a minute after a job ends it still reads 1.5 on an idle machine, and the
    run would take half the cores for nothing."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    try:
        def sample() -> tuple[int, int]:
            with open("/proc/stat") as f:
                values = [int(v) for v in f.readline().split()[1:]]
            idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
            return sum(values), idle

        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return load
    if total1 <= total0:
        return load
    return min(load, cores * (1 - (idle1 - idle0) / (total1 - total0)))


@contextlib.contextmanager
def _threads_for_the_load(cfg: RunConfig):
    """Without ``threads``, a run on a busy machine uses the cores the others leave free (at least
    one): torch's threads spin-wait for each other, so two threads on 2 cores that another job
    also uses ran 20-40x slower than one (a 20-epoch BasicMotions training: 14.8 s against 0.38 s;
    ACSF1 --quick: 266 s under load against 68 s quiet). Float results change only in the order
    of reductions (about 1e-7); pin ``threads`` for bit-identical runs. The setting is restored
    after the run."""
    before = torch.get_num_threads()
    cores = os.cpu_count() or 1
    load = _busy_cores(cores)
    n = None
    if cfg.threads is None and cfg.devices == 1 and cfg.accelerator == "cpu" and before > 1:
        free = math.ceil(cores - load - 0.25)  # (a core a quarter busy counts as taken)
        if free < before:
            n = max(1, free)
            phases.info("the machine is busy (load %.1f on %d cores): %d thread%s for this run "
                        "(--threads sets it)", load, cores, n, "" if n == 1 else "s")
            torch.set_num_threads(n)
    try:
        yield n
    finally:
        if n is not None:
            torch.set_num_threads(before)


def _run_locked(cfg: RunConfig, run_dir: Path, rank: int, t0: float, progress: bool,
                callbacks: list[L.Callback] | None, verbose: bool = False,
                finish: Callable[[Path], Any] | None = None, env=None) -> RunSummary | None:
    # Every warning of the run is recorded (once per message) for report.html, and still shown.
    with warnings.catch_warnings(record=True) as caught, _threads_for_the_load(cfg):
        warnings.simplefilter("default")
        warning_log = _WarningLog(run_dir, rank, caught)
        try:
            if rank:
                _follow(cfg, run_dir, callbacks, warning_log, verbose)
                return None
            return _run(cfg, run_dir, t0, progress, callbacks, warning_log, verbose, finish, env)
        finally:
            if rank == 0 and (run_dir / RESULTS).is_file():
                warning_log.flush()  # an interrupted or failed run: the resumed run reports them
            messages = list(dict.fromkeys(_messages(caught)))
            for message in messages:  # each one with --verbose; all are in report.html
                log.info("%s", message)
            if messages and not log.isEnabledFor(logging.INFO):
                phases.info("%d warning%s raised, listed in report.html (--verbose prints them)",
                            len(messages), "" if len(messages) == 1 else "s")


_NOISE = ("does not have many workers", "LeafSpec", "is deprecated", "Consider setting")


def _messages(caught) -> list[str]:
    """The run's own warnings (explainers, metrics, data), without library chatter."""
    return [str(w.message) for w in caught if not any(n in str(w.message) for n in _NOISE)]


class _ExplainProgress(L.Callback):
    """One progress bar over the run's work items (Lightning's "Predicting DataLoader 0" bar
    only with --verbose); its rate is the average since the start, which the chunk-major item
    order keeps steady."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def on_predict_start(self, trainer, pl_module) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=self.total, desc="explaining", unit="item", smoothing=0,
                        dynamic_ncols=True)

    def on_predict_batch_end(self, trainer, pl_module, outputs, batch, batch_idx,
                             dataloader_idx=0) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def on_predict_end(self, trainer, pl_module) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    on_exception = lambda self, trainer, pl_module, exception: self.on_predict_end(  # noqa: E731
        trainer, pl_module)


def _trainer(cfg: RunConfig, run_dir: Path, warning_log: _WarningLog,
             callbacks: list[L.Callback], verbose: bool) -> L.Trainer:
    # (each process's "Initializing distributed: GLOBAL_RANK ..." line only with --verbose)
    logging.getLogger("lightning.fabric").setLevel(logging.INFO if verbose else logging.WARNING)
    strategy = cfg.strategy
    if strategy == "auto" and cfg.devices * cfg.num_nodes > 1:
        strategy = "ddp"  # (Lightning's auto picks ddp_fork in notebooks)
    return L.Trainer(
        accelerator=cfg.accelerator, devices=cfg.devices, num_nodes=cfg.num_nodes,
        strategy=strategy, logger=False, enable_checkpointing=False, enable_model_summary=False,
        enable_progress_bar=verbose, inference_mode=False,
        callbacks=[_ShardWriter(run_dir, warning_log), *callbacks],
    )


def _predict(trainer: L.Trainer, module: _ExplainModule) -> None:
    """``trainer.predict``, then a barrier: every process has written its shards before rank 0
    merges them (here, not at the end of the prediction: a process given no item skips its
    hooks). A process of a multi-process run that loses the others (a node died, rank 0 failed
    before the prediction) stops with one ``ConnectionError`` that says how to resume."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*LeafSpec.*is deprecated.*")
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        warnings.filterwarnings("ignore", ".*Total length of `DataLoader` across ranks is zero.*")
        try:
            trainer.predict(module, return_predictions=False)
        except SystemExit as err:  # Lightning turns Ctrl-C into sys.exit(1)
            if trainer.interrupted or isinstance(err.__context__, KeyboardInterrupt):
                raise KeyboardInterrupt from err
            raise
        except torch.distributed.DistError as err:  # (connecting, broadcasting)
            raise _lost_peers(trainer, err) from err
    try:
        trainer.strategy.barrier("freqxai-shards-written")
    except RuntimeError as err:  # (gloo's "Connection closed by peer", a timeout)
        raise _lost_peers(trainer, err) from err


def _lost_peers(trainer: L.Trainer, err: Exception) -> ConnectionError:
    return ConnectionError(
        f"another process of this {trainer.world_size}-process run stopped before the end (a "
        "node died or was killed, or rank 0 failed: see its message); the work items this one "
        "finished are kept: run the same command again to resume "
        f"({type(err).__name__}: {' '.join(str(err).split())[:200]})")


def _follow(cfg: RunConfig, run_dir: Path, callbacks: list[L.Callback] | None,
            warning_log: _WarningLog, verbose: bool) -> None:
    """A process other than rank 0 of a multi-process run: it joins the prediction at once,
    takes rank 0's work items there (:meth:`_ExplainModule.setup`), then loads the data and the
    model (a model the run trains is rank 0's, trained and saved in the run folder by then), and
    writes its shards and warnings, nothing else."""
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    trainer = _trainer(cfg, run_dir, warning_log, list(callbacks or []), verbose)
    _predict(trainer, _ExplainModule(None, cfg, [], load=lambda: load_task(cfg, verbose)))


def _run(cfg: RunConfig, run_dir: Path, t0: float, progress: bool,
         callbacks: list[L.Callback] | None, warning_log: _WarningLog,
         verbose: bool = False, finish: Callable[[Path], Any] | None = None, env=None
         ) -> RunSummary | None:
    """Rank 0's run (the only one of a one-process run)."""
    phases.info("loading the %s data and model", cfg.dataset)
    task = load_task(cfg, verbose)  # a model the run trains: trained here, once
    left_out = _check_methods(cfg, task)
    by_reason: dict[str, list[str]] = {}
    for method, why in left_out.items():
        by_reason.setdefault(why, []).append(method)
    for why, methods in by_reason.items():
        phases.info("left out %s: %s", ", ".join(methods), why)
    store = ResultStore(run_dir)
    _record(cfg, task, store, left_out)
    _merge_complete_units(cfg, task, store)  # shards left by an interrupted run
    # temporary files of shards whose writer died (a killed node): no process writes yet
    for stale in (run_dir / "shards").glob(".*.tmp.npz"):
        stale.unlink(missing_ok=True)
    done = store.completed_units()
    n_chunks = _chunks(cfg, len(task.X))
    items: list[Item] = []
    # chunk-major order: every stretch of the run mixes slow and fast methods, so the progress
    # bar's rate (and ETA) holds from the start
    for c in range(n_chunks):
        for method in cfg.methods:
            pending = tuple(d for d in cfg.domains if unit_name(method, d) not in done
                            and not shard_path(run_dir, method, d, c).is_file())
            if pending:
                items.append((method, c, pending))
    computed = sum(len(it[2]) for it in items)  # (method, domain, chunk) results to compute
    logging.getLogger("lightning.pytorch").setLevel(logging.WARNING)
    estimated = _log_estimate(cfg, task, items) if items else None
    started, explained = time.perf_counter(), 0.0
    # The processes a launcher started (torchrun, srun: each runs the whole command from the
    # start) wait for rank 0's items even when there are none; Lightning starts its own only
    # for a prediction
    launched = env is not None and env.creates_processes_externally
    if items or launched and cfg.devices * cfg.num_nodes > 1:
        if items:
            phases.info("explaining %d test signals: %s x %s (%d work items)", len(task.X),
                        ", ".join(cfg.methods), ", ".join(cfg.domains), computed)
        bar = [_ExplainProgress(len(items))] if progress and not verbose and items else []
        trainer = _trainer(cfg, run_dir, warning_log, [*bar, *(callbacks or [])], verbose)
        _predict(trainer, _ExplainModule(task, cfg, items))
        if trainer.global_rank != 0:  # (a launcher that disagrees with the ranks read above)
            raise RuntimeError(f"rank {trainer.global_rank} ran as rank 0")
        explained = time.perf_counter() - started
        if estimated is not None:  # the estimate beside what it took, so a wrong one is seen
            from .estimate import format_seconds

            phases.info("explained in %s (estimated %s)", format_seconds(explained),
                        format_seconds(estimated))
    _merge_complete_units(cfg, task, store)
    missing = {unit_name(m, d) for m, d in cfg.units()} - store.completed_units()
    if missing:
        raise RuntimeError(f"units still incomplete after the run: {sorted(missing)}")
    warning_log.commit(store)  # this part's warnings, those of earlier parts and other processes
    shards = run_dir / "shards"
    if shards.is_dir() and not any(shards.iterdir()):
        shards.rmdir()
    from .answer import band_interventions

    if "band_interventions" not in store.read_attrs():
        phases.info("checking each class's top bands by keeping and removing them")
        store.write(attrs={"band_interventions": band_interventions(store, task.model)})
    run_sanity_phase(cfg, task, store, progress=verbose)  # the tables results.h5 lacks
    if finish is not None:
        finish(run_dir)
    return RunSummary(run_dir, len(cfg.units()) * n_chunks, computed, time.perf_counter() - t0,
                      task.test_accuracy, estimated, explained)

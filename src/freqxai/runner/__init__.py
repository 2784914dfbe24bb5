"""Experiment runner: configuration, data sources, distributed attribution, HDF5 results.

:func:`run_experiment` runs an experiment (the engine, :mod:`.engine`) and writes its report.
Names are loaded on first use: the command line reads the data sources (:mod:`.sources`) to build
its parser without loading the configuration, Lightning or the report.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .config import RunConfig
    from .engine import RunSummary

__all__ = [
    "ResultStore",
    "RunConfig",
    "RunSummary",
    "load_config",
    "make_config",
    "run_experiment",
    "write_report",
]

# public name -> module of this package that defines it
_LAZY = {"RunConfig": "config", "load_config": "config", "make_config": "config",
         "ResultStore": "store", "RunSummary": "engine"}


def run_experiment(cfg: RunConfig, progress: bool = True, callbacks: list | None = None, *,
                   verbose: bool = False) -> RunSummary | None:
    """Run an experiment, then write its report (summary.csv, tables, figures, report.html).

    Every pending (method, domain, chunk) is computed and merged into ``results.h5`` with the
    band checks and the sanity checks it lacks (:func:`freqxai.runner.engine.run`); the report
    is written last, while the run still holds its folder.

    Parameters
    ----------
    cfg : RunConfig
    progress : bool
        Show one progress bar over the explanation work (the phases are logged to the
        ``freqxai.progress`` logger at INFO level; the CLI prints them).
    callbacks : list of lightning callbacks, optional
        Added to the attribution ``Trainer`` (e.g. custom monitoring).
    verbose : bool
        Lightning's own progress bars (training epochs, prediction batches) instead.

    Returns
    -------
    RunSummary, or None in the extra processes of a multi-process run (only rank 0 reports).

    Raises
    ------
    freqxai.runner.engine.Terminated
        When the process receives SIGTERM during the run: it stops like Ctrl-C, finished chunks
        are kept, and the same call resumes the run.

    Examples
    --------
    A tiny synthetic run (4 test signals, FLEX in the rFFT domain, an untrained MLP saved as the
    weights so that nothing is trained), written to the folder ``run``; the same call again
    resumes it (nothing left to compute):

    >>> import torch
    >>> from freqxai.models import SynthMLP
    >>> from freqxai.runner import RunConfig, run_experiment
    >>> torch.save(SynthMLP().state_dict(), "mlp.pt")
    >>> cfg = RunConfig(dataset="synthetic", out="run", weights="mlp.pt", n_test=4,
    ...                 methods=["flex"], domains=["fft"], metrics=["complexity"], sanity=False)
    >>> summary = run_experiment(cfg, progress=False)
    >>> summary.n_computed                     # work items computed by this call
    1
    >>> sorted(p.name for p in summary.run_dir.glob("*.csv"))
    ['answer.csv', 'results.csv', 'summary.csv']
    >>> (summary.run_dir / "report.html").is_file()
    True
    """
    from .engine import run

    return run(cfg, progress, callbacks, verbose=verbose, finish=_report)


def _report(run_dir: Path) -> None:
    logging.getLogger("freqxai.progress").info("writing the report")
    write_report(run_dir)


def write_report(run_dir: str | Path) -> dict[str, Path]:
    """Write the report of the run in ``run_dir`` (:func:`freqxai.report.write_report`).

    Examples
    --------
    >>> from pathlib import Path
    >>> from freqxai.runner import write_report
    >>> Path("not_a_run").mkdir()
    >>> write_report("not_a_run")
    Traceback (most recent call last):
        ...
    ValueError: not_a_run holds no results.h5; run 'freqxai run' first
    >>> files = write_report("runs/synthetic")    # a finished run's folder  # doctest: +SKIP
    >>> files["html"].name                                                   # doctest: +SKIP
    'report.html'
    """
    if importlib.util.find_spec("freqxai.report") is not None:
        from ..report import write_report as write
    else:  # (the report's modules before the report package)
        from .report import write_report as write
    return write(run_dir)


def __getattr__(name: str) -> Any:
    # the engine loads Lightning (seconds): only runs need it, not 'freqxai report'
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f".{name}", __name__)  # a submodule (runner.config)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

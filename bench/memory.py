"""Peak memory of what a run does after explaining, for 1,000, 10,000 and 100,000 test signals
(issue 29: "a run of 100,000 signals needs no more memory than one of 1,000").

Explaining 100,000 signals for real is far too slow on 2 cores, so this script builds the
``results.h5`` of such a run directly, through the run's own writing code: the identity and test
set of a ``freqxai run synthetic --quick --n-test N`` run (``freqxai.runner.engine._record``:
config, attributes, ``X``, ``y``), then one shard per work item of 25 signals
(``freqxai.runner.store.save_shard``) for the units of ``--quick``: methods ``shapley`` and
``flex`` in the ``fft`` domain, relevance ``(25, 1, 1501)`` float32 (1 channel, 1501 bins of
3,000-sample signals) and the per-input scores and curves a real run stores (localization,
complexity, deletion, insertion, insertion_10, smoothness, the deletion and insertion curves of 20
fractions, FLEX's integration error). All values are random with fixed seeds: ``X`` is white noise
``(N, 1, 3000)`` float32 at 3,000 Hz, ``y`` 16 classes in turn, relevance normal, and the model
is the synthetic benchmark's MLP (``freqxai.models.SynthMLP``, 3,000 inputs, 16 classes) with
seeded random weights. Then every phase after the explanation runs in a fresh process of its
own (one torch thread), which imports what it needs first (torch, pandas, matplotlib, the runner
and the report; Lightning for the merge), resets its peak resident set (``VmHWM``, by writing 5
to ``/proc/self/clear_refs``) and runs the phase; the table gives that peak and its growth over
the resident set before the phase, and the phase's time (the process's own peak, imports
included, is ``ru_maxrss`` of the child through ``os.wait4``, printed per phase):

- ``imports``: the interpreter with torch, Lightning, the runner and the report imported,
- ``merge``: the shards into ``results.h5`` (``freqxai.runner.engine._merge_complete_units``),
- ``checks``: the band checks (``freqxai.runner.answer.band_interventions``, the summary
  included) and writing them into ``results.h5``, as the run does,
- ``summary``: the summary table (``freqxai.runner.answer.run_summary``),
- ``answer``: the scores table and the answer (``summary_rows``, ``run_answer``),
- ``report``: the whole report (``freqxai.report.write_report``: summary, answer, figures, page).

``--src`` runs every process (the build too) on another checkout's ``src``, e.g. the code before
a change (``git archive`` or a copy of it), for a before/after table.

    python bench/memory.py                          # 1k, 10k, 100k
    python bench/memory.py --sizes 1000 --keep      # keep the run folder
    python bench/memory.py --src /tmp/before/src    # the same on other code
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES, CLASSES, FS = 3000, 16, 3000.0
PHASES = ("imports", "merge", "checks", "summary", "answer", "report")


def _cfg(run_dir: Path, n: int):
    from freqxai.runner import RunConfig

    return RunConfig(dataset="synthetic", quick=True, n_test=n, out=str(run_dir), seed=0,
                     threads=1)


def _model():
    import torch

    from freqxai.models import SynthMLP

    torch.manual_seed(0)
    return SynthMLP(input_size=SAMPLES, n_classes=CLASSES).eval()


def _task(n: int, with_data: bool = True):
    import numpy as np

    from freqxai.runner.tasks import Task

    if not with_data:  # the merge reads len(task.X) only
        return Task(range(n), None, FS, None)
    rng = np.random.default_rng(0)
    X = np.empty((n, 1, SAMPLES), dtype=np.float32)
    for lo in range(0, n, 10_000):
        hi = min(n, lo + 10_000)
        X[lo:hi] = rng.standard_normal((hi - lo, 1, SAMPLES), dtype=np.float32)
    y = np.arange(n, dtype=np.int64) % CLASSES
    return Task(X, y, FS, _model(), None, "SynthMLP (random weights, seed 0)", 1 / CLASSES)


def build(run_dir: Path, n: int) -> None:
    """The run's identity, X and y in results.h5, and one shard per (unit, chunk of 25)."""
    import numpy as np

    from freqxai.metrics.faithfulness import DEFAULT_FRACTIONS
    from freqxai.runner.engine import _record
    from freqxai.runner.store import ResultStore, save_shard, shard_path

    cfg = _cfg(run_dir, n)
    run_dir.mkdir(parents=True, exist_ok=True)
    _record(cfg, _task(n), ResultStore(run_dir))
    steps = len(DEFAULT_FRACTIONS)
    for seed, method in enumerate(("shapley", "flex")):
        rng = np.random.default_rng(seed + 1)
        for chunk, lo in enumerate(range(0, n, cfg.chunk_size)):
            rows = min(cfg.chunk_size, n - lo)
            arrays = {"relevance": rng.standard_normal((rows, 1, SAMPLES // 2 + 1),
                                                       dtype=np.float32)}
            for key in ("localization", "complexity", "deletion", "insertion", "insertion_10",
                        "smoothness") + (("integration_error",) if method == "flex" else ()):
                arrays[key] = rng.random(rows)
            for key in ("deletion_curve", "insertion_curve"):
                arrays[key] = rng.random((rows, steps))
            save_shard(shard_path(run_dir, method, "fft", chunk), arrays)


def _status(field: str) -> float:
    """A field of /proc/self/status in MiB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def phase(name: str, run_dir: Path, n: int) -> dict:
    """Run one phase in this process, after importing what it needs: its time, the resident set
    before it (imports, model) and the peak resident set during it (VmHWM, reset before it)."""
    import pickle

    # what every phase imports sooner or later, imported before it (the floor of the table)
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401
    import scipy.special  # noqa: F401
    import torch

    import freqxai.explainers  # noqa: F401
    import freqxai.report  # noqa: F401
    from freqxai.runner import answer as answers
    from freqxai.runner.store import ResultStore

    torch.set_num_threads(1)  # (2 shared cores: torch's spinning threads time the load instead)
    store = ResultStore(run_dir)
    if name == "merge":
        from freqxai.runner.engine import _merge_complete_units

        cfg, task = _cfg(run_dir, n), _task(n, False)
        work = lambda: {"units": len(_merge_complete_units(cfg, task, store))}  # noqa: E731
    elif name == "checks":
        model = _model()

        def work():
            checks = answers.band_interventions(store, model)
            t0 = time.perf_counter()  # (the write copies results.h5: its own time)
            store.write(attrs={"band_interventions": checks})
            return {"checks": len(checks), "write_s": time.perf_counter() - t0}
    elif name == "summary":
        def work():
            table = answers.run_summary(store)
            with open(run_dir / "bench_table.pkl", "wb") as fh:
                pickle.dump(table, fh)
            return {"rows": len(table)}
    elif name == "answer":
        from freqxai.report.writer import summary_rows

        with open(run_dir / "bench_table.pkl", "rb") as fh:
            table = pickle.load(fh)

        def work():
            return {"classes": len(answers.run_answer(store, table, summary_rows(store)))}
    elif name == "report":
        from freqxai.report import write_report

        work = lambda: {"files": len(write_report(run_dir))}  # noqa: E731
    elif name == "imports":  # the floor: torch, lightning, the runner and the report
        import freqxai.report  # noqa: F401
        import freqxai.runner.engine  # noqa: F401

        work = dict
    else:
        raise ValueError(name)
    import gc

    gc.collect()
    try:  # reset the peak resident set (VmHWM) to the current one (Linux)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    before = _status("VmRSS")
    t0 = time.perf_counter()
    result = work()
    return {**result, "seconds": time.perf_counter() - t0, "rss_before_mib": before,
            "peak_mib": _status("VmHWM")}


def _measure(args: list[str], src: str | None) -> dict:
    """Run this script in a fresh process: its JSON result, its peak RSS in MiB (that child
    alone: ``wait4`` on its pid) and its wall time."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                   else "")
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, __file__, *args], env=env, stdout=out,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise RuntimeError(f"{args} failed:\n{err.read()[-3000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    return {**result, "rss_mib": usage.ru_maxrss / 1024, "wall": seconds}


def _size(path: Path) -> float:
    """MiB of a file or of the files under a folder."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def _machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 2**20:.0f} GiB RAM"
    except OSError:
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1000,10000,100000", help="comma list of signal counts")
    p.add_argument("--phases", default=",".join(PHASES), help="comma list of " + ", ".join(PHASES))
    p.add_argument("--src", help="run on this src folder instead (PYTHONPATH)")
    p.add_argument("--dir", help="where the run folders go (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the run folders")
    p.add_argument("--json", help="also write the measurements to this file")
    p.add_argument("--_build", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    p.add_argument("--_phase", nargs=3, metavar=("NAME", "DIR", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._build:
        t0 = time.perf_counter()
        build(Path(args._build[0]), int(args._build[1]))
        print(json.dumps({"seconds": time.perf_counter() - t0}))
        return 0
    if args._phase:
        import freqxai

        result = phase(args._phase[0], Path(args._phase[1]), int(args._phase[2]))
        print(json.dumps({"freqxai": freqxai.__file__, **result}))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    phases = [s for s in args.phases.split(",") if s]
    root = Path(args.dir or tempfile.mkdtemp(prefix="freqxai-memory-"))
    print(f"machine: {_machine()}; code: {args.src or 'this checkout'}")
    results = []
    for n in sizes:
        run_dir = root / f"n{n}"
        if run_dir.exists():
            shutil.rmtree(run_dir)
        load = [os.getloadavg()[0]]
        built = _measure(["--_build", str(run_dir), str(n)], args.src)
        row = {"n": n, "build_s": built["seconds"], "shards_mib": _size(run_dir / "shards")}
        for name in phases:
            r = _measure(["--_phase", name, str(run_dir), str(n)], args.src)
            row[name] = {k: r[k] for k in ("rss_mib", "seconds", "rss_before_mib", "peak_mib",
                                           "write_s") if k in r}
            print(f"  n={n} {name}: peak {r['peak_mib']:.0f} MiB during the phase ("
                  f"{r['rss_before_mib']:.0f} MiB before it; the process's peak "
                  f"{r['rss_mib']:.0f} MiB), {r['seconds']:.1f} s", flush=True)
        load.append(os.getloadavg()[0])
        row["results_mib"] = _size(run_dir / "results.h5")
        row["load"] = load
        results.append(row)
        if not args.keep:
            shutil.rmtree(run_dir)
    if not args.keep and not args.dir:
        shutil.rmtree(root, ignore_errors=True)
    print("\npeak RSS during each phase in MiB (growth over the process's resident set before the "
          "phase: imports, model) and its time:\n")
    shown = [p for p in phases if p != "imports"]
    print("| signals | results.h5 | " + " | ".join(shown) + " | load |")
    print("|---" * (3 + len(shown)) + "|")
    for r in results:
        cells = [f"{r[p]['peak_mib']:,.0f} (+{r[p]['peak_mib'] - r[p]['rss_before_mib']:,.0f}), "
                 f"{r[p]['seconds']:.1f} s" for p in shown]
        print(f"| {r['n']:,} | {r['results_mib']:,.0f} MiB | " + " | ".join(cells)
              + f" | {r['load'][0]:.1f}-{r['load'][1]:.1f} |")
    if "imports" in phases:
        print("\nimports alone (torch, lightning, runner, report): "
              + ", ".join(f"{r['imports']['rss_mib']:,.0f} MiB" for r in results))
    if "checks" in phases:
        print("writing the checks into results.h5 (a copy of the file, then a rename): "
              + ", ".join(f"{r['checks']['write_s']:.1f} s" for r in results))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": _machine(), "src": args.src,
                                               "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

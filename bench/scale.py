"""The cost model against measurements (issue 29, item 3): time and peak memory per phase
(explaining, scoring) against the number of signals, their length, the channels, FreqRISE's masks,
band Shapley's bands, FLEX's steps and the processes of a run, on this machine.

Around a base case (SmallCNN, 1 channel, 500 samples, 20 signals in work items of 25; FreqRISE
with 100 masks, band Shapley with 6 equal bands and the run's budget of 300 coalitions, FLEX
with 25 steps; one thread, the run's metrics but localization, fft) each factor is varied alone.
Every point is the run's own work (``explain_chunk_domains`` and ``score_chunk`` per work item)
and its prediction the run's own estimate: the probe (``probe_costs``, 1, 4 and 1 signals) timed
once per repeat at the base case, carried to the point by the cost model of
``freqxai.runner.estimate`` (``run_shape``, ``phase_seconds``). The table gives the measured
seconds (the fastest repeat and the spread, slowest over fastest), the model's seconds from the
fastest probe over the fastest measurement and each repeat's probe over its own measurement,
the peak resident memory each phase added (``VmHWM`` reset per phase through
``/proc/self/clear_refs``) and per factor the fitted log-log slope; the figure (log-log panels,
measured points and the model's line) goes to ``docs/scale.png``. Processes: a run of 40 signals
through ``run_experiment`` with ``devices=1`` and ``2`` (Lightning's DDP on the CPU), each in a
fresh process, its own estimate against its explanation phase.

    python bench/scale.py                  # 4-10 min on 2 busy cores
    python bench/scale.py --repeats 3 --device-repeats 2   # docs/performance.md's figure
    python bench/scale.py --repeats 1 --no-devices --figure /tmp/scale.png
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
BASE = {"signals": 20, "length": 500, "channels": 1, "masks": 100, "bands": 6, "steps": 25}
FACTORS = {  # factor: (values, methods it applies to)
    "signals": ([10, 20, 40, 80, 160], ("freqrise", "shapley", "flex")),
    "length": ([250, 500, 1000, 2000, 4000], ("freqrise", "shapley", "flex")),
    "channels": ([1, 2, 4, 8], ("freqrise", "shapley", "flex")),
    "masks": ([100, 200, 400, 800, 1600], ("freqrise",)),
    "bands": ([4, 5, 6, 7, 8, 9, 10], ("shapley",)),
    "steps": ([12, 25, 50, 100, 200], ("flex",)),
}
METHODS = ("freqrise", "shapley", "flex")
UNITS = {"signals": "signals", "length": "samples", "channels": "channels",
         "masks": "FreqRISE masks", "bands": "Shapley bands B", "steps": "FLEX steps",
         "devices": "processes"}
COLORS = {"freqrise": "tab:blue", "shapley": "tab:orange", "flex": "tab:green",
          "run": "tab:purple"}


# ---- memory -------------------------------------------------------------------------------------

def _status(field: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` of this process in MiB (None off Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Give freed heap memory back (glibc's ``malloc_trim``: what an earlier, larger point freed
    would otherwise hide this one's growth) and reset the peak resident set (``VmHWM``) to the
    current one (Linux 4.0+)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class _Phase:
    """Seconds and peak resident memory added (MiB) of a block."""

    def __enter__(self):
        self.tracked = _reset_peak()
        self.rss0 = _status("VmRSS")
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        peak = _status("VmHWM") if self.tracked else None
        self.mib = max(peak - self.rss0, 0.0) if peak is not None and self.rss0 else float("nan")


# ---- one point ----------------------------------------------------------------------------------

def _settings(p: dict):
    """The model, data and run configuration of point ``p`` (a dict of the factors)."""
    from freqxai.models.cnn import SmallCNN
    from freqxai.runner import RunConfig

    torch.manual_seed(0)
    model = SmallCNN(p["channels"], 2).eval()
    g = torch.Generator().manual_seed(1)
    X = torch.randn(max(p["signals"], 40), p["channels"], p["length"], generator=g)
    y = torch.zeros(len(X), dtype=torch.long)
    edges = np.linspace(0.0, 0.5, p["bands"] + 1)
    cfg = RunConfig(dataset="custom", methods=list(METHODS), domains=["fft"],
                    n_masks=p["masks"], n_steps=p["steps"], sanity=False, threads=1,
                    metrics=[m for m in RunConfig().metrics if m != "localization"],
                    explainer_options={"shapley": {"bands": {
                        f"b{i}": (float(a), float(b))
                        for i, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))}}})
    return model, X, y, cfg


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def _measure(model, cfg, method: str, X, y, n: int) -> dict:
    """The explanation phase of ``method`` on ``n`` signals as a run does it: work items of
    ``chunk_size`` signals, each explained then scored. Seconds and peak MiB per phase."""
    from freqxai.runner.compute import explain_chunk_domains, score_chunk

    out = {"explain": 0.0, "score": 0.0, "explain_mib": 0.0, "score_mib": 0.0}
    for c, (a, b) in enumerate(_chunks(n, cfg.chunk_size)):
        x, t = X[a:b].contiguous(), y[a:b]
        with warnings.catch_warnings(), torch.enable_grad():
            warnings.simplefilter("ignore")
            with _Phase() as ph:
                rels = explain_chunk_domains(model, cfg, method, list(cfg.domains), x, t, c)
            out["explain"] += ph.seconds
            out["explain_mib"] = max(out["explain_mib"], ph.mib)
            with _Phase() as ph:
                for d, (rel, _) in rels.items():
                    score_chunk(model, cfg, method, d, x, t, rel, None)
            out["score"] += ph.seconds
            out["score_mib"] = max(out["score_mib"], ph.mib)
    out["seconds"] = out["explain"] + out["score"]
    return out


def _predict(cost, model, cfg, method: str, p: dict) -> float:
    """The cost model's seconds for point ``p``: the base case's probe carried to the point's
    shape, summed over its work items (the functions the run's estimate uses)."""
    from freqxai.runner.estimate import phase_seconds, run_shape

    shape = run_shape(model, cfg, method, p["channels"], p["length"])
    items = [(b - a, 1.0, shape) for a, b in _chunks(p["signals"], cfg.chunk_size)]
    return phase_seconds({method: cost}, {method: items})[method]


def _points():
    for factor, (values, methods) in FACTORS.items():
        for v in values:
            for m in methods:
                yield factor, v, m, dict(BASE, **{factor: v})


def _sweep(repeats: int) -> list[dict]:
    from freqxai.runner.estimate import probe_costs

    torch.set_num_threads(1)
    rows, probes = [], []
    for r in range(repeats):
        model, X, y, cfg = _settings(BASE)
        # no warm-up: the probe's first call pays the one-off costs, as in a run
        pool, labels = X[:40].numpy(), y[:40].numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            costs = probe_costs(model, cfg, pool, labels, None, list(METHODS))
        probes.append(costs)
        print(f"  repeat {r} probe: " + "; ".join(
            f"{m} {c.fixed:.3f} s + {c.explain:.4f} + {c.score:.4f} s/signal"
            for m, c in costs.items()), flush=True)
        done: dict[tuple, tuple[dict, float, float]] = {}  # the base case recurs per factor
        for factor, v, m, p in _points():
            key = (m, *sorted(p.items()))
            if key not in done:
                pmodel, pX, py, pcfg = _settings(p)
                load = os.getloadavg()[0]
                got = _measure(pmodel, pcfg, m, pX, py, p["signals"])
                done[key] = (got, _predict(costs[m], pmodel, pcfg, m, p), load)
            got, pred, load = done[key]
            rows.append(dict(repeat=r, factor=factor, value=v, method=m, predicted=pred,
                             load=load, **got))
            print(f"  repeat {r} {factor:<8} {v:>5} {m:<8} {got['seconds']:7.2f} s "
                  f"(explain {got['explain']:.2f}, score {got['score']:.2f}) predicted "
                  f"{pred:7.2f} s  peak +{got['explain_mib']:.0f}/{got['score_mib']:.0f} MiB  "
                  f"load {load:.1f}", flush=True)
    # the model's line: the fastest probe of the repeats (each part its fastest; the least
    # disturbed by other jobs, as the measured points' fastest repeat is)
    best = {m: replace(probes[0][m], fixed=min(c[m].fixed for c in probes),
                       explain=min(c[m].explain for c in probes),
                       score=min(c[m].score for c in probes)) for m in METHODS}
    model_line: dict[tuple, float] = {}
    for factor, v, m, p in _points():
        key = (m, *sorted(p.items()))
        if key not in model_line:
            pmodel, _, _, pcfg = _settings(p)
            model_line[key] = _predict(best[m], pmodel, pcfg, m, p)
        for row in rows:
            if (row["factor"], row["value"], row["method"]) == (factor, v, m):
                row["model"] = model_line[key]
    return rows


# ---- processes ----------------------------------------------------------------------------------

RUN_SCRIPT = '''
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {folder!r})
from freqxai.runner import RunConfig, run_experiment
cfg = RunConfig(dataset="custom", model={state!r}, model_factory="scale_model:Net",
                data={data!r}, out=sys.argv[2], threads=1, methods=["freqrise"],
                domains=["fft"], n_masks=200, sanity=False, devices=int(sys.argv[1]),
                chunk_size=10, n_test=40)
s = run_experiment(cfg, progress=False)
if s is not None:  # rank 0
    print("RESULT " + json.dumps({{"estimated": s.estimated_seconds,
                                   "explained": s.explain_seconds}}))
'''


def _devices(repeats: int) -> list[dict]:
    """Runs of 40 signals (FreqRISE, 200 masks, 4 work items of 10) with 1 and 2 processes,
    each a fresh ``python`` (DDP re-runs the script): the run's estimate and its phase."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="freqxai-scale-") as tmp:
        folder = Path(tmp)
        (folder / "scale_model.py").write_text(
            "from freqxai.models.cnn import SmallCNN\n\n\ndef Net():\n    return SmallCNN(1, 2)\n")
        torch.manual_seed(0)
        from freqxai.models.cnn import SmallCNN

        torch.save(SmallCNN(1, 2).state_dict(), folder / "state.pt")
        X = np.random.default_rng(0).standard_normal((40, 1, 500)).astype(np.float32)
        np.savez(folder / "data.npz", X=X, y=np.arange(40) % 2)
        script = folder / "run.py"
        script.write_text(textwrap.dedent(RUN_SCRIPT).format(
            folder=str(folder), state=str(folder / "state.pt"), data=str(folder / "data.npz")))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), str(ROOT / "src")]))
        for r in range(repeats):
            for d in (1, 2):
                load = os.getloadavg()[0]
                res = subprocess.run([sys.executable, str(script), str(d),
                                      str(folder / f"out{r}{d}")], capture_output=True,
                                     text=True, env=env, timeout=900)
                found = re.search(r"^RESULT (.*)$", res.stdout, re.M)
                if res.returncode or not found:
                    print(f"  devices={d}: the run failed ({res.returncode}): "
                          f"{res.stderr.strip()[-300:]}")
                    continue
                got = json.loads(found.group(1))
                rows.append(dict(repeat=r, factor="devices", value=d, method="run",
                                 seconds=got["explained"], predicted=got["estimated"],
                                 model=got["estimated"],
                                 load=load, explain_mib=float("nan"), score_mib=float("nan")))
                print(f"  repeat {r} devices  {d:>5} run      {got['explained']:7.2f} s "
                      f"predicted {got['estimated']:7.2f} s  load {load:.1f}", flush=True)
    return rows


# ---- tables and figure --------------------------------------------------------------------------

def _group(rows):
    out: dict[tuple, list[dict]] = {}
    for row in rows:
        out.setdefault((row["factor"], row["method"], row["value"]), []).append(row)
    return out


def _slope(xs, ys, factor: str) -> float:
    """Log-log slope (bands: log2 of the time per band, 1 = doubling, over the exact ones)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if factor == "bands":
        keep = xs <= 8
        return float(np.polyfit(xs[keep], np.log2(ys[keep]), 1)[0])
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def summarize(rows: list[dict]) -> dict:
    """Per point the fastest measurement, spread and ratio; per factor and method the slopes."""
    points = []
    for (factor, method, value), rs in sorted(_group(rows).items(),
                                              key=lambda kv: (list(UNITS).index(kv[0][0]),
                                                              kv[0][1], kv[0][2])):
        secs = [r["seconds"] for r in rs]
        model = float(np.exp(np.mean(np.log([r["model"] for r in rs]))))
        points.append(dict(factor=factor, method=method, value=value, seconds=min(secs),
                           measured=secs, spread=max(secs) / min(secs), model=model,
                           ratio=model / min(secs),
                           ratios=[r["predicted"] / r["seconds"] for r in rs],
                           explain=min(r.get("explain", np.nan) for r in rs),
                           score=min(r.get("score", np.nan) for r in rs),
                           explain_mib=max(r["explain_mib"] for r in rs),
                           score_mib=max(r["score_mib"] for r in rs),
                           load=[r["load"] for r in rs]))
    slopes = []
    for factor in FACTORS:
        for method in METHODS:
            per = [[r for r in rows if r["factor"] == factor and r["method"] == method
                    and r["repeat"] == k] for k in sorted({r["repeat"] for r in rows})]
            per = [p for p in per if len(p) > 1]
            if not per:
                continue
            measured = [_slope([r["value"] for r in p], [r["seconds"] for r in p], factor)
                        for p in per]
            pts = [p for p in points if p["factor"] == factor and p["method"] == method]
            fastest = _slope([p["value"] for p in pts], [p["seconds"] for p in pts], factor)
            model = _slope([p["value"] for p in pts], [p["model"] for p in pts], factor)
            memory = _slope([p["value"] for p in pts],
                            [max(p["explain_mib"], 1.0) for p in pts], factor)
            explain, score = (_slope([p["value"] for p in pts], [p[k] for p in pts], factor)
                              for k in ("explain", "score"))
            slopes.append(dict(factor=factor, method=method, measured=measured,
                               fastest=fastest, model=model, explain=explain, score=score,
                               memory=memory))
    return {"points": points, "slopes": slopes}


def print_tables(summary: dict) -> None:
    print("\nmeasured: the fastest repeat (spread: slowest / fastest); model: the fastest probe "
          "carried to the point;\nper repeat: each repeat's probe over its own measurement")
    print(f"{'factor':<9}{'value':>6} {'method':<9}{'measured':>9}{'spread':>7}"
          f"{'model':>8}{'model/meas':>11}{'per repeat':>14}{'explain MiB':>12}{'score MiB':>10}")
    for p in summary["points"]:
        ratios = f"{min(p['ratios']):.2f} to {max(p['ratios']):.2f}"
        print(f"{p['factor']:<9}{p['value']:>6} {p['method']:<9}{p['seconds']:>8.2f}s"
              f"{p['spread']:>6.2f}x{p['model']:>7.2f}s{p['ratio']:>11.2f}{ratios:>14}"
              f"{p['explain_mib']:>12.1f}{p['score_mib']:>10.1f}")
    print("\nslopes of log time on log factor (bands: log2 of the time per band, B <= 8): the "
          "phase per repeat and\nof the fastest repeat, the model's, the fastest explanation's "
          "and scoring's alone, the explanation's peak memory")
    print(f"{'factor':<9}{'method':<9}{'per repeat':>14}{'fastest':>8}{'model':>7}"
          f"{'explain':>8}{'score':>7}{'memory':>8}")
    for s in summary["slopes"]:
        meas = f"{min(s['measured']):.2f} to {max(s['measured']):.2f}"
        print(f"{s['factor']:<9}{s['method']:<9}{meas:>14}{s['fastest']:>8.2f}{s['model']:>7.2f}"
              f"{s['explain']:>8.2f}{s['score']:>7.2f}{s['memory']:>8.2f}")
    best = [p["ratio"] for p in summary["points"]]
    ratios = [r for p in summary["points"] for r in p["ratios"]]
    loads = [v for p in summary["points"] for v in p["load"]]
    print(f"\nmodel/measured (fastest): {min(best):.2f} to {max(best):.2f} (median "
          f"{np.median(best):.2f}) over {len(best)} points; each repeat's own: {min(ratios):.2f} "
          f"to {max(ratios):.2f} over {len(ratios)}; 1-minute load average {min(loads):.1f} to "
          f"{max(loads):.1f} on {os.cpu_count()} cores")


def figure(summary: dict, path: Path) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator

    from freqxai.plotting import new_figure, save_figure

    panels = [*FACTORS, *(["devices"] if any(p["factor"] == "devices"
                                              for p in summary["points"]) else [])]
    ncols = 3
    nrows = -(-len(panels) // ncols)
    fig, axs = new_figure(nrows, ncols, figsize=(7.3, 2.35 * nrows))
    for ax, factor in zip(axs.flat, panels, strict=False):
        for method in (*METHODS, "run"):
            pts = [p for p in summary["points"] if p["factor"] == factor and p["method"] == method]
            if not pts:
                continue
            xs = [p["value"] for p in pts]
            ax.plot(xs, [p["model"] for p in pts], "-", color=COLORS[method], lw=1.3)
            for p in pts:  # every repeat: the spread is the vertical extent
                ys = p["measured"]
                ax.plot([p["value"]] * len(ys), ys, "o", color=COLORS[method], ms=4,
                        mfc="none" if method == "run" else COLORS[method], alpha=0.8)
        ax.set_yscale("log")
        if factor != "bands":  # bands: 2**B on a log axis is a straight line over linear B
            ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({p["value"] for p in summary["points"] if p["factor"] == factor}))
        ax.xaxis.set_major_formatter("{x:g}")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.minorticks_off()
        ax.set_xlabel(UNITS[factor], fontsize=10)
        ax.set_ylabel("phase time (s)" if factor == "devices" else "time (s)", fontsize=10)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3, which="both")
    for ax in list(axs.flat)[len(panels):]:
        ax.axis("off")
    leg = list(axs.flat)[-1] if len(panels) < axs.size else axs.flat[0]
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=COLORS[m], marker="o", lw=1.3, label=m) for m in METHODS]
    handles += [Line2D([], [], color="k", lw=1.3, label="cost model"),
                Line2D([], [], color="k", marker="o", lw=0, label="measured")]
    if "devices" in panels:
        handles.insert(3, Line2D([], [], color=COLORS["run"], marker="o", mfc="none", lw=1.3,
                                 label="a run (devices)"))
    leg.legend(handles=handles, loc="center", fontsize=10, frameon=False)
    save_figure(fig, path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--no-devices", action="store_true", help="skip the runs with 2 processes")
    ap.add_argument("--device-repeats", type=int, default=1,
                    help="repeats of the runs with 1 and 2 processes (about 1 min each)")
    ap.add_argument("--figure", default=str(ROOT / "docs" / "scale.png"))
    ap.add_argument("--json", help="also write the measurements there")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; base {BASE}")
    rows = _sweep(args.repeats)
    if args.no_devices:
        print("  devices: skipped (--no-devices)")
    else:
        rows += _devices(args.device_repeats)
    summary = summarize(rows)
    print_tables(summary)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, **summary}, indent=1))
    figure(summary, Path(args.figure))
    print(f"figure: {args.figure}; {time.perf_counter() - t0:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())

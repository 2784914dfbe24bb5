"""How long a run takes from the command line, end to end (training included), with the machine's
load average beside each time (issue 26: "an answer in minutes", "runs that say their cost").

Runs ``freqxai run uea --name NAME --quick`` on every set aeon's wheel bundles that the CLI offers
(``freqxai.data.uea.bundled_sets``), ``--classifier minirocket`` on ItalyPowerDemand, and with
``--default`` also the default runs the issue names (ArrowHead, OSULeaf, ItalyPowerDemand with
MiniRocket). Each run is a fresh process in a fresh folder; the table gives the wall time, the
estimate the run printed before explaining and the time its explanation phase took, and the
1-minute load average before and after (2 shared cores: times move 2x with the load).

    python bench/run_times.py              # --quick on every bundled set, and MiniRocket
    python bench/run_times.py --default    # also the default runs (minutes each)
    python bench/run_times.py --only GunPoint,ArrowHead
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(args: list[str], out: Path) -> dict:
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "freqxai.cli", "run", *args, "--out", str(out)],
                         capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    est = re.search(r"estimated time: explaining about ([^(]+)\(", res.stderr)
    took = re.search(r"explained in (.+?) \(estimated", res.stderr)
    answer = [ln.strip() for ln in res.stdout.splitlines() if ln.startswith("  ") and ": " in ln]
    return {"rc": res.returncode, "seconds": seconds, "load": (load0, os.getloadavg()[0]),
            "estimate": est.group(1).strip() if est else "-",
            "explained": took.group(1).strip() if took else "-",
            "first": answer[0][:90] if answer else res.stderr.strip().splitlines()[-1][:90]}


def main(argv: list[str] | None = None) -> int:
    from freqxai.data.uea import bundled_sets

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--default", action="store_true", help="also the default runs")
    p.add_argument("--only", help="comma list of set names")
    args = p.parse_args(argv)
    sets = [s for s in bundled_sets() if s != "UnitTest"]  # (aeon's test fixture, not data)
    if args.only:
        sets = [s for s in sets if s in args.only.split(",")]
    plan = [(f"{s} --quick", ["uea", "--name", s, "--quick"]) for s in sets]
    if not args.only or "ItalyPowerDemand" in args.only:
        plan.append(("ItalyPowerDemand --classifier minirocket --quick",
                     ["uea", "--name", "ItalyPowerDemand", "--classifier", "minirocket",
                      "--quick"]))
    if args.default:
        plan += [(f"{s} (defaults)", ["uea", "--name", s]) for s in ("ArrowHead", "OSULeaf")
                 if not args.only or s in args.only]
        plan.append(("ItalyPowerDemand --classifier minirocket (defaults)",
                     ["uea", "--name", "ItalyPowerDemand", "--classifier", "minirocket"]))
    print(f"{'run':<52} {'rc':>2} {'wall':>7} {'estimate':>9} {'explained':>9} {'load':>10}  "
          "first answer line")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="freqxai-times-") as tmp:
        for i, (name, cmd) in enumerate(plan):
            r = _run(cmd, Path(tmp) / f"run{i}")
            failed += r["rc"] != 0
            print(f"{name:<52} {r['rc']:>2} {r['seconds']:>6.0f}s {r['estimate']:>9} "
                  f"{r['explained']:>9} {r['load'][0]:>4.1f}-{r['load'][1]:<4.1f}  {r['first']}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""DFT-LRP with FFTs against the dense-matrix projection of the published code.

Batch of 10 signals of length 8000. Each contender runs in its own process; the script prints
wall time and peak memory (resident-set growth over the process's state before the call).
The dense version follows the published approach: build the real inverse-DFT matrix
(2 x n_bins rows of cos / -sin weights, float32) and project with a matrix product.

    python bench/dftlrp.py
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def dense_projection(relevance: torch.Tensor, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """The dense virtual-inspection-layer projection (float32, as in the published script)."""
    n = x.shape[-1]
    n_bins = n // 2 + 1
    k = torch.arange(n_bins, dtype=torch.float32)[:, None]
    t = torch.arange(n, dtype=torch.float32)[None, :]
    a = torch.full((n_bins, 1), 2.0)
    a[0] = 1.0
    if n % 2 == 0:
        a[-1] = 1.0
    theta = 2 * torch.pi * ((k * t) % n) / n
    w_inv = torch.cat([a / n * torch.cos(theta), -a / n * torch.sin(theta)])  # (2 bins, n)
    del theta
    spec = torch.fft.rfft(x)
    y = torch.cat([spec.real, spec.imag], dim=-1)  # (batch, 2 bins)
    z = relevance / (x + eps)
    r = y * (z @ w_inv.T)
    return r[..., :n_bins] + r[..., n_bins:]


def _measure(which: str, batch: int, length: int) -> dict:
    from freqxai import project_relevance

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, length, generator=gen)
    rel = torch.randn(batch, length, generator=gen)
    # warm up the code path on a small problem (library loading, FFT plans), then measure
    project_relevance(rel[:1, None, :64], x[:1, None, :64], "fft")
    dense_projection(rel[:1, :64], x[:1, :64])
    before = _rss_bytes()
    t0 = time.perf_counter()
    if which == "fft":
        out = project_relevance(rel[:, None], x[:, None], "fft")[:, 0]
    else:
        out = dense_projection(rel, x).double()
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    err = (out.sum(-1) - rel.double().sum(-1)).abs().max().item()
    return {"time": elapsed, "peak": max(peak, 0), "conservation_error": err,
            "relevance_sum": rel.double().sum(-1).abs().max().item(), "out": out[:2, :50].tolist()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--length", type=int, default=8000)
    ap.add_argument("--only", choices=["fft", "dense"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only:
        print(json.dumps(_measure(args.only, args.batch, args.length)))
        return
    res = {}
    for which in ("fft", "dense"):
        cmd = [sys.executable, __file__, "--only", which, "--batch", str(args.batch),
               "--length", str(args.length)]
        res[which] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    f, d = res["fft"], res["dense"]
    fo, do = torch.tensor(f["out"]), torch.tensor(d["out"])
    diff = ((fo - do).abs().max() / fo.abs().max()).item()
    print(f"batch {args.batch} x length {args.length}, CPU threads {torch.get_num_threads()}")
    for name, r in (("FFT DFT-LRP (freqxai)", f), ("dense matrices", d)):
        print(f"{name:<22} {r['time']:8.4f} s  peak {r['peak'] / 2**20:8.1f} MiB  "
              f"conservation error {r['conservation_error']:.1e} (relevance sums up to "
              f"{r['relevance_sum']:.0f})")
    print(f"speed-up {d['time'] / f['time']:.0f}x (target >= 100x), memory "
          f"{d['peak'] / max(f['peak'], 1):.0f}x less (target >= 10x); max difference on the first 50 bins {diff:.1e} of the largest value "
          "(the dense float32 ε-rule loses conservation)")


if __name__ == "__main__":
    main()

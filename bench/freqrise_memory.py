"""Peak memory of explaining one 8000-sample clip with 3000 FreqRISE masks on AudioNet.

Memory must be bounded by the mask batch size (masks are streamed, only running sums are kept),
not by the number of masks. Each setting runs in a fresh process; the script prints the growth of
the resident set during ``attribute`` (CPU) or the peak CUDA allocation (GPU).

    python bench/freqrise_memory.py [--device cpu] [--masks 3000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def _measure(batch_size: int, n_masks: int, domain: str, device: str) -> dict:
    from freqxai import STFT, FreqRISE
    from freqxai.models import AudioNet

    torch.manual_seed(0)
    model = AudioNet(10).eval().to(device)
    x = torch.randn(1, 1, 8000, device=device)
    dom = STFT(n_fft=455, hop_length=35) if domain == "stft" else "fft"
    warm_up = FreqRISE(model, dom, n_masks=batch_size, num_cells=50, batch_size=batch_size)
    warm_up.attribute(x, seed=0)
    explainer = FreqRISE(model, dom, n_masks=n_masks, num_cells=50, batch_size=batch_size)
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    before = _rss()
    t0 = time.perf_counter()
    explainer.attribute(x, seed=0)
    if device == "cuda":
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - base
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    return {"peak": max(peak, 0), "seconds": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--masks", type=int, default=3000)
    ap.add_argument("--batch-sizes", default="100,500")
    ap.add_argument("--only", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.only:
        print(json.dumps(_measure(int(args.only[0]), args.masks, args.only[1], args.device)))
        return
    print(f"AudioNet, one clip of 8000 samples, {args.masks} masks, device {args.device}")
    for domain in ("fft", "stft"):
        for bs in (int(b) for b in args.batch_sizes.split(",")):
            cmd = [sys.executable, __file__, "--device", args.device, "--masks", str(args.masks),
                   "--only", str(bs), domain]
            r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
            print(f"{domain:<5} batch_size {bs:>4}: peak {r['peak'] / 2**20:8.0f} MiB  "
                  f"({r['seconds']:.1f} s)")


if __name__ == "__main__":
    main()

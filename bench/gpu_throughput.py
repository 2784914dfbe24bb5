"""Throughput of FreqRISE, band Shapley, FLEX and LRP on the CPU and, when one is present, a CUDA
GPU (issue 29, item 4): signals explained per second, same model and signals on both, each
figure the best of ``--repeats`` timed calls after a warm-up, and the GPU / CPU ratio.

Models: the paper's MLP (2560 samples; ~0.3 MFLOP a forward) and AudioNet (8000 samples, ~460
MFLOP), random weights (the cost of a forward does not depend on them). Settings are those of a
default run: FreqRISE 3000 masks (``n_masks="auto"`` stops earlier on real models; a fixed count
times the same work everywhere), band Shapley exact over the DC and octave bands (12 for 2560
samples: 4096 coalitions; 13 for 8000: its 300-evaluation budget), FLEX 50 steps, LRP one
backward.

    python bench/gpu_throughput.py [--repeats 3] [--signals 32]

Without CUDA it prints the CPU figures and says so. On the device machine the CPU column uses the
device's own CPU cores, so compare GPU with CPU from the same run only.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import torch
from _common import setup_allocator

from freqxai import FLEX, LRP, BandShapley, FreqRISE
from freqxai.models import AudioNet, SynthMLP


def _methods(model):
    return {
        "freqrise (3000 masks)": lambda x, y: FreqRISE(model, n_masks=3000).attribute(
            x, target=y, seed=0),
        "shapley (octave bands)": lambda x, y: BandShapley(model).attribute(
            x, target=y, max_evaluations=300),
        "flex (50 steps)": lambda x, y: FLEX(model).attribute(x, target=y, n_steps=50),
        "lrp": lambda x, y: LRP(model, domain="fft").attribute(x, target=y),
    }


def _time(fn, x, y, repeats: int, sync) -> float:
    fn(x[:2], y[:2])  # warm-up (kernels, allocator, cuDNN plans)
    sync()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(x, y)
        sync()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--signals", type=int, default=32)
    args = ap.parse_args()
    setup_allocator("tuned")
    warnings.simplefilter("ignore")  # random weights: the methods' own checks say so; timing only
    cuda = torch.cuda.is_available()
    print(f"CPU: {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, load "
          f"{os.getloadavg()[0]:.1f}; GPU: "
          f"{torch.cuda.get_device_name(0) if cuda else 'none (CPU figures only)'}")
    print(f"{'model':10s} {'method':24s} {'CPU signals/s':>14s} {'GPU signals/s':>14s} "
          f"{'GPU/CPU':>8s}")
    for name, build, length in (("MLP", SynthMLP, 2560), ("AudioNet", lambda: AudioNet(10),
                                                          8000)):
        torch.manual_seed(0)
        model = build().eval()
        n = args.signals if name == "MLP" else max(2, args.signals // 8)
        x = torch.randn(n, 1, length) * 0.1
        y = torch.arange(n) % 10
        gpu_model = __import__("copy").deepcopy(model).cuda().eval() if cuda else None
        for (method, fn) in _methods(model).items():
            cpu_s = _time(fn, x, y, args.repeats, lambda: None)
            line = f"{name:10s} {method:24s} {n / cpu_s:14.1f}"
            if cuda:
                gfn = _methods(gpu_model)[method]
                gpu_s = _time(gfn, x.cuda(), y.cuda(), args.repeats, torch.cuda.synchronize)
                line += f" {n / gpu_s:14.1f} {cpu_s / gpu_s:8.1f}"
            else:
                line += f" {'-':>14s} {'-':>8s}"
            print(line, flush=True)


if __name__ == "__main__":
    main()

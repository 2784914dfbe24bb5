"""Batched FLEX against a loop of ``freqig.attribute`` calls (freqig 0.1.8), equal results.

(a) 256 signals of length 256 with the small CNN of freqIG's README example;
(b) 64 signals of length 3000 (30 s at 100 Hz, the sleep-staging shape) with a small strided CNN.
Same model, targets and n_steps=50. Prints speed-up = (freqig loop time) / (FLEX time) per setting,
on CPU and, when present, on the GPU, and the floor: the model's own forward and backward passes
over the same 50 x batch rows (in FLEX's default batches), which no implementation can beat.

    python bench/flex_vs_freqig.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io

import numpy as np
import torch
from _common import best_time, setup_allocator

from freqxai import FLEX
from freqxai.explainers.flex import default_internal_batch_size
from freqxai.testing import FreqIGReadmeCNN


class StridedCNN(torch.nn.Module):
    def __init__(self, n_classes: int = 5):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv1d(1, 16, 7, stride=2, padding=3), torch.nn.ReLU(),
            torch.nn.Conv1d(16, 32, 5, stride=2, padding=2), torch.nn.ReLU(),
            torch.nn.Conv1d(32, 32, 5, stride=2, padding=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten(), torch.nn.Linear(32, n_classes),
        )

    def forward(self, x):
        if x.dim() == 2:
            x = x.unsqueeze(1)
        return self.net(x)


def run(name, model, x, device, repeat, freqig_attribute):
    model = model.to(device).eval()
    xd = x.to(device)
    with torch.no_grad():
        targets = model(xd).argmax(1)
    flex = FLEX(model, "fft")

    def ours():
        out = flex.attribute(xd, target=targets, n_steps=50)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return out

    xs = x[:, 0].numpy()
    tl = targets.tolist()

    def loop():
        with contextlib.redirect_stdout(io.StringIO()):  # freqig prints the target
            return np.stack([freqig_attribute(xs[i], model, target=tl[i], n_steps=50)
                             for i in range(len(xs))])

    rows = xd.repeat(50, 1, 1)
    row_targets = targets.repeat(50)
    step = default_internal_batch_size(x[0].numel(), device)

    def floor():
        for s in range(0, len(rows), step):
            xi = rows[s : s + step].clone().requires_grad_()
            torch.autograd.grad(model(xi).gather(1, row_targets[s : s + step, None]).sum(), xi)
        if device.type == "cuda":
            torch.cuda.synchronize()

    a, b = ours().cpu().numpy()[:, 0], loop()
    rel = np.abs(a - b).max() / np.abs(b).max()
    t_ours = best_time(ours, repeat)
    t_loop = best_time(loop, max(1, repeat // 2))
    t_floor = best_time(floor, repeat)
    print(f"{name:<44} {device.type:<4} freqig loop {t_loop:7.3f} s  FLEX {t_ours:7.3f} s  "
          f"speed-up {t_loop / t_ours:5.2f}x  max rel diff {rel:.1e}  "
          f"(model fwd+bwd floor {t_floor:.3f} s, FLEX/floor {t_ours / t_floor:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--allocator", choices=["both", "tuned", "default"], default="both",
                    help="glibc allocator setting, the same for both contenders; 'both' runs the "
                         "bench once under each in fresh processes")
    args = ap.parse_args()
    if args.allocator == "both":
        import subprocess
        import sys

        for mode in ("default", "tuned"):
            subprocess.run([sys.executable, __file__, "--repeat", str(args.repeat),
                            "--allocator", mode], check=True)
        return
    tuned = setup_allocator(args.allocator)
    try:
        from scripts.freqIG import attribute as freqig_attribute
    except ImportError as err:
        raise SystemExit("freqig is not installed: pip install freqig==0.1.8 (dev extra)") from err
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    gen = torch.Generator().manual_seed(0)
    xa = torch.randn(256, 1, 256, generator=gen)
    xb = torch.randn(64, 1, 3000, generator=gen)
    print(f"torch {torch.__version__}, CPU threads {torch.get_num_threads()}, glibc allocator "
          f"{'tuned' if tuned else 'default'} for both; targets are the "
          "predicted classes; n_steps=50")
    for device in devices:
        torch.manual_seed(0)
        run("(a) 256 x 256, freqIG README CNN", FreqIGReadmeCNN(), xa, device, args.repeat, freqig_attribute)
        torch.manual_seed(0)
        run("(b) 64 x 3000 (30 s at 100 Hz), strided CNN", StridedCNN(), xb, device, args.repeat,
            freqig_attribute)
    print("targets on CPU: (a) >= 2.5x, (b) >= 1.2x")


if __name__ == "__main__":
    main()

"""FreqRISE wall time against the floor of unavoidable work, on the paper's MLP.

The floor is the same number of model forwards on already-masked signals plus the inverse rFFTs
of already-masked spectra, each timed on its own with the same forward batch FreqRISE uses. The
ratio (FreqRISE / floor) is the overhead of mask generation, masking and the weighted sums.

    python bench/freqrise_overhead.py [--signals 20] [--masks 3000]
"""

from __future__ import annotations

import argparse

import torch
from _common import SHARED, best_time, setup_allocator

from freqxai import FreqRISE, smooth_masks
from freqxai.data import make_synthetic
from freqxai.models import SynthMLP, load_synth_mlp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=20)
    ap.add_argument("--masks", type=int, default=3000)
    ap.add_argument("--num-cells", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--allocator", choices=["tuned", "default"], default="tuned",
                    help="glibc allocator setting for the whole process (see freqxai.runtime)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--cell-shape", choices=["box", "smooth"], default="box",
                    help="FreqRISE's mask cells (box: the centered estimator's default)")
    args = ap.parse_args()
    tuned = setup_allocator(args.allocator)
    device = torch.device(args.device)

    weights = SHARED / "reference-models" / "synth_mlp_0.01.pt"
    model = load_synth_mlp(weights) if weights.is_file() else SynthMLP().eval()
    model = model.to(device)
    X, _ = make_synthetic(args.signals, noise=0.0, seed=0)
    x = torch.from_numpy(X).to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    explainer = FreqRISE(model, domain="fft", n_masks=args.masks, num_cells=args.num_cells,
                         batch_size=args.batch_size, cell_shape=args.cell_shape)

    def freqrise():
        explainer.attribute(x, seed=0)
        sync()

    # Floor inputs, prepared outside the timing: every masked spectrum and every masked signal
    # (signals x masks of them, as FreqRISE evaluates), cut into forward batches of the size
    # FreqRISE uses (a group of inputs x one mask step).
    from freqxai._batching import rows_per_forward
    from freqxai.explainers.freqrise import _FORWARD_ELEMENTS

    rows = rows_per_forward(x.shape[-1], device, _FORWARD_ELEMENTS)
    group = max(1, min(args.signals, rows // args.batch_size))
    spectra = torch.fft.rfft(x)
    masks = smooth_masks(args.masks, (1, spectra.shape[-1]), args.num_cells, 0.5,
                         generator=torch.Generator(device=device).manual_seed(0))
    masked_spec = [
        (spectra[g : g + group, None] * masks[m : m + args.batch_size][None]).reshape(
            -1, 1, spectra.shape[-1])
        for g in range(0, args.signals, group)
        for m in range(0, args.masks, args.batch_size)
    ]
    masked_sig = [torch.fft.irfft(s, n=x.shape[-1]) for s in masked_spec]

    def floor_ifft():
        for s in masked_spec:
            torch.fft.irfft(s, n=x.shape[-1])
        sync()

    def floor_forward():
        with torch.inference_mode():
            for s in masked_sig:
                model(s)
        sync()

    # Interleave the three measurements so machine noise hits them alike; keep each minimum.
    t_rise = t_ifft = t_fwd = float("inf")
    for _ in range(args.repeat):
        t_rise = min(t_rise, best_time(freqrise, 1))
        t_ifft = min(t_ifft, best_time(floor_ifft, 1))
        t_fwd = min(t_fwd, best_time(floor_forward, 1))
    floor = t_ifft + t_fwd
    print(f"paper MLP: {'published weights' if weights.is_file() else 'random weights'}; "
          f"{args.signals} signals x {args.masks} masks, num_cells={args.num_cells}, "
          f"batch_size={args.batch_size}, cell_shape={args.cell_shape}, "
          f"forward batch={group * args.batch_size}, "
          f"torch threads={torch.get_num_threads()}, allocator tuned={tuned}, device={device}")
    print(f"FreqRISE           {t_rise:.3f} s")
    print(f"floor: inverse FFT {t_ifft:.3f} s + forwards {t_fwd:.3f} s = {floor:.3f} s")
    print(f"ratio FreqRISE / floor = {t_rise / floor:.2f}  (target <= 1.25 on CPU)")


if __name__ == "__main__":
    main()

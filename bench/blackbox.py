"""FreqRISE on a black-box classifier against calling its predict_proba directly.

MiniRocket (aeon) on BasicMotions: FreqRISE(clf) sends its masked signals through
:class:`freqxai.adapters.EstimatorModel` (tensor -> numpy -> predict_proba -> tensor, in FreqRISE's
forward batches); the floor is ``clf.predict_proba`` on the same number of already-masked signals,
in one call per FreqRISE step. The ratio (FreqRISE / direct) is the price of the adapter, the
masks and the sums; the classifier's own transform is the cost both pay.

    python bench/blackbox.py [--signals 8] [--masks 500] [--repeat 3]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _common import best_time

from freqxai import FreqRISE, get_domain, smooth_masks
from freqxai.explainers.freqrise import auto_num_cells


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=8)
    ap.add_argument("--masks", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--weighting", action="store_true",
                    help="instead: compare FreqRISE's output weightings on MiniRocket's "
                         "probabilities (channel means removed): share of significant bins and "
                         "seed-to-seed top-5 %% Jaccard")
    args = ap.parse_args()
    torch.set_num_threads(1)

    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_basic_motions

    if args.weighting:
        return _weighting(args)
    X, y = load_basic_motions(split="train")
    clf = MiniRocketClassifier(random_state=0).fit(X, y)
    Xt = load_basic_motions(split="test")[0][: args.signals].astype(np.float32)
    n, c, length = Xt.shape

    domain = get_domain("fft")
    coeffs = domain.forward(torch.from_numpy(Xt))
    cells = auto_num_cells(coeffs.shape[2:])
    gen = torch.Generator().manual_seed(0)
    masks = smooth_masks(args.batch_size, (1, *coeffs.shape[2:]), cells, 0.5, n_smooth_axes=1,
                         generator=gen, cell_shape="box")
    masked = domain.inverse(coeffs[:, None] * masks[None], length).reshape(-1, c, length)
    masked = masked.numpy().astype(np.float64)
    steps = -(-args.masks // args.batch_size)

    def direct():
        for _ in range(steps):
            clf.predict_proba(masked)

    def freqrise():
        FreqRISE(clf, n_masks=args.masks, batch_size=args.batch_size).attribute(
            Xt, seed=0, warn_if_noise=False)

    forwards = n * args.masks
    ratios = []
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        t_direct = best_time(direct, repeat=1, warmup=0)
        t_rise = best_time(freqrise, repeat=1, warmup=0)
        ratios.append(t_rise / t_direct)
        print(f"direct predict_proba {forwards / t_direct:8.0f} signals/s   "
              f"FreqRISE {forwards / t_rise:8.0f} signals/s   ratio {t_rise / t_direct:.3f}")
    print(f"FreqRISE / direct predict_proba: median {np.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}) over {args.repeat} interleaved repeats; "
          f"{n} signals x {args.masks} masks, {c} channels x {length} samples")


def _weighting(args) -> None:
    """Which output FreqRISE should weigh probabilities by: the probability itself (what
    output="softmax" means for a probability model) or its log."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_basic_motions

    from freqxai.explainers.freqrise import top_jaccard

    X, y = load_basic_motions(split="train")
    Xt, yt = load_basic_motions(split="test")
    X, Xt = X - X.mean(-1, keepdims=True), Xt - Xt.mean(-1, keepdims=True)
    names = sorted(set(y))
    y = np.array([names.index(v) for v in y])
    yt = np.array([names.index(v) for v in yt])
    clf = MiniRocketClassifier(random_state=0).fit(X, y)
    pick = np.concatenate([np.flatnonzero(yt == c)[:2] for c in range(4)])  # 2 per class
    x = Xt[pick].astype(np.float32)
    from freqxai.adapters import EstimatorModel

    probe = clf.predict_proba(x[:4].astype(np.float64))
    print(f"predict_proba of {type(clf).__name__} is one-hot: {bool(np.isin(probe, (0, 1)).all())}")
    cases = [("predict_proba", "softmax"), ("predict_proba", "log_softmax")]
    if hasattr(clf, "decision_function"):  # (aeon's MiniRocketClassifier has none)
        cases += [("decision_function", "softmax"), ("decision_function", "logit")]
    for method, output in cases:
        maps, sig = [], []
        model = EstimatorModel(clf, method=method)
        for seed in (0, 1):
            rel, z = FreqRISE(model, n_masks=args.masks, output=output).attribute(
                x, target=yt[pick], seed=seed, return_z_scores=True, warn_if_noise=False)
            maps.append(torch.from_numpy(np.abs(rel[:, 0])))
            sig.append(float((np.abs(z) > 3).mean()))
        jac = top_jaccard(maps[0], maps[1]).mean().item()
        print(f"{method:<17} output={output:<12} significant bins (|z| > 3) {100 * np.mean(sig):5.1f} %   "
              f"seed 0 vs 1 top-5 % Jaccard {jac:.3f}   ({len(x)} signals, {args.masks} masks)")


if __name__ == "__main__":
    main()

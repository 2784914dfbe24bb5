"""Does the summary's top band per class hold up when we intervene on the signals?

For each class and method, the band :func:`freqxai.summary.summarize` ranks first is checked with
:func:`freqxai.summary.band_intervention` on that class's test signals: the accuracy with only
that band kept, and with that band removed. A band that drives the decision keeps the accuracy
when it is all that is left and costs accuracy when it is removed.

Cases (all offline, seeded):
1. BasicMotions (aeon), each channel's mean removed, freqxai's SmallCNN: FreqRISE, FLEX, IG, LRP.
2. The same data, aeon's MiniRocket (a black box: FreqRISE only).
3. A scikit-learn pipeline (|rFFT| -> logistic regression) on the FreqRISE paper's synthetic
   benchmark: localization of the class frequencies.

    python bench/answer.py [--epochs 60] [--masks 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from freqxai import get_explainer
from freqxai.summary import band_intervention, summarize


def _basic_motions():
    from aeon.datasets import load_basic_motions

    X, y = load_basic_motions(split="train")
    Xt, yt = load_basic_motions(split="test")
    names = sorted(set(y))
    X = (X - X.mean(-1, keepdims=True)).astype(np.float32)
    Xt = (Xt - Xt.mean(-1, keepdims=True)).astype(np.float32)
    return X, np.array([names.index(v) for v in y]), Xt, np.array([names.index(v) for v in yt]), names


def _check(df, model, Xt, yt, names, fs, methods):
    print(f"{'class':<10} {'method':<9} {'top band':<12} {'sig':<4} {'acc':>5} {'kept':>5} "
          f"{'removed':>7}  verdict")
    for c, name in enumerate(names):
        idx = yt == c
        for m in methods:
            row = df[(df["method"] == m) & (df["class"] == name) & (df["channel"] == "all")
                     & (df["rank"] == 1) & (df["domain"] == "fft")].iloc[0]
            r = band_intervention(model, Xt[idx], yt[idx], (row["low_hz"], row["high_hz"]), fs=fs)
            drives = r["kept"] >= 0.5 * r["accuracy"] and r["removed"] < r["accuracy"]
            print(f"{name:<10} {m:<9} {row['band']:<12} {'yes' if row['significant'] else 'no':<4} "
                  f"{r['accuracy']:5.2f} {r['kept']:5.2f} {r['removed']:7.2f}  "
                  f"{'confirmed' if drives else 'not confirmed'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--masks", type=int, default=1000)
    ap.add_argument("--cases", default="1,2,3", help="which cases to run (comma list)")
    args = ap.parse_args()
    cases = {int(c) for c in args.cases.split(",")}
    fs = 10.0
    X, y, Xt, yt, names = _basic_motions()


    if 1 in cases:
        _cnn_case(X, y, Xt, yt, names, fs, args)
    if 2 in cases:
        _minirocket_case(X, y, Xt, yt, names, fs, args)
    if 3 in cases:
        _pipeline_case(args)


def _cnn_case(X, y, Xt, yt, names, fs, args) -> None:
    from freqxai.models.cnn import SmallCNN
    from freqxai.models.training import fit_classifier

    torch.manual_seed(0)
    cnn = SmallCNN(X.shape[1], len(names))
    t0 = time.perf_counter()
    fit_classifier(cnn, (X, y), epochs=args.epochs, batch_size=8, seed=0, accelerator="cpu",
                   progress=False)
    cnn.eval()
    print(f"\n1. BasicMotions, channel means removed, SmallCNN ({args.epochs} epochs, "
          f"{time.perf_counter() - t0:.0f} s)")
    opts = {"freqrise": {"seed": 0}, "flex": {}, "ig": {}, "lrp": {}}
    settings = {"freqrise": {"n_masks": args.masks}}  # constructor settings
    rel = {m: get_explainer(m, cnn, domain="fft", **settings.get(m, {})).attribute(
        Xt, target=yt, **o) for m, o in opts.items()}
    df = summarize(rel, yt, domain="fft", length=Xt.shape[-1], fs=fs, class_names=names)
    _check(df, cnn, Xt, yt, names, fs, list(opts))


def _minirocket_case(X, y, Xt, yt, names, fs, args) -> None:
    from aeon.classification.convolution_based import MiniRocketClassifier

    t0 = time.perf_counter()
    clf = MiniRocketClassifier(random_state=0).fit(X, y)
    rel = {"freqrise": get_explainer("freqrise", clf, domain="fft", n_masks=args.masks).attribute(
        Xt, target=yt, seed=0)}
    print(f"\n2. BasicMotions, channel means removed, MiniRocket (FreqRISE {args.masks} masks, "
          f"{time.perf_counter() - t0:.0f} s with fitting)")
    df = summarize(rel, yt, domain="fft", length=Xt.shape[-1], fs=fs, class_names=names)
    _check(df, clf, Xt, yt, names, fs, ["freqrise"])


def _low_spectrum(a):
    """|rFFT| below 70 cycles per signal (the benchmark's frequencies are at most 60)."""
    return np.abs(np.fft.rfft(a.reshape(len(a), -1)))[:, :70]


def _pipeline_case(args) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from freqxai.data import make_synthetic
    from freqxai.data.synthetic import class_frequencies
    from freqxai.metrics.localization import relevance_rank_accuracy

    Xs, ys = make_synthetic(4000, noise=0.01, seed=1)
    Xst, yst = make_synthetic(40, noise=0.0, seed=3)
    pipe = make_pipeline(FunctionTransformer(_low_spectrum), StandardScaler(),
                         LogisticRegression(max_iter=3000, C=10))
    t0 = time.perf_counter()
    pipe.fit(Xs.reshape(len(Xs), -1), ys)
    acc = (pipe.predict(Xst.reshape(len(Xst), -1)) == yst).mean()
    rel = get_explainer("freqrise", pipe, domain="fft", n_masks=args.masks,
                        num_cells=200).attribute(
        Xst[:, None] if Xst.ndim == 2 else Xst, target=yst, seed=0)
    truth = [list(class_frequencies(int(c))) for c in yst]
    loc = relevance_rank_accuracy(rel[:, 0], truth)  # NaN for class 0 (no frequency)
    print(f"\n3. Synthetic benchmark, |rFFT| below 70 -> logistic regression (test accuracy "
          f"{acc:.3f}): FreqRISE localization {np.nanmean(loc):.3f} over the "
          f"{int(np.isfinite(loc).sum())} signals of classes with frequencies "
          f"({time.perf_counter() - t0:.0f} s with fitting)")


if __name__ == "__main__":
    main()

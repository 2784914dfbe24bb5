"""FLEXtime and FreqMask against FreqRISE and FLEX at stated compute, and sanity checks.

1. The paper's synthetic benchmark (MLP trained at noise 0.01, the fixed test signals; needs
   ``../shared``): localization (share of the class frequencies among the top relevance bins)
   with each method's compute per input (model forwards and backwards).
2. BasicMotions (UEA, bundled with aeon; the SmallCNN of ``bench/trust.py``, cached): deletion
   AUC, insertion at 10 %, complexity, smoothness, seed stability (top-5 % Jaccard of two runs
   with seeds 0 and 1; FLEXtime and FreqMask have no randomness) and compute; FLEXtime's bank
   sizes (``"auto"`` against the half-resolution bank).
3. Sanity checks (cascading parameter randomization): every method on the paper's MLP and on the
   BasicMotions CNN (raw, and with each channel's mean removed as in ``bench/trust.py``), one
   figure each (``docs/sanity_mlp.png``, ``docs/sanity_basicmotions*.png``), and data
   randomization (the raw CNN retrained on permuted labels).

    python bench/flextime.py [--n 40] [--skip-mlp] [--skip-sanity]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from _common import SHARED, setup_allocator
from trust import basicmotions_model

from freqxai import get_explainer
from freqxai.explainers.freqrise import top_jaccard
from freqxai.metrics import Deletion, complexity, insertion_at, relevance_rank_accuracy, smoothness

# (method, attribute options, forwards and backwards per input as a function of the explainer)
# method: (constructor settings, attribute options, cost (forwards, backwards) per input)
METHODS = {
    "freqrise": ({"n_masks": 1000}, {"seed": 0}, lambda ex, o: (ex.n_masks, 0)),
    "flex": ({}, {"n_steps": 50}, lambda ex, o: (o["n_steps"], o["n_steps"])),
    "flextime": ({}, {}, lambda ex, o: (ex.n_epochs_used_.mean(), ex.n_epochs_used_.mean())),
    "freqmask": ({}, {}, lambda ex, o: (ex.n_epochs_used_.mean(), ex.n_epochs_used_.mean())),
}
# method: (constructor settings, attribute options)
SANITY = {
    "freqrise": ({"n_masks": 500}, {"seed": 0}), "flex": ({}, {"n_steps": 16}),
    "saliency": ({}, {}), "gxi": ({}, {}), "ig": ({}, {"n_steps": 16}), "lrp": ({}, {}),
    "flextime": ({"n_epochs": 200}, {}), "freqmask": ({"n_epochs": 200}, {}),
    "random": ({}, {"seed": 0}), "amplitude": ({}, {}),
}
_SHOWN_ELSEWHERE = ("seed", "n_masks", "n_steps", "n_filters", "numtaps")


def explain(model, method, x, y, settings=None, **options):
    ex = get_explainer(method, model, domain="fft", **(settings or {}))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rel = ex.attribute(x, target=y, **options)
    return ex, rel, time.perf_counter() - t0


def synthetic(n: int) -> None:
    from freqxai.data import class_frequencies
    from freqxai.models import load_synth_mlp

    data = SHARED / "reference-data" / "synthetic_test_n100.npz"
    if not data.is_file():
        print("(../shared not found: synthetic benchmark skipped)")
        return
    with np.load(data) as d:
        x, y = torch.from_numpy(d["X"][:n, None]), torch.from_numpy(d["y"][:n])
    truth = [[int(f) for f in class_frequencies(int(c))] for c in y]
    model = load_synth_mlp(SHARED / "reference-models" / "synth_mlp_0.01.pt")
    print(f"\n=== synthetic benchmark, MLP 0.01, {n} test signals (1281 bins; class bins "
          "5/16/32/53): localization, compute per input")
    print(f"{'method':44s} {'localization':>12s} {'forwards':>9s} {'backwards':>9s} {'time':>7s}")
    rows = [(m, s, o, c) for m, (s, o, c) in METHODS.items()]
    rows.append(("flextime", {"n_filters": 640, "numtaps": 2559}, {}, METHODS["flextime"][2]))
    rows.append(("freqmask", {"smoothness": 1.0}, {}, METHODS["freqmask"][2]))  # the paper's
    for method, settings, options, cost in rows:
        ex, rel, dt = explain(model, method, x, y, settings, **options)
        loc = np.nanmean(relevance_rank_accuracy(rel.sum(1).clamp_min(0), truth))
        fw, bw = cost(ex, options)
        name = method + (f" {settings['n_filters']} filters / {settings['numtaps']} taps"
                         if "n_filters" in settings else "") + "".join(
            f" {k}={v}" for k, v in {**settings, **options}.items() if k not in _SHOWN_ELSEWHERE)
        if method == "flextime" and "n_filters" not in settings:
            name += " (auto: {} filters / {} taps)".format(*ex.bank(x.shape[-1]).shape)
        print(f"{name:44s} {loc:12.3f} {fw:9.0f} {bw:9.0f} {dt:6.1f}s")


def basicmotions(n: int) -> None:
    model, test = basicmotions_model()
    x, y = torch.from_numpy(test.X[:n]), torch.from_numpy(test.y[:n])
    deletion = Deletion("fft")
    print(f"\nBasicMotions, {len(x)} test inputs (51 bins, 6 channels), channel-summed relevance, "
          "negatives clipped")
    print(f"{'method':40s} {'deletion':>8s} {'ins@10%':>8s} {'complex.':>8s} {'smooth.':>8s} "
          f"{'seed J5%':>8s} {'fwd':>6s} {'bwd':>6s} {'time':>7s}")
    rows = [(m, s, o, c) for m, (s, o, c) in METHODS.items()]
    rows.append(("flextime", {"n_filters": 12, "numtaps": 49}, {}, METHODS["flextime"][2]))
    rows.append(("freqmask", {"perturbation": "moving_average"}, {}, METHODS["freqmask"][2]))
    rows.append(("freqmask", {"smoothness": 1.0}, {}, METHODS["freqmask"][2]))  # the paper's
    for method, settings, options, cost in rows:
        ex, rel, dt = explain(model, method, x, y, settings, **options)
        r = rel.sum(1, keepdim=True).clamp_min(0)
        fw, bw = cost(ex, options)
        if "seed" in options:
            _, other, _ = explain(model, method, x, y, settings, **{**options, "seed": 1})
            jac = top_jaccard(r.flatten(1).double(),
                              other.sum(1).clamp_min(0).flatten(1).double()).mean().item()
        else:
            jac = 1.0  # deterministic (FLEX, FLEXtime, FreqMask: no seed)
        name = method + "".join(f" {k}={v}" for k, v in {**settings, **options}.items()
                                if k not in ("seed",))
        print(f"{name:40s} {deletion(model, x, r, y).mean():8.3f} "
              f"{insertion_at(model, x, r, y).mean():8.3f} {np.nanmean(complexity(r)):8.3f} "
              f"{smoothness(r).mean():8.3f} {jac:8.3f} {fw:6.0f} {bw:6.0f} {dt:6.1f}s")


def sanity(n: int) -> None:
    from freqxai.sanity import data_randomization, parameter_randomization, plot_randomization

    figures = []
    from freqxai.models import load_synth_mlp

    data = SHARED / "reference-data" / "synthetic_test_n100.npz"
    if data.is_file():
        with np.load(data) as d:
            x, y = torch.from_numpy(d["X"][:n, None]), torch.from_numpy(d["y"][:n])
        figures.append(("paper's MLP (noise 0.01)", "mlp",
                        load_synth_mlp(SHARED / "reference-models" / "synth_mlp_0.01.pt"), x, y))
    for remove_mean in (False, True):
        model, test = basicmotions_model(remove_mean)
        figures.append((f"BasicMotions CNN{', channel means removed' if remove_mean else ''}",
                        "basicmotions" + ("_mean_removed" if remove_mean else ""), model,
                        torch.from_numpy(test.X[:n]), torch.from_numpy(test.y[:n])))
    from freqxai.plotting import new_figure, save_figure

    for title, slug, model, x, y in figures:
        print(f"\nsanity, {title}, {len(x)} inputs: Spearman (|relevance|) to the original after "
              "randomizing layers from the output backwards; top-10 % intersection last")
        tables = []
        for method, (settings, options) in SANITY.items():
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = parameter_randomization(model, x, y, method=method, settings=settings,
                                                options=options)
            tables.append(table)
            flag = "SURVIVES (explains the data)" if table.attrs["survives"] else "passes"
            print(f"{method:10s} " + " ".join(f"{v:6.3f}" for v in table["spearman"])
                  + f"   top-k {table['top_k'].iloc[-1]:.3f}  {flag}  "
                  f"({time.perf_counter() - t0:.0f} s)")
        print("layers: " + ", ".join(tables[0]["layer"]))
        fig, axs = new_figure(1, 1, figsize=(8.5, 4))
        plot_randomization(tables, axs[0, 0], title=f"parameter randomization, {title}")
        path = Path(f"docs/sanity_{slug}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        save_figure(fig, path, dpi=90)
        print(f"figure: {path}")
    data_randomization_basicmotions(n, data_randomization)


def data_randomization_basicmotions(n: int, data_randomization) -> None:
    from freqxai.data.uea import load_uea
    from freqxai.models.cnn import SmallCNN
    from freqxai.sanity import train_on_permuted_labels

    model, test = basicmotions_model()
    train = load_uea("BasicMotions", "train")
    t0 = time.perf_counter()
    permuted = train_on_permuted_labels(lambda: SmallCNN(6, 4), train.X, train.y, epochs=200,
                                        batch_size=8, accelerator="cpu", progress=False)
    print(f"\ndata randomization, BasicMotions: SmallCNN retrained on permuted labels "
          f"({time.perf_counter() - t0:.0f} s); Spearman (|relevance|) to the original model's")
    x, y = torch.from_numpy(test.X[:n]), torch.from_numpy(test.y[:n])
    for method, (settings, options) in SANITY.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = data_randomization(model, permuted, x, y, method=method, settings=settings,
                                       options=options)
        flag = "SURVIVES" if table.attrs["survives"] else "passes"
        print(f"{method:10s} {table['spearman'].iloc[1]:6.3f}  top-k {table['top_k'].iloc[1]:.3f}"
              f"  {flag}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="inputs per benchmark")
    ap.add_argument("--n-sanity", type=int, default=12, help="inputs per sanity check")
    ap.add_argument("--skip-mlp", action="store_true")
    ap.add_argument("--skip-sanity", action="store_true")
    args = ap.parse_args()
    setup_allocator("tuned")
    torch.manual_seed(0)
    if not args.skip_mlp:
        synthetic(args.n)
    basicmotions(args.n)
    if not args.skip_sanity:
        sanity(args.n_sanity)


if __name__ == "__main__":
    main()

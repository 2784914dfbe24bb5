"""Band Shapley values: known answers and cost against FreqRISE's defaults.

(a) The paper's MLPs (../shared): share of the test signals with class frequencies whose class
    bands have the top Shapley values (bands a user gives for 5, 16, 32, 53; and the default
    octaves, which put 32 and 53 in one band), per output.
(b) The freqIG README example (fs = 128 Hz, 100 x 256 samples, a 7 Hz tone in class 1, its CNN
    trained as the README does): share of tone signals with 4-8 Hz first; for the noise signals,
    the band with the largest |value| and the 4-8 Hz band's mean value.
(c) Cost: forwards per input (band Shapley: 2**n coalitions; FreqRISE: its default 3000 masks,
    also the runner's n_masks="auto" budget) and wall-time ratios measured in this process,
    best of --repeat runs each.

    nice python bench/shapley.py [--repeat 3] [--timing-signals 20] [--cost-only]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _common import SHARED

from freqxai import BandShapley, FreqRISE
from freqxai.bands import band_membership
from freqxai.data import class_frequencies
from freqxai.models import load_synth_mlp
from freqxai.testing import FreqIGReadmeCNN

FREQRISE_MASKS = 3000  # FreqRISE.attribute's n_masks default (and the runner's AUTO_MAX_MASKS)
PAPER_BANDS = {"0-10": (0.0, 10.5), "10-24": (10.5, 24.5), "24-42": (24.5, 42.5),
               "42-100": (42.5, 100.0), "100-1280": (100.0, 1280.0)}


def class_bands_first(values: np.ndarray, y: np.ndarray, bands: dict) -> list[bool]:
    hits = []
    for v, c in zip(values, y, strict=True):
        freqs = np.asarray(class_frequencies(int(c)), dtype=float)
        if freqs.size == 0:
            continue
        want = set(np.flatnonzero(band_membership(freqs, bands).any(0)).tolist())
        hits.append(set(np.argsort(-v)[: len(want)].tolist()) == want)
    return hits


def paper(repeat_outputs: tuple[str, ...]) -> None:
    path = SHARED / "reference-data" / "synthetic_test_n100.npz"
    if not path.is_file():
        print("(a) skipped: ../shared/reference-data is absent")
        return
    data = np.load(path)
    x, y = data["X"][:, None, :], data["y"]
    print("(a) paper MLPs, 100 test signals (94 with class frequencies); fs = 2560 (Hz = cycles "
          "per signal)")
    for noise in ("0.01", "0.8"):
        model = load_synth_mlp(SHARED / "reference-models" / f"synth_mlp_{noise}.pt")
        for output in repeat_outputs:
            t0 = time.perf_counter()
            bv = BandShapley(model, fs=2560.0, bands=PAPER_BANDS, output=output).band_values(
                x, target=y)
            hits = class_bands_first(bv.values, y, bv.bands)
            print(f"    noise {noise:<4} user bands (5 players)  output={output:<11} class bands "
                  f"first: {np.mean(hits):.3f} ({sum(hits)}/{len(hits)}), "
                  f"{int(bv.n_evaluations[0])} forwards/input, {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        bv = BandShapley(model, fs=2560.0).band_values(x, target=y)
        hits = class_bands_first(bv.values, y, bv.bands)
        merged = class_frequencies(15)
        where = band_membership(np.asarray(merged, float), bv.bands).argmax(1)
        print(f"    noise {noise:<4} default octaves ({len(bv.names)} players) output=margin      "
              f"class bands first: {np.mean(hits):.3f} ({sum(hits)}/{len(hits)}), "
              f"{int(bv.n_evaluations[0])} forwards/input, {time.perf_counter() - t0:.1f} s; "
              f"class frequencies {merged} fall in bands "
              f"{[bv.names[i] for i in where]}")


def freqig_example() -> tuple[torch.nn.Module, torch.Tensor, np.ndarray]:
    """The freqIG README example's data and trained CNN (its seeds, 150 full-batch Adam steps)."""
    rng = np.random.RandomState(42)
    fs, n_samples, n_features = 128, 100, 256
    freqs = np.fft.rfftfreq(n_features, d=1 / fs)
    target_hz = rng.choice(np.arange(1, min(10, fs // 2)))
    target = freqs[np.argmin(np.abs(freqs - target_hz))]
    t = np.arange(n_features) / fs
    X, y = [], []
    for _ in range(n_samples):
        label = rng.randint(0, 2)
        base = 5 * rng.randn(n_features)
        if label == 1:
            phase = rng.uniform(0, 2 * np.pi)
            amplitude = rng.uniform(10, 30)
            base += amplitude * np.sin(2 * np.pi * target * t + phase)
        X.append(base)
        y.append(label)
    x = torch.tensor(np.stack(X), dtype=torch.float32)[:, None]
    labels = np.array(y)
    model = FreqIGReadmeCNN(seed=42)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    for _ in range(150):
        opt.zero_grad()
        loss_fn(model(x), torch.as_tensor(labels)).backward()
        opt.step()
    model.eval()
    print(f"(b) freqIG README example: tone {target:.1f} Hz, training accuracy "
          f"{(model(x).argmax(1).numpy() == labels).mean():.2f}")
    return model, x, labels


def freqig(model, x, labels) -> None:
    explainer = BandShapley(model, fs=128.0)
    bv = explainer.band_values(x, target=labels)
    tone = bv.names.index("4-8 Hz")
    first = bv.values.argmax(1).numpy() == tone
    noise = bv.values[labels == 0]
    top = np.bincount(noise.abs().argmax(1).numpy(), minlength=len(bv.names))
    print(f"    {len(bv.names)} players, {int(bv.n_evaluations[0])} forwards/input; class 1 "
          f"(tone): 4-8 Hz first for {first[labels == 1].mean():.2f} of {(labels == 1).sum()} "
          f"(mean value {bv.values[labels == 1, tone].mean():+.2f})")
    print(f"    class 0 (noise, {(labels == 0).sum()} signals): largest |value| "
          f"{bv.names[int(top.argmax())]} for {top.max() / top.sum():.2f} (mean value "
          f"{noise[:, int(top.argmax())].mean():+.2f}); 4-8 Hz mean value "
          f"{noise[:, tone].mean():+.2f} (the tone band lowers the noise class)")


def interleaved(a, b, repeat: int) -> tuple[float, float]:
    """Best wall time of ``a`` and of ``b`` over ``repeat`` rounds that run one after the other
    (after one warm-up round), so a change of load on a shared machine hits both."""
    best = [float("inf"), float("inf")]
    for r in range(repeat + 1):
        for k, fn in enumerate((a, b)):
            t0 = time.perf_counter()
            fn()
            if r:
                best[k] = min(best[k], time.perf_counter() - t0)
    return best[0], best[1]


def cost(model_mlp, x_mlp, y_mlp, model_cnn, x_cnn, y_cnn, repeat: int) -> None:
    print(f"(c) forwards per input: FreqRISE default {FREQRISE_MASKS}; band Shapley exact 2**n")
    for n in range(4, 13):
        print(f"    {n:>2} bands: {2**n:>5} forwards, ratio {2**n / FREQRISE_MASKS:.3f}"
              + ("  <= 1/10" if 2**n <= FREQRISE_MASKS / 10 else ""))
    print(f"    timings (best of {repeat}; FreqRISE defaults: n_masks={FREQRISE_MASKS}, "
          "box cells, auto cells)")
    cases = [("freqIG CNN, 256 samples, default octaves", model_cnn, x_cnn, y_cnn, {"fs": 128.0}),
             ("paper MLP, 2560 samples, 5 user bands", model_mlp, x_mlp, y_mlp,
              {"fs": 2560.0, "bands": PAPER_BANDS}),
             ("paper MLP, 2560 samples, 12 default octaves", model_mlp, x_mlp, y_mlp, {})]
    for name, model, x, y, settings in cases:
        shap = BandShapley(model, **settings)
        rise = FreqRISE(model)
        t_shap, t_rise = interleaved(
            lambda: shap.attribute(x, target=y),  # noqa: B023
            lambda: rise.attribute(x, target=y, seed=0, warn_if_noise=False),  # noqa: B023
            repeat)
        n_shap = shap.n_evaluations_
        print(f"    {name:<44} {len(x)} signals: band Shapley {n_shap} forwards/input "
              f"{t_shap:6.2f} s, FreqRISE {FREQRISE_MASKS} {t_rise:6.2f} s; forwards ratio "
              f"{n_shap / FREQRISE_MASKS:.3f}, time ratio {t_shap / t_rise:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timing-signals", type=int, default=20)
    ap.add_argument("--cost-only", action="store_true", help="skip the paper MLPs' known answers")
    args = ap.parse_args()
    torch.manual_seed(0)
    if not args.cost_only:
        paper(("margin", "logit", "probability"))
    model_cnn, x_cnn, labels = freqig_example()
    freqig(model_cnn, x_cnn, labels)
    n = args.timing_signals
    path = SHARED / "reference-data" / "synthetic_test_n100.npz"
    if path.is_file():
        data = np.load(path)
        x_mlp = torch.from_numpy(data["X"][:n, None, :])
        y_mlp = torch.from_numpy(data["y"][:n])
        mlp = load_synth_mlp(SHARED / "reference-models" / "synth_mlp_0.01.pt")
    else:
        from freqxai.data import make_synthetic
        from freqxai.models import SynthMLP

        X, y = make_synthetic(n, noise=0.0)
        x_mlp, y_mlp, mlp = torch.from_numpy(X), torch.from_numpy(y), SynthMLP().eval()
    cost(mlp, x_mlp, y_mlp, model_cnn, x_cnn[:n], torch.as_tensor(labels[:n]), args.repeat)
    print(f"    threads: {torch.get_num_threads()}")


if __name__ == "__main__":
    main()

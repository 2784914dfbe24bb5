"""Long signals in minutes (issue 19): OSULeaf's run by phase, and FreqRISE in FSDD's STFT.

Before = the old defaults reproduced by explicit settings in the same process; after = today's
defaults. Timings are wall-clock seconds on this machine (load from other processes changes them;
compare the ratios printed side by side, not absolute values across runs).

- ``osuleaf``: aeon's OSULeaf (427 samples, 6 classes, 200 train / 242 test series), the SmallCNN
  of ``freqxai run uea``. Training: before 200 epochs on the whole train split (timed over
  ``--epochs-timed`` epochs and scaled to 200, said so), after the run's training (20 % of the
  train split for validation, early stopping on its loss, patience 20, best epoch kept).
  FreqRISE on one chunk of 25 test series in the rFFT and the fitted STFT: before 3000 masks in
  forwards of 2456 signals, after ``n_masks="auto"`` (at most 3000) in forwards of 153 signals.
  The other default methods and the default metrics on the same chunk, once (unchanged).
- ``fsdd``: 10 correctly classified test clips of the Free Spoken Digit Dataset (8000 samples,
  ``../shared/real-audio/fsdd``) in the paper's STFT (n_fft 455, hop 35: 228 x 229 = 52,212
  coefficients), explained by FreqRISE: before 500 masks with the old automatic cells (57 x 57),
  no blocking; after the defaults (3000 masks, cells fitted to the budget: 11 x 11) and the
  same 500 masks with the new cells (4 x 4). Significance: the share of coefficients with
  ``|z| > 3`` (lift over its Monte-Carlo standard error; 0.27 % by chance), and how many clips
  pass the library's own rule (some coefficient beyond the 1 % family-wise threshold,
  ``noise_threshold``). Deletion (lower is better) against a random ranking. The model is a
  compact strided CNN trained here on the train speakers (AudioNet's forward costs 30-60 ms per
  clip on this CPU, so it cannot be trained here); its forward is 0.25 ms, so the STFT's inverse
  dominates, as it would for any model cheaper than the istft of 52K coefficients.

Run: ``python bench/long_signals.py`` (both, about 10 min on 2 busy cores) or ``--part osuleaf``
/ ``--part fsdd``; ``--threads 1`` pins torch's threads (steadier under load).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

import freqxai.explainers.freqrise as fr
from freqxai import FreqRISE
from freqxai.domains import STFT
from freqxai.metrics import get_metric

FSDD = Path(__file__).resolve().parents[1] / ".." / "shared" / "real-audio" / "fsdd"


def _clock():
    t0 = time.perf_counter()
    return lambda: time.perf_counter() - t0


def osuleaf(epochs_timed: int, work: Path) -> None:
    from freqxai.data.uea import load_uea
    from freqxai.models.cnn import SmallCNN
    from freqxai.models.training import accuracy, fit_classifier, validation_split
    from freqxai.runner.compute import explain_chunk_domains, score_chunk
    from freqxai.runner.config import RunConfig
    from freqxai.runner.sources.uea import UEA_PATIENCE

    train, test = load_uea("OSULeaf", "train"), load_uea("OSULeaf", "test")
    print(f"OSULeaf: train {train.X.shape}, test {test.X.shape}")

    def fresh() -> nn.Module:
        torch.manual_seed(0)
        return SmallCNN(1, len(train.class_names))

    # -- training -------------------------------------------------------------------------------
    before = fresh()
    fit_classifier(before, (train.X, train.y), epochs=1, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)  # Lightning's first start, not timed
    before = fresh()
    clock = _clock()
    fit_classifier(before, (train.X, train.y), epochs=epochs_timed, batch_size=8, seed=0,
                   accelerator="cpu", progress=False)
    per_epoch = clock() / epochs_timed
    print(f"  training before: 200 epochs, no validation: {per_epoch:.2f} s/epoch -> "
          f"{200 * per_epoch:.0f} s for 200 (timed over {epochs_timed})")
    after = fresh()
    fit_idx, val_idx = validation_split(train.y, seed=0)
    ckpt = work / "checkpoints"
    clock = _clock()
    res = fit_classifier(after, (train.X[fit_idx], train.y[fit_idx]),
                         (train.X[val_idx], train.y[val_idx]), epochs=200, batch_size=8, seed=0,
                         patience=UEA_PATIENCE, monitor="val_loss", checkpoint_dir=ckpt,
                         accelerator="cpu", progress=False)
    t_train = clock()
    for f in ckpt.glob("*.ckpt"):  # (a later run would resume from last.ckpt)
        f.unlink()
    print(f"  training after: early stopping at epoch {res.epochs} of 200: {t_train:.0f} s, "
          f"test accuracy {accuracy(after, test.X, test.y):.3f}")
    model = after.eval()

    # -- one chunk of 25 signals --------------------------------------------------------------------
    cfg = RunConfig(dataset="uea", name="OSULeaf", out="unused").validate(create_out=False)
    cfg.fit_to_length(test.X.shape[-1])
    x, y = torch.from_numpy(test.X[:25]), torch.from_numpy(test.y[:25])
    print(f"  one chunk of 25 series; STFT {cfg.stft}; FreqRISE:")
    for domain in cfg.domains:
        dom = cfg.domain(domain)
        e_old = FreqRISE(model, dom, n_masks=3000)
        e = FreqRISE(model, dom, n_masks="auto", max_masks=3000)
        clock = _clock()
        _, z_old = e_old.attribute(x, y, seed=0, internal_batch_size=2456,
                                   return_z_scores=True, warn_if_noise=False)
        t_old = clock()
        clock = _clock()
        _, z_new = e.attribute(x, y, seed=0, return_z_scores=True, warn_if_noise=False)
        t_new = clock()
        sig = lambda z: float((z.abs() > 3).double().mean())  # noqa: E731
        print(f"    {domain:5s} before 3000 masks {t_old:6.1f} s ({sig(z_old):.1%} |z|>3)   "
              f"after auto: {e.n_masks_used_} masks {t_new:6.1f} s ({sig(z_new):.1%} |z|>3)   "
              f"{t_old / t_new:.1f}x")
    others = [m for m in cfg.methods if m not in ("freqrise", "flextime", "freqmask")]
    clock = _clock()
    t_metrics = 0.0
    for method in others:
        with torch.enable_grad():
            rels = explain_chunk_domains(model, cfg, method, cfg.domains, x, y, 0)
        inner = _clock()
        for domain, (rel, _) in rels.items():
            score_chunk(model, cfg, method, domain, x, y, rel, None)
        t_metrics += inner()
    total = clock()
    print(f"  the other {len(others)} methods ({', '.join(others)}): {total - t_metrics:.0f} s "
          f"explaining, {t_metrics:.0f} s of metrics ({', '.join(cfg.metrics)}) per chunk")


class _FsddNet(nn.Module):
    """A compact strided CNN for 8 kHz digits (0.25 ms per clip on one core)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, 16, 64, stride=16), nn.ReLU(), nn.Conv1d(16, 32, 8, stride=4), nn.ReLU(),
            nn.Conv1d(32, 32, 5, stride=2), nn.ReLU(), nn.AdaptiveAvgPool1d(8), nn.Flatten(),
            nn.Linear(256, 10))

    def forward(self, x):
        return self.net(x)


def fsdd(data: Path, work: Path) -> None:
    from freqxai.data.audio import load_audio, preprocess_fsdd, split_indices

    work.mkdir(parents=True, exist_ok=True)
    h5 = work / "fsdd.h5"
    if not h5.is_file():
        preprocess_fsdd(data, h5, progress=False)
    ds = load_audio(h5)
    idx = split_indices(ds, "digit", 0)
    labels = ds.labels("digit")
    X, Y = torch.from_numpy(ds.signals[idx["train"]]), torch.from_numpy(labels[idx["train"]])
    Xt, Yt = torch.from_numpy(ds.signals[idx["test"]]), torch.from_numpy(labels[idx["test"]])
    model = _FsddNet()
    weights = work / "fsdd_net.pt"
    if weights.is_file():
        model.load_state_dict(torch.load(weights, weights_only=True))
    else:
        torch.manual_seed(0)
        model = _FsddNet()
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        gen = torch.Generator().manual_seed(0)
        for _ in range(20):
            for b in torch.randperm(len(X), generator=gen).split(32):
                loss = nn.functional.cross_entropy(model(X[b]), Y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
        torch.save(model.state_dict(), weights)
    model.eval()
    with torch.inference_mode():
        ok = (model(Xt).argmax(1) == Yt).nonzero()[:, 0]
    print(f"FSDD: bench CNN test accuracy {len(ok) / len(Yt):.3f} (held-out speakers)")
    pick = ok[torch.linspace(0, len(ok) - 1, 10).long()]
    x, y = Xt[pick], Yt[pick]
    dom = STFT(455, 35)
    grid = dom.coefficient_shape(x.shape[-1])
    deletion = get_metric("deletion")
    rng = np.random.default_rng(0)
    rand = deletion(model, x, rng.random((10, 1, *grid)), y, domain=dom).mean()
    print(f"  10 clips, STFT {grid[0]} x {grid[1]} = {grid[0] * grid[1]:,} coefficients; "
          f"deletion of a random ranking {rand:.3f}")

    def one(label: str, old: bool, **kw) -> None:
        saved = fr.MODEL_ELEMENTS, fr._BLOCK_ELEMENTS
        if old:  # forwards of 2**20 input samples, masks multiplied and inverted all at once
            fr.MODEL_ELEMENTS, fr._BLOCK_ELEMENTS = 2**20, 2**62
        try:
            e = FreqRISE(model, dom, **kw)  # kw: settings (n_masks, num_cells)
            clock = _clock()
            rel, z = e.attribute(x, y, seed=0, return_z_scores=True, warn_if_noise=False)
            t = clock()
        finally:
            fr.MODEL_ELEMENTS, fr._BLOCK_ELEMENTS = saved
        zf = z.abs().flatten(1)
        passing = int((zf.max(1).values >= fr.noise_threshold(zf.shape[1])).sum())
        d = deletion(model, x, rel.numpy(), y, domain=dom).mean()
        n = kw.get("n_masks", 3000)
        cells = kw.get("num_cells") or fr.auto_num_cells(grid, n)
        print(f"  {label:34s} {n:5d} masks, {cells[0]:2d} x {cells[1]:2d} cells: {t:6.1f} s, "
              f"{float((zf > 3).double().mean()):6.2%} of coefficients |z|>3, {passing}/10 clips "
              f"pass the noise rule, deletion {d:.3f}")

    one("before (old defaults, 500 masks)", True, n_masks=500, num_cells=(57, 57))
    one("after, 500 masks", False, n_masks=500)
    one("after, defaults", False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=("osuleaf", "fsdd", "all"), default="all")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--epochs-timed", type=int, default=10,
                   help="epochs timed for the old 200-epoch training (scaled to 200)")
    p.add_argument("--fsdd", type=Path, default=FSDD, help="FSDD folder (recordings/*.wav)")
    p.add_argument("--work", type=Path, default=Path("freqxai-output/bench/long_signals"))
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    print(f"torch threads: {torch.get_num_threads()}")
    if args.part in ("osuleaf", "all"):
        osuleaf(args.epochs_timed, args.work)
    if args.part in ("fsdd", "all"):
        if args.fsdd.is_dir():
            fsdd(args.fsdd, args.work)
        else:
            print(f"FSDD skipped: {args.fsdd} not found")


if __name__ == "__main__":
    main()

"""Command-line interface: ``freqxai quickstart | train``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

__all__ = ["main"]


def _cmd_quickstart(args: argparse.Namespace) -> int:
    from .quickstart import run_quickstart

    t0 = time.perf_counter()
    res = run_quickstart(
        args.out, noise=args.noise, n_train=args.n_train, epochs=args.epochs,
        n_explain=args.n_explain, n_masks=args.n_masks, seed=args.seed, progress=not args.quiet,
    )
    print(f"test accuracy (noise-free signals): {res.test_accuracy:.3f}")
    print(f"FreqRISE localization (relevance rank accuracy): {res.localization:.3f}")
    print(f"figure: {res.figure}")
    print(f"table:  {res.table_md} (and {res.table_csv.name})")
    print(f"outputs in {res.out_dir.resolve()}  [{time.perf_counter() - t0:.0f} s]")
    return 0


def _cmd_train_synthetic(args: argparse.Namespace) -> int:
    from ._io import ensure_writable_dir
    from .models.training import save_state_dict, train_synthetic_mlp

    out = ensure_writable_dir(args.out)
    t0 = time.perf_counter()
    res = train_synthetic_mlp(
        args.noise, n_train=args.n_train, epochs=args.epochs, seed=args.seed,
        accelerator=args.accelerator, devices=args.devices, progress=not args.quiet,
    )
    path = save_state_dict(res.model, out / f"synth_mlp_{args.noise:g}.pt")
    print(f"validation accuracy (noise 0.8): {res.val_acc:.4f}")
    print(f"test accuracy (noise-free): {res.test_acc:.4f}")
    print(f"weights: {path}  [{time.perf_counter() - t0:.0f} s]")
    return 0


def _devices(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="freqxai",
        description="Explain time-series models in the frequency and time-frequency domain.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    q = sub.add_parser("quickstart", help="train a small model on synthetic data and explain it")
    q.add_argument("--out", default="freqxai-output/quickstart", help="output folder")
    q.add_argument("--noise", type=float, default=0.01, help="noise level of training signals")
    q.add_argument("--n-train", type=int, default=20_000, help="training signals")
    q.add_argument("--epochs", type=int, default=5)
    q.add_argument("--n-explain", type=int, default=8, help="test signals to explain")
    q.add_argument("--n-masks", type=int, default=3000, help="FreqRISE masks per signal")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--quiet", action="store_true", help="no progress bars")
    q.set_defaults(func=_cmd_quickstart)

    t = sub.add_parser("train", help="train a model of the paper")
    tsub = t.add_subparsers(dest="dataset", required=True)
    ts = tsub.add_parser("synthetic", help="the MLP on the synthetic sinusoid benchmark")
    ts.add_argument("--noise", type=float, required=True, help="noise level (paper: 0.01, 0.8)")
    ts.add_argument("--out", default="freqxai-output/models", help="folder for the weights")
    ts.add_argument("--n-train", type=int, default=100_000)
    ts.add_argument("--epochs", type=int, default=20)
    ts.add_argument("--seed", type=int, default=0)
    ts.add_argument("--accelerator", default="auto", help="Lightning accelerator (cpu, gpu, auto)")
    ts.add_argument("--devices", type=_devices, default=1, help="Lightning devices")
    ts.add_argument("--quiet", action="store_true")
    ts.set_defaults(func=_cmd_train_synthetic)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from .runtime import tune_cpu_allocator

    tune_cpu_allocator()
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, TypeError) as err:
        print(f"freqxai: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("freqxai: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

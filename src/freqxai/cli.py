"""Command-line interface: ``freqxai quickstart | train | data | run | report``.

``quickstart`` runs the whole loop on the embedded synthetic benchmark; ``train`` fits the paper's
models; ``data`` preprocesses raw recordings; ``run`` explains and scores every registered method
x domain x metric (names from the registries) into one HDF5 file; ``report`` re-renders a run's
tables and figures. Expected failures print one line ``freqxai: error: ...`` and exit 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

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
    from .models.training import check_training_settings, save_state_dict, train_synthetic_mlp

    # every setting checked before the output folder is made
    check_training_settings(noise=args.noise, n_train=args.n_train, epochs=args.epochs,
                            seed=args.seed)
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


def _cmd_data(args: argparse.Namespace) -> int:
    from .data.audio import preprocess_audiomnist, preprocess_fsdd

    fn = preprocess_audiomnist if args.dataset == "audiomnist" else preprocess_fsdd
    t0 = time.perf_counter()
    report = fn(args.src, args.out, seed=args.seed, strict=args.strict, progress=not args.quiet)
    print(report.summary())
    print(f"[{time.perf_counter() - t0:.0f} s]")
    return 0


def _cmd_train_audio(args: argparse.Namespace) -> int:
    from ._io import ensure_writable_dir
    from .data.audio import load_audio
    from .models.training import check_training_settings, save_state_dict, train_audionet

    check_training_settings(epochs=args.epochs, seed=args.seed, patience=args.patience)
    out = ensure_writable_dir(args.out)
    ds = load_audio(args.data)
    if ds.name != args.dataset:
        raise ValueError(f"{args.data} holds {ds.name}, not {args.dataset}")
    t0 = time.perf_counter()
    tag = f"{args.dataset}_{args.label}_fold{args.fold}"
    res = train_audionet(
        ds, args.label, args.fold, epochs=args.epochs, seed=args.seed, patience=args.patience,
        checkpoint_dir=out / f"checkpoints_{tag}", accelerator=args.accelerator,
        devices=args.devices, progress=not args.quiet,
    )
    path = save_state_dict(res.model, out / f"audionet_{tag}.pt")
    print(f"epochs run: {res.epochs}; validation accuracy {res.val_acc:.4f}; "
          f"test accuracy (held-out speakers) {res.test_acc:.4f}")
    print(f"weights: {path}  [{time.perf_counter() - t0:.0f} s]")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import load_config, make_config, run_experiment

    overrides = {
        "dataset": args.dataset, "out": args.out, "noise": args.noise, "data": args.data,
        "label": args.label, "fold": args.fold, "test_data": args.test_data,
        "weights": args.weights, "n_test": args.n_test, "n_masks": args.n_masks,
        "methods": _csv(args.methods), "domains": _csv(args.domains), "metrics": _csv(args.metrics),
        "devices": args.devices, "accelerator": args.accelerator, "seed": args.seed,
        "chunk_size": args.chunk_size, "epochs": args.epochs, "n_train": args.n_train,
        "threads": args.threads, "model": args.model, "model_factory": args.model_factory,
        "trust_pickle": args.trust_pickle or None, "fs": args.fs, "name": args.name,
    }
    if args.out is None and not args.config:  # (a config file's own out is kept)
        tag = {"synthetic": f"noise{0.01 if args.noise is None else args.noise:g}",
               "uea": args.name or "",
               "custom": Path(args.data).stem if args.data else ""}.get(
            args.dataset, args.label or "digit")
        overrides["out"] = f"runs/{args.dataset}_{tag}"
    if args.config:
        cfg = load_config(args.config, **overrides)
    else:
        cfg = make_config(**{k: v for k, v in overrides.items() if v is not None})
    # run_experiment validates everything before any compute, and a failed start removes the
    # folder only in the process that created it and holds its lock (never a concurrent run's)
    summary = run_experiment(cfg, progress=not args.quiet)
    if summary is None:  # an extra process of a multi-process run
        return 0
    print((summary.run_dir / "results.md").read_text())
    print(f"model test accuracy: {summary.test_accuracy:.3f}")
    print(f"{summary.n_computed} of {summary.n_items} work items computed in this call "
          f"({summary.seconds:.0f} s); results in {summary.run_dir / 'results.h5'}")
    print(f"report: {(summary.run_dir / 'report.html').resolve()}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .runner import write_report

    paths = write_report(args.run_dir)
    print(paths["markdown"].read_text())
    print(f"report: {paths['html'].resolve()} (and {len(paths) - 1} tables and figures)")
    if args.open:
        import webbrowser

        webbrowser.open(paths["html"].resolve().as_uri())
    return 0


def _csv(value: str | None) -> list[str] | None:
    # an empty list (``--methods ''``) is kept, for the configuration check to refuse: read as
    # "not given", it would run every method
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _devices(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def build_parser() -> argparse.ArgumentParser:
    from .domains import list_domains
    from .explainers import list_explainers
    from .metrics import list_metrics

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

    for name in ("audiomnist", "fsdd"):
        ta = tsub.add_parser(name, help=f"AudioNet on the preprocessed {name} HDF5 file")
        ta.add_argument("--data", required=True, help="HDF5 file from 'freqxai data'")
        ta.add_argument("--label", choices=["digit", "gender"], default="digit")
        ta.add_argument("--fold", type=int, default=0)
        ta.add_argument("--epochs", type=int, default=50, help="upper bound; early stopping")
        ta.add_argument("--patience", type=int, default=7)
        ta.add_argument("--out", default="freqxai-output/models")
        ta.add_argument("--seed", type=int, default=0)
        ta.add_argument("--accelerator", default="auto")
        ta.add_argument("--devices", type=_devices, default=1)
        ta.add_argument("--quiet", action="store_true")
        ta.set_defaults(func=_cmd_train_audio)

    d = sub.add_parser("data", help="preprocess raw wav recordings into one HDF5 file")
    d.add_argument("dataset", choices=["audiomnist", "fsdd"])
    d.add_argument("--src", required=True, help="dataset folder (AudioMNIST clone, or FSDD)")
    d.add_argument("--out", required=True, help="HDF5 file to write")
    d.add_argument("--seed", type=int, default=0, help="seed of the random placement in the frame")
    d.add_argument("--strict", action="store_true", help="stop at the first bad file")
    d.add_argument("--quiet", action="store_true")
    d.set_defaults(func=_cmd_data)

    r = sub.add_parser("run", help="run the paper's experiment: explain, evaluate, write tables/figures")
    r.add_argument("dataset", choices=["synthetic", "audiomnist", "fsdd", "custom", "uea"],
                   help="the paper's data sets, custom (--model and --data) or uea (--name)")
    r.add_argument("--config", help="JSON or TOML file with any RunConfig field")
    r.add_argument("--out", help="run folder (default runs/<dataset>_<noise|label>)")
    r.add_argument("--noise", type=float, help="synthetic: training noise level (default 0.01)")
    r.add_argument("--data", help="audio: HDF5 file from 'freqxai data'; custom: .npz/.h5 with X "
                   "(n, channels, time), optional y, fs, class_names, channel_names")
    r.add_argument("--model", help="custom/uea: TorchScript, .pt2, .onnx, .keras, or a state dict "
                   "with --model-factory")
    r.add_argument("--model-factory", help="package.module:Name building the module a state dict "
                   "is loaded into")
    r.add_argument("--trust-pickle", action="store_true",
                   help="allow a model file holding a pickled module (it runs code when loaded)")
    r.add_argument("--fs", type=float, help="sampling rate in Hz (overrides the data file's)")
    r.add_argument("--name", help="uea: the data set bundled with aeon, e.g. BasicMotions")
    r.add_argument("--label", choices=["digit", "gender"], help="audio: task")
    r.add_argument("--fold", type=int, help="audio: split fold")
    r.add_argument("--test-data", help="synthetic: .npz with X (n, 2560) and y")
    r.add_argument("--weights", help="model state dict (else trained and cached in the run folder)")
    r.add_argument("--n-test", type=int, help="test signals to explain (default 100)")
    r.add_argument("--n-masks", type=int, help="FreqRISE masks (default 3000)")
    r.add_argument("--methods", help=f"comma list, default all: {','.join(list_explainers())}")
    r.add_argument("--domains", help=f"comma list of {','.join(list_domains())} (default fft,stft)")
    r.add_argument("--metrics", help=f"comma list, default all: {','.join(list_metrics())}")
    r.add_argument("--devices", type=int, help="processes (CPU, gloo) or GPUs for attribution")
    r.add_argument("--accelerator", help="Lightning accelerator: cpu (default), gpu, auto")
    r.add_argument("--chunk-size", type=int, help="signals per work item (resume granularity)")
    r.add_argument("--threads", type=int, help="CPU threads per process (pin for bit-identical runs)")
    r.add_argument("--epochs", type=int, help="training epochs when no weights are given")
    r.add_argument("--n-train", type=int, help="training signals when no weights are given")
    r.add_argument("--seed", type=int)
    r.add_argument("--quiet", action="store_true")
    r.set_defaults(func=_cmd_run)

    rep = sub.add_parser("report", help="re-render tables and figures of a run from results.h5")
    rep.add_argument("run_dir")
    rep.add_argument("--open", action="store_true", help="open report.html in a web browser")
    rep.set_defaults(func=_cmd_report)
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
    except (ValueError, TypeError, ImportError, OSError) as err:
        # expected failures (bad input, a missing extra, an unreadable or full disk): one line
        # (plus the list of problems a configuration check collected), never a traceback
        print(f"freqxai: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        # SIGTERM during a run (kill, timeout, a scheduler) stops it like Ctrl-C; the runner says
        # so with its Terminated, which exists only once the runner is loaded
        engine = sys.modules.get("freqxai.runner.engine")
        if engine is not None and isinstance(err, engine.Terminated):
            print("freqxai: terminated; run the same command to resume (finished chunks are kept)",
                  file=sys.stderr)
            return 143  # 128 + SIGTERM, as a shell reports a process ended by it
        print("freqxai: interrupted; run the same command to resume (finished chunks are kept)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

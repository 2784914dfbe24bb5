"""Command-line interface: ``freqxai quickstart | train | data | run | report | list``.

``quickstart`` runs the whole loop on the embedded synthetic benchmark; ``train`` fits the paper's
models; ``data`` preprocesses raw recordings; ``run`` explains and scores every registered method
x domain x metric (names from the registries) into one HDF5 file; ``report`` re-renders a run's
tables and figures. Expected failures print one line ``freqxai: error: ...`` and exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import textwrap
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _bars(args: argparse.Namespace) -> bool:
    """Progress bars only on a terminal: piped or redirected output (a log file, CI) gets the
    phase lines without a bar's redraws; ``-q`` turns them off everywhere."""
    return not args.quiet and sys.stderr.isatty()


def _cmd_quickstart(args: argparse.Namespace) -> int:
    from .quickstart import run_quickstart

    t0 = time.perf_counter()
    res = run_quickstart(
        args.out, noise=args.noise, n_train=args.n_train, epochs=args.epochs,
        n_explain=args.n_explain, n_masks=args.n_masks, seed=args.seed,
        progress=_bars(args),
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
                            seed=args.seed, devices=args.devices)
    out = ensure_writable_dir(args.out)
    t0 = time.perf_counter()
    res = train_synthetic_mlp(
        args.noise, n_train=args.n_train, epochs=args.epochs, seed=args.seed,
        accelerator=args.accelerator, devices=args.devices, progress=args.verbose,
    )
    path = save_state_dict(res.model, out / f"synth_mlp_{args.noise:g}.pt")
    print(f"validation accuracy (noise 0.8): {res.val_acc:.4f}")
    print(f"test accuracy (noise-free): {res.test_acc:.4f}")
    print(f"weights: {path}  [{time.perf_counter() - t0:.0f} s]")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from .data.audio import preprocess_audiomnist, preprocess_fsdd

    audio_only = [flag for flag, value in (("--label-from", args.label_from), ("--fs", args.fs),
                                           ("--max-seconds", args.max_seconds))
                  if value is not None]
    if args.dataset != "audio" and audio_only:
        raise ValueError(f"{', '.join(audio_only)}: read only by 'freqxai data audio' (a folder "
                         "of labelled wav files)")
    if args.dataset == "audio":
        return _data_audio(args)
    if args.dataset == "epochs":
        return _data_epochs(args)
    fn = preprocess_audiomnist if args.dataset == "audiomnist" else preprocess_fsdd
    t0 = time.perf_counter()
    report = fn(args.src, args.out, seed=args.seed, strict=args.strict, progress=_bars(args))
    print(report.summary())
    print(f"[{time.perf_counter() - t0:.0f} s]")
    return 0


def _data_audio(args: argparse.Namespace) -> int:
    """``freqxai data audio``: every wav under ``--src``, labelled by ``--label-from`` (a pattern
    or a CSV file), into a data file for ``train custom`` / ``run custom``."""
    from .data.audio import preprocess_folder

    if args.label_from is None:
        raise ValueError("freqxai data audio needs --label-from: a regular expression with a "
                         "group (?P<label>...) matched in each file's path under --src, e.g. "
                         "'^(?P<label>[^/]+)/' for a folder per class, or a CSV file with the "
                         "columns file,label")
    t0 = time.perf_counter()
    report = preprocess_folder(args.src, args.out, label_from=args.label_from, fs=args.fs,
                               max_seconds=args.max_seconds, strict=args.strict,
                               progress=_bars(args))
    print(report.summary())
    print(f"[{time.perf_counter() - t0:.0f} s]")
    print(f"train a classifier on it: freqxai train custom --data {args.out}")
    return 0


def _data_epochs(args: argparse.Namespace) -> int:
    """``freqxai data epochs``: a ``.npz``/``.h5`` data file (``X``, ``y``, ``fs``,
    ``channel_names``, optional ``class_names``) as an MNE ``-epo.fif`` with a montage."""
    from .data.eeg import to_epochs
    from .runner.tasks import read_data_file

    data = read_data_file(args.src)
    missing = [k for k in ("y", "fs", "channel_names") if data.get(k) is None]
    if missing:
        raise ValueError(f"{args.src} has no {', '.join(missing)}: an -epo.fif needs labels (y), "
                         "the sampling rate (fs) and a name per channel (channel_names)")
    if not str(args.out).endswith("-epo.fif"):
        raise ValueError(f"--out {args.out}: MNE reads epochs from files named *-epo.fif")
    epochs = to_epochs(data["X"], data["y"], fs=data["fs"], channel_names=data["channel_names"],
                       class_names=data.get("class_names"), units=args.units,
                       montage=None if args.montage == "none" else args.montage, path=args.out)
    print(f"{len(epochs)} epochs of {len(epochs.ch_names)} channels at {epochs.info['sfreq']:g} Hz "
          f"({', '.join(epochs.event_id)}): {args.out}")
    print(f"explain them: freqxai run custom --data {args.out} --model MODEL")
    return 0


def _cmd_train_custom(args: argparse.Namespace) -> int:
    """``freqxai train custom``: freqxai's SmallCNN (or ``--model-factory``'s module) on one's
    own data file, with the UEA runs' early stopping; prints where the weights went and the
    ``run custom`` command that explains them."""
    import numpy as np
    import torch

    from ._io import ensure_writable_dir
    from .models.training import (
        check_training_settings,
        fit_classifier,
        save_state_dict,
        validation_split,
    )
    from .ragged import unpad_series
    from .runner.sources.uea import UEA_MIN_DELTA
    from .runner.tasks import read_data_file

    check_training_settings(epochs=args.epochs, seed=args.seed, patience=args.patience,
                            devices=1)
    phases = logging.getLogger("freqxai.progress")
    phases.info("reading %s", args.data)
    data = read_data_file(args.data, trust_pickle=args.trust_pickle)
    if data.get("y") is None:
        raise ValueError(f"{args.data} has no labels (y): training needs one class per series")
    X, y = data["X"], np.asarray(data["y"])
    lengths = data.get("lengths")
    series = unpad_series(X, lengths) if lengths is not None else X
    out = ensure_writable_dir(args.out)
    n_classes = int(y.max()) + 1
    torch.manual_seed(args.seed)
    if args.model_factory:
        from .adapters.loading import resolve_factory

        model, what = resolve_factory(args.model_factory)(), args.model_factory
    else:
        from .models.cnn import SmallCNN

        model, what = SmallCNN(X.shape[1], n_classes), "freqxai.models.cnn:SmallCNN"
    fit_idx, val_idx = validation_split(y, seed=args.seed)

    def part(idx):
        return [series[i] for i in idx] if isinstance(series, list) else series[idx]

    phases.info("training %s on %d series of %d classes (%d held out for early stopping; at "
                "most %d epochs; stopped, the same command resumes from the last checkpoint in "
                "--out)", what.rsplit(":", 1)[-1], len(fit_idx), n_classes, len(val_idx),
                args.epochs)
    if any((out / "checkpoints").glob("*.ckpt")):
        phases.info("resuming from the checkpoints in %s (another --out starts afresh)", out)
    t0 = time.perf_counter()
    result = fit_classifier(model, (part(fit_idx), y[fit_idx]), (part(val_idx), y[val_idx]),
                            epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                            patience=args.patience, min_delta=UEA_MIN_DELTA, monitor="val_loss",
                            checkpoint_dir=out / "checkpoints", accelerator=args.accelerator,
                            progress=_bars(args))
    weights = save_state_dict(model, out / "model.pt")
    val = f"{result.val_acc:.3f}" if result.val_acc is not None else "–"
    print(f"trained {result.epochs} epochs in {time.perf_counter() - t0:.0f} s; validation "
          f"accuracy {val}; weights (state dict): {weights}")
    program = _export_program(model, X, lengths, out / "model.pt2")
    if program is not None:  # a self-contained file: no factory needed to load it
        print(f"explain it: freqxai run custom --data TEST_FILE --model {program}")
    else:
        print(f"explain it: freqxai run custom --data TEST_FILE --model {weights} "
              f"--model-factory {args.model_factory or 'MODULE:CALLABLE'}"
              + ("" if args.model_factory else
                 f"  (a callable returning SmallCNN({X.shape[1]}, {n_classes}))"))
    return 0


def _export_program(model: Any, X: Any, lengths: Any, path: Path) -> Path | None:
    """The trained module as a ``torch.export`` program (``.pt2``: loads without its code), with
    a free batch size and, where the module allows it, a free length; None if it cannot be
    exported (the state dict is there)."""
    import torch

    from ._io import atomic_path

    model = model.eval().cpu()
    example = torch.as_tensor(X[:2]).float()
    if lengths is not None:
        example = example[..., :int(min(lengths))]
    batch = torch.export.Dim("batch", min=1)
    for dims in ({0: batch, 2: torch.export.Dim("time", min=8, max=2**20)}, {0: batch}):
        try:
            program = torch.export.export(model, (example,), dynamic_shapes=(dims,))
            with atomic_path(path) as tmp:
                torch.export.save(program, tmp)
            return path
        except Exception:  # noqa: BLE001 - a module export cannot trace: the state dict stays
            continue
    return None


def _cmd_train_audio(args: argparse.Namespace) -> int:
    from ._io import ensure_writable_dir
    from .data.audio import load_audio
    from .models.training import check_training_settings, save_state_dict, train_audionet

    check_training_settings(epochs=args.epochs, seed=args.seed, patience=args.patience,
                            devices=args.devices)
    out = ensure_writable_dir(args.out)
    ds = load_audio(args.data)
    if ds.name != args.dataset:
        raise ValueError(f"{args.data} holds {ds.name}, not {args.dataset}")
    t0 = time.perf_counter()
    tag = f"{args.dataset}_{args.label}_fold{args.fold}"
    res = train_audionet(
        ds, args.label, args.fold, epochs=args.epochs, seed=args.seed, patience=args.patience,
        checkpoint_dir=out / f"checkpoints_{tag}", accelerator=args.accelerator,
        devices=args.devices, progress=args.verbose,
    )
    path = save_state_dict(res.model, out / f"audionet_{tag}.pt")
    print(f"epochs run: {res.epochs}; validation accuracy {res.val_acc:.4f}; "
          f"test accuracy (held-out speakers) {res.test_acc:.4f}")
    print(f"weights: {path}  [{time.perf_counter() - t0:.0f} s]")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .plugins import import_plugin

    import_plugin(args.plugin)
    import dataclasses

    from .runner import RunConfig, load_config, make_config, run_experiment
    from .runner.sources import get_source

    # the settings given: the flags named after RunConfig fields (the run options and the
    # source's own flags); a flag not given is None and leaves the file's value or the default
    given = vars(args)
    overrides = {f.name: given[f.name] for f in dataclasses.fields(RunConfig) if f.name in given}
    if args.out is None and not args.config:  # (a config file's own out is kept)
        overrides["out"] = get_source(args.dataset).default_out(overrides)
    if args.config:
        cfg = load_config(args.config, **overrides)
    else:
        cfg = make_config(**{k: v for k, v in overrides.items() if v is not None})
    # run_experiment validates everything before any compute, and a failed start removes the
    # folder only in the process that created it and holds its lock (never a concurrent run's);
    # the report is written last
    summary = run_experiment(cfg, progress=_bars(args), verbose=args.verbose)
    if summary is None:  # an extra process of a multi-process run
        return 0
    report = (summary.run_dir / "report.html").resolve()
    if args.quiet:
        print(report)
        return 0
    _print_answer(summary.run_dir)
    from .runner.answer import accuracy_text

    print(f"model test accuracy {accuracy_text(summary.test_accuracy)}; {summary.n_computed} of "
          f"{summary.n_items} work items computed in this call ({summary.seconds:.0f} s)")
    print(f"report: {report}")
    return 0


def _print_wrapped(line: str, width: int = 100) -> None:
    """One answer line indented by 2, continued on lines indented by 4, within ``width``
    columns (a class's sentence runs to 250 characters)."""
    print(textwrap.fill(line, width=width, initial_indent="  ", subsequent_indent="    ",
                        break_on_hyphens=False))


def _print_answer(run_dir: Path) -> None:
    """The run's answer (one line per class), the methods left out and the scores, from the
    files the run wrote (summary.csv, results.csv)."""
    import csv

    from .summary import headline_from_csv

    lines = headline_from_csv(run_dir / "summary.csv")
    if lines:
        print("which band drives each class (answer.csv):")
        for line in lines:
            _print_wrapped(line)
        recognised = not all(line.endswith("[none]") for line in lines
                             if not line.startswith("note:"))
        separating = _separating_line(run_dir / "summary.csv") if recognised else ""
        if separating:
            _print_wrapped(separating)
    with open(run_dir / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keys = [k for k in ("localization", "complexity", "deletion", "insertion")
            if rows and k in rows[0] and any(r[k] not in ("", "nan") for r in rows)]
    if rows and keys:
        print("scores, mean over test signals (results.md explains them):")
        print("  " + f"{'method':<10} {'domain':<8}" + "".join(f" {k:>12}" for k in keys))
        for r in rows:
            print("  " + f"{r['method']:<10} {r['domain']:<8}"
                  + "".join(f" {float(r[k]):>12.3f}" for k in keys))


def _separating_line(path: Path) -> str:
    """The band whose values differ most between the classes (:func:`freqxai.answer.
    separating_bands`), in one line; empty with fewer than two classes."""
    import pandas as pd

    from .answer import separating_bands

    df = pd.read_csv(path, dtype={"class": str})
    if "unit" in df and len(df):
        df.attrs["frequency_unit"] = str(df["unit"].iloc[0])
    sep = separating_bands(df)
    if sep.empty:
        return ""
    r = sep.iloc[0]
    return (f"what separates the classes: {r['label']} ({r['method']} values differ by "
            f"{r['spread']:.3g}: highest for {r['highest']}, lowest for {r['lowest']})")


def _cmd_list(args: argparse.Namespace) -> int:
    from .plugins import import_plugin

    import_plugin(args.plugin)
    from .domains import list_domains
    from .explainers import explainer_class, get_tags, list_explainers
    from .metrics import list_metrics, metric_class

    if args.quiet:  # the names only, one per line: for scripts
        print("\n".join(list_explainers() + list_domains() + list_metrics()))
        return 0
    print("methods:")
    for name in list_explainers():
        tags = get_tags(explainer_class(name))
        needs = ("gradients" if tags.needs_gradients else "forward passes") + (
            ", eager modules" if tags.needs_modules else "")
        if tags.reference:
            kind = "reference" + ("" if tags.needs_model else ", does not read the model")
        else:
            kind = f"needs {needs}"
        if not tags.in_default_runs:
            kind += "; runs compute it when named (--methods)"
        print(f"  {name:<11} {_first_sentence(explainer_class(name))}")
        print(f"  {'':<11} ({kind})")
    print("domains:")
    for name in list_domains():
        print(f"  {name}")
    print("metrics:")
    for name in list_metrics():
        cls = metric_class(name)
        print(f"  {name:<13} {'higher' if cls.higher_is_better else 'lower'} is better")
    return 0


def _first_sentence(cls: type) -> str:
    """A class's docstring up to its first full stop, on one line of at most 86 characters."""
    text = " ".join((cls.__doc__ or "").replace("``", "").split())
    first = text.split(". ")[0].rstrip(".")
    return first if len(first) <= 86 else first[:85].rsplit(" ", 1)[0] + " …"


def _cmd_report(args: argparse.Namespace) -> int:
    from .runner import write_report

    paths = write_report(args.run_dir)
    if args.quiet:
        print(paths["html"].resolve())
    else:
        _print_answer(Path(args.run_dir))
        print(f"report: {paths['html'].resolve()} (and {len(paths) - 1} tables and figures)")
    if args.open:
        import webbrowser

        webbrowser.open(paths["html"].resolve().as_uri())
    return 0


class _PhaseHandler(logging.Handler):
    """Phase lines on stderr through ``tqdm.write``: a line printed while a progress bar runs
    goes above the bar instead of cutting it."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm.auto import tqdm

        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # logging must never raise
            self.handleError(record)


def _phase_handler() -> logging.Handler:
    handler = _PhaseHandler()
    handler.setFormatter(logging.Formatter("freqxai: %(message)s"))
    return handler


def _csv(value: str | None) -> list[str] | None:
    # an empty list (``--methods ''``) is kept, for the configuration check to refuse: read as
    # "not given", it would run every method
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _devices(value: str) -> int | str:
    return int(value) if value.isdigit() else value


class _Parser(argparse.ArgumentParser):
    """One line for a usage error, naming the help to read (no usage dump)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _and(names: list[str]) -> str:
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]])) or "no"


def _run_common() -> argparse.ArgumentParser:
    """The options every ``run`` data source shares."""
    from .runner.sources import list_sources, source_class

    p = _Parser(add_help=False)
    g = p.add_argument_group("run options")
    g.add_argument("--config", metavar="FILE",
                   help="JSON or TOML file with any run setting (RunConfig field); flags win")
    g.add_argument("--out", metavar="DIR",
                   help="run folder: results.h5, summary.csv, report.html (default runs/<source>_<tag>)")
    g.add_argument("--quick", action="store_const", const=True,
                   help="a first answer in minutes: band Shapley values and FLEX, fft only, 10 "
                        "signals per class, no sanity checks (flags given explicitly win)")
    g.add_argument("--n-test", type=int, metavar="N",
                   help="test signals to explain (default 100, --quick 10 per class; a "
                        "class-stratified, seeded sample)")
    g.add_argument("--methods", metavar="LIST", type=_csv,
                   help="comma list of methods (default: every method that can explain the model; "
                        "'freqxai list' shows them)")
    g.add_argument("--domains", metavar="LIST", type=_csv,
                   help="comma list of domains (default fft,stft; --quick fft)")
    g.add_argument("--metrics", metavar="LIST", type=_csv,
                   help="comma list of metrics (default all)")
    g.add_argument("--n-masks", type=int, metavar="N", help="FreqRISE masks per signal (default: 3000 on the paper's "
                   "data sets, else 'auto': until two halves agree, at most 3000)")
    g.add_argument("--seed", type=int, help="seed of training, sampling and masks (default 0)")
    g.add_argument("--devices", type=int, metavar="N",
                   help="processes (CPU) or GPUs for the explanation work, on each node "
                        "(default 1)")
    g.add_argument("--accelerator", help="Lightning accelerator: cpu (default), gpu, auto")
    g.add_argument("--num-nodes", type=int, metavar="N",
                   help="nodes (machines) for the explanation work, --devices processes on each, "
                        "started by torchrun or SLURM's srun; the run folder must be on a file "
                        "system every node sees (default 1; see the cluster page of the docs)")
    g.add_argument("--strategy", metavar="NAME",
                   help="Lightning strategy of the explanation work: auto (default: ddp when "
                        "--devices x --num-nodes is above 1) or ddp")
    g.add_argument("--chunk-size", type=int, metavar="N",
                   help="signals per work item: a run resumes at this granularity (default 25)")
    g.add_argument("--threads", type=int, metavar="N",
                   help="CPU threads per process (pin it for bit-identical runs)")
    g.add_argument("--plugin", action="append", metavar="MODULE", default=[],
                   help="import MODULE first (it registers methods, domains, metrics or data "
                        "sources); repeatable")
    on = {True: [], False: []}  # the sources that run them by default, and the others
    for name in list_sources(plugins=False):
        on[source_class(name, plugins=False).sanity_by_default].append(name)
    g.add_argument("--sanity", type=int, metavar="N",
                   help="sanity checks (layers and, for a model the run trains, labels "
                        f"randomized) on N test signals (default 10 for {_and(on[True])} runs; "
                        f"off for {_and(on[False])} runs, where they double the run time)")
    g.add_argument("--no-sanity", dest="sanity", action="store_const", const=False,
                   help="skip the sanity checks")
    _output_flags(p)
    return p


def _output_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print only the result's path (and errors)")
    g.add_argument("-v", "--verbose", action="store_true",
                   help="also Lightning's progress bars, every warning and debug logs")


def _add_run_parsers(sub) -> None:
    """``freqxai run SOURCE``, one per registered data source (:mod:`freqxai.runner.sources`:
    its summary, examples and own flags beside the run options)."""
    from .runner.sources import list_sources, source_class

    common = _run_common()
    fmt = _Help
    for name in list_sources(plugins=False):
        source = source_class(name, plugins=False)
        p = sub.add_parser(
            name, parents=[common], formatter_class=fmt,
            description=textwrap.fill(
                f"Explain {source.summary} with every method, domain and metric, then write "
                "summary.csv (which bands drive each class) and report.html.", 79),
            epilog="examples:\n" + "\n".join(f"  {line}" for line in source.examples))
        p.set_defaults(func=_cmd_run, dataset=name)
        if source.flags:
            group = p.add_argument_group(source.flag_group or f"{name} data")
            for flag in source.flags:
                flag.add_to(group)


def _source_lines() -> str:
    """The data sources of ``freqxai run``, one line each."""
    from .runner.sources import list_sources, source_class

    return "\n".join(f"  {name:<11} {source_class(name, plugins=False).summary}"
                     for name in list_sources(plugins=False))


class _Help(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written; each option's default at the end of its help
    unless the help states it already (or there is none to state: None, False, a list)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" in text or default is None or default is False
                or default is argparse.SUPPRESS or isinstance(default, list)
                or not action.option_strings):
            return text
        return f"{text} (default {default})"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # prose paragraphs wrapped to the terminal; indented lines (examples) kept as written
        return "\n".join(line if line.startswith(" ") or not line else
                         textwrap.fill(line, width, initial_indent=indent,
                                       subsequent_indent=indent)
                         for line in text.splitlines())


def _add_train_parsers(sub, fmt) -> None:
    """``freqxai train``: the paper's models and SmallCNN on one's own data file."""
    t = sub.add_parser("train", help="train a model: the paper's, or a CNN on your data",
                       formatter_class=fmt,
                       description="Train a model: the FreqRISE paper's (the synthetic MLP, "
                       "AudioNet on AudioMNIST or FSDD) or freqxai's SmallCNN on your own data "
                       "file (custom).",
                       epilog="examples:\n  freqxai train custom --data train.npz\n"
                              "  freqxai train synthetic --noise 0.01\n"
                              "  freqxai train fsdd --data fsdd.h5 --label digit")
    tsub = t.add_subparsers(dest="dataset", required=True, metavar="DATA")
    ts = tsub.add_parser("synthetic", help="the MLP on the synthetic sinusoid benchmark",
                         formatter_class=fmt,
                         description="Train the FreqRISE paper's MLP on the synthetic sinusoid "
                         "benchmark (16 classes: subsets of 5, 16, 32, 53 cycles per signal).",
                         epilog="example:\n  freqxai train synthetic --noise 0.8 --epochs 20")
    ts.add_argument("--noise", type=float, required=True, help="noise level (paper: 0.01, 0.8)")
    ts.add_argument("--out", default="freqxai-output/models", help="folder for the weights")
    ts.add_argument("--n-train", type=int, default=100_000, help="training signals")
    ts.add_argument("--epochs", type=int, default=20, help="training epochs")
    ts.add_argument("--seed", type=int, default=0, help="seed of data and training")
    ts.add_argument("--accelerator", default="auto", help="Lightning accelerator (cpu, gpu, auto)")
    ts.add_argument("--devices", type=_devices, default=1, help="Lightning devices")
    _output_flags(ts)
    ts.set_defaults(func=_cmd_train_synthetic)

    for name in ("audiomnist", "fsdd"):
        ta = tsub.add_parser(name, help=f"AudioNet on the preprocessed {name} HDF5 file",
                             formatter_class=fmt,
                             description=f"Train AudioNet on the {name} HDF5 file of 'freqxai "
                             "data', speakers split by fold, with early stopping.",
                             epilog=f"example:\n  freqxai train {name} --data {name}.h5 --label digit")
        ta.add_argument("--data", required=True, help="HDF5 file from 'freqxai data'")
        ta.add_argument("--label", choices=["digit", "gender"], default="digit", help="the task")
        ta.add_argument("--fold", type=int, default=0, help="speaker split fold")
        ta.add_argument("--epochs", type=int, default=50, help="upper bound; early stopping")
        ta.add_argument("--patience", type=int, default=7, help="early-stopping patience (epochs)")
        ta.add_argument("--out", default="freqxai-output/models", help="folder for the weights")
        ta.add_argument("--seed", type=int, default=0, help="seed of training")
        ta.add_argument("--accelerator", default="auto", help="Lightning accelerator")
        ta.add_argument("--devices", type=_devices, default=1, help="Lightning devices")
        _output_flags(ta)
        ta.set_defaults(func=_cmd_train_audio)

    tc = tsub.add_parser("custom", help="freqxai's SmallCNN (or your module) on your data file",
                         formatter_class=fmt,
                         description="Train a classifier on your own .npz/.h5 data file (X, y; "
                         "lengths for series of unequal length) or MNE -epo.fif epochs, with "
                         "early stopping on a stratified 20 % of it; prints where the weights "
                         "went and the 'run custom' command that explains them.",
                         epilog="examples:\n  freqxai train custom --data train.npz\n"
                                "  freqxai train custom --data sub-01-epo.fif --out models/eeg\n"
                                "  freqxai train custom --data train.h5 --model-factory "
                                "mymodels:build")
    tc.add_argument("--data", required=True, help="training data: .npz, .h5 or -epo.fif")
    tc.add_argument("--model-factory", default=None, metavar="MODULE:CALLABLE",
                    help="builds the untrained module (default: freqxai's SmallCNN)")
    tc.add_argument("--epochs", type=int, default=200, help="upper bound (default 200)")
    tc.add_argument("--patience", type=int, default=20,
                    help="stop after this many epochs without a better validation loss "
                         "(default 20)")
    tc.add_argument("--batch-size", type=int, default=8, help="series per step (default 8)")
    tc.add_argument("--out", default="freqxai-output/models/custom",
                    help="folder for model.pt and checkpoints (default "
                         "freqxai-output/models/custom)")
    tc.add_argument("--seed", type=int, default=0, help="seed of the split and the training")
    tc.add_argument("--accelerator", default="auto", help="Lightning accelerator (default auto)")
    tc.add_argument("--trust-pickle", action="store_true",
                    help="read an .npz object array of series (runs code from the file)")
    _output_flags(tc)
    tc.set_defaults(func=_cmd_train_custom)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser; imports nothing heavy (``freqxai --help`` stays fast)."""
    fmt = _Help
    parser = _Parser(
        prog="freqxai", formatter_class=fmt,
        description="Explain time-series models in the frequency and time-frequency domain: "
                    "which frequency bands, and when, made the model decide.",
        epilog="examples:\n  freqxai quickstart\n  freqxai run uea --name BasicMotions\n"
               "  freqxai run custom --model model.pt2 --data test.npz\n"
               "  freqxai list\n\n'freqxai COMMAND --help' describes each command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    q = sub.add_parser("quickstart", help="train a small model on synthetic data and explain it",
                       formatter_class=fmt, epilog="example:\n  freqxai quickstart --n-explain 4",
                       description="Generate the synthetic benchmark, train the paper's MLP, "
                                   "explain test signals with FreqRISE and score the localization "
                                   "(CPU, no downloads, about a minute).")
    q.add_argument("--out", default="freqxai-output/quickstart", help="output folder")
    q.add_argument("--noise", type=float, default=0.01, help="noise level of training signals")
    q.add_argument("--n-train", type=int, default=20_000, help="training signals")
    q.add_argument("--epochs", type=int, default=5, help="training epochs")
    q.add_argument("--n-explain", type=int, default=8, help="test signals to explain")
    q.add_argument("--n-masks", type=int, default=3000, help="FreqRISE masks per signal")
    q.add_argument("--seed", type=int, default=0, help="seed of data, training and masks")
    _output_flags(q)
    q.set_defaults(func=_cmd_quickstart)

    _add_train_parsers(sub, fmt)

    d = sub.add_parser("data", help="prepare data: wav recordings into one HDF5 file, or a "
                       "numpy/HDF5 data file into MNE epochs (-epo.fif)", formatter_class=fmt,
                       description="Prepare data for 'freqxai run': preprocess the AudioMNIST or "
                       "FSDD recordings into one HDF5 file; turn any folder of labelled wav "
                       "files (audio) into a data file for 'train custom' and 'run custom' "
                       "(clips at their own length, mono, int PCM scaled to [-1, 1]); or write a "
                       ".npz/.h5 data file (X, y, fs, channel_names) as MNE epochs with a "
                       "montage. audio: --label-from is a regular expression with a group "
                       "(?P<label>...) searched in each file's path relative to --src (with /), "
                       "or a CSV (.tsv: tab-separated) with the header file,label; the class "
                       "indices follow the sorted labels; a file that gets no label is left out "
                       "and counted with the rule.",
                       epilog="examples:\n  freqxai data fsdd --src free-spoken-digit-dataset "
                              "--out fsdd.h5\n"
                              "  freqxai data audio --src sounds --out sounds.h5 "
                              "--label-from '^(?P<label>[^/]+)/'\n"
                              "  freqxai data audio --src clips --out clips.h5 "
                              "--label-from '(?P<label>[a-z]+)_\\d+\\.wav' --fs 16000\n"
                              "  freqxai data audio --src clips --out clips.h5 "
                              "--label-from labels.csv\n"
                              "  freqxai data epochs --src eeg.npz --out "
                              "eeg-epo.fif --units uV")
    d.add_argument("dataset", choices=["audiomnist", "fsdd", "audio", "epochs"],
                   help="which recordings, audio (any folder of labelled wav files), or epochs "
                   "(a data file into -epo.fif)")
    d.add_argument("--src", required=True, help="dataset folder (AudioMNIST clone, FSDD, or the "
                   "folder of wav files for audio), or the .npz/.h5 data file for epochs")
    d.add_argument("--out", required=True, help="file to write (HDF5; *-epo.fif for epochs)")
    d.add_argument("--units", default="V", choices=["V", "mV", "uV", "nV"],
                   help="epochs: the unit of X (default V)")
    d.add_argument("--montage", default="standard_1020",
                   help="epochs: an MNE standard montage, or none (default standard_1020)")
    d.add_argument("--label-from", metavar="PATTERN_OR_CSV",
                   help="audio: each file's class: a regular expression with a group "
                   "(?P<label>...) searched in its path relative to --src, or a CSV/TSV file with "
                   "the columns file,label (required for audio)")
    d.add_argument("--fs", type=float, metavar="HZ",
                   help="audio: resample every clip to HZ (default: the files' own rate; files "
                   "of several rates are refused without --fs)")
    d.add_argument("--max-seconds", type=float, metavar="S",
                   help="audio: cut longer clips to their most energetic S seconds (default: "
                   "keep every clip whole)")
    d.add_argument("--seed", type=int, default=0, help="seed of the random placement in the frame")
    d.add_argument("--strict", action="store_true", help="stop at the first bad file (audio: "
                   "also at the first file that gets no label)")
    _output_flags(d)
    d.set_defaults(func=_cmd_data)

    r = sub.add_parser("run", help="explain and score a model: summary.csv and report.html",
                       formatter_class=fmt,
                       description="Explain a model with every method x domain, score every "
                                   "metric,\nand state which bands drive each class.",
                       epilog="data sources:\n" + _source_lines()
                       + "\n\n'freqxai run SOURCE --help' lists the options of each.")
    _add_run_parsers(r.add_subparsers(dest="source", required=True, metavar="SOURCE",
                                      help="the data source (below)"))

    rep = sub.add_parser("report", help="re-render summary.csv, tables and report.html of a run",
                         formatter_class=fmt,
                         description="Write a run's summary.csv, answer.csv, tables, figures and "
                         "report.html again from its results.h5 (after an upgrade, or to open "
                         "it), and print its answer.", epilog="example:\n  freqxai report runs/uea_BasicMotions --open")
    rep.add_argument("run_dir", help="the run folder (holds results.h5)")
    rep.add_argument("--open", action="store_true", help="open report.html in a web browser")
    _output_flags(rep)
    rep.set_defaults(func=_cmd_report)

    ls = sub.add_parser("list", help="the registered methods, domains and metrics",
                        formatter_class=fmt,
                        description="Registered methods (what each is and needs), domains and "
                                    "metrics (with their direction), plug-ins included; -q: the "
                                    "names only.",
                        epilog="examples:\n  freqxai list\n  freqxai list --plugin my_plugin")
    ls.add_argument("--plugin", action="append", metavar="MODULE", default=[],
                    help="import MODULE first (it registers its own); repeatable")
    _output_flags(ls)
    ls.set_defaults(func=_cmd_list)
    return parser


def _plugin_sources(argv: Sequence[str]) -> None:
    """For ``freqxai run SOURCE`` of a source not registered by freqxai itself: import the
    ``--plugin`` modules and the ``freqxai.plugins`` entry points before the parser is built, since
    they may register it (:func:`freqxai.runner.sources.register_source`)."""
    if len(argv) < 2 or argv[0] != "run" or argv[1].startswith("-"):
        return
    from .runner.sources import list_sources

    if argv[1] in list_sources(plugins=False):
        return
    from .plugins import import_plugin

    import_plugin([argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--plugin"]
                  + [w.split("=", 1)[1] for w in argv if w.startswith("--plugin=")])
    list_sources()  # (loads the entry points)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        _plugin_sources(list(sys.argv[1:] if argv is None else argv))
    except (ValueError, TypeError, ImportError) as err:  # a plug-in that fails to import
        print(f"freqxai: error: {err}", file=sys.stderr)
        return 2
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named by the subcommand that refuses them, whose --help lists what it takes
        prog = " ".join(["freqxai", *(v for v in (getattr(args, "command", None),
                                                   getattr(args, "source", None)) if v)])
        print(f"{prog}: error: unrecognized arguments: {' '.join(extra)} (not an option of "
              f"'{prog}'; see '{prog} --help')", file=sys.stderr)
        return 2
    verbose, quiet = getattr(args, "verbose", False), getattr(args, "quiet", False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # the phases of long work, one plain line each (training, explaining, writing)
    phases = logging.getLogger("freqxai.progress")
    phases.propagate = False
    phases.handlers[:] = [] if quiet else [_phase_handler()]
    phases.setLevel(logging.WARNING if quiet else logging.INFO)
    from .runtime import tune_cpu_allocator

    tune_cpu_allocator()
    shown = warnings.formatwarning
    if not verbose:  # a warning is one line naming freqxai, not a file, line and source line
        warnings.formatwarning = _one_line_warning
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (freqxai list | head): nothing more to say
        import os

        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
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
    finally:
        warnings.formatwarning = shown


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    return f"freqxai: warning: {' '.join(str(message).split())}\n"


if __name__ == "__main__":
    sys.exit(main())

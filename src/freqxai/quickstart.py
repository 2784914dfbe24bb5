"""``freqxai quickstart``: the whole loop on the embedded synthetic benchmark in about a minute.

Generate the benchmark, train the paper's MLP (or reuse the cached one), explain a handful of
noise-free test signals with FreqRISE in the rFFT domain, score how well the relevance finds the
class frequencies, and write a figure and a table. No downloads, CPU is enough.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from ._checks import check_positive_int
from ._io import ensure_writable_dir, write_csv, write_markdown_table
from .data.synthetic import class_frequencies, make_synthetic, split_seed
from .domains import Fourier
from .explainers import FreqRISE
from .metrics import relevance_rank_accuracy
from .models.mlp import SynthMLP, load_synth_mlp
from .models.training import (
    accuracy,
    check_training_settings,
    fit_classifier,
    save_state_dict,
)

log = logging.getLogger(__name__)


@dataclass
class QuickstartResult:
    out_dir: Path
    test_accuracy: float
    localization: float
    figure: Path
    table_csv: Path
    table_md: Path


def run_quickstart(
    out_dir: str | Path = "freqxai-output/quickstart",
    *,
    noise: float = 0.01,
    n_train: int = 20_000,
    epochs: int = 5,
    n_explain: int = 8,
    n_masks: int = 3000,
    seed: int = 0,
    progress: bool = True,
) -> QuickstartResult:
    """Run the quickstart and return where its outputs are.

    Parameters
    ----------
    out_dir : path
        Output folder; the trained model is cached there as ``model.pt`` and reused.
    noise : float
        Noise level of the training signals.
    n_train, epochs : int
        Size of the training set and number of epochs.
    n_explain : int
        Number of test signals to explain.
    n_masks : int
        FreqRISE masks per signal.
    seed : int
        Seed of data, training and masks.

    Raises
    ------
    ValueError
        For a bad setting, before anything is written.
    """
    check_training_settings(noise=noise, n_train=n_train, epochs=epochs, seed=seed)
    n_explain = check_positive_int(n_explain, "n_explain")
    n_masks = check_positive_int(n_masks, "n_masks")
    out = ensure_writable_dir(out_dir)
    stages = tqdm(total=4, desc="quickstart", disable=not progress, position=0)

    stages.set_postfix_str("generating data")
    # twice the signals asked for: class 0 (no frequency to localize) is left out below
    test_X, test_y = make_synthetic(max(200, 2 * n_explain), noise=0.0,
                                    seed=split_seed(seed, "test"))
    model_path = out / "model.pt"
    model: SynthMLP | None = None
    if model_path.is_file():
        try:
            model = load_synth_mlp(model_path)
            log.info("reusing cached model %s", model_path)
        except (RuntimeError, ValueError, KeyError) as err:
            log.warning("cached model %s unusable (%s); training a new one", model_path, err)
    stages.update()

    stages.set_postfix_str("training")
    if model is None:
        train = make_synthetic(n_train, noise=noise, seed=split_seed(seed, "train"))
        val = make_synthetic(500, noise=0.8, seed=split_seed(seed, "val"))
        torch.manual_seed(seed)
        # a few seconds of training: the stage bar above says so; Lightning's own bar would
        # interleave with it (and write thousands of updates into non-terminal logs)
        result = fit_classifier(SynthMLP(), train, val, epochs=epochs, seed=seed, progress=False)
        model = result.model
        save_state_dict(model, model_path)
    model.eval()
    test_acc = accuracy(model, test_X, test_y)
    stages.update()

    stages.set_postfix_str("explaining")
    # Explain signals of non-empty classes: the empty class has no frequency to localize.
    idx = np.flatnonzero(test_y > 0)[:n_explain]
    x, y = torch.from_numpy(test_X[idx]), torch.from_numpy(test_y[idx])
    n_bins = x.shape[-1] // 2 + 1
    relevance = FreqRISE(model, domain=Fourier(), n_masks=n_masks, num_cells=n_bins, p_keep=0.5,
                         normalize="minmax").attribute(
        x, target=y, seed=seed, show_progress=progress,
    )[:, 0].numpy()
    truth = [class_frequencies(int(c)) for c in y]
    scores = relevance_rank_accuracy(relevance, truth)
    with torch.inference_mode():
        pred = model(x).argmax(1).numpy()
    stages.update()

    stages.set_postfix_str("writing figure and table")
    figure = _write_figure(out / "quickstart.png", x.numpy(), relevance, truth, y.numpy())
    rows = []
    for i, (c, fs) in enumerate(zip(y.tolist(), truth, strict=True)):
        top = np.argsort(-relevance[i])[: len(fs)]
        rows.append({
            "signal": int(idx[i]), "class": c, "predicted": int(pred[i]),
            "true_frequencies": " ".join(map(str, fs)),
            "top_relevant_bins": " ".join(map(str, sorted(top.tolist()))),
            "localization": f"{scores[i]:.3f}",
        })
    table_csv, table_md = _write_table(out / "quickstart", rows)
    stages.update()
    stages.close()
    return QuickstartResult(out, test_acc, float(np.nanmean(scores)), figure, table_csv, table_md)


def _write_figure(path: Path, x: np.ndarray, relevance: np.ndarray, truth, labels) -> Path:
    from .plotting import new_figure, plot_frequency_relevance, plot_signal, save_figure

    n = min(4, len(x))
    fig, axes = new_figure(n, 2, figsize=(10, 2.1 * n), gridspec_kw={"width_ratios": [1, 1.4]})
    freqs = Fourier().axes(x.shape[-1], fs=x.shape[-1])["frequency"]  # bins in cycles per signal
    for i in range(n):
        freqs_i = class_frequencies(int(labels[i]))
        what = ("a sine at " if len(freqs_i) == 1 else "sines at ") + ", ".join(map(str, freqs_i))
        plot_signal(axes[i, 0], x[i, 0],
                    title=f"test signal, class {labels[i]}: {what} cycles per signal")
        plot_frequency_relevance(
            axes[i, 1], freqs, relevance[i], marks=truth[i], unit="cycles per signal",
            max_frequency=70, title="FreqRISE relevance (rFFT)",
        )
    return save_figure(fig, path)


def _write_table(stem: Path, rows: list[dict]) -> tuple[Path, Path]:
    header = list(rows[0])
    csv_path = write_csv(stem.with_suffix(".csv"), rows)
    md_path = write_markdown_table(stem.with_suffix(".md"), header,
                                   [[str(r[h]) for h in header] for r in rows])
    return csv_path, md_path

"""FreqRISE: RISE with random cell masks on the rFFT, STFT or wavelet coefficients of a signal.

Brüsch, T., Wickstrøm, K. K., Schmidt, M. N., Jenssen, R., & Alstrøm, T. S. (2025). FreqRISE:
Explaining time series using frequency masking. NLDL 2025, PMLR 265.

With :math:`y_m = g(f_c(T^{-1}(M_m \\odot T(x))))` the (weighted) model output on masked signal
:math:`m`, :math:`T` the domain transform and :math:`M_m` the masks of :mod:`freqxai.masks` (box
cells by default, RISE's smooth cells with the paper's estimator):

- ``estimator="centered"`` (default): the lift over the mean output,
  :math:`R_k = \\frac{1}{N p} \\sum_m (y_m - \\bar y) M_{m,k} \\approx E[y \\mid M_k = 1] - E[y]`. The
  sample mean is a control variate: unbiased, lower variance than the paper's estimator, zero
  for a coefficient that does not matter and negative for one that hurts the class.
- ``estimator="paper"``: :math:`R_k = \\frac{1}{N p} \\sum_m y_m M_{m,k} \\approx E[y \\mid M_k = 1]`
  (Brüsch et al.): every coefficient carries the offset :math:`E[y]`.

Every result can come with its Monte-Carlo standard error and a z-score map
(:math:`z_k = R^{centered}_k / SE_k`: how many standard errors a coefficient's lift is from zero);
a ``UserWarning`` says when almost no coefficient is significant, i.e. the map is noise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from numbers import Integral
from typing import Any, Literal

import torch
from torch import nn
from tqdm.auto import tqdm

from .._batching import MODEL_ELEMENTS, rows_per_forward
from .._checks import (
    FRACTION,
    POSITIVE_INT,
    SEED,
    Bool,
    Interval,
    SequenceOf,
    StrOptions,
    check_fraction,
    check_positive_int,
)
from .._validation import TargetType, class_scores
from ..domains import Domain
from ..masks import cell_masks, check_cell_edges, normalize_num_cells, smooth_masks
from .base import Attribution, Explainer, ExplainerTags, register_explainer

__all__ = ["FreqRISE", "auto_num_cells", "noise_threshold", "top_jaccard"]

# Default budget of masked-signal samples per masking step (4 MB of float32): small enough that
# the masked coefficients and their inverse stay in the CPU's cache.
_FORWARD_ELEMENTS = 2**20
# Most real coefficient elements of masked inputs multiplied and inverted at once (16 MB of
# float32). FSDD clips in the paper's STFT (228 x 229, 104K reals each) go 40 masks at a time:
# product and istft of 500 masks took 1.4-1.6 s against 2.5-2.8 s all at once (one thread).
_BLOCK_ELEMENTS = 2**22
# num_cells="auto": one cell per AUTO_COEFFICIENTS_PER_CELL coefficients, within [AUTO_MIN_CELLS,
# AUTO_MAX_CELLS] (the paper's 200 on long spectra). Measured on BasicMotions' 51 bins (CNN, 1000
# masks, box cells, raw / channel means removed; bench/trust.py): seed-to-seed top-5 % Jaccard
# 0.62 / 0.74 with one cell per bin, 0.64 / 0.96 with 25 cells, 0.86-0.92 / 0.94-0.98 with 9-17
# cells, 0.89 / 0.93 with 6; deletion within 0-11 % of FLEX's throughout.
AUTO_COEFFICIENTS_PER_CELL = 4
AUTO_MIN_CELLS = 4
AUTO_MAX_CELLS = 200
# Masks per cell that num_cells="auto" keeps on a time-frequency (2-D) grid: the lift of a cell
# is estimated from about n_masks * p_keep masks that keep it, and the share of coefficients
# whose lift is significant falls about as fast as the cells grow (FSDD clips in the paper's
# 228 x 229 STFT, 500 masks, bench/long_signals.py: 0.12 % of coefficients at |z| > 3 with
# 57 x 57 cells, 1.1 % with 16 x 16, 3.5 % with 8 x 8, 9.7 % with 4 x 4; 3000 masks: 4.1 % with
# 13 x 13).
AUTO_MASKS_PER_CELL = 24
# z above which a coefficient counts as significant (two-sided chance rate: 0.27 %).
Z_SIGNIFICANT = 3.0
OUTPUTS = ("softmax", "log_softmax", "logit")


def auto_num_cells(grid: Sequence[int], n_masks: int | None = None) -> tuple[int, ...]:
    """``num_cells="auto"``: about one cell per 4 coefficients on each axis, at least 4 (or the
    axis size if smaller) and at most 200; on a 2-D (time-frequency) grid at most
    ``n_masks / 24`` cells in all (:data:`AUTO_MASKS_PER_CELL`).

    Coarser cells average more masks per coefficient (a stable estimate) at the price of
    resolution; the rule was picked by measurement (see the module constants): 51 rFFT bins of
    BasicMotions get 13 cells, 1281 bins of the synthetic benchmark the paper's 200, a 65 x 81 STFT
    grid (16, 20). A large STFT grid would otherwise get thousands of cells that a few thousand
    masks cannot tell from noise (FSDD's 228 x 229 grid: 57 x 57); with ``n_masks`` both axes
    shrink by the same factor until at most ``n_masks / 24`` cells remain (3000 masks: 11 x 11,
    500 masks: 4 x 4).

    Parameters
    ----------
    grid : sequence of int
        The coefficient axes (``(freq,)`` or ``(freq, frames)``).
    n_masks : int, optional
        The mask budget (``max_masks`` for ``n_masks="auto"``); None: no budget cap.

    Raises
    ------
    TypeError
        Unless ``grid`` is a sequence.
    ValueError
        For an empty ``grid``, an axis that is not an integer >= 1, or ``n_masks`` that is not
        None or an integer >= 1.
    """
    try:
        axes = tuple(grid) if not isinstance(grid, str | bytes) else None
    except TypeError:
        axes = None
    if axes is None:
        raise TypeError(f"grid must be a sequence of axis sizes, e.g. (33,) or (65, 81), got "
                        f"{type(grid).__name__} {grid!r:.40}")
    if not axes:
        raise ValueError("grid is empty: give the coefficient axes, e.g. (33,) or (65, 81)")
    grid = [check_positive_int(g, f"every axis of grid {axes!r:.40}") for g in axes]
    if n_masks is not None:
        n_masks = check_positive_int(n_masks, "n_masks (the mask budget, or None)")
    cells = [min(g, max(AUTO_MIN_CELLS, min(AUTO_MAX_CELLS, round(g / AUTO_COEFFICIENTS_PER_CELL))))
             for g in grid]
    if n_masks is not None and len(cells) == 2:
        cap = max(1, n_masks // AUTO_MASKS_PER_CELL)
        total = cells[0] * cells[1]
        if total > cap:
            shrink = (cap / total) ** 0.5
            cells = [max(1, min(c, math.floor(c * shrink))) for c in cells]
    return tuple(cells)


@register_explainer("freqrise")
class FreqRISE(Explainer):
    """Frequency (or time-frequency, wavelet, or time) RISE explainer.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` signals to ``(batch, n_classes)`` outputs. Relevance is
        computed on the device of its parameters.
    domain : str or Domain
        ``"fft"`` (default), ``"stft"``, ``"wavelet"``, ``"time"`` (classic RISE), or any
        :class:`Domain` with one or two coefficient axes.
    n_masks : int or "auto"
        Number of random masks N per input. ``"auto"``: draw steps of ``batch_size`` masks
        until two independent halves of the masks agree on the top 5 % coefficients (by
        magnitude of the lift) with a mean Jaccard index of at least ``stability`` over the
        inputs that have a significant coefficient (the full estimate, from twice the masks
        of each half, agrees at least as well with a rerun), at most ``max_masks``, with a
        warning when that budget ends first; the number used is in ``self.n_masks_used_``.
    num_cells : "auto", int or sequence of int
        Bernoulli grid cells per coefficient axis (``(freq, frames)`` for STFT).
        ``"auto"`` (default): :func:`auto_num_cells`, about one cell per 4 coefficients;
        on a time-frequency grid at most ``n_masks / 24`` cells in all (``max_masks / 24``
        with ``n_masks="auto"``), so that each cell's lift can stand out from the noise.
    cell_edges : sequence of int, optional
        Irregular cells instead (one coefficient axis only): the first coefficient of each
        cell, e.g. the summary's bands, :func:`freqxai.masks.band_cell_edges`. Every mask then
        keeps or removes whole bands (:func:`freqxai.masks.cell_masks`) and the relevance of a
        coefficient is the lift of its band. Not the default, by measurement: on
        ItalyPowerDemand (24 samples, 5 bands; a CNN, 100 signals, ``bench/trust.py``) the top
        band of an input agreed between seeds for 0.76 / 0.80 / 0.89 of inputs with 200 / 1000
        / 3000 band-grid masks, against 0.98 / 1.00 with 1000 / 3000 masks of ``"auto"``'s box
        cells (whose band means average several independently drawn cells), at the same
        deletion. Give ``num_cells="auto"`` with it.
    p_keep : float
        Probability p that a grid cell keeps its coefficients, in (0, 1).
    batch_size : int
        Masks drawn per step. Memory is bounded by it: masks are streamed and only
        running sums are kept. The masks depend on the call's ``seed`` and ``batch_size`` only,
        so an input gets the same masks alone or in a batch.
    estimator : {"centered", "paper"}
        ``"centered"`` (default): lift over the mean output, ``E[y | kept] - E[y]``;
        ``"paper"``: ``E[y | kept]``, the published estimator (module notes).
    output : {"softmax", "log_softmax", "logit"}, optional
        What ``y`` is: the target's probability (default), its log-probability or its logit
        (the model's raw output). A model whose outputs already are probabilities (a final
        softmax, ``predict_proba``; declared by ``model.output_kind = "probabilities"`` or
        detected: non-negative rows summing to 1, with a warning) is read as it is: its
        output is the probability and its log the log-probability, never a second softmax.
        Picked by measurement with box cells (``bench/trust.py``): on the paper's MLPs
        (200 cells, 300 masks) softmax localizes at 0.97 against 0.62-0.68 for log_softmax,
        whose heavy tail (a masked signal the model rejects scores -20) dominates the lift; on
        BasicMotions (1000 masks) the two are within noise of each other (seed-to-seed
        Jaccard 0.86-0.98, deletion within 2 %). A probability that stays saturated under
        masking gets the noise warning, which suggests ``output="log_softmax"``.
    use_softmax : bool, optional
        Older spelling: True is ``output="softmax"``, False ``output="logit"``.
    design : {"random", "balanced", "antithetic"}
        How mask cells are drawn (:func:`freqxai.masks.smooth_masks`); ``"random"`` is RISE's.
        ``"antithetic"`` needs ``p_keep=0.5``.
    cell_shape : {"smooth", "box"}, optional
        ``"smooth"``: cells interpolated linearly (RISE, the paper); ``"box"``: piecewise-
        constant cells at a random offset, whose lift falls off linearly around a relevant
        coefficient instead of flattening out, so it is localized with far fewer masks
        (:mod:`freqxai.masks`). Default: ``"box"`` for the centered estimator, ``"smooth"``
        for the paper's.
    max_masks : int
        Upper bound of ``n_masks="auto"``.
    stability : float
        Split-half Jaccard index that ``n_masks="auto"`` requires, in (0, 1).
    mask_channels : {"shared", "independent"}
        ``"shared"``: one mask for all channels, relevance per coefficient, channel axis of
        size 1. ``"independent"``: a mask per channel, relevance per channel and coefficient.
    normalize : {"expectation", "minmax"}
        ``"expectation"``: the estimator's own scale; ``"minmax"`` further scales each sample
        to [0, 1] (the paper's evaluation; standard errors are scaled alike).

    Notes
    -----
    Until 0.1 the settings were ``attribute`` keywords; ``attribute`` still takes them for one
    call, with a ``DeprecationWarning`` (they stop working in 0.3.0).

    Examples
    --------
    >>> from freqxai import FreqRISE
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = BinPowerModel(k=24)            # class 0's logit: the power of bin 24 (12 Hz)
    >>> explainer = FreqRISE(model, domain="fft", n_masks=64)
    >>> relevance = explainer.attribute(x, target=0, seed=0)
    >>> relevance.shape                        # (batch, 1, rFFT bins); numpy in, numpy out
    (4, 1, 129)
    >>> relevance[:, 0].argmax(axis=-1).tolist()
    [24, 24, 24, 24]
    >>> relevance, se = explainer.attribute(x, target=0, seed=0, return_standard_error=True)
    >>> se.shape
    (4, 1, 129)
    """

    tags = ExplainerTags(signed=False, has_standard_error=True, reads_probabilities=True,
                         stochastic=True)
    _settings = {
        "n_masks": [POSITIVE_INT, StrOptions(("auto",))],
        "num_cells": [StrOptions(("auto",)), POSITIVE_INT,
                      SequenceOf(POSITIVE_INT, text="one integer >= 1 per coefficient axis")],
        "cell_edges": [SequenceOf(Interval(Integral, 0, None), text="the first coefficient of each cell, "
                                  "e.g. (0, 1, 2, 4, 8)"), None],
        "p_keep": FRACTION,
        "batch_size": POSITIVE_INT,
        "estimator": StrOptions(("centered", "paper")),
        "output": [StrOptions(OUTPUTS), None],
        "use_softmax": [Bool(), None],
        "design": StrOptions(("random", "balanced", "antithetic")),
        "cell_shape": [StrOptions(("smooth", "box")), None],
        "max_masks": POSITIVE_INT,
        "stability": FRACTION,
        "mask_channels": StrOptions(("shared", "independent")),
        "normalize": StrOptions(("expectation", "minmax")),
    }
    _call_options = {
        "seed": SEED,
        "internal_batch_size": [POSITIVE_INT, None],
        "return_standard_error": Bool(),
        "return_z_scores": Bool(),
        "warn_if_noise": Bool(),
        "show_progress": Bool(),
    }
    _moved_to_init = frozenset(_settings)  # attribute keywords until 0.1

    def __init__(
        self,
        model: nn.Module | Any,
        domain: str | Domain = "fft",
        *,
        n_masks: int | Literal["auto"] = 3000,
        num_cells: int | Sequence[int] | Literal["auto"] = "auto",
        cell_edges: Sequence[int] | None = None,
        p_keep: float = 0.5,
        batch_size: int = 500,
        estimator: Literal["centered", "paper"] = "centered",
        output: Literal["softmax", "log_softmax", "logit"] | None = None,
        use_softmax: bool | None = None,
        design: Literal["random", "balanced", "antithetic"] = "random",
        cell_shape: Literal["smooth", "box"] | None = None,
        max_masks: int = 10000,
        stability: float = 0.7,
        mask_channels: Literal["shared", "independent"] = "shared",
        normalize: Literal["expectation", "minmax"] = "expectation",
    ) -> None:
        super().__init__(
            model, domain, n_masks=n_masks, num_cells=num_cells, cell_edges=cell_edges,
            p_keep=p_keep,
            batch_size=batch_size, estimator=estimator, output=output, use_softmax=use_softmax,
            design=design, cell_shape=cell_shape, max_masks=max_masks, stability=stability,
            mask_channels=mask_channels, normalize=normalize)

    @classmethod
    def _check_settings(cls, settings: dict[str, Any]) -> None:
        cls._output_rule(settings.get("output"), settings.get("use_softmax"))
        p_keep = settings.get("p_keep", 0.5)
        if settings.get("design") == "antithetic" and p_keep != 0.5:
            raise ValueError(f"design='antithetic' needs p_keep=0.5, got {p_keep}")
        if settings.get("cell_edges") is not None and settings.get("num_cells", "auto") != "auto":
            raise ValueError("give num_cells or cell_edges, not both: cell_edges sets the cells "
                             f"itself (got num_cells={settings['num_cells']!r})")

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        seed: int | None = None,
        internal_batch_size: int | None = None,
        return_standard_error: bool = False,
        return_z_scores: bool = False,
        warn_if_noise: bool = True,
        show_progress: bool = False,
    ) -> Any:
        """Relevance of every coefficient of the domain for the target class.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
            Signals to explain. Numpy in gives numpy out; the floating dtype is kept.
        target : int, sequence, tensor or None
            Class to explain, one for all inputs or one per input; ``None`` explains the class
            the model predicts for each input.
        seed : int, optional
            Seed of the mask generator (a ``torch.Generator`` on the model's device), in
            ``[0, 2**64)``: a call with the same seed draws the same masks.
        internal_batch_size : int, optional
            Most masked signals per model forward. Defaults to about 64K signal samples per
            forward on CPU (a model's activations then stay in the caches: 153 signals of 427
            samples, 8 of 8000) and 16M on GPU.
        return_standard_error : bool
            Also return the Monte-Carlo standard error of each relevance value (same scale).
        return_z_scores : bool
            Also return ``z = lift / standard error of the lift`` per coefficient: ``|z| > 3``
            marks coefficients whose effect is not Monte-Carlo noise (0.27 % by chance).
        warn_if_noise : bool
            Warn when no coefficient of an input is significant at the 1 % family-wise level
            (:func:`noise_threshold`): the map is Monte-Carlo noise.
        show_progress : bool
            Show a progress bar over mask steps.

        Returns
        -------
        relevance : tensor or ndarray, shape ``(batch, channels or 1, *coefficient_shape)``
        standard_error : same shape, only if ``return_standard_error``
        z_scores : same shape, only if ``return_z_scores`` (after the standard error if both)
        """
        auto = isinstance(self.n_masks, str)
        n_masks = self.max_masks if auto else self.n_masks
        estimator, p_keep = self.estimator, self.p_keep
        output = self._output_rule(self.output, self.use_softmax)
        cell_shape = self.cell_shape or ("smooth" if estimator == "paper" else "box")
        prep = self._prepare(inputs, target)
        x = prep.x
        grid = self.domain.coefficient_shape(x.shape[-1])
        if len(grid) not in (1, 2):
            raise ValueError(f"FreqRISE masks one or two coefficient axes; domain "
                             f"{self.domain.name!r} has {len(grid)}")
        if self.cell_edges is not None:
            if len(grid) != 1:
                raise ValueError(f"cell_edges puts cells on one coefficient axis; domain "
                                 f"{self.domain.name!r} has {len(grid)} ({tuple(grid)}): use "
                                 "num_cells there")
            cells = check_cell_edges(self.cell_edges, grid[0])
        elif isinstance(self.num_cells, str):
            cells = auto_num_cells(grid, n_masks)
        else:
            cells = normalize_num_cells(self.num_cells, grid)
        with torch.inference_mode():
            sums = self._accumulate(
                x, prep.targets, n_masks, cells, p_keep, self.batch_size, seed, output,
                estimator, self.design, cell_shape, self.mask_channels, internal_batch_size,
                show_progress, self.stability if auto else None, prep.probabilities,
            )
            self.n_masks_used_ = sums.n
            relevance, stderr = sums.estimate(estimator, p_keep)
            z = sums.z_scores()
            if self.normalize == "minmax":
                flat = relevance.flatten(1)
                lo = flat.min(dim=1).values
                span = (flat.max(dim=1).values - lo).clamp_min(torch.finfo(flat.dtype).tiny)
                view = (-1,) + (1,) * (relevance.dim() - 1)
                relevance = (relevance - lo.view(view)) / span.view(view)
                stderr = stderr / span.view(view)
        if warn_if_noise:
            _warn_if_noise(z, sums.n, output)
        result = (relevance,)
        if return_standard_error:
            result += (stderr,)
        if return_z_scores:
            result += (z,)
        return self._finish(result if len(result) > 1 else relevance, prep)

    @staticmethod
    def _output_rule(output: str | None, use_softmax: bool | None) -> str:
        """The output weighting of ``output`` and its older spelling ``use_softmax``."""
        if use_softmax is not None:
            implied = "softmax" if use_softmax else "logit"
            if output is not None and output != implied:
                raise ValueError(f"use_softmax={use_softmax} contradicts output={output!r}; give one")
            return implied
        return "softmax" if output is None else output

    def _outputs(self, x: torch.Tensor, output: str, probabilities: bool) -> torch.Tensor:
        return class_scores(self.model(x), output, probabilities)

    def _accumulate(
        self,
        x: torch.Tensor,
        targets: torch.Tensor,
        n_masks: int,
        cells: tuple[int, ...],
        p_keep: float,
        batch_size: int,
        seed: int | None,
        output: str,
        estimator: str,
        design: str,
        cell_shape: str,
        mask_channels: str,
        internal_batch_size: int | None,
        show_progress: bool,
        stability: float | None = None,
        probabilities: bool = False,
    ) -> _MaskSums:
        """Stream masks and accumulate the sums of :class:`_MaskSums` per input.

        With ``stability`` (``n_masks="auto"``), even and odd steps are summed separately and
        drawing stops once the two halves agree on every input's top 5 % coefficients.
        """
        n_inputs, n_channels, length = x.shape
        domain = self.domain
        coeffs = domain.forward(x)  # (B, C, *grid)
        mask_c = 1 if mask_channels == "shared" else n_channels
        mask_shape = (mask_c, *coeffs.shape[2:])
        if coeffs.is_complex():  # real view: a real mask times a complex tensor upcasts the mask
            coeffs = torch.view_as_real(coeffs)
        coef_size = int(coeffs[0].numel())  # real elements of one input's coefficients
        # inputs masked together per step (at least one), and signals per model forward
        step_rows = max(batch_size, rows_per_forward(n_channels * length, x.device,
                                                     _FORWARD_ELEMENTS))
        group = max(1, min(n_inputs, step_rows // batch_size))
        if internal_batch_size is None:
            internal_batch_size = rows_per_forward(n_channels * length, x.device, MODEL_ELEMENTS)
        generator = torch.Generator(device=x.device)
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        # the centered estimator sums outputs shifted by a constant (see _MaskSums); the paper's
        # sums raw outputs, in the order of the published estimator
        shift = estimator == "centered"
        halves = [_MaskSums(n_inputs, mask_shape, x.device, shift),
                  _MaskSums(n_inputs, mask_shape, x.device, shift)]
        n_steps = -(-n_masks // batch_size)
        agreement = float("nan")  # split-half Jaccard of n_masks="auto" at its last check
        buffer = None  # reused output of the masking product (saves a fresh allocation per step)
        for step in tqdm(range(n_steps), desc="FreqRISE", disable=not show_progress, leave=False):
            n = min(batch_size, n_masks - step * batch_size)
            if self.cell_edges is not None:  # irregular cells (the bands): edges, not counts
                masks = cell_masks(n, mask_shape, cells, p_keep, generator=generator,
                                   dtype=x.dtype, design=design)
            else:
                masks = smooth_masks(
                    n, mask_shape, cells, p_keep, n_smooth_axes=len(cells),
                    generator=generator, dtype=x.dtype, design=design, cell_shape=cell_shape,
                )
            y = torch.empty((n_inputs, n), dtype=x.dtype, device=x.device)
            # masks per product and inverse: one input at a time in blocks when its masked
            # coefficients would overflow the block budget (a large STFT grid)
            block = max(1, min(n, _BLOCK_ELEMENTS // max(coef_size, 1)))
            step_group = group if block == n else 1
            for start in range(0, n_inputs, step_group):
                sl = slice(start, start + step_group)
                g = coeffs[sl].shape[0]
                for b0 in range(0, n, block):
                    nb = min(block, n - b0)
                    out = buffer if buffer is not None and buffer.shape[:2] == (g, nb) else None
                    masked = _apply_masks(coeffs[sl], masks[b0 : b0 + nb], out)  # (g, nb, C, *grid)
                    if buffer is None or buffer.shape[:2] != (g, nb):
                        buffer = torch.view_as_real(masked) if masked.is_complex() else masked
                    signals = domain.inverse(masked, length).reshape(g * nb, n_channels, length)
                    probs = torch.cat([
                        self._outputs(signals[i : i + internal_batch_size], output, probabilities)
                        for i in range(0, g * nb, internal_batch_size)]).view(g, nb, -1)
                    y[sl, b0 : b0 + nb] = probs.gather(
                        2, targets[sl].view(g, 1, 1).expand(g, nb, 1)).squeeze(2)
            if not bool(torch.isfinite(y).all()):
                rows = torch.isfinite(y).all(1).logical_not().nonzero()[:, 0].tolist()
                raise ValueError(
                    f"FreqRISE: the model returned NaN or Inf on masked versions of inputs "
                    f"{rows[:5]}: masking made signals it cannot score (a log of zero, a division "
                    "by a vanishing norm?). Check the model on attenuated signals, or make it "
                    "return finite outputs for them")
            # n_masks="auto" sums even and odd steps apart (split halves); else one running sum
            halves[step % 2 if stability is not None else 0].add(y, masks.reshape(n, -1))
            if stability is not None and step % 2 == 1:
                agreement = halves[0].split_half_jaccard(halves[1])
                if agreement >= stability:
                    break
        else:
            if stability is not None:
                _warn_unstable(agreement, stability, n_masks, checked=n_steps >= 2)
        # n_masks="auto": whether the halves agreed before the budget ran out (None: fixed count)
        self.split_half_agreement_ = agreement if stability is not None else None
        self.stable_ = None if stability is None else bool(agreement >= stability)
        return halves[0].merged(halves[1])


class _MaskSums:
    """Running sums of one input batch over masks (float64), enough for both estimators, their
    standard errors and split-half checks.

    ``y`` is stored shifted by a per-input constant ``c`` (the mean of the first step) so the
    centered sums do not cancel catastrophically when the output hardly varies (a saturated
    probability); both estimators are shift-aware.
    """

    def __init__(self, n_inputs: int, mask_shape: tuple[int, ...], device, shift: bool = True) -> None:
        self.shape = (n_inputs, *mask_shape)
        self.shift = shift
        k = int(torch.tensor(mask_shape).prod())
        z = lambda *s: torch.zeros(s, dtype=torch.float64, device=device)  # noqa: E731
        self.n = 0
        self.c: torch.Tensor | None = None
        self.s_y, self.s_y2 = z(n_inputs), z(n_inputs)
        self.s_m, self.s_m2 = z(k), z(k)
        self.s_ym, self.s_ym2, self.s_y2m2 = z(n_inputs, k), z(n_inputs, k), z(n_inputs, k)

    def add(self, y: torch.Tensor, masks: torch.Tensor) -> None:
        """Add ``y`` ``(inputs, n)`` for ``masks`` ``(n, k)``: one matmul per sum for all inputs."""
        if self.c is None:
            self.c = y.double().mean(1) if self.shift else torch.zeros_like(self.s_y)
        yc = (y.double() - self.c[:, None]).to(y.dtype) if self.shift else y
        m2 = masks.square()
        self.n += y.shape[1]
        self.s_y += yc.double().sum(1)
        self.s_y2 += yc.double().square().sum(1)
        self.s_m += masks.double().sum(0)
        self.s_m2 += m2.double().sum(0)
        self.s_ym += (yc @ masks).double()
        self.s_ym2 += (yc @ m2).double()
        self.s_y2m2 += (yc.square() @ m2).double()

    def merged(self, other: _MaskSums) -> _MaskSums:
        if other.n == 0:
            return self
        # re-express the other half's sums around this half's shift c
        d = (other.c - self.c)[:, None]
        out = _MaskSums.__new__(_MaskSums)
        out.shape, out.n, out.c, out.shift = self.shape, self.n + other.n, self.c, self.shift
        out.s_m, out.s_m2 = self.s_m + other.s_m, self.s_m2 + other.s_m2
        out.s_y = self.s_y + other.s_y + d[:, 0] * other.n
        out.s_y2 = self.s_y2 + other.s_y2 + 2 * d[:, 0] * other.s_y + d[:, 0] ** 2 * other.n
        out.s_ym = self.s_ym + other.s_ym + d * other.s_m
        out.s_ym2 = self.s_ym2 + other.s_ym2 + d * other.s_m2
        out.s_y2m2 = self.s_y2m2 + other.s_y2m2 + 2 * d * other.s_ym2 + d**2 * other.s_m2
        return out

    def estimate(self, estimator: str, p: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Relevance and its standard error ``(inputs, *mask_shape)``."""
        n = self.n
        if estimator == "centered":
            ybar = (self.s_y / n)[:, None]
            u_sum = self.s_ym - ybar * self.s_m  # sum_m (y_m - ybar) M_mk
            u2_sum = self.s_y2m2 - 2 * ybar * self.s_ym2 + ybar**2 * self.s_m2
        elif not self.shift:  # raw sums
            u_sum, u2_sum = self.s_ym, self.s_y2m2
        else:  # the raw outputs: undo the shift c
            c = self.c[:, None]
            u_sum = self.s_ym + c * self.s_m
            u2_sum = self.s_y2m2 + 2 * c * self.s_ym2 + c**2 * self.s_m2
        mean = u_sum / n
        var = (u2_sum / n - mean**2).clamp_min(0) * (n / max(n - 1, 1))
        relevance = u_sum * (1.0 / (n * p))  # (the published estimator's order of operations)
        return relevance.view(self.shape), (torch.sqrt(var / n) / p).view(self.shape)

    def split_half_jaccard(self, other: _MaskSums, top: float = 0.05) -> float:
        """Mean Jaccard index of the two halves' top ``top`` share of coefficients by magnitude
        of the centered lift, over the inputs whose merged map has a significant coefficient (a
        map of pure noise has no stable top set to wait for; the noise warning reports it). NaN
        while no input is significant. By magnitude: an input whose class rests on what it
        lacks has only significant negative lifts, and its largest signed values are noise
        (GunPoint in ``bench/trust.py``: split-half agreement 0.1 signed, 0.97 by magnitude)."""
        if other.n == 0:
            return float("nan")
        merged_z = self.merged(other).z_scores().flatten(1).abs()
        signal = merged_z.max(1).values >= noise_threshold(merged_z.shape[1])
        if not signal.any():
            return float("nan")
        a = self.estimate("centered", 1.0)[0].flatten(1)[signal].abs()
        b = other.estimate("centered", 1.0)[0].flatten(1)[signal].abs()
        return float(top_jaccard(a, b, top).mean())

    def z_scores(self) -> torch.Tensor:
        """Lift over its standard error (0 where both are 0)."""
        lift, se = self.estimate("centered", 1.0)
        return torch.where(se > 0, lift / se.clamp_min(1e-300), torch.zeros_like(lift))


def top_jaccard(a: torch.Tensor, b: torch.Tensor, top: float = 0.05) -> torch.Tensor:
    """Jaccard index of the top ``top`` share of entries of ``a`` and ``b`` per row ``(rows, k)``.

    Raises
    ------
    TypeError
        Unless ``a`` and ``b`` are real tensors.
    ValueError
        Unless they are 2-D of one shape and ``top`` is a share in (0, 1).
    """
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, torch.Tensor) or t.is_complex():
            raise TypeError(f"{name} must be a real torch.Tensor (rows, k), got "
                            f"{t.dtype if isinstance(t, torch.Tensor) else type(t).__name__}")
    if a.dim() != 2 or a.shape != b.shape or a.shape[1] == 0:
        raise ValueError(f"a and b must be (rows, k) tensors of one shape with k >= 1, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    top = check_fraction(top, "top (the share of entries compared)")
    k = max(1, round(top * a.shape[1]))
    ia = torch.zeros_like(a, dtype=torch.bool).scatter_(1, a.topk(k, dim=1).indices, True)
    ib = torch.zeros_like(b, dtype=torch.bool).scatter_(1, b.topk(k, dim=1).indices, True)
    return (ia & ib).sum(1) / (ia | ib).sum(1)


def noise_threshold(n_coefficients: int, level: float = 0.01) -> float:
    """|z| that pure noise exceeds anywhere among ``n_coefficients`` with probability ``level``
    (two-sided, Bonferroni): ``Φ⁻¹(1 - level / (2 K))``; 3.95 for 129 coefficients.

    Raises
    ------
    ValueError
        Unless ``n_coefficients`` is an integer >= 1 and ``level`` a probability in (0, 1).
    """
    from scipy.stats import norm

    n_coefficients = check_positive_int(n_coefficients, "n_coefficients")
    level = check_fraction(level, "level (the probability that noise exceeds the threshold)")
    return float(norm.isf(level / (2 * n_coefficients)))


def _warn_if_noise(z: torch.Tensor, n_masks: int, output: str) -> None:
    """UserWarning when no coefficient of some input stands out from Monte-Carlo noise.

    An input is noise when none of its coefficients reaches :func:`noise_threshold` (pure noise
    would reach it somewhere with probability 1 %): a sparse explanation with one strongly
    significant coefficient passes, a map of many weakly "hot" cells does not.
    """
    flat = z.abs().flatten(1)
    threshold = noise_threshold(flat.shape[1])
    noisy = int((flat.max(1).values < threshold).sum())
    if noisy:
        share = float((flat > Z_SIGNIFICANT).double().mean())
        other = "log_softmax" if output != "log_softmax" else "logit"
        warnings.warn(
            f"FreqRISE: for {noisy} of {len(flat)} inputs no coefficient differs from the mean "
            f"output by more than {threshold:.2f} standard errors (the 1 % family-wise level for "
            f"{flat.shape[1]} coefficients; {share:.2%} exceed {Z_SIGNIFICANT:g}, about 0.27 % "
            f"would by chance): those maps are mostly Monte-Carlo noise. Use more masks "
            f"(n_masks > {n_masks} or n_masks='auto'), fewer cells (num_cells), or another output "
            f"weighting (output={other!r}); return_z_scores=True shows what is significant.",
            UserWarning, stacklevel=3,
        )
    signed = z.flatten(1)
    only_negative = int(((signed.max(1).values < threshold)
                         & (signed.min(1).values <= -threshold)).sum())
    if only_negative:
        warnings.warn(
            f"FreqRISE: for {only_negative} of {len(signed)} inputs no coefficient raises the "
            f"target output significantly (z >= {threshold:.2f}); only coefficients that lower "
            "it are significant: the class rests on what the signal lacks. The top of those maps "
            "(and a metric that clips negative relevance, such as deletion) is Monte-Carlo "
            "noise; rank by the magnitude (abs) or read return_z_scores=True.",
            UserWarning, stacklevel=3,
        )


def _warn_unstable(agreement: float, stability: float, n_masks: int, checked: bool) -> None:
    """UserWarning when ``n_masks="auto"`` used its whole budget without a stable top set."""
    if not checked:
        reached = "max_masks <= batch_size leaves one step, so the halves were never compared"
    elif agreement != agreement:  # NaN
        reached = "no input had a significant coefficient"
    else:
        reached = (f"their top 5 % coefficients agree with a mean Jaccard index of "
                   f"{agreement:.2f} < stability={stability:g}")
    warnings.warn(
        f"FreqRISE: n_masks='auto' used all max_masks={n_masks} masks and two independent halves "
        f"of them still disagree ({reached}): the top of the map is flat within Monte-Carlo "
        "noise or needs more masks. Raise max_masks, use fewer cells (num_cells), or read the "
        "z-scores (return_z_scores=True) instead of the top coefficients.",
        UserWarning, stacklevel=4,
    )


def _apply_masks(
    coeffs: torch.Tensor, masks: torch.Tensor, out: torch.Tensor | None = None
) -> torch.Tensor:
    """``(g, C, *grid)`` coefficients times ``(n, C|1, *grid)`` masks → ``(g, n, C, *grid)``.

    Complex coefficients come as their real view ``(g, C, *grid, 2)``; the product is returned
    as a complex tensor. ``out`` (real, of the product's shape) is reused when given.
    """
    if coeffs.dim() == masks.dim() + 1:
        prod = torch.mul(coeffs[:, None], masks[None, ..., None], out=out)
        return torch.view_as_complex(prod)
    return torch.mul(coeffs[:, None], masks[None], out=out)

"""FreqRISE: RISE with smooth random masks on the rFFT or STFT coefficients of a signal.

Brüsch, T., Wickstrøm, K. K., Schmidt, M. N., Jenssen, R., & Alstrøm, T. S. (2025). FreqRISE:
Explaining time series using frequency masking. NLDL 2025, PMLR 265.

Relevance of coefficient ``f`` for class ``c`` is the Monte-Carlo estimate

.. math:: R_f = \\frac{1}{N p} \\sum_{m=1}^{N} f_c\\big(T^{-1}(M_m \\odot T(x))\\big) \\, M_{m,f}

of :math:`E[f_c \\mid M_f = 1]`-like importance, where :math:`T` is the domain transform and
:math:`M_m` the smooth masks of :mod:`freqxai.masks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, overload

import torch
from torch import nn
from tqdm.auto import tqdm

from .._validation import (
    TargetType,
    check_bool,
    check_choice,
    check_fraction,
    check_positive_int,
    check_seed,
)
from ..domains import Domain
from ..masks import normalize_num_cells, smooth_masks
from ._batching import rows_per_forward
from .base import Attribution, Explainer, register_explainer

__all__ = ["FreqRISE", "auto_num_cells"]

# Default budget of masked-signal samples per model forward (4 MB of float32): small enough that
# the masked coefficients, their inverse and the model input stay in the CPU's cache.
_FORWARD_ELEMENTS = 2**20
# Most cells per coefficient axis chosen by num_cells="auto" (the paper's 200 on long spectra).
AUTO_MAX_CELLS = 200


def auto_num_cells(grid: Sequence[int]) -> tuple[int, ...]:
    """``num_cells="auto"``: ``min(200, size)`` cells per coefficient axis.

    The paper's 200 cells wherever the axis has at least 200 coefficients (so results are those
    of ``num_cells=200`` there), one cell per coefficient on shorter axes (short signals, STFT
    frames, wavelet bands), so every length and domain works.
    """
    return tuple(min(AUTO_MAX_CELLS, int(g)) for g in grid)


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

    Examples
    --------
    >>> explainer = FreqRISE(model, domain="fft")
    >>> relevance = explainer.attribute(x, target=None, n_masks=3000, num_cells=200, seed=0)
    """

    signed = False
    has_standard_error = True

    def __init__(self, model: nn.Module | Any, domain: str | Domain = "fft") -> None:
        super().__init__(model, domain)

    @overload
    def attribute(self, inputs: Attribution, target: TargetType = ..., *, n_masks: int = ...,
                  num_cells: int | Sequence[int] | Literal["auto"] = ..., p_keep: float = ...,
                  batch_size: int = ..., seed: int | None = ..., use_softmax: bool = ...,
                  mask_channels: Literal["shared", "independent"] = ...,
                  normalize: Literal["expectation", "minmax"] = ...,
                  internal_batch_size: int | None = ...,
                  return_standard_error: Literal[False] = ..., show_progress: bool = ...,
                  ) -> Attribution: ...

    @overload
    def attribute(self, inputs: Attribution, target: TargetType = ..., *, n_masks: int = ...,
                  num_cells: int | Sequence[int] | Literal["auto"] = ..., p_keep: float = ...,
                  batch_size: int = ..., seed: int | None = ..., use_softmax: bool = ...,
                  mask_channels: Literal["shared", "independent"] = ...,
                  normalize: Literal["expectation", "minmax"] = ...,
                  internal_batch_size: int | None = ...,
                  return_standard_error: Literal[True], show_progress: bool = ...,
                  ) -> tuple[Attribution, Attribution]: ...

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        n_masks: int = 3000,
        num_cells: int | Sequence[int] | Literal["auto"] = "auto",
        p_keep: float = 0.5,
        batch_size: int = 500,
        seed: int | None = None,
        use_softmax: bool = True,
        mask_channels: Literal["shared", "independent"] = "shared",
        normalize: Literal["expectation", "minmax"] = "expectation",
        internal_batch_size: int | None = None,
        return_standard_error: bool = False,
        show_progress: bool = False,
    ):
        """Relevance of every coefficient of the domain for the target class.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
            Signals to explain. Numpy in gives numpy out; the floating dtype is kept.
        target : int, sequence, tensor or None
            Class to explain, one for all inputs or one per input; ``None`` explains the class
            the model predicts for each input.
        n_masks : int
            Number of random masks N per input.
        num_cells : "auto", int or sequence of int
            Bernoulli grid cells per coefficient axis (``(freq, frames)`` for STFT).
            ``"auto"`` (default): :func:`auto_num_cells`, ``min(200, axis size)`` per axis.
        p_keep : float
            Probability p that a grid cell keeps its coefficients, in (0, 1).
        batch_size : int
            Masks drawn per step. Memory is bounded by it: masks are streamed and only
            running sums are kept. The masks depend on ``seed`` and ``batch_size`` only, so an
            input gets the same masks alone or in a batch.
        seed : int, optional
            Seed of the mask generator (a ``torch.Generator`` on the model's device), in
            [0, 2**64).
        use_softmax : bool
            Weight masks by softmax probabilities (default) or by raw logits.
        mask_channels : {"shared", "independent"}
            ``"shared"``: one mask for all channels, relevance per coefficient, channel axis of
            size 1. ``"independent"``: a mask per channel, relevance per channel and coefficient.
        normalize : {"expectation", "minmax"}
            ``"expectation"`` divides the weighted sum by N·p (the paper); ``"minmax"`` further
            scales each sample to [0, 1] (the paper's evaluation).
        internal_batch_size : int, optional
            Most masked signals per model forward. Several inputs share a forward pass when
            ``batch_size`` leaves room. Defaults to about 1M signal samples per forward on CPU and
            16M on GPU (at least ``batch_size`` signals).
        return_standard_error : bool
            Also return the Monte-Carlo standard error of each relevance value (same scale).
        show_progress : bool
            Show a progress bar over mask steps.

        Returns
        -------
        relevance : tensor or ndarray, shape (batch, channels or 1, *coefficient_shape)
        standard_error : same shape, only if ``return_standard_error``
        """
        n_masks = check_positive_int(n_masks, "n_masks")
        batch_size = check_positive_int(batch_size, "batch_size")
        p_keep = check_fraction(p_keep, "p_keep")
        seed = check_seed(seed)
        use_softmax = check_bool(use_softmax, "use_softmax")
        check_bool(return_standard_error, "return_standard_error")
        check_choice(mask_channels, "mask_channels", ("shared", "independent"))
        check_choice(normalize, "normalize", ("expectation", "minmax"))
        if internal_batch_size is not None:
            internal_batch_size = check_positive_int(internal_batch_size, "internal_batch_size")
        prep = self._prepare(inputs, target)
        x = prep.x
        grid = self.domain.coefficient_shape(x.shape[-1])
        if len(grid) not in (1, 2):
            raise ValueError(f"FreqRISE masks one or two coefficient axes; domain "
                             f"{self.domain.name!r} has {len(grid)}")
        if isinstance(num_cells, str):
            check_choice(num_cells, "num_cells", ("auto",))
            cells = auto_num_cells(grid)
        else:
            cells = normalize_num_cells(num_cells, grid)
        with torch.inference_mode():
            targets = prep.targets
            total, total_sq = self._accumulate(
                x, targets, n_masks, cells, p_keep, batch_size, seed, use_softmax,
                mask_channels, internal_batch_size, show_progress,
            )
            scale = 1.0 / (n_masks * p_keep)
            relevance = total * scale
            mean = total / n_masks
            var = (total_sq / n_masks - mean**2).clamp_min(0) * (n_masks / max(n_masks - 1, 1))
            stderr = torch.sqrt(var / n_masks) / p_keep
            if normalize == "minmax":
                flat = relevance.flatten(1)
                lo = flat.min(dim=1).values
                span = (flat.max(dim=1).values - lo).clamp_min(torch.finfo(flat.dtype).tiny)
                view = (-1,) + (1,) * (relevance.dim() - 1)
                relevance = (relevance - lo.view(view)) / span.view(view)
                stderr = stderr / span.view(view)
        if return_standard_error:
            return self._finish((relevance, stderr), prep)
        return self._finish(relevance, prep)

    def _outputs(self, x: torch.Tensor, use_softmax: bool) -> torch.Tensor:
        out = self.model(x)
        return out.softmax(dim=1) if use_softmax else out

    def _accumulate(
        self,
        x: torch.Tensor,
        targets: torch.Tensor,
        n_masks: int,
        cells: tuple[int, ...],
        p_keep: float,
        batch_size: int,
        seed: int | None,
        use_softmax: bool,
        mask_channels: str,
        internal_batch_size: int | None,
        show_progress: bool,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Stream masks and return Σ_m y_m M_m and Σ_m y_m² M_m² per input (float64)."""
        n_inputs, n_channels, length = x.shape
        domain = self.domain
        coeffs = domain.forward(x)  # (B, C, *grid)
        mask_c = 1 if mask_channels == "shared" else n_channels
        mask_shape = (mask_c, *coeffs.shape[2:])
        if coeffs.is_complex():  # real view: a real mask times a complex tensor upcasts the mask
            coeffs = torch.view_as_real(coeffs)
        if internal_batch_size is None:
            internal_batch_size = max(
                batch_size, rows_per_forward(n_channels * length, x.device, _FORWARD_ELEMENTS))
        group = max(1, min(n_inputs, internal_batch_size // batch_size))
        generator = torch.Generator(device=x.device)
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        total = torch.zeros((n_inputs, *mask_shape), dtype=torch.float64, device=x.device)
        total_sq = torch.zeros_like(total)
        n_steps = -(-n_masks // batch_size)
        buffer = None  # reused output of the masking product (saves a fresh allocation per step)
        for step in tqdm(range(n_steps), desc="FreqRISE", disable=not show_progress, leave=False):
            n = min(batch_size, n_masks - step * batch_size)
            masks = smooth_masks(
                n, mask_shape, cells, p_keep, n_smooth_axes=len(cells),
                generator=generator, dtype=x.dtype,
            )
            flat_masks = masks.reshape(n, -1)
            y = torch.empty((n_inputs, n), dtype=x.dtype, device=x.device)
            for start in range(0, n_inputs, group):
                sl = slice(start, start + group)
                g = coeffs[sl].shape[0]
                out = buffer if buffer is not None and buffer.shape[:2] == (g, n) else None
                masked = _apply_masks(coeffs[sl], masks, out)  # (g, n, C, *grid)
                signals = domain.inverse(masked, length).reshape(g * n, n_channels, length)
                probs = self._outputs(signals, use_softmax).view(g, n, -1)
                y[sl] = probs.gather(2, targets[sl].view(g, 1, 1).expand(g, n, 1)).squeeze(2)
                if buffer is None:
                    buffer = masked if not masked.is_complex() else torch.view_as_real(masked)
            # One (inputs x masks) @ (masks x coefficients) product per step for all inputs.
            total += (y @ flat_masks).view(n_inputs, *mask_shape)
            total_sq += (y.square() @ flat_masks.square()).view(n_inputs, *mask_shape)
        return total, total_sq


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

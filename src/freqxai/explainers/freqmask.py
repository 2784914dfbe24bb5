"""FreqMask: Dynamask's learned mask, moved from time to the coefficients of a domain.

Defined in the FLEXtime paper (Brüsch, T., Wickstrøm, K. K., Schmidt, M. N., Jenssen, R., &
Alstrøm, T. S. (2024). FLEXtime: Filterbank learning to explain time series. arXiv:2411.05841) as
Dynamask (Crabbé & van der Schaar, ICML 2021) on the rFFT, with FLEXtime's objective. One mask value
:math:`m_k \\in [0, 1]` per coefficient (and per channel with ``mask_channels="independent"``)
scales the coefficient towards a reference :math:`b_k`, :math:`c'_k = b_k + m_k (c_k - b_k)`, and
is learned so the inverted signal keeps the model's decision while few coefficients are kept:

.. math::

    \\min_m\\; -\\log p_c(T^{-1}(c')) + \\lambda \\max(\\bar m - r, 0)
    + \\mu \\sum_{\\text{axes}} \\mathrm{mean} |\\Delta m|

The relevance is the mask. The objective, optimizer, early stopping and batching are FLEXtime's
(:func:`freqxai.explainers.flextime.fit_masks`; see :mod:`freqxai.explainers.flextime` for where
they differ from the reference code, ``github.com/theabrusch/FLEXtime``), so the two methods differ
only in what is masked: coefficients here, filter-bank bands there.

The reference (``src/attribution/freqmask/freqmask.py``) masks only the **real part** of the rFFT
and keeps the imaginary part as it is (``irfft(mask * Re X + ... + 1j * Im X)``): a coefficient
with mask 0 keeps its sine component, so a removed frequency is not removed and the signal's phase
changes with the mask. Here the whole complex coefficient is scaled (its phase kept) by default;
``part="real"`` reproduces the reference. Its ``"window"`` perturbation (the one its experiments
use) fades towards a moving average over 21 bins (``window_size=10``, zero padding, divided by 21
at the edges too) and applies that fade twice (``X m + (1 - m) (A + m (X - A))``, an effective
mask :math:`1 - (1 - m)^2`); here ``perturbation="moving_average"`` fades once, and the default
``"zero"`` fades to zero like FLEXtime's filters and the deletion and insertion metrics.

Reference settings adopted as defaults: keep ratio 0.1 (``keep_ratio_freqmask`` in ``main.py``;
its per-data-set tables use 0.05-0.1), keep-ratio weight 1, masks initialised at 0.5. Not
adopted: the smoothness weight 1 of its FreqMask runs (``time_reg_strength``, along the bins).
Measured in ``bench/flextime.py``: on the synthetic benchmark it spreads the mask over the
neighbours of the class bins (localization 0.38 against 1.00 without it) and on BasicMotions it
lowers insertion at 10 % (0.975 against 1.000) and quadruples complexity (2.64 against 0.72),
in four times the epochs; only the smoothness metric prefers it (1.11 against 1.90). The default
is 0; ``smoothness=1.0`` gives the paper's setting.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import POSITIVE_INT, Bool, StrOptions, check_positive_int
from .._validation import TargetType
from ..domains import Domain
from .base import Attribution, Explainer, ExplainerTags, register_explainer
from .flextime import OPTIMIZER_SETTINGS, _optimizer_settings, fit_masks

__all__ = ["FreqMask", "moving_average"]


def moving_average(c: torch.Tensor, window: int, dim: int) -> torch.Tensor:
    """Mean over ``2 * window + 1`` neighbours along ``dim`` with zero padding (edges included in
    the count, as the reference's ``FadeMovingAverageWindow``); complex values part by part.

    Raises
    ------
    TypeError
        Unless ``c`` is a floating or complex tensor.
    ValueError
        Unless ``window`` is an integer >= 0 (0: ``c`` itself), or ``dim`` an axis of ``c``.
    """
    if not isinstance(c, torch.Tensor) or not (c.is_floating_point() or c.is_complex()):
        raise TypeError(f"c must be a floating or complex torch.Tensor (e.g. coefficients "
                        f"domain.forward(x) returns), got "
                        f"{c.dtype if isinstance(c, torch.Tensor) else type(c).__name__}")
    window = check_positive_int(window, "window (the half-width of the moving average)",
                                minimum=0)
    if isinstance(dim, bool | np.bool_) or not isinstance(dim, int | np.integer) \
            or not -c.dim() <= dim < c.dim():
        raise ValueError(f"dim must be an axis of c, an integer in [{-c.dim()}, {c.dim() - 1}] "
                         f"(c has shape {tuple(c.shape)}), got {dim!r}")
    dim = int(dim)
    if c.is_complex():
        return torch.complex(moving_average(c.real, window, dim), moving_average(c.imag, window, dim))
    moved = c.movedim(dim, -1)
    flat = moved.reshape(-1, 1, moved.shape[-1])
    avg = F.avg_pool1d(flat, 2 * window + 1, stride=1, padding=window, count_include_pad=True)
    return avg.reshape(moved.shape).movedim(-1, dim)


@register_explainer("freqmask")
class FreqMask(Explainer):
    """FreqMask: a mask over the domain's coefficients, learned so the masked signal keeps the class.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)``; differentiable. The mask is
        optimized on the device of its parameters.
    domain : str or Domain
        Where the mask lives: ``"fft"`` (the paper), ``"stft"``, ``"wavelet"``, ``"time"`` (a
        Dynamask-like mask in time) or any :class:`Domain`.
    keep_ratio : float
        Mean mask value above which the sparsity penalty acts, in (0, 1).
    regularization : float
        Weight of the keep-ratio penalty.
    smoothness : float
        Weight of the mean absolute difference of adjacent mask values along every
        coefficient axis (bins; bins and frames for the STFT). The paper's FreqMask runs use
        1 (module notes).
    perturbation : {"zero", "moving_average"}
        What a masked coefficient fades to: zero, or the mean of its ``2 * window + 1``
        neighbours along the frequency axis (the first coefficient axis in domains without
        one; Dynamask's "fade to moving average").
    window : int
        Half-width of the moving average (reference: 10).
    part : {"complex", "real"}
        Mask whole coefficients, or only their real part with the imaginary part kept (the
        reference; module notes). Real coefficients are the same either way.
    n_epochs, lr, tol, patience
        Adam steps (one forward and backward pass each), step size, and early stopping: an
        input stops once no mask value moved by ``tol`` or more for ``patience``
        consecutive epochs (``tol=0``: every epoch). Epochs used: ``self.n_epochs_used_``.
    mask_channels : {"shared", "independent"}
        One mask for all channels (relevance channel axis 1), or one per channel.

    Notes
    -----
    Until 0.1 the settings were ``attribute`` keywords; ``attribute`` still takes them for one
    call, with a ``DeprecationWarning`` (they stop working in 0.3.0).

    Examples
    --------
    >>> from freqxai import FreqMask
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> explainer = FreqMask(BinPowerModel(k=24), domain="fft", keep_ratio=0.05, n_epochs=20)
    >>> relevance = explainer.attribute(x, target=0)      # the learned mask, in [0, 1]
    >>> relevance.shape
    (4, 1, 129)
    >>> relevance[:, 0].argmax(axis=-1).tolist()          # class 0 reads bin 24 (12 Hz)
    [24, 24, 24, 24]
    >>> (relevance[:, 0] > 0.5).sum(axis=-1).tolist()     # and nothing else is kept
    [1, 1, 1, 1]
    """

    # in_default_runs: an optimization per input, runs name it (--methods) to compute it
    tags = ExplainerTags(signed=False, needs_gradients=True, in_default_runs=False,
                         reads_probabilities=True)
    _settings = {
        **OPTIMIZER_SETTINGS,
        "perturbation": StrOptions(("zero", "moving_average")),
        "window": POSITIVE_INT,
        "part": StrOptions(("complex", "real")),
    }
    _call_options = {"show_progress": Bool()}
    _moved_to_init = frozenset(_settings)  # attribute keywords until 0.1

    def __init__(
        self,
        model: nn.Module | Any,
        domain: str | Domain = "fft",
        *,
        keep_ratio: float = 0.1,
        regularization: float = 1.0,
        smoothness: float = 0.0,
        perturbation: Literal["zero", "moving_average"] = "zero",
        window: int = 10,
        part: Literal["complex", "real"] = "complex",
        n_epochs: int = 500,
        lr: float = 0.05,
        tol: float = 1e-3,
        patience: int = 10,
        mask_channels: Literal["shared", "independent"] = "shared",
    ) -> None:
        super().__init__(
            model, domain, keep_ratio=keep_ratio, regularization=regularization,
            smoothness=smoothness, perturbation=perturbation, window=window, part=part,
            n_epochs=n_epochs, lr=lr, tol=tol, patience=patience, mask_channels=mask_channels)

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        show_progress: bool = False,
    ) -> Any:
        """The learned mask over the coefficients of the domain.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
            Signals to explain (numpy in, numpy out; the floating dtype is kept).
        target : int, sequence, tensor or None
            Class per input; ``None`` explains the predicted class (as the reference).
        show_progress : bool
            Show a progress bar over epochs.

        Returns
        -------
        relevance : tensor or ndarray, shape ``(batch, channels or 1, *coefficient_shape)``
            The mask, in [0, 1].
        """
        prep = self._prepare(inputs, target)
        x = prep.x
        n, channels, length = x.shape
        coeffs = self.domain.forward(x)
        grid = tuple(coeffs.shape[2:])
        if self.perturbation == "zero":
            reference = torch.zeros_like(coeffs)
        else:
            axis = self.domain.frequency_axis(length)
            reference = moving_average(coeffs, self.window, 2 + (axis or 0))
        if self.part == "real" and coeffs.is_complex():
            # the reference: the imaginary part is never masked
            reference = torch.complex(reference.real, coeffs.imag)
        change = coeffs - reference

        def make_signals(m: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
            return self.domain.inverse(reference[rows] + m * change[rows], length)

        m_channels = 1 if self.mask_channels == "shared" else channels
        init = torch.full((n, m_channels, *grid), 0.5, dtype=x.dtype, device=x.device)
        mask, self.n_epochs_used_ = fit_masks(
            self.model, make_signals, init, prep.targets, prep.probabilities,
            smooth_dims=tuple(range(-len(grid), 0)), who="FreqMask", show_progress=show_progress,
            **_optimizer_settings(self))
        return self._finish(mask, prep)

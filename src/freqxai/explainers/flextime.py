"""FLEXtime: a learned filter bank that keeps what the model needs.

Brüsch, T., Wickstrøm, K. K., Schmidt, M. N., Jenssen, R., & Alstrøm, T. S. (2024). FLEXtime:
Filterbank learning to explain time series. arXiv:2411.05841. Reference code:
``github.com/theabrusch/FLEXtime`` (read for this implementation, not copied).

The signal is split by a bank of :math:`B` FIR band filters :math:`h_b` (uniform bands over
:math:`[0, f_s/2]`, odd number of taps, zero phase), :math:`x_b = h_b * x`, and one weight
:math:`w_b \\in [0, 1]` per band (and per channel with ``mask_channels="independent"``) is learned
so that the recombined signal :math:`x_w = \\sum_b w_b x_b` keeps the model's decision while few
bands are kept:

.. math::

    \\min_w\\; -\\log p_c(x_w) + \\lambda \\max(\\bar w - r, 0)
    + \\mu\\, \\mathrm{mean}_b |w_{b+1} - w_b|

with :math:`c` the explained class, :math:`r` the keep ratio, :math:`\\lambda` its weight
(``regularization``) and :math:`\\mu` the smoothness across bands (``smoothness``). The
explanation is the learned filter's gain. On rFFT bin :math:`k` it is
:math:`R_k = \\sum_b w_b |H_b(f_k)|` (the reference's mapping); in any other domain a coefficient
gets :math:`\\sum_b w_b g_{bk}`, with :math:`g_{bk}` the RMS gain of filter :math:`b` over the
spectrum of the coefficient's synthesis atom (:func:`band_gains`): exactly :math:`|H_b(f_k)|` in the
Fourier domain, the filter's gain around a frame's frequency in the STFT, over a level's band for
wavelets, and the same value at every sample in time (a time-invariant filter has no time
localization).

Where this implementation differs from the reference, deliberately:

- **Loss**: the cross-entropy of the model's log-probabilities. The reference feeds softmax
  outputs to ``CrossEntropyLoss``, which applies a second softmax: its loss is bounded by
  :math:`\\log C` and its gradient vanishes as the model grows confident, which its optimizer
  settings (SGD with learning rate 1 and momentum 1) compensate. A model whose outputs are
  probabilities is read as such (the log of its output, never another softmax).
- **Filtering**: linear convolution centred on the filter (zero padding, the input's length;
  computed with FFTs), which is zero-phase for a symmetric FIR. The reference filters causally
  (``scipy.signal.lfilter``) and undoes the group delay with a circular ``np.roll``, which wraps
  the filter's start-up transient onto the last :math:`(n_{taps}-1)/2` samples.
- **Optimizer**: Adam (``lr=0.05``), at most 500 epochs, and early stopping per input once no
  weight moved by ``tol`` (1e-3) or more for ``patience`` (10) consecutive epochs. The reference
  uses SGD with learning rate 1 and momentum 1 (velocity never decays) for 1000 epochs; its
  early stopping watches the loss (which stays flat once the keep ratio is met and the model is
  confident, while the weights still move), counts small changes without resetting, and is
  switched off in its experiments. Adam's steps do not depend on the scale of the model's
  gradients, so one step size serves every model. The weights start at 0.5 and are clipped to
  [0, 1] after every step, as in the reference.
- **Smoothness** is the mean absolute difference of adjacent bands, smoothed below 0.1
  (:func:`_soft_abs`: with the exact absolute value round-off decides the sign of whole steps and
  the optimization amplifies it), over every pair (the reference's omits the last pair), from the
  first epoch (the reference starts it at epoch 10).
- **Gains** are evaluated at the rFFT bin frequencies (the reference's ``freqz(worN=n_bins)`` grid
  is :math:`\\pi k / n_{bins}`, slightly off the bins).
- **Channels** share the band weights by default (the reference learns one set per channel:
  ``mask_channels="independent"``).
- **Batched**: all inputs are optimized together on the model's device (the reference loops over
  inputs); each input's weights and early stopping are its own, so a batch gives what one input
  at a time gives.

Reference settings adopted as defaults: keep ratio 0.1 (``keep_ratio_filterbank`` in ``main.py``),
keep-ratio weight 1 (``regstrength``), smoothness 0 (its FLEXtime runs, ``generate_tables.py``),
``scipy.signal.firwin`` band filters with a Hamming window. Its per-data-set banks
(``generate_tables.py``): AudioMNIST 128 filters of 501 taps (8000 samples), PAM 32 / 95,
Epilepsy 32 / 75, ECG 64 / 105 (keep ratio 0.05), SleepEDF 256 / 901; ``main.py``'s default is
128 / 51: 2.8 to 31 rFFT bins per band and 2.3 to 3.9 taps per filter. ``"auto"``
(:func:`auto_filter_bank`) takes 2 bins per band (at most 256 filters) and 4 taps per filter,
picked on BasicMotions (``bench/flextime.py``: 25 filters of 99 taps keep 99.9 % of the class
probability at 10 % insertion, 12 filters of 49 taps 80 %). A band is the resolution of the
explanation: on the synthetic benchmark, whose classes are single bins, the auto bank (256
filters, 5 bins per band) localizes 0.27 of the class bins and 640 filters of 2559 taps (2 bins
per band) 0.77, against FreqRISE's 0.96 (``bench/flextime.py``).

The filtering costs one FFT of the signal per input and, per epoch, one matrix product of the
weights with the filters' responses and one inverse FFT, whatever the number of filters (the
reference filters every band explicitly, ``n_filters`` signals per input).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .._checks import (
    FRACTION,
    POSITIVE_INT,
    Bool,
    Integral,
    Interval,
    Real,
    StrOptions,
    check_positive_int,
    validate_options,
)
from .._validation import TargetType, class_scores
from ..domains import Domain, get_domain
from ..domains.base import check_length_arg
from ..domains.fourier import one_sided_weights
from .base import Attribution, Explainer, ExplainerTags, register_explainer

__all__ = ["FLEXtime", "filter_bank", "band_gains", "auto_filter_bank", "fit_masks"]

# n_filters="auto": about one band per AUTO_BINS_PER_BAND rFFT bins, at most AUTO_MAX_FILTERS
# (the reference's banks span 2.8-31 bins per band, up to 256 filters; measured in
# bench/flextime.py on BasicMotions: 2 bins per band beat 4)
AUTO_BINS_PER_BAND = 2
AUTO_MAX_FILTERS = 256
AUTO_TAPS_PER_FILTER = 4
# Atoms' spectra held at once by the generic gain computation (elements).
_ATOM_ELEMENTS = 2**22
# Scale below which differences of adjacent weights are smoothed in the smoothness penalty (about
# two Adam steps; 1e-3 and 1e-2 still let round-off grow, see _soft_abs).
_SMOOTH_ABS = 0.1


def auto_filter_bank(length: int) -> tuple[int, int]:
    """``(n_filters, numtaps)`` of ``"auto"`` for a signal of ``length`` samples.

    About one band per 2 rFFT bins (at least 2, at most 256 filters) and 4 taps per filter, odd
    and at most the signal length: 51 bins (BasicMotions, 100 samples) get 25 filters of 99 taps,
    the synthetic benchmark's 1281 bins 256 filters of 1025 taps.

    A 2-sample signal (the shortest any domain takes) gets the smallest bank, 2 filters of 3 taps:
    a filter of the minimum 3 taps may be longer than the signal (the convolution zero-pads).

    Raises
    ------
    ValueError
        Unless ``length`` is an integer >= 2.
    """
    length = check_length_arg(length)
    n_bins = length // 2 + 1
    n_filters = int(min(AUTO_MAX_FILTERS, max(2, n_bins // AUTO_BINS_PER_BAND)))
    taps = AUTO_TAPS_PER_FILTER * n_filters + 1
    cap = length if length % 2 else length - 1
    return n_filters, int(max(3, min(taps, cap)))


def filter_bank(n_filters: int, numtaps: int, *, window: str = "hamming") -> np.ndarray:
    """FIR band filters ``(n_filters, numtaps)`` for uniform bands over [0, 0.5] cycles/sample.

    Band ``b`` spans ``[b, b + 1] * 0.5 / n_filters``: a low-pass first, band-passes, a high-pass
    last (``scipy.signal.firwin``, as the reference's ``FilterBank``). Symmetric taps: centred on
    tap ``(numtaps - 1) / 2`` the filters are zero-phase.
    """
    from scipy.signal import firwin

    n_filters = check_positive_int(n_filters, "n_filters", minimum=2)
    numtaps = check_positive_int(numtaps, "numtaps", minimum=3)
    if numtaps % 2 == 0:
        raise ValueError(f"numtaps must be odd (a symmetric filter of odd length is zero-phase "
                         f"once centred, and a high-pass needs it), got {numtaps}")
    width = 0.5 / n_filters
    bank = [firwin(numtaps, width, window=window, fs=1.0, pass_zero="lowpass")]
    bank += [firwin(numtaps, [b * width, (b + 1) * width], window=window, fs=1.0,
                    pass_zero="bandpass") for b in range(1, n_filters - 1)]
    bank.append(firwin(numtaps, (n_filters - 1) * width, window=window, fs=1.0,
                       pass_zero="highpass"))
    return np.stack(bank)


def _zero_phase_response(bank: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    """``H_b(f)`` of the centred (zero-phase, real-valued) filters at ``freqs`` (cycles/sample)."""
    c = (bank.shape[1] - 1) // 2
    n = np.arange(bank.shape[1]) - c
    return bank @ np.cos(2 * np.pi * n[:, None] * freqs[None, :])


def band_gains(domain: Domain, length: int, bank: np.ndarray) -> torch.Tensor:
    """Gain of each band filter on each coefficient of ``domain``: ``(n_filters, *coefficients)``.

    For the Fourier domain ``|H_b(f_k)|`` at the bin frequencies. For any other domain the RMS
    gain of the filter over the spectrum of the coefficient's synthesis atom
    ``a_k = domain.inverse(e_k)`` (real and imaginary parts of a complex coefficient together):
    ``g_bk = sqrt(sum_f |H_b(f)|² P_k(f) / sum_f P_k(f))``, ``P_k`` the atom's power over the
    signal's rFFT bins. A sinusoid atom gives ``|H_b(f_k)|`` (so the generic rule reproduces the
    Fourier domain's), a delta the filter's RMS gain. Float64, on the CPU.

    Parameters
    ----------
    domain : str or Domain
        E.g. ``"fft"`` or ``get_domain("stft", n_fft=32)``.
    length : int
        Signal length in samples (>= 2).
    bank : ndarray, shape (n_filters, numtaps)
        Real filters of an odd number of taps, e.g. :func:`filter_bank`'s.

    Raises
    ------
    TypeError, ValueError
        For a domain that is neither, a bad length, or a bank of another shape.
    """
    domain = get_domain(domain)
    length = check_length_arg(length)
    domain.check_length(length)
    bank = _check_bank(bank)
    freqs = np.arange(length // 2 + 1) / length
    h2 = torch.from_numpy(_zero_phase_response(bank, freqs) ** 2)  # (B, F)
    shape = tuple(domain.coefficient_shape(length))
    k = int(np.prod(shape))
    probe = domain.forward(torch.zeros(1, 1, length, dtype=torch.float64))
    complex_coeffs = probe.is_complex()
    weights = one_sided_weights(length, length // 2 + 1, "cpu", torch.float64)
    rows = max(1, _ATOM_ELEMENTS // max(length, 1))
    gains = torch.empty(bank.shape[0], k, dtype=torch.float64)
    for start in range(0, k, rows):
        idx = torch.arange(start, min(k, start + rows))
        power = _atom_power(domain, idx, shape, length, probe.dtype, False)
        if complex_coeffs:
            power = power + _atom_power(domain, idx, shape, length, probe.dtype, True)
        power = power * weights
        total = power.sum(1, keepdim=True)
        share = torch.where(total > 0, power / total.clamp_min(1e-300), torch.zeros_like(power))
        gains[:, start : start + len(idx)] = (share @ h2.T).clamp_min(0).sqrt().T
    return gains.reshape(bank.shape[0], *shape)


def _check_bank(bank: Any) -> np.ndarray:
    """``bank`` as a float64 array ``(n_filters, numtaps)`` of finite values, ``numtaps`` odd."""
    try:
        arr = np.asarray(bank.detach().cpu() if isinstance(bank, torch.Tensor) else bank)
    except (TypeError, ValueError) as err:
        raise TypeError(f"bank must be an array of filters (n_filters, numtaps), e.g. "
                        f"filter_bank(8, 31), got {type(bank).__name__}") from err
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"bank must hold real filter taps (n_filters, numtaps), e.g. "
                        f"filter_bank(8, 31), got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] % 2 == 0:
        raise ValueError(f"bank must have shape (n_filters, numtaps) with an odd numtaps (its "
                         f"filters are centred on their middle tap), e.g. filter_bank(8, 31), got "
                         f"shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("bank contains NaN or Inf taps")
    return arr.astype(np.float64, copy=False)


def _atom_power(domain: Domain, idx: torch.Tensor, shape: tuple[int, ...], length: int,
                dtype: torch.dtype, imaginary: bool) -> torch.Tensor:
    """Power spectra ``(len(idx), F)`` of the synthesis atoms of the flat coefficients ``idx``."""
    k = int(np.prod(shape))
    onehot = torch.zeros(len(idx), k, dtype=dtype)
    onehot[torch.arange(len(idx)), idx] = 1j if imaginary else 1
    atoms = domain.inverse(onehot.reshape(len(idx), 1, *shape), length)[:, 0]
    return torch.fft.rfft(atoms.to(torch.float64), dim=-1).abs().square()


def fit_masks(
    model: Any,
    make_signals,
    init: torch.Tensor,
    targets: torch.Tensor,
    probabilities: bool,
    *,
    keep_ratio: float,
    regularization: float,
    smoothness: float,
    smooth_dims: tuple[int, ...],
    n_epochs: int,
    lr: float,
    tol: float,
    patience: int,
    who: str,
    show_progress: bool = False,
) -> tuple[torch.Tensor, np.ndarray]:
    """Optimize one mask per input (FLEXtime's band weights, FreqMask's coefficient mask).

    Minimizes ``-log p_target(make_signals(w, rows)) + regularization * max(mean(w) - keep_ratio,
    0) + smoothness * sum over smooth_dims of mean |diff(w)|`` per input (``|.|`` smoothed below
    0.1, :func:`_soft_abs`) with Adam, clipping ``w``
    to [0, 1] after every step. An input stops when none of its weights moved by ``tol`` or more
    for ``patience`` consecutive epochs; stopped inputs leave the batch (their weights are final).
    Adam acts per element and the loss is a sum over inputs, so every input's trajectory is the one
    it would have alone.

    Returns
    -------
    weights : tensor like ``init``
    epochs : ndarray of int, shape (batch,)
        Epochs (one forward and one backward pass each) every input used.
    """
    w = init.detach().clone()
    m1, m2 = torch.zeros_like(w), torch.zeros_like(w)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    n = w.shape[0]
    active = torch.arange(n, device=w.device)
    calm = torch.zeros(n, dtype=torch.long, device=w.device)
    epochs = torch.zeros(n, dtype=torch.long, device=w.device)
    for step in tqdm(range(1, n_epochs + 1), desc=who, disable=not show_progress, leave=False):
        wa = w[active].requires_grad_()
        with torch.enable_grad():
            out = model(make_signals(wa, active))
            if not isinstance(out, torch.Tensor) or not bool(torch.isfinite(out).all()):
                rows = active[~torch.isfinite(out).all(1)].tolist() if isinstance(out, torch.Tensor) else []
                raise ValueError(
                    f"{who}: the model returned NaN or Inf on filtered versions of inputs "
                    f"{rows[:5]}: attenuating frequencies made signals it cannot score (a log of "
                    "zero, a division by a vanishing norm?). Make it return finite outputs for "
                    "them")
            logp = class_scores(out, "log_softmax", probabilities)
            loss = -logp.gather(1, targets[active, None])[:, 0]
            flat = wa.flatten(1)
            loss = loss + regularization * (flat.mean(1) - keep_ratio).clamp_min(0)
            if smoothness:
                for d in smooth_dims:
                    if wa.shape[d] > 1:
                        loss = loss + smoothness * _soft_abs(wa.diff(dim=d)).flatten(1).mean(1)
            (grad,) = torch.autograd.grad(loss.sum(), wa)
        with torch.no_grad():
            m1[active] = beta1 * m1[active] + (1 - beta1) * grad
            m2[active] = beta2 * m2[active] + (1 - beta2) * grad.square()
            m_hat = m1[active] / (1 - beta1**step)
            v_hat = m2[active] / (1 - beta2**step)
            w[active] = (wa.detach() - lr * m_hat / (v_hat.sqrt() + eps)).clamp(0, 1)
            epochs[active] = step
            small = (w[active] - wa.detach()).flatten(1).abs().amax(1) < tol
            calm[active] = torch.where(small, calm[active] + 1, torch.zeros_like(calm[active]))
            active = active[calm[active] < patience]
        if len(active) == 0:
            break
    return w, epochs.cpu().numpy()


def _soft_abs(d: torch.Tensor) -> torch.Tensor:
    """``|d|`` smoothed below ``e = 0.1`` (pseudo-Huber: ``sqrt(d² + e²) - e``; about ``d² / 2e``
    below ``e``, ``|d| - e`` above).

    The gradient of ``|d|`` is ``sign(d)``: neighbours equal up to float round-off (every weight
    starts at 0.5) get full-size steps whose sign round-off sets, and with Adam the round-off
    between a batch and one input at a time grew to differences of 0.3 in 100 epochs (FreqMask,
    time domain; 0.03 with ``e = 1e-2``, 1e-7 with ``e = 0.1``).
    """
    return (d.square() + _SMOOTH_ABS**2).sqrt() - _SMOOTH_ABS


_NONNEGATIVE = Interval(Real, 0, None, closed="left")
# The optimizer settings FLEXtime and FreqMask share (fit_masks).
OPTIMIZER_SETTINGS = {
    "keep_ratio": FRACTION,
    "regularization": _NONNEGATIVE,
    "smoothness": _NONNEGATIVE,
    "n_epochs": POSITIVE_INT,
    "lr": Interval(Real, 0, None, closed="neither", text="a finite number > 0 (the optimizer's "
                   "step size)"),
    "tol": _NONNEGATIVE,
    "patience": POSITIVE_INT,
    "mask_channels": StrOptions(("shared", "independent")),
}


def check_optimizer_settings(keep_ratio: Any, regularization: Any, smoothness: Any, n_epochs: Any,
                             lr: Any, tol: Any, patience: Any) -> tuple:
    """Validate the shared settings of FLEXtime and FreqMask (each named in its error)."""
    values = validate_options(OPTIMIZER_SETTINGS, {
        "keep_ratio": keep_ratio, "regularization": regularization, "smoothness": smoothness,
        "n_epochs": n_epochs, "lr": lr, "tol": tol, "patience": patience})
    return tuple(values.values())


@register_explainer("flextime")
class FLEXtime(Explainer):
    """FLEXtime: band weights of a filter bank, learned so the filtered signal keeps the class.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)``; differentiable. The weights
        are optimized on the device of its parameters.
    domain : str or Domain
        Where relevance lives: ``"fft"`` (the paper: ``sum_b w_b |H_b(f)|`` per bin) or any
        :class:`Domain` (the filter's gain per coefficient, :func:`band_gains`).
    n_filters : int or "auto"
        Number of uniform bands over [0, fs/2] (at least 2, at most the number of rFFT bins).
        ``"auto"``: :func:`auto_filter_bank`.
    numtaps : int or "auto"
        Taps per FIR filter: odd, at most the signal length (3 on a 2-sample signal). More taps
        make sharper bands. ``"auto"``: about 4 per filter (:func:`auto_filter_bank`).

    keep_ratio : float
        Mean band weight above which the sparsity penalty acts, in (0, 1) (reference: 0.1).
    regularization : float
        Weight of the keep-ratio penalty (reference ``regstrength``: 1).
    smoothness : float
        Weight of the mean absolute difference of adjacent band weights (reference: 0 for
        FLEXtime).
    n_epochs : int
        Most optimizer steps (one forward and one backward pass of the model each).
    lr : float
        Adam's step size.
    tol, patience : float, int
        Early stopping: an input stops once none of its weights moved by ``tol`` or more for
        ``patience`` consecutive epochs. ``tol=0`` runs every epoch. The epochs each input
        used are in ``self.n_epochs_used_``.
    mask_channels : {"shared", "independent"}
        One set of band weights for all channels (relevance channel axis 1), or one per
        channel (the reference).

    Notes
    -----
    Until 0.1 the settings from ``keep_ratio`` on were ``attribute`` keywords; ``attribute``
    still takes them for one call, with a ``DeprecationWarning`` (they stop working in 0.3.0).

    Examples
    --------
    >>> from freqxai import FLEXtime
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> model = BinPowerModel(k=24)            # class 0's logit: the power at 12 Hz
    >>> flextime = FLEXtime(model, domain="fft", n_filters=8, numtaps=31, n_epochs=20)
    >>> relevance, weights = flextime.attribute(x, target=0, return_band_weights=True)
    >>> relevance.shape, weights.shape         # per rFFT bin; per band of the filter bank
    ((4, 1, 129), (4, 1, 8))
    >>> weights[:, 0].argmax(axis=-1).tolist() # band 1 of 8 (8-16 Hz) holds 12 Hz
    [1, 1, 1, 1]
    """

    # in_default_runs: an optimization per input, runs name it (--methods) to compute it
    tags = ExplainerTags(signed=False, needs_gradients=True, in_default_runs=False,
                         reads_probabilities=True)
    _settings = {
        "n_filters": [StrOptions(("auto",)), Interval(Integral, 2, None)],
        "numtaps": [StrOptions(("auto",)), Interval(Integral, 3, None)],
        **OPTIMIZER_SETTINGS,
    }
    _call_options = {"return_band_weights": Bool(), "show_progress": Bool()}
    _moved_to_init = frozenset(OPTIMIZER_SETTINGS)  # attribute keywords until 0.1

    def __init__(self, model: nn.Module | Any, domain: str | Domain = "fft",
                 n_filters: int | Literal["auto"] = "auto",
                 numtaps: int | Literal["auto"] = "auto", *,
                 keep_ratio: float = 0.1,
                 regularization: float = 1.0,
                 smoothness: float = 0.0,
                 n_epochs: int = 500,
                 lr: float = 0.05,
                 tol: float = 1e-3,
                 patience: int = 10,
                 mask_channels: Literal["shared", "independent"] = "shared") -> None:
        super().__init__(model, domain, n_filters=n_filters, numtaps=numtaps,
                         keep_ratio=keep_ratio, regularization=regularization,
                         smoothness=smoothness, n_epochs=n_epochs, lr=lr, tol=tol,
                         patience=patience, mask_channels=mask_channels)
        self._cache: dict = {}

    @classmethod
    def _check_settings(cls, settings: dict[str, Any]) -> None:
        numtaps = settings.get("numtaps", "auto")
        if not isinstance(numtaps, str) and numtaps % 2 == 0:
            raise ValueError(f"numtaps must be odd (a symmetric filter of odd length is "
                             f"zero-phase once centred), got {numtaps}")

    def __repr__(self) -> str:
        return (f"FLEXtime(domain={self.domain!r}, n_filters={self.n_filters!r}, "
                f"numtaps={self.numtaps!r})")

    def bank(self, length: int) -> np.ndarray:
        """The filter bank ``(n_filters, numtaps)`` used for signals of ``length`` samples."""
        n_filters, numtaps = self._sizes(length)
        key = ("bank", n_filters, numtaps)
        if key not in self._cache:
            self._cache[key] = filter_bank(n_filters, numtaps)
        return self._cache[key]

    def _sizes(self, length: int) -> tuple[int, int]:
        length = check_length_arg(length)
        auto_filters, auto_taps = auto_filter_bank(length)
        n_filters = auto_filters if self.n_filters == "auto" else int(self.n_filters)
        numtaps = auto_taps if self.numtaps == "auto" else int(self.numtaps)
        n_bins = length // 2 + 1
        if n_filters > n_bins:
            raise ValueError(f"n_filters={n_filters} bands are narrower than the {n_bins} rFFT "
                             f"bins of a {length}-sample signal; use n_filters <= {n_bins} (or "
                             "'auto')")
        # the minimum of 3 taps is taken whatever the length (a 2-sample signal: zero padding)
        longest = max(3, length if length % 2 else length - 1)
        if numtaps > longest:
            raise ValueError(f"numtaps={numtaps} is longer than the {length}-sample signal; use "
                             f"an odd numtaps <= {longest} (or 'auto')")
        return n_filters, numtaps

    def _gains(self, length: int) -> torch.Tensor:
        bank = self.bank(length)
        key = ("gains", length, bank.shape)
        if key not in self._cache:
            self._cache[key] = band_gains(self.domain, length, bank)
        return self._cache[key]

    def _filter(self, x: torch.Tensor):
        """``(weights, rows) -> signals``: the rows of ``x`` through the bank, recombined."""
        length = x.shape[-1]
        bank = torch.from_numpy(self.bank(length)).to(device=x.device, dtype=x.dtype)
        numtaps = bank.shape[1]
        # zero-phase 'same' convolution via FFTs of a length with no circular wrap-around:
        # y = (x * h_b)[c : c + length], c = (numtaps - 1) / 2, for every band at once through the
        # combined response G(f) = sum_b w_b H_b(f), linear in the weights
        size = _fast_length(length + numtaps - 1)
        spectrum = torch.fft.rfft(x, n=size)  # (n, C, F)
        responses = torch.fft.rfft(bank, n=size)  # (B, F), causal filters
        c = (numtaps - 1) // 2

        def make_signals(w: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
            combined = torch.matmul(w.to(responses.dtype), responses)  # (rows, C|1, F)
            return torch.fft.irfft(spectrum[rows] * combined, n=size)[..., c : c + length]

        return make_signals

    def filtered(self, inputs: Attribution, band_weights: Attribution) -> Attribution:
        """The signals the model sees: ``sum_b w_b (h_b * x)``, zero-phase, the input's length.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
        band_weights : tensor or ndarray, shape (batch, channels or 1, n_filters)
            E.g. the weights ``attribute(..., return_band_weights=True)`` returns.

        Returns
        -------
        Same type and dtype as ``inputs``, shape (batch, channels, time).
        """
        from .._validation import as_signal_tensor, to_output

        x, was_numpy = as_signal_tensor(inputs)
        n_filters, _ = self._sizes(x.shape[-1])
        w = _as_weights(band_weights)
        if w.dim() != 3 or w.shape[0] != x.shape[0] or w.shape[1] not in (1, x.shape[1]) \
                or w.shape[2] != n_filters:
            raise ValueError(f"band_weights must have shape ({x.shape[0]}, 1 or {x.shape[1]}, "
                             f"{n_filters}), got {tuple(w.shape)}")
        if not torch.isfinite(w).all():
            raise ValueError("band_weights contain NaN or Inf values")
        dtype = x.dtype if x.dtype.is_floating_point and x.dtype not in (torch.float16,
                                                                          torch.bfloat16) \
            else torch.float32
        xc = x.to(dtype)
        with torch.no_grad():
            out = self._filter(xc)(w.to(device=xc.device, dtype=dtype),
                                   torch.arange(len(xc), device=xc.device))
        return to_output(out, was_numpy, x.dtype)

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        return_band_weights: bool = False,
        show_progress: bool = False,
    ) -> Any:
        """Relevance of every coefficient of the domain: the learned filter's gain there.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
            Signals to explain (numpy in, numpy out; the floating dtype is kept).
        target : int, sequence, tensor or None
            Class per input; ``None`` explains the predicted class (as the reference).
        return_band_weights : bool
            Also return the band weights ``(batch, channels or 1, n_filters)``.
        show_progress : bool
            Show a progress bar over epochs.

        Returns
        -------
        relevance : tensor or ndarray, shape ``(batch, channels or 1, *coefficient_shape)``
            Non-negative: ``sum_b w_b g_b`` (:func:`band_gains`).
        band_weights : only if ``return_band_weights``
        """
        length, _ = _signal_shape(inputs)
        self.domain.check_length(length)
        self._sizes(length)  # bank sizes checked against the length before any model call
        prep = self._prepare(inputs, target)
        x = prep.x
        n, channels, length = x.shape
        make_signals = self._filter(x)
        n_filters = self.bank(length).shape[0]
        w_channels = 1 if self.mask_channels == "shared" else channels
        init = torch.full((n, w_channels, n_filters), 0.5, dtype=x.dtype, device=x.device)
        weights, self.n_epochs_used_ = fit_masks(
            self.model, make_signals, init, prep.targets, prep.probabilities,
            smooth_dims=(-1,), who="FLEXtime", show_progress=show_progress,
            **_optimizer_settings(self))
        gains = self._gains(length).to(device=x.device, dtype=x.dtype)
        relevance = torch.tensordot(weights, gains, dims=([-1], [0]))
        if return_band_weights:
            return self._finish((relevance, weights), prep)
        return self._finish(relevance, prep)


def _optimizer_settings(explainer: Explainer) -> dict[str, Any]:
    """The arguments of :func:`fit_masks` from an explainer's settings."""
    return {k: getattr(explainer, k) for k in OPTIMIZER_SETTINGS if k != "mask_channels"}


def _as_weights(band_weights: Any) -> torch.Tensor:
    """``band_weights`` as a real floating tensor; ``TypeError`` for anything else."""
    bad = TypeError(f"band_weights must be a real tensor or array of band weights, e.g. the "
                    f"weights attribute(..., return_band_weights=True) returns, got "
                    f"{band_weights!r:.80}")
    try:
        w = band_weights if isinstance(band_weights, torch.Tensor) else \
            torch.as_tensor(np.asarray(band_weights))
    except (TypeError, ValueError, RuntimeError) as err:
        raise bad from err
    if w.dtype == torch.bool or w.is_complex():
        raise TypeError(f"band_weights must hold real numbers (weights in [0, 1]), got {w.dtype}")
    if not w.is_floating_point():
        w = w.double()
    return w


def _signal_shape(inputs: Any) -> tuple[int, bool]:
    """The signal length of ``inputs`` as validated by the explainer contract."""
    from .._validation import as_signal_tensor

    x, was_numpy = as_signal_tensor(inputs)
    return x.shape[-1], was_numpy


def _fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (a fast FFT size)."""
    from scipy.fft import next_fast_len

    return int(next_fast_len(int(n), real=True))

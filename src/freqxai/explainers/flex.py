"""FLEX: Integrated Gradients of the model composed with the inverse transform, in the spectrum.

Gräve, P., Steinbrinker, T., Ehrlich, F., Hempel, P., Zaschke, P., Krefting, D., & Spicher, N.
(2025). Using EEG frequency attributions to explain the classifications of a deep neural network
for sleep staging.

With :math:`\\bar F = F \\circ \\mathrm{iRFFT}` and :math:`\\bar x = \\mathrm{RFFT}(x)`,
:math:`\\mathrm{FLEX}_i(F, x) = \\mathrm{IG}_i(\\bar F, \\bar x)`. The spectrum is split into
amplitude and phase and the phase is held at the input's (the ``freqig`` definition), or into real
and imaginary parts. The integration itself is Captum's :class:`~captum.attr.IntegratedGradients`.

How it is computed: the coefficients are linear in the integration variables and the inverse
transform :math:`J` is linear, so the straight IG path in the spectrum is a straight path in time,
and :math:`\\mathrm{IG}(F \\circ J, v) = (v - v_0) \\odot J^\\top \\bar g` with :math:`\\bar g` the
path-averaged time gradient of :math:`F`. Captum computes :math:`\\bar g` (IG with
``multiply_by_inputs=False``) and :math:`J^\\top` is applied once per input by autograd, instead of
an inverse and a forward transform at every step. Equal to IG over the spectrum step by step
(tested) and to ``freqig`` 0.1.8; about 3x faster than a loop of ``freqig`` calls on a small CNN
(``bench/flex_vs_freqig.py``).
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .._batching import rows_per_forward
from .._checks import POSITIVE_INT, Bool, StrOptions
from .._validation import TargetType, check_finite_outputs
from ..domains import Domain
from .base import Attribution, Explainer, ExplainerTags, register_explainer

__all__ = ["FLEX", "default_internal_batch_size"]

Representation = Literal["amplitude", "real_imag", "real_imag_sum"]
# Captum's integration rules (captum.attr._utils.approximation_methods).
METHODS = ("riemann_right", "riemann_left", "riemann_middle", "riemann_trapezoid", "gausslegendre")

# Signal samples per forward pass on CPU: small batches keep a small CNN's activations in the
# caches and below glibc's mmap threshold, which made timings both faster and far steadier than
# large ones (measured in bench/flex_vs_freqig.py); at least 16 rows amortise per-pass overhead.
_CPU_ELEMENTS = 2**14
_CPU_MIN_ROWS = 16


def default_internal_batch_size(n_samples: int, device: torch.device) -> int:
    """Rows per forward pass: about ``2**14`` signal samples (at least 16 rows) on CPU, ``2**24``
    on GPU."""
    rows = rows_per_forward(n_samples, device, _CPU_ELEMENTS)
    return rows if device.type == "cuda" else max(rows, _CPU_MIN_ROWS)


class _TargetForward(nn.Module):
    """The model's output at one target class per row: ``(x, targets, *extra) -> (rows,)``.

    Selecting the target here (one gather) instead of through Captum's ``target`` lets the
    gradient be taken from the summed outputs in one backward call (:func:`_gradients_of_sum`).
    """

    def __init__(self, model) -> None:
        super().__init__()
        self.model = model

    def forward(self, x, targets, *extra):
        return self.model(x, *extra).gather(1, targets[:, None]).squeeze(1)


def _gradients_of_sum(forward_fn, inputs, target_ind=None, additional_forward_args=None):
    """Gradients of the summed forward outputs with respect to ``inputs``.

    Stands in for Captum's ``compute_gradients`` (``IntegratedGradients.gradient_func``), which
    back-propagates from every output row separately (one ``grad_output`` per row). The rows of an
    IG batch are independent, so the gradient of the sum is the same per row, in one backward call
    without per-row overhead. ``forward_fn`` already returns the target output of each row.
    """
    if target_ind is not None:
        raise ValueError("targets are selected inside the forward function")
    with torch.enable_grad():
        out = forward_fn(*inputs, *(additional_forward_args or ()))
        return torch.autograd.grad(out.sum(), inputs)


@register_explainer("flex")
class FLEX(Explainer):
    """Frequency-domain Integrated Gradients (FLEX / freqIG), batched and multichannel.

    Parameters
    ----------
    model : torch.nn.Module or callable
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)``.
    domain : str or Domain
        ``"fft"`` (the paper), ``"stft"`` (time-frequency FLEX: STFT magnitude with fixed phase),
        ``"wavelet"``, ``"time"`` (plain IG in time) or any :class:`Domain`.
    representation : {"amplitude", "real_imag", "real_imag_sum"}
        ``"amplitude"``: IG over the magnitude with the phase fixed at the input's (freqIG); for a
        domain with real coefficients (time, wavelet) IG over the coefficients themselves.
        ``"real_imag"``: IG over real and imaginary parts, returned as a tuple of two maps.
        ``"real_imag_sum"``: the two maps summed per coefficient (completeness still holds).
    multiply_by_inputs : bool
        Captum's option: global attributions ``(x̄ - x̄_0) · avg grad`` (True) or local
        (average gradients only).

    Examples
    --------
    >>> from freqxai import FLEX
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> flex = FLEX(BinPowerModel(k=24), domain="fft")    # class 0: the power of bin 24 (12 Hz)
    >>> attr, delta = flex.attribute(x, target=0, n_steps=16, return_convergence_delta=True)
    >>> attr.shape
    (4, 1, 129)
    >>> attr[:, 0].argmax(axis=-1).tolist()
    [24, 24, 24, 24]
    >>> bool(abs(delta).max() < 1e-3)          # completeness: sum(attr) = f(x) - f(baseline)
    True
    """

    # FLEX is IG of the same model seen through the inverse transform (on the paper's MLPs equal
    # to IG in time projected by DFT-LRP up to float round-off): one clipping rule for both.
    tags = ExplainerTags(clip_negative=True, has_convergence_delta=True, needs_gradients=True,
                         additive=True)
    _settings = {"representation": StrOptions(("amplitude", "real_imag", "real_imag_sum")),
                 "multiply_by_inputs": Bool()}
    # (baselines and additional_forward_args are checked against the inputs)
    _call_options = {"n_steps": POSITIVE_INT, "method": StrOptions(METHODS),
                     "internal_batch_size": [POSITIVE_INT, None],
                     "return_convergence_delta": Bool(), "show_progress": Bool()}

    def __init__(
        self,
        model: nn.Module | Any,
        domain: str | Domain = "fft",
        representation: Representation = "amplitude",
        multiply_by_inputs: bool = True,
    ) -> None:
        super().__init__(model, domain, representation=representation,
                         multiply_by_inputs=multiply_by_inputs)

    @overload
    def attribute(self, inputs: Attribution, target: TargetType = ..., *,
                  baselines: Any = ..., n_steps: int = ..., method: str = ...,
                  internal_batch_size: int | None = ..., additional_forward_args: Any = ...,
                  return_convergence_delta: Literal[False] = ..., show_progress: bool = ...,
                  ) -> Attribution | tuple[Attribution, Attribution]: ...

    @overload
    def attribute(self, inputs: Attribution, target: TargetType = ..., *,
                  baselines: Any = ..., n_steps: int = ..., method: str = ...,
                  internal_batch_size: int | None = ..., additional_forward_args: Any = ...,
                  return_convergence_delta: Literal[True], show_progress: bool = ...,
                  ) -> tuple[Any, Attribution]: ...

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        baselines: torch.Tensor | np.ndarray | float | None = None,
        n_steps: int = 50,
        method: str = "gausslegendre",
        internal_batch_size: int | None = None,
        additional_forward_args: Any = None,
        return_convergence_delta: bool = False,
        show_progress: bool = False,
    ):
        """FLEX attributions per coefficient of the domain.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time)
            Signals to explain (numpy in, numpy out).
        target : int, sequence, tensor or None
            Class per input; ``None`` explains the predicted class of each input.
        baselines : tensor, ndarray, float or None
            Time-domain baseline signals, shaped like ``inputs`` or broadcastable to them
            (a scalar, or one signal for all). Default: zeros. In the amplitude representation
            the baseline contributes its magnitude; the phase stays the input's.
        n_steps : int
            Integration steps.
        method : str
            Captum's integration rule (``"gausslegendre"``, ``"riemann_trapezoid"``, ...).
        internal_batch_size : int, optional
            Most rows (inputs x steps) per forward pass; inputs are processed in groups of at most
            this many. By default about 16k signal samples (at least 16 rows) per forward on
            CPU (keeps a small model's activations in cache; see ``bench/flex_vs_freqig.py``)
            and 16M on GPU.
        additional_forward_args : any
            Extra arguments passed to the model after the signal.
        return_convergence_delta : bool
            Also return ``sum(attributions) - (F(x) - F(baseline))`` per input.
        show_progress : bool
            Show a progress bar over groups of inputs.

        Returns
        -------
        attributions : tensor or ndarray, shape ``(batch, channels, *coefficient_axes)``
            A tuple ``(real, imag)`` for ``representation="real_imag"``.
        delta : tensor or ndarray, shape (batch,), only if ``return_convergence_delta``
        """
        extra = _as_tuple(additional_forward_args)
        prep = self._prepare(inputs, target, *extra)
        x, targets, device = prep.x, prep.targets, prep.x.device
        base = self._baselines(baselines, x)
        length = x.shape[-1]

        # The coefficients are linear in the integration variables v (amplitude with the phase
        # fixed, or real and imaginary parts) and the inverse transform J is linear, so the IG path
        # v_b + a (v - v_b) is the straight time path J v_b + a (J v - J v_b), and
        #     IG(F∘J, v) = (v - v_b) · J^T [sum_k w_k grad F(J v_b + a_k (J v - J v_b))].
        # Captum integrates the bracket (IG with multiply_by_inputs=False) in time; J^T is one
        # vector-Jacobian product per input instead of an inverse and forward transform per step.
        parts, base_parts, fixed = self._split(x, base)
        parts = tuple(p.detach().requires_grad_() for p in parts)
        with torch.enable_grad():
            x_path = self._to_time(parts, fixed, length)
        with torch.no_grad():
            b_path = self._to_time(base_parts, fixed, length)
            # the path's other end must be a point the model scores (NaN there would leave
            # finite but meaningless attributions)
            check_finite_outputs(self.model(b_path, *extra), "the baselines")
        if internal_batch_size is None:
            internal_batch_size = default_internal_batch_size(x[0].numel(), device)
        at_target = _TargetForward(self.model)
        from captum.attr import IntegratedGradients  # (deferred: captum.attr loads matplotlib)

        ig = IntegratedGradients(at_target, multiply_by_inputs=False)
        ig.gradient_func = _gradients_of_sum
        # Inputs go to Captum in groups of at most internal_batch_size, so a forward pass never
        # holds more rows than that (Captum alone keeps all inputs in every pass).
        group = min(len(x), internal_batch_size)
        mean_grads = []
        starts = range(0, len(x), group)
        for start in tqdm(starts, desc="FLEX", disable=not show_progress, leave=False):
            sl = slice(start, start + group)
            mean_grads.append(ig.attribute(
                x_path[sl].detach(),
                baselines=b_path[sl],
                additional_forward_args=(targets[sl], *_rows(extra, sl, len(x))),
                n_steps=n_steps,
                method=method,
                internal_batch_size=internal_batch_size,
            ))
        attr = torch.autograd.grad(x_path, parts, grad_outputs=torch.cat(mean_grads))
        if self.multiply_by_inputs:
            attr = tuple(g * (p.detach() - pb) for g, p, pb in zip(attr, parts, base_parts, strict=True))
        delta = None
        if return_convergence_delta:
            with torch.no_grad():
                ends = torch.cat([x_path.detach(), b_path])
                f = at_target(ends, targets.repeat(2), *_stack_rows(extra, len(x)))
            delta = sum(a.flatten(1).sum(1) for a in attr) - (f[: len(x)] - f[len(x) :])
        if self.representation == "amplitude":
            attr = attr[0]
        elif self.representation == "real_imag_sum":
            attr = attr[0] + attr[1]
        if return_convergence_delta:
            return self._finish((attr, delta), prep)
        return self._finish(attr, prep)

    def _baselines(self, baselines, x: torch.Tensor) -> torch.Tensor:
        if baselines is None:
            return torch.zeros_like(x)
        if isinstance(baselines, bool | np.bool_):
            raise TypeError("baselines must be a number, an array/tensor or None, got a bool")
        if isinstance(baselines, int | float | np.number):
            if not np.isfinite(float(baselines)):
                raise ValueError(f"baselines must be finite, got {baselines!r}")
            return torch.full_like(x, float(baselines))
        if not isinstance(baselines, torch.Tensor | np.ndarray):
            raise TypeError(f"baselines must be a number, an array/tensor or None, got "
                            f"{type(baselines).__name__}")
        if torch.as_tensor(baselines).is_complex():
            raise TypeError("baselines must be real-valued time signals, got complex values")
        base = torch.as_tensor(baselines).to(device=x.device, dtype=x.dtype)
        try:
            base = torch.broadcast_to(base, x.shape)
        except RuntimeError as err:
            raise ValueError(
                f"baselines of shape {tuple(base.shape)} do not match inputs of shape "
                f"{tuple(x.shape)}; give one baseline per input or one for all"
            ) from err
        if not torch.isfinite(base).all():
            raise ValueError("baselines contain NaN or Inf values")
        return base.contiguous()

    def _split(self, x: torch.Tensor, base: torch.Tensor):
        """Integration variables, their baselines and the fixed part (the unit phasor)."""
        cx, cb = self.domain.forward(x), self.domain.forward(base)
        if not cx.is_complex() and self.representation != "amplitude":
            raise ValueError(f"domain {self.domain.name!r} has real coefficients: use "
                             "representation='amplitude' (IG over the coefficients themselves)")
        if self.representation == "amplitude":
            if cx.is_complex():
                # exp(i·angle(cx)): the phase freqIG holds fixed (angle 0 where cx == 0)
                unit = torch.polar(torch.ones_like(cx.real), cx.angle())
                return (cx.abs(),), (cb.abs(),), unit
            # time domain: the amplitude is the signal itself
            return (cx,), (cb,), None
        return (cx.real.contiguous(), cx.imag.contiguous()), (cb.real.contiguous(), cb.imag.contiguous()), None

    def _to_time(self, parts: tuple, unit: torch.Tensor | None, length: int) -> torch.Tensor:
        """Signals from the integration variables: ``J v``."""
        if len(parts) == 2:
            coeffs = torch.complex(*parts)
        elif unit is not None:
            coeffs = parts[0] * unit  # amplitude x exp(i·phase); cheaper than torch.polar
        else:
            coeffs = parts[0]
        return self.domain.inverse(coeffs, length)


def _as_tuple(args: Any) -> tuple:
    if args is None:
        return ()
    return tuple(args) if isinstance(args, tuple | list) else (args,)


def _per_input(a: Any, n: int) -> bool:
    """Whether ``a`` is a tensor with one row per input (first axis of length ``n``)."""
    return isinstance(a, torch.Tensor) and a.dim() > 0 and a.shape[0] == n


def _stack_rows(args: tuple, n: int) -> tuple:
    """The per-input tensors among ``args`` twice along the first axis (inputs, then baselines)."""
    return tuple(torch.cat([a, a]) if _per_input(a, n) else a for a in args)


def _rows(args: tuple, sl: slice, n: int) -> tuple:
    """Slice the per-input tensors among ``args`` to a group."""
    return tuple(a[sl] if _per_input(a, n) else a for a in args)

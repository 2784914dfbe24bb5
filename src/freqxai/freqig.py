"""Drop-in replacement for ``freqig`` 0.1.8's ``attribute`` (``from scripts.freqIG import attribute``).

Same arguments, same return value (a squeezed numpy array of amplitude attributions), same
errors, but no prints, no unconditional ``onnx`` import, and the model stays on its own device.
Built on :class:`freqxai.FLEX`; for many signals at once use ``FLEX`` directly, which batches.

Differences from freqig 0.1.8, all deliberate:

- ``target=None`` explains the predicted class, as freqig documents; freqig 0.1.8's code passes
  ``None`` to Captum, which then attributes the sum of all outputs.
- The inverse FFT uses the signal's own length, so odd-length signals round-trip; freqig drops
  the last sample of odd-length inputs. Even lengths give identical results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import model_device
from .convert import load_model
from .explainers.flex import FLEX

__all__ = ["attribute"]


class _ChannelSqueeze(nn.Module):
    """Calls the model with ``(batch, time)`` for single-channel signals, as freqig does."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, *args):
        return self.model(x[:, 0] if x.shape[1] == 1 else x, *args)


class _SegmentInContext(nn.Module):
    """Places the segment into the full recording before calling the model (freqig's segment mode).

    Along the integration path, the context outside the segment is scaled by
    ``linspace(0, 1, n_steps)`` (freqig's choice); a single row is the unscaled recording.
    """

    def __init__(self, model: nn.Module, full: torch.Tensor, start: int, n_steps: int) -> None:
        super().__init__()
        self.model = model
        self.full = full  # (1, C, T)
        self.start = start
        self.n_steps = n_steps

    def forward(self, seg: torch.Tensor, *args):
        rows = seg.shape[0]
        if rows == self.n_steps and rows > 1:
            alphas = torch.linspace(0, 1, self.n_steps, device=seg.device, dtype=seg.dtype)
        else:
            alphas = torch.ones(rows, device=seg.device, dtype=seg.dtype)
        x = self.full.expand(rows, -1, -1) * alphas.view(-1, 1, 1)
        x = torch.cat([x[..., : self.start], seg, x[..., self.start + seg.shape[-1] :]], dim=-1)
        return self.model(x, *args)


def _as_signal(a: Any, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(a.detach().cpu() if isinstance(a, torch.Tensor) else a),
                        dtype=torch.float32)
    if t.dim() == 3 and t.shape[0] == 1:  # freqig's own (1, ..., time) shapes
        return t
    if t.dim() not in (1, 2):
        raise ValueError(f"{name} must be 1-D (time) or 2-D (channels, time), got shape {tuple(t.shape)}")
    return t[None, None] if t.dim() == 1 else t[None]


def attribute(
    input: Any,
    model: Any,
    target: int | None = None,
    baseline: Any = None,
    n_steps: int = 50,
    segment: Any = None,
    start_idx: int | None = None,
    additional_forward_args: Any = None,
) -> np.ndarray:
    """Frequency attributions of one signal (FLEX with the phase held fixed).

    Parameters
    ----------
    input : array-like or tensor, shape (time,) or (channels, time)
        The recording.
    model : nn.Module, ONNX path or ModelProto, or Keras model
        Converted with :func:`freqxai.load_model`. Single-channel signals reach the model as
        ``(batch, time)``, as in freqig.
    target : int, optional
        Class to explain; the predicted class when None.
    baseline : array-like, optional
        Time-domain baseline shaped like the explained signal (the segment in segment mode);
        zeros by default.
    n_steps : int
        Integration steps.
    segment : array-like, optional
        Explain only this part of ``input``; it replaces ``input[start_idx:start_idx+len]``.
    start_idx : int, optional
        Where the segment starts in ``input``; required with ``segment``.
    additional_forward_args : any
        Extra model arguments.

    Returns
    -------
    ndarray
        Attributions per rFFT bin of the explained signal, squeezed.

    Raises
    ------
    ValueError
        Segment without ``start_idx``, a segment past the end of the input, a baseline whose shape
        differs from the explained signal.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import freqig
    >>> from freqxai.testing import FreqIGReadmeCNN
    >>> t = np.arange(200) / 100.0                  # 2 s at 100 Hz
    >>> signal = np.sin(2 * np.pi * 7 * t)           # a 7 Hz tone, shape (time,)
    >>> attr = freqig.attribute(signal, FreqIGReadmeCNN(), target=1, n_steps=16)
    >>> attr.shape                                   # one value per rFFT bin
    (101,)
    """
    # files are loaded in eval mode; a module passed in is explained in eval mode and left as the
    # caller set it (the explainers' contract)
    net = _ChannelSqueeze(load_model(model))
    full = _as_signal(input, "input")
    primary = full
    if segment is not None:
        if start_idx is None:
            raise ValueError("start_idx is required when a segment is given")
        if isinstance(start_idx, bool | np.bool_) or not isinstance(start_idx, int | np.integer):
            raise TypeError(f"start_idx must be an integer sample index, got {start_idx!r}")
        primary = _as_signal(segment, "segment")
        if start_idx < 0 or start_idx + primary.shape[-1] > full.shape[-1]:
            raise ValueError(
                f"segment of length {primary.shape[-1]} at start_idx={start_idx} exceeds the "
                f"input length {full.shape[-1]}"
            )
        if primary.shape[1] != full.shape[1]:
            raise ValueError("segment and input must have the same number of channels")
    if baseline is not None:
        base = _as_signal(baseline, "baseline")
        if base.shape != primary.shape:
            raise ValueError(
                f"baseline shape {tuple(base.shape[1:])} must match the explained signal's shape "
                f"{tuple(primary.shape[1:])}"
            )
        baseline = base
    device = model_device(net)
    if segment is not None:
        net = _SegmentInContext(net, full.to(device), int(start_idx), n_steps)
        internal = n_steps  # one forward per path, so each row knows its step (as freqig)
    else:
        internal = None
    attr = FLEX(net, domain="fft").attribute(
        primary, target=target, baselines=baseline, n_steps=n_steps,
        internal_batch_size=internal, additional_forward_args=additional_forward_args,
    )
    return attr.detach().cpu().numpy().squeeze()

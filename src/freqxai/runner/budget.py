"""FreqRISE's mask budget fitted to the model's cost, decided before the work and the same on
every machine.

A run's FreqRISE draws masks until two halves agree, at most :data:`~freqxai.runner.config.
AUTO_MAX_MASKS` (3000) per signal and domain. That is cheap for the small CNNs of sensor data
(a few MFLOP a forward: 3000 forwards take seconds) and an hour for 10 speech clips through
AudioNet (463 MFLOP a forward, 23 ms on 2 cores: 3000 masks x 10 clips x 2 domains = 23 min).
The budget here is a number of floating-point operations per signal and domain,
:data:`MASK_FLOP_BUDGET`; the masks are that budget over the FLOPs of one forward, counted by
PyTorch's ``FlopCounterMode`` on one signal of the run's shape (deterministic: the same model and
shape give the same masks anywhere, so a resumed or distributed run draws the same masks), within
[:data:`MIN_AUTO_MASKS`, ``AUTO_MAX_MASKS``]. Models whose FLOPs cannot be counted (numpy
functions, scikit-learn and aeon classifiers, ONNX graphs it cannot trace) keep the full budget.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import torch

__all__ = ["MASK_FLOP_BUDGET", "MIN_AUTO_MASKS", "IMPORT_SECONDS", "forward_flops",
           "auto_max_masks", "process_age"]

# 3000 forwards of a 20-MFLOP model (a CNN on a few thousand samples): about 3 s a signal and
# domain at the 20 GFLOP/s two cores reach; costlier models get fewer masks
MASK_FLOP_BUDGET = 3000 * 20e6
# fewer masks than this rarely give split halves that agree (FreqRISE warns when they do not)
MIN_AUTO_MASKS = 500


def process_age() -> float | None:
    """Seconds since this process started (Linux's ``/proc``), or None where it cannot tell."""
    try:
        with open("/proc/self/stat") as fh:
            start = int(fh.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(uptime - start / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# How long this process took to get here: Python, PyTorch, Lightning and freqxai's runner imported
# (the runner imports this module). Each extra process of a multi-process run pays it again before
# it takes work (freqxai.runner.estimate.startup_seconds): 6-15 s on 2 busy cores.
IMPORT_SECONDS = process_age()


def forward_flops(model: Any, channels: int, length: int) -> float | None:
    """Floating-point operations of one forward of ``model`` on one ``(channels, length)``
    signal, or None where they cannot be counted (no parameters to place the input, a model
    that is not a PyTorch module, an operation the counter cannot trace)."""
    if not isinstance(model, torch.nn.Module) or getattr(model, "differentiable", True) is False:
        return None
    try:
        from torch.utils.flop_counter import FlopCounterMode

        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
        x = torch.zeros(1, int(channels), int(length), device=device, dtype=dtype)
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            counter = FlopCounterMode(display=False)
            with counter:
                model(x)
        flops = float(counter.get_total_flops())
    except Exception:  # noqa: BLE001 - a model the counter cannot trace keeps the full budget
        return None
    return flops if flops > 0 else None


def auto_max_masks(flops: float | None, ceiling: int) -> int:
    """FreqRISE's ``max_masks`` for a model of ``flops`` per forward: :data:`MASK_FLOP_BUDGET`
    over ``flops``, within [:data:`MIN_AUTO_MASKS`, ``ceiling``]; ``ceiling`` when unknown."""
    if not flops:
        return int(ceiling)
    return int(min(ceiling, max(MIN_AUTO_MASKS, MASK_FLOP_BUDGET // flops)))

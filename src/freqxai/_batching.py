"""How many signals go through the model per forward pass, by device.

On CPU a forward batch should keep the model's activations in the caches (small budgets,
measured in ``bench/``); on a GPU it should be large enough to fill the device.
"""

from __future__ import annotations

import torch

GPU_ELEMENTS = 2**24
# Default budget of signal samples per model forward on CPU (256 KB of float32), for FreqRISE's
# masked signals and the metrics' perturbed ones. A model's activations are many times its input
# (SmallCNN: 32 channels per sample), so forwards of 2**20 input samples spill the caches:
# SmallCNN on OSULeaf (427 samples) ran at 1.4-1.7 ms per signal in forwards of 1024-2048
# signals against 0.42-0.51 ms in forwards of 64-128 (one thread, bench/long_signals.py); the
# paper's MLP is within 15 % of its best from 32 rows on.
MODEL_ELEMENTS = 2**16


def rows_per_forward(sample_size: int, device: torch.device, cpu_elements: int) -> int:
    """Rows of ``sample_size`` elements per forward: ``cpu_elements`` or 16M on CUDA devices."""
    budget = GPU_ELEMENTS if device.type == "cuda" else cpu_elements
    return max(1, budget // max(sample_size, 1))

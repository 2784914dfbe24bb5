"""How many signals go through the model per forward pass, by device.

On CPU a forward batch should keep the model's activations in the caches (small budgets,
measured in ``bench/``); on a GPU it should be large enough to fill the device.
"""

from __future__ import annotations

import torch

GPU_ELEMENTS = 2**24


def rows_per_forward(sample_size: int, device: torch.device, cpu_elements: int) -> int:
    """Rows of ``sample_size`` elements per forward: ``cpu_elements`` or 16M on CUDA devices."""
    budget = GPU_ELEMENTS if device.type == "cuda" else cpu_elements
    return max(1, budget // max(sample_size, 1))

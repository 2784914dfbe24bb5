"""The multilayer perceptron of the FreqRISE synthetic benchmark.

Brüsch et al. (NLDL 2025), section 4.1: ``Linear(2560, 64)-ReLU-Linear(64, 64)-ReLU-
Linear(64, 64)-ReLU-Linear(64, 16)``. The layers live in ``self.mlp`` so the published state dicts
(keys ``mlp.0.weight`` ...) load unchanged.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ["SynthMLP", "load_synth_mlp"]


class SynthMLP(nn.Module):
    """MLP classifier on flattened signals.

    Parameters
    ----------
    input_size : int
        Number of input samples (channels × time), 2560 in the paper.
    hidden_size : int
        Width of the hidden layers, 64 in the paper.
    n_hidden : int
        Number of hidden-to-hidden layers after the first, 2 in the paper.
    n_classes : int
        Number of outputs, 16 in the paper.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models import SynthMLP
    >>> model = SynthMLP()                     # the paper's: 2560 samples in, 16 classes out
    >>> model(torch.randn(4, 1, 2560)).shape   # signals are flattened
    torch.Size([4, 16])
    >>> SynthMLP(input_size=256, n_classes=2)(torch.randn(4, 1, 256)).shape
    torch.Size([4, 2])
    """

    def __init__(
        self, input_size: int = 2560, hidden_size: int = 64, n_hidden: int = 2, n_classes: int = 16
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(input_size, hidden_size), nn.ReLU()]
        for _ in range(n_hidden):
            layers += [nn.Linear(hidden_size, hidden_size), nn.ReLU()]
        layers.append(nn.Linear(hidden_size, n_classes))
        self.mlp = nn.Sequential(*layers)
        self.input_size = input_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, channels, time)`` or ``(batch, time)`` → ``(batch, n_classes)`` logits."""
        return self.mlp(x.reshape(x.shape[0], -1))


def load_synth_mlp(path: str | Path, map_location: str | torch.device = "cpu") -> SynthMLP:
    """Load a :class:`SynthMLP` from a state dict file (e.g. the paper's ``synth_mlp_0.01.pt``).

    The architecture is read off the weights, so other widths load too. The model is returned in
    eval mode.

    Examples
    --------
    >>> import torch
    >>> from freqxai.models import SynthMLP, load_synth_mlp
    >>> torch.save(SynthMLP(hidden_size=32).state_dict(), "mlp.pt")
    >>> model = load_synth_mlp("mlp.pt")       # the architecture is read off the weights
    >>> model.training, model(torch.randn(2, 1, 2560)).shape
    (False, torch.Size([2, 16]))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model weights not found: {path}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # empty, truncated, garbage or pickled-object files
        why = (str(err).splitlines() or [type(err).__name__])[0][:120]
        raise ValueError(f"{path} is not a readable state dict (loaded with weights_only=True): "
                         f"{why}") from err
    if not isinstance(state, dict):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict")
    if isinstance(state, dict) and "state_dict" in state:  # a Lightning checkpoint
        state = {k.removeprefix("model."): v for k, v in state["state_dict"].items()}
    keys = sorted(k for k in state if k.startswith("mlp.") and k.endswith(".weight"))
    if not keys:
        raise ValueError(f"{path} holds no 'mlp.*' weights; is it a SynthMLP state dict?")
    first, last = state[keys[0]], state[max(keys, key=lambda k: int(k.split(".")[1]))]
    if first.dim() != 2 or last.dim() != 2:
        raise ValueError(f"{path}: the 'mlp.*' weights are not those of linear layers")
    model = SynthMLP(first.shape[1], first.shape[0], len(keys) - 2, last.shape[0])
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ValueError(f"the weights in {path} do not fit a SynthMLP: "
                         f"{str(err).strip().splitlines()[0]}") from err
    return model.eval()

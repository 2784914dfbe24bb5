"""Models of the papers freqxai reproduces."""

from .audionet import AudioNet
from .mlp import SynthMLP, load_synth_mlp

__all__ = ["AudioNet", "SynthMLP", "load_synth_mlp"]

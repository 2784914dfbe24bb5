"""Models of the papers freqxai reproduces."""

from .audionet import AudioNet
from .binary import BinaryClassifier
from .mlp import SynthMLP, load_synth_mlp

__all__ = ["AudioNet", "BinaryClassifier", "SynthMLP", "load_synth_mlp"]

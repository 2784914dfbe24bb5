"""Models of the papers freqxai reproduces."""

from .mlp import SynthMLP, load_synth_mlp

__all__ = ["SynthMLP", "load_synth_mlp"]

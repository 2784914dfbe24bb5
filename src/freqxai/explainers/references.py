"""Reference explanations every method is scored against (Brüsch et al., NLDL 2025, section 4).

- :class:`RandomReference`: uniform random relevance, the floor a method must beat.
- :class:`AmplitudeReference`: the magnitude of each coefficient, i.e. "the loudest frequencies
  matter", which needs no model at all.

Both are explainers (registered as ``"random"`` and ``"amplitude"``) and return relevance in the
domain, so they flow through the same evaluation as every method. The model is optional: given,
targets are validated like every explainer's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from .._checks import SEED
from .._validation import TargetType
from ..domains import Domain
from .base import Attribution, Explainer, ExplainerTags, register_explainer

__all__ = ["RandomReference", "AmplitudeReference"]


class _Reference(Explainer):
    tags = ExplainerTags(signed=False, needs_model=False, reference=True)

    def __init__(self, model: Any = None, domain: str | Domain = "fft") -> None:
        super().__init__(model, domain)


@register_explainer("random")
class RandomReference(_Reference):
    """Relevance drawn uniformly from [0, 1) per coefficient (seedable).

    Examples
    --------
    >>> from freqxai import RandomReference
    >>> from freqxai.testing import tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> relevance = RandomReference(domain="fft").attribute(x, seed=0)   # no model needed
    >>> relevance.shape
    (4, 1, 129)
    >>> bool(((relevance >= 0) & (relevance < 1)).all())
    True
    """

    # one draw for the whole batch: an input alone gets other values than in a batch
    tags = dataclasses.replace(_Reference.tags, stochastic=True, batch_invariant=False)
    _call_options = {"seed": SEED}

    def attribute(self, inputs: Attribution, target: TargetType = None, *,
                  seed: int | None = None) -> Attribution:
        """Random relevance ``(batch, channels, *coefficient_shape)``."""
        prep = self._prepare(inputs, target)
        x = prep.x
        shape = (x.shape[0], x.shape[1], *self.domain.coefficient_shape(x.shape[-1]))
        gen = torch.Generator(device=x.device)
        if seed is None:
            gen.seed()
        else:
            gen.manual_seed(seed)
        return self._finish(torch.rand(shape, generator=gen, device=x.device, dtype=x.dtype), prep)


@register_explainer("amplitude")
class AmplitudeReference(_Reference):
    """Relevance = ``|coefficient|`` of the signal in the domain (independent of the model).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import AmplitudeReference
    >>> from freqxai.testing import tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> relevance = AmplitudeReference(domain="fft").attribute(x)       # no model needed
    >>> relevance.shape
    (4, 1, 129)
    >>> np.allclose(relevance, np.abs(np.fft.rfft(x)), rtol=1e-4)       # |rFFT|
    True
    """

    def attribute(self, inputs: Attribution, target: TargetType = None) -> Attribution:
        """``|domain.forward(x)|`` ``(batch, channels, *coefficient_shape)``."""
        prep = self._prepare(inputs, target)
        return self._finish(self.domain.forward(prep.x).abs(), prep)

"""Which explainers can explain a model: their declared needs joined with its capabilities.

Explainers declare what they need of a model (``needs_gradients``, ``needs_modules``);
:func:`freqxai.adapters.capabilities` states what a model allows. :func:`method_support` joins
the two, so the runner's default method set is exactly what can explain the model and every
method left out is named with its reason. It lives with the explainers, which own their needs
(it was ``freqxai.adapters.method_support``, kept there as a deprecated alias).
"""

from __future__ import annotations

from typing import Any

from ..adapters import capabilities
from .base import explainer_class, list_explainers

__all__ = ["method_support"]


def method_support(model: Any, methods: list[str] | None = None) -> dict[str, str | None]:
    """For each method (default: every registered one), None if it can explain ``model``, else
    the reason it cannot (``"needs gradients; a scikit-learn/aeon estimator has none"``).

    Decided from :func:`~freqxai.adapters.capabilities` and the explainers' declared needs; a
    model whose differentiability is unknown is taken as differentiable here and probed on one
    input when explained.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from freqxai.adapters import NumpyModel
    >>> from freqxai.explainers import method_support
    >>> def power_12hz(x):                     # a numpy classifier: no gradients
    ...     p = np.abs(np.fft.rfft(x, axis=-1))[..., 24].sum(1)
    ...     return np.stack([np.zeros_like(p), p], axis=1)
    >>> support = method_support(NumpyModel(power_12hz, output_kind="logits"))
    >>> support["freqrise"] is None, support["shapley"] is None
    (True, True)
    >>> support["flex"]
    'needs gradients; a numpy function has none'
    >>> all(r is None for r in method_support(torch.nn.Linear(256, 2)).values())
    True
    """
    caps = capabilities(model)
    what = {"estimator": "a scikit-learn/aeon estimator", "numpy": "a numpy function",
            "torchscript": "a TorchScript graph", "torch.export": "a torch.export graph",
            "callable": "a plain callable", "torch": "this model"}[caps.kind]
    out: dict[str, str | None] = {}
    for name in methods or list_explainers():
        cls = explainer_class(name)
        if cls.needs_gradients and caps.differentiable is False:
            out[name] = f"needs gradients; {what} has none"
        elif getattr(cls, "needs_modules", False) and not caps.has_modules:
            out[name] = f"needs eager modules for its rules; {what} has no module hooks"
        else:
            out[name] = None
    return out

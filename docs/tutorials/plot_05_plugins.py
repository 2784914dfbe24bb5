"""
Your own domain or method as a plug-in
======================================

A new domain, method or metric is one registered class. Once registered, every explainer, metric,
the summary table and the command line use it by name: ``get_explainer("lrp", model,
domain="dct")``, ``freqxai run ... --domains dct --plugin mymodule``. Installed packages make them
available everywhere by declaring the module as an entry point of the group ``freqxai.plugins``
(:mod:`freqxai.plugins`)::

    [project.entry-points."freqxai.plugins"]
    mymethods = "mypackage.freqxai_plugin"

We check both plug-ins below on a model whose answer is known by construction
(:class:`freqxai.testing.BinPowerModel`: class 0's logit is the power of rFFT bin 7).
"""

# %%
# A domain: the orthonormal DCT-II
# --------------------------------
# A :class:`~freqxai.Domain` states its transform, its inverse (linear and differentiable, so
# gradient methods and DFT-LRP work through it), the shape of its coefficients and their
# physical axes. ``@register_domain`` makes it known by name.
import numpy as np
import torch

from freqxai import Domain, get_explainer, list_domains, register_domain


@register_domain("dct")
class DCT(Domain):
    """Orthonormal DCT-II along time."""

    def _basis(self, n, dtype):
        k, t = torch.arange(n)[:, None], torch.arange(n)[None, :]
        m = torch.cos(torch.pi * (t + 0.5) * k / n) * (2 / n) ** 0.5
        m[0] /= 2**0.5
        return m.to(dtype)

    def forward(self, x):  # (..., channels, time) -> (..., channels, n)
        return x @ self._basis(x.shape[-1], x.dtype).T

    def inverse(self, coefficients, length):
        return coefficients @ self._basis(length, coefficients.dtype)

    def coefficient_shape(self, length):
        return (length,)

    def axes(self, length, fs=None):
        return {"frequency": np.arange(length) / (2 * length) * (fs or 1.0)}


print(list_domains())

# %%
# Every method now works in it. A sine of 7 cycles per signal (rFFT bin 7) sits around DCT
# coefficient 14 (coefficient k is k/2 cycles per signal; a sine that is not one of the cosines
# of the basis spreads over its neighbours 13-15):
from freqxai.testing import BinPowerModel

model = BinPowerModel(k=7)
t = np.arange(64)
rng = np.random.default_rng(0)
x = (np.sin(2 * np.pi * 7 * t / 64) + 0.3 * rng.normal(size=(4, 1, 64))).astype(np.float32)
for method in ("gxi", "flex", "freqrise"):
    rel = get_explainer(method, model, domain="dct").attribute(x, target=0)
    print(f"{method:8s} top DCT coefficients: {np.argsort(-rel[:, 0], axis=-1)[:, :2].tolist()}")

# %%
# Gradient methods and LRP are projected into the new domain by the exact DFT-LRP rule of the
# base class (:meth:`freqxai.Domain.project_relevance`): relevance is conserved, the total of
# gradient x input in the DCT equals its total in time. (LRP refuses this model: it has no
# layers for LRP's rules; on a network of torch layers ``"lrp"`` works the same way.)
gxi_dct = get_explainer("gxi", model, domain="dct").attribute(x, target=0)
gxi_time = get_explainer("gxi", model, domain="time").attribute(x, target=0)
print("conserved:", np.allclose(gxi_dct.sum((1, 2)), gxi_time.sum((1, 2)), rtol=1e-4))

# %%
# A method: occlusion of coefficient groups
# -----------------------------------------
# An :class:`~freqxai.Explainer` takes the model and domain in ``__init__`` and the data in
# ``attribute(inputs, target=None, *, options)``. ``_prepare`` validates the inputs, moves them
# to the model's device and dtype and resolves the targets; ``_finish`` returns numpy for numpy
# input. Class attributes tell the runner what the relevance is. This one removes ``width``
# neighbouring coefficients at a time and records the drop of the target's probability: a
# batched forward per group, no loop over inputs.
from freqxai import Explainer, list_explainers, register_explainer


@register_explainer("occlusion")
class Occlusion(Explainer):
    """Drop of the target's probability when a group of ``width`` coefficients is removed."""

    signed = True  # removing a coefficient can raise the class too
    additive = False  # per-coefficient effects: a band averages them

    def attribute(self, inputs, target=None, *, width=1):
        if not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive integer, got {width!r}")
        prep = self._prepare(inputs, target)
        x, y = prep.x, prep.targets
        coeffs = self.domain.forward(x)  # (batch, channels, *grid)
        grid = coeffs.shape[2:]
        group = torch.arange(int(np.prod(grid)), device=x.device).reshape(grid) // width
        base = prep.outputs.softmax(-1).gather(1, y[:, None])[:, 0]
        relevance = torch.zeros_like(coeffs.real)
        for g in range(int(group.max()) + 1):  # one batched forward per group
            keep = (group != g).to(coeffs.real.dtype)
            with torch.no_grad():
                p = self.model(self.domain.inverse(coeffs * keep, x.shape[-1])).softmax(-1)
            relevance += (base - p.gather(1, y[:, None])[:, 0])[:, None, None] * (1 - keep)
        return self._finish(relevance, prep)


print(", ".join(list_explainers()))  # "occlusion" is registered now
occ = get_explainer("occlusion", model, domain="fft").attribute(x, target=0)
print("occlusion, top rFFT bin per input:", occ[:, 0].argmax(-1).tolist())

# %%
# The new method goes through everything that reads the registry: the summary table, the
# metrics, ``freqxai list`` and runs (``--methods occlusion --plugin mymodule``).
import matplotlib.pyplot as plt

from freqxai.metrics import get_metric
from freqxai.summary import summarize

table = summarize({"occlusion": occ}, np.zeros(4, int), domain="fft", length=64, fs=64.0)
print(table.loc[table.channel == "all", ["band", "relevance", "significant", "rank"]].head(4))
deletion = get_metric("deletion")(model, x, occ, target=0, domain=get_explainer(
    "occlusion", model, domain="fft").domain)
print("deletion AUC per input:", np.round(deletion, 3))

fig, axes = plt.subplots(1, 2, figsize=(9, 2.8), layout="constrained")
axes[0].bar(np.arange(64), gxi_dct[0, 0], color="tab:red")
axes[0].set(title="gradient x input in the DCT plug-in domain", xlabel="DCT coefficient")
axes[1].bar(np.arange(33), occ[0, 0], color="tab:red")
axes[1].set(title="the occlusion plug-in method (rFFT)", xlabel="rFFT bin")
plt.show()

"""
Quickstart: which frequencies made the model decide?
=====================================================

The synthetic benchmark of the FreqRISE paper (Brüsch et al., NLDL 2025) has a known answer: each
class is a set of sinusoids at fixed frequencies (5, 16, 32 and 53 cycles per signal) hidden among
random distractors. We train the paper's MLP for a few seconds, explain noise-free test signals
with FreqRISE in the rFFT domain, and check that the most relevant bins are the class frequencies.
This is what ``freqxai quickstart`` does, step by step.
"""

# %%
# Data and model
# --------------
# ``make_synthetic`` returns numpy ``(n, 1, 2560)`` signals and integer labels. Eight thousand
# training signals and four epochs are enough for this model to detect its class frequencies.
import numpy as np
import torch

from freqxai.data.synthetic import class_frequencies, make_synthetic
from freqxai.models.mlp import SynthMLP
from freqxai.models.training import accuracy, fit_classifier

train = make_synthetic(8000, noise=0.01, seed=1)
X_test, y_test = make_synthetic(200, noise=0.0, seed=3)
torch.manual_seed(0)
model = fit_classifier(SynthMLP(), train, epochs=4, batch_size=128, lr=3e-3, seed=0,
                      progress=False).model.eval()
print(f"test accuracy: {accuracy(model, X_test, y_test):.3f}")

# %%
# Explain with FreqRISE
# ---------------------
# FreqRISE masks rFFT coefficients at random, runs the model on the masked signals and weights
# every mask by the class probability it leaves (only forward passes: any classifier works).
# ``get_explainer`` builds any registered method on any registered domain; numpy in, numpy out,
# relevance shaped like the coefficients ``(batch, channels, bins)``.
from freqxai import get_explainer
from freqxai.metrics import relevance_rank_accuracy

keep = np.flatnonzero(y_test > 0)[:8]  # class 0 has no frequency to find
x, y = X_test[keep], y_test[keep]
relevance = get_explainer("freqrise", model, domain="fft", n_masks=1000).attribute(
    x, target=y, seed=0)
print(relevance.shape, relevance.dtype)

truth = [class_frequencies(int(c)) for c in y]
print("localization:", relevance_rank_accuracy(relevance[:, 0], truth).round(3))

# %%
# The share of the true class frequencies among the top-K bins is 1 for every signal: FreqRISE
# found the class frequencies and none of the distractors.
#
# Plot the spectrum of relevance
# ------------------------------
# The domain knows its physical axes; without a sampling rate frequencies are in cycles per
# signal sample, here we give the benchmark's "1 Hz = 1 cycle per signal" scale.
import matplotlib.pyplot as plt

from freqxai.domains import Fourier
from freqxai.plotting import plot_frequency_relevance, plot_signal

freqs = Fourier().axes(x.shape[-1], fs=x.shape[-1])["frequency"]
fig, axes = plt.subplots(2, 2, figsize=(9, 5), layout="constrained")
for i, (ax_sig, ax_rel) in enumerate(axes.T):
    plot_signal(ax_sig, x[i, 0], fs=x.shape[-1], title=f"class {y[i]}")
    plot_frequency_relevance(ax_rel, freqs, relevance[i, 0], marks=truth[i], unit="cycles/signal",
                             max_frequency=70, title="FreqRISE relevance")
plt.show()

# %%
# Next: :ref:`sphx_glr_auto_tutorials_plot_03_own_model.py` runs the same on real sensor data
# and turns relevance into a table of bands per class.

"""
A classifier that is not PyTorch (scikit-learn, aeon)
=====================================================

FreqRISE needs only forward passes, so it explains any classifier with ``predict_proba`` or
``decision_function``: aeon's MiniRocket, Rocket or HIVE-COTE 2, a scikit-learn pipeline, a
function of numpy arrays. ``freqxai.adapters`` wraps them (numpy in between, large batches) and
says which methods can explain them; probabilities are read as probabilities, never put through a
second softmax.
"""

# %%
# MiniRocket on BasicMotions
# --------------------------
# aeon's MiniRocket (Dempster et al., KDD 2021) on the same sensor data as
# :ref:`sphx_glr_auto_tutorials_plot_03_own_model.py`, channel means removed.
from aeon.classification.convolution_based import MiniRocketClassifier

from freqxai.adapters import capabilities
from freqxai.data.uea import load_uea
from freqxai.explainers import method_support

train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")


def center(X):
    return X - X.mean(-1, keepdims=True)


clf = MiniRocketClassifier(random_state=0).fit(center(train.X), train.y)
x, y = center(test.X), test.y
print(f"test accuracy: {(clf.predict(x) == y).mean():.3f}")
for field, value in vars(capabilities(clf)).items():  # what the adapter found out about the model
    print(f"{field:16s} {value}")

# %%
# Which methods can explain it? ``None`` means yes; otherwise the reason it cannot.
for method, why in method_support(clf).items():
    print(f"{method:10s} {why or 'yes'}")

# %%
# Explain with FreqRISE
# ---------------------
# The estimator is wrapped automatically. ``return_z_scores=True`` adds the Monte-Carlo z-score
# of every bin: ``|z| > 3`` is an effect that is not sampling noise.
#
# MiniRocket's ``predict_proba`` is a ridge classifier's vote: every probability is 0 or 1. An
# input that no mask can move to another class gives FreqRISE nothing to measure, and FreqRISE
# says so in a warning instead of returning a map of noise as if it meant something. Here the
# warning is caught and printed, to read it.
import warnings

import numpy as np

from freqxai import FreqRISE
from freqxai.summary import headline, summarize

print(clf.predict_proba(x[:3]))
idx = np.concatenate([np.flatnonzero(y == c)[:3] for c in range(4)])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    rel, z = FreqRISE(clf, n_masks=500).attribute(x[idx], target=y[idx], seed=0,
                                                  return_z_scores=True)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print(rel.shape, f"share of bins with |z| > 3: {(np.abs(z) > 3).mean():.2f}")
table = summarize({"freqrise": rel}, y[idx], domain="fft", length=x.shape[-1], fs=test.fs,
                  class_names=test.class_names)
print("\n".join(headline(table)))

# %%
# A scikit-learn pipeline on the synthetic benchmark
# ---------------------------------------------------
# scikit-learn reads ``(n, features)``: the adapter flattens ``(n, channels, time)`` for it
# (``layout="flat"``). This pipeline takes the magnitude spectrum up to 70 cycles and fits a
# logistic regression; FreqRISE finds the class frequencies (5, 16, 32, 53 cycles) through it.
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from freqxai.adapters import EstimatorModel
from freqxai.data.synthetic import class_frequencies, make_synthetic
from freqxai.metrics import relevance_rank_accuracy

Xs, ys = make_synthetic(1500, noise=0.01, seed=1)
Xt, yt = make_synthetic(100, noise=0.0, seed=3)
spectrum = FunctionTransformer(lambda X: np.abs(np.fft.rfft(X, axis=-1))[:, :70])
pipe = make_pipeline(spectrum, LogisticRegression(max_iter=300)).fit(Xs[:, 0], ys)
print(f"test accuracy: {pipe.score(Xt[:, 0], yt):.3f}")

keep = np.flatnonzero(yt > 0)[:6]
rel = FreqRISE(EstimatorModel(pipe), n_masks=600, num_cells=200).attribute(
    Xt[keep], target=yt[keep], seed=0)
truth = [class_frequencies(int(c)) for c in yt[keep]]
print("localization:", relevance_rank_accuracy(rel[:, 0], truth).round(3))

fig, ax = plt.subplots(figsize=(8, 2.8), layout="constrained")
ax.bar(np.arange(70), rel[0, 0, :70], color="tab:red")
for f in truth[0]:
    ax.axvline(f, color="k", ls="--", lw=0.8)
ax.set(xlabel="frequency [cycles per signal]", ylabel="FreqRISE relevance",
       title=f"logistic regression on |rFFT|, class {yt[keep][0]} (dashed: its frequencies)")
plt.show()

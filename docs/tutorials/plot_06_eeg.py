"""
EEG: bands per electrode, on the scalp
======================================

EEG classifiers are read in the bands neurologists use (delta, theta, alpha, sigma, beta) and per
electrode. This tutorial uses EEG-like signals with a known answer
(:func:`freqxai.data.eeg.make_alpha_eeg`): ten 10-20 electrodes of 1/f background noise at
128 Hz, a 20 Hz beta rhythm on F3 and F4 in both classes (a distractor), and in class 1 ("eyes
shut") a 10 Hz alpha rhythm on O1 and O2 only (Berger 1929). A faithful explanation names alpha,
on O1 and O2.

The data goes in as an ``mne.EpochsArray`` (``pip install "freqxai[eeg]"``), as your recordings
would (``mne.read_epochs("sub-01-epo.fif")``): explainers read its EEG channels directly.
"""

# %%
# Epochs with a montage
# ---------------------
import mne
import numpy as np
import torch

from freqxai.data.eeg import from_epochs, make_alpha_eeg

X, y, channels = make_alpha_eeg(200, fs=128.0, seconds=2.0, amplitude=0.8, seed=0)
info = mne.create_info(channels, sfreq=128.0, ch_types="eeg")
epochs = mne.EpochsArray(X * 1e-5, info, events=np.c_[np.arange(len(y)), np.zeros_like(y), y],
                         event_id={"eyes open": 0, "eyes shut": 1}, verbose="error")
epochs.set_montage("colin27_1020")
data = from_epochs(epochs, units="uV")  # signals in µV, fs, channel and class names
print(data.X.shape, data.fs, data.channel_names)

# %%
# A small CNN
# -----------
from freqxai.models.cnn import SmallCNN
from freqxai.models.training import accuracy, fit_classifier

signals, labels = data.X.astype(np.float32), data.y
train, test = np.arange(len(labels)) < 160, np.arange(len(labels)) >= 160
torch.manual_seed(0)
model = SmallCNN(in_channels=len(channels), n_classes=2, width=8)
fit_classifier(model, (signals[train], labels[train]), epochs=20, batch_size=16, lr=3e-3,
               progress=False)
model.eval()
print(f"test accuracy: {accuracy(model, signals[test], labels[test]):.3f}")

# %%
# Explain, summarise in EEG bands
# -------------------------------
# ``summarize(..., eeg=True)`` uses the EEG bands and gives a row per electrode.
from freqxai import get_explainer
from freqxai.summary import band_intervention, headline, summarize

x, target = signals[test], labels[test]
relevance = {
    "flex": get_explainer("flex", model, domain="fft").attribute(x, target=target),
    "freqrise": get_explainer("freqrise", model, domain="fft", n_masks=300).attribute(
        x, target=target, seed=0),
}
table = summarize(relevance, target, domain="fft", length=x.shape[-1], fs=data.fs, eeg=True,
                  class_names=data.class_names, channel_names=data.channel_names)
print("\n".join(headline(table)))
shut = table[(table["class"] == "eyes shut") & (table.method == "flex")
             & (table.band == "alpha") & (table.channel != "all")]
print(shut.sort_values("relevance", ascending=False)[["channel", "relevance", "significant"]]
      .head(4).to_string(index=False))

# %%
# Does the decision rest on alpha? Remove 8-12 Hz from the eyes-shut epochs:
c = data.class_names.index("eyes shut")
print(band_intervention(model, x[target == c], target[target == c], (8.0, 12.0), fs=data.fs))

# %%
# On the scalp
# ------------
# :func:`freqxai.topomap.plot_topomaps` draws the summary's electrode rows with MNE: a row per
# method and class, a column per band; non-significant electrodes are marked.
from freqxai.topomap import plot_topomaps

fig = plot_topomaps(table, methods=["flex"])

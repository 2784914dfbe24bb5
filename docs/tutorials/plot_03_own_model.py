"""
Your own model and data: BasicMotions
=====================================

Any PyTorch classifier mapping ``(batch, channels, time)`` to ``(batch, n_classes)`` and any
recordings as a numpy array. Here: BasicMotions from the UEA archive (ships inside aeon's wheel,
offline; ``pip install "freqxai[uea]"``): 6 sensor axes (accelerometer and gyroscope of a watch)
x 100 samples at 10 Hz, four activities. Each channel's mean is removed, so that the model must
read the motion rather than the watch's orientation (see :doc:`/trust` for what happens if not).
"""

# %%
# Train a small CNN
# -----------------
import torch

from freqxai.data.uea import load_uea
from freqxai.models.cnn import SmallCNN
from freqxai.models.training import accuracy, fit_classifier

train, test = load_uea("BasicMotions", "train"), load_uea("BasicMotions", "test")


def center(X):
    return X - X.mean(-1, keepdims=True)


torch.manual_seed(0)  # the initial weights
model = SmallCNN(in_channels=6, n_classes=4)
fit_classifier(model, (center(train.X), train.y), epochs=60, batch_size=8, accelerator="cpu",
               progress=False)
model.eval()
x, y = center(test.X), test.y  # numpy (40, 6, 100)
print(f"test accuracy: {accuracy(model, x, y):.3f}; classes: {test.class_names}")

# %%
# Explain with three methods
# --------------------------
# FreqRISE (masking, forward passes only), FLEX (integrated gradients on the spectrum, phase
# fixed) and LRP (Zennit's rules in time, projected into frequency with DFT-LRP). Each returns
# ``(40, channels or 1, 51)``: one value per rFFT bin, numpy in, numpy out.
from freqxai import get_explainer

relevance = {
    "freqrise": get_explainer("freqrise", model, domain="fft").attribute(x, target=y, seed=0),
    "flex": get_explainer("flex", model, domain="fft").attribute(x, target=y),
    "lrp": get_explainer("lrp", model, domain="fft").attribute(x, target=y),
}
print({k: v.shape for k, v in relevance.items()})

# %%
# One table: bands per class
# --------------------------
# ``summarize`` turns relevance into the tidy table behind ``summary.csv``: one row per method x
# class x channel x band (DC and octaves for 10 Hz data), with the relevance, its standard error,
# whether the band is significant and which methods rank it first. ``headline`` prints the answer.
from freqxai.summary import band_intervention, headline, summarize

table = summarize(relevance, y, domain="fft", length=x.shape[-1], fs=test.fs,
                  class_names=test.class_names)
print("\n".join(headline(table)))
table[(table.channel == "all") & (table["class"] == "running")].pivot(
    index="band", columns="method", values="relevance").round(3)

# %%
# Does the model rest on that band?
# ---------------------------------
# A significant top band is not yet proof. Intervening tells: keep only the band, or remove it,
# and see what happens to the class's accuracy.
for name in ("running", "standing"):
    c = test.class_names.index(name)
    print(name, band_intervention(model, x[y == c], y[y == c], (0.8, 1.6), fs=test.fs))

# %%
# Running rests on its stride band (0.8-1.6 Hz): without it no running signal is recognised.
# Standing keeps its accuracy either way: the model recognises it by what the signal lacks.
#
# Class-mean spectra
# ------------------
import matplotlib.pyplot as plt

from freqxai.domains import Fourier

freqs = Fourier().axes(x.shape[-1], fs=test.fs)["frequency"]
fig, axes = plt.subplots(1, 3, figsize=(11, 3), layout="constrained", sharex=True)
for ax, (method, r) in zip(axes, relevance.items(), strict=True):
    for c, name in enumerate(test.class_names):
        ax.plot(freqs, r[y == c].sum(1).mean(0), label=name)
    ax.set(title=method, xlabel="frequency [Hz]")
axes[0].set_ylabel("class-mean relevance")
axes[-1].legend(fontsize=8)
plt.show()

# %%
# From files, on the command line
# -------------------------------
# Save the model and the (centred) data, and ``freqxai run custom`` does all of the above with
# every method and metric, and writes ``summary.csv`` and ``report.html`` (:doc:`/own-model`).
# A ``torch.export`` program loads without your code; a state dict needs a function that builds
# the module (``--model-factory mymodel:build``, with ``mymodel.py`` defining ``build()``)::
#
#     dims = ({0: torch.export.Dim("batch")},)
#     torch.export.save(torch.export.export(model.eval(), (torch.as_tensor(x[:2]),),
#                                           dynamic_shapes=dims), "cnn.pt2")
#     np.savez("basicmotions.npz", X=x, y=y, fs=10.0, class_names=np.array(test.class_names))
#
# .. code-block:: bash
#
#     freqxai run custom --model cnn.pt2 --data basicmotions.npz
#     freqxai run uea --name BasicMotions --center   # the same in one command (trains its own CNN)
#
# ``freqxai train custom --data train.npz`` trains the CNN on a file of yours and prints the
# ``run custom`` command for it.

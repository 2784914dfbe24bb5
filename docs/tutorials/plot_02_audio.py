"""
Speech: which frequencies tell "zero" from "one"?
=================================================

Real recordings of the Free Spoken Digit Dataset (FSDD: six speakers, 8 kHz). We train a small
1-D CNN to tell the spoken digits *zero* and *one* apart, then ask FreqRISE in the rFFT domain
(which frequencies, in Hz) and in the STFT domain (which frequencies at which moment).

The tutorial reads FSDD from ``../shared/real-audio/fsdd`` beside the checkout (or the folder in
the ``FREQXAI_FSDD`` environment variable). Without it, it says so and uses synthetic
speech-like clips instead (a harmonic voice with formants; *zero* starts with a fricative hiss
at 3-4 kHz, like the /z/), so the page still runs anywhere.
"""

# %%
# Load the recordings
# -------------------
# ``preprocess_fsdd`` resamples every clip to 8 kHz, centres it in a 1 s frame and scales it
# (the AudioMNIST protocol of Becker et al.); ``load_audio`` reads the result.
import os
import tempfile
from pathlib import Path

import numpy as np

from freqxai.data.audio import load_audio, preprocess_fsdd

fs = 8000.0
candidates = [os.environ.get("FREQXAI_FSDD", ""), "../shared/real-audio/fsdd",
              "../../shared/real-audio/fsdd", "../../../shared/real-audio/fsdd"]
fsdd = next((Path(c) for c in candidates if c and (Path(c) / "recordings").is_dir()), None)

if fsdd is not None:
    out = Path(tempfile.mkdtemp()) / "fsdd.h5"
    preprocess_fsdd(fsdd, out, progress=False)
    ds = load_audio(out)
    pick = np.flatnonzero(np.isin(ds.digit, [0, 1]))
    X = ds.signals[pick].reshape(len(pick), 1, -1).astype(np.float32)
    y, speaker = ds.digit[pick], ds.speaker[pick]
    print(f"FSDD: {len(y)} clips of 'zero' and 'one', {len(np.unique(speaker))} speakers")
else:
    print("FSDD not found: using synthetic speech-like clips (set FREQXAI_FSDD to the folder)")
    rng = np.random.default_rng(0)
    n, t = 600, np.arange(8000) / fs
    y = np.arange(n) % 2 ^ 1  # 0 = "zero", 1 = "one"
    speaker = rng.integers(0, 6, n)
    f0 = rng.uniform(90, 160, n)[:, None]
    formant = np.where(y == 0, 500.0, 300.0)[:, None]
    harmonics = sum(np.exp(-((k * f0 - formant) / 250) ** 2) * np.sin(2 * np.pi * k * f0 * t)
                    for k in range(1, 30))
    envelope = np.exp(-((t - 0.55) / 0.15) ** 2)
    hiss = np.fft.irfft(np.fft.rfft(rng.normal(size=(n, 8000)))
                        * (np.fft.rfftfreq(8000, 1 / fs) > 3000), 8000)
    onset = np.exp(-((t - 0.3) / 0.05) ** 2) * (y == 0)[:, None]
    X = (harmonics * envelope + 2 * hiss * onset + 0.02 * rng.normal(size=(n, 8000)))
    X = (X / np.abs(X).max(1, keepdims=True))[:, None].astype(np.float32)

# %%
# Train a small CNN
# -----------------
# Two speakers are held out for testing: the model must recognise an unseen voice.
import torch

from freqxai.models.cnn import SmallCNN
from freqxai.models.training import accuracy, fit_classifier

test = np.isin(speaker, np.unique(speaker)[:2])
torch.manual_seed(0)
model = SmallCNN(in_channels=1, n_classes=2, width=8)
fit_classifier(model, (X[~test], y[~test]), epochs=8, batch_size=32, lr=3e-3, progress=False)
model.eval()
print(f"test accuracy on unseen speakers: {accuracy(model, X[test], y[test]):.3f}")

# %%
# Which frequencies? (rFFT, in Hz)
# --------------------------------
# FreqRISE needs only forward passes. ``return_standard_error=True`` gives the Monte-Carlo
# standard error of every bin: bars that do not clear it are noise. Relevance is
# ``(clips, 1, 4001)``, one value per rFFT bin of the 1 s clips (1 Hz apart).
from freqxai import get_explainer
from freqxai.domains import STFT, Fourier

x_test, y_test = X[test], y[test]
idx = np.concatenate([np.flatnonzero(y_test == c)[:5] for c in (0, 1)])
x, target = x_test[idx], y_test[idx]
rise = get_explainer("freqrise", model, domain="fft", n_masks=600)
rel, se = rise.attribute(x, target=target, seed=0, return_standard_error=True)
print(rel.shape)

# %%
# Per class, the mean relevance per band of 250 Hz:
import matplotlib.pyplot as plt

freqs = Fourier().axes(x.shape[-1], fs=fs)["frequency"]
edges = np.arange(0, 4001, 250)
band = np.digitize(freqs, edges[1:-1])
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
for c, name in ((0, "zero"), (1, "one")):
    r = rel[target == c, 0].mean(0)
    per_band = np.bincount(band, weights=r) / np.bincount(band)
    ax.step(edges[:-1], per_band, where="post", label=f'"{name}"')
    top = edges[np.argmax(per_band)]
    print(f'"{name}": most relevant band {top}-{top + 250} Hz')
ax.set(xlabel="frequency [Hz]", ylabel="mean FreqRISE relevance", title="rFFT relevance by class")
ax.legend()
plt.show()

# %%
# Which frequencies when? (STFT)
# ------------------------------
# The same explainer in a short-time Fourier domain (256-sample Hann windows, hop 64: 8 ms
# frames, 31 Hz bins) masks time-frequency cells. Relevance is drawn over the log spectrogram;
# cells whose effect does not clear three standard errors stay grey.
from freqxai.plotting import plot_time_frequency_relevance

stft = STFT(n_fft=256, hop_length=64)
rel_tf, z = get_explainer("freqrise", model, domain=stft, n_masks=400).attribute(
    x[:1], target=target[:1], seed=0, return_z_scores=True)
axes = stft.axes(x.shape[-1], fs=fs)
spec = np.log1p(np.abs(stft.forward(torch.from_numpy(x[:1]))[0, 0].numpy()))
fig, ax = plt.subplots(figsize=(8, 3.5), layout="constrained")
plot_time_frequency_relevance(ax, spec, rel_tf[0, 0], axes["frequency"], axes["time"],
                              significant=np.abs(z[0, 0]) > 3,
                              title=f'FreqRISE on a "{("zero", "one")[target[0]]}"')
plt.show()

# %%
# The command line does all of this for the ten digits with every method and metric (the
# paper's AudioNet; ``freqxai data fsdd`` then ``freqxai train fsdd`` and ``freqxai run fsdd``,
# see :doc:`/paper`).

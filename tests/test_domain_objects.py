"""Issue 16, domains: no silent result, no cryptic error.

- one domain object is a value shared by explainers, metrics and plots, in any order;
- one unit everywhere without ``fs`` (cycles per sample and samples: the axes of ``fs=1``);
- settings and lengths a domain cannot invert exactly are refused before any compute, naming
  the argument and the fix (table-driven, as ``tests/test_contract.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import freqxai
from freqxai import STFT, Fourier, Time, Wavelet, get_domain, get_explainer, project_relevance
from freqxai.metrics import get_metric

LENGTH = 64

# One factory per registered domain (small settings, fast).
DOMAINS = {
    "fft": lambda: get_domain("fft"),
    "stft": lambda: STFT(n_fft=16, hop_length=4),
    "wavelet": lambda: Wavelet("db2"),
    "time": lambda: get_domain("time"),
}


def test_the_table_covers_every_registered_domain():
    assert set(DOMAINS) == set(freqxai.list_domains())


class SmallCNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Conv1d(2, 4, 5, padding=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool1d(8), torch.nn.Flatten(), torch.nn.Linear(32, 3),
        )

    def forward(self, x):
        return self.net(x)


def _x() -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    t = torch.arange(LENGTH) / LENGTH
    return torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.randn(2, 2, LENGTH, generator=g)


# -- 1. one domain object shared by everything, in any order --------------------------------------
def _step(name, model, domain, x, relevance):
    if name == "deletion":
        return torch.as_tensor(get_metric("deletion")(model, x, relevance, None, domain=domain))
    settings = {"freqrise": {"n_masks": 32, "batch_size": 16}}.get(name, {})
    options = {"freqrise": {"seed": 0, "warn_if_noise": False},
               "flex": {"n_steps": 4}, "ig": {"n_steps": 4}, "lrp": {}}[name]
    return get_explainer(name, model, domain=domain, **settings).attribute(x, target=0, **options)


STEPS = ["freqrise", "flex", "ig", "lrp", "deletion"]


@pytest.mark.parametrize("order", ["forward", "reversed"])
@pytest.mark.parametrize("domain_name", list(DOMAINS))
def test_one_domain_object_shared_by_every_explainer_and_metric(domain_name, order):
    """FreqRISE (inference mode) then FLEX/IG/LRP (autograd) on one object used to fail with
    "Inference tensors cannot be saved for backward" (cached STFT window, wavelet filters)."""
    model, x = SmallCNN().eval(), _x()
    relevance = _step("freqrise", model, DOMAINS[domain_name](), x, None)
    fresh = {s: _step(s, model, DOMAINS[domain_name](), x, relevance) for s in STEPS}
    shared = DOMAINS[domain_name]()
    for s in STEPS if order == "forward" else STEPS[::-1]:
        torch.testing.assert_close(_step(s, model, shared, x, relevance), fresh[s],
                                   rtol=0, atol=0, msg=f"{s} with a shared {domain_name} domain")


# -- 2. one unit without fs: cycles per sample (fs=1) ---------------------------------------------
@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("length", [64, 65])
def test_axes_without_fs_are_the_axes_of_fs_1(domain_name, length):
    d = DOMAINS[domain_name]()
    plain, unit = d.axes(length), d.axes(length, fs=1.0)
    assert list(plain) == list(unit)
    for name in plain:
        np.testing.assert_array_equal(plain[name], unit[name], err_msg=name)
    if "frequency" in plain:  # cycles per sample: Nyquist is 0.5
        assert 0 <= plain["frequency"].min() and plain["frequency"].max() <= 0.5
        np.testing.assert_array_equal(d.profile_frequencies(length),
                                      d.profile_frequencies(length, fs=1.0))
        np.testing.assert_allclose(d.axes(length, fs=100.0)["frequency"], 100 * plain["frequency"])


@pytest.mark.parametrize("domain_name", list(DOMAINS))
@pytest.mark.parametrize("fs, frequency, time", [(None, "frequency [cycles/sample]", "time [samples]"),
                                                 (100.0, "frequency [Hz]", "time [s]")])
def test_every_domain_plot_labels_its_axes_in_one_unit(domain_name, fs, frequency, time):
    import matplotlib.pyplot as plt

    from freqxai.plotting import new_figure

    d = DOMAINS[domain_name]()
    rel = np.random.default_rng(0).normal(size=d.coefficient_shape(LENGTH))
    fig, ax = new_figure()
    d.plot(ax[0, 0], rel, length=LENGTH, fs=fs, signal=_x()[0, 0].numpy())
    labels = {ax[0, 0].get_xlabel(), ax[0, 0].get_ylabel()}
    plt.close(fig)
    expected = {"time": {time, "relevance"}, "fft": {frequency, "relevance"}}
    assert labels == expected.get(domain_name, {frequency, time})


# -- 3. settings and lengths that cannot work are refused, naming the argument ----------------------
def _rect_no_center():
    return STFT(n_fft=64, hop_length=16, window="rectangular", center=False)


def _inverse_of_short_frames():
    d = _rect_no_center()
    coeffs = torch.stft(torch.randn(1, 100), 64, 16, window=torch.ones(64), center=False,
                        return_complex=True)
    return d.inverse(coeffs[None], 100)  # used to zero the last 4 samples silently


BAD = [
    # STFT(center=False) frames that stop short of the end: passed check_length, failed or
    # silently zeroed the tail in istft
    ("stft-frames-stop-short", lambda: _rect_no_center().check_length(100), ValueError,
     r"last 4 samples.*frames stop short of the end.*trim the signal to 96 or zero-pad it to 112"
     r".*center=True"),
    ("stft-frames-stop-short-forward", lambda: _rect_no_center().forward(torch.randn(1, 1, 100)),
     ValueError, r"n_fft=64, hop_length=16.*center=False.*frames stop short"),
    ("stft-frames-stop-short-inverse", _inverse_of_short_frames, ValueError, "frames stop short"),
    ("stft-hann-no-center", lambda: STFT(n_fft=64, hop_length=16, center=False).check_length(128),
     ValueError, r"first sample.*window='hann'.*window='rectangular'.*center=True"),
    ("stft-short-window-no-center",
     lambda: STFT(n_fft=64, hop_length=16, win_length=32, window="rectangular",
                  center=False).check_length(128),
     ValueError, r"first 16 samples and the last 16 samples.*win_length=n_fft"),
    ("stft-projection-short", lambda: project_relevance(torch.randn(1, 1, 100), torch.randn(1, 1, 100),
                                                        _rect_no_center()),
     ValueError, "frames stop short"),
    # a hop the window cannot overlap-add (hann and blackman are 0 where frames meet)
    ("stft-hop-equals-hann-window", lambda: STFT(n_fft=16, hop_length=16), ValueError,
     r"hop_length=16 does not fit window='hann'.*hop_length <= 8"),
    ("stft-hop-equals-blackman-window", lambda: STFT(n_fft=32, win_length=16, hop_length=16,
                                                     window="blackman"),
     ValueError, r"hop_length=16 does not fit window='blackman'"),
    ("stft-window-not-a-name", lambda: STFT(n_fft=16, window=["hann"]), ValueError,
     "window must be one of"),
    # project_relevance eps: NaN and Inf were accepted
    ("eps-nan", lambda: project_relevance(torch.randn(1, 1, 64), torch.randn(1, 1, 64), "fft",
                                          eps=float("nan")), ValueError, "eps.*finite"),
    ("eps-inf", lambda: project_relevance(torch.randn(1, 1, 64), torch.randn(1, 1, 64), "stft",
                                          eps=float("inf")), ValueError, "eps.*finite"),
    ("eps-nan-float32", lambda: project_relevance(np.ones((1, 1, 64)), np.ones((1, 1, 64)), "time",
                                                  eps=np.float32("nan")), ValueError, "eps"),
    ("eps-nan-domain-method", lambda: Fourier().project_relevance(
        torch.randn(1, 1, 64, dtype=torch.float64), torch.randn(1, 1, 64, dtype=torch.float64),
        eps=float("nan")), ValueError, "eps"),
    ("eps-nan-time-method", lambda: Time().project_relevance(
        torch.randn(1, 1, 64), torch.randn(1, 1, 64), eps=float("nan")), ValueError, "eps"),
    # fs: 0 read as "no fs", negative or NaN gave negative or NaN axes
    ("fft-fs-zero", lambda: Fourier().axes(64, fs=0), ValueError, r"fs \(sampling rate"),
    ("fft-fs-negative", lambda: Fourier().axes(64, fs=-100.0), ValueError, "fs"),
    ("stft-fs-nan", lambda: STFT(n_fft=16).axes(64, fs=float("nan")), ValueError, "fs"),
    ("wavelet-bands-fs-negative", lambda: Wavelet().bands(64, fs=-1.0), ValueError, "fs"),
    ("wavelet-axes-fs-bool", lambda: Wavelet().axes(64, fs=True), ValueError, "fs"),
    ("time-fs-zero", lambda: Time().axes(64, fs=0.0), ValueError, "fs"),
]


@pytest.mark.parametrize("make, error, match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_domain_settings_raise_naming_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("domain, length", [
    (STFT(n_fft=64, hop_length=16, window="rectangular", center=False), 96),
    (STFT(n_fft=31, hop_length=31, window="rectangular", center=False), 124),
    (STFT(n_fft=16, hop_length=12, window="hann"), 100),
    (STFT(n_fft=16, hop_length=16, window="hamming"), 100),
    (STFT(n_fft=15, hop_length=4, window="blackman"), 65),
])
def test_what_check_length_accepts_inverts_exactly(domain, length):
    x = torch.randn(2, 1, length, dtype=torch.float64)
    domain.check_length(length)
    torch.testing.assert_close(domain.inverse(domain.forward(x), length), x)


LOW_LEVEL = [
    ("coefficient_shape(0)", lambda d: d.coefficient_shape(0), ValueError, "integer >= 2"),
    ("coefficient_shape(64.5)", lambda d: d.coefficient_shape(64.5), ValueError, "integer >= 2"),
    ("coefficient_shape('64')", lambda d: d.coefficient_shape("64"), ValueError, "integer >= 2"),
    ("inverse(c, -64)", lambda d: d.inverse(d.forward(torch.zeros(1, 1, 512)), -64), ValueError,
     "length must be"),
    ("inverse(numpy)", lambda d: d.inverse(np.zeros((1, 1, 33)), 64), TypeError,
     "takes a torch.Tensor of coefficients"),
    ("forward(complex)", lambda d: d.forward(torch.zeros(1, 1, 64, dtype=torch.cfloat)),
     TypeError, "real signals"),
    ("forward(numpy)", lambda d: d.forward(np.zeros((1, 1, 64))), TypeError, "torch.Tensor"),
]


@pytest.mark.parametrize("domain", ["fft", "stft", "wavelet", "time"])
@pytest.mark.parametrize("case", LOW_LEVEL, ids=[c[0] for c in LOW_LEVEL])
def test_every_domains_contract_methods_check_their_arguments(domain, case):
    from freqxai import get_domain

    _, call, exc, fragment = case
    with pytest.raises(exc, match=fragment):
        call(get_domain(domain))


def test_numpy_integer_lengths_are_accepted():
    from freqxai import get_domain

    d = get_domain("stft")
    assert d.coefficient_shape(np.int64(512)) == d.coefficient_shape(512)

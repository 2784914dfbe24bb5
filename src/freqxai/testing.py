"""Contract checks for plug-in authors, and small models with known frequency explanations.

- :func:`check_explainer`, :func:`check_metric`, :func:`check_domain`: the contract every
  registered explainer, metric and domain passes (aeon's ``check_estimator``). Run them on your
  own class before registering it; each raises ``AssertionError`` naming the class, the check
  (and the domain) at the first failure, and returns the names of the checks it passed.
- Models whose right explanation is known by construction (like ``captum.testing``): the
  library's own tests and benches use them, and users can check an explainer (or their own
  method) against them.

Examples
--------
>>> from freqxai.explainers import GradientXInput
>>> from freqxai.testing import check_explainer
>>> passed = check_explainer(GradientXInput, domains=["fft"])
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["BinPowerModel", "ContractCNN", "FreqIGReadmeCNN", "LinearSpectrumModel",
           "PITCH_BANDS", "PITCH_F0", "PITCH_FS", "PITCH_SECONDS", "PitchCNN",
           "check_domain", "check_explainer", "check_metric", "class_bands_first",
           "contract_inputs", "f0_bands_separate", "isolated_registries",
           "tone_in_one_band", "TONE_FS", "TONE_LENGTH", "voiced_pitch_signals"]

TONE_FS, TONE_LENGTH = 128.0, 256  # 2 s at 128 Hz: the tone of tone_in_one_band's class 1 lies
# in the 8-16 Hz octave


def tone_in_one_band(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` signals ``(n, 1, TONE_LENGTH)`` float32 of unit white noise, class 1 (every second
    one) with a sine of random frequency 9-15 Hz (the 8-16 Hz octave), amplitude 1-3 and phase:
    the known answer of the scikit-learn ``|rFFT|`` pipeline (tests and ``bench/shapley.py``).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.testing import TONE_FS, TONE_LENGTH, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)
    >>> x.shape, x.dtype, y
    ((4, 1, 256), dtype('float32'), array([0, 1, 0, 1]))
    >>> frequencies = np.fft.rfftfreq(TONE_LENGTH, 1 / TONE_FS)
    >>> peak = frequencies[np.abs(np.fft.rfft(x[:, 0])).argmax(axis=-1)]
    >>> [bool(8 <= f < 16) for f in peak[y == 1]]     # class 1's strongest bin: the tone
    [True, True]
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(TONE_LENGTH) / TONE_FS
    f = rng.uniform(9.0, 15.0, n)
    amplitude = y * rng.uniform(1.0, 3.0, n)
    X = rng.normal(size=(n, TONE_LENGTH))
    X += amplitude[:, None] * np.sin(2 * np.pi * f[:, None] * t
                                     + rng.uniform(0, 2 * np.pi, n)[:, None])
    return X[:, None, :].astype(np.float32), y


@contextlib.contextmanager
def isolated_registries() -> Iterator[None]:
    """Within the block, methods, domains, metrics, data sources and report figures registered
    (a plug-in under test, ``override=True`` replacing a built-in) go to copies of the
    registries; after it every registry is as it was.

    Examples
    --------
    >>> from freqxai.explainers import GradientXInput, list_explainers, register_explainer
    >>> from freqxai.testing import isolated_registries
    >>> with isolated_registries():
    ...     @register_explainer("mine")
    ...     class Mine(GradientXInput):
    ...         pass
    ...     print("mine" in list_explainers())
    True
    >>> "mine" in list_explainers()                   # gone after the block
    False
    """
    from .domains.base import _DOMAINS
    from .explainers.base import _EXPLAINERS
    from .metrics.base import _METRICS
    from .report import figures
    from .runner.sources.base import SOURCES

    saved_figures = dict(figures._FIGURES)
    with contextlib.ExitStack() as stack:
        for registry in (_EXPLAINERS, _DOMAINS, _METRICS, SOURCES):
            stack.enter_context(registry.isolated())
        try:
            yield
        finally:
            figures._FIGURES.clear()
            figures._FIGURES.update(saved_figures)


class BinPowerModel(nn.Module):
    """Two-class model whose logit 0 is the power of rFFT bin ``k`` (summed over channels).

    The right frequency explanation of class 0 is known: only bin ``k`` matters.

    Parameters
    ----------
    k : int
        The rFFT bin that decides class 0.
    scale : float
        Logit 0 is ``scale * |X_k|^2 / n_samples``.

    Examples
    --------
    >>> import torch
    >>> from freqxai.testing import BinPowerModel
    >>> model = BinPowerModel(k=3)
    >>> t = torch.arange(64) / 64
    >>> x = torch.stack([torch.sin(2 * torch.pi * 3 * t), torch.sin(2 * torch.pi * 5 * t)])
    >>> model(x[:, None]).round(decimals=3)    # |X_3|^2 / 64 = 32^2 / 64 for 3 cycles, 0 for 5
    tensor([[16.,  0.],
            [ 0.,  0.]])
    """

    def __init__(self, k: int, scale: float = 1.0) -> None:
        super().__init__()
        self.k = k
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        power = torch.fft.rfft(x, dim=-1)[..., self.k].abs().square().sum(dim=1)
        z = self.scale * power / x.shape[-1]
        return torch.stack([z, torch.zeros_like(z)], dim=1)


class LinearSpectrumModel(nn.Module):
    """Logits linear in the rFFT amplitude: ``logit_c = sum_f W[c, f] |X_f|`` (summed over channels).

    FLEX with a zero baseline equals ``W[c, f] |X_f|`` exactly (completeness of a linear map).

    Parameters
    ----------
    weight : torch.Tensor, shape (n_classes, n_bins)

    Examples
    --------
    >>> import torch
    >>> from freqxai import get_explainer
    >>> from freqxai.testing import LinearSpectrumModel
    >>> weight = torch.zeros(2, 33)
    >>> weight[1, 5] = 1.0                           # class 1 reads the amplitude of bin 5
    >>> model = LinearSpectrumModel(weight)
    >>> x = torch.sin(2 * torch.pi * 5 * torch.arange(64) / 64).reshape(1, 1, 64)
    >>> model(x).detach().round(decimals=3)          # |X_5| = 64 / 2
    tensor([[ 0., 32.]])
    >>> relevance = get_explainer("flex", model).attribute(x, target=1, n_steps=8)
    >>> round(float(relevance[0, 0, 5]), 3), round(float(relevance.sum()), 3)  # W |X|, exactly
    (32.0, 32.0)
    """

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        amp = torch.fft.rfft(x, dim=-1).abs().sum(dim=1)
        return amp @ self.weight.T


class FreqIGReadmeCNN(nn.Module):
    """The small two-class CNN of the ``freqig`` README example.

    Reads ``(batch, 1, time)`` or ``(batch, time)`` (``freqig`` passes the latter). Weights are
    drawn from ``seed`` without touching the global random state.

    Examples
    --------
    >>> import torch
    >>> from freqxai.testing import FreqIGReadmeCNN
    >>> model = FreqIGReadmeCNN(seed=0)
    >>> model(torch.randn(4, 256)).shape, model(torch.randn(4, 1, 256)).shape
    (torch.Size([4, 2]), torch.Size([4, 2]))
    >>> torch.equal(model.fc.weight, FreqIGReadmeCNN(seed=0).fc.weight)   # the same weights
    True
    """

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv1 = nn.Conv1d(1, 8, kernel_size=5, padding=2)
            self.conv2 = nn.Conv1d(8, 16, kernel_size=3, padding=1)
            self.fc = nn.Linear(16, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.fc(x.mean(-1))


# --- a pitch task: two classes that differ only in F0 ----------------------------------------

PITCH_FS, PITCH_SECONDS = 4000.0, 0.25
PITCH_F0 = (69.0, 139.0)  # class 0 "low", class 1 "high" (the espeak-ng voices' F0 medians)
PITCH_BANDS = {"0-50 Hz": (0.0, 50.0), "50-100 Hz": (50.0, 100.0), "100-200 Hz": (100.0, 200.0),
               "200-400 Hz": (200.0, 400.0), "400-800 Hz": (400.0, 800.0),
               "800-2000 Hz": (800.0, 2000.0)}


def _envelope(f: np.ndarray) -> np.ndarray:
    """Formant-like spectral envelope, the same for both classes: a floor plus resonances at 500
    and 1500 Hz, falling as 1/f above 150 Hz."""
    env = np.full_like(f, 0.5)
    for fc, bw in ((500.0, 80.0), (1500.0, 120.0)):
        env += 1.0 / np.sqrt(1 + ((f - fc) / (bw / 2)) ** 2)
    return env * np.minimum(1.0, 150.0 / f)


def voiced_pitch_signals(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic voiced sounds: harmonics of F0 (class 0: 69 Hz, class 1: 139 Hz, each signal's F0
    log-normal with 5 % spread and a slow +-2 % vibrato) under one envelope, random harmonic
    phases and 10 % amplitude jitter, unit RMS, plus white noise at 0.05: ``(X, y)``, ``X``
    float32 ``(n, 1, 1000)`` at :data:`PITCH_FS` Hz, ``y`` alternating 0, 1. The classes differ
    only in F0, so the bands around F0 (:data:`PITCH_BANDS` 50-100 / 100-200 Hz) must separate
    them (band Shapley values' known answer, issue 26).

    Examples
    --------
    >>> from freqxai.testing import PITCH_F0, PITCH_FS, voiced_pitch_signals
    >>> x, y = voiced_pitch_signals(4, seed=0)
    >>> x.shape, y, PITCH_FS                  # 0.25 s at 4 kHz
    ((4, 1, 1000), array([0, 1, 0, 1]), 4000.0)
    >>> [PITCH_F0[c] for c in y]              # the median F0 of each signal's class, in Hz
    [69.0, 139.0, 69.0, 139.0]
    """
    rng = np.random.default_rng(seed)
    length = int(PITCH_FS * PITCH_SECONDS)
    t = np.arange(length) / PITCH_FS
    y = np.arange(n) % 2
    X = np.empty((n, length))
    for i in range(n):
        f0 = PITCH_F0[y[i]] * np.exp(rng.normal(0, 0.05))
        vibrato = 1 + 0.02 * np.sin(2 * np.pi * rng.uniform(1, 4) * t + rng.uniform(0, 2 * np.pi))
        phase = 2 * np.pi * np.cumsum(f0 * vibrato) / PITCH_FS
        k = np.arange(1, int((PITCH_FS / 2 - 50) // f0) + 1)
        amp = _envelope(k * f0) * (1 + 0.1 * rng.normal(size=k.size))
        s = (amp[:, None] * np.sin(k[:, None] * phase + rng.uniform(0, 2 * np.pi, k.size)[:, None])
             ).sum(0)
        X[i] = s / s.std() + 0.05 * rng.normal(size=length)
    return X[:, None, :].astype(np.float32), y


class PitchCNN(nn.Module):
    """A tiny Conv1d whose receptive field (167 samples, 42 ms at 4 kHz) spans several periods of
    69 Hz (freqxai's SmallCNN sees 13 samples, 3 ms, and stays at chance on this task).

    Examples
    --------
    >>> import torch
    >>> from freqxai.testing import PitchCNN, voiced_pitch_signals
    >>> x, y = voiced_pitch_signals(4, seed=0)
    >>> PitchCNN()(torch.from_numpy(x)).shape      # untrained: 2 logits per signal
    torch.Size([4, 2])
    """

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(1, width, 33, stride=2, padding=16), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 17, padding=8), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 9, padding=4), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(width, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def f0_bands_separate(values: np.ndarray, y: np.ndarray, names: list[str], low: str = "50-100 Hz",
                      high: str = "100-200 Hz") -> tuple[np.ndarray, np.ndarray]:
    """Per input: (top, contrast). ``top``: a low (class 0) input's largest positive value is the
    ``low`` band's, or its largest ``|value|`` is the ``high`` band's and negative; a high input
    the other way round. ``contrast``: phi(low) - phi(high) is > 0 for low inputs and < 0 for
    high ones.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.testing import PITCH_BANDS, f0_bands_separate
    >>> names = list(PITCH_BANDS)             # '0-50 Hz', '50-100 Hz', '100-200 Hz', ...
    >>> values = np.array([[0.0, 0.9, 0.1, 0.0, 0.0, 0.0],    # a low input: 50-100 Hz on top
    ...                    [0.0, 0.2, 0.7, 0.0, 0.0, 0.0]])   # a high input: 100-200 Hz
    >>> f0_bands_separate(values, np.array([0, 1]), names)
    (array([ True,  True]), array([ True,  True]))
    """
    values = np.asarray(values)
    lo, hi = names.index(low), names.index(high)
    top, contrast = [], []
    for v, c in zip(values, y, strict=True):
        own, other = (lo, hi) if c == 0 else (hi, lo)
        top.append(bool(v.argmax() == own or (np.abs(v).argmax() == other and v[other] < 0)))
        contrast.append(bool((v[lo] - v[hi]) * (1 if c == 0 else -1) > 0))
    return np.array(top), np.array(contrast)


def class_bands_first(values: np.ndarray, y: np.ndarray, bands: dict) -> list[bool]:
    """Per input of the paper's synthetic benchmark with class frequencies (class 0 has none):
    whether the bands holding them have the top values (``values``: ``(batch, bands)``).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai.testing import class_bands_first
    >>> bands = {"0-10": (0, 10), "10-20": (10, 20), "20-40": (20, 40), "40-60": (40, 60)}
    >>> values = np.array([[0.9, 0.1, 0.0, 0.0],     # class 1: 5 cycles, in 0-10
    ...                    [0.5, 0.1, 0.4, 0.0],     # class 5: 5 and 16, but 20-40 is second
    ...                    [0.0, 0.0, 0.0, 1.0]])    # class 0: no frequency, left out
    >>> class_bands_first(values, np.array([1, 5, 0]), bands)
    [True, False]
    """
    from .bands import band_membership
    from .data import class_frequencies

    hits = []
    for v, c in zip(values, y, strict=True):
        freqs = np.asarray(class_frequencies(int(c)), dtype=float)
        if freqs.size == 0:
            continue
        want = set(np.flatnonzero(band_membership(freqs, bands).any(0)).tolist())
        hits.append(set(np.argsort(-v)[: len(want)].tolist()) == want)
    return hits


# --- the contract checks -------------------------------------------------------------------------

CONTRACT_LENGTH = 64
CONTRACT_CLASSES = 3


class ContractCNN(nn.Module):
    """The small model the contract checks explain: ``(batch, channels, time)`` to 3 logits
    (Conv1d, ReLU, pooling to 8 steps, Linear). Weights drawn from ``seed`` without touching the
    global random state; with the default seed it predicts classes 1, 2, 2 for
    :func:`contract_inputs` (so ``target=None`` is checked against more than one class).

    Examples
    --------
    >>> from freqxai.testing import ContractCNN, contract_inputs
    >>> model = ContractCNN().eval()
    >>> model(contract_inputs()).argmax(dim=1)
    tensor([1, 2, 2])
    """

    def __init__(self, channels: int = 2, n_classes: int = CONTRACT_CLASSES, seed: int = 16) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = nn.Sequential(
                nn.Conv1d(channels, 4, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(8),
                nn.Flatten(), nn.Linear(32, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _TupleModel(ContractCNN):
    def forward(self, x: torch.Tensor):
        return self.net(x), x


def contract_inputs(batch: int = 3, channels: int = 2, length: int = CONTRACT_LENGTH,
                    dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The signals the contract checks explain: a 5-cycle sine plus noise (seeded).

    Examples
    --------
    >>> import torch
    >>> from freqxai.testing import contract_inputs
    >>> x = contract_inputs()
    >>> x.shape, x.dtype
    (torch.Size([3, 2, 64]), torch.float32)
    >>> torch.equal(x, contract_inputs())          # the same signals every call
    True
    """
    g = torch.Generator().manual_seed(1)
    t = torch.arange(length) / length
    x = torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.randn(batch, channels, length, generator=g)
    return x.to(dtype)


class _Checks:
    """Runs named checks: the first failure becomes an ``AssertionError`` naming what was
    checked, where, and what went wrong (an exception a check did not expect included)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.passed: list[str] = []

    @contextlib.contextmanager
    def check(self, name: str, where: str = "") -> Iterator[None]:
        at = f" in domain {where!r}" if where else ""
        try:
            yield
        except AssertionError as err:
            raise AssertionError(f"{self.what}{at}: {name}: {err}") from None
        except Exception as err:  # noqa: BLE001 - any error fails the check, named
            raise AssertionError(f"{self.what}{at}: {name}: raised {type(err).__name__}: "
                                 f"{err}") from err
        self.passed.append(name + at)


def _raises(error: type[Exception] | tuple, match: str, fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> None:
    """Assert that ``fn(*args, **kwargs)`` raises ``error`` with a message matching ``match``."""
    try:
        fn(*args, **kwargs)
    except error as err:
        assert re.search(match, str(err)), f"the error does not say {match!r}: {err}"
        return
    except Exception as err:  # noqa: BLE001
        raise AssertionError(f"expected {getattr(error, '__name__', error)} matching {match!r}, "
                             f"got {type(err).__name__}: {err}") from err
    raise AssertionError(f"expected {getattr(error, '__name__', error)} matching {match!r}; "
                         "nothing was raised")


def _close(a: Any, b: Any, rtol: float, atol: float, what: str) -> None:
    a = a.detach().double().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().double().cpu().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} and {b.shape}"
    bad = ~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
    assert not bad.any(), (f"{what}: {int(bad.sum())} of {bad.size} values differ (largest "
                           f"difference {np.abs(a - b).max():.3g})")


def _contract_domains(domains: Iterable[Any] | None) -> list[Any]:
    from .domains import STFT, Wavelet, get_domain

    if domains is None:
        return [get_domain("fft"), STFT(n_fft=16, hop_length=4), get_domain("time"),
                Wavelet(wavelet="db2")]
    return [get_domain(d) for d in domains]


def _first(out: Any) -> Any:
    return out[0] if isinstance(out, tuple) else out


def check_explainer(explainer: Any, *, settings: Mapping[str, Any] | None = None,
                    options: Mapping[str, Any] | None = None, domains: Iterable[Any] | None = None,
                    model: nn.Module | None = None, bad_inputs: bool = True) -> list[str]:
    """Run the explainer contract on a class (or an instance: its class, model, domain and
    declared settings).

    Checks, in order: the tags (:func:`~freqxai.explainers.get_tags`) and the declared options
    (every declared setting is taken by ``__init__`` and every call option by ``attribute``,
    and their defaults pass their constraints); then in every domain: numpy in gives numpy out
    and float64 stays float64, tensors stay tensors and float32, the shape is ``(batch, 1 or
    channels, *coefficient_shape)`` and finite, numpy and tensor results agree, ``target=None``
    explains the predicted class, a batch gives what one input at a time gives (tag
    ``batch_invariant``), half precision comes back as float16, the model's training mode is
    restored, a declared standard error or convergence delta is returned (the delta is
    completeness against the default zero baseline); once, for methods that need the model: bad
    inputs and targets are refused naming the argument, and a model returning a tuple is refused
    with the fix. A domain the explainer refuses with a ``ValueError`` naming it (band Shapley
    values in time) is skipped; of the default domains at least one must work.

    Parameters
    ----------
    explainer : Explainer subclass or instance
    settings : mapping, optional
        Constructor settings (fast ones: the checks explain 3 signals of 64 samples about ten
        times per domain).
    options : mapping, optional
        ``attribute`` options for every call (``seed`` for a stochastic method).
    domains : iterable of str or Domain, optional
        Default: ``fft``, an STFT (``n_fft=16, hop_length=4``), ``time`` and a db2 wavelet.
    model : nn.Module, optional
        Default: :class:`ContractCNN` (2 channels, 3 classes).
    bad_inputs : bool
        Also check that bad inputs, targets and models are refused.

    Returns
    -------
    list of str
        The checks passed (with their domain).

    Raises
    ------
    AssertionError
        At the first failure: ``"check_explainer(MyExplainer) in domain 'fft': numpy in gives
        numpy out: got Tensor"``.

    Examples
    --------
    >>> from freqxai.explainers import GradientXInput
    >>> from freqxai.testing import check_explainer
    >>> passed = check_explainer(GradientXInput, domains=["fft"])
    >>> passed[:3]
    ['is an Explainer subclass', 'tags', 'declared options']
    >>> "numpy in gives numpy out, float64 kept in domain 'fft'" in passed
    True
    """
    from .explainers.base import Explainer, ExplainerTags, get_tags

    instance = explainer if isinstance(explainer, Explainer) else None
    cls = type(explainer) if instance is not None else explainer
    runs = _Checks(f"check_explainer({getattr(cls, '__name__', cls)!r})")
    with runs.check("is an Explainer subclass"):
        assert isinstance(cls, type) and issubclass(cls, Explainer), \
            f"got {cls!r}; subclass freqxai.explainers.Explainer"
    if instance is not None:
        settings = {**instance._current_settings(), **(settings or {})}
        model = model if model is not None else instance.model
        domains = domains if domains is not None else [instance.domain]
    settings, options = dict(settings or {}), dict(options or {})
    model = (model if model is not None else ContractCNN()).eval()
    default_domains = domains is None
    with runs.check("tags"):
        tags = get_tags(cls)
        assert isinstance(tags, ExplainerTags), f"get_tags gave {type(tags).__name__}"
        assert isinstance(tags.name, str) and tags.name, f"name {tags.name!r}"
    with runs.check("declared options"):
        _check_declarations(cls)
    usable = 0
    for domain in _contract_domains(domains):
        where = domain.name
        try:
            made = cls(model, domain=domain, **settings)
        except ValueError as err:
            if repr(domain.name) in str(err) or domain.name in str(err):
                runs.passed.append(f"refuses domain {where!r}: {err}")
                continue
            with runs.check("builds", where):
                raise
        usable += 1
        _explainer_in_domain(runs, made, model, domain, options, tags)
    if default_domains:
        with runs.check("works in some domain"):
            assert usable, "every domain was refused"
    if bad_inputs and tags.needs_model:
        _explainer_refusals(runs, cls, settings, options, model)
    return runs.passed


def _check_declarations(cls: type) -> None:
    from ._checks import make_constraint

    settings, call = cls.option_names()
    init_named, init_any = _signature_names(cls.__init__)
    call_named, call_any = _signature_names(cls.attribute)
    for name in cls._settings:
        make_constraint(cls._settings[name])
        assert init_any or name in init_named, f"declared setting {name!r} is no parameter of __init__"
    for name in cls._call_options:
        make_constraint(cls._call_options[name])
        assert call_any or name in call_named, \
            f"declared call option {name!r} is no parameter of attribute"
        assert name not in cls._settings, f"{name!r} is declared as a setting and a call option"
    assert set(cls._moved_to_init) <= set(cls._settings), \
        f"_moved_to_init names undeclared settings {sorted(set(cls._moved_to_init) - set(cls._settings))}"
    defaults = {**cls._default_settings(), **_defaults(cls.attribute, cls._call_options)}
    try:
        cls.check_options(**defaults)
    except (TypeError, ValueError) as err:
        raise AssertionError(f"the defaults do not pass the declared constraints: {err}") from None


def _signature_names(fn: Any) -> tuple[set[str], bool]:
    import inspect

    params = inspect.signature(fn).parameters.values()
    return ({p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)},
            any(p.kind is p.VAR_KEYWORD for p in params))


def _defaults(fn: Any, names: Iterable[str]) -> dict[str, Any]:
    import inspect

    params = inspect.signature(fn).parameters
    return {n: params[n].default for n in names
            if n in params and params[n].default is not inspect.Parameter.empty}


def _explainer_in_domain(runs: _Checks, explainer: Any, model: nn.Module, domain: Any,
                         options: dict, tags: Any) -> None:
    where = domain.name
    x = contract_inputs()
    coeff_shape = tuple(domain.coefficient_shape(x.shape[-1]))
    with runs.check("numpy in gives numpy out, float64 kept", where):
        out64 = _first(explainer.attribute(x.double().numpy(), target=None, **options))
        assert isinstance(out64, np.ndarray), f"got {type(out64).__name__}"
        assert out64.dtype == np.float64, f"got dtype {out64.dtype}"
    with runs.check("tensors in give tensors out, float32 kept", where):
        out32 = _first(explainer.attribute(x, target=None, **options))
        assert isinstance(out32, torch.Tensor), f"got {type(out32).__name__}"
        assert out32.dtype == torch.float32, f"got dtype {out32.dtype}"
    with runs.check("shape (batch, 1 or channels, *coefficient_shape), finite", where):
        assert out32.shape[0] == len(x) and out32.shape[1] in (1, x.shape[1]) \
            and tuple(out32.shape[2:]) == coeff_shape, \
            f"got {tuple(out32.shape)} for {tuple(x.shape)} inputs and coefficients {coeff_shape}"
        assert torch.isfinite(out32).all(), "NaN or Inf in the relevance"
    with runs.check("numpy and tensor inputs agree", where):
        _close(out64, out32, 1e-3, 1e-4, "float64 numpy against float32 tensor")
    with torch.no_grad():
        pred = model(x).argmax(1)
    with runs.check("target=None explains the predicted class", where):
        _close(_first(explainer.attribute(x, target=pred, **options)), out32, 1.3e-6, 1e-5,
               "target=predicted against target=None")
    if tags.batch_invariant:
        with runs.check("a batch gives what one input at a time gives", where):
            single = torch.cat([_first(explainer.attribute(x[i : i + 1], target=int(pred[i]),
                                                           **options)) for i in range(len(x))])
            _close(single, out32, 1e-4, 1e-5, "one at a time against the batch")
    with runs.check("half precision is returned as float16", where):
        half = _first(explainer.attribute(x.half(), target=pred, **options))
        assert half.dtype == torch.float16, f"got {half.dtype}"
    with runs.check("the model's training mode is restored", where):
        model.train()
        try:
            explainer.attribute(x, target=pred, **options)
            assert model.training and all(m.training for m in model.modules()), \
                "the model was left in eval mode"
        finally:
            model.eval()
    if tags.has_standard_error:
        with runs.check("return_standard_error=True returns (relevance, standard error)", where):
            rel, se = explainer.attribute(x, target=pred, return_standard_error=True, **options)
            assert se.shape == rel.shape, f"shapes {tuple(rel.shape)} and {tuple(se.shape)}"
            assert bool((se >= 0).all()), "negative standard errors"
    if tags.has_convergence_delta:
        with runs.check("return_convergence_delta=True is completeness", where):
            x64, model64 = x.double(), _float64(model)
            made = type(explainer)(model64, domain=domain, **explainer._current_settings())
            rel, delta = made.attribute(x64.numpy(), target=0, return_convergence_delta=True,
                                        **options)
            assert isinstance(delta, np.ndarray) and delta.shape == (len(x),), \
                f"delta {type(delta).__name__} of shape {getattr(delta, 'shape', None)}"
            with torch.no_grad():
                change = (model64(x64)[:, 0] - model64(torch.zeros_like(x64))[:, 0]).numpy()
            _close(rel.reshape(len(x), -1).sum(1) - delta, change, 1e-6, 1e-9,
                   "sum(relevance) - delta against f(x) - f(0)")


def _float64(model: nn.Module) -> nn.Module:
    import copy

    return copy.deepcopy(model).double().eval()


# (id, make inputs, target, error, message fragment)
_BAD_INPUTS = [
    ("inputs of 2 axes", lambda x: x[0], None, ValueError, "inputs must have shape"),
    ("NaN inputs", lambda x: x.masked_fill(x > 1, float("nan")), None, ValueError, "NaN"),
    ("a list of bool targets", lambda x: x, [True, False, True], TypeError, "target"),
    ("a bool target tensor", lambda x: x, torch.tensor([True, False, True]), TypeError, "target"),
    ("a target out of range", lambda x: x, 7, ValueError, "target out of range"),
    ("a target per input too few", lambda x: x, [0, 1], ValueError, "target has 2 entries"),
    ("a float target", lambda x: x, 1.5, TypeError, "target"),
    ("a string as inputs", lambda x: "signal", None, TypeError, "inputs must be"),
    ("complex inputs", lambda x: x.to(torch.complex64), None, TypeError, "real-valued"),
]


def _explainer_refusals(runs: _Checks, cls: type, settings: dict, options: dict,
                        model: nn.Module) -> None:
    from .domains import get_domain

    domain = get_domain("fft")
    explainer = cls(model, domain=domain, **settings)
    for name, make, target, error, match in _BAD_INPUTS:
        with runs.check(f"refuses {name}"):
            _raises(error, match, explainer.attribute, make(contract_inputs()), target=target,
                    **options)
    with runs.check("refuses a model that returns a tuple, naming the fix"):
        tupled = cls(_TupleModel().eval(), domain=domain, **settings)
        _raises(TypeError, "returned a tuple.*wrap the model", tupled.attribute,
                contract_inputs(), **options)


def check_metric(metric: Any, *, domains: Iterable[Any] | None = None,
                 model: nn.Module | None = None, explainer: Any = None) -> list[str]:
    """Run the metric contract on a class (or an instance).

    Checks: the tags (:class:`~freqxai.metrics.MetricTags`: booleans, a label); an unknown
    ``domain=`` is refused; then in every domain, with the amplitude reference's relevance of 3
    signals: one finite score per input (a float array ``(batch,)``; the third input has no
    ground truth and may score NaN), numpy inputs give the same scores, NaN relevance and a
    batch mismatch are refused; a metric that needs ground truth refuses a domain without a
    frequency axis.

    Parameters
    ----------
    metric : Metric subclass or instance
        A class is built without arguments (with ``explainer=`` when it ``needs_explainer``).
    domains : iterable of str or Domain, optional
        As :func:`check_explainer`'s.
    model : nn.Module, optional
        Default: :class:`ContractCNN`.
    explainer : Explainer, optional
        For a metric that explains perturbed inputs again; default: gradient x input in each
        domain.

    Returns
    -------
    list of str
        The checks passed.

    Raises
    ------
    AssertionError
        At the first failure, naming the metric, the check and the domain.

    Examples
    --------
    >>> from freqxai.metrics import Complexity, Metric, MetricTags
    >>> from freqxai.testing import check_metric
    >>> passed = check_metric(Complexity)
    >>> passed[:3]
    ['is a Metric subclass', 'tags', "one finite score per input in domain 'fft'"]

    A metric that returns one number for the batch fails, and the error says where:

    >>> class Broken(Metric):
    ...     tags = MetricTags(label="broken", needs_model=False)
    ...     def __call__(self, model, inputs, relevance, target=None, *, domain=None,
    ...                  ground_truth=None):
    ...         return 0.0
    >>> check_metric(Broken)
    Traceback (most recent call last):
    ...
    AssertionError: check_metric('Broken') in domain 'fft': one finite score per input: got float...
    """
    from .explainers import get_explainer
    from .explainers.base import get_tags
    from .metrics.base import Metric, MetricTags

    instance = metric if isinstance(metric, Metric) else None
    cls = type(metric) if instance is not None else metric
    runs = _Checks(f"check_metric({getattr(cls, '__name__', cls)!r})")
    with runs.check("is a Metric subclass"):
        assert isinstance(cls, type) and issubclass(cls, Metric), \
            f"got {cls!r}; subclass freqxai.metrics.Metric"
    model = (model if model is not None else ContractCNN()).eval()
    with runs.check("tags"):
        tags = get_tags(cls)
        assert isinstance(tags, MetricTags), f"get_tags gave {type(tags).__name__}"
        assert isinstance(tags.label, str) and tags.label, f"label {tags.label!r}"
    x = contract_inputs()
    truth = [[1], [2, 3], []]
    for domain in _contract_domains(domains):
        where = domain.name
        if instance is not None:
            made = instance
        elif tags.needs_explainer:
            made = cls(explainer=explainer if explainer is not None
                       else get_explainer("gxi", model, domain=domain))
        else:
            made = cls()
        rel = get_explainer("amplitude", model, domain=domain).attribute(x)
        if tags.needs_ground_truth and domain.frequency_axis(x.shape[-1]) is None:
            with runs.check("refuses ground truth where there is no frequency axis", where):
                _raises(ValueError, "no frequency axis", made, model, x, rel, None, domain=domain,
                        ground_truth=truth)
            continue
        with runs.check("one finite score per input", where):
            scores = made(model, x, rel, None, domain=domain, ground_truth=truth)
            assert isinstance(scores, np.ndarray) and scores.shape == (len(x),), \
                f"got {type(scores).__name__} of shape {getattr(scores, 'shape', None)}"
            assert np.isfinite(scores[:2]).all(), f"scores {scores}"
        with runs.check("numpy inputs give the same scores", where):
            again = made(model, x.numpy(), rel.numpy(), None, domain=domain, ground_truth=truth)
            _close(again, scores, 1e-7, 0, "numpy against tensor inputs")
        with runs.check("refuses NaN relevance", where):
            bad = rel.clone()
            bad[0, 0, 0] = float("nan")
            _raises(ValueError, "NaN", made, model, x, bad, None, domain=domain,
                    ground_truth=truth)
        with runs.check("refuses a batch mismatch", where):
            _raises(ValueError, "samples", made, model, x, rel[:2], None, domain=domain,
                    ground_truth=truth[:2] + [[0]])
        with runs.check("refuses an unknown domain name", where):
            _raises(ValueError, "unknown domain", made, model, x, rel, None,
                    domain="no_such_domain", ground_truth=truth)
    return runs.passed


def check_domain(domain: Any, *, lengths: Iterable[int] = (64, 101)) -> list[str]:
    """Run the domain contract on a domain (an instance, a registered name, or a class built
    without arguments).

    Checks per length: ``forward`` gives ``(batch, channels, *coefficient_shape(length))``
    and keeps the precision (float64 in: float64 or complex128 out); ``inverse(forward(x))``
    gives back ``x``; ``inverse`` is linear; a batch transforms like its inputs one at a time;
    ``axes`` has one entry per coefficient axis of that axis's size (or, for a flat layout,
    coordinates of every coefficient); ``project_relevance``
    conserves the relevance's sum per signal and channel; and a 1-sample signal is refused.

    Returns
    -------
    list of str
        The checks passed.

    Raises
    ------
    AssertionError
        At the first failure, naming the domain, the check and the length.

    Examples
    --------
    >>> from freqxai.domains import STFT
    >>> from freqxai.testing import check_domain
    >>> passed = check_domain("fft")
    >>> passed[:2]
    ['is a Domain', 'forward gives (batch, channels, *coefficient_shape) (64 samples)']
    >>> len(check_domain(STFT(n_fft=16, hop_length=4), lengths=[64]))
    8
    """
    from .domains import Domain, get_domain

    made = domain() if isinstance(domain, type) else get_domain(domain)
    runs = _Checks(f"check_domain({made!r})")
    with runs.check("is a Domain"):
        assert isinstance(made, Domain), f"got {type(made).__name__}; subclass freqxai.Domain"
    for length in lengths:
        at = f" ({length} samples)"
        x = contract_inputs(length=length, dtype=torch.float64)
        shape = tuple(made.coefficient_shape(length))
        with runs.check("forward gives (batch, channels, *coefficient_shape)" + at):
            c = made.forward(x)
            assert tuple(c.shape) == (*x.shape[:2], *shape), \
                f"got {tuple(c.shape)}, coefficient_shape says {shape}"
            assert c.dtype in (torch.float64, torch.complex128), f"float64 in gave {c.dtype}"
        with runs.check("inverse(forward(x)) is x" + at):
            back = made.inverse(c, length)
            assert back.shape == x.shape and not back.is_complex(), \
                f"got {tuple(back.shape)} {back.dtype}"
            _close(back, x, 1e-6, 1e-8, "the round trip")
        with runs.check("inverse is linear" + at):
            c2 = made.forward(contract_inputs(length=length, dtype=torch.float64).flip(0))
            _close(made.inverse(2.0 * c - 0.5 * c2, length),
                   2.0 * made.inverse(c, length) - 0.5 * made.inverse(c2, length), 1e-6, 1e-8,
                   "inverse(2a - b/2) against 2 inverse(a) - inverse(b)/2")
        with runs.check("a batch transforms like one input at a time" + at):
            _close(torch.cat([made.forward(x[i : i + 1]) for i in range(len(x))]).abs(), c.abs(),
                   1e-10, 1e-10, "one at a time against the batch")
        with runs.check("axes: one entry per coefficient axis, of its size" + at):
            axes = made.axes(length)
            assert isinstance(axes, dict) and axes, f"got {axes!r:.80}"
            # one entry per axis in coefficient order, or coordinates of every coefficient (a
            # flat layout: the wavelet's frequency and time per coefficient)
            sizes = (shape if len(axes) == len(shape)
                     else (int(np.prod(shape)),) * len(axes))
            for (name, values), size in zip(axes.items(), sizes, strict=True):
                assert len(np.asarray(values)) == size, \
                    f"axis {name!r} has {len(values)} entries for coefficients {shape}"
        with runs.check("project_relevance conserves the sum" + at):
            r = torch.randn(x.shape, generator=torch.Generator().manual_seed(2),
                            dtype=torch.float64)
            out = made.project_relevance(r, x)
            assert tuple(out.shape) == (*x.shape[:2], *shape), f"got {tuple(out.shape)}"
            _close(out.flatten(2).sum(-1), r.sum(-1), 1e-6, 1e-8, "sum over coefficients")
    with runs.check("refuses a 1-sample signal"):
        _raises(ValueError, "", made.check_length, 1)
    return runs.passed

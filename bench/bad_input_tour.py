"""A new user's tour of bad and unusual inputs (issue 16's acceptance), classified automatically.

Tries well over a thousand inputs across the public API and the CLI, generated from tables x
parameters: every registered explainer x every registered domain x bad values of every option of
its ``attribute`` and constructor (read with :mod:`inspect`), bad inputs, targets and models, every
metric x bad relevance / fractions / ground truth, domains with bad settings, ``load_model`` with bad
files, ``freqxai.summary.summarize``, ``freqxai.adapters`` (scikit-learn estimators) and
``freqxai.cli.main`` in-process (bad flags, values and configuration files); and (issue 25) what
the next release added: ``summarize``'s bands, ``headline_from_csv``, ``signal_bands``,
``band_intervention``, estimators that lie, ``freqxai.ragged`` and ``load_uea``, EEG
(``freqxai.data.eeg``, ``freqxai.topomap``, ``freqxai.bands``), ``freqxai.sanity``, the helpers of
FLEXtime / FreqMask / FreqRISE, plug-ins, and the CLI's new flags (``--sanity``, ``--classifier``,
unequal-length and epochs data, skops classifiers). Each outcome is one of

- **correct**: an unusual but valid input ran and the result has the property checked (equal to a
  reference, its shape / dtype / type, finite);
- **clear**: refused before compute with ``ValueError``/``TypeError`` (or, for loading, the
  ``FileNotFoundError``/``ImportError`` the API documents) whose message names the argument (a
  fragment is asserted); from the CLI, exit 2 with a ``freqxai: error:`` line (or argparse's usage
  and error) naming the setting and no traceback; or accepted with a warning naming it;
- **cryptic**: any other exception type, a message that does not name the argument, a valid input
  refused, a CLI exit other than 0/2 or a traceback, a hang (every case runs under a timeout);
- **silent**: it returned (or exited 0) but the result is wrong: NaN/Inf, wrong shape or type, a
  bad value accepted, a setting ignored.

Run ``python bench/bad_input_tour.py`` (a few minutes on 2 cores). It prints one line per
cryptic or silent case, then the counts per area and category. ``--area NAME`` runs one area,
``--grep TEXT`` only cases whose id contains TEXT, ``--list`` prints the case ids, ``--all``
prints every case.

The counts are compared with ``bench/bad_input_tour_counts.json``: the tour **exits 1** when an
area has more cryptic or silent cases than there, or an area that ran completely has fewer cases
(cases dropped), printing which; better counts are noted (``--update-baseline`` rewrites the file
from the run, keeping the areas it did not run). Exit status 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

import freqxai
from freqxai import STFT, Wavelet, get_domain, get_explainer, list_domains, list_explainers
from freqxai.explainers import explainer_class
from freqxai.metrics import get_metric, list_metrics, metric_class

CATEGORIES = ("correct", "clear", "cryptic", "silent")
AREAS = ("explainers", "metrics", "domains", "loading", "summary", "adapters", "misc", "ragged", "eeg",
         "sanity", "flextime", "plugins", "cli")
NAN, INF = float("nan"), float("inf")
B, C, LENGTH, N_CLASSES = 2, 2, 64, 3
REFUSALS = (ValueError, TypeError)


# ------------------------------------------------------------------------------------------------
# cases and their classification
# ------------------------------------------------------------------------------------------------

class TourTimeout(BaseException):
    """Raised by the alarm when a case runs past its timeout (a hang)."""


@dataclass
class Case:
    """One input tried.

    ``check`` None: the input is bad and must be refused naming one of ``fragments`` (a warning
    naming it also counts as clear). ``check`` given: the input is valid; ``check(result)``
    returns None when the result is right, else what is wrong. ``either``: a valid input that
    may also be refused clearly (naming a fragment).
    """

    area: str
    id: str
    call: Callable[[], Any]
    fragments: tuple[str, ...] = ()
    check: Callable[[Any], str | None] | None = None
    errors: tuple[type[BaseException], ...] = REFUSALS
    warns: str | None = None
    either: bool = False
    timeout: float = 30.0
    cli: bool = False


@dataclass
class Outcome:
    category: str
    what: str
    message: str = ""
    seconds: float = 0.0


@contextlib.contextmanager
def _alarm(seconds: float):
    def handler(signum, frame):
        raise TourTimeout(f"no answer within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _one_line(text: Any, n: int = 160) -> str:
    s = " ".join(str(text).split())
    return s[:n]


def _names(text: str, fragments: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(f.lower() in low for f in fragments)


def describe(result: Any) -> str:
    """A short description of a returned value (type, shape, dtype, finiteness)."""
    if isinstance(result, tuple | list):
        inner = ", ".join(describe(r) for r in list(result)[:3])
        return f"{type(result).__name__}[{len(result)}]({inner}{', ...' if len(result) > 3 else ''})"
    if isinstance(result, torch.Tensor | np.ndarray):
        a = _np(result)
        fin = "finite" if a.dtype.kind in "fc" and np.isfinite(a).all() else (
            "NaN/Inf" if a.dtype.kind in "fc" else a.dtype.kind)
        return f"{type(result).__name__}{tuple(result.shape)} {result.dtype} {fin}"
    return f"{type(result).__name__} {_one_line(repr(result), 60)}"


def run_case(case: Case) -> Outcome:
    t0 = time.perf_counter()
    result, exc = None, None
    sink_out, sink_err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(sink_out), contextlib.redirect_stderr(sink_err), \
                    _alarm(case.timeout):
                result = case.call()
        except TourTimeout as err:
            return Outcome("cryptic", "hang", str(err), time.perf_counter() - t0)
        except SystemExit as err:  # (a library must not exit the interpreter)
            exc = err
        except Exception as err:  # noqa: BLE001 - every exception is classified
            exc = err
    seconds = time.perf_counter() - t0
    # torch's own C++ warnings ("Triggered internally") do not count as freqxai naming the problem
    warned = [str(w.message) for w in caught if "Triggered internally" not in str(w.message)]
    if case.cli:
        return _classify_cli(case, result, exc, seconds)
    if case.check is None:  # a bad input: must be refused naming the argument
        if exc is None:
            hit = [w for w in warned if _names(w, case.fragments)]
            if hit:
                return Outcome("clear", "accepted with a warning", hit[0], seconds)
            return Outcome("silent", f"accepted: {describe(result)}", "", seconds)
        return _classify_refusal(case, exc, seconds)
    # a valid input
    if exc is not None:
        if case.either and isinstance(exc, case.errors) and _names(str(exc), case.fragments):
            return Outcome("clear", "refused", str(exc), seconds)
        return Outcome("cryptic", f"valid input refused: {type(exc).__name__}", str(exc), seconds)
    problem = case.check(result)
    if problem is not None:
        return Outcome("silent", problem, describe(result), seconds)
    if case.warns is not None and not any(_names(w, (case.warns,)) for w in warned):
        return Outcome("silent", f"no warning mentioning {case.warns!r}", describe(result), seconds)
    return Outcome("correct", "ran, result right", "", seconds)


def _classify_refusal(case: Case, exc: BaseException, seconds: float) -> Outcome:
    msg = str(exc)
    if not isinstance(exc, case.errors):
        return Outcome("cryptic", f"{type(exc).__name__} (expected {_types(case.errors)})", msg,
                       seconds)
    if not _names(msg, case.fragments):
        return Outcome("cryptic", f"{type(exc).__name__} not naming {case.fragments[0]!r}", msg,
                       seconds)
    return Outcome("clear", type(exc).__name__, msg, seconds)


def _types(errors: tuple[type, ...]) -> str:
    return "/".join(e.__name__ for e in errors)


@dataclass
class CliResult:
    rc: Any
    out: str
    err: str
    escaped: BaseException | None = None


def _classify_cli(case: Case, res: CliResult | None, exc: BaseException | None,
                  seconds: float) -> Outcome:
    if exc is not None:  # raised out of main(): a traceback for the user
        return Outcome("cryptic", f"{type(exc).__name__} escaped main()", str(exc), seconds)
    err_lines = [ln for ln in res.err.splitlines() if ln.strip()]
    first = next((ln for ln in err_lines if "error:" in ln), err_lines[-1] if err_lines else "")
    if case.check is not None:  # a valid command
        if res.rc != 0:
            return Outcome("cryptic", f"valid command exited {res.rc}", first or res.err, seconds)
        problem = case.check(res)
        if problem:
            return Outcome("silent", problem, "", seconds)
        return Outcome("correct", "exit 0, outputs right", "", seconds)
    if res.rc == 0:
        return Outcome("silent", "exit 0 for a bad setting", _one_line(res.out[-300:]), seconds)
    if "Traceback" in res.err:
        return Outcome("cryptic", f"exit {res.rc} with a traceback",
                       _one_line(err_lines[-1] if err_lines else ""), seconds)
    if res.rc != 2:
        return Outcome("cryptic", f"exit {res.rc}", first, seconds)
    at = next((i for i, ln in enumerate(err_lines) if "error:" in ln), 0)
    text = "\n".join(err_lines[at:])  # the error and what follows it, not the phase lines before
    if not _names(text, case.fragments):
        return Outcome("cryptic", f"exit 2 not naming {case.fragments[0]!r}", first, seconds)
    # the expected form: argparse's usage + error, or one 'freqxai: error:' line (with the
    # configuration check's indented list of problems); anything else printed is noise
    extra = [ln for ln in err_lines if not (ln.startswith(("usage:", "freqxai", " ", "\t"))
                                            or "error:" in ln)]
    what = "exit 2" + (f" (+{len(extra)} other stderr lines: {_one_line(extra[0], 60)})"
                       if extra else "")
    return Outcome("clear", what, first, seconds)


# ------------------------------------------------------------------------------------------------
# checks of results
# ------------------------------------------------------------------------------------------------

def _np(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu()
        if a.is_complex():
            return a.numpy()
        return a.to(torch.float64).numpy() if a.is_floating_point() else a.numpy()
    return np.asarray(a)


def _parts(result: Any) -> list:
    return list(result) if isinstance(result, tuple | list) else [result]


def all_finite(result: Any) -> str | None:
    for p in _parts(result):
        if isinstance(p, torch.Tensor | np.ndarray):
            a = _np(p)
            if a.dtype.kind in "fc" and not np.isfinite(a).all():
                return "NaN/Inf in the result"
    return None


def same_as(ref: Any, *, rtol: float = 1e-4, atol: float = 1e-6, kind: type | None = None,
            dtype: Any = None) -> Callable[[Any], str | None]:
    """The result equals ``ref`` (values; ``kind``: tensor or ndarray; ``dtype``)."""
    def check(result: Any) -> str | None:
        got, want = _parts(result), _parts(ref)
        if len(got) != len(want):
            return f"{len(got)} outputs, expected {len(want)}"
        for g, w in zip(got, want, strict=True):
            if kind is not None and not isinstance(g, kind):
                return f"returned {type(g).__name__}, expected {kind.__name__}"
            if dtype is not None and g.dtype != dtype:
                return f"dtype {g.dtype}, expected {dtype}"
            gn, wn = _np(g), _np(w)
            if gn.shape != wn.shape:
                return f"shape {gn.shape}, expected {wn.shape}"
            if not np.allclose(gn, wn, rtol=rtol, atol=atol, equal_nan=False):
                err = float(np.nanmax(np.abs(gn - wn))) if gn.size else 0.0
                return f"differs from the reference (max abs diff {err:.3g})"
        return None
    return check


def shaped(shape: tuple, *, kind: type | None = None, dtype: Any = None, n_parts: int | None = None
           ) -> Callable[[Any], str | None]:
    """The first output has ``shape`` (``None`` entries free), every output is finite."""
    def check(result: Any) -> str | None:
        parts = _parts(result)
        if n_parts is not None and len(parts) != n_parts:
            return f"{len(parts)} outputs, expected {n_parts}"
        first = parts[0]
        if kind is not None and not isinstance(first, kind):
            return f"returned {type(first).__name__}, expected {kind.__name__}"
        if not isinstance(first, torch.Tensor | np.ndarray):
            return f"returned {type(first).__name__}"
        got = tuple(first.shape)
        if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got, strict=False)):
            return f"shape {got}, expected {shape}"
        if dtype is not None and first.dtype != dtype:
            return f"dtype {first.dtype}, expected {dtype}"
        return all_finite(result)
    return check


def both(*checks: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def check(result: Any) -> str | None:
        for c in checks:
            problem = c(result)
            if problem:
                return problem
        return None
    return check


# ------------------------------------------------------------------------------------------------
# fixtures: models, data, domains, reference results
# ------------------------------------------------------------------------------------------------

class CNN(nn.Module):
    """The contract tests' small CNN: (batch, channels, 64) -> (batch, n_out)."""

    def __init__(self, channels: int = C, n_out: int = N_CLASSES, dropout: float = 0.0,
                 softmax: bool = False) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            layers = [nn.Conv1d(channels, 4, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(8),
                      nn.Flatten(), nn.Dropout(dropout), nn.Linear(32, n_out)]
            if softmax:
                layers.append(nn.Softmax(dim=1))
            self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Returns(CNN):
    """A CNN whose forward returns something other than (batch, n_classes) logits."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, x):
        out = self.net(x)
        k = self.kind
        if k == "tuple":
            return out, x
        if k == "list":
            return [out]
        if k == "dict":
            return {"logits": out}
        if k == "numpy":
            return out.detach().numpy()
        if k == "none":
            return None
        if k == "1d":
            return out[:, 0]
        if k == "3d":
            return out[:, :, None]
        if k == "first-row":
            return out[:1]
        if k == "int":
            return out.argmax(1, keepdim=True).expand(-1, N_CLASSES).long()
        if k == "nan":
            return out * NAN
        if k == "inf":
            return out + INF
        if k == "constant":
            return torch.zeros_like(out) + torch.tensor([1.0, 2.0, 3.0])
        if k == "no_grad":
            with torch.no_grad():
                return self.net(x)
        if k == "numpy-inside":
            feats = torch.as_tensor(np.abs(x.detach().cpu().numpy()), dtype=x.dtype)
            return self.net(feats)
        if k == "item":
            return out * float(x.sum().item()) / (1 + abs(float(x.sum().item())))
        raise AssertionError(k)


class TakesExtra(CNN):
    """A CNN with an extra forward argument (a scale)."""

    def forward(self, x, scale=1.0):
        return self.net(x) * scale


def _x(batch: int = B, channels: int = C, length: int = LENGTH, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(length) / length
    return torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.randn(batch, channels, length, generator=g)


X = _x()
MODEL = CNN().eval()
with torch.no_grad():
    PRED = MODEL(X).argmax(1)


def make_domain(name: str):
    """Small, fast settings for the built-in domains; any other registered domain as built."""
    if name == "stft":
        return STFT(n_fft=16, hop_length=4)
    if name == "wavelet":
        return Wavelet("db2")
    return get_domain(name)


# fast constructor settings and attribute options per explainer (a method registered later gets
# them from its signatures)
FAST_SETTINGS: dict[str, dict[str, Any]] = {
    "freqrise": {"n_masks": 32, "batch_size": 32},
}
FAST: dict[str, dict[str, Any]] = {
    "freqrise": {"seed": 0, "warn_if_noise": False},
    "flex": {"n_steps": 4},
    "ig": {"n_steps": 4},
    "random": {"seed": 0},
}
# generic fast values for settings and options of explainers not in FAST_SETTINGS / FAST
GENERIC_FAST = {"n_masks": 32, "n_steps": 4, "seed": 0, "warn_if_noise": False, "epochs": 10,
                "max_epochs": 10, "n_epochs": 10, "n_iterations": 10, "max_iter": 10}


def attribute_params(method: str) -> dict[str, inspect.Parameter]:
    sig = inspect.signature(explainer_class(method).attribute)
    return {n: p for n, p in sig.parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def init_params(method: str) -> dict[str, inspect.Parameter]:
    sig = inspect.signature(explainer_class(method).__init__)
    return {n: p for n, p in sig.parameters.items()
            if n not in ("self", "model", "domain") and p.kind not in (
                inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)}


def _generic_fast(params: dict[str, inspect.Parameter]) -> dict[str, Any]:
    opts = {}
    for name, p in params.items():
        if name in GENERIC_FAST:
            opts[name] = GENERIC_FAST[name]
        elif "epoch" in name and isinstance(p.default, int):
            opts[name] = 10
    return opts


def fast(method: str) -> dict[str, Any]:
    """Fast ``attribute`` options of ``method``."""
    if method in FAST:
        return dict(FAST[method])
    return _generic_fast(attribute_params(method))


def fast_settings(method: str) -> dict[str, Any]:
    """Fast constructor settings of ``method`` (FreqRISE's mask budget, the optimizers' epochs)."""
    if method in FAST_SETTINGS:
        return dict(FAST_SETTINGS[method])
    return _generic_fast(init_params(method))


def fast_explainer(method: str, model: Any = MODEL, domain: Any = "fft", **settings: Any) -> Any:
    """``get_explainer`` with the method's fast settings (``settings`` on top of them)."""
    return get_explainer(method, model, domain=domain, **{**fast_settings(method), **settings})


_REFS: dict[tuple, Any] = {}


def ref(method: str, dname: str, **extra: Any) -> Any:
    """The result of the default fast call (tensor input, target None), cached."""
    key = (method, dname, tuple(sorted(extra.items())))
    if key not in _REFS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _REFS[key] = fast_explainer(method, MODEL, domain=make_domain(dname)).attribute(
                X, target=None, **{**fast(method), **extra})
    return _REFS[key]


def coeff_shape(dname: str, length: int = LENGTH) -> tuple[int, ...]:
    return tuple(make_domain(dname).coefficient_shape(length))


def out_shape(method: str, dname: str, batch: int = B, length: int = LENGTH) -> tuple:
    return (batch, None, *coeff_shape(dname, length))


# ------------------------------------------------------------------------------------------------
# explainers
# ------------------------------------------------------------------------------------------------

_UNSET = object()
INT_BAD = [("negative", -1), ("zero", 0), ("float", 2.5), ("string", "8"), ("bool", True),
           ("nan", NAN), ("inf", INF), ("None", None)]
FRACTION_BAD = [("zero", 0.0), ("one", 1.0), ("negative", -0.5), ("above one", 1.5), ("nan", NAN),
                ("inf", INF), ("string", "0.5"), ("bool", True), ("None", None)]
BOOL_BAD = [("string", "yes"), ("int 1", 1), ("float", 0.5), ("None", None), ("string True", "True")]
EPS_BAD = [("negative", -1.0), ("nan", NAN), ("inf", INF), ("string", "1e-6"), ("bool", True),
           ("None", None)]


def _literal_choices(annotation: Any) -> list[str]:
    text = str(annotation)
    if "Literal" not in text:
        return []
    return re.findall(r"'([^']+)'", text.split("Literal", 1)[1])


def option_cases(method: str, name: str, param: inspect.Parameter, *, where: str,
                 base: Any = _UNSET) -> list[tuple[str, Any, str]]:
    """(label, value, expectation) for one option: 'refuse', 'equal' (equals the default call),
    'shape' (runs and is finite), 'either' (runs or is refused naming the option)."""
    d = param.default
    ann = str(param.annotation)
    optional = "None" in ann or d is None
    if base is _UNSET:
        base = {**fast_settings(method), **fast(method)}.get(name, d)
    out: list[tuple[str, Any, str]] = []
    if name == "seed":
        out += [(lbl, v, "refuse") for lbl, v in
                [("negative", -1), ("2**64", 2**64), ("float", 2.5), ("string", "0"), ("bool", True),
                 ("nan", NAN)]]
        out += [("np.uint64", np.uint64(base or 0), "equal"), ("np.int32", np.int32(base or 0), "equal")]
    elif name == "num_cells":
        out += [(lbl, v, "refuse") for lbl, v in
                [("zero", 0), ("negative", -1), ("float", 2.5), ("string", "many"), ("bool", True),
                 ("nan", NAN), ("None", None), ("huge", 10**6), ("3 axes", [4, 4, 4])]]
        out += [("np.int64", np.int64(4), "shape"), ("one per axis", _P("PER_AXIS"), "shape"),
                ("'AUTO'", "AUTO", "either")]
    elif name in ("n_masks", "n_steps", "batch_size"):
        out += [(lbl, v, "refuse") for lbl, v in INT_BAD if not (v is None and d is None)]
        if base is None:  # forwards sized to the cache by default: None is the default, any size runs
            out += [("None", None, "equal"), ("np.int64", np.int64(7), "shape")]
        else:
            out += [("np.int64", np.int64(base), "equal")]
        if name == "n_masks":
            out += [("'auto'", "auto", "shape"), ("'AUTO'", "AUTO", "either")]
        if name == "batch_size":
            out += [("huge", 10**9, "equal")]
    elif name == "internal_batch_size":
        out += [(lbl, v, "refuse") for lbl, v in INT_BAD if lbl != "None"]
        out += [("np.int64", np.int64(8), "equal"), ("one", 1, "equal"), ("huge", 10**9, "equal")]
    elif name in ("max_masks", "stability"):
        bad = INT_BAD[:-1] if name == "max_masks" else FRACTION_BAD[:-1]
        out += [(f"{lbl} (auto)", v, "refuse-auto") for lbl, v in bad]
        out += [(f"{lbl} (n_masks int)", v, "refuse") for lbl, v in bad[:3]]
        out += [("np scalar (auto)", np.int64(64) if name == "max_masks" else np.float32(0.7),
                 "shape-auto")]
    elif name in ("p_keep",):
        out += [(lbl, v, "refuse") for lbl, v in FRACTION_BAD]
        out += [("np.float32", np.float32(base), "equal"), ("0.3", 0.3, "shape")]
    elif name == "eps":
        out += [(lbl, v, "refuse") for lbl, v in EPS_BAD]
        out += [("zero", 0.0, "shape"), ("np.float32", np.float32(1e-6), "equal"), ("int", 0, "shape")]
    elif name == "baselines":
        out += [("nan", NAN, "refuse"), ("inf", INF, "refuse"), ("string", "zero", "refuse"),
                ("bool", True, "refuse"), ("list", [0.0], "refuse-shape"),
                ("wrong shape", _P("WRONG_SHAPE"), "refuse-shape"),
                ("NaN array", _P("NAN_ARRAY"), "refuse"), ("complex array", _P("COMPLEX"), "refuse")]
        out += [("0.0", 0.0, "equal"), ("np.float32", np.float32(0), "equal"), ("int 0", 0, "equal"),
                ("zeros like x", _P("ZEROS"), "equal"), ("one signal", _P("ONE_SIGNAL"), "equal"),
                ("numpy zeros", _P("NP_ZEROS"), "equal")]
    elif name == "additional_forward_args":
        out += [("to a model without extras", (2.0,), "refuse")]
    elif name == "method":
        from freqxai.explainers.flex import METHODS

        out += [("bogus", "bogus", "refuse"), ("int", 1, "refuse"), ("None", None, "refuse"),
                ("CamelCase", "GaussLegendre", "refuse")]
        out += [(m, m, "shape") for m in METHODS]
    elif name == "composite":
        out += [("bogus", "bogus", "refuse"), ("int", 5, "refuse"), ("None", None, "refuse"),
                ("a class", _P("COMPOSITE_CLASS"), "refuse")]
        out += [("epsilon_alpha2_beta1", "epsilon_alpha2_beta1", "shape"),
                ("an instance", _P("COMPOSITE_INSTANCE"), "shape")]
    elif name == "canonizers":
        out += [("string", "abc", "refuse"), ("int", 5, "refuse"), ("list of int", [5], "refuse")]
        out += [("empty list", [], "shape")]
    elif isinstance(d, bool) or ann.startswith("bool"):
        out += [(lbl, v, "refuse") for lbl, v in BOOL_BAD if not (lbl == "None" and optional)]
        dv = bool(base) if base is not None else True
        out += [("np.bool_", np.bool_(dv), "equal" if base is not None else "shape"),
                # (eeg=True selects bands in Hz: refused naming eeg without a sampling rate)
                ("other value", not dv, "either" if name == "eeg" else "shape")]
    elif _literal_choices(param.annotation) or isinstance(d, str):
        choices = _literal_choices(param.annotation) or ([d] if isinstance(d, str) else [])
        default = d if isinstance(d, str) else choices[0]
        out += [("bogus", "bogus", "refuse"), ("int", 1, "refuse")]
        if not optional:
            out.append(("None", None, "refuse"))
        if default.upper() != default:
            out.append(("upper case", default.upper(), "either"))
        out += [(c, c, "shape") for c in choices]
    elif isinstance(d, int):
        out += [(lbl, v, "refuse") for lbl, v in INT_BAD if lbl not in ("zero",)]
        out += [("np.int64", np.int64(base), "equal")]
    elif isinstance(d, float):
        out += [(lbl, v, "refuse") for lbl, v in [("nan", NAN), ("inf", INF), ("string", "0.5"),
                                                   ("bool", True), ("negative", -1.0)]]
        out += [("np.float64", np.float64(base), "equal")]
    return out


class _P(str):
    """A placeholder value resolved when the case runs (it needs the domain or the data)."""


def _resolve_value(value: Any, dname: str) -> Any:
    """Placeholders that need the domain or the data; any other value as given."""
    if not isinstance(value, _P):
        return value
    if value == "PER_AXIS":
        return [4] * len(coeff_shape(dname))
    if value == "WRONG_SHAPE":
        return np.zeros((3, C, LENGTH), dtype=np.float32)
    if value == "NAN_ARRAY":
        return torch.full_like(X, NAN)
    if value == "COMPLEX":
        return torch.zeros_like(X, dtype=torch.complex64) + 1j
    if value == "ZEROS":
        return torch.zeros_like(X)
    if value == "ONE_SIGNAL":
        return torch.zeros(1, C, LENGTH)
    if value == "NP_ZEROS":
        return np.zeros((B, C, LENGTH), dtype=np.float32)
    from zennit.composites import EpsilonPlus

    if value == "COMPOSITE_CLASS":
        return EpsilonPlus
    if value == "COMPOSITE_INSTANCE":
        return EpsilonPlus()
    raise AssertionError(value)


_UNSUPPORTED: dict[tuple[str, str], bool] = {}


def unsupported_domain(method: str, dname: str) -> bool:
    """The explainer refuses a domain without a frequency axis when built (band Shapley values
    in time): its cases there are one refusal naming it, as for the metrics that need one."""
    key = (method, dname)
    if key not in _UNSUPPORTED:
        _UNSUPPORTED[key] = False
        dom = make_domain(dname)
        if dom.frequency_axis(LENGTH) is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    get_explainer(method, MODEL, domain=dom)
            except (ValueError, TypeError) as err:
                _UNSUPPORTED[key] = "frequency axis" in str(err)
    return _UNSUPPORTED[key]


def explainer_option_cases() -> list[Case]:
    cases = []
    for method in list_explainers():
        for dname in list_domains():
            if unsupported_domain(method, dname):
                cases.append(Case("explainers", f"{method}/{dname}/domain without frequency axis",
                                  lambda m=method, d=dname: fast_explainer(m, MODEL, domain=make_domain(d))
                                  .attribute(X, **fast(m)), ("frequency axis",)))
        for dname in list_domains():
            if unsupported_domain(method, dname):
                continue  # (one refusal, in explainer_option_cases)
            for where, params in (("attribute", attribute_params(method)),
                                  ("init", init_params(method))):
                for name, param in params.items():
                    for label, value, expect in option_cases(method, name, param, where=where):
                        cases.append(_option_case(method, dname, where, name, label, value, expect))
            # a misspelt option and one of another method
            cases.append(Case("explainers", f"{method}/{dname}/attribute(n_mask=16) typo",
                              lambda m=method, d=dname: fast_explainer(m, MODEL, domain=make_domain(d))
                              .attribute(X, n_mask=16), ("n_mask",)))
        cases.append(Case("explainers", f"{method}/fft/attribute(x, None, 16) positional option",
                          lambda m=method: get_explainer(m, MODEL, domain="fft").attribute(X, None, 16),
                          ("attribute", "positional")))
    return cases


def _option_case(method: str, dname: str, where: str, name: str, label: str, value: Any,
                 expect: str) -> Case:
    cid = f"{method}/{dname}/{where}:{name}={label}"
    f, fs = fast(method), fast_settings(method)

    def call():
        v = _resolve_value(value, dname)
        opts, settings = dict(f), dict(fs)
        if expect in ("refuse-auto", "shape-auto"):
            settings.update(n_masks="auto", batch_size=32)
            settings.setdefault("max_masks", 64)
        (settings if where == "init" else opts)[name] = v
        return get_explainer(method, MODEL, domain=make_domain(dname), **settings).attribute(
            X, **opts)

    frag = (name,)
    if name == "additional_forward_args":
        frag = ("additional_forward_args", "positional argument")
    if expect in ("refuse", "refuse-auto", "refuse-shape"):
        return Case("explainers", cid, call, frag)
    if expect == "equal":
        return Case("explainers", cid, call, frag,
                    check=lambda r, m=method, d=dname: same_as(ref(m, d))(r))
    if expect in ("shape", "shape-auto"):
        return Case("explainers", cid, call, frag, check=shaped(out_shape(method, dname)))
    return Case("explainers", cid, call, frag, check=shaped(out_shape(method, dname)), either=True)


def _as_list(x):
    return [s for s in x]


INPUTS: list[tuple[str, Callable[[], Any], Any, tuple[str, ...]]] = [
    # (label, inputs, expectation: None = refuse, else "equal"/"shape"/callable, fragments)
    ("rank 1", lambda: X[0, 0], None, ("inputs", "shape")),
    ("rank 2", lambda: X[:, 0], None, ("inputs", "shape")),
    ("rank 4", lambda: X[None], None, ("inputs", "shape")),
    ("empty batch", lambda: X[:0], None, ("empty",)),
    ("no channels", lambda: X[:, :0], None, ("empty",)),
    ("no samples", lambda: X[..., :0], None, ("empty",)),
    ("one sample", lambda: X[..., :1], None, ("length", "sample")),
    ("NaN", lambda: X.masked_fill(X > 1, NAN), None, ("NaN",)),
    ("+Inf", lambda: X.masked_fill(X > 1, INF), None, ("Inf",)),
    ("-Inf", lambda: X.masked_fill(X < -1, -INF), None, ("Inf",)),
    ("complex", lambda: X.to(torch.complex64), None, ("real",)),
    ("bool", lambda: X > 0, None, ("bool",)),
    ("numpy object", lambda: X.numpy().astype(object), None, ("object", "dtype")),
    ("numpy strings", lambda: X.numpy().astype(str), None, ("inputs", "dtype", "number")),
    ("nested lists", lambda: X.tolist(), None, ("inputs",)),
    ("python scalar", lambda: 5.0, None, ("inputs",)),
    ("None", lambda: None, None, ("inputs",)),
    ("string", lambda: "signal", None, ("inputs",)),
    ("dict", lambda: {"x": X}, None, ("inputs",)),
    ("3 channels for a 2-channel model", lambda: _x(channels=3), None, ("channel",)),
    ("float64 beyond float32", lambda: X.double() * 1e300, None, ("float32",)),
    ("meta tensor", lambda: torch.empty(B, C, LENGTH, device="meta"), None, ("meta", "device")),
    ("list holding the batch", lambda: [X], None, ("inputs[0]", "channels, length")),
    ("ragged, empty list", lambda: [], None, ("empty",)),
    ("ragged, 1-D series", lambda: [X[0, 0], X[1, 0, :40]], None, ("inputs[0]", "channels")),
    ("ragged, channel counts differ", lambda: [X[0], X[1, :1, :40]], None, ("channels",)),
    ("ragged, numpy and tensor mixed", lambda: [X[0], X[1, :, :40].numpy()], None, ("mix",)),
    # valid but unusual
    ("float64 tensor", lambda: X.double(), "float64", ()),
    ("float16 tensor", lambda: X.half(), "float16", ()),
    ("numpy float32", lambda: X.numpy(), "numpy32", ()),
    ("numpy float64", lambda: X.double().numpy(), "numpy64", ()),
    ("int tensor", lambda: (X * 10).round().long(), "int", ()),
    ("non-contiguous", lambda: X.transpose(1, 2).contiguous().transpose(1, 2), "equal", ()),
    ("requires_grad", lambda: X.clone().requires_grad_(), "equal", ()),
    ("odd length 63", lambda: X[..., :63], "len63", ()),
    ("short length 24", lambda: X[..., :24], "len24", ("length", "n_fft", "level")),
    ("ragged tensors", lambda: [X[0], X[1, :, :48]], "ragged", ()),
    ("ragged numpy", lambda: [X[0].numpy(), X[1, :, :48].numpy()], "ragged-np", ()),
    ("ragged tuple", lambda: (X[0], X[1, :, :48]), "ragged", ()),
]


def _input_check(method: str, dname: str, expect: str, make: Callable[[], Any]):
    f = fast(method)
    batch_invariant = method != "random"

    def alone(series, target):
        return fast_explainer(method, MODEL, domain=make_domain(dname)).attribute(
            series[None], target=int(target), **f)

    if expect == "float64":
        return both(shaped(out_shape(method, dname), kind=torch.Tensor, dtype=torch.float64),
                    same_as(ref(method, dname), rtol=1e-3, atol=1e-4))
    if expect == "float16":
        return shaped(out_shape(method, dname), kind=torch.Tensor, dtype=torch.float16)
    if expect == "numpy32":
        return both(shaped(out_shape(method, dname), kind=np.ndarray, dtype=np.float32),
                    same_as(ref(method, dname)))
    if expect == "numpy64":
        return both(shaped(out_shape(method, dname), kind=np.ndarray, dtype=np.float64),
                    same_as(ref(method, dname), rtol=1e-3, atol=1e-4))
    if expect == "int":
        xi = (X * 10).round()
        return lambda r: same_as(fast_explainer(method, MODEL, domain=make_domain(dname)).attribute(
            xi, **f))(r)
    if expect == "equal":
        return lambda r: same_as(ref(method, dname))(r)
    if expect == "len63":
        return shaped(out_shape(method, dname, length=63))
    if expect == "len24":
        return shaped(out_shape(method, dname, length=24))
    if expect in ("ragged", "ragged-np"):
        kind = np.ndarray if expect == "ragged-np" else torch.Tensor

        def check(result):
            if not isinstance(result, list) or len(result) != 2:
                return f"expected a list of 2 results, got {describe(result)}"
            for i, (r, n) in enumerate(zip(result, (LENGTH, 48), strict=True)):
                if not isinstance(r, kind):
                    return f"result[{i}] is {type(r).__name__}"
                want = coeff_shape(dname, n)
                if tuple(r.shape[1:]) != want:
                    return f"result[{i}] shape {tuple(r.shape)}, expected (*, {want})"
                if not np.isfinite(_np(r)).all():
                    return f"result[{i}] has NaN/Inf"
            if batch_invariant:
                series = [X[0], X[1, :, :48]]
                with torch.no_grad():
                    t = [int(MODEL(s[None]).argmax()) for s in series]
                for i, s in enumerate(series):
                    problem = same_as(alone(s, t[i])[0])(_np(result[i]))
                    if problem:
                        return f"result[{i}] is not the series explained alone: {problem}"
            return None
        return check
    raise AssertionError(expect)


def explainer_input_cases() -> list[Case]:
    cases = []
    for method in list_explainers():
        f = fast(method)
        for dname in list_domains():
            if unsupported_domain(method, dname):
                continue  # (one refusal, in explainer_option_cases)
            for label, make, expect, frags in INPUTS:
                cid = f"{method}/{dname}/inputs={label}"

                def call(m=method, d=dname, mk=make, f=f):
                    return fast_explainer(m, MODEL, domain=make_domain(d)).attribute(mk(), **f)

                if expect is None:
                    cases.append(Case("explainers", cid, call, frags))
                else:
                    cases.append(Case("explainers", cid, call, frags or ("inputs",),
                                      check=_lazy(lambda m=method, d=dname, e=expect, mk=make:
                                                  _input_check(m, d, e, mk)),
                                      either=expect == "len24"))
            # the caller's tensor is left as it was
            cases.append(Case("explainers", f"{method}/{dname}/inputs=requires_grad left unchanged",
                              lambda m=method, d=dname: _unchanged_input(m, d), (),
                              check=lambda r: r))
            # ragged targets
            two = [X[0], X[1, :, :48]]
            cases.append(Case("explainers", f"{method}/{dname}/ragged target of wrong length",
                              lambda m=method, d=dname, s=two, f=f: fast_explainer(
                                  m, MODEL, domain=make_domain(d)).attribute(s, target=[0, 1, 2], **f),
                              ("target",)))
            cases.append(Case("explainers", f"{method}/{dname}/ragged target per series",
                              lambda m=method, d=dname, s=two, f=f: fast_explainer(
                                  m, MODEL, domain=make_domain(d)).attribute(s, target=[0, 1], **f),
                              check=lambda r: None if isinstance(r, list) and len(r) == 2
                              else f"got {describe(r)}"))
    return cases


def _lazy(make_check: Callable[[], Callable[[Any], str | None]]) -> Callable[[Any], str | None]:
    """A check built when first used (it may compute references)."""
    return lambda result: make_check()(result)


def _unchanged_input(method: str, dname: str) -> str | None:
    x = X.clone().requires_grad_()
    before = x.detach().clone()
    fast_explainer(method, MODEL, domain=make_domain(dname)).attribute(x, **fast(method))
    if x.grad is not None:
        return "left a .grad on the caller's input"
    if not torch.equal(x.detach(), before):
        return "changed the caller's input"
    return None


TARGETS: list[tuple[str, Any, str | None, tuple[str, ...]]] = [
    ("None", None, "equal", ()),
    ("int", "PRED0", "equal-all0", ()),
    ("np.int64", "NP_PRED0", "equal-all0", ()),
    ("list", "PRED_LIST", "equal", ()),
    ("tensor", "PRED", "equal", ()),
    ("int32 tensor", "PRED_INT32", "equal", ()),
    ("numpy array", "PRED_NP", "equal", ()),
    ("0-d tensor", "PRED0_T", "equal-all0", ()),
    ("column array (2, 1)", "PRED_COL", "equal", ()),
    ("one-element list", "PRED0_LIST", "equal-all0", ()),
    ("negative", -1, None, ("target",)),
    ("n_classes", N_CLASSES, None, ("target",)),
    ("huge int", 10**20, None, ("target",)),
    ("float", 1.0, None, ("target",)),
    ("np.float64", np.float64(1.0), None, ("target",)),
    ("bool", True, None, ("target",)),
    ("np.bool_", np.bool_(True), None, ("target",)),
    ("string", "1", None, ("target",)),
    ("class name", "cat", None, ("target",)),
    ("list too long", [0, 1, 2], None, ("target",)),
    ("float list", [0.0, 1.0], None, ("target",)),
    ("list with None", [0, None], None, ("target",)),
    ("dict", {"a": 1}, None, ("target",)),
    ("float tensor", torch.tensor([0.5, 1.0]), None, ("target",)),
    ("bool tensor", torch.tensor([True, False]), None, ("target",)),
    ("string array", np.array(["a", "b"]), None, ("target",)),
    ("2x2 tensor", torch.tensor([[0, 1], [1, 0]]), None, ("target",)),
    ("out-of-range entry", [0, 5], None, ("target",)),
    ("negative entry", [0, -1], None, ("target",)),
    ("one-hot rows", torch.eye(N_CLASSES)[:B], None, ("target",)),
]


def _target_value(value: Any) -> Any:
    table = {"PRED0": int(PRED[0]), "NP_PRED0": np.int64(PRED[0]), "PRED_LIST": PRED.tolist(),
             "PRED": PRED, "PRED_INT32": PRED.int(), "PRED_NP": PRED.numpy(),
             "PRED0_T": PRED[0].clone(), "PRED_COL": PRED.numpy()[:, None],
             "PRED0_LIST": [int(PRED[0])]}
    return table.get(value, value) if isinstance(value, str) else value


def explainer_target_cases() -> list[Case]:
    cases = []
    for method in list_explainers():
        f = fast(method)
        for dname in list_domains():
            if unsupported_domain(method, dname):
                continue  # (one refusal, in explainer_option_cases)
            if dname not in ("fft", "stft") and method not in ("freqrise", "lrp"):
                continue  # targets are validated in one place; two domains per method suffice
            for label, value, expect, frags in TARGETS:
                cid = f"{method}/{dname}/target={label}"

                def call(m=method, d=dname, v=value, f=f):
                    return fast_explainer(m, MODEL, domain=make_domain(d)).attribute(
                        X, target=_target_value(v), **f)

                if expect is None:
                    cases.append(Case("explainers", cid, call, frags))
                elif expect == "equal":
                    cases.append(Case("explainers", cid, call, ("target",),
                                      check=lambda r, m=method, d=dname: same_as(ref(m, d))(r)))
                else:  # one class for every input
                    cases.append(Case(
                        "explainers", cid, call, ("target",),
                        check=lambda r, m=method, d=dname: same_as(fast_explainer(
                            m, MODEL, domain=make_domain(d)).attribute(
                            X, target=torch.full((B,), int(PRED[0])), **fast(m)))(r)))
    return cases


def _sk_estimator():
    from sklearn.linear_model import LogisticRegression

    g = np.random.default_rng(0)
    Xtr = g.standard_normal((30, C, LENGTH))
    ytr = np.arange(30) % N_CLASSES
    return LogisticRegression(max_iter=200).fit(Xtr.reshape(30, -1), ytr)


MODELS: list[tuple[str, Callable[[], Any], str, tuple[str, ...]]] = [
    # (label, model, expectation, fragments): refuse / refuse-gradients / ok / ok-forward-only /
    # probabilities / train / float64 / either
    ("returns a tuple", lambda: Returns("tuple"), "refuse", ("tuple",)),
    ("returns a list", lambda: Returns("list"), "refuse", ("list",)),
    ("returns a dict", lambda: Returns("dict"), "refuse", ("dict",)),
    ("returns numpy", lambda: Returns("numpy"), "refuse", ("numpy",)),
    ("returns None", lambda: Returns("none"), "refuse", ("NoneType", "returned")),
    ("returns (batch,)", lambda: Returns("1d"), "refuse", ("batch, n_classes",)),
    ("returns (batch, classes, 1)", lambda: Returns("3d"), "refuse", ("batch, n_classes",)),
    ("returns one row", lambda: Returns("first-row"), "refuse", ("batch",)),
    ("returns integers", lambda: Returns("int"), "refuse", ("floating",)),
    ("returns NaN", lambda: Returns("nan"), "refuse", ("NaN",)),
    ("returns Inf", lambda: Returns("inf"), "refuse", ("Inf",)),
    ("one output", lambda: CNN(n_out=1), "refuse", ("one output", "BinaryClassifier")),
    ("wrong channel count", lambda: CNN(channels=3), "refuse", ("channel",)),
    ("meta device", lambda: _meta_cnn(), "refuse", ("meta",)),
    ("None", lambda: None, "refuse-model", ("model", "nn.Module")),
    ("a file name", lambda: "model.pt", "refuse-model", ("model", "load_model", "nn.Module")),
    ("an int", lambda: 5, "refuse-model", ("model", "nn.Module")),
    ("the class, not an instance", lambda: CNN, "refuse-model", ("class", "instance", "nn.Module")),
    ("a (batch, time) Linear", lambda: nn.Sequential(nn.Linear(LENGTH, N_CLASSES)), "refuse",
     ("batch, n_classes",)),
    ("ignores its input", lambda: Returns("constant"), "refuse-gradients", ("gradient",)),
    ("no_grad inside", lambda: Returns("no_grad"), "refuse-gradients", ("gradient",)),
    ("numpy inside", lambda: Returns("numpy-inside"), "refuse-gradients", ("gradient",)),
    ("a sklearn estimator", lambda: _sk_estimator(), "refuse-gradients", ("gradient",)),
    ("a bound predict_proba", lambda: _sk_estimator().predict_proba, "refuse-gradients",
     ("gradient",)),
    ("a bound predict (labels)", lambda: _sk_estimator().predict, "refuse", ("numpy", "labels",
                                                                               "nn.Module")),
    ("final softmax", lambda: CNN(softmax=True), "probabilities", ("probabilit",)),
    ("train mode with dropout", lambda: CNN(dropout=0.5).train(), "train", ()),
    ("float64 model", lambda: CNN().double().eval(), "float64", ()),
    ("TorchScript", lambda: torch.jit.script(CNN().eval()), "either", ("TorchScript",)),
    ("a lambda", lambda: (lambda v: MODEL(v)), "either", ("nn.Module",)),
    ("BinaryClassifier", lambda: freqxai.BinaryClassifier(CNN(n_out=1)), "ok", ()),
]


def _meta_cnn():
    with torch.device("meta"):
        return CNN()


def _model_check(method: str, dname: str, expect: str, make: Callable[[], Any]):
    shape = out_shape(method, dname)
    if expect == "train":
        def check(result):
            got, still_training = result
            if not still_training:
                return "the model was left in eval mode"
            want = fast_explainer(method, make().eval(), domain=make_domain(dname)).attribute(
                X, **fast(method))
            return same_as(want)(got)
        return check
    if expect == "float64":
        return both(shaped(shape, kind=torch.Tensor, dtype=torch.float32),
                    same_as(ref(method, dname), rtol=1e-3, atol=1e-4))
    return shaped(shape)


def explainer_model_cases() -> list[Case]:
    cases = []
    for method in list_explainers():
        cls = explainer_class(method)
        f = fast(method)
        for dname in list_domains():
            if unsupported_domain(method, dname):
                continue  # (one refusal, in explainer_option_cases)
            for label, make, expect, frags in MODELS:
                if dname != "fft" and expect not in ("probabilities", "train", "float64", "refuse-gradients"):
                    continue
                cid = f"{method}/{dname}/model={label}"

                def call(m=method, d=dname, mk=make, train=expect == "train", f=f):
                    model = mk()
                    out = fast_explainer(m, model, domain=make_domain(d)).attribute(X, **f)
                    return (out, model.training) if train else out

                needs_model = cls.needs_model
                grads = cls.needs_gradients or getattr(cls, "needs_modules", False)
                if not needs_model and expect != "refuse-model":
                    # model-free references: a given model is validated only for targets
                    expect_here = "shape-or-refuse"
                elif expect == "refuse-gradients":
                    expect_here = "refuse" if grads else "ok"
                elif expect == "refuse-model":  # model-free references: None is fine
                    expect_here = "refuse" if needs_model else (
                        "ok" if label == "None" else "shape-or-refuse")
                else:
                    expect_here = expect
                if expect_here == "refuse":
                    cases.append(Case("explainers", cid, call, frags))
                elif expect_here == "shape-or-refuse":
                    cases.append(Case("explainers", cid, call, frags or ("model",),
                                      check=shaped(out_shape(method, dname)), either=True))
                elif expect_here == "probabilities":
                    either = method == "lrp"  # a softmax layer has no LRP rule
                    cases.append(Case("explainers", cid, call, ("softmax", "probabilit", "rule"),
                                      check=shaped(out_shape(method, dname)), either=either,
                                      warns="probabilit" if cls.reads_probabilities else None))
                elif expect_here == "either":
                    cases.append(Case("explainers", cid, call, frags,
                                      check=shaped(out_shape(method, dname)), either=True))
                else:
                    cases.append(Case("explainers", cid, call, frags or ("model",),
                                      check=_lazy(lambda m=method, d=dname, e=expect_here, mk=make:
                                                  _model_check(m, d, e, mk))))
    return cases


def explainer_construction_cases() -> list[Case]:
    cases = []
    for method in list_explainers():
        for label, dom, frags in [
            ("unknown name", "dft", ("domain",)), ("int", 5, ("domain",)), ("None", None, ("domain",)),
            ("the class Fourier", freqxai.Fourier, ("domain", "instance", "Fourier()")),
            ("duck-typed object", object(), ("domain",)),
            ("STFT longer than the signal", STFT(n_fft=128), ("n_fft", "length")),
            ("wavelet level too deep", Wavelet("db2", level=9), ("level",)),
        ]:
            cases.append(Case("explainers", f"{method}/construct domain={label}",
                              lambda m=method, d=dom: fast_explainer(m, MODEL, domain=d).attribute(
                                  X, **fast(m)), frags))
        for label, dom in [("upper case 'FFT'", "FFT"), ("alias 'rfft'", "rfft")]:
            cases.append(Case("explainers", f"{method}/construct domain={label}",
                              lambda m=method, d=dom: fast_explainer(m, MODEL, domain=d).attribute(
                                  X, **fast(m)), ("domain",),
                              check=lambda r, m=method: same_as(ref(m, "fft"))(r)))
        cases.append(Case("explainers", f"{method}/construct unknown setting",
                          lambda m=method: get_explainer(m, MODEL, domain="fft", bogus=1), ("bogus",)))
        cases.append(Case("explainers", f"{method}/construct attribute option n_steps=4 at init",
                          lambda m=method: get_explainer(m, MODEL, domain="fft", n_steps=4), ("n_steps",)))
    cases.append(Case("explainers", "get_explainer unknown name", lambda: get_explainer("shap", MODEL),
                      ("shap",)))
    cases.append(Case("explainers", "get_explainer name None", lambda: get_explainer(None, MODEL),
                      ("explainer",)))
    cases.append(Case("explainers", "get_explainer upper-case name",
                      lambda: get_explainer("FREQRISE", MODEL, **fast_settings("freqrise")).attribute(
                          X, **fast("freqrise")),
                      ("explainer",), check=lambda r: same_as(ref("freqrise", "fft"))(r)))
    cases.append(Case("explainers", "FreqRISE design=antithetic with p_keep=0.3",
                      lambda: freqxai.FreqRISE(MODEL, **fast_settings("freqrise"), design="antithetic",
                                               p_keep=0.3).attribute(X, **fast("freqrise")),
                      ("antithetic", "p_keep")))
    cases.append(Case("explainers", "FreqRISE use_softmax contradicts output",
                      lambda: freqxai.FreqRISE(MODEL, **fast_settings("freqrise"), use_softmax=False,
                                               output="softmax").attribute(X, **fast("freqrise")),
                      ("use_softmax",)))
    cases.append(Case("explainers", "FLEX representation=real_imag in the time domain",
                      lambda: freqxai.FLEX(MODEL, "time", representation="real_imag").attribute(X, n_steps=4),
                      ("real", "representation")))
    cases.append(Case("explainers", "FLEX additional_forward_args to a model that takes them",
                      lambda: freqxai.FLEX(TakesExtra().eval()).attribute(
                          X, n_steps=4, additional_forward_args=(1.0,)), (),
                      check=lambda r: same_as(ref("flex", "fft"))(r)))
    cases.append(Case("explainers", "FLEX return_convergence_delta=True",
                      lambda: freqxai.FLEX(MODEL).attribute(X, n_steps=4, return_convergence_delta=True),
                      (), check=lambda r: None if isinstance(r, tuple) and len(r) == 2
                      and tuple(r[1].shape) == (B,) else f"got {describe(r)}"))
    cases.append(Case("explainers", "InDomain (deprecated) still works, with a warning",
                      lambda: freqxai.InDomain(freqxai.Saliency(MODEL), "fft").attribute(X), (),
                      check=lambda r: same_as(ref("saliency", "fft"))(r), warns="deprecated"))
    cases.append(Case("explainers", "LRP canonizers with a Composite instance",
                      lambda: freqxai.LRP(MODEL, composite=_resolve_value(_P("COMPOSITE_INSTANCE"), "fft"),
                                          canonizers=[]), ("canonizers",)))
    cases.append(Case("explainers", "LRP strict=False on a model with an unknown layer",
                      lambda: freqxai.LRP(nn.Sequential(CNN(), _Odd()), strict=False).attribute(X),
                      ("rule",), check=shaped((B, C, LENGTH)), warns="rule"))
    cases.append(Case("explainers", "LRP on a model with an unknown parametrised layer",
                      lambda: freqxai.LRP(nn.Sequential(CNN(), _Odd())).attribute(X), ("rule", "_Odd")))
    cases.append(Case("explainers", "FreqRISE n_masks='auto' on noise warns",
                      lambda: freqxai.FreqRISE(Returns("constant"), n_masks="auto", max_masks=64,
                                               batch_size=32).attribute(X, seed=0), ("max_masks",),
                      check=shaped((B, 1, LENGTH // 2 + 1)), warns="max_masks"))
    cases.append(Case("explainers", "FreqRISE on a model that ignores its input warns noise",
                      lambda: freqxai.FreqRISE(Returns("constant"), n_masks=32).attribute(X, seed=0),
                      (), check=shaped((B, 1, LENGTH // 2 + 1)), warns="noise"))
    cases.append(Case("explainers", "IntegratedGradientsTime (deprecated) warns",
                      lambda: freqxai.IntegratedGradientsTime(MODEL).attribute(X, n_steps=4), (),
                      check=shaped((B, C, LENGTH)), warns="deprecated"))
    cases.append(Case("explainers", "one domain object shared FreqRISE -> FLEX -> LRP (stft)",
                      lambda: _shared_domain(STFT(n_fft=16, hop_length=4)), (), check=lambda r: r))
    cases.append(Case("explainers", "one domain object shared FreqRISE -> FLEX -> LRP (wavelet)",
                      lambda: _shared_domain(Wavelet("db2")), (), check=lambda r: r))
    return cases


class _Odd(nn.Module):
    """A parametrised layer without an LRP rule."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(N_CLASSES))

    def forward(self, x):
        return x * self.w


def _shared_domain(domain) -> str | None:
    a = fast_explainer("freqrise", MODEL, domain=domain).attribute(X, **fast("freqrise"))
    b = get_explainer("flex", MODEL, domain=domain).attribute(X, n_steps=4)
    c = get_explainer("lrp", MODEL, domain=domain).attribute(X)
    fresh = type(domain)(**{k: getattr(domain, k) for k in ("n_fft", "hop_length", "wavelet", "level")
                            if hasattr(domain, k)})
    for got, m, opts in ((a, "freqrise", fast("freqrise")), (b, "flex", {"n_steps": 4}), (c, "lrp", {})):
        want = fast_explainer(m, MODEL, domain=fresh).attribute(X, **opts)
        problem = same_as(want)(got)
        if problem:
            return f"{m} with a shared domain: {problem}"
    return None


# ------------------------------------------------------------------------------------------------
# metrics
# ------------------------------------------------------------------------------------------------

def _amp(dname: str, x=None):
    return get_explainer("amplitude", None, domain=make_domain(dname)).attribute(X if x is None else x)


def _truth(dname: str) -> list[list[int]]:
    n = len(make_domain(dname).profile_frequencies(LENGTH) if make_domain(dname).frequency_axis(LENGTH)
            is not None else [0])
    return [[1], [min(2, n - 1)]]


def metric_cases() -> list[Case]:
    cases = []
    for mname in list_metrics():
        mcls = metric_class(mname)
        for dname in list_domains():
            dom = make_domain(dname)
            has_freq = dom.frequency_axis(LENGTH) is not None
            if mcls.needs_ground_truth and not has_freq:
                cases.append(Case("metrics", f"{mname}/{dname}/domain without frequency axis",
                                  lambda m=mname, d=dname: get_metric(m)(
                                      MODEL, X, _amp(d), None, domain=make_domain(d),
                                      ground_truth=_truth("fft")), ("frequency axis",)))
                continue

            def score(rel=_DEFAULT, *, m=mname, d=dname, x=_DEFAULT, target=None, gt=_DEFAULT,
                      model=MODEL, domain=_DEFAULT, **settings):
                if getattr(metric_class(m), "needs_explainer", False):
                    settings.setdefault("explainer", get_explainer(
                        "gxi", MODEL if model is MODEL or not callable(model) else model,
                        domain=make_domain(d)))
                    settings.setdefault("n_perturbations", 2)
                metric = get_metric(m, **settings)
                return metric(model, X if x is _DEFAULT else x, _amp(d) if rel is _DEFAULT else rel,
                              target, domain=make_domain(d) if domain is _DEFAULT else domain,
                              ground_truth=_truth(d) if gt is _DEFAULT else gt)

            rel = _amp(dname)
            ok = _lazy(lambda s=score: both(shaped((B,), kind=np.ndarray), same_as(_cached(s)))
                       )
            near = _lazy(lambda s=score: both(shaped((B,), kind=np.ndarray),
                                              same_as(_cached(s), rtol=1e-2, atol=1e-3)))
            rel_bad = [
                ("NaN", lambda r=rel: r.masked_fill(r > r.mean(), NAN), ("NaN",)),
                ("Inf", lambda r=rel: r.masked_fill(r > r.mean(), INF), ("Inf",)),
                ("batch of 1", lambda r=rel: r[:1], ("samples", "batch", "relevance")),
                ("complex", lambda r=rel: r.to(torch.complex64), ("real",)),
                ("bool", lambda r=rel: r > 0, ("real", "bool")),
                ("object array", lambda r=rel: r.numpy().astype(object), ("real", "dtype")),
                ("nested lists", lambda r=rel: r.tolist(), ("relevance",)),
                ("None", lambda: None, ("relevance",)),
                ("1-D", lambda r=rel: r[0, 0], ("relevance", "shape")),
                ("empty", lambda r=rel: r[..., :0], ("empty", "relevance")),
                ("string", lambda: "relevance", ("relevance",)),
            ]
            for label, make, frags in rel_bad:
                if label == "None" and getattr(mcls, "needs_explainer", False):
                    continue  # optional for metrics that explain again (below)
                cases.append(Case("metrics", f"{mname}/{dname}/relevance={label}",
                                  lambda mk=make, s=score: s(mk()), frags))
            # relevance that does not fit the domain's coefficients
            fit_bad = [("one coefficient short", lambda r=rel: r[..., :-1]),
                       ("3 channels for 2-channel inputs", lambda r=rel: torch.cat([r, r[:, :1]], 1)),
                       ("relevance of another domain",  # (time and wavelet share a shape here)
                        lambda d=dname: _amp("stft" if d == "fft" else "fft"))]
            explains = getattr(mcls, "needs_explainer", False)  # re-explains: relevance optional
            for label, make in fit_bad:
                case = Case("metrics", f"{mname}/{dname}/relevance={label}",
                            lambda mk=make, s=score: s(mk()), ("relevance", "shape", "coefficient"))
                if explains or not (mcls.needs_model or mcls.needs_ground_truth):
                    # the coefficients are not read (entropy of any array; a re-explained input)
                    case.check, case.either = _scores_shape, True
                cases.append(case)
            if explains:
                cases.append(Case("metrics", f"{mname}/{dname}/relevance=None (optional here)",
                                  lambda s=score: s(None), ("relevance",), check=_scores_shape))
            # valid variants
            valid = [("numpy relevance", lambda r=rel: r.numpy(), ok),
                     ("float16 relevance", lambda r=rel: r.half(), near),
                     ("float64 relevance", lambda r=rel: r.double(), ok),
                     ("channel-summed relevance", lambda r=rel: r.sum(1, keepdim=True),
                      shaped((B,), kind=np.ndarray))]
            for label, make, check in valid:
                cases.append(Case("metrics", f"{mname}/{dname}/relevance={label}",
                                  lambda mk=make, s=score: s(mk()), ("relevance",), check=check))
            cases.append(Case("metrics", f"{mname}/{dname}/numpy inputs",
                              lambda s=score: s(x=X.numpy()), ("inputs",), check=ok))
            # constant relevance ranks nothing above anything (metrics that rank coefficients):
            # clear when a warning (or a refusal) names it. A constant map is a real explainer
            # output (all-negative evidence clipped to zero), so the score of the position order
            # is kept with the warning: NaN would drop exactly the inputs a method failed on
            # from the runner's means (which keep finite values), and raising would end a run.
            ranks = mcls.needs_ground_truth or mname.startswith(("deletion", "insertion"))
            cases.append(Case("metrics", f"{mname}/{dname}/relevance all zero",
                              lambda r=rel, s=score: s(torch.zeros_like(r)),
                              ("constant",) if ranks else ("constant", "zero", "rank", "ties"),
                              check=None if ranks else _scores_shape))
            if mcls.needs_model or getattr(mcls, "needs_explainer", False):
                for label, value, frags in [("negative", -1, ("target",)), ("float", 1.0, ("target",)),
                                            ("too many", [0, 1, 2], ("target",)),
                                            ("string", "cat", ("target",)),
                                            ("out of range", N_CLASSES, ("target",))]:
                    cases.append(Case("metrics", f"{mname}/{dname}/target={label}",
                                      lambda v=value, s=score: s(target=v), frags))
                cases.append(Case("metrics", f"{mname}/{dname}/target=predicted as list",
                                  lambda s=score: s(target=PRED.tolist()), ("target",), check=ok))
                for label, x, frags in [("NaN", X.masked_fill(X > 1, NAN), ("NaN",)),
                                        ("rank 2", X[:, 0], ("inputs", "shape")),
                                        ("None", None, ("inputs",)),
                                        ("length 32", X[..., :32], ("relevance", "shape", "coefficient")),
                                        ("3 channels", _x(channels=3), ("channel",))]:
                    case = Case("metrics", f"{mname}/{dname}/inputs={label}",
                                lambda v=x, s=score: s(x=v), frags)
                    if explains and label == "length 32":  # the relevance's coefficients are not read
                        case.check, case.either = _scores_shape, True
                    cases.append(case)
            if mcls.needs_model:
                for label, model, frags in [("None", None, ("model",)),
                                            ("returns a tuple", Returns("tuple"), ("tuple",)),
                                            ("one output", CNN(n_out=1), ("one output",)),
                                            ("returns NaN", Returns("nan"), ("NaN",))]:
                    cases.append(Case("metrics", f"{mname}/{dname}/model={label}",
                                      lambda mo=model, s=score: s(model=mo), frags))
                cases.append(Case("metrics", f"{mname}/{dname}/model=final softmax",
                                  lambda s=score: s(model=CNN(softmax=True)), ("probabilit",),
                                  check=_scores_shape if explains else ok,
                                  warns=None if explains else "probabilit"))
                cases.append(Case("metrics", f"{mname}/{dname}/model=train mode",
                                  lambda s=score: s(model=CNN(dropout=0.5).train()), ("model",),
                                  check=shaped((B,), kind=np.ndarray)))
            cases += metric_setting_cases(mname, dname, score, ok)
            if mcls.needs_ground_truth:
                gt_bad = [("None", None, ("ground_truth",)),
                          ("one entry for 2 inputs", [[1]], ("ground_truth", "entries", "samples")),
                          ("index out of range", [[1], [500]], ("outside", "ground_truth")),
                          ("negative index", [[1], [-1]], ("outside", "ground_truth")),
                          ("float indices", [[1.0], [2.0]], ("integer", "ground_truth")),
                          ("strings", [["a"], ["b"]], ("integer", "ground_truth")),
                          ("a string", "12", ("ground_truth",)),
                          ("an int", 3, ("ground_truth",)),
                          ("bool masks", [[True, False], [False, True]], ("integer", "ground_truth"))]
                for label, gt, frags in gt_bad:
                    cases.append(Case("metrics", f"{mname}/{dname}/ground_truth={label}",
                                      lambda g=gt, s=score: s(gt=g), frags))
                for label, gt in [("2-D int array", np.array(_truth(dname))),
                                  ("flat list of ints", [t[0] for t in _truth(dname)]),
                                  ("tensor", torch.tensor(_truth(dname)))]:
                    cases.append(Case("metrics", f"{mname}/{dname}/ground_truth={label}",
                                      lambda g=gt, s=score: s(gt=g), ("ground_truth",), check=ok))
            for label, dom_bad, frags in [("unknown name", "dft", ("domain",)), ("int", 5, ("domain",))]:
                cases.append(Case("metrics", f"{mname}/{dname}/domain={label}",
                                  lambda v=dom_bad, s=score: s(domain=v), frags))
        cases.append(Case("metrics", f"{mname}/unknown setting",
                          lambda m=mname: get_metric(m, bogus=1), ("bogus",)))
    cases += [
        Case("metrics", "get_metric unknown name", lambda: get_metric("accuracy"), ("accuracy",)),
        Case("metrics", "perturbation_curves mode=bogus", lambda: _curves(mode="bogus"), ("mode",)),
        Case("metrics", "perturbation_curves valid", lambda: _curves(), (),
             check=shaped((B, 20), kind=np.ndarray)),
        Case("metrics", "area_under_curve fewer points than fractions",
             lambda: _metrics_mod().area_under_curve(np.ones((2, 3)), [0.0, 0.5]), ("points", "fractions")),
        Case("metrics", "area_under_curve NaN curve",
             lambda: _metrics_mod().area_under_curve(np.full((2, 2), NAN), [0.0, 0.5]), ("NaN", "curves")),
        Case("metrics", "complexity of 1-D relevance",
             lambda: _metrics_mod().complexity(np.ones(5)), ("relevance", "shape")),
        Case("metrics", "relevance_rank_accuracy ground truth a string",
             lambda: _metrics_mod().relevance_rank_accuracy(np.eye(2, 5), "01"), ("ground_truth",)),
        Case("metrics", "threshold rule 'median'",
             lambda: _metrics_mod().threshold(np.ones((2, 5)), "median"), ("rule",)),
        Case("metrics", "threshold rule 1.5",
             lambda: _metrics_mod().threshold(np.ones((2, 5)), 1.5), ("rule",)),
        Case("metrics", "threshold rule NaN",
             lambda: _metrics_mod().threshold(np.ones((2, 5)), NAN), ("rule",)),
        Case("metrics", "threshold rule np.float32(0.5)",
             lambda: _metrics_mod().threshold(np.arange(10.0).reshape(2, 5), np.float32(0.5)), ("rule",),
             check=same_as(_metrics_mod().threshold(np.arange(10.0).reshape(2, 5), 0.5))),
        Case("metrics", "threshold of NaN relevance",
             lambda: _metrics_mod().threshold(np.full((2, 5), NAN), "mean"), ("NaN", "relevance")),
        Case("metrics", "postprocess rule True",
             lambda: _metrics_mod().postprocess(np.ones((2, 5)), rule=True), ("rule",)),
        Case("metrics", "to_quantus relevance of the wrong shape",
             lambda: _metrics_mod().to_quantus(MODEL, X, torch.rand(B, 1, 7), "fft"), ("relevance", "shape")),
        Case("metrics", "to_quantus NaN relevance",
             lambda: _metrics_mod().to_quantus(MODEL, X, torch.full((B, 1, 33), NAN), "fft"), ("NaN",)),
        Case("metrics", "to_quantus valid", lambda: _metrics_mod().to_quantus(MODEL, X, _amp("fft"), "fft")[2],
             (), check=shaped((B, 2 * C, 33), kind=np.ndarray)),
    ]
    return cases


def _scores_shape(out: Any) -> str | None:
    """One score per input (NaN allowed: documented for inputs without a score)."""
    if not isinstance(out, np.ndarray) or out.shape != (B,):
        return f"expected one score per input, got {describe(out)}"
    return None


def metric_setting_cases(mname: str, dname: str, score: Callable[..., Any], ok) -> list[Case]:
    """Bad values of every setting of the metric's constructor (read with inspect)."""
    params = {n: p for n, p in inspect.signature(metric_class(mname).__init__).parameters.items()
              if n not in ("self", "domain", "explainer", "explain_options")
              and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)}
    cases = []
    for name, param in params.items():
        if name == "fractions":
            values = [(lbl, v, "refuse") for lbl, v in [
                ("unsorted", [0.5, 0.1, 0.9]), ("above 1", [0.0, 1.5]), ("negative", [-0.1, 0.5]),
                ("one point", [0.5]), ("NaN", [0.0, NAN]), ("string", "0.1,0.5"), ("2-D", [[0.0, 0.5]]),
                ("empty", []), ("repeated", [0.0, 0.5, 0.5])]]
            values.append(("numpy array", np.arange(0, 1.0, 0.05), "equal"))
        elif name == "fraction":
            values = [(lbl, v, "refuse") for lbl, v in FRACTION_BAD if lbl not in ("zero", "one")]
            values.append(("np.float32", np.float32(param.default), "equal"))
        else:
            # (the tour's calls use 2 perturbations, see score())
            base = 2 if name == "n_perturbations" else param.default
            values = option_cases("", name, param, where="init", base=base)
        for label, value, expect in values:
            cid = f"{mname}/{dname}/{name}={label}"

            def call(n=name, v=value, sc=score):
                return sc(**{n: v})

            if expect.startswith("refuse"):
                cases.append(Case("metrics", cid, call, (name,)))
            elif expect == "equal":
                cases.append(Case("metrics", cid, call, (name,), check=ok))
            else:
                cases.append(Case("metrics", cid, call, (name,), check=shaped((B,), kind=np.ndarray),
                                  either=expect == "either"))
    return cases


_DEFAULT = object()  # "not given" (None is a value under test)
_SCORES: dict[Any, Any] = {}


def _cached(score: Callable[[], Any]) -> Any:
    """The metric's score with every argument at its default (the reference), computed once."""
    if score not in _SCORES:
        _SCORES[score] = score()
    return _SCORES[score]


def _metrics_mod():
    import freqxai.metrics as m

    return m


def _curves(**kw):
    from freqxai.metrics import perturbation_curves

    return perturbation_curves(MODEL, X, _amp("fft"), **kw)


# ------------------------------------------------------------------------------------------------
# domains
# ------------------------------------------------------------------------------------------------

def domain_cases() -> list[Case]:
    cases = []

    def stft(**kw):
        return lambda: STFT(**kw)

    for name, bads in {
        "n_fft": [-1, 0, 1, 2.5, "16", True, None, NAN],
        "hop_length": [0, -1, 2.5, "4", True, 17],
        "win_length": [0, 17, 2.5, "8", True],
        "window": ["hanning", "HANN", None, 5, "TENSOR"],
        "center": ["yes", 1, None],
    }.items():
        for v in bads:
            value = torch.hann_window(16) if v == "TENSOR" else v
            label = "a window tensor" if v == "TENSOR" else repr(v)
            cases.append(Case("domains", f"STFT({name}={label})",
                              stft(**{"n_fft": 16, name: value}) if name != "n_fft" else stft(n_fft=value),
                              (name, "window") if name == "window" else (name,)))
    cases += [
        Case("domains", "STFT(n_fft=np.int64(16))", lambda: STFT(n_fft=np.int64(16)).forward(X), ("n_fft",),
             check=shaped((B, C, 9, None))),
        Case("domains", "STFT(center=np.bool_(True))", lambda: STFT(n_fft=16, center=np.bool_(True)).forward(X),
             ("center",), check=shaped((B, C, 9, None))),
        Case("domains", "STFT hann hop=win (no overlap-add)", lambda: STFT(n_fft=16, hop_length=16),
             ("hop_length",)),
        Case("domains", "STFT center=False frames stop short", lambda: get_explainer(
            "amplitude", None, domain=STFT(n_fft=16, hop_length=5, center=False, window="hamming")
        ).attribute(X), ("center", "hop_length", "length")),
        Case("domains", "STFT n_fft longer than the signal (forward)", lambda: STFT(n_fft=128).forward(X),
             ("n_fft", "length")),
    ]
    for name, bads in {"wavelet": ["db99", "bior2.2", "dmey", 4, None, "DB4", "morl"],
                       "level": [0, -1, 2.5, True, "3"]}.items():
        for v in bads:
            cases.append(Case("domains", f"Wavelet({name}={v!r})",
                              (lambda v=v: Wavelet(wavelet=v)) if name == "wavelet" else
                              (lambda v=v: Wavelet("db2", level=v)), (name,)))
    cases += [
        Case("domains", "Wavelet(level=np.int64(2))", lambda: Wavelet("db2", level=np.int64(2)).forward(X),
             ("level",), check=shaped((B, C, None))),
        Case("domains", "Wavelet level too deep (forward)", lambda: Wavelet("db2", level=9).forward(X),
             ("level",)),
        Case("domains", "Wavelet round trip of an odd length",
             lambda: _round_trip(Wavelet("db2"), X[..., :63]), (), check=lambda r: r),
    ]
    for dname in list_domains():
        dom = make_domain(dname)
        for label, x, frags in [
            ("numpy array", X.numpy(), ("torch.Tensor", "x")),
            ("1-D tensor", X[0, 0], ("channel", "shape")),
            ("complex tensor", X.to(torch.complex64), ("real", "complex")),
            ("a list", X.tolist(), ("tensor", "x")),
        ]:
            cases.append(Case("domains", f"{dname}.forward({label})",
                              lambda d=dom, v=x: d.forward(v), frags))
        cases.append(Case("domains", f"{dname}.forward(length 1)", lambda d=dom: d.forward(X[..., :1]),
                          ("length",), check=shaped((B, C, None)), either=True))
        cases.append(Case("domains", f"{dname}.forward(float64) keeps dtype",
                          lambda d=dom: d.forward(X.double()), (),
                          check=lambda r, d=dom: None if r.dtype in (torch.float64, torch.complex128)
                          else f"dtype {r.dtype}"))
        cases.append(Case("domains", f"{dname} round trip", lambda d=dom: _round_trip(d, X), (),
                          check=lambda r: r))
        coeffs = dom.forward(X)
        for label, call, frags in [
            ("one coefficient short", lambda d=dom, c=coeffs: d.inverse(c[..., :-1], LENGTH),
             ("coefficient", "bins", "samples", "shape")),
            ("length as a string", lambda d=dom, c=coeffs: d.inverse(c, "64"), ("length",)),
            ("negative length", lambda d=dom, c=coeffs: d.inverse(c, -64), ("length",)),
            ("float length", lambda d=dom, c=coeffs: d.inverse(c, 64.0), ("length",)),
            ("wrong length", lambda d=dom, c=coeffs: d.inverse(c, 40), ("length", "coefficient", "bins")),
            ("numpy coefficients", lambda d=dom, c=coeffs: d.inverse(c.numpy(), LENGTH),
             ("tensor", "coefficients")),
        ]:
            cases.append(Case("domains", f"{dname}.inverse({label})", call, frags))
        for label, fs in [("0", 0), ("negative", -1.0), ("NaN", NAN), ("inf", INF), ("string", "100"),
                          ("bool", True), ("list", [100.0])]:
            cases.append(Case("domains", f"{dname}.axes(fs={label})",
                              lambda d=dom, v=fs: d.axes(LENGTH, fs=v), ("fs",)))
        cases.append(Case("domains", f"{dname}.axes(fs=np.float32(100))",
                          lambda d=dom: d.axes(LENGTH, fs=np.float32(100)), ("fs",),
                          check=lambda r, d=dom: None if all(
                              np.allclose(r[k], d.axes(LENGTH, fs=100.0)[k]) for k in r)
                          else "differs from fs=100.0"))
        cases.append(Case("domains", f"{dname}.axes without fs is fs=1",
                          lambda d=dom: d.axes(LENGTH), (),
                          check=lambda r, d=dom: None if all(
                              np.allclose(r[k], d.axes(LENGTH, fs=1.0)[k]) for k in r)
                          else "axes without fs differ from fs=1"))
        for label, n in [("0", 0), ("negative", -8), ("float", 64.5), ("string", "64")]:
            cases.append(Case("domains", f"{dname}.coefficient_shape({label})",
                              lambda d=dom, v=n: d.coefficient_shape(v), ("length",)))
        for label, eps in [("NaN", NAN), ("negative", -1.0), ("inf", INF), ("string", "0")]:
            cases.append(Case("domains", f"project_relevance {dname} eps={label}",
                              lambda d=dom, e=eps: freqxai.project_relevance(X, X, d, eps=e), ("eps",)))
        cases += [
            Case("domains", f"project_relevance {dname} shapes differ",
                 lambda d=dom: freqxai.project_relevance(X[:, :1], X, d), ("shape",)),
            Case("domains", f"project_relevance {dname} NaN relevance",
                 lambda d=dom: freqxai.project_relevance(X * NAN, X, d), ("NaN",)),
            Case("domains", f"project_relevance {dname} numpy conserves",
                 lambda d=dom: freqxai.project_relevance(X.numpy(), X.numpy(), d), (),
                 check=lambda r: None if isinstance(r, np.ndarray) and np.allclose(
                     r.reshape(B, C, -1).sum(-1), X.double().numpy().sum(-1), atol=1e-8)
                 else "not conserved or not numpy"),
            Case("domains", f"project_relevance {dname} zero input",
                 lambda d=dom: freqxai.project_relevance(X, torch.zeros_like(X), d), (),
                 check=lambda r: None if np.allclose(_np(r).reshape(B, C, -1).sum(-1),
                                                     X.double().numpy().sum(-1), atol=1e-8)
                 else "relevance of an all-zero input not conserved"),
        ]
        if dom.frequency_axis(LENGTH) is not None:
            cases.append(Case("domains", f"{dname}.frequency_profile wrong shape",
                              lambda d=dom: d.frequency_profile(torch.rand(B, 7), LENGTH),
                              ("shape", "relevance")))
        else:
            cases.append(Case("domains", f"{dname}.frequency_profile (no frequency axis)",
                              lambda d=dom: d.frequency_profile(torch.rand(B, LENGTH), LENGTH),
                              ("frequency",)))
    cases += [
        Case("domains", "get_domain unknown", lambda: get_domain("cqt"), ("cqt",)),
        Case("domains", "get_domain None", lambda: get_domain(None), ("domain",)),
        Case("domains", "get_domain 5", lambda: get_domain(5), ("domain",)),
        Case("domains", "get_domain the class STFT", lambda: get_domain(STFT), ("STFT()", "instance", "class")),
        Case("domains", "get_domain params with an instance", lambda: get_domain(STFT(n_fft=16), n_fft=8),
             ("instance", "parameters")),
        Case("domains", "get_domain fft with n_fft", lambda: get_domain("fft", n_fft=16), ("n_fft",)),
        Case("domains", "get_domain stft with a bad setting", lambda: get_domain("stft", n_fft=-3), ("n_fft",)),
        Case("domains", "get_domain 'STFT' upper case", lambda: get_domain("STFT", n_fft=16), (),
             check=lambda r: None if isinstance(r, STFT) and r.n_fft == 16 else f"got {r!r}"),
        Case("domains", "a Domain subclass missing inverse", lambda: _partial_domain()(), ("inverse", "abstract")),
        Case("domains", "a duck-typed domain", lambda: get_explainer("amplitude", None, domain=_Duck()),
             ("Domain",)),
        Case("domains", "a user domain with a numpy inverse (projection)",
             lambda: get_explainer("saliency", MODEL, domain=_NumpyDCT()).attribute(X),
             ("differentiable", "inverse")),
        Case("domains", "register_domain on a non-Domain", lambda: freqxai.register_domain("x")(object),
             ("Domain",)),
        Case("domains", "register_domain empty name", lambda: freqxai.register_domain("")(_DCT), ("name",)),
        Case("domains", "a user DCT works with every explainer (lrp)",
             lambda: get_explainer("lrp", MODEL, domain=_DCT()).attribute(X), (),
             check=lambda r: None if np.allclose(_np(r).sum(-1), _np(get_explainer(
                 "lrp", MODEL, domain="time").attribute(X)).sum(-1), atol=1e-4) else "not conserved"),
        Case("domains", "band_attributions low > high",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), {"a": (5, 1)}),
             ("band",)),
        Case("domains", "band_attributions band of strings",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), {"a": ("x", "y")}),
             ("band",)),
        Case("domains", "band_attributions empty bands",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), {}), ("bands",)),
        Case("domains", "band_attributions wrong frequency count",
             lambda: freqxai.band_attributions(_amp("fft"), np.arange(10.0)), ("frequencies", "bins")),
        Case("domains", "band_attributions axis out of range",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), axis=5),
             ("axis",)),
        Case("domains", "band_attributions reduce=median",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), reduce="median"),
             ("reduce",)),
        Case("domains", "band_attributions bins outside every band warn",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32), {"a": (0, 4)}),
             (), check=lambda r: None, warns="outside"),
        Case("domains", "band_attributions default bands conserve",
             lambda: freqxai.band_attributions(_amp("fft"), np.fft.rfftfreq(LENGTH, 1 / 32)), (),
             check=lambda r: None if np.allclose(_np(r[0]).sum(-1), _np(_amp("fft")).sum(-1))
             else "band sums do not add up"),
        Case("domains", "band_attributions NaN frequencies",
             lambda: freqxai.band_attributions(_amp("fft"), np.full(33, NAN)), ("frequencies",)),
    ]
    return cases


def _round_trip(domain, x) -> str | None:
    back = domain.inverse(domain.forward(x), x.shape[-1])
    if back.shape != x.shape:
        return f"round trip shape {tuple(back.shape)}"
    err = float((back - x).abs().max())
    return None if err < 1e-4 else f"round trip error {err:.3g}"


def _dct_matrix(n: int, dtype) -> torch.Tensor:
    k = torch.arange(n, dtype=torch.float64)[:, None]
    t = torch.arange(n, dtype=torch.float64)[None, :]
    m = torch.cos(torch.pi * (t + 0.5) * k / n) * (2.0 / n) ** 0.5
    m[0] /= 2**0.5
    return m.to(dtype)


class _DCT(freqxai.Domain):
    def forward(self, x):
        return x @ _dct_matrix(x.shape[-1], x.dtype).T

    def inverse(self, coefficients, length):
        return coefficients @ _dct_matrix(length, coefficients.dtype)

    def coefficient_shape(self, length):
        return (length,)

    def axes(self, length, fs=None):
        k = np.arange(length) / (2 * length)
        return {"frequency": k * fs if fs else k}


class _NumpyDCT(_DCT):
    def inverse(self, coefficients, length):
        m = _dct_matrix(length, torch.float64).numpy()
        return torch.from_numpy(coefficients.detach().cpu().double().numpy() @ m).to(coefficients.dtype)


def _partial_domain():
    class Partial(freqxai.Domain):
        def forward(self, x):
            return x

        def coefficient_shape(self, length):
            return (length,)

        def axes(self, length, fs=None):
            return {"time": np.arange(length)}

    return Partial


class _Duck:
    def forward(self, x):
        return x

    def inverse(self, c, length):
        return c

    def coefficient_shape(self, length):
        return (length,)

    def axes(self, length, fs=None):
        return {"time": np.arange(length)}


# ------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------

class _Files:
    """Model files written once into the tour's temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        r = root
        (r / "garbage.pt").write_bytes(os.urandom(256))
        (r / "empty.pt").write_bytes(b"")
        (r / "garbage.onnx").write_bytes(b"\x08\x07garbage" + os.urandom(64))
        (r / "empty.onnx").write_bytes(b"")
        (r / "garbage.pt2").write_bytes(b"PK\x03\x04" + os.urandom(64))
        (r / "garbage.keras").write_bytes(os.urandom(64))
        (r / "garbage.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(64))
        (r / "notes.txt").write_text("this is not a model")
        (r / "model.json").write_text('{"layers": []}')
        (r / "adir.pt").mkdir(exist_ok=True)
        self.cnn = CNN().eval()
        torch.save(self.cnn.state_dict(), r / "state.pt")
        torch.save({"state_dict": {f"model.{k}": v for k, v in self.cnn.state_dict().items()},
                    "epoch": 3}, r / "lightning.ckpt")
        torch.save(torch.ones(3), r / "tensor.pt")
        torch.save([1, 2, 3], r / "list.pt")
        torch.save(self.cnn, r / "pickled.pt")
        torch.save({"a": self.cnn.state_dict(), "b": self.cnn.state_dict()}, r / "two_states.pt")
        torch.save(CNN(channels=3).state_dict(), r / "state3.pt")
        torch.jit.save(torch.jit.script(self.cnn), r / "script.pt")
        torch.jit.save(torch.jit.script(self.cnn), r / "script.onnx")
        (r / "truncated.pt").write_bytes((r / "state.pt").read_bytes()[:200])
        (r / "factory_mod.py").write_text(
            "import torch\nfrom torch import nn\n\n"
            "def build():\n    from bad_input_tour_models import CNN\n    return CNN()\n\n"
            "def not_a_module():\n    return 5\n\n"
            "def raises():\n    raise RuntimeError('factory failed')\n\n"
            "class NeedsArgs(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n")
        (r / "bad_input_tour_models.py").write_text(
            "import sys\nCNN = sys.modules['__tour__'].CNN\n")


def loading_cases(files: _Files) -> list[Case]:
    from freqxai import load_model

    r = files.root
    errs = (ValueError, TypeError, FileNotFoundError, ImportError)
    sk = _sk_estimator()

    def equals_cnn(model):
        with torch.no_grad():
            return same_as(files.cnn(X))(model(X))

    cases = [
        Case("loading", "missing file", lambda: load_model(r / "missing.pt"), ("not found", "missing.pt"),
             errors=errs),
        Case("loading", "a directory", lambda: load_model(r / "adir.pt"), ("adir.pt",), errors=errs),
        Case("loading", "garbage .pt", lambda: load_model(r / "garbage.pt"), ("garbage.pt",), errors=errs),
        Case("loading", "empty .pt", lambda: load_model(r / "empty.pt"), ("empty.pt",), errors=errs),
        Case("loading", "garbage .onnx", lambda: load_model(r / "garbage.onnx"), ("garbage.onnx",),
             errors=errs),
        Case("loading", "empty .onnx", lambda: load_model(r / "empty.onnx"), ("empty.onnx",), errors=errs),
        Case("loading", "garbage .pt2", lambda: load_model(r / "garbage.pt2"), ("garbage.pt2",), errors=errs),
        Case("loading", "garbage .keras", lambda: load_model(r / "garbage.keras"),
             ("garbage.keras", "keras"), errors=errs),
        Case("loading", "garbage .h5", lambda: load_model(r / "garbage.h5"), ("garbage.h5", "keras"),
             errors=errs),
        Case("loading", "a text file", lambda: load_model(r / "notes.txt"), ("notes.txt",), errors=errs),
        Case("loading", "a JSON file", lambda: load_model(r / "model.json"), ("model.json",), errors=errs),
        Case("loading", "truncated state dict", lambda: load_model(r / "truncated.pt"), ("truncated.pt",),
             errors=errs),
        Case("loading", "state dict without factory", lambda: load_model(r / "state.pt"), ("model_factory",),
             errors=errs),
        Case("loading", "state dict, factory not importable",
             lambda: load_model(r / "state.pt", model_factory="nope_module:Net"), ("nope_module",),
             errors=errs),
        Case("loading", "state dict, factory without colon",
             lambda: load_model(r / "state.pt", model_factory="factory_mod.build"), ("model_factory",),
             errors=errs),
        Case("loading", "state dict, factory name missing",
             lambda: _with_path(r, lambda: load_model(r / "state.pt", model_factory="factory_mod:nope")),
             ("nope",), errors=errs),
        Case("loading", "state dict, factory returns an int",
             lambda: _with_path(r, lambda: load_model(r / "state.pt", model_factory="factory_mod:not_a_module")),
             ("nn.Module", "int"), errors=errs),
        Case("loading", "state dict, factory raises (the user's error passes through)",
             lambda: _with_path(r, lambda: load_model(r / "state.pt", model_factory="factory_mod:raises")),
             ("factory",), errors=errs + (RuntimeError,)),
        Case("loading", "state dict, factory class needs arguments",
             lambda: _with_path(r, lambda: load_model(r / "state.pt", model_factory="factory_mod:NeedsArgs")),
             ("model_factory", "NeedsArgs"), errors=errs),
        Case("loading", "state dict, factory 5", lambda: load_model(r / "state.pt", model_factory=5),
             ("model_factory",), errors=errs),
        Case("loading", "state dict of another shape",
             lambda: load_model(r / "state3.pt", model_factory=lambda: CNN()), ("do not fit", "shape"),
             errors=errs),
        Case("loading", "state dict with a callable factory",
             lambda: load_model(r / "state.pt", model_factory=lambda: CNN(dropout=0.0)), (),
             check=equals_cnn),
        Case("loading", "state dict via 'module:Name' factory",
             lambda: _with_path(r, lambda: load_model(r / "state.pt", model_factory="factory_mod:build")), (),
             check=equals_cnn),
        Case("loading", "Lightning checkpoint with model. prefix",
             lambda: load_model(r / "lightning.ckpt", model_factory=lambda: CNN()), ("prefix", "model."),
             check=equals_cnn, warns="model."),
        Case("loading", "two state dicts in one file",
             lambda: load_model(r / "two_states.pt", model_factory=lambda: CNN()), ("several", "state dict"),
             errors=errs),
        Case("loading", "a saved tensor", lambda: load_model(r / "tensor.pt", model_factory=lambda: CNN()),
             ("Tensor", "state dict"), errors=errs),
        Case("loading", "a saved list", lambda: load_model(r / "list.pt", model_factory=lambda: CNN()),
             ("list", "state dict"), errors=errs),
        Case("loading", "pickled module without trust_pickle", lambda: load_model(r / "pickled.pt"),
             ("trust_pickle",), errors=errs),
        Case("loading", "pickled module with trust_pickle",
             lambda: load_model(r / "pickled.pt", trust_pickle=True), (), check=equals_cnn),
        Case("loading", "TorchScript", lambda: load_model(r / "script.pt"), (), check=equals_cnn),
        Case("loading", "TorchScript named .onnx", lambda: load_model(r / "script.onnx"), ("TorchScript",),
             check=equals_cnn, warns="TorchScript"),
        Case("loading", "path as str", lambda: load_model(str(r / "script.pt")), (), check=equals_cnn),
        Case("loading", "channels_last='yes'", lambda: load_model(r / "script.pt", channels_last="yes"),
             ("channels_last",), errors=errs),
        Case("loading", "trust_pickle='yes'", lambda: load_model(r / "pickled.pt", trust_pickle="yes"),
             ("trust_pickle",), errors=errs),
        Case("loading", "channels_last=True on a channels-first model",
             lambda: load_model(CNN(), channels_last=True)(X), ("channels_last",), errors=errs),
        Case("loading", "model=5", lambda: load_model(5), ("int",), errors=errs),
        Case("loading", "model=None", lambda: load_model(None), ("NoneType", "model"), errors=errs),
        Case("loading", "a state dict object", lambda: load_model(CNN().state_dict()),
             ("dict", "state dict"), errors=errs),
        Case("loading", "a numpy array", lambda: load_model(np.zeros(3)), ("ndarray",), errors=errs),
        Case("loading", "a live module", lambda: load_model(files.cnn), (), check=equals_cnn),
        Case("loading", "a meta-device module", lambda: load_model(_meta_cnn()), ("meta",), errors=errs),
        Case("loading", "an sklearn estimator (wrapped)", lambda: load_model(sk), ("estimator",),
             check=lambda m: same_as(torch.from_numpy(sk.predict_proba(X.reshape(B, -1).double().numpy())),
                                     rtol=1e-5)(m(X.double()))),
    ]
    onnx_path = _onnx_export(files)
    if onnx_path is not None:
        cases.append(Case("loading", "ONNX export", lambda: load_model(onnx_path), (), check=equals_cnn))
        cases.append(Case("loading", "ONNX under .pt", lambda: load_model(onnx_path.parent / "onnx_named.pt"),
                          ("ONNX",), check=equals_cnn, warns="ONNX"))
    return cases


def _with_path(root: Path, fn: Callable[[], Any]) -> Any:
    sys.path.insert(0, str(root))
    try:
        return fn()
    finally:
        sys.path.remove(str(root))
        for mod in ("factory_mod", "bad_input_tour_models"):
            sys.modules.pop(mod, None)


def _onnx_export(files: _Files) -> Path | None:
    path = files.root / "cnn.onnx"
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(files.cnn, (X,), str(path), input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
    except Exception:  # noqa: BLE001 - no exporter here: those cases are left out
        return None
    (files.root / "onnx_named.pt").write_bytes(path.read_bytes())
    return path


# ------------------------------------------------------------------------------------------------
# summary
# ------------------------------------------------------------------------------------------------

def summary_cases() -> list[Case]:
    from freqxai.summary import SUMMARY_COLUMNS, headline, summarize

    rel = {"freqrise": ref("freqrise", "fft"), "flex": ref("flex", "fft")}
    t = PRED.numpy()

    def base(**kw):
        args = {"relevance": rel, "targets": t, "length": LENGTH, "fs": 32.0, "domain": "fft"}
        args.update(kw)
        return summarize(args.pop("relevance"), args.pop("targets"), **args)

    def table_ok(df):
        if list(df.columns) != SUMMARY_COLUMNS:
            return "columns differ"
        if df.empty:
            return "empty table"
        if not np.isfinite(df["relevance"].to_numpy(dtype=float)).any():
            return "no finite relevance"
        return None

    cases = [
        Case("summary", "relevance a tensor", lambda: base(relevance=ref("flex", "fft")), ("relevance",)),
        Case("summary", "relevance empty dict", lambda: base(relevance={}), ("relevance",)),
        Case("summary", "relevance None", lambda: base(relevance=None), ("relevance",)),
        Case("summary", "relevance NaN", lambda: base(relevance={"flex": ref("flex", "fft") * NAN}), ("NaN",)),
        Case("summary", "relevance complex", lambda: base(relevance={"flex": ref("flex", "fft") * (1 + 1j)}),
             ("real",)),
        Case("summary", "relevance of another domain",
             lambda: base(relevance={"flex": ref("flex", "stft")}), ("relevance", "shape", "coefficients")),
        Case("summary", "relevance batch of 1", lambda: base(relevance={"flex": ref("flex", "fft")[:1]}),
             ("relevance", "inputs")),
        Case("summary", "relevance 1-D", lambda: base(relevance={"flex": ref("flex", "fft")[0, 0]}),
             ("relevance",)),
        Case("summary", "relevance a string", lambda: base(relevance={"flex": "abc"}), ("relevance",)),
        Case("summary", "targets float", lambda: base(targets=t.astype(float)), ("targets",)),
        Case("summary", "targets 2-D", lambda: base(targets=t[:, None]), ("targets",)),
        Case("summary", "targets wrong length", lambda: base(targets=t[:1]), ("targets", "inputs", "relevance")),
        Case("summary", "targets None", lambda: base(targets=None), ("targets",)),
        Case("summary", "targets negative", lambda: base(targets=-t - 1), ("targets",)),
        Case("summary", "length 1", lambda: base(length=1), ("length",)),
        Case("summary", "length float", lambda: base(length=64.0), ("length",)),
        Case("summary", "length string", lambda: base(length="64"), ("length",)),
        Case("summary", "length wrong", lambda: base(length=100), ("length", "shape", "coefficients")),
        Case("summary", "length of 3 for 2 inputs", lambda: base(length=[64, 64, 64]), ("length",)),
        Case("summary", "fs 0", lambda: base(fs=0), ("fs",)),
        Case("summary", "fs negative", lambda: base(fs=-1.0), ("fs",)),
        Case("summary", "fs NaN", lambda: base(fs=NAN), ("fs",)),
        Case("summary", "fs string", lambda: base(fs="32"), ("fs",)),
        Case("summary", "fs bool", lambda: base(fs=True), ("fs",)),
        Case("summary", "domain missing", lambda: base(domain=None), ("domain",)),
        Case("summary", "domain unknown", lambda: base(domain="cqt"), ("cqt", "domain")),
        Case("summary", "tuple key of unknown domain",
             lambda: base(relevance={("flex", "cqt"): ref("flex", "fft")}), ("cqt", "domain")),
        Case("summary", "bands low > high", lambda: base(bands={"a": (8.0, 2.0)}), ("band",)),
        Case("summary", "bands empty", lambda: base(bands={}), ("band",)),
        Case("summary", "bands of strings", lambda: base(bands={"a": ("x", "y")}), ("band",)),
        Case("summary", "class_names too short", lambda: base(class_names=["only"]), ("class_names",)),
        Case("summary", "class_names a string", lambda: base(class_names="abc"), ("class_names",)),
        Case("summary", "channel_names too short", lambda: base(channel_names=["x"]), ("channel_names",)),
        Case("summary", "standard_errors of another shape",
             lambda: base(standard_errors={"freqrise": torch.ones(B, 1, 5)}), ("standard_error", "shape")),
        Case("summary", "standard_errors NaN",
             lambda: base(standard_errors={"freqrise": ref("freqrise", "fft") * NAN}), ("standard_error", "NaN")),
        Case("summary", "eeg='yes'", lambda: base(eeg="yes"), ("eeg",)),
        Case("summary", "additive a list", lambda: base(additive=["flex"]), ("additive",)),
        Case("summary", "valid fft table", lambda: base(), (), check=table_ok),
        Case("summary", "valid numpy relevance",
             lambda: base(relevance={k: _np(v) for k, v in rel.items()}), (), check=table_ok),
        Case("summary", "valid without fs", lambda: base(fs=None), (),
             check=lambda df: table_ok(df) or (None if df.attrs.get("frequency_unit") == "cycles/sample"
                                               else "unit not cycles/sample")),
        Case("summary", "valid tuple keys over domains",
             lambda: base(relevance={("flex", "fft"): ref("flex", "fft"), ("flex", "stft"): ref("flex", "stft")},
                          domain=None, domains={"stft": make_domain("stft")}), (), check=table_ok),
        Case("summary", "valid ragged relevance",
             lambda: base(relevance={"flex": get_explainer("flex", MODEL).attribute([X[0], X[1, :, :48]], n_steps=4)},
                          length=[LENGTH, 48]), (), check=table_ok),
        Case("summary", "valid numpy int32 targets", lambda: base(targets=t.astype(np.int32)), (), check=table_ok),
        Case("summary", "valid list targets", lambda: base(targets=t.tolist()), (), check=table_ok),
        Case("summary", "headline of an unknown domain", lambda: headline(base(), domain="cqt"), ("domain", "cqt")),
        Case("summary", "headline of an unknown channel", lambda: headline(base(), channel="ch 9"), ("channel",)),
        Case("summary", "headline of a non-table", lambda: headline({"a": 1}), ("df", "table", "DataFrame")),
        Case("summary", "headline valid", lambda: headline(base()), (),
             check=lambda r: None if isinstance(r, list) and r and all(isinstance(s, str) for s in r)
             else f"got {r!r}"),
    ]
    return cases


# ------------------------------------------------------------------------------------------------
# adapters (scikit-learn estimators, numpy functions)
# ------------------------------------------------------------------------------------------------

def adapter_cases() -> list[Case]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from freqxai.adapters import EstimatorModel, NumpyModel, capabilities
    from freqxai.explainers import method_support

    g = np.random.default_rng(0)
    Xtr = g.standard_normal((30, C, LENGTH))
    ytr = np.arange(30) % N_CLASSES
    flat = Xtr.reshape(30, -1)
    clf = LogisticRegression(max_iter=200).fit(flat, ytr)
    binary = LogisticRegression(max_iter=200).fit(flat, ytr % 2)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)).fit(flat, ytr)
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(flat, ytr)
    reg = LinearRegression().fit(flat, ytr)
    narrow = LogisticRegression(max_iter=200).fit(flat[:, :LENGTH], ytr)
    unfitted = LogisticRegression()
    rise = fast("freqrise")

    def proba(a):
        return clf.predict_proba(a.reshape(len(a), -1))

    def rise_on(model, x=X):
        return freqxai.FreqRISE(model, **fast_settings("freqrise")).attribute(x, **rise)

    shape = shaped((B, 1, LENGTH // 2 + 1))
    cases = [
        Case("adapters", "FreqRISE on a fitted LogisticRegression", lambda: rise_on(clf), (), check=shape),
        Case("adapters", "FreqRISE on a pipeline", lambda: rise_on(pipe), (), check=shape),
        Case("adapters", "FreqRISE on a random forest", lambda: rise_on(forest), (), check=shape),
        Case("adapters", "FreqRISE on a bound predict_proba", lambda: rise_on(clf.predict_proba), (),
             check=lambda r: same_as(rise_on(clf))(r)),
        Case("adapters", "FreqRISE on decision_function (binary)",
             lambda: rise_on(EstimatorModel(binary, method="decision_function")), (), check=shape),
        Case("adapters", "FreqRISE on a NumpyModel", lambda: rise_on(NumpyModel(proba)), (),
             check=lambda r: same_as(rise_on(clf))(r)),
        Case("adapters", "FreqRISE with numpy inputs on an estimator", lambda: rise_on(clf, X.numpy()), (),
             check=shaped((B, 1, LENGTH // 2 + 1), kind=np.ndarray)),
        Case("adapters", "deletion on an estimator",
             lambda: get_metric("deletion")(clf, X, _amp("fft")), (), check=shaped((B,), kind=np.ndarray)),
        Case("adapters", "an unfitted estimator", lambda: rise_on(unfitted), ("fit",),
             errors=REFUSALS + (AttributeError,)),
        Case("adapters", "an estimator fitted on other features", lambda: rise_on(narrow), ("features",)),
        Case("adapters", "a regressor (no predict_proba)", lambda: rise_on(reg), ("predict_proba", "model")),
        Case("adapters", "EstimatorModel method='predict'", lambda: EstimatorModel(clf, method="predict"),
             ("method",)),
        Case("adapters", "EstimatorModel decision_function on a forest",
             lambda: EstimatorModel(forest, method="decision_function"), ("decision_function",)),
        Case("adapters", "EstimatorModel layout='bogus'", lambda: EstimatorModel(clf, layout="bogus"), ("layout",)),
        Case("adapters", "EstimatorModel batch_size=0", lambda: EstimatorModel(clf, batch_size=0), ("batch_size",)),
        Case("adapters", "EstimatorModel batch_size=1 gives the same",
             lambda: rise_on(EstimatorModel(clf, batch_size=1)), ("batch_size",),
             check=lambda r: same_as(rise_on(clf))(r), timeout=60),
        Case("adapters", "NumpyModel(5)", lambda: NumpyModel(5), ("function",)),
        Case("adapters", "NumpyModel output_kind='probs'", lambda: NumpyModel(proba, output_kind="probs"),
             ("output_kind",)),
        Case("adapters", "NumpyModel layout=None", lambda: NumpyModel(proba, layout=None), ("layout",)),
        Case("adapters", "NumpyModel batch_size=2.5", lambda: NumpyModel(proba, batch_size=2.5), ("batch_size",)),
        Case("adapters", "NumpyModel dtype='float99'", lambda: NumpyModel(proba, dtype="float99"),
             ("dtype", "data type")),
        Case("adapters", "NumpyModel returning strings",
             lambda: rise_on(NumpyModel(lambda a: np.array([["a"] * 3] * len(a)))), ("numbers", "classifier")),
        Case("adapters", "NumpyModel returning wrong rows",
             lambda: rise_on(NumpyModel(lambda a: np.ones((1, 3)) / 3)), ("n_classes", "shape")),
        Case("adapters", "NumpyModel returning NaN",
             lambda: rise_on(NumpyModel(lambda a: np.full((len(a), 3), NAN))), ("NaN",)),
        Case("adapters", "NumpyModel returning a list",
             lambda: rise_on(NumpyModel(lambda a: proba(a).tolist())), (), check=shape),
        Case("adapters", "NumpyModel 1-D probabilities",
             lambda: rise_on(NumpyModel(lambda a: binary.predict_proba(a.reshape(len(a), -1))[:, 1])), (),
             check=shape),
        Case("adapters", "NumpyModel probabilities declared as logits",
             lambda: rise_on(NumpyModel(proba, output_kind="logits")), (), check=shape),
        Case("adapters", "FLEX on an estimator", lambda: freqxai.FLEX(clf).attribute(X, n_steps=4),
             ("gradient",)),
        Case("adapters", "LRP on an estimator", lambda: freqxai.LRP(clf), ("gradient", "module")),
        Case("adapters", "IG on a NumpyModel", lambda: freqxai.IntegratedGradients(NumpyModel(proba)),
             ("gradient",)),
        Case("adapters", "method_support of an estimator", lambda: method_support(clf), (),
             check=lambda r: None if r.get("freqrise") is None and r.get("flex") else f"got {r}"),
        Case("adapters", "method_support of unknown methods", lambda: method_support(clf, ["bogus"]),
             ("bogus",)),
        Case("adapters", "capabilities of a string", lambda: capabilities("model.pt"), ("model",)),
        Case("adapters", "capabilities of an int", lambda: capabilities(5), ("model",)),
        Case("adapters", "BinaryClassifier(5)", lambda: freqxai.BinaryClassifier(5), ("model",)),
        Case("adapters", "BinaryClassifier output='probs'",
             lambda: freqxai.BinaryClassifier(CNN(n_out=1), output="probs"), ("output",)),
        Case("adapters", "BinaryClassifier around a 3-class model",
             lambda: freqxai.BinaryClassifier(CNN())(X), ("BinaryClassifier", "one")),
        Case("adapters", "BinaryClassifier probability outside [0, 1]",
             lambda: rise_on(freqxai.BinaryClassifier(lambda v: CNN(n_out=1)(v) * 10, output="probability")),
             ("probabilit",)),
    ]
    return cases


# ------------------------------------------------------------------------------------------------
# misc: freqIG-compatible attribute
# ------------------------------------------------------------------------------------------------

class _TimeModel(nn.Module):
    """A single-channel model that reads (batch, time), as freqig passes such signals."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn = CNN(channels=1)

    def forward(self, x):
        return self.cnn(x[:, None] if x.dim() == 2 else x)


def misc_cases() -> list[Case]:
    from freqxai import freqig
    from freqxai.masks import band_cell_edges, cell_masks

    one = _TimeModel().eval()
    sig = X[0, :1]
    cases = [
        Case("misc", "freqig valid 1-D", lambda: freqig.attribute(sig[0], one, n_steps=4), (),
             check=shaped((LENGTH // 2 + 1,), kind=np.ndarray)),
        Case("misc", "freqig valid numpy", lambda: freqig.attribute(sig.numpy(), one, n_steps=4), (),
             check=shaped((LENGTH // 2 + 1,), kind=np.ndarray)),
        Case("misc", "freqig 3-D input", lambda: freqig.attribute(X, one, n_steps=4), ("input",)),
        Case("misc", "freqig NaN input", lambda: freqig.attribute(sig * NAN, one, n_steps=4), ("NaN",)),
        Case("misc", "freqig n_steps=0", lambda: freqig.attribute(sig, one, n_steps=0), ("n_steps",)),
        Case("misc", "freqig target=5", lambda: freqig.attribute(sig, one, target=5, n_steps=4), ("target",)),
        Case("misc", "freqig target='a'", lambda: freqig.attribute(sig, one, target="a", n_steps=4), ("target",)),
        Case("misc", "freqig baseline wrong shape",
             lambda: freqig.attribute(sig, one, baseline=np.zeros(10), n_steps=4), ("baseline",)),
        Case("misc", "freqig segment without start_idx",
             lambda: freqig.attribute(sig, one, segment=sig[..., :16], n_steps=4), ("start_idx",)),
        Case("misc", "freqig segment past the end",
             lambda: freqig.attribute(sig, one, segment=sig[..., :16], start_idx=60, n_steps=4),
             ("start_idx", "exceeds")),
        Case("misc", "freqig negative start_idx",
             lambda: freqig.attribute(sig, one, segment=sig[..., :16], start_idx=-1, n_steps=4), ("start_idx",)),
        Case("misc", "freqig segment channels differ",
             lambda: freqig.attribute(sig, one, segment=X[0, :, :16], start_idx=0, n_steps=4), ("channels",)),
        Case("misc", "freqig segment valid",
             lambda: freqig.attribute(sig, one, segment=sig[..., :16], start_idx=8, n_steps=4), (),
             check=shaped((9,), kind=np.ndarray)),
        Case("misc", "freqig model a garbage path", lambda: freqig.attribute(sig, "nope.onnx", n_steps=4),
             ("nope.onnx",), errors=REFUSALS + (FileNotFoundError,)),
        Case("misc", "freqig wrong channel count model", lambda: freqig.attribute(sig, CNN(), n_steps=4),
             ("channel",)),
        Case("misc", "smooth_masks p_keep=2", lambda: freqxai.smooth_masks(4, (1, 33), 8, 2.0), ("p_keep",)),
        Case("misc", "smooth_masks n_masks=0", lambda: freqxai.smooth_masks(0, (1, 33), 8), ("n_masks",),
             check=shaped((0, 1, 33)), either=True),
        Case("misc", "smooth_masks cells larger than the axis", lambda: freqxai.smooth_masks(4, (1, 33), 40),
             ("num_cells",)),
        Case("misc", "smooth_masks design bogus", lambda: freqxai.smooth_masks(4, (1, 33), 8, design="bogus"),
             ("design",)),
        Case("misc", "smooth_masks valid", lambda: freqxai.smooth_masks(4, (1, 33), 8), (),
             check=shaped((4, 1, 33))),
        Case("misc", "cell_masks valid", lambda: cell_masks(4, (1, 13), (0, 1, 2, 4, 8)), (),
             check=shaped((4, 1, 13))),
        Case("misc", "cell_masks edges not from 0", lambda: cell_masks(4, (1, 13), (1, 4)),
             ("cell_edges",)),
        Case("misc", "cell_masks edges past the axis", lambda: cell_masks(4, (1, 13), (0, 13)),
             ("cell_edges",)),
        Case("misc", "cell_masks edges decreasing", lambda: cell_masks(4, (1, 13), (0, 4, 2)),
             ("cell_edges",)),
        Case("misc", "cell_masks edges a string", lambda: cell_masks(4, (1, 13), "0,4"),
             ("cell_edges",)),
        Case("misc", "cell_masks edges None", lambda: cell_masks(4, (1, 13), None),
             ("cell_edges",)),
        Case("misc", "cell_masks p_keep=1", lambda: cell_masks(4, (1, 13), (0, 4), 1.0),
             ("p_keep",)),
        Case("misc", "cell_masks empty shape", lambda: cell_masks(4, (), (0,)), ("shape",)),
        Case("misc", "cell_masks design bogus", lambda: cell_masks(4, (1, 13), (0, 4),
                                                                   design="bogus"), ("design",)),
        Case("misc", "band_cell_edges valid", lambda: band_cell_edges(24), (),
             check=lambda r: None if r == (0, 1, 2, 4, 8) else f"got {r}"),
        Case("misc", "band_cell_edges length 1", lambda: band_cell_edges(1), ("length",)),
        Case("misc", "band_cell_edges fs negative", lambda: band_cell_edges(24, -1.0), ("fs",)),
        Case("misc", "band_cell_edges eeg without fs", lambda: band_cell_edges(200, eeg=True),
             ("fs",)),
        Case("misc", "band_cell_edges overlapping bands",
             lambda: band_cell_edges(24, bands=[(0.0, 0.3), (0.2, 0.5)]), ("overlap",)),
        Case("misc", "tune_cpu_allocator twice", lambda: (freqxai.tune_cpu_allocator(), freqxai.tune_cpu_allocator()),
             (), check=lambda r: None),
        # declared tags (issue 27): one accessor for explainers, metrics and models
        Case("misc", "get_tags of an explainer class", lambda: freqxai.get_tags(freqxai.FreqRISE), (),
             check=lambda t: None if isinstance(t, freqxai.ExplainerTags) and t.stochastic and not t.reference
             else f"got {t!r}"),
        Case("misc", "get_tags of a reference explainer", lambda: freqxai.get_tags(get_explainer("random", None)),
             (), check=lambda t: None if isinstance(t, freqxai.ExplainerTags) and t.reference else f"got {t!r}"),
        Case("misc", "get_tags of a metric", lambda: freqxai.get_tags(get_metric("deletion")), (),
             check=lambda t: None if isinstance(t, freqxai.MetricTags) and not t.higher_is_better
             else f"got {t!r}"),
        Case("misc", "get_tags of a model", lambda: freqxai.get_tags(MODEL), (),
             check=lambda t: None if type(t).__name__ == "ModelCapabilities" else f"got {t!r}"),
        Case("misc", "get_tags of a domain", lambda: freqxai.get_tags(freqxai.Fourier()), ("get_tags", "explainers")),
        Case("misc", "get_tags of None", lambda: freqxai.get_tags(None), ("model",)),
    ]
    return cases


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------

def cli_call(argv: list[str]) -> Callable[[], CliResult]:
    def call() -> CliResult:
        from freqxai.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.simplefilter("always")
            try:
                rc = main([str(a) for a in argv])
            except SystemExit as e:
                rc = e.code
        return CliResult(rc, out.getvalue(), err.getvalue())
    return call


class _CliFiles:
    def __init__(self, root: Path) -> None:
        from freqxai.models import SynthMLP
        from freqxai.models.cnn import SmallCNN
        from freqxai.models.training import save_state_dict

        self.root = root
        torch.manual_seed(0)
        save_state_dict(SynthMLP().eval(), root / "mlp.pt")
        torch.jit.save(torch.jit.script(SmallCNN(2, 3).eval()), root / "cnn.pt")
        torch.jit.save(torch.jit.script(SmallCNN(3, 3).eval()), root / "cnn3.pt")
        self.X = np.random.default_rng(0).standard_normal((6, 2, 64)).astype(np.float32)
        self.y = np.arange(6) % 3
        np.savez(root / "data.npz", X=self.X, y=self.y, fs=32.0)
        self.n = 0

    def npz(self, **arrays) -> str:
        self.n += 1
        path = self.root / f"d{self.n}.npz"
        np.savez(path, **arrays)
        return str(path)

    def file(self, suffix: str, content: str | bytes) -> str:
        self.n += 1
        path = self.root / f"f{self.n}{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return str(path)

    def config(self, content: Any, suffix: str = ".json") -> str:
        return self.file(suffix, content if isinstance(content, str) else json.dumps(content))

    def out(self) -> str:
        self.n += 1
        return str(self.root / f"run{self.n}")


def cli_cases(f: _CliFiles) -> list[Case]:
    r = f.root
    cases: list[Case] = []

    def refuse(cid: str, argv: list, *frags: str, timeout: float = 60) -> None:
        cases.append(Case("cli", cid, cli_call(argv), frags, cli=True, timeout=timeout))

    def works(cid: str, argv: list, check: Callable[[CliResult], str | None], timeout: float = 120) -> None:
        cases.append(Case("cli", cid, cli_call(argv), (), check=check, cli=True, timeout=timeout))

    def syn(*args):
        return ["run", "synthetic", "--weights", r / "mlp.pt", "--n-test", "2", "--methods", "random",
                "--domains", "fft", "--metrics", "complexity", "--quiet", "--out", f.out(), *args]

    def syn_cfg(path):  # (no flag that would override the file's values)
        return ["run", "synthetic", "--weights", r / "mlp.pt", "--n-test", "2", "--quiet", "--out", f.out(),
                "--config", path]

    def cus(*args, data=None, model=None):
        return ["run", "custom", "--model", model or r / "cnn.pt", "--data", data or r / "data.npz",
                "--n-test", "2", "--methods", "random", "--domains", "fft", "--metrics", "complexity", "--quiet",
                "--out", f.out(), *args]

    # argparse-level
    refuse("no command", [], "command", "required")
    refuse("unknown command", ["explain"], "explain")
    refuse("run without dataset", ["run"], "dataset", "required")
    refuse("run unknown dataset", ["run", "imagenet"], "imagenet")
    refuse("run unknown flag", syn("--masks", "16"), "--masks")
    refuse("run --n-test abc", syn("--n-test", "abc"), "--n-test")
    refuse("run --n-masks 1.5", syn("--n-masks", "1.5"), "--n-masks")
    refuse("run --seed x", syn("--seed", "x"), "--seed")
    refuse("run --label bogus", ["run", "audiomnist", "--label", "bogus"], "--label")
    refuse("train without dataset", ["train"], "dataset", "required")
    refuse("train synthetic without --noise", ["train", "synthetic"], "--noise")
    refuse("data without --src", ["data", "fsdd", "--out", r / "x.h5"], "--src")
    refuse("report without dir", ["report"], "run_dir")
    # run synthetic: values
    for label, args, frag in [
        ("--n-test 0", ("--n-test", "0"), "n_test"), ("--n-test -1", ("--n-test", "-1"), "n_test"),
        ("--n-masks 0", ("--n-masks", "0"), "n_masks"), ("--n-masks -5", ("--n-masks", "-5"), "n_masks"),
        ("--methods bogus", ("--methods", "bogus"), "bogus"),
        ("--methods freqrise,bogus", ("--methods", "freqrise,bogus"), "bogus"),
        ("--methods ''", ("--methods", ""), "methods"), ("--domains dft", ("--domains", "dft"), "dft"),
        ("--domains ','", ("--domains", ","), "domains"), ("--metrics bogus", ("--metrics", "bogus"), "bogus"),
        ("--seed -1", ("--seed", "-1"), "seed"), ("--seed 2**40", ("--seed", str(2**40)), "seed"),
        ("--noise -1", ("--noise", "-1"), "noise"), ("--noise nan", ("--noise", "nan"), "noise"),
        ("--noise inf", ("--noise", "inf"), "noise"),
        ("--devices 0", ("--devices", "0"), "devices"), ("--devices -2", ("--devices", "-2"), "devices"),
        ("--chunk-size 0", ("--chunk-size", "0"), "chunk_size"), ("--threads 0", ("--threads", "0"), "threads"),
        ("--accelerator gpu without CUDA", ("--accelerator", "gpu"), "accelerator"),
        ("--accelerator tpu", ("--accelerator", "tpu"), "accelerator"),
        ("--accelerator bogus", ("--accelerator", "bogus"), "accelerator"),
        ("--test-data missing", ("--test-data", r / "missing.npz"), "test_data"),
        ("--test-data garbage", ("--test-data", f.file(".npz", b"garbage")), f"f{f.n}.npz"),
        ("--test-data without y", ("--test-data", f.npz(X=np.zeros((2, 2560), np.float32))), "y"),
        ("--test-data wrong length", ("--test-data", f.npz(X=np.zeros((2, 100), np.float32), y=[0, 1])),
         "2560"),
        ("--test-data NaN", ("--test-data", f.npz(X=np.full((2, 2560), np.nan, np.float32), y=[0, 1])), "NaN"),
        ("--fs on synthetic", ("--fs", "100"), "fs"), ("--name on synthetic", ("--name", "BasicMotions"), "name"),
        ("--model on synthetic", ("--model", r / "cnn.pt"), "model"),
        ("--epochs with --weights", ("--epochs", "3"), "epochs"),
        ("--label on synthetic", ("--label", "digit"), "label"), ("--fold on synthetic", ("--fold", "1"), "fold"),
        ("--data on synthetic", ("--data", r / "data.npz"), "data"),
        ("--n-train 0", ("--n-train", "0"), "n_train"), ("--epochs 0", ("--epochs", "0"), "epochs"),
    ]:
        refuse(f"run synthetic {label}", syn(*args), frag)
    refuse("run synthetic --weights missing",
           ["run", "synthetic", "--weights", r / "missing.pt", "--out", f.out(), "--quiet"], "weights")
    refuse("run synthetic --weights garbage",
           ["run", "synthetic", "--weights", f.file(".pt", b"garbage"), "--n-test", "2", "--methods", "random",
            "--domains", "fft", "--out", f.out(), "--quiet"], "weights", ".pt")
    refuse("run synthetic --weights of another model",
           ["run", "synthetic", "--weights", r / "cnn.pt", "--n-test", "2", "--methods", "random",
            "--domains", "fft", "--out", f.out(), "--quiet"], "weights", "cnn.pt")
    refuse("run synthetic --out is a file", syn("--out", f.file(".txt", "x")), "out", "f")
    refuse("run synthetic --out unwritable", syn("--out", "/proc/freqxai-run"), "out", "writ", "/proc")
    # configuration files
    for label, content, frag in [
        ("missing", None, "config"), ("invalid JSON", "{", "JSON"), ("holding []", "[]", "mapping"),
        ("holding a string", '"abc"', "mapping"), ("unknown key", {"n_mask": 16}, "n_mask"),
        ("n_masks string", {"n_masks": "many"}, "n_masks"), ("n_masks float", {"n_masks": 16.5}, "n_masks"),
        ("n_masks true", {"n_masks": True}, "n_masks"), ("methods a string", {"methods": "freqrise"}, "methods"),
        ("methods empty", {"methods": []}, "methods"), ("p_keep 2", {"p_keep": 2}, "p_keep"),
        ("p_keep string", {"p_keep": "0.5"}, "p_keep"), ("threshold 5", {"threshold": 5}, "threshold"),
        ("threshold 'median'", {"threshold": "median"}, "threshold"),
        ("use_softmax 'yes'", {"use_softmax": "yes"}, "use_softmax"),
        ("clip_negative 'no'", {"clip_negative": "no"}, "clip_negative"),
        ("chunk_size 0.5", {"chunk_size": 0.5}, "chunk_size"), ("n_steps 0", {"n_steps": 0}, "n_steps"),
        ("seed 2**70", {"seed": 2**70}, "seed"), ("seed -1", {"seed": -1}, "seed"),
        ("stft n_fft -1", {"stft": {"n_fft": -1}, "domains": ["fft", "stft"]}, "n_fft"),
        ("stft n_fft -1 (stft not run)", {"stft": {"n_fft": -1}}, "n_fft"),
        ("stft unknown key", {"stft": {"nfft": 64}, "domains": ["stft"]}, "nfft"),
        ("stft a list", {"stft": [64, 16]}, "stft"),
        ("domain_params wavelet bogus", {"domain_params": {"wavelet": {"wavelet": "db99"}}, "domains": ["wavelet"]},
         "db99"),
        ("domain_params unknown domain", {"domain_params": {"cqt": {}}}, "cqt"),
        ("num_cells negative", {"num_cells": {"fft": -3}}, "num_cells"),
        ("num_cells string", {"num_cells": {"fft": "many"}}, "num_cells"),
        ("num_cells unknown domain", {"num_cells": {"cqt": 4}}, "cqt"),
        ("num_cells not a mapping", {"num_cells": 8}, "num_cells"),
        ("explainer_options n_masks -1", {"explainer_options": {"freqrise": {"n_masks": -1}},
                                          "methods": ["freqrise"]}, "n_masks"),
        ("explainer_options n_masks -1 (freqrise not run)",
         {"explainer_options": {"freqrise": {"n_masks": -1}}}, "n_masks"),
        ("explainer_options unknown option", {"explainer_options": {"freqrise": {"bogus": 1}}}, "bogus"),
        ("explainer_options unknown method", {"explainer_options": {"shap": {}}}, "shap"),
        ("explainer_options estimator bogus", {"explainer_options": {"freqrise": {"estimator": "bogus"}},
                                               "methods": ["freqrise"]}, "estimator"),
        ("explainer_options flex n_steps 'x'", {"explainer_options": {"flex": {"n_steps": "x"}}, "methods": ["flex"]},
         "n_steps"),
        ("explainer_options sets target", {"explainer_options": {"freqrise": {"target": 1}}}, "target"),
        ("explainer_options not a mapping", {"explainer_options": ["freqrise"]}, "explainer_options"),
        ("lrp_composite bogus", {"lrp_composite": "bogus", "methods": ["lrp"]}, "lrp_composite"),
        ("metrics unknown", {"metrics": ["accuracy"]}, "accuracy"),
        ("fs in a synthetic config", {"fs": 100.0}, "fs"),
        ("noise NaN (JSON NaN)", '{"noise": NaN}', "noise"),
        ("devices string", {"devices": "two"}, "devices"),
    ]:
        if content is None:
            path = r / "missing.json"
        elif isinstance(content, dict):  # the run's own methods and domains unless it sets them
            path = f.config({"methods": ["random"], "domains": ["fft"], "metrics": ["complexity"], **content})
        else:
            path = f.config(content)
        refuse(f"config {label}", syn_cfg(path), frag)
    refuse("config .yaml", syn("--config", f.file(".yaml", "n_masks: 16\n")), "JSON", "TOML", "yaml")
    refuse("config invalid TOML", syn("--config", f.file(".toml", "n_masks = \n")), "TOML", "toml")
    refuse("config TOML wrong type", syn("--config", f.file(".toml", 'n_masks = "many"\n')), "n_masks")
    refuse("config TOML unknown key", syn("--config", f.file(".toml", "bogus = 1\n")), "bogus")
    refuse("config a directory", syn("--config", r), "config")
    # run custom
    refuse("run custom without --model", ["run", "custom", "--data", r / "data.npz", "--out", f.out()], "model")
    refuse("run custom without --data", ["run", "custom", "--model", r / "cnn.pt", "--out", f.out()], "data")
    refuse("run custom --model missing", cus(model=r / "missing.pt"), "model", "missing.pt")
    refuse("run custom --model garbage", cus(model=f.file(".pt", b"garbage")), ".pt")
    refuse("run custom --model a state dict without factory", cus(model=r / "mlp.pt"), "model-factory",
           "model_factory")
    refuse("run custom --model-factory bogus", cus("--model-factory", "nope:Net", model=r / "mlp.pt"), "nope")
    refuse("run custom --model 3-channel model", cus(model=r / "cnn3.pt"), "channel")
    refuse("run custom --data missing", cus(data=r / "missing.npz"), "data", "missing.npz")
    refuse("run custom --data garbage", cus(data=f.file(".npz", b"garbage")), "npz", "cannot read")
    refuse("run custom --data .csv", cus(data=f.file(".csv", "1,2,3\n")), ".csv", "npz")
    refuse("run custom --data empty .npz", cus(data=f.npz(Y=np.zeros(3))), "X")
    refuse("run custom --data X 1-D", cus(data=f.npz(X=np.zeros(64))), "X")
    refuse("run custom --data X 4-D", cus(data=f.npz(X=np.zeros((2, 2, 2, 64)))), "X")
    refuse("run custom --data X empty", cus(data=f.npz(X=np.zeros((0, 2, 64)))), "X")
    refuse("run custom --data X NaN", cus(data=f.npz(X=np.full((4, 2, 64), np.nan))), "NaN")
    refuse("run custom --data X strings", cus(data=f.npz(X=np.array([["a"] * 64] * 4)))
           , "X")
    refuse("run custom --data X complex", cus(data=f.npz(X=np.ones((4, 2, 64)) * 1j)), "X", "real")
    refuse("run custom --data X bool", cus(data=f.npz(X=np.ones((4, 2, 64), bool))), "X")
    refuse("run custom --data X of one sample", cus(data=f.npz(X=np.ones((4, 2, 1), np.float32), fs=32.0)),
           "length", "sample")
    refuse("run custom --data y wrong length", cus(data=f.npz(X=f.X, y=[0, 1])), "y")
    refuse("run custom --data y floats", cus(data=f.npz(X=f.X, y=np.zeros(6))), "y")
    refuse("run custom --data y negative", cus(data=f.npz(X=f.X, y=-np.ones(6, int))), "y")
    refuse("run custom --data y beyond the model's classes", cus(data=f.npz(X=f.X, y=np.full(6, 7))), "label")
    refuse("run custom --data fs 0", cus(data=f.npz(X=f.X, fs=0.0)), "fs")
    refuse("run custom --data fs two rates", cus(data=f.npz(X=f.X, fs=[100, 250])), "fs")
    refuse("run custom --data channel_names wrong length",
           cus(data=f.npz(X=f.X, channel_names=np.array(["a", "b", "c"]))), "channel_names")
    refuse("run custom --data class_names wrong length",
           cus(data=f.npz(X=f.X, class_names=np.array(["a"]))), "class_names")
    refuse("run custom --data pickled object array",
           cus(data=_pickled_npz(f)), "pickl")
    refuse("run custom --fs 0", cus("--fs", "0"), "fs")
    refuse("run custom --fs -10", cus("--fs", "-10"), "fs")
    refuse("run custom --fs nan", cus("--fs", "nan"), "fs")
    refuse("run custom --noise", cus("--noise", "0.5"), "noise")
    refuse("run custom --methods lrp on TorchScript", cus("--methods", "lrp"), "lrp", "TorchScript")
    refuse("run custom --domains stft n_fft too long",
           cus("--domains", "stft", "--config", f.config({"stft": {"n_fft": 512}})), "n_fft")
    refuse("run custom --domains wavelet level too deep",
           cus("--domains", "wavelet", "--config", f.config({"domain_params": {"wavelet": {"level": 12}}})), "level")
    good4 = f.out()
    clamped = cus("--methods", "freqrise", "--n-masks", "16", "--config", f.config({"num_cells": {"fft": 500}}))
    clamped[clamped.index("--out") + 1] = good4  # (the configuration file stays in the command)
    works("run custom num_cells larger than the axis (documented: clamped)", clamped, lambda res: None)
    # run uea (without a model it trains: refused settings only, plus one tiny run)
    refuse("run uea without --name", ["run", "uea", "--out", f.out()], "name")
    refuse("run uea --name bogus", ["run", "uea", "--name", "NoSuchSet", "--epochs", "1", "--n-test", "2",
                                    "--methods", "random", "--domains", "fft", "--out", f.out(), "--quiet"],
           "NoSuchSet")
    refuse("run uea --model of the wrong channel count",
           ["run", "uea", "--name", "BasicMotions", "--model", r / "cnn.pt", "--n-test", "2", "--methods",
            "random", "--domains", "fft", "--out", f.out(), "--quiet"], "channel")
    refuse("run uea --epochs 0", ["run", "uea", "--name", "BasicMotions", "--epochs", "0", "--out", f.out()],
           "epochs")
    # run audiomnist / fsdd
    refuse("run audiomnist without --data", ["run", "audiomnist", "--out", f.out()], "data")
    refuse("run fsdd --data missing", ["run", "fsdd", "--data", r / "missing.h5", "--out", f.out()], "data")
    garbage_h5 = f.file(".h5", b"garbage")
    refuse("run fsdd --data garbage", ["run", "fsdd", "--data", garbage_h5, "--out", f.out(), "--n-test", "2",
                                       "--methods", "random", "--domains", "fft"], Path(garbage_h5).name)
    refuse("run fsdd --data a custom npz", ["run", "fsdd", "--data", r / "data.npz", "--out", f.out(),
                                            "--n-test", "2", "--methods", "random", "--domains", "fft"], "data.npz")
    fsdd_h5 = r / "fsdd.h5"
    works("data fsdd on a tiny fake FSDD", ["data", "fsdd", "--src", _fake_fsdd(r), "--out", fsdd_h5, "--quiet"],
          lambda res: None if fsdd_h5.is_file() else "no HDF5 written")
    a_dir = _empty_dir(r)
    refuse("data fsdd --out exists as a folder", ["data", "fsdd", "--src", r / "fake_fsdd", "--out", a_dir],
           "out", a_dir.name)
    refuse("run fsdd --fold -1", ["run", "fsdd", "--data", fsdd_h5, "--fold", "-1", "--out", f.out()], "fold")
    refuse("run fsdd --fold 99", ["run", "fsdd", "--data", fsdd_h5, "--fold", "99", "--out", f.out()], "fold")
    refuse("run audiomnist on the FSDD file", ["run", "audiomnist", "--data", fsdd_h5, "--out", f.out()],
           "fsdd", "audiomnist")
    refuse("run fsdd --weights of another model", ["run", "fsdd", "--data", fsdd_h5, "--weights", r / "mlp.pt",
                                                   "--n-test", "2", "--methods", "random", "--domains", "fft",
                                                   "--out", f.out()], "weights", "mlp.pt")
    # train
    for label, args, frag in [
        ("--noise -1", ("--noise", "-1"), "noise"), ("--noise nan", ("--noise", "nan"), "noise"),
        ("--epochs 0", ("--noise", "0.1", "--epochs", "0"), "epochs"),
        ("--n-train 0", ("--noise", "0.1", "--n-train", "0"), "n_train"),
        ("--seed -1", ("--noise", "0.1", "--seed", "-1"), "seed"),
        ("--devices 0", ("--noise", "0.1", "--devices", "0", "--n-train", "10", "--epochs", "1"), "devices"),
        ("--accelerator bogus", ("--noise", "0.1", "--accelerator", "bogus", "--n-train", "10", "--epochs", "1"),
         "accelerator"),
        ("--out unwritable", ("--noise", "0.1", "--out", "/proc/freqxai-models", "--n-train", "10", "--epochs", "1"),
         "out"),
    ]:
        refuse(f"train synthetic {label}", ["train", "synthetic", *args, "--quiet"], frag, "/proc")
    refuse("train fsdd --data missing", ["train", "fsdd", "--data", r / "missing.h5", "--out", f.out()], "data",
           "missing.h5")
    refuse("train fsdd --data garbage", ["train", "fsdd", "--data", garbage_h5, "--out", f.out()],
           Path(garbage_h5).name)
    refuse("train fsdd --epochs 0", ["train", "fsdd", "--data", r / "data.npz", "--epochs", "0", "--out", f.out()],
           "epochs")
    refuse("train fsdd --patience -1",
           ["train", "fsdd", "--data", r / "data.npz", "--patience", "-1", "--out", f.out()], "patience")
    refuse("train fsdd --fold 99", ["train", "fsdd", "--data", fsdd_h5, "--fold", "99", "--out", f.out()], "fold")
    refuse("train fsdd --fold -1", ["train", "fsdd", "--data", fsdd_h5, "--fold", "-1", "--out", f.out()], "fold")
    refuse("train audiomnist on the FSDD file", ["train", "audiomnist", "--data", fsdd_h5, "--out", f.out()],
           "fsdd", "audiomnist")
    # quickstart
    for label, args, frag in [
        ("--n-explain 0", ("--n-explain", "0"), "n_explain"), ("--epochs 0", ("--epochs", "0"), "epochs"),
        ("--n-train 0", ("--n-train", "0"), "n_train"), ("--n-masks 0", ("--n-masks", "0"), "n_masks"),
        ("--noise -1", ("--noise", "-1"), "noise"), ("--noise nan", ("--noise", "nan"), "noise"),
        ("--seed -1", ("--seed", "-1"), "seed"),
        ("--out unwritable", ("--out", "/proc/freqxai-quickstart"), "out"),
    ]:
        refuse(f"quickstart {label}", ["quickstart", "--out", f.out(), *args, "--quiet"], frag, "/proc")
    # data
    refuse("data fsdd --src missing", ["data", "fsdd", "--src", r / "missing", "--out", r / "x.h5"], "src",
           "missing")
    refuse("data fsdd --src empty folder", ["data", "fsdd", "--src", _empty_dir(r), "--out", r / "y.h5"], "wav",
           "src")
    refuse("data fsdd --src a file", ["data", "fsdd", "--src", r / "data.npz", "--out", r / "z.h5"], "src",
           "data.npz")
    refuse("data audiomnist --src empty folder",
           ["data", "audiomnist", "--src", _empty_dir(r), "--out", r / "w.h5"], "wav", "src", "meta")
    refuse("data fsdd --out unwritable",
           ["data", "fsdd", "--src", _empty_dir(r), "--out", "/proc/freqxai.h5"], "out", "/proc", "wav")
    # report
    refuse("report missing dir", ["report", r / "no-run"], "no-run")
    refuse("report empty dir", ["report", _empty_dir(r)], "results.h5")
    refuse("report a file", ["report", r / "data.npz"], "data.npz", "results.h5")
    bad_run = r / "bad-run"
    bad_run.mkdir(exist_ok=True)
    (bad_run / "results.h5").write_bytes(b"garbage")
    refuse("report garbage results.h5", ["report", bad_run], "results.h5")
    # valid commands (tiny)
    good = f.out()

    def run_ok(path):
        def check(res: CliResult) -> str | None:
            if not (Path(path) / "results.h5").is_file():
                return "exit 0 but no results.h5"
            if "nan" in (Path(path) / "results.md").read_text().lower():
                return "results.md holds NaN"
            return None
        return check

    works("run custom tiny (random, freqrise)",
          ["run", "custom", "--model", r / "cnn.pt", "--data", r / "data.npz", "--n-test", "2", "--n-masks", "16",
           "--methods", "random,freqrise", "--domains", "fft", "--metrics", "complexity,deletion", "--quiet",
           "--out", good], run_ok(good))
    works("report of the tiny run", ["report", good],
          lambda res: None if (Path(good) / "report.html").is_file() else "no report.html")
    works("run custom tiny again resumes", ["run", "custom", "--model", r / "cnn.pt", "--data", r / "data.npz",
                                            "--n-test", "2", "--n-masks", "16", "--methods", "random,freqrise",
                                            "--domains", "fft", "--metrics", "complexity,deletion", "--quiet",
                                            "--out", good],
          run_ok(good))
    refuse("run custom tiny again with another setting", ["run", "custom", "--model", r / "cnn.pt", "--data",
                                                          r / "data.npz", "--n-test", "2", "--n-masks", "32",
                                                          "--methods", "random,freqrise", "--domains", "fft",
                                                          "--metrics", "complexity,deletion", "--quiet", "--out",
                                                          good], "configuration", "n_masks")
    good5 = f.out()
    works("run custom with the default methods and metrics",
          ["run", "custom", "--model", r / "cnn.pt", "--data", r / "data.npz", "--n-test", "2", "--n-masks", "16",
           "--quiet", "--out", good5], run_ok(good5), timeout=240)
    good2 = f.out()
    works("run custom (n, time) data",
          ["run", "custom", "--model", r / "cnn1.pt", "--data", f.npz(X=f.X[:, 0]), "--n-test", "2",
           "--methods", "random", "--domains", "fft", "--metrics", "complexity", "--quiet", "--out", good2],
          run_ok(good2))
    good6 = f.out()
    works("run custom data without fs",
          ["run", "custom", "--model", r / "cnn.pt", "--data", f.npz(X=f.X), "--n-test", "2",
           "--methods", "random", "--domains", "fft", "--metrics", "complexity", "--quiet", "--out", good6],
          run_ok(good6))
    good3 = f.out()
    works("run uea BasicMotions --epochs 1 tiny",
          ["run", "uea", "--name", "BasicMotions", "--epochs", "1", "--n-test", "2", "--methods", "random",
           "--domains", "fft", "--metrics", "complexity", "--quiet", "--out", good3], run_ok(good3), timeout=180)
    return cases


def _fake_fsdd(root: Path) -> Path:
    """Six speakers x two digits of 0.3 s tones at 8 kHz in FSDD's layout."""
    from scipy.io import wavfile

    src = root / "fake_fsdd" / "recordings"
    src.mkdir(parents=True, exist_ok=True)
    t = np.arange(2400) / 8000
    for i, speaker in enumerate(["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]):
        for digit in (0, 1):
            tone = 0.3 * np.sin(2 * np.pi * (200 + 100 * digit + 10 * i) * t)
            wavfile.write(src / f"{digit}_{speaker}_0.wav", 8000, (tone * 32767).astype(np.int16))
    return src.parent


def _empty_dir(root: Path) -> Path:
    d = Path(tempfile.mkdtemp(dir=root))
    return d


def _pickled_npz(f: _CliFiles) -> str:
    f.n += 1
    path = f.root / f"p{f.n}.npz"
    np.savez(path, X=f.X, meta=np.array([{"a": 1}], dtype=object))
    return str(path)


# ------------------------------------------------------------------------------------------------
# issue 25: what the release after the first tour added (summary and answer, adapters, unequal
# lengths, EEG, sanity checks, FLEXtime/FreqMask, plug-ins, the CLI's new sources and flags)
# ------------------------------------------------------------------------------------------------

# the bad numbers every numeric parameter of the new functions is tried with (those of them out
# of the parameter's range: ``numbers(*valid)`` leaves out the labels that are valid there)
BAD_NUMBERS: list[tuple[str, Any]] = [("0", 0), ("-1", -1), ("NaN", NAN), ("inf", INF), ("1.5", 1.5),
                                      ("True", True), ("'3'", "3")]


def numbers(*valid: str) -> list[tuple[str, Any]]:
    return [(lbl, v) for lbl, v in BAD_NUMBERS if lbl not in valid]


def table_cases(area: str, prefix: str, call: Callable[..., Any],
                table: list[tuple[str, list[tuple[str, Any]], tuple[str, ...]]], **case: Any
                ) -> list[Case]:
    """One bad-input case per (parameter, bad values, fragments) row: ``call(**{name: value})``
    must be refused naming a fragment."""
    return [Case(area, f"{prefix}({name}={label})", lambda n=name, v=value: call(**{n: v}), frags,
                 **case)
            for name, values, frags in table for label, value in values]


def _ragged_pair(x: Any = None) -> list:
    """Two series of unequal length (64 and 48 samples) of the tour's inputs."""
    x = X if x is None else x
    return [x[0], x[1, :, :48]]


def _closed(result: Any) -> Any:
    """A figure (or the figure of Axes) closed once made: the tour draws hundreds."""
    import matplotlib.pyplot as plt

    fig = result if type(result).__name__ == "Figure" else getattr(result, "figure", None)
    if fig is not None and type(fig).__name__ == "Figure":
        plt.close(fig)
    return result


def _closed_plot(plot: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return _closed(plot(*args, **kwargs))


def _writes(path: Path) -> Callable[[Any], str | None]:
    return lambda r: None if Path(path).is_file() and Path(path).stat().st_size else f"no {path}"


def summary_new_cases(root: Path) -> list[Case]:
    """summarize's new inputs (issue 25), headline_from_csv, signal_bands, band_intervention."""
    from freqxai.summary import (
        SUMMARY_COLUMNS,
        band_intervention,
        headline,
        headline_from_csv,
        signal_bands,
        summarize,
    )

    rel = {"freqrise": ref("freqrise", "fft"), "flex": ref("flex", "fft")}
    t = PRED.numpy()
    ragged = {"flex": get_explainer("flex", MODEL).attribute(_ragged_pair(), n_steps=4)}

    def base(**kw):
        args = {"relevance": rel, "targets": t, "length": LENGTH, "fs": 32.0, "domain": "fft"}
        args.update(kw)
        return summarize(args.pop("relevance"), args.pop("targets"), **args)

    def table_ok(df):
        if list(df.columns) != SUMMARY_COLUMNS or df.empty:
            return "not a summary table"
        return None

    def covers(df) -> str | None:  # every band of the table holds a coefficient
        empty = sorted(set(df[df["n_coefficients"] == 0]["band"]))
        return table_ok(df) or (f"bands without a coefficient scored: {empty}" if empty else None)

    csv_ok = root / "summary_ok.csv"
    base().to_csv(csv_ok, index=False)
    csv_other = root / "not_a_summary.csv"
    csv_other.write_text("a,b\n1,2\n")
    csv_empty = root / "empty_summary.csv"
    csv_empty.write_text("")
    nyquist = [("a", (0.0, 16.0)), ("above Nyquist", (40.0, 50.0))]
    cases = [
        # bands that do not partition the signal's frequencies: refused (or warned) naming them
        Case("summary", "bands overlapping", lambda: base(bands={"a": (0.0, 8.0), "b": (4.0, 16.0)}),
             ("overlap",)),
        Case("summary", "bands leaving a gap", lambda: base(bands={"a": (0.0, 4.0), "b": (8.0, 16.0)}),
             ("gap", "outside", "not covered", "cover")),
        Case("summary", "band entirely above Nyquist", lambda: base(bands=dict(nyquist)),
             ("Nyquist", "no coefficient", "no bin", "hold no")),
        Case("summary", "band narrower than a bin", lambda: base(
            bands={"a": (0.0, 10.1), "b": (10.1, 10.2), "c": (10.2, 16.0)}),
             ("no coefficient", "no bin", "hold no", "narrower")),
        Case("summary", "bands NaN edge", lambda: base(bands={"a": (0.0, NAN)}), ("band",)),
        Case("summary", "bands as a list of tuples", lambda: base(bands=[(0.0, 8.0), (8.0, 16.0)]),
             ("mapping", "dict", "{name"), check=covers, either=True),
        Case("summary", "bands one edge", lambda: base(bands={"a": 8.0}), ("band",)),
        Case("summary", "eeg=True without fs", lambda: base(fs=None, eeg=True), ("fs",)),
        Case("summary", "relevance 2-D (no channel axis)",
             lambda: base(relevance={"flex": ref("flex", "fft")[:, 0]}),
             ("rank", "dimensions", "ndim", "2-D", "(batch, channels")),
        Case("summary", "standard_errors a tensor", lambda: base(standard_errors=torch.ones(B, 1, 33)),
             ("standard_errors",)),
        Case("summary", "interventions without kept", lambda: base(interventions=[
            {"class": str(t[0]), "band": "DC", "accuracy": 1.0, "removed": 0.5}]), ("kept",)),
        Case("summary", "interventions a dict", lambda: base(interventions={
            "class": str(t[0]), "band": "DC", "accuracy": 1.0, "kept": 1.0, "removed": 0.5}),
             ("interventions",)),
        Case("summary", "interventions of an unknown band", lambda: base(interventions=[
            {"class": str(t[0]), "band": "theta", "accuracy": 1.0, "kept": 1.0, "removed": 0.5}]),
             ("theta", "band")),
        Case("summary", "interventions kept=1.5", lambda: base(interventions=[
            {"class": str(t[0]), "band": "DC", "accuracy": 1.0, "kept": 1.5, "removed": 0.5}]),
             ("kept",)),
        Case("summary", "unequal lengths given one scalar length",
             lambda: base(relevance=ragged, length=LENGTH), ("length",)),
        Case("summary", "unequal lengths on the wrong grid",
             lambda: base(relevance=ragged, length=[LENGTH, 40]), ("length",)),
        Case("summary", "unequal lengths valid", lambda: base(relevance=ragged, length=[LENGTH, 48]),
             (), check=table_ok),
        Case("summary", "domains a list", lambda: base(
            relevance={("flex", "stft"): ref("flex", "stft")}, domain=None, domains=["stft"]),
             ("domains",)),
        Case("summary", "epochs not an Epochs", lambda: base(epochs=X.numpy()), ("epochs",)),
        Case("summary", "additive values not bool", lambda: base(additive={"flex": "yes"}), ("additive",)),
        Case("summary", "channel_names of ints", lambda: base(channel_names=[1, 2]), ("channel_names",)),
        Case("summary", "valid default bands: every band holds a coefficient", lambda: base(), (),
             check=covers),
        Case("summary", "valid EEG bands with fs: every band holds a coefficient",
             lambda: base(eeg=True, fs=128.0), (), check=covers),
        Case("summary", "valid user bands covering 0-16 Hz", lambda: base(bands={"a": (0.0, 8.0), "b": (8.0, 16.0)}),
             (), check=covers),
    ]
    cases += table_cases("summary", "summarize", base, [
        ("fs", [("inf", INF), ("a list", [32.0]), ("'3'", "3")], ("fs",)),
        ("length", numbers("inf", "1.5") + [("a list of floats", [64.0, 64.0])], ("length",)),
        ("eeg", [("1", 1), ("None", None), ("'True'", "True")], ("eeg",)),
    ])
    cases += [
        Case("summary", "headline_from_csv of a CSV that is not a summary",
             lambda: headline_from_csv(csv_other), ("summary", "column")),
        Case("summary", "headline_from_csv of an empty file", lambda: headline_from_csv(csv_empty),
             ("summary", "empty", csv_empty.name)),
        Case("summary", "headline_from_csv of None", lambda: headline_from_csv(None),
             ("path must", "path=", "path:", "headline_from_csv")),
        Case("summary", "headline_from_csv of a missing file is empty (documented)",
             lambda: headline_from_csv(root / "no_summary.csv"), (),
             check=lambda r: None if r == [] else f"got {r!r}"),
        Case("summary", "headline_from_csv valid", lambda: headline_from_csv(csv_ok), (),
             check=lambda r: None if r == headline(base()) else f"differs from headline(df): {r!r}"),
        Case("summary", "headline_from_csv of a str path", lambda: headline_from_csv(str(csv_ok)), (),
             check=lambda r: None if r and all(isinstance(s, str) for s in r) else f"got {r!r}"),
    ]
    cases += table_cases("summary", "signal_bands", lambda **kw: signal_bands(**{"length": LENGTH, **kw}), [
        ("length", numbers() + [("1", 1), ("None", None)], ("length",)),
        ("fs", numbers("1.5"), ("fs",)),
        ("bands", [("empty", {}), ("a string", "alpha"), ("a list of numbers", [0.0, 8.0])], ("band",)),
    ])
    cases += table_cases("summary", "signal_bands fs=32", lambda **kw: signal_bands(LENGTH, 32.0, **kw), [
        ("eeg", [("'yes'", "yes"), ("1", 1), ("None", None)], ("eeg",)),
    ])

    def contiguous(bands, top):
        edges = sorted(bands.values())
        if not edges or edges[0][0] != 0 or not np.isclose(edges[-1][1], top):
            return f"bands {edges} do not span [0, {top}]"
        if any(not np.isclose(a[1], b[0]) for a, b in zip(edges, edges[1:], strict=False)):
            return f"bands {edges} are not contiguous"
        return None

    cases += [
        Case("summary", "signal_bands eeg=True without fs", lambda: signal_bands(LENGTH, eeg=True), ("fs",)),
        Case("summary", "signal_bands valid Hz", lambda: signal_bands(LENGTH, 32.0), (),
             check=lambda r: contiguous(r, 16.0)),
        Case("summary", "signal_bands valid cycles/sample", lambda: signal_bands(LENGTH), (),
             check=lambda r: contiguous(r, 0.5)),
        Case("summary", "signal_bands np.int64 length", lambda: signal_bands(np.int64(LENGTH), 32.0), (),
             check=lambda r: None if r == signal_bands(LENGTH, 32.0) else "differs from length=64"),
        Case("summary", "signal_bands EEG bands at 32 Hz stop at Nyquist",
             lambda: signal_bands(LENGTH, 32.0, eeg=True), ("Nyquist", "fs"),
             check=lambda r: contiguous(r, 16.0), either=True),
    ]

    # band_intervention: CNN on the tour's inputs, 32 Hz (Nyquist 16 Hz)
    def bi(**kw):
        args = {"model": MODEL, "inputs": X, "targets": PRED, "band": (4.0, 8.0), "fs": 32.0}
        args.update(kw)
        return band_intervention(args.pop("model"), args.pop("inputs"), args.pop("targets"),
                                 args.pop("band"), **args)

    def bi_ok(r):
        if not isinstance(r, dict) or set(r) != {"accuracy", "kept", "removed", "n_bins"}:
            return f"got {r!r}"
        if not all(0 <= r[k] <= 1 for k in ("accuracy", "kept", "removed")):
            return f"an accuracy outside [0, 1]: {r}"
        return None

    def whole(r):  # keeping every bin leaves the signals as they were
        return bi_ok(r) or (None if r["kept"] == r["accuracy"] and r["n_bins"] == LENGTH // 2 + 1
                            else f"the whole band changed the result: {r}")

    cases += [
        Case("summary", "band_intervention band in Hz without fs", lambda: bi(band=(8.0, 16.0), fs=None),
             ("fs", "Nyquist", "cycles")),
        Case("summary", "band_intervention band above Nyquist", lambda: bi(band=(40.0, 50.0)),
             ("Nyquist", "no bin", "no coefficient", "0 bins", "holds no")),
        Case("summary", "band_intervention band narrower than a bin", lambda: bi(band=(10.1, 10.2)),
             ("no bin", "no coefficient", "0 bins", "holds no", "narrower")),
        Case("summary", "band_intervention targets out of range", lambda: bi(targets=PRED + 5), ("target",)),
        Case("summary", "band_intervention targets non-integral", lambda: bi(targets=PRED.double() + 0.5),
             ("target",)),
        Case("summary", "band_intervention targets strings", lambda: bi(targets=["a", "b"]), ("target",)),
        Case("summary", "band_intervention targets negative", lambda: bi(targets=-PRED - 1), ("target",)),
        Case("summary", "band_intervention inputs NaN", lambda: bi(inputs=X.masked_fill(X > 1, NAN)), ("NaN",)),
        Case("summary", "band_intervention inputs rank 2", lambda: bi(inputs=X[:, 0]), ("inputs", "shape")),
        Case("summary", "band_intervention model None", lambda: bi(model=None), ("model",)),
        Case("summary", "band_intervention valid", lambda: bi(), (), check=bi_ok),
        Case("summary", "band_intervention valid whole spectrum", lambda: bi(band=(0.0, 16.0)), (), check=whole),
        Case("summary", "band_intervention valid cycles/sample", lambda: bi(band=(0.125, 0.25), fs=None), (),
             check=lambda r: bi_ok(r) or (None if r == bi() else f"differs from the band in Hz: {r}")),
        Case("summary", "band_intervention valid numpy float64", lambda: bi(inputs=X.double().numpy(),
                                                                             targets=PRED.numpy()), (),
             check=lambda r: None if r == bi() else f"differs from the tensor call: {r}"),
        Case("summary", "band_intervention valid batch_size=1", lambda: bi(batch_size=1), (),
             check=lambda r: None if r == bi() else f"differs from the default batch: {r}"),
        Case("summary", "band_intervention valid unequal lengths",
             lambda: bi(inputs=_ragged_pair(), targets=[0, 1]), (), check=bi_ok),
    ]
    cases += table_cases("summary", "band_intervention", bi, [
        ("fs", numbers("1.5"), ("fs",)),
        ("batch_size", numbers(), ("batch_size",)),
        ("band", [("low > high", (8.0, 4.0)), ("a string", "alpha"), ("NaN edge", (NAN, 8.0)),
                  ("one edge", (8.0,)), ("None", None), ("three edges", (1.0, 2.0, 3.0))], ("band",)),
    ])
    return cases


def ragged_cases() -> list[Case]:
    """freqxai.ragged's helpers and load_uea (series of unequal length)."""
    from freqxai import Fourier
    from freqxai.ragged import (
        attribute_ragged,
        check_lengths,
        coefficient_grid,
        common_profile,
        crop_relevance,
        group_slices,
        is_ragged,
        pad_coefficients,
        pad_series,
        split_by_length,
        unpad_series,
    )

    pair = [a.numpy() for a in _ragged_pair()]
    lengths = np.array([LENGTH, 48])
    fft = Fourier()
    rel = [np.abs(np.fft.rfft(a)).astype(np.float32) for a in pair]  # (2, 33), (2, 25)
    padded, _ = pad_series(pair)
    saliency = get_explainer("saliency", MODEL)

    def padded_ok(r):
        xp, n = r
        if xp.dtype != np.float32 or xp.shape != (2, C, LENGTH) or n.tolist() != [LENGTH, 48]:
            return f"got {describe(r)}"
        return None if np.array_equal(xp[1, :, :48], pair[1]) and not xp[1, :, 48:].any() \
            else "not zero-padded after the end"

    cases = [
        Case("ragged", "is_ragged of a list", lambda: is_ragged(pair), (),
             check=lambda r: None if r is True else f"got {r!r}"),
        Case("ragged", "is_ragged of a batch", lambda: is_ragged(X), (),
             check=lambda r: None if r is False else f"got {r!r}"),
        Case("ragged", "split_by_length valid", lambda: split_by_length(pair), (),
             check=lambda r: None if r == {LENGTH: [0], 48: [1]} else f"got {r!r}"),
        Case("ragged", "split_by_length empty list", lambda: split_by_length([]), ("empty",)),
        Case("ragged", "split_by_length a 1-D series", lambda: split_by_length([pair[0][0]]), ("inputs[0]",)),
        Case("ragged", "split_by_length a number", lambda: split_by_length([5.0]), ("inputs[0]",)),
        Case("ragged", "split_by_length channel counts differ",
             lambda: split_by_length([pair[0], pair[1][:1]]), ("channels",)),
        Case("ragged", "split_by_length tensors and arrays mixed",
             lambda: split_by_length([X[0], pair[1]]), ("mix",)),
        Case("ragged", "pad_series valid float32", lambda: pad_series(pair), (), check=padded_ok),
        Case("ragged", "pad_series of float64 series (float32 storage, documented)",
             lambda: pad_series([a.astype(np.float64) for a in pair]), (), check=padded_ok),
        Case("ragged", "pad_series empty list", lambda: pad_series([]), ("empty",)),
        Case("ragged", "unpad_series valid", lambda: unpad_series(padded, lengths), (),
             check=lambda r: None if [a.shape[-1] for a in r] == [LENGTH, 48] else f"got {describe(r)}"),
        Case("ragged", "unpad_series lengths beyond X", lambda: unpad_series(padded, [LENGTH, 80]),
             ("lengths",)),
        Case("ragged", "unpad_series lengths of another count", lambda: unpad_series(padded, [LENGTH]),
             ("lengths",)),
        Case("ragged", "check_lengths valid", lambda: check_lengths([LENGTH, 48], 2, LENGTH), (),
             check=lambda r: None if r.dtype == np.int64 and r.tolist() == [LENGTH, 48] else f"got {r!r}"),
        Case("ragged", "check_lengths names its where", lambda: check_lengths([1.5, 2.5], 2, LENGTH,
                                                                               where="lengths in d.npz"),
             ("lengths in d.npz",)),
        Case("ragged", "group_slices valid", lambda: group_slices(np.array([48, LENGTH, 48])), (),
             check=lambda r: None if [(n, i.tolist()) for n, i in r] == [(48, [0, 2]), (LENGTH, [1])]
             else f"got {r!r}"),
        Case("ragged", "coefficient_grid valid", lambda: coefficient_grid(fft, lengths), (),
             check=lambda r: None if r == (LENGTH // 2 + 1,) else f"got {r!r}"),
        Case("ragged", "coefficient_grid of a domain name", lambda: coefficient_grid("fft", lengths),
             ("domain",), check=lambda r: None if r == (LENGTH // 2 + 1,) else f"got {r!r}", either=True),
        Case("ragged", "coefficient_grid of no lengths", lambda: coefficient_grid(fft, []), ("lengths",)),
        Case("ragged", "coefficient_grid of length 0", lambda: coefficient_grid(fft, [0]), ("length",)),
        Case("ragged", "pad_coefficients valid", lambda: pad_coefficients(rel[1][None], (33,)), (),
             check=lambda r: None if r.shape == (1, C, 33) and np.isnan(r[..., 25:]).all()
             and np.array_equal(r[..., :25], rel[1][None]) else f"got {describe(r)}"),
        Case("ragged", "pad_coefficients grid smaller than the coefficients",
             lambda: pad_coefficients(rel[0][None], (25,)), ("grid",)),
        Case("ragged", "pad_coefficients 1-D array", lambda: pad_coefficients(rel[0][0], (33,)),
             ("shape", "(g, channels")),
        Case("ragged", "crop_relevance valid", lambda: crop_relevance(
            np.stack([rel[0], pad_coefficients(rel[1][None], (33,))[0]]), fft, lengths), (),
             check=lambda r: None if [a.shape for a in r] == [(C, 33), (C, 25)]
             and np.isfinite(r[1]).all() else f"got {describe(r)}"),
        Case("ragged", "crop_relevance lengths of another count",
             lambda: crop_relevance(np.stack([rel[0], rel[0]]), fft, [LENGTH, 48, 48]), ("lengths",)),
        Case("ragged", "common_profile valid", lambda: common_profile(rel, fft, lengths, 32.0), (),
             check=lambda r: None if r[0].shape == (2, 33) and np.isfinite(r[0]).all()
             and np.isclose(r[1][-1], 16.0) else f"got {describe(r)}"),
        Case("ragged", "common_profile relevance and lengths differ",
             lambda: common_profile(rel, fft, [LENGTH, 40]), ("length", "relevance")),
        Case("ragged", "attribute_ragged valid", lambda: attribute_ragged(saliency.attribute, pair, None), (),
             check=lambda r: None if [a.shape for a in r] == [(C, 33), (C, 25)] else f"got {describe(r)}"),
        Case("ragged", "attribute_ragged target of another length",
             lambda: attribute_ragged(saliency.attribute, pair, [0, 1, 2]), ("target",)),
        Case("ragged", "attribute_ragged call not callable", lambda: attribute_ragged(5, pair, None),
             ("call",)),
        # the explainers keep float32 for series of unequal length (issue 25)
        Case("ragged", "FreqRISE on float32 series of unequal length keeps float32",
             lambda: freqxai.FreqRISE(MODEL, **fast_settings("freqrise")).attribute(pair, **fast("freqrise")), (),
             check=lambda r: None if all(a.dtype == np.float32 for a in r) else f"got {describe(r)}"),
        Case("ragged", "load_uea JapaneseVowels: float32 series of unequal length",
             lambda: _uea("JapaneseVowels"), (), timeout=60,
             check=lambda d: None if d.lengths is not None and all(
                 s.dtype == np.float32 and s.shape[-1] == n for s, n in zip(d.series(), d.lengths, strict=True))
             else f"got {describe(d.series())}"),
        Case("ragged", "bundled_sets lists the unequal-length set", lambda: _bundled(), (),
             check=lambda r: None if {"BasicMotions", "JapaneseVowels"} <= set(r) else f"got {r!r}"),
        Case("ragged", "load_uea BasicMotions", lambda: _uea("BasicMotions"), (),
             check=lambda d: None if d.X.dtype == np.float32 and d.X.shape == (40, 6, 100) and d.lengths is None
             else f"got {describe(d.X)}"),
    ]
    cases += table_cases("ragged", "check_lengths", lambda **kw: check_lengths(
        **{"lengths": [LENGTH, 48], "n": 2, "max_length": LENGTH, **kw}), [
        ("lengths", [("floats", [64.0, 48.0]), ("NaN", [LENGTH, NAN]), ("2-D", [[LENGTH, 48]]),
                     ("below 2", [LENGTH, 1]), ("beyond max_length", [LENGTH, 80]),
                     ("another count", [LENGTH]), ("a string", "64,48"), ("None", None)], ("lengths",)),
    ])
    cases += table_cases("ragged", "load_uea", lambda **kw: _uea(**{"name": "BasicMotions", **kw}), [
        ("name", [("unknown", "NoSuchSet"), ("int", 5), ("None", None)], ("name", "NoSuchSet", "set")),
        ("split", [("bogus", "validation"), ("None", None), ("int", 1)], ("split",)),
    ])
    return cases


def _bundled() -> list[str]:
    from freqxai.data.uea import bundled_sets

    return bundled_sets()


def _uea(name: str, split: str = "train"):
    from freqxai.data.uea import load_uea

    key = ("uea", name, split)
    if isinstance(name, str) and isinstance(split, str) and key in _REFS:
        return _REFS[key]
    out = load_uea(name, split)
    _REFS[key] = out
    return out


class _Proba:
    """A classifier (fit / predict_proba) whose probabilities are scaled or shifted: rows that sum
    to 2, or negative ones."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0) -> None:
        self.scale, self.shift = scale, shift

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        a = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        z = np.stack([a.mean(1), a.std(1), a[:, :8].mean(1)], 1)
        p = np.exp(z - z.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True) * self.scale + self.shift


class _FixedLength(nn.Module):
    """A model that reads exactly 64 samples: Flatten then Linear (torch's matmul message)."""

    def __init__(self) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(C * LENGTH, N_CLASSES))

    def forward(self, x):
        return self.net(x)


class _ChannelsLastCNN(nn.Module):
    """The tour's CNN reading (batch, time, channels)."""

    def __init__(self) -> None:
        super().__init__()
        self.cnn = CNN()

    def forward(self, x):
        return self.cnn(x.transpose(1, 2))


def adapter_new_cases() -> list[Case]:
    """Estimators that lie, aeon on float32, layouts, fixed shapes, ChannelsLast / FixedBatch."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from freqxai import ChannelsLast, FixedBatch
    from freqxai.adapters import EstimatorModel, NumpyModel, as_model, capabilities, is_estimator

    g = np.random.default_rng(0)
    flat = g.standard_normal((30, C * LENGTH))
    ytr = np.arange(30) % N_CLASSES
    clf = LogisticRegression(max_iter=200).fit(flat, ytr)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)).fit(flat, ytr)
    rise = fast("freqrise")
    shape = shaped((B, 1, LENGTH // 2 + 1))

    def rise_on(model, x=X):
        return freqxai.FreqRISE(model, **fast_settings("freqrise")).attribute(x, **rise)

    def knn_float32():
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

        d = _uea("BasicMotions")
        idx = np.r_[0:40:4]  # 10 series of every class
        knn = KNeighborsTimeSeriesClassifier(n_neighbors=1).fit(d.X[idx], d.y[idx])
        return freqxai.FreqRISE(knn, **fast_settings("freqrise")).attribute(d.X[1:3], **rise)

    def knn_unequal():
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

        rng = np.random.default_rng(1)
        series = [rng.standard_normal((C, n)).astype(np.float32) for n in (20, 26, 31, 20, 26, 31)]
        knn = KNeighborsTimeSeriesClassifier(n_neighbors=1).fit(series, np.arange(6) % 2)
        return freqxai.FreqRISE(knn, **fast_settings("freqrise")).attribute(series[:3], **rise)

    def float32_list(r):
        want = [n // 2 + 1 for n in (20, 26, 31)]
        if not isinstance(r, list) or [a.shape[-1] for a in r] != want:
            return f"got {describe(r)}"
        return None if all(a.dtype == np.float32 for a in r) else f"dtypes {[a.dtype for a in r]}"

    cases = [
        Case("adapters", "estimator predict_proba rows summing to 2", lambda: rise_on(_Proba(2.0).fit(flat, ytr)),
             ("probabilit", "sum")),
        Case("adapters", "estimator predict_proba negative", lambda: rise_on(_Proba(1.0, -0.5).fit(flat, ytr)),
             ("probabilit", "negative")),
        Case("adapters", "NumpyModel probabilities summing to 2",
             lambda: rise_on(NumpyModel(lambda a: _Proba(2.0).predict_proba(a))), ("probabilit", "sum")),
        Case("adapters", "NumpyModel scores declared, any values", lambda: rise_on(
            NumpyModel(lambda a: _Proba(2.0, -0.5).predict_proba(a), output_kind="scores")), (), check=shape),
        Case("adapters", "aeon KNeighborsTimeSeriesClassifier on load_uea's float32 data", knn_float32, (),
             check=shaped((2, 1, 51), kind=np.ndarray, dtype=np.float32), timeout=90),
        Case("adapters", "aeon KNeighborsTimeSeriesClassifier on float32 series of unequal length",
             knn_unequal, (), check=float32_list, timeout=90),
        Case("adapters", "a flat pipeline forced to channels-first",
             lambda: rise_on(EstimatorModel(pipe, layout="channels_first")), ("layout", "flat")),
        Case("adapters", "a flat estimator forced to channels-first",
             lambda: rise_on(EstimatorModel(clf, layout="channels_first")), ("layout", "flat")),
        Case("adapters", "a fixed-length model given another length",
             lambda: rise_on(_FixedLength().eval(), X[..., :48]), ("length",)),
        Case("adapters", "a fixed-length model given its length", lambda: rise_on(_FixedLength().eval()), (),
             check=shape),
        Case("adapters", "as_model of an estimator", lambda: as_model(clf), (),
             check=lambda r: None if isinstance(r, EstimatorModel) else f"got {type(r).__name__}"),
        Case("adapters", "as_model of a bound predict", lambda: as_model(clf.predict), ("predict", "labels")),
        Case("adapters", "as_model of a module is the module", lambda: as_model(MODEL), (),
             check=lambda r: None if r is MODEL else f"got {type(r).__name__}"),
        Case("adapters", "is_estimator of a fitted classifier", lambda: is_estimator(clf), (),
             check=lambda r: None if r is True else f"got {r!r}"),
        Case("adapters", "is_estimator of a module", lambda: is_estimator(MODEL), (),
             check=lambda r: None if r is False else f"got {r!r}"),
        Case("adapters", "capabilities of a FixedBatch", lambda: capabilities(FixedBatch(CNN(), 2)), (),
             check=lambda r: None if r.max_batch_size == 2 else f"got {r!r}"),
        Case("adapters", "ChannelsLast valid", lambda: rise_on(ChannelsLast(_ChannelsLastCNN().eval())), (),
             check=lambda r: same_as(rise_on(MODEL))(r)),
        Case("adapters", "ChannelsLast of an int", lambda: ChannelsLast(5), ("model",)),
        Case("adapters", "ChannelsLast squeeze='yes'", lambda: ChannelsLast(CNN(), squeeze="yes"), ("squeeze",)),
        Case("adapters", "ChannelsLast input_shape a string", lambda: ChannelsLast(CNN(), input_shape="abc"),
             ("input_shape",)),
        Case("adapters", "FixedBatch valid", lambda: rise_on(FixedBatch(CNN().eval(), 2)), (),
             check=lambda r: same_as(rise_on(MODEL))(r)),
        Case("adapters", "FixedBatch of an int", lambda: FixedBatch(5, 2), ("model",)),
    ]
    cases += table_cases("adapters", "FixedBatch", lambda **kw: FixedBatch(CNN(), **kw), [
        ("max_batch_size", numbers() + [("None", None)], ("max_batch_size",)),
    ])
    cases += table_cases("adapters", "EstimatorModel", lambda **kw: EstimatorModel(clf, **kw), [
        ("batch_size", numbers("0"), ("batch_size",)),
        ("method", [("int", 5), ("'predict'", "predict")], ("method",)),
    ])
    cases += table_cases("adapters", "NumpyModel", lambda **kw: NumpyModel(clf.predict_proba, **kw), [
        ("batch_size", numbers("1.5"), ("batch_size",)),
        ("output_kind", [("None", None), ("int", 1)], ("output_kind",)),
    ])
    return cases


def loading_new_cases(root: Path) -> list[Case]:
    """load_model of state dicts holding other entries beside the tensors (issue 25)."""
    from freqxai import load_model

    cnn = CNN().eval()
    torch.save({**cnn.state_dict(), "epoch": 3}, root / "state_epoch.pt")
    torch.save({**cnn.state_dict(), "epoch": 3, "arch": "CNN", "lr": 1e-3}, root / "state_extras.pt")
    torch.save({"model": cnn.state_dict(), "epoch": 3, "optimizer": {"lr": 1e-3}}, root / "state_nested.pt")

    def equals_cnn(model):
        with torch.no_grad():
            return same_as(cnn(X))(model(X))

    return [
        Case("loading", "state dict with an int epoch entry",
             lambda: load_model(root / "state_epoch.pt", model_factory=lambda: CNN()), ("epoch",),
             check=equals_cnn),
        Case("loading", "state dict with int, str and float entries",
             lambda: load_model(root / "state_extras.pt", model_factory=lambda: CNN()), ("epoch", "arch"),
             check=equals_cnn),
        Case("loading", "checkpoint with a model entry, epoch and optimizer",
             lambda: load_model(root / "state_nested.pt", model_factory=lambda: CNN()), ("model",),
             check=equals_cnn, either=True),
    ]


def _eeg_summary(methods: tuple[str, ...] = ("amplitude", "freqrise")):
    """A summary of the known-answer EEG (10 channels of 10-20 names, 128 Hz): the amplitude
    reference per channel and, for FreqRISE, one relevance for all channels together."""
    from freqxai.data.eeg import make_alpha_eeg
    from freqxai.summary import summarize

    key = ("eeg summary", methods)
    if key not in _REFS:
        Xe, ye, names = make_alpha_eeg(4, seconds=1.0)
        amp = get_explainer("amplitude", None).attribute(Xe)
        rel = {"amplitude": amp, "freqrise": amp.mean(1, keepdims=True)}
        _REFS[key] = summarize({m: rel[m] for m in methods}, ye, length=Xe.shape[-1], fs=128.0,
                               domain="fft", channel_names=names, eeg=True)
    return _REFS[key]


def eeg_cases(root: Path) -> list[Case]:
    """freqxai.data.eeg, freqxai.topomap and freqxai.bands (EEG bands, montages)."""
    import mne

    from freqxai.bands import (
        band_edges,
        band_membership,
        check_bands,
        default_bands,
        is_eeg_montage,
    )
    from freqxai.data.eeg import (
        ALPHA_CHANNELS,
        EpochsData,
        eeg_sets,
        epochs_metadata,
        epochs_signals,
        from_epochs,
        is_epochs,
        is_epochs_file,
        load_eeg,
        make_alpha_eeg,
        read_epochs,
        to_epochs,
    )
    from freqxai.topomap import (
        ScalpGrid,
        electrode_positions,
        plot_topomaps,
        report_topomaps,
        sensor_positions,
        topomap_problem,
    )

    Xe, ye, names = make_alpha_eeg(4, seconds=1.0)
    info = mne.create_info(names, 128.0, "eeg")
    events = np.c_[np.arange(4) * 128, np.zeros(4, int), ye + 1]
    epochs = mne.EpochsArray(Xe.astype(np.float64) * 1e-6, info, events=events,
                             event_id={"open": 1, "shut": 2}, verbose="error")
    stim = mne.EpochsArray(np.zeros((2, 1, 128)), mne.create_info(["STI"], 128.0, "stim"),
                           verbose="error")
    nan_epochs = mne.EpochsArray(np.full((2, 10, 128), NAN), info, verbose="error")
    fif = root / "alpha-epo.fif"
    epochs.save(fif, overwrite=True, verbose="error")
    (root / "garbage-epo.fif").write_bytes(os.urandom(128))
    freqs = np.fft.rfftfreq(128, 1 / 128.0)

    def alpha_ok(r):
        x, y, ch = r
        if x.shape != (4, 10, 128) or x.dtype != np.float32 or y.tolist() != [0, 1, 0, 1]:
            return f"got {describe(r)}"
        return None if ch == ALPHA_CHANNELS and np.isfinite(x).all() else f"channels {ch}"

    def epochs_ok(r):
        if not isinstance(r, EpochsData) or r.X.shape != (4, 10, 128) or r.X.dtype != np.float32:
            return f"got {describe(r)}"
        return None if r.class_names == ["open", "shut"] and r.y.tolist() == [0, 1, 0, 1] \
            and r.fs == 128.0 else f"metadata {r.class_names}, {r.y}, {r.fs}"

    def alpha(**kw):
        return make_alpha_eeg(**{"n": 4, "seconds": 1.0, **kw})

    cases = [
        Case("eeg", "make_alpha_eeg valid", lambda: alpha(), (), check=alpha_ok),
        Case("eeg", "make_alpha_eeg seed None", lambda: alpha(seed=None), (), check=alpha_ok),
        Case("eeg", "make_alpha_eeg amplitude 0", lambda: alpha(amplitude=0.0), (), check=alpha_ok),
        Case("eeg", "make_alpha_eeg np.int64 n", lambda: alpha(n=np.int64(4)), (), check=alpha_ok),
    ]
    cases += table_cases("eeg", "make_alpha_eeg", alpha, [
        ("n", numbers(), ("n (", "n must", "n=", "number of signals")),
        ("fs", numbers() + [("below 40", 30.0)], ("fs",)),
        ("seconds", numbers("1.5") + [("one sample", 0.005)], ("seconds",)),
        ("alpha_hz", numbers("1.5") + [("at Nyquist", 64.0)], ("alpha_hz",)),
        ("amplitude", numbers("0", "1.5"), ("amplitude",)),
        ("seed", [("-1", -1), ("NaN", NAN), ("1.5", 1.5), ("True", True), ("'3'", "3")], ("seed",)),
    ])
    cases += [
        Case("eeg", "from_epochs valid", lambda: from_epochs(epochs), (), check=epochs_ok),
        Case("eeg", "to_epochs valid, round trip", lambda: from_epochs(to_epochs(
            Xe, ye, fs=128.0, channel_names=names, class_names=["open", "shut"], units="uV"),
            units="uV"), (), check=epochs_ok),
        Case("eeg", "to_epochs fs None", lambda: to_epochs(Xe, ye, fs=None, channel_names=names),
             ("fs",)),
        Case("eeg", "to_epochs fs NaN", lambda: to_epochs(Xe, ye, fs=NAN, channel_names=names),
             ("fs",)),
        Case("eeg", "to_epochs names short", lambda: to_epochs(Xe, ye, fs=128.0,
                                                             channel_names=names[:3]),
             ("channel_names",)),
        Case("eeg", "to_epochs names None", lambda: to_epochs(Xe, ye, fs=128.0, channel_names=None),
             ("channel_names",)),
        Case("eeg", "to_epochs X 2-D", lambda: to_epochs(Xe[0], ye, fs=128.0, channel_names=names),
             ("X",)),
        Case("eeg", "to_epochs X NaN", lambda: to_epochs(np.full_like(Xe, NAN), ye, fs=128.0,
                                                       channel_names=names), ("X",)),
        Case("eeg", "to_epochs y float", lambda: to_epochs(Xe, ye + 0.5, fs=128.0,
                                                         channel_names=names), ("y",)),
        Case("eeg", "to_epochs y negative", lambda: to_epochs(Xe, ye - 5, fs=128.0,
                                                            channel_names=names), ("y",)),
        Case("eeg", "to_epochs class_names short", lambda: to_epochs(
            Xe, ye, fs=128.0, channel_names=names, class_names=["open"]), ("class_names",)),
        Case("eeg", "to_epochs units bogus", lambda: to_epochs(
            Xe, ye, fs=128.0, channel_names=names, units="furlongs"), ("units",)),
        Case("eeg", "to_epochs path exists", lambda: to_epochs(
            Xe, ye, fs=128.0, channel_names=names, path=fif), ("exists", "overwrite")),
        Case("eeg", "from_epochs units='uV'", lambda: from_epochs(epochs, units="uV"), (),
             check=lambda r: None if np.allclose(r.X, Xe, atol=1e-4) else "not in microvolts"),
        Case("eeg", "from_epochs units bogus", lambda: from_epochs(epochs, units="furlongs"), ("units",)),
        Case("eeg", "from_epochs of an array", lambda: from_epochs(Xe), ("epochs", "mne.Epochs")),
        Case("eeg", "from_epochs without EEG channels", lambda: from_epochs(stim), ("EEG", "channel")),
        Case("eeg", "from_epochs NaN data", lambda: from_epochs(nan_epochs), ("NaN",)),
        Case("eeg", "read_epochs valid", lambda: read_epochs(fif), (), check=epochs_ok),
        Case("eeg", "read_epochs missing", lambda: read_epochs(root / "missing-epo.fif"), ("missing-epo.fif",)),
        Case("eeg", "read_epochs garbage", lambda: read_epochs(root / "garbage-epo.fif"), ("garbage-epo.fif",)),
        Case("eeg", "read_epochs None", lambda: read_epochs(None), ("path",)),
        Case("eeg", "epochs_signals valid", lambda: epochs_signals(epochs), (),
             check=shaped((4, 10, 128), kind=np.ndarray, dtype=np.float32)),
        Case("eeg", "epochs_signals of an array", lambda: epochs_signals(Xe), ("epochs",)),
        Case("eeg", "epochs_metadata valid", lambda: epochs_metadata(epochs), (),
             check=lambda r: None if r == {"length": 128, "fs": 128.0, "channel_names": names,
                                           "class_names": ["open", "shut"]} else f"got {r!r}"),
        Case("eeg", "epochs_metadata of a dict", lambda: epochs_metadata({"fs": 128}), ("epochs",)),
        Case("eeg", "is_epochs of an array", lambda: is_epochs(Xe), (),
             check=lambda r: None if r is False else f"got {r!r}"),
        Case("eeg", "is_epochs_file -epo.fif", lambda: is_epochs_file("sub-01-epo.fif"), (),
             check=lambda r: None if r is True else f"got {r!r}"),
        Case("eeg", "FreqRISE explains an Epochs", lambda: freqxai.FreqRISE(
            CNN(channels=10).eval(), **fast_settings("freqrise")).attribute(epochs, **fast("freqrise")), (),
             check=shaped((4, 1, 65), kind=np.ndarray)),
        Case("eeg", "summarize with epochs=", lambda: _summarize_epochs(epochs), (),
             check=lambda df: None if df.attrs.get("eeg") and set(df["channel"]) >= set(names)
             else "no EEG rows per channel"),
        Case("eeg", "eeg_sets valid", lambda: eeg_sets(), (),
             check=lambda r: None if "EyesOpenShut" in r else f"got {r!r}"),
        Case("eeg", "load_eeg unknown set", lambda: load_eeg("NoSuchSet"), ("NoSuchSet",)),
        Case("eeg", "load_eeg split bogus", lambda: load_eeg("EyesOpenShut", split="validation"), ("split",)),
        Case("eeg", "load_eeg name None", lambda: load_eeg(None), ("name", "set")),
        Case("eeg", "load_eeg EyesOpenShut", lambda: load_eeg("EyesOpenShut"), (), timeout=60,
             check=lambda d: None if d.X.dtype == np.float32 and d.X.shape[1] == 14 and d.fs == 128.0
             and is_eeg_montage(d.channel_names) else f"got {describe(d.X)}"),
        # bands of EEG and other signals
        Case("eeg", "is_eeg_montage of 10-20 names", lambda: is_eeg_montage(names), (),
             check=lambda r: None if r is True else f"got {r!r}"),
        Case("eeg", "is_eeg_montage of None", lambda: is_eeg_montage(None), (),
             check=lambda r: None if r is False else f"got {r!r}"),
        Case("eeg", "is_eeg_montage of a string", lambda: is_eeg_montage("Fp1"), ("channel_names",),
             check=lambda r: None if r is False else f"got {r!r}", either=True),
        Case("eeg", "default_bands EEG at 128 Hz", lambda: default_bands(freqs, eeg=True), (),
             check=lambda r: None if "alpha" in r and max(h for _, h in r.values()) >= 64 else f"got {r!r}"),
        Case("eeg", "default_bands unit bogus", lambda: default_bands(freqs, unit="furlongs"), ("unit",)),
        Case("eeg", "default_bands eeg='yes'", lambda: default_bands(freqs, eeg="yes"), ("eeg",)),
        Case("eeg", "default_bands NaN frequencies", lambda: default_bands(freqs * NAN), ("frequencies",)),
        Case("eeg", "default_bands no frequencies", lambda: default_bands(np.array([])), ("frequencies",)),
        Case("eeg", "check_bands valid", lambda: check_bands({"a": (0, 8), "b": (8, 64)}, freqs), (),
             check=lambda r: None if r == {"a": (0.0, 8.0), "b": (8.0, 64.0)} else f"got {r!r}"),
        Case("eeg", "check_bands list of pairs named by their edges", lambda: check_bands([(0, 8), (8, 64)], freqs),
             (), check=lambda r: None if len(r) == 2 and all(isinstance(k, str) for k in r) else f"got {r!r}"),
        Case("eeg", "check_bands overlapping", lambda: check_bands({"a": (0, 10), "b": (8, 64)}, freqs), ("overlap",)),
        Case("eeg", "check_bands above Nyquist", lambda: check_bands({"a": (0, 64), "b": (80, 90)}, freqs),
             ("no frequency bin", "no bin", "Nyquist")),
        Case("eeg", "check_bands names its argument", lambda: check_bands({"a": (8, 4)}, freqs, name="my_bands"),
             ("my_bands",)),
        Case("eeg", "check_bands unit bogus", lambda: check_bands({"a": (0, 64)}, freqs, unit="furlongs"), ("unit",)),
        Case("eeg", "check_bands NaN frequencies", lambda: check_bands({"a": (0, 64)}, freqs * NAN),
             ("frequencies",)),
        Case("eeg", "check_bands a string", lambda: check_bands("alpha", freqs), ("bands",)),
        Case("eeg", "band_edges valid", lambda: band_edges((0, 8)), (),
             check=lambda r: None if r == (0.0, 8.0) else f"got {r!r}"),
        Case("eeg", "band_edges low > high names its band", lambda: band_edges((8, 4), name="alpha"), ("alpha",)),
        Case("eeg", "band_edges a string", lambda: band_edges("alpha"), ("band",)),
        Case("eeg", "band_edges NaN", lambda: band_edges((NAN, 8)), ("band",)),
        Case("eeg", "band_membership valid", lambda: band_membership(freqs, {"a": (0, 8), "b": (8, 64)}), (),
             check=lambda r: None if r.shape == (65, 2) and r.sum() == 65 else f"got {describe(r)}"),
        Case("eeg", "band_membership bands a list", lambda: band_membership(freqs, [(0, 8)]), ("bands",)),
        Case("eeg", "band_membership NaN frequencies", lambda: band_membership(freqs * NAN, {"a": (0, 8)}),
             ("frequencies",)),
        # scalp maps
        Case("eeg", "electrode_positions valid", lambda: electrode_positions(["Fp1", "EEG O2-REF", "T3", "X1"]),
             (), check=lambda r: None if r == ({0: "Fp1", 1: "O2", 2: "T7"}, ["X1"]) else f"got {r!r}"),
        Case("eeg", "electrode_positions of a string", lambda: electrode_positions("Fp1"), ("channel_names",)),
        Case("eeg", "electrode_positions of None", lambda: electrode_positions(None), ("channel_names",)),
        Case("eeg", "electrode_positions of ints", lambda: electrode_positions([1, 2]), ("channel_names",)),
        Case("eeg", "topomap_problem of 10-20 channels", lambda: topomap_problem(names), (),
             check=lambda r: None if r is None else f"got {r!r}"),
        Case("eeg", "topomap_problem of one channel", lambda: topomap_problem(["Fp1"]), (),
             check=lambda r: None if isinstance(r, str) and "10-20" in r else f"got {r!r}"),
        Case("eeg", "plot_topomaps valid", lambda: _closed_plot(plot_topomaps, _eeg_summary(("amplitude",))), (),
             check=lambda r: None if type(r).__name__ == "Figure" else f"got {type(r).__name__}"),
        Case("eeg", "plot_topomaps with FreqRISE (one channel) warns naming it",
             lambda: _closed_plot(plot_topomaps, _eeg_summary()), ("freqrise",), warns="freqrise",
             check=lambda r: None if type(r).__name__ == "Figure" else f"got {type(r).__name__}"),
        Case("eeg", "plot_topomaps path", lambda: _closed_plot(plot_topomaps, _eeg_summary(("amplitude",)),
                                                                path=root / "topo.png"), (),
             check=_writes(root / "topo.png")),
        Case("eeg", "plot_topomaps methods=['freqrise'] (no channels)",
             lambda: _closed_plot(plot_topomaps, _eeg_summary(), methods=["freqrise"]), ("freqrise",)),
        Case("eeg", "plot_topomaps methods a string", lambda: _closed_plot(plot_topomaps, _eeg_summary(), methods="amplitude"),
             ("methods",)),
        Case("eeg", "plot_topomaps unknown method", lambda: _closed_plot(plot_topomaps, _eeg_summary(), methods=["shap"]),
             ("shap",)),
        Case("eeg", "plot_topomaps unknown domain", lambda: _closed_plot(plot_topomaps, _eeg_summary(), domain="cqt"),
             ("cqt", "domain")),
        Case("eeg", "plot_topomaps of a non-table", lambda: _closed_plot(plot_topomaps, {"a": 1}), ("DataFrame", "summar")),
        Case("eeg", "plot_topomaps of a table without channel rows",
             lambda: _closed_plot(plot_topomaps, summary_one_channel()), ("channel",)),
        Case("eeg", "report_topomaps with FreqRISE: maps of the others, a note naming it",
             lambda: report_topomaps(root / "topomaps_fft.png", _eeg_summary(), ["freqrise", "amplitude"],
                                     {"amplitude"}), (),
             check=lambda r: None if r[0] is not None and Path(r[0]).is_file() and r[1] and "freqrise" in r[1]
             else f"got {r!r}"),
        Case("eeg", "sensor_positions valid", lambda: sensor_positions(["Fp1", "O1", "O2"]), (),
             check=shaped((3, 2), kind=np.ndarray)),
        Case("eeg", "sensor_positions unknown electrode", lambda: sensor_positions(["Fp1", "Q9"]), ("Q9",)),
        Case("eeg", "ScalpGrid valid", lambda: ScalpGrid(sensor_positions(names), res=16).image(np.arange(10.0)),
             (), check=lambda r: None if r.shape == (16, 16) else f"got {describe(r)}"),
        Case("eeg", "ScalpGrid positions 1-D", lambda: ScalpGrid(np.zeros(3)), ("positions",)),
        Case("eeg", "ScalpGrid image of another channel count",
             lambda: ScalpGrid(sensor_positions(names), res=16).image(np.arange(3.0)), ("values", "channels")),
    ]
    cases += table_cases("eeg", "ScalpGrid", lambda **kw: ScalpGrid(sensor_positions(names), **kw), [
        ("res", numbers() + [("1", 1)], ("res",)),
    ])
    cases += table_cases("eeg", "plot_topomaps", lambda **kw: _closed_plot(
        plot_topomaps, _eeg_summary(("amplitude",)), **{"path": root / "topo_bad.png", **kw}), [
        ("panel", numbers("1.5", "True"), ("panel",)),
        ("dpi", numbers(), ("dpi",)),
    ])
    return cases


def summary_one_channel():
    from freqxai.summary import summarize

    return summarize({"freqrise": ref("freqrise", "fft")}, PRED.numpy(), length=LENGTH, fs=32.0,
                     domain="fft")


def _summarize_epochs(epochs):
    from freqxai.summary import summarize

    amp = get_explainer("amplitude", None).attribute(epochs)
    return summarize({"amplitude": amp}, np.array([0, 1, 0, 1]), domain="fft", epochs=epochs)


# ------------------------------------------------------------------------------------------------
# sanity checks
# ------------------------------------------------------------------------------------------------

def _onnx_cnn(root: Path):
    from freqxai import load_model

    path = root / "sanity_cnn.onnx"
    if not path.is_file():
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(CNN().eval(), (X,), str(path), input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, dynamo=False)
    return load_model(path)


def _other_cnn() -> CNN:
    """The tour's CNN with other weights (a model trained on permuted labels, say)."""
    m = CNN()
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(7)
        for p in m.parameters():
            p.normal_(0.0, 0.3)
    return m.eval()


def sanity_cases(root: Path) -> list[Case]:
    """freqxai.sanity: parameter and data randomization, permuted labels, similarity, plots."""
    from sklearn.linear_model import LogisticRegression

    from freqxai.sanity import (
        data_randomization,
        parameter_randomization,
        plot_randomization,
        randomizable_layers,
        similarity,
        train_on_permuted_labels,
    )

    layers = ["net.0", "net.5"]
    rise = {"settings": {"n_masks": 32, "batch_size": 32}, "options": {"seed": 0, "warn_if_noise": False}}

    def pr(**kw):
        args = {"model": MODEL, "inputs": X, "method": "saliency"}
        args.update(kw)
        return parameter_randomization(args.pop("model"), args.pop("inputs"), **args)

    def dr(**kw):
        args = {"model": MODEL, "randomized_model": _other_cnn(), "inputs": X, "method": "saliency"}
        args.update(kw)
        return data_randomization(args.pop("model"), args.pop("randomized_model"), args.pop("inputs"),
                                  **args)

    def table(n_steps: int, order: str = "cascading"):
        def check(t):
            if not hasattr(t, "columns") or len(t) != n_steps or t["order"].iloc[0] != order:
                return f"got {describe(t)}"
            if not np.isclose(t["spearman"].iloc[0], 1.0):
                return "the original model is not similar to itself"
            if not np.isfinite(t["spearman"].to_numpy(dtype=float)).all():
                return "NaN similarity"
            return None if isinstance(t.attrs.get("survives"), bool) else "no attrs['survives']"
        return check

    a = ref("flex", "fft").numpy()
    g = np.random.default_rng(0)
    Xtr = g.standard_normal((12, C, LENGTH)).astype(np.float32)
    ytr = np.arange(12) % N_CLASSES
    clf = LogisticRegression(max_iter=200).fit(Xtr.reshape(12, -1), ytr)
    cases = [
        Case("sanity", "parameter_randomization valid", lambda: pr(), (), check=table(3)),
        Case("sanity", "parameter_randomization independent", lambda: pr(order="independent"), (),
             check=table(3, "independent")),
        Case("sanity", "parameter_randomization one layer", lambda: pr(layers=["net.5"]), (), check=table(2)),
        Case("sanity", "parameter_randomization np.int64 seed", lambda: pr(seed=np.int64(3)), (), check=table(3)),
        Case("sanity", "parameter_randomization threshold 0", lambda: pr(threshold=0), (), check=table(3)),
        Case("sanity", "parameter_randomization FreqRISE with a seed", lambda: pr(method="freqrise", **rise),
             (), check=table(3)),
        Case("sanity", "parameter_randomization FreqRISE without a seed",
             lambda: pr(method="freqrise", settings={"n_masks": 32}, options={"warn_if_noise": False}),
             ("seed",)),
        Case("sanity", "parameter_randomization stft domain", lambda: pr(domain=STFT(n_fft=16, hop_length=4)),
             (), check=table(3)),
        Case("sanity", "parameter_randomization of a TorchScript model",
             lambda: pr(model=torch.jit.script(CNN().eval()), method="freqrise", **rise), (),
             check=table(3)),
        Case("sanity", "parameter_randomization of an ONNX model",
             lambda: pr(model=_onnx_cnn(root), method="freqrise", **rise), (), check=lambda t: None
             if hasattr(t, "columns") and len(t) >= 2 and np.isclose(t["spearman"].iloc[0], 1.0)
             else f"got {describe(t)}", timeout=60),
        Case("sanity", "parameter_randomization leaves the model unchanged", lambda: _unchanged_model(pr), (),
             check=lambda r: r),
        Case("sanity", "parameter_randomization of an estimator", lambda: pr(model=clf, method="freqrise",
                                                                             **rise),
             ("layers", "nn.Module", "randomize")),
        Case("sanity", "parameter_randomization of a lambda", lambda: pr(model=lambda v: MODEL(v)),
             ("nn.Module", "module")),
        Case("sanity", "parameter_randomization model None", lambda: pr(model=None), ("model",)),
        Case("sanity", "parameter_randomization inputs NaN", lambda: pr(inputs=X.masked_fill(X > 1, NAN)), ("NaN",)),
        Case("sanity", "parameter_randomization inputs rank 2", lambda: pr(inputs=X[:, 0]), ("inputs", "shape")),
        Case("sanity", "parameter_randomization target 5", lambda: pr(target=5), ("target",)),
        Case("sanity", "parameter_randomization options bogus", lambda: pr(options={"bogus": 1}), ("bogus",)),
        Case("sanity", "data_randomization valid", lambda: dr(), (), check=table(2, "data")),
        Case("sanity", "data_randomization FreqRISE without a seed",
             lambda: dr(method="freqrise", settings={"n_masks": 32}, options={"warn_if_noise": False}),
             ("seed",)),
        Case("sanity", "data_randomization randomized_model None", lambda: dr(randomized_model=None),
             ("randomized_model",)),
        Case("sanity", "data_randomization randomized_model of 3 channels",
             lambda: dr(randomized_model=CNN(channels=3)), ("channel",)),
        Case("sanity", "data_randomization randomized_model a string", lambda: dr(randomized_model="model.pt"),
             ("randomized_model",)),
        Case("sanity", "train_on_permuted_labels given a module", lambda: train_on_permuted_labels(
            CNN(), Xtr, ytr, epochs=1), ("make_model", "factory", "callable")),
        Case("sanity", "train_on_permuted_labels factory returning an int", lambda: train_on_permuted_labels(
            lambda: 5, Xtr, ytr, epochs=1), ("make_model", "nn.Module")),
        Case("sanity", "train_on_permuted_labels X and y of other lengths", lambda: train_on_permuted_labels(
            CNN, Xtr, ytr[:5], epochs=1), ("y", "X")),
        Case("sanity", "train_on_permuted_labels seed -1", lambda: train_on_permuted_labels(
            CNN, Xtr, ytr, seed=-1, epochs=1), ("seed",)),
        Case("sanity", "train_on_permuted_labels unknown fit setting", lambda: train_on_permuted_labels(
            CNN, Xtr, ytr, bogus=1), ("bogus",)),
        Case("sanity", "train_on_permuted_labels valid (1 epoch)", lambda: train_on_permuted_labels(
            CNN, Xtr, ytr, epochs=1, accelerator="cpu"), (), timeout=120,
             check=lambda m: None if isinstance(m, nn.Module) and not m.training else f"got {m!r}"),
        Case("sanity", "randomizable_layers valid", lambda: randomizable_layers(MODEL), (),
             check=lambda r: None if r == layers else f"got {r!r}"),
        Case("sanity", "randomizable_layers of an int", lambda: randomizable_layers(5), ("model",)),
        Case("sanity", "similarity of a map with itself", lambda: similarity(a, a), (),
             check=lambda r: None if np.allclose(r[0], 1) and np.allclose(r[1], 1) else f"got {r!r}"),
        Case("sanity", "similarity shapes differ", lambda: similarity(a, a[..., :-1]), ("shape",)),
        Case("sanity", "similarity batches differ", lambda: similarity(a, a[:1]), ("other", "batch")),
        Case("sanity", "similarity NaN", lambda: similarity(a, a * NAN), ("NaN",)),
        Case("sanity", "plot_randomization valid", lambda: _closed_plot(plot_randomization, [pr()]), (),
             check=lambda r: None if type(r).__name__ == "Axes" else f"got {type(r).__name__}"),
        Case("sanity", "plot_randomization with a data table", lambda: _closed_plot(plot_randomization, [pr(), dr()]), (),
             check=lambda r: None if type(r).__name__ == "Axes" else f"got {type(r).__name__}"),
        Case("sanity", "plot_randomization of one DataFrame (one table)",
             lambda: _closed_plot(plot_randomization, pr()), ("tables",),
             check=lambda r: None if type(r).__name__ == "Axes" else f"got {type(r).__name__}", either=True),
        Case("sanity", "plot_randomization of no tables", lambda: _closed_plot(plot_randomization, []), ("tables",)),
        Case("sanity", "plot_randomization of a number", lambda: _closed_plot(plot_randomization, [5]), ("tables",)),
        Case("sanity", "plot_randomization labels of another length",
             lambda: _closed_plot(plot_randomization, [pr()], labels=["a", "b"]), ("labels",)),
        Case("sanity", "plot_randomization metric bogus", lambda: _closed_plot(plot_randomization, [pr()], metric="pearson"),
             ("metric",)),
        Case("sanity", "plot_randomization ax=5", lambda: _closed_plot(plot_randomization, [pr()], ax=5), ("ax",)),
    ]
    cases += table_cases("sanity", "parameter_randomization", pr, [
        ("order", [("bogus", "bogus"), ("None", None), ("int", 1)], ("order",)),
        ("method", [("bogus", "bogus"), ("int", 5), ("None", None)], ("explainer", "method", "bogus")),
        ("domain", [("cqt", "cqt"), ("int", 5)], ("domain", "cqt")),
        ("settings", [("a list", ["x"]), ("a string", "x")], ("settings",)),
        ("options", [("a list", ["x"]), ("a string", "x")], ("options",)),
        ("layers", [("a string", "net.0"), ("unknown", ["bogus"]), ("empty", []), ("ints", [5])], ("layers",)),
        ("top_k", numbers(), ("top_k",)),
        ("absolute", [("'yes'", "yes"), ("1", 1), ("None", None)], ("absolute",)),
        ("threshold", numbers("0", "-1"), ("threshold",)),
        ("seed", numbers("0") + [("None", None)], ("seed",)),
    ])
    cases += table_cases("sanity", "data_randomization", dr, [
        ("top_k", numbers(), ("top_k",)),
        ("threshold", numbers("0", "-1"), ("threshold",)),
        ("absolute", [("'yes'", "yes")], ("absolute",)),
    ])
    cases += table_cases("sanity", "similarity", lambda **kw: similarity(a, a, **kw), [
        ("top_k", numbers(), ("top_k",)),
        ("absolute", [("'yes'", "yes"), ("None", None)], ("absolute",)),
    ])
    cases += _model_swap_cases()
    return cases


def _model_swap_cases() -> list[Case]:
    """freqxai.sanity.model_swap_deletion and swap_reason (issue 26's model-swap test)."""
    from freqxai.sanity import SWAP_OUTCOMES, model_swap_deletion, swap_reason

    def ms(**kw):
        args = {"model": MODEL, "inputs": X, "method": "gxi", "fractions": [0.0, 0.5, 0.9]}
        args.update(kw)
        return model_swap_deletion(args.pop("model"), args.pop("inputs"), **args)

    def one_row(t):
        if not hasattr(t, "columns") or len(t) != 1:
            return f"got {describe(t)}"
        if str(t["outcome"].iloc[0]) not in SWAP_OUTCOMES:
            return f"outcome {t['outcome'].iloc[0]!r}"
        return None if np.isfinite(float(t["gap"].iloc[0])) else "NaN gap"

    def zero_gap(t):
        return one_row(t) or (None if float(t["gap"].iloc[0]) == 0.0 else
                              f"the amplitude reference's gap is {float(t['gap'].iloc[0])}, not 0")

    row = {"outcome": SWAP_OUTCOMES[0], "gap": 0.3, "gap_se": 0.05, "p_value": 0.001,
           "upper_bound": 0.4, "randomization": "layers"}
    cases = [
        Case("sanity", "model_swap_deletion valid", lambda: ms(), (), check=one_row),
        Case("sanity", "model_swap_deletion of the amplitude reference", lambda: ms(
            method="amplitude"), (), check=zero_gap),
        Case("sanity", "model_swap_deletion one input", lambda: ms(inputs=X[:1]), ("inputs",
                                                                                 "input")),
        Case("sanity", "model_swap_deletion randomized=the model itself",
             lambda: ms(randomized=MODEL), ("randomized",)),
        Case("sanity", "swap_reason valid", lambda: swap_reason(row), (),
             check=lambda r: None if isinstance(r, str) and "0.30" in r else f"got {r!r}"),
        Case("sanity", "swap_reason of a row without a gap",
             lambda: swap_reason({k: v for k, v in row.items() if k != "gap"}), ("gap", "row")),
    ]
    cases += table_cases("sanity", "model_swap_deletion", ms, [
        ("randomized", [("bogus", "bogus"), ("int", 5)], ("randomized",)),
        ("alpha", numbers(), ("alpha",)),
        ("margin", numbers(), ("margin",)),
        ("energy", numbers(), ("energy",)),
        ("seed", numbers("0"), ("seed",)),
        ("fractions", [("unsorted", [0.5, 0.1]), ("above 1", [0.0, 2.0]), ("a string", "x")],
         ("fractions",)),
        ("method", [("bogus", "bogus"), ("int", 5)], ("method", "bogus", "explainer")),
        ("reliability", [("'yes'", "yes")], ("reliability",)),
        ("options", [("a list", ["x"])], ("options",)),
    ])
    return cases


def _unchanged_model(pr) -> str | None:
    model = CNN().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pr(model=model)
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, before[k])]
    return f"the caller's model changed: {changed}" if changed else None


# ------------------------------------------------------------------------------------------------
# FLEXtime / FreqMask / FreqRISE helpers and masks
# ------------------------------------------------------------------------------------------------

def flextime_cases() -> list[Case]:
    """The helpers FLEXtime, FreqMask and FreqRISE export, and short signals."""
    from freqxai import Fourier
    from freqxai.explainers.flextime import auto_filter_bank, band_gains, filter_bank
    from freqxai.explainers.freqmask import moving_average
    from freqxai.explainers.freqrise import auto_num_cells, noise_threshold, top_jaccard
    from freqxai.masks import normalize_num_cells

    two = X[..., :2]
    c = torch.fft.rfft(X)
    a = torch.rand(3, 40, generator=torch.Generator().manual_seed(0))
    cases = [
        Case("flextime", "FLEXtime's auto filter bank on a 2-sample signal",
             lambda: freqxai.FLEXtime(MODEL, **fast_settings("flextime")).attribute(two, **fast("flextime")), ("length", "numtaps", "n_filters"),
             check=shaped((B, None, 2)), either=True),
        Case("flextime", "FreqMask on a 2-sample signal",
             lambda: freqxai.FreqMask(MODEL, **fast_settings("freqmask")).attribute(two, **fast("freqmask")), ("length",),
             check=shaped((B, None, 2)), either=True),
        Case("flextime", "FLEXtime n_filters=4 numtaps=9", lambda: freqxai.FLEXtime(
            MODEL, n_filters=4, numtaps=9, **fast_settings("flextime")).attribute(X, **fast("flextime")), (),
             check=shaped((B, None, 33))),
        Case("flextime", "FLEXtime numtaps even", lambda: freqxai.FLEXtime(MODEL, numtaps=8), ("numtaps",)),
        Case("flextime", "FLEXtime numtaps longer than the signal",
             lambda: freqxai.FLEXtime(MODEL, n_filters=4, numtaps=129, **fast_settings("flextime")).attribute(
                 X, **fast("flextime")),
             ("numtaps", "length"), check=shaped((B, None, 33)), either=True),
        Case("flextime", "auto_filter_bank of 2 samples", lambda: auto_filter_bank(2), (),
             check=lambda r: None if r == (2, 3) else f"got {r!r}"),
        Case("flextime", "auto_filter_bank of 100 samples", lambda: auto_filter_bank(100), (),
             check=lambda r: None if r == (25, 99) else f"got {r!r}"),
        Case("flextime", "auto_filter_bank np.int64", lambda: auto_filter_bank(np.int64(100)), (),
             check=lambda r: None if r == (25, 99) else f"got {r!r}"),
        Case("flextime", "filter_bank valid", lambda: filter_bank(4, 17), (),
             check=shaped((4, 17), kind=np.ndarray)),
        Case("flextime", "filter_bank numtaps even", lambda: filter_bank(4, 16), ("numtaps",)),
        Case("flextime", "filter_bank window bogus", lambda: filter_bank(4, 17, window="bogus"), ("window",)),
        Case("flextime", "band_gains valid", lambda: band_gains(Fourier(), LENGTH, filter_bank(4, 17)), (),
             check=shaped((4, 33), kind=torch.Tensor)),
        Case("flextime", "band_gains stft", lambda: band_gains(STFT(n_fft=16, hop_length=4), LENGTH,
                                                                filter_bank(4, 17)), (),
             check=shaped((4, 9, 17), kind=torch.Tensor)),
        Case("flextime", "band_gains of a domain name", lambda: band_gains("fft", LENGTH, filter_bank(4, 17)),
             ("domain",), check=shaped((4, 33)), either=True),
        Case("flextime", "band_gains bank 1-D", lambda: band_gains(Fourier(), LENGTH, np.ones(17)), ("bank",)),
        Case("flextime", "band_gains bank NaN", lambda: band_gains(Fourier(), LENGTH, filter_bank(4, 17) * NAN),
             ("bank", "NaN")),
        Case("flextime", "moving_average window 0 is the input", lambda: moving_average(c, 0, -1), (),
             check=lambda r: None if torch.equal(r, c) else "changed the coefficients"),
        Case("flextime", "moving_average valid", lambda: moving_average(c, 2, -1), (),
             check=lambda r: None if r.shape == c.shape and r.is_complex() else f"got {describe(r)}"),
        Case("flextime", "moving_average of numpy", lambda: moving_average(c.numpy(), 2, -1), ("c",)),
        Case("flextime", "moving_average dim 5", lambda: moving_average(c, 2, 5), ("dim",)),
        Case("flextime", "auto_num_cells valid", lambda: auto_num_cells((33,)), (),
             check=lambda r: None if isinstance(r, tuple) and len(r) == 1 and 1 <= r[0] <= 33 else f"got {r!r}"),
        Case("flextime", "auto_num_cells 2-D with n_masks", lambda: auto_num_cells((65, 81), 500), (),
             check=lambda r: None if len(r) == 2 and r[0] * r[1] <= 500 / 24 else f"got {r!r}"),
        Case("flextime", "auto_num_cells empty grid", lambda: auto_num_cells(()), ("grid",)),
        Case("flextime", "auto_num_cells axis of 0", lambda: auto_num_cells((0,)), ("grid",)),
        Case("flextime", "auto_num_cells grid a number", lambda: auto_num_cells(33), ("grid",)),
        Case("flextime", "noise_threshold valid", lambda: noise_threshold(129), (),
             check=lambda r: None if abs(r - 3.95) < 0.01 else f"got {r!r}"),
        Case("flextime", "top_jaccard of a map with itself", lambda: top_jaccard(a, a), (),
             check=lambda r: None if torch.allclose(r, torch.ones(3, dtype=r.dtype)) else f"got {r!r}"),
        Case("flextime", "top_jaccard shapes differ", lambda: top_jaccard(a, a[:, :20]), ("shape",)),
        Case("flextime", "top_jaccard of numpy", lambda: top_jaccard(a.numpy(), a.numpy()), ("tensor",),
             check=lambda r: None if np.allclose(_np(r), 1) else f"got {r!r}", either=True),
        Case("flextime", "normalize_num_cells valid", lambda: normalize_num_cells(4, (9, 17)), (),
             check=lambda r: None if r == (4, 4) else f"got {r!r}"),
        Case("flextime", "normalize_num_cells 3 axes for 2", lambda: normalize_num_cells([4, 4, 4], (9, 17)),
             ("num_cells",)),
    ]
    cases += table_cases("flextime", "FLEXtime", lambda **kw: freqxai.FLEXtime(MODEL, **kw), [
        ("n_filters", numbers() + [("1", 1)], ("n_filters",)),
        ("numtaps", numbers() + [("1", 1)], ("numtaps",)),
    ])
    cases += table_cases("flextime", "auto_filter_bank", auto_filter_bank, [
        ("length", numbers() + [("1", 1), ("None", None)], ("length",)),
    ])
    cases += table_cases("flextime", "filter_bank", lambda **kw: filter_bank(**{"n_filters": 4, "numtaps": 17,
                                                                                 **kw}), [
        ("n_filters", numbers() + [("1", 1)], ("n_filters",)),
        ("numtaps", numbers() + [("1", 1)], ("numtaps",)),
    ])
    cases += table_cases("flextime", "band_gains", lambda **kw: band_gains(
        **{"domain": Fourier(), "length": LENGTH, "bank": filter_bank(4, 17), **kw}), [
        ("length", numbers() + [("1", 1)], ("length",)),
    ])
    cases += table_cases("flextime", "moving_average", lambda **kw: moving_average(
        **{"c": c, "window": 2, "dim": -1, **kw}), [
        ("window", numbers("0"), ("window",)),
    ])
    cases += table_cases("flextime", "auto_num_cells", lambda **kw: auto_num_cells(**{"grid": (65, 81), **kw}), [
        ("n_masks", numbers(), ("n_masks",)),
    ])
    cases += table_cases("flextime", "noise_threshold", lambda **kw: noise_threshold(
        **{"n_coefficients": 129, **kw}), [
        ("n_coefficients", numbers(), ("n_coefficients",)),
        ("level", numbers(), ("level",)),
    ])
    cases += table_cases("flextime", "top_jaccard", lambda **kw: top_jaccard(a, a, **kw), [
        ("top", numbers(), ("top",)),
    ])
    cases += table_cases("flextime", "normalize_num_cells", lambda **kw: normalize_num_cells(
        **{"num_cells": 4, "grid_shape": (9, 17), **kw}), [
        ("num_cells", numbers() + [("larger than the axis", 10)], ("num_cells",)),
    ])
    return cases


# ------------------------------------------------------------------------------------------------
# plug-ins
# ------------------------------------------------------------------------------------------------

_PLUGINS = {
    "tour_plugin_ok": "import freqxai  # registers nothing\n",
    "tour_plugin_raises": "raise RuntimeError('the plug-in is broken')\n",
    "tour_plugin_freqrise": (
        "from freqxai import FreqRISE, register_explainer\n\n"
        "@register_explainer('freqrise')\nclass MyRISE(FreqRISE):\n    pass\n"),
    "tour_plugin_fft": (
        "from freqxai import Fourier, register_domain\n\n"
        "@register_domain('fft')\nclass MyFFT(Fourier):\n    pass\n"),
    "tour_plugin_metric": (
        "from freqxai.metrics import get_metric, metric_class, register_metric\n\n"
        "@register_metric('deletion')\nclass MyDeletion(metric_class('deletion')):\n    pass\n"),
}


@contextlib.contextmanager
def _plugin_path(root: Path):
    """The plug-in modules importable from ``root``; the registries as they were afterwards (a
    plug-in that replaces a built-in must not change the rest of the tour)."""
    from freqxai.domains.base import _DOMAINS
    from freqxai.explainers.base import _EXPLAINERS
    from freqxai.metrics.base import _METRICS

    saved = [(r, dict(r.classes), dict(r.aliases)) for r in (_DOMAINS, _EXPLAINERS, _METRICS)]
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for mod in _PLUGINS:
            sys.modules.pop(mod, None)
        for r, classes, aliases in saved:
            r.classes.clear()
            r.classes.update(classes)
            r.aliases.clear()
            r.aliases.update(aliases)


def _plugged(root: Path, fn: Callable[[], Any]) -> Callable[[], Any]:
    def call():
        with _plugin_path(root):
            return fn()
    return call


def plugin_cases(root: Path) -> list[Case]:
    """freqxai.plugins and the registries' register_* (plug-ins that fail or replace a built-in)."""
    from freqxai import register_domain, register_explainer
    from freqxai.metrics import register_metric
    from freqxai.plugins import import_plugin, load_plugins

    for name, text in _PLUGINS.items():
        (root / f"{name}.py").write_text(text)

    def reregister():
        @register_explainer("freqrise")
        class MyRISE(freqxai.FreqRISE):
            pass
        return MyRISE

    def upper():
        @register_explainer("FREQRISE")
        class MyRISE(freqxai.FreqRISE):
            pass
        return MyRISE

    def still_freqrise(_):
        from freqxai.explainers import explainer_class as cls_of

        return None if cls_of("freqrise") is freqxai.FreqRISE else "freqrise replaced"

    errs = (ImportError, ValueError, TypeError)
    cases = [
        Case("plugins", "import_plugin valid", _plugged(root, lambda: import_plugin(["tour_plugin_ok"])), (),
             check=lambda r: None),
        Case("plugins", "import_plugin of a plug-in raising at import",
             _plugged(root, lambda: import_plugin(["tour_plugin_raises"])), ("tour_plugin_raises",), errors=errs),
        Case("plugins", "import_plugin unknown module", _plugged(root, lambda: import_plugin(["nope_plugin"])),
             ("nope_plugin",), errors=errs),
        Case("plugins", "import_plugin a string (one module)", _plugged(root, lambda: import_plugin("tour_plugin_ok")),
             ("modules", "list"), check=lambda r: None, either=True, errors=errs),
        Case("plugins", "import_plugin [5]", _plugged(root, lambda: import_plugin([5])), ("module name", "string", "str"),
             errors=errs),
        Case("plugins", "import_plugin re-registering freqrise",
             _plugged(root, lambda: import_plugin(["tour_plugin_freqrise"])), ("freqrise",), errors=errs),
        Case("plugins", "import_plugin re-registering the fft domain",
             _plugged(root, lambda: import_plugin(["tour_plugin_fft"])), ("fft",), errors=errs),
        Case("plugins", "import_plugin re-registering the deletion metric",
             _plugged(root, lambda: import_plugin(["tour_plugin_metric"])), ("deletion",), errors=errs),
        Case("plugins", "register_explainer('freqrise') again", _plugged(root, reregister), ("freqrise",)),
        Case("plugins", "register_explainer('FREQRISE') (case)", _plugged(root, upper), ("FREQRISE", "freqrise")),
        Case("plugins", "the registry is restored after a replacement", lambda: None, (), check=still_freqrise),
        Case("plugins", "register_explainer name 5", lambda: register_explainer(5), ("name",)),
        Case("plugins", "register_domain name None", lambda: register_domain(None), ("name",)),
        Case("plugins", "register_metric on a non-Metric", lambda: register_metric("x")(object), ("Metric",)),
        Case("plugins", "load_plugins valid (no entry points here)", lambda: load_plugins(), (),
             check=lambda r: None if isinstance(r, list) else f"got {r!r}"),
        # the CLI's --plugin
        Case("plugins", "cli list --plugin raising at import",
             _plugged(root, cli_call(["list", "--plugin", "tour_plugin_raises"])), ("tour_plugin_raises",),
             cli=True),
        Case("plugins", "cli list --plugin missing", _plugged(root, cli_call(["list", "--plugin", "nope_plugin"])),
             ("nope_plugin",), cli=True),
        Case("plugins", "cli list --plugin re-registering freqrise",
             _plugged(root, cli_call(["list", "--plugin", "tour_plugin_freqrise"])), ("freqrise",), cli=True),
        Case("plugins", "cli list --plugin valid", _plugged(root, cli_call(["list", "--plugin", "tour_plugin_ok"])),
             (), check=lambda res: None if "freqrise" in res.out else "freqrise not listed", cli=True),
    ]
    return cases


# ------------------------------------------------------------------------------------------------
# CLI: the new sources and flags (custom EEG/unequal-length data, uea classifiers, sanity, skops)
# ------------------------------------------------------------------------------------------------

_CLASSIFIERS = (
    "import numpy as np\n\n"
    "class FitRaises:\n"
    "    def fit(self, X, y):\n        raise ValueError('this classifier cannot fit today')\n"
    "    def predict_proba(self, X):\n        return np.full((len(X), 4), 0.25)\n"
)


def cli_new_cases(f: _CliFiles) -> list[Case]:
    r = f.root
    cases: list[Case] = []
    (r / "tour_classifiers.py").write_text(_CLASSIFIERS)

    def refuse(cid: str, argv: list, *frags: str, timeout: float = 60, wrap=None) -> None:
        call = cli_call(argv)
        cases.append(Case("cli", cid, wrap(call) if wrap else call, frags, cli=True, timeout=timeout))

    def works(cid: str, argv: list, check: Callable[[CliResult], str | None], timeout: float = 120) -> None:
        cases.append(Case("cli", cid, cli_call(argv), (), check=check, cli=True, timeout=timeout))

    def quick(*args, out=None):
        return ["--n-test", "2", "--methods", "random", "--domains", "fft", "--metrics", "complexity",
                "--quiet", "--out", out or f.out(), *args]

    def cus(*args, data=None, model=None, out=None):
        return ["run", "custom", "--model", model or r / "cnn.pt", "--data", data or r / "data.npz",
                *quick(*args, out=out)]

    def uea(*args, name="BasicMotions", out=None):
        return ["run", "uea", "--name", name, *quick(*args, out=out)]

    def on_path(call):  # the classifier module of the tour's folder importable
        def wrapped():
            sys.path.insert(0, str(r))
            try:
                return call()
            finally:
                sys.path.remove(str(r))
                sys.modules.pop("tour_classifiers", None)
        return wrapped

    def run_ok(path, *files):
        def check(res: CliResult) -> str | None:
            missing = [n for n in ("results.h5", *files) if not (Path(path) / n).is_file()]
            return f"exit 0 but no {', '.join(missing)}" if missing else None
        return check

    # --sanity
    refuse("run custom --sanity -1", cus("--sanity", "-1"), "sanity")
    refuse("run custom --sanity abc", cus("--sanity", "abc"), "--sanity")
    refuse("run custom --sanity 1.5", cus("--sanity", "1.5"), "--sanity")
    refuse("config sanity 'yes'", ["run", "custom", "--model", r / "cnn.pt", "--data", r / "data.npz", "--quiet",
                                   "--out", f.out(), "--config",
                                   f.config({"sanity": "yes", "methods": ["random"], "domains": ["fft"],
                                             "metrics": ["complexity"], "n_test": 2})], "sanity")
    good = f.out()
    works("run custom --sanity 0 (off)", cus("--sanity", "0", out=good), run_ok(good))
    # --methods with a repeated method (valid: run once, report written)
    good = f.out()
    works("run custom --methods freqrise,freqrise",
          cus("--methods", "freqrise,freqrise", "--n-masks", "16", "--no-sanity", out=good),
          run_ok(good, "report.html"), timeout=180)
    # custom data: --fs / --eeg / unequal lengths / epochs files
    refuse("run custom --fs inf", cus("--fs", "inf"), "fs")
    refuse("run custom --eeg --fs -1", cus("--eeg", "--fs", "-1"), "fs")
    padded = np.zeros((6, 2, 64), np.float32)
    for i, n in enumerate((64, 48, 40, 64, 48, 40)):
        padded[i, :, :n] = f.X[i, :, :n]
    for label, lengths in [("of another count", [64, 48]), ("beyond X", [64, 48, 40, 64, 48, 80]),
                           ("floats", np.array([64.0, 48, 40, 64, 48, 40])), ("below 2", [64, 48, 1, 64, 48, 40]),
                           ("2-D", [[64, 48, 40, 64, 48, 40]])]:
        refuse(f"run custom --data lengths {label}", cus(data=f.npz(X=padded, y=f.y, fs=32.0, lengths=lengths)),
               "lengths")
    good = f.out()
    works("run custom --data of unequal lengths (tiny)",
          cus("--no-sanity", data=f.npz(X=padded, y=f.y, fs=32.0, lengths=np.array([64, 48, 40, 64, 48, 40])),
              out=good), run_ok(good))
    refuse("run custom --data missing -epo.fif", cus(data=r / "missing-epo.fif"), "missing-epo.fif")
    refuse("run custom --data garbage -epo.fif", cus(data=f.file("-epo.fif", os.urandom(64))), "-epo.fif")
    # skops classifiers: with --model-factory (ignored before issue 25), and valid
    skops_path = _skops_classifier(f)
    if skops_path is not None:
        refuse("run custom skops + --model-factory",
               cus("--model-factory", "freqxai.models:SynthMLP", model=skops_path),
               "model-factory", "model_factory")
        good = f.out()
        works("run custom skops classifier (tiny)", cus("--no-sanity", model=skops_path, out=good), run_ok(good))
    # run uea: classifiers
    refuse("run uea --classifier whose fit raises", uea("--classifier", "tour_classifiers:FitRaises", "--no-sanity"),
           "FitRaises", "classifier", wrap=on_path)
    refuse("run uea --classifier bogus", uea("--classifier", "bogus"), "bogus")
    refuse("run uea --classifier nope_mod:Cls", uea("--classifier", "nope_mod:Cls"), "nope_mod")
    refuse("run uea --classifier LinearRegression (no probabilities)",
           uea("--classifier", "sklearn.linear_model:LinearRegression"), "LinearRegression", "predict_proba")
    refuse("run uea --classifier with --model", uea("--classifier", "minirocket", "--model", r / "cnn.pt"),
           "classifier", "model")
    # (--epochs 1: a run that ignored the setting trains one epoch, not 200)
    refuse("run uea --model-factory without --model",
           uea("--model-factory", "freqxai.models:SynthMLP", "--epochs", "1", "--no-sanity"), "model")
    refuse("run uea --weights without --model", uea("--weights", r / "mlp.pt", "--epochs", "1", "--no-sanity"),
           "model", "weights")
    refuse("run uea --fs 0", uea("--fs", "0"), "fs")
    refuse("run uea --fs -1", uea("--fs", "-1"), "fs")
    refuse("run uea --epochs -1", uea("--epochs", "-1"), "epochs")
    refuse("run uea JapaneseVowels --classifier minirocket (equal lengths only)",
           uea("--classifier", "minirocket", name="JapaneseVowels"), "unequal", "minirocket", timeout=120)
    good = f.out()
    works("run uea --classifier sklearn LogisticRegression (tiny)",
          uea("--classifier", "sklearn.linear_model:LogisticRegression", "--no-sanity", out=good),
          run_ok(good), timeout=180)
    # run fsdd --weights garbage (the FSDD file of the data case above, made here when that did not run)
    refuse("run fsdd --weights garbage.pt",
           ["run", "fsdd", "--data", r / "fsdd.h5", "--weights", f.file(".pt", b"garbage"), "--n-test", "2",
            "--methods", "random", "--domains", "fft", "--out", f.out(), "--quiet"], "weights", ".pt",
           wrap=lambda call: _with_fsdd(r, call))
    return cases


def _with_fsdd(root: Path, call: Callable[[], CliResult]) -> Callable[[], CliResult]:
    def wrapped():
        if not (root / "fsdd.h5").is_file():
            cli_call(["data", "fsdd", "--src", _fake_fsdd(root), "--out", root / "fsdd.h5", "--quiet"])()
        return call()
    return wrapped


def _skops_classifier(f: _CliFiles) -> Path | None:
    try:
        import skops.io as sio
        from sklearn.linear_model import LogisticRegression
    except ImportError:  # (no skops here: those cases are left out)
        return None
    clf = LogisticRegression(max_iter=200).fit(f.X.reshape(len(f.X), -1), f.y)
    path = f.root / "clf.skops"
    sio.dump(clf, path)
    return path


# ------------------------------------------------------------------------------------------------
# the baseline: the tour fails when a count regresses
# ------------------------------------------------------------------------------------------------

BASELINE = Path(__file__).resolve().with_name("bad_input_tour_counts.json")
WATCHED = ("cryptic", "silent")  # categories that must not grow


def counts_of(results: list[tuple[Case, Outcome]]) -> dict[str, dict[str, int]]:
    """``{area: {category: n}}`` of a run's outcomes."""
    table: dict[str, dict[str, int]] = {}
    for case, outcome in results:
        table.setdefault(case.area, dict.fromkeys(CATEGORIES, 0))[outcome.category] += 1
    return table


def read_baseline(path: Path) -> dict[str, Any] | None:
    if not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text())


def write_baseline(path: Path, counts: dict[str, dict[str, int]], old: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """The baseline with the areas of ``counts`` replaced (the others kept from ``old``)."""
    areas = dict((old or {}).get("areas", {}))
    areas.update({a: {c: int(row.get(c, 0)) for c in CATEGORIES} for a, row in counts.items()})
    areas = {a: areas[a] for a in sorted(areas, key=lambda a: AREAS.index(a) if a in AREAS else len(AREAS))}
    data = {"note": "counts per area and category of python bench/bad_input_tour.py; the tour exits 1 "
                    "when an area has more cryptic or silent cases than here, or fewer cases. Rewrite "
                    "with --update-baseline after a change that improves them.",
            "total": sum(sum(row.values()) for row in areas.values()), "areas": areas}
    Path(path).write_text(json.dumps(data, indent=2) + "\n")
    return data


def regressions(counts: dict[str, dict[str, int]], baseline: dict[str, Any],
                complete: tuple[str, ...]) -> list[str]:
    """What got worse than ``baseline``: an area with more cryptic or silent cases, an area that
    ran completely (``complete``: every case of it ran, none under ``--grep``) with fewer cases,
    and, when every area of the baseline ran completely, fewer cases in all."""
    problems = []
    base = baseline.get("areas", {})
    for area, row in counts.items():
        if area not in base:
            continue  # a new area: it has no baseline until --update-baseline (see notes())
        for cat in WATCHED:
            if row.get(cat, 0) > base[area].get(cat, 0):
                problems.append(f"{area}: {row.get(cat, 0)} {cat} cases, baseline {base[area].get(cat, 0)}")
    for area in complete:
        if area in base:
            n, want = sum(counts.get(area, {}).values()), sum(base[area].values())
            if n < want:
                problems.append(f"{area}: {n} cases, baseline {want} (cases were dropped)")
    if base and set(base) <= set(complete):
        n = sum(sum(row.values()) for row in counts.values())
        if n < baseline.get("total", 0):
            problems.append(f"total: {n} cases, baseline {baseline['total']} (cases were dropped)")
    return problems


def notes(counts: dict[str, dict[str, int]], baseline: dict[str, Any]) -> list[str]:
    """What is better than the baseline, and areas it does not have (neither fails the tour)."""
    out = []
    base = baseline.get("areas", {})
    for area, row in counts.items():
        if area not in base:
            out.append(f"{area}: no baseline yet (--update-baseline adds it)")
            continue
        better = [f"{row.get(c, 0)} {c} (baseline {base[area].get(c, 0)})" for c in WATCHED
                  if row.get(c, 0) < base[area].get(c, 0)]
        if better:
            out.append(f"{area}: {', '.join(better)}: better; --update-baseline keeps it so")
    return out


def check_baseline(results: list[tuple[Case, Outcome]], path: Path, complete: tuple[str, ...],
                   update: bool) -> int:
    """Compare the run's counts with the baseline file (or rewrite it): the tour's exit status."""
    counts = counts_of(results)
    baseline = read_baseline(path)
    if update:
        write_baseline(path, counts, baseline)
        print(f"\nbaseline written: {path}")
        return 0
    if baseline is None:
        print(f"\nno baseline at {path}: nothing to compare (--update-baseline writes it)")
        return 0
    for line in notes(counts, baseline):
        print(f"note: {line}")
    problems = regressions(counts, baseline, complete)
    if problems:
        print(f"\nREGRESSION against {path.name}:")
        for line in problems:
            print(f"  {line}")
        return 1
    print(f"\nno regression against {path.name}")
    return 0


# ------------------------------------------------------------------------------------------------
# the tour
# ------------------------------------------------------------------------------------------------

def build_cases(root: Path, areas: tuple[str, ...] = AREAS) -> list[Case]:
    sys.modules.setdefault("__tour__", sys.modules[__name__])  # for the factory module's import
    cases: list[Case] = []
    if "explainers" in areas:
        cases += explainer_option_cases()
        cases += explainer_input_cases()
        cases += explainer_target_cases()
        cases += explainer_model_cases()
        cases += explainer_construction_cases()
    if "metrics" in areas:
        cases += metric_cases()
    if "domains" in areas:
        cases += domain_cases()
    if "loading" in areas:
        cases += loading_cases(_Files(root))
        cases += loading_new_cases(root)
    if "summary" in areas:
        cases += summary_cases()
        cases += summary_new_cases(root)
    if "adapters" in areas:
        cases += adapter_cases()
        cases += adapter_new_cases()
    if "misc" in areas:
        cases += misc_cases()
    if "ragged" in areas:
        cases += ragged_cases()
    if "eeg" in areas:
        cases += eeg_cases(root)
    if "sanity" in areas:
        cases += sanity_cases(root)
    if "flextime" in areas:
        cases += flextime_cases()
    if "plugins" in areas:
        cases += plugin_cases(root)
    if "cli" in areas:
        files = _CliFiles(root)
        from freqxai.models.cnn import SmallCNN

        torch.jit.save(torch.jit.script(SmallCNN(1, 3).eval()), root / "cnn1.pt")
        cases += cli_cases(files)
        cases += cli_new_cases(files)
    ids = Counter(c.id for c in cases)
    dupes = [i for i, n in ids.items() if n > 1]
    if dupes:
        raise AssertionError(f"duplicate case ids: {dupes[:5]}")
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--area", action="append", choices=AREAS, help="run only this area (repeatable)")
    parser.add_argument("--grep", help="only cases whose id contains this text")
    parser.add_argument("--list", action="store_true", help="print the case ids and exit")
    parser.add_argument("--all", action="store_true", help="print every case, not only cryptic/silent")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--baseline", type=Path, default=BASELINE,
                        help=f"counts to compare with (default {BASELINE.name} beside this file)")
    parser.add_argument("--update-baseline", action="store_true",
                        help="write this run's counts into the baseline (areas not run are kept)")
    args = parser.parse_args(argv)
    if args.update_baseline and args.grep:
        parser.error("--update-baseline counts whole areas: leave --grep out")
    torch.set_num_threads(args.threads)
    logging_quiet()
    t0 = time.perf_counter()
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="freqxai-tour-") as tmp:
        root = Path(tmp)
        os.chdir(root)  # the CLI writes relative paths (runs/, freqxai-output/) here, not in the repo
        try:
            with warnings.catch_warnings():  # (torch.jit's deprecation notes while writing files)
                warnings.simplefilter("ignore")
                cases = build_cases(root, tuple(args.area or AREAS))
            if args.grep:
                cases = [c for c in cases if args.grep in c.id]
            if args.list:
                for c in cases:
                    print(f"{c.area:10s} {c.id}")
                return 0
            results = []
            for case in cases:
                outcome = run_case(case)
                results.append((case, outcome))
                if args.all or outcome.category in ("cryptic", "silent"):
                    msg = _one_line(outcome.message)
                    print(f"{outcome.category:8s} {case.area:10s} {case.id} | {outcome.what}"
                          f"{' | ' + msg if msg else ''}", flush=True)
        finally:
            os.chdir(here)
    report(results, time.perf_counter() - t0)
    complete = () if args.grep else tuple(args.area or AREAS)
    return check_baseline(results, args.baseline, complete, args.update_baseline)


def logging_quiet() -> None:
    import logging

    for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def pattern_of(case_id: str) -> str:
    """``"freqrise/fft/inputs=NaN"`` -> ``"inputs=NaN"``; ids without slashes unchanged."""
    return case_id.split("/", 2)[-1] if case_id.count("/") >= 2 else case_id.split("/", 1)[-1]


def report(results: list[tuple[Case, Outcome]], seconds: float) -> None:
    table: dict[str, Counter] = defaultdict(Counter)
    for case, outcome in results:
        table[case.area][outcome.category] += 1
    total = Counter()
    print()
    print(f"{'area':12s}" + "".join(f"{c:>9s}" for c in CATEGORIES) + f"{'total':>9s}")
    for area in AREAS:
        if area in table:
            row = table[area]
            total.update(row)
            print(f"{area:12s}" + "".join(f"{row[c]:9d}" for c in CATEGORIES) + f"{sum(row.values()):9d}")
    print(f"{'total':12s}" + "".join(f"{total[c]:9d}" for c in CATEGORIES) + f"{sum(total.values()):9d}")
    # the same failure repeated over methods and domains is one root cause: group by the case id
    # without its leading "method/domain/"
    groups: dict[tuple[str, str, str], list[tuple[Case, Outcome]]] = defaultdict(list)
    for case, outcome in results:
        if outcome.category in ("cryptic", "silent"):
            groups[(case.area, outcome.category, pattern_of(case.id))].append((case, outcome))
    if groups:
        print(f"\n{len(groups)} distinct cryptic/silent patterns (case id without method/domain):")
        for (area, category, pattern), items in sorted(groups.items()):
            where = sorted({c.id.split("/")[0] for c, _ in items}) if items[0][0].id.count("/") else []
            who = f" [{', '.join(where)}]" if len(items) > 1 and where else ""
            msg = _one_line(items[0][1].message or items[0][1].what, 110)
            print(f"  {category:8s} {area:10s} x{len(items):<3d} {pattern}{who} | {msg}")
    slow = sorted(results, key=lambda r: -r[1].seconds)[:5]
    print(f"\n{len(results)} cases in {seconds:.0f} s; slowest: "
          + ", ".join(f"{c.id} ({o.seconds:.1f} s)" for c, o in slow))


if __name__ == "__main__":
    sys.exit(main())

"""The answer of an explanation run, as one tidy table: which bands drive each class, how sure,
and whether the methods agree.

:func:`summarize` turns relevance (any method, any domain) into one row per method x domain x
class x channel x band; ``summary.csv`` of a run, the first screen of its report and the
terminal's answer (:func:`headline`) all read this one table.

How a band's relevance is formed
--------------------------------
- **Bands** are the same edges in every domain, computed from the signal (its length and sampling
  rate), not from a domain's bins: DC and octaves above the first rFFT bin by default, the EEG
  bands when the data is EEG (:func:`freqxai.bands.default_bands`). Each entry of a domain's
  :meth:`~freqxai.domains.Domain.frequency_profile` (an rFFT bin, an STFT row, a wavelet level at
  its centre frequency) falls in the band that holds its frequency, so fft, stft and wavelet rows
  compare; a band no entry of a domain falls in has no value there (NaN, ``n_coefficients`` 0).
  Bands given by the user (``bands=``, a mapping or a list of ``(low, high)`` named by their
  edges) are checked against the signal's rFFT bins (:func:`freqxai.bands.check_bands`): bands
  that overlap, and a band that holds no bin (above Nyquist, narrower than the bin spacing, in Hz
  without ``fs``), are refused, never scored; bins left in no band are named in a warning (a gap
  is a fair question, but ``share`` and ``rank`` then compare the given bands only).
- **Additive methods** (``Explainer.additive``: IG, FLEX, LRP, gradient x input, whose relevance
  sums to the explained output) give a band the **sum** of its coefficients: its share of the
  evidence. **Per-coefficient effects** (FreqRISE's lift, saliency, the references) give it the
  **mean** over its coefficients, so a band does not win by its width (a random reference is flat
  across bands instead of growing toward the wide high octaves).
- **Per class**: the mean over the inputs explained for that class, with the standard error
  across those inputs; ``significant`` is a two-sided one-sample t-test against zero at the 5 %
  level, Bonferroni-corrected over the bands (with one input, the method's own Monte-Carlo
  standard error when given, averaged over the band's coefficients: an upper bound that assumes
  their errors are fully correlated). References are not tested (``p_value`` NaN).
- ``share``: the band's relevance over the sum of the absolute relevance of all bands of the row's
  method, domain, class and channel. ``rank``: 1 for the largest relevance.
- **Intervention** (optional, given ``interventions``; the runner checks every band some method
  ranks first for a class): ``accuracy`` on the class's signals, ``kept_accuracy`` with only the
  band's rFFT bins kept, ``removed_accuracy`` with them removed
  (:func:`band_intervention`). A band that drives the decision costs accuracy when removed; one
  whose removal and sole presence both leave the accuracy as it was does not (a class recognised
  by what the signal lacks: its top band is the least unimportant, however significant).
- **Agreement**: ``top_methods`` lists the methods (references excluded) whose rank-1 band this
  is for the same domain, class and channel; ``agreement`` is their share of those methods.
  ``reference`` marks the references (random, amplitude): scores to beat, not findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._checks import check_bool
from .answer import answer
from .bands import (
    _empty_band,
    band_edges,
    band_membership,
    signal_bands,
)

__all__ = ["SUMMARY_COLUMNS", "summarize", "headline", "headline_from_csv", "signal_bands",
           "band_intervention", "answer"]

SUMMARY_COLUMNS = [
    "method", "domain", "class", "channel", "band", "low_hz", "high_hz", "relevance",
    "standard_error", "share", "significant", "p_value", "rank", "n_inputs", "n_coefficients",
    "top_methods", "agreement", "reference", "aggregation", "unit", "accuracy", "kept_accuracy",
    "removed_accuracy",
]
ALPHA = 0.05  # family-wise level of ``significant`` per (method, domain, class, channel)
# the columns headline() reads
_HEADLINE_COLUMNS = [*SUMMARY_COLUMNS[:13], "reference"]


def _method_kind(method: str) -> tuple[bool, bool]:
    """(additive, reference) of a registered method; unknown names: per-coefficient, not a
    reference."""
    from .explainers import list_explainers
    from .explainers.base import explainer_class, get_tags

    if method not in list_explainers():
        return False, False
    tags = get_tags(explainer_class(method))
    return tags.additive, tags.reference


def _is_lazy(a: Any) -> bool:
    """An array read by slicing its rows (``h5py.Dataset``, ``StoredRows``): not in memory."""
    return (not isinstance(a, np.ndarray | list | tuple) and not hasattr(a, "detach")
            and hasattr(a, "__getitem__") and hasattr(a, "__len__") and hasattr(a, "shape"))


def _ragged(a: Any) -> bool:
    """Rows of their own shapes: a list, or a lazy array that reads as one (``StoredRows``)."""
    return isinstance(a, list | tuple) or bool(getattr(a, "ragged", False))


def _check_lazy(rel: Any, what: str, domain: Any, targets: np.ndarray, lengths: np.ndarray
                ) -> None:
    """What can be checked of a lazy relevance without reading it: one row per input and, for
    rows of one shape and inputs of one length, that shape (each slice is checked when read)."""
    n_in, n = len(rel), targets.shape[0]
    if n_in != n:
        raise ValueError(f"{what} holds {n_in} inputs but targets has one class for each of {n} "
                         f"inputs; give both for the same inputs")
    if _ragged(rel) or n == 0 or (lengths != lengths[0]).any():
        return
    shape = tuple(rel.shape)
    stand_in = np.lib.stride_tricks.as_strided(np.zeros(1), shape=shape,
                                               strides=(0,) * len(shape))  # (of zero bytes)
    _check_relevance(stand_in, what, domain, targets, lengths, int(lengths[0]))


def _row_bytes(rel: Any) -> int:
    """Bytes of the largest row of ``rel`` in float64: how many rows a slice holds."""
    from ._stream import float64_row_bytes

    if isinstance(rel, list | tuple):
        return 8 * max((int(np.size(r)) for r in rel), default=1)
    return float64_row_bytes(tuple(np.shape(rel)))


def _as_arrays(a: Any) -> np.ndarray | list[np.ndarray]:
    """A batch array, or a list of per-series arrays (series of unequal length)."""
    if isinstance(a, list | tuple):
        return [_as_array(r) for r in a]
    return _as_array(a)


def _as_array(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu()
        if a.is_complex():
            raise TypeError("relevance must be real-valued; take abs() of complex relevance first")
        a = a.double().numpy()
    a = np.asarray(a)
    if a.dtype.kind not in "biufc":
        raise TypeError(f"relevance must hold numbers, got dtype {a.dtype}")
    if np.iscomplexobj(a):
        raise TypeError("relevance must be real-valued; take abs() of complex relevance first")
    return a.astype(np.float64, copy=False)


def summarize(
    relevance: Mapping[Any, Any],
    targets: Sequence[int] | np.ndarray,
    *,
    length: int | Sequence[int] | None = None,
    fs: float | None = None,
    domain: Any = None,
    domains: Mapping[str, Any] | None = None,
    standard_errors: Mapping[Any, Any] | None = None,
    bands: Mapping[str, tuple[float, float]] | None = None,
    eeg: bool = False,
    class_names: Sequence[str] | None = None,
    channel_names: Sequence[str] | None = None,
    additive: Mapping[str, bool] | None = None,
    interventions: Sequence[Mapping[str, Any]] | None = None,
    epochs: Any = None,
) -> Any:
    """One tidy table of band relevance per method, domain, class and channel.

    Parameters
    ----------
    relevance : mapping
        ``{method: relevance}`` (all in ``domain``) or ``{(method, domain_name): relevance}``;
        each ``(batch, channels or 1, *coefficient_shape)``, tensor or array, or for series of
        unequal length the list an explainer returns for them (one ``(channels or 1,
        *coefficient_shape_i)`` per series). An array on disk that is read by slicing its rows
        (an ``h5py.Dataset``, :class:`~freqxai.runner.store.StoredRows`) is read a slice of
        rows at a time (:mod:`freqxai._stream`): the table's memory does not grow with the
        number of inputs, and its values are those of the whole array up to float round-off.
    targets : sequence of int, shape (batch,)
        The class each input was explained for (rows are per class).
    length : int or sequence of int
        Signal length in samples, or one per input (series of unequal length: each is summarised
        on its own grid into the bands of the longest, so every series and class compares).
    fs : float, optional
        Sampling rate in Hz; without it frequencies are in cycles per sample.
    domain : str or Domain, optional
        The domain of every entry when ``relevance`` is keyed by method.
    domains : mapping, optional
        ``{domain_name: Domain}`` for tuple keys, e.g. ``{"stft": STFT(n_fft=16)}`` (default:
        ``get_domain(domain_name)``).
    standard_errors : mapping, optional
        Per-coefficient Monte-Carlo standard errors, keyed like ``relevance`` (FreqRISE).
    bands : mapping name -> (low, high), optional
        Band edges; default :func:`signal_bands` (``eeg`` selects the EEG bands).
    eeg : bool
        The data is EEG (its default bands are the EEG bands; a run decides it from the channel
        names, :func:`~freqxai.bands.is_eeg_montage`); ``df.attrs["eeg"]`` records it.
    class_names, channel_names : sequence of str, optional
        ``class_names``: one name per class of the model (at least 2), indexed by ``targets``.
    additive : mapping method -> bool, optional
        Overrides the registry's ``additive`` (how bands aggregate, module notes).
    interventions : sequence of dict, optional
        Results of :func:`band_intervention` with the keys ``class`` (the class label as in the
        table) and ``band`` (its name) added; they fill the intervention columns of those rows.
    epochs : mne.Epochs, optional
        The epochs that were explained: fills ``length``, ``fs``, ``channel_names`` (their
        EEG/MEG data channels) and ``class_names`` (event names by code) where not given, and
        selects the EEG bands (:func:`freqxai.data.eeg.epochs_metadata`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`; ``df.attrs["frequency_unit"]`` is ``"Hz"`` or
        ``"cycles/sample"`` (also the ``unit`` column). Channel ``"all"`` sums (additive) or averages the channels; rows per
        channel follow when the relevance has more than one channel.

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> len(df)                                # methods x classes x bands
    32
    >>> in_band = df[(df["method"] == "shapley") & (df["band"] == "8-16 Hz")]
    >>> dict(zip(in_band["class"], in_band["relevance"] > 0))   # lowers class 0, raises class 1
    {'0': False, '1': True}
    >>> from freqxai.summary import headline
    >>> for line in headline(df):
    ...     print(line)
    0: 8-16 Hz lowers the score [supported] (1 of 2 methods name it, ...)
    1: 8-16 Hz raises the score [supported] (2 of 2 methods name it, ...)
    """
    import pandas as pd

    from .domains import get_domain

    names_given = class_names is not None  # not filled in from epochs
    if epochs is not None:  # an mne.Epochs: its length, sampling rate, channels and classes
        from .data.eeg import epochs_metadata

        meta = epochs_metadata(epochs)
        length = meta["length"] if length is None else length
        fs = meta["fs"] if fs is None else fs
        channel_names = meta["channel_names"] if channel_names is None else channel_names
        class_names = meta["class_names"] if class_names is None else class_names
        eeg = True
    if length is None:
        raise TypeError("summarize needs length= (the signals' length in samples) or epochs=")
    if not isinstance(relevance, Mapping) or not relevance:
        raise TypeError("relevance must be a non-empty mapping {method: relevance} or "
                        "{(method, domain): relevance}")
    t = np.asarray(targets)
    if t.ndim != 1 or not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"targets must be a 1-D sequence of integer class indices, got "
                        f"{t.dtype} of shape {t.shape}")
    if (t < 0).any():
        raise ValueError(f"targets must be class indices >= 0, got {t.min()}")
    eeg = check_bool(eeg, "eeg")
    if fs is not None and (isinstance(fs, bool) or not isinstance(fs, int | float | np.number)):
        raise TypeError(f"fs must be a number of Hz or None, got {fs!r}")
    for label, names, need in (("class_names", class_names, int(t.max()) + 1 if t.size else 0),
                               ("channel_names", channel_names, None)):
        if names is None:
            continue
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"{label} must be a sequence of strings, got {names!r:.80}")
        if need is not None and len(names) < need:
            raise ValueError(f"{label} has {len(names)} names for class indices up to {need - 1}")
        if label == "class_names" and names_given and len(names) < 2:
            raise ValueError(f"class_names has {len(names)} name{'' if len(names) == 1 else 's'}"
                             ": a classifier has at least 2 classes; give one name per class of the model, in the order of its "
                             "outputs (the name of class 0 first)")
    lengths = np.asarray(length).reshape(-1)
    if not np.issubdtype(lengths.dtype, np.integer) or (lengths < 2).any():
        raise ValueError(f"length must be the signals' length in samples (>= 2), or one per "
                         f"input for series of unequal length, got {length!r}")
    lengths = np.broadcast_to(lengths, t.shape) if lengths.size == 1 else lengths
    if lengths.shape != t.shape:
        raise ValueError(f"length has {lengths.size} entries for {t.size} inputs")
    if fs is not None and not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive, finite sampling rate in Hz, got {fs!r}")
    if additive is not None and not isinstance(additive, Mapping):
        raise TypeError(f"additive must map method names to True/False, got {additive!r:.80}")
    for method, flag in (additive or {}).items():
        check_bool(flag, f"additive[{method!r}]")
    if domains is not None and not isinstance(domains, Mapping):
        raise TypeError(f"domains must map domain names to Domain objects, e.g. {{'stft': "
                        f"STFT(n_fft=16)}}, for relevance keyed by (method, domain_name); got "
                        f"{domains!r:.80}")
    if standard_errors is not None and not isinstance(standard_errors, Mapping):
        raise TypeError(f"standard_errors must be a mapping keyed like relevance, got "
                        f"{type(standard_errors).__name__}")
    extra = sorted(map(repr, set(standard_errors or ()) - set(relevance)))
    if extra:
        raise ValueError(f"standard_errors has keys {extra} that relevance lacks; key them like "
                         f"relevance ({list(relevance)!r:.80})")
    # one set of band edges for every domain and every series: those of the longest series
    edges = signal_bands(int(lengths.max()), fs, eeg=eeg, bands=bands)
    labels = {(class_names[int(c)] if class_names is not None and int(c) < len(class_names)
               else str(int(c))) for c in np.unique(t)}
    checks = _check_interventions(interventions, labels, edges)
    entries = []  # every entry checked before any is computed
    for key, rel in relevance.items():
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ValueError(f"relevance keys must be a method name or (method, domain_name), "
                                 f"got {key!r}")
            method, dname = key
            dom = get_domain((domains or {}).get(dname, dname))
        else:
            if domain is None:
                raise ValueError("relevance keyed by method needs domain=")
            method, dom = key, get_domain(domain)
            dname = dom.name
        what = f"relevance of {method!r} ({dname})"
        if _is_lazy(rel):  # read a slice of rows at a time: each slice is checked as it is read
            _check_lazy(rel, what, dom, t, lengths)
        else:
            rel = _as_arrays(rel)
            _check_relevance(rel, what, dom, t, lengths, length)
        se = None if standard_errors is None else standard_errors.get(key)
        if se is not None:
            if _is_lazy(se) or _is_lazy(rel):
                se = se if _is_lazy(se) else _as_arrays(se)
                if len(se) != len(rel) or (not _ragged(se) and not _ragged(rel)
                                           and np.shape(se) != np.shape(rel)):
                    _check_errors([np.empty(0)], [], f"standard_errors of {key!r}")
            else:
                se = _as_arrays(se)
                _check_errors(se, rel, f"standard_errors of {key!r}")
                if not all(np.isfinite(e).all() for e in se):
                    raise ValueError(f"standard_errors of {key!r} contain NaN or Inf values")
        add, ref = _method_kind(method)
        if additive is not None and method in additive:
            add = bool(additive[method])
        entries.append((method, dname, dom, rel, se, add, ref, key))
    rows: list[dict] = []
    for method, dname, dom, rel, se, add, ref, key in entries:
        rows += _rows(method, dname, dom, rel, se, t, lengths, fs, edges, add, ref, class_names,
                      channel_names, key=key, length=length)
    df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    df = _with_agreement(df)
    df["unit"] = df.attrs["frequency_unit"] = "Hz" if fs else "cycles/sample"
    df.attrs["eeg"] = bool(eeg)
    for key in ("accuracy", "kept_accuracy", "removed_accuracy"):
        df[key] = np.nan
    for check in checks:
        at = (df["class"] == str(check["class"])) & (df["band"] == check["band"])
        df.loc[at, ["accuracy", "kept_accuracy", "removed_accuracy"]] = (
            check["accuracy"], check["kept"], check["removed"])
    return df


_INTERVENTION_KEYS = ("class", "band", "accuracy", "kept", "removed")


def _check_interventions(interventions: Any, labels: set[str], edges: Mapping[str, Any]
                         ) -> list[Mapping[str, Any]]:
    """``interventions`` checked: a sequence of :func:`band_intervention` results with ``class``
    and ``band`` added, of classes and bands the table has."""
    if interventions is None:
        return []
    how = ("each entry is a band_intervention() result (accuracy, kept, removed) with 'class' "
           "(the class label) and 'band' (the band's name) added")
    if isinstance(interventions, Mapping | str) or not isinstance(interventions, Sequence):
        raise TypeError(f"interventions must be a list of dicts; {how}")
    for i, check in enumerate(interventions):
        if not isinstance(check, Mapping):
            raise TypeError(f"interventions[{i}] must be a dict, got {type(check).__name__}; {how}")
        missing = [k for k in _INTERVENTION_KEYS if k not in check]
        if missing:
            raise ValueError(f"interventions[{i}] lacks {missing}; {how}")
        if str(check["class"]) not in labels:
            raise ValueError(f"interventions[{i}] is of class {check['class']!r}, which the table "
                             f"does not have; its classes are {sorted(labels)}")
        if check["band"] not in edges:
            raise ValueError(f"interventions[{i}] is of band {check['band']!r}, which the table "
                             f"does not have; its bands are {list(edges)}")
        for k in ("accuracy", "kept", "removed"):
            v = check[k]
            if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number) \
                    or not 0 <= v <= 1:
                raise ValueError(f"interventions[{i}][{k!r}] must be a share of inputs in [0, 1], "
                                 f"got {v!r:.40}")
    return list(interventions)


def _check_relevance(rel: np.ndarray | list[np.ndarray], what: str, domain: Any, targets: np.ndarray,
                     lengths: np.ndarray, length: Any, offset: int = 0) -> None:
    """One ``(channels, *coefficient_shape)`` relevance per input, each on its own length's grid
    (``offset``: the index of the first input, for a slice of a lazy array)."""
    n_in, n = len(rel), targets.shape[0]
    coef = tuple(domain.coefficient_shape(int(lengths.max())))
    names = list(domain.axes(int(lengths.max())))
    axes = ", ".join(names) if len(names) == len(coef) else "coefficients"
    if isinstance(rel, np.ndarray) and rel.ndim != 2 + len(coef):
        hint = " (one channel still needs its axis: add it with rel[:, None])" \
            if rel.ndim == 1 + len(coef) else ""
        raise ValueError(f"{what} has shape {rel.shape}: expected rank {2 + len(coef)}, (batch, "
                         f"channels, {axes}) in domain {domain.name!r}, e.g. ({n}, 1, "
                         f"{', '.join(map(str, coef))}){hint}")
    if n_in != n:
        raise ValueError(f"{what} holds {n_in} inputs but targets has one class for each of {n} "
                         f"inputs; give both for the same inputs")
    scalar = np.ndim(length) == 0
    # an array of inputs of one length: every row has the first one's shape
    same = isinstance(rel, np.ndarray) and len(lengths) and (lengths == lengths[0]).all()
    for i, r in enumerate(rel[:1] if same else rel):
        want = tuple(domain.coefficient_shape(int(lengths[i])))
        if np.ndim(r) != 1 + len(want):
            raise ValueError(f"{what}: input {offset + i} has shape {np.shape(r)}, expected "
                             f"(channels, {axes}), e.g. (1, {', '.join(map(str, want))})")
        if tuple(np.shape(r)[1:]) != want:
            if not scalar:
                fix = "give each input's own length in samples, in the order of the inputs"
            elif isinstance(rel, np.ndarray):
                fix = "give length= the signals' length in samples"
            else:
                fix = ("series of unequal length need length= one per input (each series' "
                       "length in samples)")
            raise ValueError(f"{what}: input {offset + i} has coefficients "
                             f"{tuple(np.shape(r)[1:])}, not the {want} of a "
                             f"{int(lengths[i])}-sample signal (length"
                             f"{'' if scalar else f'[{offset + i}]'} = {int(lengths[i])}) in "
                             f"domain {domain.name!r}; {fix}")


def _check_errors(se: np.ndarray | list[np.ndarray], rel: np.ndarray | list[np.ndarray],
                  what: str) -> None:
    """Standard errors of the relevance's shape, input by input."""
    def shape(a):
        return np.shape(a) if isinstance(a, np.ndarray) else [np.shape(r) for r in a]

    if len(se) != len(rel) or any(np.shape(e) != np.shape(r) for e, r in zip(se, rel, strict=False)):
        got, want = shape(se), shape(rel)
        raise ValueError(f"{what} have shape {str(got):.80}, the relevance {str(want):.80}: give "
                         "one standard error per relevance coefficient (the explainer returns "
                         "both, e.g. return_standard_error=True)")


def _band_sums(domain, rel: list[np.ndarray] | np.ndarray, lengths: np.ndarray, fs, edges
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Per input the relevance summed over each band's coefficients ``(n, C, B)`` and the
    number of coefficients per band ``(n, B)``; series of each length on their own grid (None for
    a domain without a frequency axis). Bands no coefficient falls in hold NaN."""
    n = len(lengths)
    out = counts = None
    for length in np.unique(lengths):
        idx = np.flatnonzero(lengths == length)
        freqs = domain.profile_frequencies(int(length), fs)
        if freqs is None:  # the time domain has no frequency axis
            return None
        member = band_membership(freqs, edges)  # (F, B)
        shape = domain.coefficient_shape(int(length))
        group = rel[idx] if isinstance(rel, np.ndarray) else np.stack([rel[i] for i in idx])
        if tuple(group.shape[2:]) != tuple(shape):
            raise ValueError(f"relevance of shape {group.shape[1:]} per input does not fit the "
                             f"coefficients {tuple(shape)} of a {int(length)}-sample signal in "
                             f"domain {domain.name!r}")
        ones = np.ones((1, 1, *shape))
        c = np.asarray(domain.frequency_profile(ones, int(length)))[0, 0] @ member  # (B,)
        sums = np.asarray(domain.frequency_profile(group, int(length))) @ member  # (g, C, B)
        if out is None:
            out = np.full((n, group.shape[1], len(edges)), np.nan)
            counts = np.zeros((n, len(edges)))
        out[idx] = np.where(c > 0, sums, np.nan)
        counts[idx] = c
    return out, counts


def _rows(method, dname, domain, rel, se, targets, lengths, fs, edges, additive, reference,
          class_names, channel_names, *, key: Any = None, length: Any = None) -> list[dict]:
    """The table's rows of one relevance: read a slice of inputs at a time
    (:func:`freqxai._stream.row_chunks`), keeping per class and channel only the running count,
    mean and squared deviations of each band's value (:class:`freqxai._stream.Moments`)."""
    from scipy import special

    from ._stream import Moments, row_chunks

    lazy = _is_lazy(rel)
    n_in = len(rel)
    if n_in != targets.shape[0] or (not lazy and any(np.ndim(r) < 2 for r in rel)):
        raise ValueError(f"relevance of {method!r} ({dname}) must hold one (channels, ...) array "
                         f"per input, {targets.shape[0]} inputs; got {n_in}")
    what = f"relevance of {method!r} ({dname})"
    classes = np.unique(targets)
    # per class: inputs, Moments per channel row ("all" first), most coefficients per band, and
    # the first input's band Monte-Carlo error (a class of one input is tested with it)
    stats: list[dict] = [{"n": 0, "moments": None, "counts": None, "mcs": None} for _ in classes]
    n_ch = 0
    for sl in row_chunks(n_in, _row_bytes(rel)):
        part = rel[sl]
        if lazy:
            part = _as_arrays(part)
            _check_relevance(part, what, domain, targets[sl], lengths[sl],
                             length if np.ndim(length) == 0 else lengths[sl], offset=sl.start)
        if not all(np.isfinite(r).all() for r in part):
            raise ValueError(f"relevance of {method!r} ({dname}) contains NaN or Inf values")
        sums = _band_sums(domain, part, lengths[sl], fs, edges)
        if sums is None:
            return []
        band_sum, counts = sums
        n_ch = band_sum.shape[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_channel = band_sum if additive else band_sum / counts[:, None]
            overall = band_sum.sum(1) if additive else band_sum.sum(1) / (counts * n_ch)
            mc_se = None
            if se is not None:  # the band's mean Monte-Carlo error (fully correlated: an upper
                errors = se[sl]  # bound)
                if _is_lazy(se):
                    errors = _as_arrays(errors)
                    if not all(np.isfinite(e).all() for e in errors):
                        raise ValueError(f"standard_errors of {key!r} contain NaN or Inf values")
                se_sum = _band_sums(domain, errors, lengths[sl], fs, edges)[0]
                mc_se = se_sum.sum(1) if additive else se_sum.sum(1) / (counts * se_sum.shape[1])
        values = [overall] + ([per_channel[:, c] for c in range(n_ch)] if n_ch > 1 else [])
        t = targets[sl]
        for cls, st in zip(classes, stats, strict=True):
            idx = t == cls
            if not idx.any():
                continue
            if st["moments"] is None:
                st["moments"] = [Moments() for _ in values]
                st["counts"] = counts[idx].max(0)
                st["mcs"] = None if mc_se is None else mc_se[idx][0]
            else:
                st["counts"] = np.maximum(st["counts"], counts[idx].max(0))
            st["n"] += int(idx.sum())
            for m, v in zip(st["moments"], values, strict=True):
                m.add(v[idx])  # (inputs of the class in this slice, B)
    channels = ["all"]
    if n_ch > 1:
        if channel_names is not None and len(channel_names) != n_ch:
            raise ValueError(f"channel_names has {len(channel_names)} names for relevance of "
                             f"{method!r} with {n_ch} channels")
        channels += list(channel_names) if channel_names is not None else [
            f"ch {i}" for i in range(n_ch)]
    band_names = list(edges)
    n_bands = len(band_names)
    out = []
    for cls, st in zip(classes, stats, strict=True):
        n = st["n"]
        label = (class_names[int(cls)] if class_names is not None and int(cls) < len(class_names)
                 else str(int(cls)))
        for j, ch_name in enumerate(channels):
            moments = st["moments"][j]
            mcs = st["mcs"] if j == 0 else None
            # inputs with a coefficient in each band: a short series may have none in a band
            # (unequal lengths), which leaves it out of that band's mean instead of the class's
            k, mean = moments.k, moments.mean
            if n > 1:
                sem = moments.sem()
                with np.errstate(invalid="ignore", divide="ignore"):
                    tstat = mean / sem
                # t-test (scipy.stats loads slowly)
                p = 2 * special.stdtr(np.maximum(k - 1, 1), -np.abs(tstat))
            elif mcs is not None:
                sem = mcs
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = 2 * special.ndtr(-np.abs(mean / sem))
            else:
                sem = np.full(n_bands, np.nan)
                p = np.full(n_bands, np.nan)
            # no spread: exact values are significant when non-zero; an unknown spread (one
            # input, no Monte-Carlo error) leaves them untested
            p = np.where(sem > 0, p, np.where(np.isfinite(sem), np.where(mean != 0, 0.0, 1.0),
                                              np.nan))
            p = np.where(np.isfinite(mean) & (not reference), p, np.nan)  # references: no test
            total = np.nansum(np.abs(mean))
            share = mean / total if total > 0 else np.zeros_like(mean)
            order = np.argsort(np.where(np.isfinite(mean), -mean, np.inf), kind="stable")
            rank = np.empty(n_bands, dtype=int)
            rank[order] = np.arange(1, n_bands + 1)
            for b, name in enumerate(band_names):
                lo, hi = edges[name]
                out.append({
                    "method": method, "domain": dname, "class": label, "channel": ch_name,
                    "band": name, "low_hz": float(lo), "high_hz": float(hi),
                    "relevance": float(mean[b]), "standard_error": float(sem[b]),
                    "share": float(share[b]),
                    "significant": bool(np.isfinite(p[b]) and p[b] < ALPHA / n_bands),
                    "p_value": float(p[b]), "rank": int(rank[b]) if np.isfinite(mean[b]) else 0,
                    "n_inputs": int(k[b]), "n_coefficients": int(st["counts"][b]),
                    "reference": reference, "aggregation": "sum" if additive else "mean",
                })
    return out


def _with_agreement(df):
    """``top_methods`` and ``agreement`` of every row (module notes)."""
    df["top_methods"] = ""
    df["agreement"] = np.nan
    methods = df[~df["reference"]]
    for (dom, cls, ch), group in methods.groupby(["domain", "class", "channel"], sort=False):
        n_methods = group["method"].nunique()
        tops = group[group["rank"] == 1].groupby("band", sort=False)["method"].agg(list)
        sel = ((df["domain"] == dom) & (df["class"] == cls) & (df["channel"] == ch)
               & ~df["reference"])
        df.loc[sel, "agreement"] = 0.0
        for band, names in tops.items():
            at = sel & (df["band"] == band)
            df.loc[at, "top_methods"] = ", ".join(names)
            df.loc[at, "agreement"] = len(names) / n_methods
    return df


def headline(df, *, domain: str | None = None, channel: str = "all",
             not_counted: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per class: the :func:`answer` (band, direction, confidence and why), the
    same rule the terminal, ``answer.csv`` and the report use.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`summarize` table.
    domain : str, optional
        The domain to read (default: ``fft`` if present, else the first).
    channel : str
        ``"all"`` (default) or a channel name.
    not_counted : mapping, optional
        Methods that failed their own checks, with the reason (listed, not counted).

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.summary import headline
    >>> for line in headline(df):
    ...     print(line)
    0: 8-16 Hz lowers the score [supported] (1 of 2 methods name it, ...)
    1: 8-16 Hz raises the score [supported] (2 of 2 methods name it, ...)
    """
    from .answer import answer_lines

    if not hasattr(df, "columns"):
        raise TypeError("headline reads the DataFrame summarize() returns")
    missing = [c for c in _HEADLINE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"headline reads the DataFrame summarize() returns; this one lacks the "
                         f"columns {missing}")
    if df.empty:
        return []
    return answer_lines(answer(df, domain=domain, channel=channel, not_counted=not_counted))


def headline_from_csv(path: Any) -> list[str]:
    """:func:`headline` of a ``summary.csv`` written by a run (empty if there is none).

    Parameters
    ----------
    path : str or Path
        The run's ``summary.csv``, or its run folder (which holds it).

    Raises
    ------
    TypeError
        For a ``path`` that is not a str or Path.
    ValueError
        For a file that is not a run's summary (not a CSV, or lacking its columns).

    Examples
    --------
    >>> import torch
    >>> from freqxai import FLEX, BandShapley
    >>> from freqxai.summary import summarize
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> relevance = {"flex": FLEX(model).attribute(x, target=y, n_steps=8),
    ...              "shapley": BandShapley(model, fs=128.0).attribute(x, target=y)}
    >>> df = summarize(relevance, y, domain="fft", length=256, fs=128.0)
    >>> from freqxai.summary import headline, headline_from_csv
    >>> df.to_csv("summary.csv", index=False)  # as a run writes it
    >>> headline_from_csv("summary.csv") == headline(df)
    True
    >>> headline_from_csv(".")                 # or the run folder that holds it
    ['0: 8-16 Hz lowers the score ...', '1: 8-16 Hz raises the score ...']
    """
    import os
    from pathlib import Path

    import pandas as pd

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or Path: a run's summary.csv or its run folder, got "
                        f"{type(path).__name__} {path!r:.60}")
    path = Path(path)
    if path.is_dir():
        path = path / "summary.csv"
    if not path.is_file():
        return []
    expects = "headline_from_csv reads the summary.csv a run writes (freqxai.summary.summarize)"
    try:
        df = pd.read_csv(path, keep_default_na=True, dtype={"class": str, "top_methods": str})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a CSV table ({err}); {expects}") from err
    missing = [c for c in (*_HEADLINE_COLUMNS, "top_methods") if c not in df.columns]
    if missing:
        raise ValueError(f"{path} is not a run's summary: it lacks the columns {missing}; "
                         f"{expects}")
    df["top_methods"] = df["top_methods"].fillna("")
    if "unit" in df and len(df):
        df.attrs["frequency_unit"] = str(df["unit"].iloc[0])
    beside = path.with_name("answer.csv")  # the run's answer, with what it did not count
    if beside.is_file():
        from .answer import answer_lines, read_answer_csv

        return answer_lines(read_answer_csv(beside))
    return headline(df)


def band_intervention(model: Any, inputs: Any, targets: Sequence[int] | np.ndarray,
                      band: tuple[float, float], *, fs: float | None = None,
                      batch_size: int = 256) -> dict[str, float]:
    """Check a band by intervening on the signals: keep only its rFFT bins, or remove them.

    A band that drives the decision keeps the accuracy when it is all that is left and costs
    accuracy when it is removed; a band the model ignores does neither. This is the check the
    summary's top band per class should pass (``bench/answer.py`` runs it per class and method).

    Parameters
    ----------
    model : torch.nn.Module, callable or estimator
        Read as the explainers read it (:func:`freqxai.adapters.as_model`).
    inputs : tensor or ndarray, shape (batch, channels, time), or a list of ``(channels, length_i)``
        Series of unequal length are band-passed each on its own rFFT grid, one length at a time;
        the accuracies are then shares over all of them and ``n_bins`` the fewest of any length
        (0 where a short series has no bin in a narrow band: its kept signal is zero).
    targets : sequence of int, shape (batch,)
        The true classes, integers in ``[0, n_classes)``.
    band : (low, high)
        In Hz with ``fs`` (cycles per sample without, up to 0.5); ``low <= f < high``, closed at
        Nyquist. It must hold an rFFT bin of the signals (of some length): a band without one
        would read "kept nothing, removed nothing" as a finding, so it is refused.
    fs : float, optional
        Sampling rate in Hz.
    batch_size : int
        Signals per forward pass.

    Returns
    -------
    dict
        ``accuracy`` (unchanged signals), ``kept`` (only the band) and ``removed`` (all but the
        band), each the share of inputs classified as their target, and ``n_bins`` in the band.

    Raises
    ------
    ValueError
        Before any model call but one (on one signal, for the number of classes): ``fs`` not a
        positive finite number, ``batch_size`` < 1, ``targets`` not one integer class in range
        per input, a band in Hz without ``fs`` or one that holds no rFFT bin.

    Examples
    --------
    >>> import torch
    >>> from freqxai.summary import band_intervention
    >>> from freqxai.testing import LinearSpectrumModel, tone_in_one_band
    >>> x, y = tone_in_one_band(8, seed=0)     # class 1: a 9-15 Hz tone in noise, 128 Hz
    >>> weight = torch.zeros(2, 129)           # logits linear in |rFFT|:
    >>> weight[0], weight[1, 16:32] = 0.16, 1.0    # class 0 reads every bin, class 1 8-16 Hz
    >>> model = LinearSpectrumModel(weight)
    >>> band_intervention(model, x, y, (8.0, 16.0), fs=128.0)
    {'accuracy': 1.0, 'kept': 0.5, 'removed': 0.5, 'n_bins': 16}

    With the band alone every signal reads as class 1, without it every one as class 0: the model
    decides by 8-16 Hz.
    """
    counts = _intervention_counts(model, inputs, targets, [band], fs=fs, batch_size=batch_size)[0]
    n = counts["n"]
    out = {k: counts[k] / n if n else float("nan") for k in ("accuracy", "kept", "removed")}
    return {**out, "n_bins": counts["n_bins"]}


def _intervention_counts(model: Any, inputs: Any, targets: Any,
                         bands: Sequence[tuple[float, float]], *, fs: float | None = None,
                         batch_size: int = 256, require_bins: bool = True) -> list[dict[str, int]]:
    """:func:`band_intervention` of each of ``bands`` on the same inputs as counts, to be added
    over slices of signals: ``n`` inputs, how many are classified as their target unchanged
    (``accuracy``; one forward for all bands), with only the band (``kept``) and without it
    (``removed``), ``n_bins`` (the fewest of any length) and ``max_bins`` (the most).
    ``require_bins=False``: a slice without a bin in a band is counted (its kept signals are
    zero), the caller checking that some slice had one."""
    import torch

    from ._validation import (
        as_signal_tensor,
        check_model,
        check_positive_int,
        checked_outputs,
        compute_dtype,
        eval_mode,
        model_device,
    )
    from .domains.base import check_fs
    from .ragged import is_ragged, split_by_length

    fs = check_fs(fs)
    batch_size = check_positive_int(batch_size, "batch_size")
    model = check_model(model)
    if is_ragged(inputs):  # series of unequal length: each length on its own rFFT grid
        groups = [np.asarray(idx) for idx in split_by_length(inputs).values()]
        tensors = [as_signal_tensor(np.stack([np.asarray(inputs[i]) for i in idx]))[0]
                   for idx in groups]
    else:
        tensors = [as_signal_tensor(inputs)[0]]
        groups = [np.arange(len(tensors[0]))]
    t = _intervention_targets(targets, sum(len(idx) for idx in groups))
    unit = "Hz" if fs else "cycles/sample"
    grids = [np.fft.rfftfreq(x.shape[-1], 1.0 / (fs or 1.0)) for x in tensors]
    insides = []  # per band, per length: the band's rFFT bins
    for band in bands:
        lo, hi = band_edges(band, "band", unit)
        if fs is None and hi > 0.5:
            raise ValueError(f"band ({lo:g}, {hi:g}) reaches above 0.5 cycles per sample, the "
                             "highest frequency of any sampled signal: it looks like a band in "
                             "Hz; give fs= (the sampling rate in Hz)")
        inside = [band_membership(f, {"band": (lo, hi)})[:, 0].astype(bool) for f in grids]
        if require_bins and not any(m.any() for m in inside):
            longest = max(grids, key=len)
            raise ValueError(_empty_band("band", lo, hi, longest, unit))
        insides.append(inside)
    device = model_device(model)
    probe = tensors[0][:1].to(device=device, dtype=compute_dtype(model, tensors[0].dtype))
    with eval_mode(model), torch.no_grad():
        n_classes = checked_outputs(model, probe).shape[1]
    if t.size and t.max() >= n_classes:
        raise ValueError(f"targets out of range: the model has {n_classes} classes (0 to "
                         f"{n_classes - 1}), got {int(t.max())}")
    results = [_intervene(model, x, t[idx], [torch.from_numpy(b[g]) for b in insides],
                          batch_size)
               for g, (x, idx) in enumerate(zip(tensors, groups, strict=True))]
    n = int(sum(len(idx) for idx in groups))
    accuracy = sum(r["accuracy"] for r in results)
    return [{"n": n, "accuracy": accuracy, "kept": sum(r["kept"][j] for r in results),
             "removed": sum(r["removed"][j] for r in results),
             "n_bins": min(r["n_bins"][j] for r in results),
             "max_bins": max(r["n_bins"][j] for r in results)} for j in range(len(bands))]


def _intervention_targets(targets: Any, n: int) -> np.ndarray:
    """``targets`` as a 1-D int64 array of ``n`` class indices >= 0, else ValueError naming it."""
    t = targets.detach().cpu().numpy() if hasattr(targets, "detach") else np.asarray(targets)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"targets must hold integer class indices, got dtype {t.dtype} "
                         f"({np.asarray(t).ravel()[:5].tolist()!r:.60})")
    if t.shape != (n,):
        raise ValueError(f"targets must hold one class per input ({n}), got shape {t.shape}")
    if n and t.min() < 0:
        raise ValueError(f"targets out of range: class indices are >= 0, got {int(t.min())}")
    return t.astype(np.int64)


def _intervene(model: Any, x: Any, targets: np.ndarray, insides: list[Any], batch_size: int
               ) -> dict[str, Any]:
    """:func:`band_intervention` of one batch ``x`` (one length) and each band (its bins
    ``insides``), arguments checked: how many inputs are classified as their target unchanged
    (``accuracy``), and per band with it kept, with it removed, and its bins."""
    import torch

    from ._validation import compute_dtype, eval_mode, model_device

    dtype, device = compute_dtype(model, x.dtype), model_device(model)
    t = torch.as_tensor(targets, dtype=torch.long)
    length = x.shape[-1]
    spectrum = torch.fft.rfft(x.double(), dim=-1)

    def accuracy(spec: torch.Tensor) -> int:
        signals = torch.fft.irfft(spec, n=length, dim=-1).to(device=device, dtype=dtype)
        with eval_mode(model), torch.no_grad():
            pred = torch.cat([model(signals[i:i + batch_size]).argmax(1).cpu()
                              for i in range(0, len(signals), batch_size)])
        return int((pred == t).sum())

    return {"accuracy": accuracy(spectrum),
            "kept": [accuracy(spectrum * inside) for inside in insides],
            "removed": [accuracy(spectrum * ~inside) for inside in insides],
            "n_bins": [int(inside.sum()) for inside in insides]}

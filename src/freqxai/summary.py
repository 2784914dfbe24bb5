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

from .bands import band_membership, default_bands

__all__ = ["SUMMARY_COLUMNS", "summarize", "headline", "headline_from_csv", "signal_bands",
           "band_intervention"]

SUMMARY_COLUMNS = [
    "method", "domain", "class", "channel", "band", "low_hz", "high_hz", "relevance",
    "standard_error", "share", "significant", "p_value", "rank", "n_inputs", "n_coefficients",
    "top_methods", "agreement", "reference", "aggregation", "unit", "accuracy", "kept_accuracy",
    "removed_accuracy",
]
ALPHA = 0.05  # family-wise level of ``significant`` per (method, domain, class, channel)


def signal_bands(length: int, fs: float | None = None, *, eeg: bool = False,
                 bands: Mapping[str, tuple[float, float]] | None = None
                 ) -> dict[str, tuple[float, float]]:
    """The summary's bands for signals of ``length`` samples at ``fs`` Hz (cycles per sample
    without ``fs``): ``bands`` as given, else :func:`~freqxai.bands.default_bands` of the
    signal's rFFT bins (``eeg`` selects the EEG bands)."""
    if bands is not None:
        return dict(bands)
    freqs = np.fft.rfftfreq(int(length), 1.0 / (fs or 1.0))
    return default_bands(freqs, eeg=eeg, unit="Hz" if fs else "cycles/sample")


def _method_kind(method: str) -> tuple[bool, bool]:
    """(additive, reference) of a registered method; unknown names: per-coefficient, not a
    reference."""
    from .explainers import list_explainers
    from .explainers.base import explainer_class

    if method not in list_explainers():
        return False, False
    cls = explainer_class(method)
    return bool(cls.additive), not cls.needs_model


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
        *coefficient_shape_i)`` per series).
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
        ``{domain_name: Domain}`` for tuple keys (default: ``get_domain(domain_name)``).
    standard_errors : mapping, optional
        Per-coefficient Monte-Carlo standard errors, keyed like ``relevance`` (FreqRISE).
    bands : mapping name -> (low, high), optional
        Band edges; default :func:`signal_bands` (``eeg`` selects the EEG bands).
    eeg : bool
        The data is EEG (its default bands are the EEG bands; a run decides it from the channel
        names, :func:`~freqxai.bands.is_eeg_montage`); ``df.attrs["eeg"]`` records it.
    class_names, channel_names : sequence of str, optional
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
    >>> df = summarize({"freqrise": rel_rise, "flex": rel_flex}, y, domain="fft", length=100, fs=10)
    >>> print(headline(df))
    """
    import pandas as pd

    from .domains import get_domain

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
    if not isinstance(eeg, bool | np.bool_):
        raise TypeError(f"eeg must be True or False, got {eeg!r}")
    if fs is not None and (isinstance(fs, bool) or not isinstance(fs, int | float | np.number)):
        raise TypeError(f"fs must be a number of Hz or None, got {fs!r}")
    if bands is not None and not bands:
        raise ValueError("bands must name at least one (low, high) band, or be None")
    for label, names, need in (("class_names", class_names, int(t.max()) + 1 if t.size else 0),
                               ("channel_names", channel_names, None)):
        if names is None:
            continue
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"{label} must be a sequence of strings, got {names!r:.80}")
        if need is not None and len(names) < need:
            raise ValueError(f"{label} has {len(names)} names for class indices up to {need - 1}")
    lengths = np.asarray(length).reshape(-1)
    if not np.issubdtype(lengths.dtype, np.integer) or (lengths < 2).any():
        raise ValueError(f"length must be the signals' length in samples (>= 2), or one per "
                         f"input for series of unequal length, got {length!r}")
    lengths = np.broadcast_to(lengths, t.shape) if lengths.size == 1 else lengths
    if lengths.shape != t.shape:
        raise ValueError(f"length has {lengths.size} entries for {t.size} inputs")
    if fs is not None and not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive, finite sampling rate in Hz, got {fs!r}")
    # one set of band edges for every domain and every series: those of the longest series
    edges = signal_bands(int(lengths.max()), fs, eeg=eeg, bands=bands)
    rows: list[dict] = []
    for key, rel in relevance.items():
        if isinstance(key, tuple):
            method, dname = key
            dom = get_domain((domains or {}).get(dname, dname))
        else:
            if domain is None:
                raise ValueError("relevance keyed by method needs domain=")
            method, dom = key, get_domain(domain)
            dname = dom.name
        se = None if standard_errors is None else standard_errors.get(key)
        if se is not None and not all(np.isfinite(e).all() for e in _as_arrays(se)):
            raise ValueError(f"standard_errors of {key!r} contain NaN or Inf values")
        add, ref = _method_kind(method)
        if additive is not None and not isinstance(additive, Mapping):
            raise TypeError(f"additive must map method names to True/False, got {additive!r:.80}")
        if additive is not None and method in additive:
            add = bool(additive[method])
        rows += _rows(method, dname, dom, _as_arrays(rel), None if se is None else _as_arrays(se),
                      t, lengths, fs, edges, add, ref, class_names, channel_names)
    df = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    df = _with_agreement(df)
    df["unit"] = df.attrs["frequency_unit"] = "Hz" if fs else "cycles/sample"
    df.attrs["eeg"] = bool(eeg)
    for key in ("accuracy", "kept_accuracy", "removed_accuracy"):
        df[key] = np.nan
    for check in interventions or ():
        at = (df["class"] == str(check["class"])) & (df["band"] == check["band"])
        df.loc[at, ["accuracy", "kept_accuracy", "removed_accuracy"]] = (
            check["accuracy"], check["kept"], check["removed"])
    return df


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
          class_names, channel_names) -> list[dict]:
    from scipy import special

    n_in = len(rel)
    if n_in != targets.shape[0] or any(np.ndim(r) < 2 for r in rel):
        raise ValueError(f"relevance of {method!r} ({dname}) must hold one (channels, ...) array "
                         f"per input, {targets.shape[0]} inputs; got {n_in}")
    if not all(np.isfinite(r).all() for r in rel):
        raise ValueError(f"relevance of {method!r} ({dname}) contains NaN or Inf values")
    sums = _band_sums(domain, rel, lengths, fs, edges)
    if sums is None:
        return []
    band_sum, counts = sums
    n_ch = band_sum.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_channel = band_sum if additive else band_sum / counts[:, None]
        overall = band_sum.sum(1) if additive else band_sum.sum(1) / (counts * n_ch)
        mc_se = None
        if se is not None:  # the band's mean Monte-Carlo error (fully correlated: an upper bound)
            se_sum = _band_sums(domain, se, lengths, fs, edges)[0]
            mc_se = se_sum.sum(1) if additive else se_sum.sum(1) / (counts * se_sum.shape[1])
    channels = [("all", overall, mc_se)]
    if n_ch > 1:
        if channel_names is not None and len(channel_names) != n_ch:
            raise ValueError(f"channel_names has {len(channel_names)} names for relevance of "
                             f"{method!r} with {n_ch} channels")
        names = list(channel_names) if channel_names is not None else [
            f"ch {i}" for i in range(n_ch)]
        channels += [(names[c], per_channel[:, c], None) for c in range(n_ch)]
    band_names = list(edges)
    n_bands = len(band_names)
    out = []
    for cls in np.unique(targets):
        idx = targets == cls
        n = int(idx.sum())
        label = (class_names[int(cls)] if class_names is not None and int(cls) < len(class_names)
                 else str(int(cls)))
        for ch_name, values, mcs in channels:
            v = values[idx]  # (n, B)
            # inputs with a coefficient in each band: a short series may have none in a band
            # (unequal lengths), which leaves it out of that band's mean instead of the class's
            k = np.isfinite(v).sum(0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(k > 0, np.nansum(v, 0) / np.maximum(k, 1), np.nan)
            if n > 1:
                with np.errstate(invalid="ignore", divide="ignore"):
                    sem = np.sqrt(np.nansum((v - mean) ** 2, 0) / (k - 1)) / np.sqrt(k)
                    tstat = mean / sem
                # t-test (scipy.stats loads slowly)
                p = 2 * special.stdtr(np.maximum(k - 1, 1), -np.abs(tstat))
            elif mcs is not None:
                sem = mcs[idx][0]
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
                    "n_inputs": int(k[b]), "n_coefficients": int(counts[idx, b].max()),
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


def headline(df, *, domain: str | None = None, channel: str = "all") -> list[str]:
    """One sentence per class: the band most methods rank first, which methods agree, and
    whether it is significant for them.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`summarize` table.
    domain : str, optional
        The domain to read (default: ``fft`` if present, else the first).
    channel : str
        ``"all"`` (default) or a channel name.

    Examples
    --------
    >>> headline(df)
    ['running: 0.8-1.6 Hz, top band of FreqRISE, FLEX, IG, LRP (4 of 4; significant for 4)']
    """
    if not hasattr(df, "columns") or not set(SUMMARY_COLUMNS[:13]) <= set(df.columns):
        raise TypeError("headline reads the DataFrame summarize() returns")
    if df.empty:
        return []
    domains = list(dict.fromkeys(df["domain"]))
    domain = domain or ("fft" if "fft" in domains else domains[0])
    if domain not in domains:
        raise ValueError(f"domain {domain!r} is not in the table; it has {domains}")
    if channel not in set(df["channel"]):
        raise ValueError(f"channel {channel!r} is not in the table; it has "
                         f"{list(dict.fromkeys(df['channel']))}")
    d = df[(df["domain"] == domain) & (df["channel"] == channel) & ~df["reference"]]
    unit = df.attrs.get("frequency_unit", "Hz")
    lines = []
    for cls, group in d.groupby("class", sort=False):
        top = group[group["rank"] == 1]
        n_methods = group["method"].nunique()
        if top.empty:
            continue
        counts = top.groupby("band", sort=False)["method"].agg(list)
        best = max(counts.index, key=lambda b: len(counts[b]))
        row = top[top["band"] == best].iloc[0]
        agree = counts[best]
        sig = int(top[(top["band"] == best)]["significant"].sum())
        name = row["band"]
        if name != "DC" and not name.endswith(unit):  # a named band (EEG): give its edges
            name += f" ({row['low_hz']:.3g}-{row['high_hz']:.3g} {unit})"
        text = (f"{cls}: {name}, top band of {', '.join(agree)} ({len(agree)} of {n_methods}; "
                f"significant for {sig})")
        if np.isfinite(row.get("removed_accuracy", np.nan)):
            acc, kept, removed = row["accuracy"], row["kept_accuracy"], row["removed_accuracy"]
            if acc < 0.5:
                verdict = "the model gets too few of these signals right for the check to say much"
            elif removed < acc - 0.05:
                verdict = "removing it costs accuracy"
            else:
                verdict = "but removing it costs no accuracy: the class does not rest on this band"
            text += (f"; accuracy {acc:.2f}, with only this band {kept:.2f}, without it "
                     f"{removed:.2f} ({verdict})")
        others = [f"{m}: {b}" for b, ms in counts.items() if b != best for m in ms]
        if others:
            text += "; " + ", ".join(others)
        lines.append(text)
    return lines


def headline_from_csv(path: Any) -> list[str]:
    """:func:`headline` of a ``summary.csv`` written by a run (empty if there is none)."""
    from pathlib import Path

    import pandas as pd

    if not Path(path).is_file():
        return []
    df = pd.read_csv(path, keep_default_na=True, dtype={"class": str, "top_methods": str})
    df["top_methods"] = df["top_methods"].fillna("")
    if "unit" in df and len(df):
        df.attrs["frequency_unit"] = str(df["unit"].iloc[0])
    return headline(df)


def band_intervention(model: Any, inputs: Any, targets: Sequence[int] | np.ndarray,
                      band: tuple[float, float], *, fs: float | None = None, batch_size: int = 256) -> dict[str, float]:
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
        the accuracies are then shares over all of them and ``n_bins`` the fewest of any length.
    targets : sequence of int, shape (batch,)
        The true classes.
    band : (low, high)
        In Hz with ``fs`` (cycles per sample without); ``low <= f < high``, closed at Nyquist.
    fs : float, optional
        Sampling rate in Hz.

    Returns
    -------
    dict
        ``accuracy`` (unchanged signals), ``kept`` (only the band) and ``removed`` (all but the
        band), each the share of inputs classified as their target, and ``n_bins`` in the band.
    """
    import torch

    from ._validation import as_signal_tensor, check_model, compute_dtype, eval_mode, model_device
    from .bands import band_membership
    from .ragged import is_ragged, split_by_length

    model = check_model(model)
    if is_ragged(inputs):  # series of unequal length: each length on its own rFFT grid
        t = np.asarray(targets)
        if t.shape != (len(inputs),):
            raise ValueError(f"targets must hold one class per input ({len(inputs)}), got "
                             f"{t.shape}")
        by_length = list(split_by_length(inputs).values())
        groups = [band_intervention(model, np.stack([np.asarray(inputs[i]) for i in idx]), t[idx],
                                    band, fs=fs, batch_size=batch_size) for idx in by_length]
        out = {k: float(np.average([g[k] for g in groups], weights=[len(i) for i in by_length]))
               for k in ("accuracy", "kept", "removed")}
        return {**out, "n_bins": min(g["n_bins"] for g in groups)}
    x, _ = as_signal_tensor(inputs)
    dtype, device = compute_dtype(model, x.dtype), model_device(model)
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    if t.shape != (len(x),):
        raise ValueError(f"targets must hold one class per input ({len(x)}), got {tuple(t.shape)}")
    length = x.shape[-1]
    freqs = np.fft.rfftfreq(length, 1.0 / (fs or 1.0))
    inside = torch.from_numpy(band_membership(freqs, {"band": band})[:, 0].astype(bool))
    spectrum = torch.fft.rfft(x.double(), dim=-1)

    def accuracy(spec: torch.Tensor) -> float:
        signals = torch.fft.irfft(spec, n=length, dim=-1).to(device=device, dtype=dtype)
        with eval_mode(model), torch.no_grad():
            pred = torch.cat([model(signals[i:i + batch_size]).argmax(1).cpu()
                              for i in range(0, len(signals), batch_size)])
        return float((pred == t).double().mean())

    return {"accuracy": accuracy(spectrum), "kept": accuracy(spectrum * inside),
            "removed": accuracy(spectrum * ~inside), "n_bins": int(inside.sum())}

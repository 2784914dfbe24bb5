"""Band Shapley values: the exact Shapley value of each frequency band for the model's decision.

The players are frequency bands (those of :func:`freqxai.summary.signal_bands`: DC and octaves,
the EEG bands for EEG, or bands the user gives). A coalition ``S`` of bands is the signal whose
rFFT keeps the bins of the bands in ``S`` and *removes* the bins of the other bands, as
:func:`freqxai.summary.band_intervention` does: a removed bin is set to zero (``baseline="zero"``)
or replaced by a given spectrum (``baseline=`` an rFFT, e.g. the training set's mean spectrum,
so a removed band reads as "typical" instead of "silent"). The value ``v(S)`` of a coalition is
the model's output on that signal for the target class, by default the contrastive
log-probability margin (``output="margin"``, see :class:`BandShapley`). The Shapley value
(Shapley 1953) of band ``j`` among ``n`` players is

.. math::
    \\phi_j = \\sum_{S \\subseteq N \\setminus \\{j\\}}
    \\frac{|S|!\\,(n - |S| - 1)!}{n!} \\left(v(S \\cup \\{j\\}) - v(S)\\right),

the only attribution that is efficient (:math:`\\sum_j \\phi_j = v(N) - v(\\emptyset)`),
symmetric, zero for a band the model ignores (null player) and additive over models.

Up to ``max_exact`` players (12) every one of the :math:`2^n` coalitions is evaluated (one model
forward per coalition and input, in the cache-sized batches FreqRISE uses) and the values are
exact: ``phi = v @ W.T`` with the weight matrix ``W`` ``(n, 2^n)`` of the formula above. Beyond
that, the values are estimated from random permutations (Castro et al. 2009; the sampling view of
Lundberg & Lee 2017), each drawn with its reverse (antithetic pairs, Mitchell et al. 2022), with
the standard error of the mean over pairs; every permutation's estimate is efficient too.

References
----------
Shapley, L. S. (1953). A value for n-person games. In Contributions to the Theory of Games II,
Annals of Mathematics Studies 28, 307-317.

Lundberg, S. M., & Lee, S.-I. (2017). A unified approach to interpreting model predictions.
NeurIPS 30.

Castro, J., Gómez, D., & Tejada, J. (2009). Polynomial calculation of the Shapley value based on
sampling. Computers & Operations Research 36(5), 1726-1730.

Mitchell, R., Cooper, J., Frank, E., & Holmes, G. (2022). Sampling permutations for Shapley value
estimation. Journal of Machine Learning Research 23(43), 1-46.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .._batching import MODEL_ELEMENTS, rows_per_forward
from .._checks import POSITIVE_INT, SEED, Bool, Checked, Interval, StrOptions
from .._validation import TargetType, class_scores
from ..bands import band_membership
from ..domains import Domain
from ..ragged import is_ragged, split_by_length
from .base import Attribution, Explainer, ExplainerTags, register_explainer

__all__ = ["BandShapley", "BandValues", "shapley_weights"]

PLAYERS = ("band", "channel_band")
OUTPUTS = ("margin", "logit", "probability")
# Most players evaluated exactly: 2**20 coalitions per input is already a million forwards.
MAX_EXACT_LIMIT = 20
# Real signal elements composed (masked and inverted) per step: 4 MB of float32, as FreqRISE.
_FORWARD_ELEMENTS = 2**20


def shapley_weights(n: int) -> torch.Tensor:
    """The exact Shapley weight matrix ``W`` ``(n, 2**n)``, float64: ``phi = v @ W.T``.

    Column ``S`` is the coalition whose bit ``j`` says that player ``j`` is in it; with
    ``s = |S|``, ``W[j, S] = (s - 1)! (n - s)! / n!`` when ``j`` is in ``S`` and
    ``-s! (n - s - 1)! / n!`` when it is not. Every row sums to 0 and the columns sum to
    ``-1`` (empty coalition), ``+1`` (grand coalition) and 0 otherwise, so
    ``sum_j phi_j = v(N) - v(empty)`` holds to rounding.
    """
    n = int(n)
    z = _all_coalitions(n).double()  # (2**n, n)
    s = z.sum(1)
    inv_comb = torch.tensor([1.0 / (n * math.comb(n - 1, k)) for k in range(n)],
                            dtype=torch.float64)
    plus = inv_comb[(s - 1).clamp_min(0).long()]  # j in S: 1 / (n C(n-1, s-1))
    minus = inv_comb[s.clamp_max(n - 1).long()]  # j not in S: 1 / (n C(n-1, s))
    return (z * plus[:, None] - (1 - z) * minus[:, None]).T.contiguous()


def _all_coalitions(n: int) -> torch.Tensor:
    """``(2**n, n)`` bool: row ``S`` holds player ``j`` when bit ``j`` of ``S`` is set."""
    rows = torch.arange(2**n, dtype=torch.long)
    return ((rows[:, None] >> torch.arange(n, dtype=torch.long)) & 1).bool()


@dataclass
class BandValues:
    """Band Shapley values of one :meth:`freqxai.BandShapley.band_values` (or ``attribute``) call.

    Arrays are float64, numpy when the inputs were numpy, else CPU tensors.

    Attributes
    ----------
    values : (batch, n_players)
        The Shapley value of each player for each input and its target.
    standard_error : (batch, n_players)
        Monte-Carlo standard error (0 when ``exact``).
    names : list of str
        The players: band names, or ``"<channel index>: <band>"`` (channel-major) with
        ``players="channel_band"``.
    bands : dict name -> (low, high)
        The band edges (Hz with ``fs``, else cycles per sample).
    empty, full : (batch,)
        ``v(empty)`` (every band removed) and ``v(N)`` (every band kept); the values of each
        input sum to ``full - empty``.
    exact : bool
        Whether every coalition was evaluated (else permutation sampling).
    n_evaluations : (batch,) int
        Coalitions evaluated (model forwards of one signal) per input.

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import BandShapley
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> bv = BandShapley(BinPowerModel(k=24), fs=128.0).band_values(x, target=0)
    >>> type(bv).__name__, bv.values.shape, bv.exact        # 8 bands: 2**8 coalitions each
    ('BandValues', (4, 8), True)
    >>> bv.names[5], bv.bands["8-16 Hz"]
    ('8-16 Hz', (8.0, 16.0))
    >>> np.allclose(bv.values.sum(1), bv.full - bv.empty)
    True
    """

    values: Any
    standard_error: Any
    names: list[str]
    bands: dict[str, tuple[float, float]]
    empty: Any
    full: Any
    exact: bool
    n_evaluations: Any


@register_explainer("shapley", aliases=("band_shapley",))
class BandShapley(Explainer):
    """Exact Shapley values of frequency bands (module notes), spread over their coefficients.

    Parameters
    ----------
    model : torch.nn.Module, callable or estimator
        Maps ``(batch, channels, time)`` to ``(batch, n_classes)``; only forward passes are used,
        so every model freqxai reads works (TorchScript, ``.pt2``, ONNX, Keras, scikit-learn,
        aeon). Computed on the device of its parameters.
    domain : str or Domain
        Where the relevance map lives: ``"fft"`` (default) or any domain with a frequency axis
        (STFT, wavelet). The players are always bands of rFFT bins; the map spreads each band's
        value evenly over the domain's coefficients whose frequency lies in the band. Domains
        without a frequency axis (``"time"``) are refused.
    fs : float, optional
        Sampling rate in Hz: the unit of ``bands`` and of the EEG bands (without it, cycles per
        sample). The default octave bands are the same bins with or without it.
    bands : mapping name -> (low, high), optional
        The players: disjoint bands, ``low <= f < high`` (closed at Nyquist). Default: the
        summary's bands, :func:`freqxai.summary.signal_bands` (DC and octaves, or the EEG bands
        with ``eeg=True``). Bins outside every band are not players: they stay as they are in
        every coalition (a warning names them).
    eeg : bool
        With ``bands=None``: the data is EEG (the EEG bands; give ``fs``).
    players : {"band", "channel_band"}
        ``"band"`` (default): one player per band, kept or removed in every channel at once.
        ``"channel_band"``: one player per channel and band (``channels x bands`` players, so
        permutation sampling beyond ``max_exact`` of them).
    output : {"margin", "logit", "probability"}
        The value of a coalition for target ``t``. ``"margin"`` (default): the contrastive
        log-probability margin ``log p_t - log sum_{c != t} p_c`` (the target's log-odds
        against all other classes together). From logits ``z`` this is
        ``z_t - logsumexp_{c != t} z_c`` (log-softmax, no probability is rounded); from a model
        whose outputs are probabilities (``output_kind="probabilities"`` or detected) both sums
        are clamped at the smallest positive float before the log. A band that every class
        reads (a loud, shared band) raises all classes alike and gets a small margin value.
        ``"logit"``: the target's raw output; ``"probability"``: its softmax probability (the
        output itself for probability models).

    Notes
    -----
    Players and values: a coalition ``S`` of bands is the signal whose rFFT keeps the bins of
    the bands in ``S`` and removes the bins of every other band, as
    :func:`freqxai.summary.band_intervention` does. *Removed* means set to zero
    (``attribute(..., baseline="zero")``, the default: the band is silent) or, with
    ``baseline=`` a spectrum (e.g. the training set's mean rFFT), replaced by that spectrum's
    bins. ``v(S)`` is the ``output`` of the target class on that signal; ``phi_j`` is the
    Shapley value (Shapley 1953): the average over orders of the bands of what band ``j`` adds
    to ``v`` when it joins. It is efficient (the values sum to ``v(N) - v(empty)``), symmetric,
    and 0 for a band the model ignores.

    Exact up to ``max_exact`` players: every coalition is evaluated once (one forward per
    coalition and input, in FreqRISE's cache-sized batches) and ``phi = v @ W.T`` with the
    ``(n, 2**n)`` matrix of Shapley weights (``freqxai.explainers.shapley.shapley_weights``).
    Beyond that: permutation sampling (Castro et al. 2009; Lundberg & Lee 2017), each random
    order drawn with its reverse (antithetic pairs, Mitchell et al. 2022), with the standard
    error of the mean over pairs; each order's contributions are efficient, so the estimate is.

    Relevance: band ``b``'s value ``phi_b`` is divided evenly over its coefficients (its rFFT
    bins in ``fft``; the channel axis has size 1 with shared players, one row per channel with
    ``players="channel_band"``), so the method is additive: summing a band's coefficients (as
    :func:`freqxai.summary.summarize` does for ``additive`` methods) gives back ``phi_b``, and
    the whole map sums to ``v(N) - v(empty)``. Values within a band carry no information: read
    the bands (:meth:`~freqxai.BandShapley.band_values` or the summary), not single bins.

    Cost: one forward per coalition and input, ``2**n`` for ``n <= max_exact`` players
    (7 octave bands of 100 samples: 128; 12 bands of 2560 samples: 4096); a band without an
    rFFT bin is a null player and costs nothing.

    Known answers (measured by ``bench/shapley.py``; tests in ``tests/test_shapley.py``), default
    ``output="margin"``: the paper's MLPs with bands a user gives around the class frequencies
    (5 players): the class bands first for 91 of 94 inputs at both noise levels (0.97); the
    freqIG example (7 Hz tone): 4-8 Hz first for 43 of 43 tone signals; a scikit-learn
    ``|rFFT|`` -> ``LogisticRegression`` pipeline (through :func:`freqxai.adapters.as_model`), class 1
    a 9-15 Hz tone: 8-16 Hz first for 100 of 100; a pitch task whose classes differ only in F0
    (69 vs 139 Hz, one formant envelope, a tiny Conv1d; bands 0-50, 50-100, 100-200, ... Hz):
    ``phi(50-100 Hz) - phi(100-200 Hz)`` has the class's sign for every input with each of 5
    training seeds, and the class's own F0 band is first (or the other F0 band the most negative)
    for all inputs with 4 of 5 seeds (the fifth reads the low class at 200-400 Hz, its 3rd and
    5th harmonics); BasicMotions with channel means removed (SmallCNN): running's top band is
    0.8-1.6 Hz for 10 of 10 test series with each of 5 seeds. Forwards per input against
    FreqRISE's run default (``n_masks="auto"``, at most 3000), counted: 0.022 (6 bands, FreqRISE
    spent 3000 masks), 0.086 (8 bands, 3000), 0.34 (10 bands, 3000); 0.13 and 0.26 (7 and 8
    bands) where FreqRISE's halves agreed after 1000 masks.

    References
    ----------
    Shapley, L. S. (1953). A value for n-person games. Contributions to the Theory of Games II,
    307-317. Castro, J., Gómez, D., & Tejada, J. (2009). Polynomial calculation of the Shapley
    value based on sampling. Computers & Operations Research 36(5). Lundberg, S. M., & Lee,
    S.-I. (2017). A unified approach to interpreting model predictions. NeurIPS 30. Mitchell,
    R., Cooper, J., Frank, E., & Holmes, G. (2022). Sampling permutations for Shapley value
    estimation. JMLR 23(43).

    Examples
    --------
    >>> import numpy as np
    >>> from freqxai import BandShapley
    >>> from freqxai.testing import BinPowerModel, tone_in_one_band
    >>> x, y = tone_in_one_band(4, seed=0)     # 4 signals (4, 1, 256) at 128 Hz
    >>> explainer = BandShapley(BinPowerModel(k=24), fs=128.0)   # class 0 reads 12 Hz only
    >>> relevance = explainer.attribute(x, target=0)            # (batch, 1, n_bins), additive
    >>> relevance.shape
    (4, 1, 129)
    >>> bv = explainer.band_values(x, target=0)                  # (batch, n_bands) and names
    >>> bv.names                                                 # players: DC and octaves
    ['DC', '0.5-1 Hz', '1-2 Hz', '2-4 Hz', '4-8 Hz', '8-16 Hz', '16-32 Hz', '32-64 Hz']
    >>> [bv.names[i] for i in bv.values.argmax(axis=1)]
    ['8-16 Hz', '8-16 Hz', '8-16 Hz', '8-16 Hz']
    >>> np.allclose(bv.values.sum(1), bv.full - bv.empty)       # efficiency
    True
    """

    # stochastic: permutations are sampled beyond max_exact players (or max_evaluations)
    tags = ExplainerTags(signed=True, additive=True, reads_probabilities=True, stochastic=True)
    _settings = {
        "fs": Checked(lambda v: _check_fs_setting(v), "a positive, finite sampling rate in Hz"),
        "bands": Checked(lambda v: None if v is None else _check_bands(v),
                         "None or a mapping of band names to (low, high) edges"),
        "eeg": Bool(),
        "players": StrOptions(PLAYERS),
        "output": StrOptions(OUTPUTS),
    }
    _call_options = {
        "max_exact": Checked(lambda v: _check_max_exact(v), f"an integer in [0, {MAX_EXACT_LIMIT}]"),
        "n_permutations": Checked(lambda v: _check_n_permutations(v), "an even integer >= 4"),
        "max_evaluations": [None, Interval(numbers.Integral, 2, None)],
        "seed": SEED,
        "internal_batch_size": [POSITIVE_INT, None],
        "return_standard_error": Bool(),
        "show_progress": Bool(),
    }

    def __init__(self, model: nn.Module | Any, domain: str | Domain = "fft", *,
                 fs: float | None = None,
                 bands: Mapping[str, tuple[float, float]] | None = None,
                 eeg: bool = False,
                 players: Literal["band", "channel_band"] = "band",
                 output: Literal["margin", "logit", "probability"] = "margin") -> None:
        super().__init__(model, domain, fs=fs, bands=bands, eeg=eeg, players=players,
                         output=output)
        self.band_values_: BandValues | None = None
        self.n_evaluations_: int | None = None
        self._collected: list[BandValues] | None = None

    @classmethod
    def _check_domain(cls, domain: Domain) -> None:
        try:
            axis = domain.frequency_axis(256)
        except (TypeError, ValueError):  # a domain that cannot size 256 samples: checked later
            axis = 0
        if axis is None:
            raise ValueError(
                f"domain {domain.name!r} has no frequency axis: band Shapley values are "
                "defined on bands of rFFT bins and are mapped onto a domain's frequencies; use "
                "domain='fft' (or 'stft', 'wavelet')")

    def __repr__(self) -> str:
        return (f"BandShapley(domain={self.domain!r}, players={self.players!r}, "
                f"output={self.output!r})")

    def edges(self, length: int) -> dict[str, tuple[float, float]]:
        """The bands (players) for signals of ``length`` samples: ``bands`` as given, else the
        summary's default bands (:func:`freqxai.summary.signal_bands`)."""
        from ..bands import signal_bands

        return signal_bands(int(length), self.fs, eeg=self.eeg, bands=self.bands)

    def attribute(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        baseline: Literal["zero"] | Any = "zero",
        max_exact: int = 12,
        n_permutations: int = 200,
        max_evaluations: int | None = None,
        seed: int | None = None,
        internal_batch_size: int | None = None,
        return_standard_error: bool = False,
        show_progress: bool = False,
    ) -> Any:
        """Band Shapley values spread over the coefficients of the domain.

        Parameters
        ----------
        inputs : tensor or ndarray, shape (batch, channels, time), or a list of series
            Numpy in gives numpy out; the floating dtype is kept. A list of ``(channels,
            length_i)`` series is explained at each series' own length with the players of that
            length (give ``bands`` for the same players at every length), and returns a list;
            ``band_values_`` is then a list of one :class:`BandValues` per series.
        target : int, sequence, tensor or None
            Class to explain, one for all inputs or one per input; ``None``: the predicted one.
        baseline : "zero" or array
            What a removed band's bins become. ``"zero"`` (default): zero, the band is silent.
            An array: a spectrum of rFFT bins, complex or real, shaped ``(n_bins,)``,
            ``(channels, n_bins)`` or ``(batch, channels, n_bins)`` with ``n_bins = time // 2
            + 1``; removed bins take its values. ``np.fft.rfft(X_train, axis=-1).mean(0)`` (the
            rFFT of the training set's mean signal) makes a removed band "as in a typical
            training signal".
        max_exact : int
            Most players whose ``2**n`` coalitions are all evaluated (exact values), in
            ``[0, 20]``. Beyond it: permutation sampling.
        n_permutations : int
            Permutations drawn beyond ``max_exact`` (an even number >= 4: half are drawn at
            random, the other half are their reverses); at most ``n_permutations * (n - 1) +
            2`` forwards per input (a coalition that several permutations visit is evaluated
            once, so never more than the ``2**n`` of exact values). The same permutations serve
            every input of the call.
        max_evaluations : int, optional
            Most coalitions evaluated per input (one forward each), a budget: values are exact
            when all ``2**n`` coalitions fit in it (and ``n <= max_exact``); otherwise as many
            antithetic pairs of the ``n_permutations`` are used as fit, at least two (an error
            names the minimum, ``4 * (n - 1) + 2``, when even those do not). None (default): no
            budget, exact up to ``max_exact`` players. Runs give 300, a tenth of FreqRISE's
            3000 masks.
        seed : int, optional
            Seed of the permutations (unused when exact), in ``[0, 2**64)``.
        internal_batch_size : int, optional
            Most signals per model forward (default as FreqRISE: about 64K signal samples on
            CPU, 16M on GPU).
        return_standard_error : bool
            Also return the Monte-Carlo standard error, spread like the values (zeros when exact).
        show_progress : bool
            Show a progress bar over forwards.

        Returns
        -------
        relevance : tensor or ndarray, shape ``(batch, 1 or channels, *coefficient_shape)``
            Channel axis of size 1 with ``players="band"``. A band's coefficients sum to its
            Shapley value; after the call, ``band_values_`` (a
            :class:`~freqxai.explainers.BandValues`) holds the values per band.
        standard_error : same shape, only if ``return_standard_error``
        """
        # the options were checked by their declarations (Explainer's attribute wrapper)
        if not (isinstance(baseline, str) and baseline == "zero"):
            if isinstance(baseline, str):
                raise ValueError(f"baseline must be 'zero' or an array of rFFT bins, got "
                                 f"{baseline!r}")
            baseline = _as_spectrum(baseline)
        prep = self._prepare(inputs, target)
        x = prep.x
        n_inputs, n_channels, length = x.shape
        edges = self.edges(length)
        freqs = np.arange(length // 2 + 1, dtype=np.float64) * (self.fs or 1.0) / length
        member = band_membership(freqs, edges)  # (F, B)
        self._warn_uncovered(member, freqs, length)
        if self.bands is not None:
            empty = [n for n, col in zip(edges, member.T, strict=True) if not col.any()]
            if empty:
                warnings.warn(f"BandShapley: bands {empty} hold no rFFT bin of a {length}-sample "
                              "signal: they are null players (value 0)", UserWarning, stacklevel=4)
        base = None if isinstance(baseline, str) else _fit_baseline(baseline, x.shape)
        if max_evaluations is not None:
            n_live = int(member.any(0).sum()) * (n_channels if self.players == "channel_band" else 1)
            if 2 ** n_live > max_evaluations and max_evaluations < 4 * (n_live - 1) + 2:
                raise ValueError(
                    f"max_evaluations={max_evaluations} is too small for {n_live} players: "
                    f"exact values need {2 ** n_live} evaluations per input and two antithetic "
                    f"pairs of permutations up to {4 * (n_live - 1) + 2}; give at least that, "
                    "or fewer bands (bands=)")
        rows = internal_batch_size or rows_per_forward(n_channels * length, x.device,
                                                       MODEL_ELEMENTS)
        with torch.inference_mode():
            values, stderr, v_empty, v_full, exact, n_eval = self._shapley(
                x, prep.targets, prep.probabilities, member, base, max_exact, n_permutations,
                max_evaluations, seed, rows, show_progress)
        n_bands = member.shape[1]
        shape = (n_inputs, n_channels if self.players == "channel_band" else 1, n_bands)
        values, stderr = values.view(shape), stderr.view(shape)
        relevance = self._spread(values, length, edges)
        names = (list(edges) if self.players == "band"
                 else [f"{c}: {b}" for c in range(n_channels) for b in edges])

        def out(t: torch.Tensor) -> Any:
            t = t.detach().to("cpu", torch.float64 if t.is_floating_point() else t.dtype).clone()
            return t.numpy() if prep.was_numpy else t

        self.band_values_ = BandValues(
            values=out(values.flatten(1)), standard_error=out(stderr.flatten(1)), names=names,
            bands=dict(edges), empty=out(v_empty), full=out(v_full), exact=exact,
            n_evaluations=out(torch.full((n_inputs,), n_eval, dtype=torch.long)))
        self.n_evaluations_ = n_eval
        if self._collected is not None:
            self._collected.append(self.band_values_)
        if return_standard_error:
            return self._finish((relevance, self._spread(stderr, length, edges)), prep)
        return self._finish(relevance, prep)

    def band_values(
        self,
        inputs: Attribution,
        target: TargetType = None,
        *,
        baseline: Literal["zero"] | Any = "zero",
        max_exact: int = 12,
        n_permutations: int = 200,
        max_evaluations: int | None = None,
        seed: int | None = None,
        internal_batch_size: int | None = None,
        show_progress: bool = False,
    ) -> BandValues:
        """The Shapley value of each band per input: a :class:`~freqxai.explainers.BandValues`
        (values ``(batch, n_players)``, standard errors, names, ``v(empty)``, ``v(N)``).

        Takes the arguments of :meth:`~freqxai.BandShapley.attribute` (a list of series of
        unequal length gives one row per series, every series with the same players). Same
        computation, same cost.

        Examples
        --------
        >>> bv = BandShapley(model, fs=100.0).band_values(x, target=0)
        >>> bv.names[int(bv.values[0].argmax())]       # the band that raises class 0 most
        """
        self.attribute(inputs, target, baseline=baseline, max_exact=max_exact,
                       n_permutations=n_permutations, max_evaluations=max_evaluations, seed=seed,
                       internal_batch_size=internal_batch_size, show_progress=show_progress)
        return self.band_values_

    # -- the computation ---------------------------------------------------------------------------
    def _shapley(self, x, targets, probabilities, member, base, max_exact, n_permutations,
                 max_evaluations, seed, rows, show_progress):
        """Values and standard errors ``(N, n_players)`` float64 (zeros for bands without a bin),
        ``v(empty)``, ``v(N)``, exactness and evaluations per input."""
        n_inputs, n_channels, length = x.shape
        n_bands = member.shape[1]
        live = np.flatnonzero(member.any(0))  # bands with a bin: the others are null players
        per_channel = n_channels if self.players == "channel_band" else 1
        n = per_channel * len(live)
        values = torch.zeros(n_inputs, per_channel, n_bands, dtype=torch.float64, device=x.device)
        stderr = torch.zeros_like(values)
        if n <= max_exact and (max_evaluations is None or 2 ** n <= max_evaluations):
            coalitions = _all_coalitions(n)
            exact = True
        else:
            perms, coalitions, inverse = _permutation_coalitions(n, n_permutations, seed,
                                                                 max_evaluations)
            exact = False
        v = self._evaluate(x, targets, probabilities, member[:, live], base,
                           coalitions.view(-1, per_channel, len(live)), rows, show_progress)
        if exact:
            phi = v @ shapley_weights(n).to(v.device).T  # (N, n)
            v_empty, v_full = v[:, 0], v[:, -1]
            se = torch.zeros_like(phi)
        else:
            phi, se = _permutation_estimate(v[:, inverse.to(v.device)], perms.to(v.device))
            v_empty, v_full = v[:, int(inverse[0, 0])], v[:, int(inverse[0, -1])]
        idx = torch.as_tensor(live, device=x.device)
        values[:, :, idx] = phi.view(n_inputs, per_channel, len(live))
        stderr[:, :, idx] = se.view(n_inputs, per_channel, len(live))
        return values, stderr, v_empty, v_full, exact, len(coalitions)

    def _evaluate(self, x, targets, probabilities, member, base, coalitions, rows, show_progress):
        """``v`` ``(N, R)`` float64: the value of each of the ``R`` coalitions for each input.

        A coalition's signal is a sum of precomputed band components (the rFFT is linear):
        ``const + sum_{b in S} (x_b - base_b)`` with ``x_b`` the inverse rFFT of input's bins in
        band ``b``, ``base_b`` that of the baseline's, and ``const`` the bins outside every band
        plus the baseline in every band; one matrix product per block of coalitions.
        """
        n_inputs, n_channels, length = x.shape
        n_coal = coalitions.shape[0]
        m = torch.as_tensor(member.T, dtype=torch.float64, device=x.device)  # (B, F)
        inside = m.sum(0).clamp_max(1)
        spectrum = torch.fft.rfft(x.double(), dim=-1)  # (N, C, F)
        base_spec = (torch.zeros_like(spectrum) if base is None
                     else base.to(x.device).expand(n_inputs, n_channels, -1))
        compose = x.dtype if x.dtype == torch.float64 else torch.float32
        z = coalitions.to(device=x.device, dtype=compose)  # (R, C' , B)
        block = max(1, min(n_coal, rows_per_forward(n_channels * length, x.device,
                                                    _FORWARD_ELEMENTS)))
        block = max(rows, block - block % rows)  # whole forwards per composed block
        v = torch.empty(n_inputs, n_coal, dtype=torch.float64, device=x.device)
        bar = tqdm(total=n_inputs * n_coal, desc="BandShapley", disable=not show_progress,
                   leave=False)
        for i in range(n_inputs):
            const = torch.fft.irfft(spectrum[i] * (1 - inside) + base_spec[i] * inside, n=length,
                                    dim=-1).to(compose)  # (C, L)
            parts = (spectrum[i] - base_spec[i])[:, None, :] * m  # (C, B, F)
            comps = torch.fft.irfft(parts, n=length, dim=-1).to(compose)  # (C, B, L)
            t = targets[i]
            for start in range(0, n_coal, block):
                zb = z[start:start + block]
                if zb.shape[1] == 1:  # shared players: (r, B) @ (B, C*L)
                    sig = zb[:, 0] @ comps.transpose(0, 1).reshape(comps.shape[1], -1)
                    sig = sig.view(-1, n_channels, length)
                else:
                    sig = torch.einsum("rcb,cbl->rcl", zb, comps)
                sig = (sig + const).to(x.dtype)
                for s0 in range(0, len(sig), rows):
                    out = self.model(sig[s0:s0 + rows])
                    v[i, start + s0:start + s0 + len(out)] = self._value(out, t, probabilities)
                bar.update(len(sig))
        bar.close()
        if not bool(torch.isfinite(v).all()):
            bad = torch.isfinite(v).all(1).logical_not().nonzero()[:, 0].tolist()
            raise ValueError(
                f"BandShapley: the model returned NaN or Inf outputs on band-removed versions of "
                f"inputs {bad[:5]} (a signal with bands zeroed; a log of zero or a division by "
                "a vanishing norm?). Make the model finite on such signals, or give a baseline "
                "spectrum (baseline=) so removed bands are not silent")
        return v

    def _value(self, out: torch.Tensor, target: torch.Tensor, probabilities: bool) -> torch.Tensor:
        """The coalition value of target class ``target`` from outputs ``(r, K)`` (float64)."""
        out = out.double()
        if self.output == "logit":
            return class_scores(out, "logit", probabilities)[:, target]
        if self.output == "probability":
            return class_scores(out, "softmax", probabilities)[:, target]
        others = torch.ones(out.shape[1], dtype=torch.bool, device=out.device)
        others[target] = False
        if probabilities:
            tiny = torch.finfo(out.dtype).tiny
            return (out[:, target].clamp_min(tiny).log()
                    - out[:, others].sum(1).clamp_min(tiny).log())
        return out[:, target] - out[:, others].logsumexp(1)

    def _spread(self, values: torch.Tensor, length: int, edges: Mapping) -> torch.Tensor:
        """``(N, C', B)`` band values → ``(N, C', *coefficient_shape)``: each band's value divided
        evenly over the domain's coefficients whose frequency lies in the band."""
        domain = self.domain
        shape = tuple(domain.coefficient_shape(length))
        freqs = domain.profile_frequencies(length, self.fs)
        member = torch.as_tensor(band_membership(freqs, edges), dtype=torch.float64,
                                 device=values.device)  # (P, B)
        with torch.inference_mode(False), torch.enable_grad():
            ones = torch.ones(shape, dtype=torch.float64, device=values.device)
            counts = torch.as_tensor(domain.frequency_profile(ones, length)).double() @ member
            lost = (counts == 0) & (values.abs().sum((0, 1)) > 0)
            if bool(lost.any()):
                names = [n for n, gone in zip(edges, lost.tolist(), strict=True) if gone]
                warnings.warn(
                    f"BandShapley: bands {names} have no coefficient in domain {domain.name!r} "
                    f"at {length} samples; their values are not in the relevance map "
                    "(band_values_ holds them)", UserWarning, stacklevel=5)
            per_coef = torch.where(counts > 0, values.clone() / counts.clamp_min(1), 0.0)
            profile = per_coef @ member.T  # (N, C', P)
            if len(shape) == 1 and freqs.size == shape[0] and _plain_profile(domain):
                return profile
            # the adjoint of the (linear) frequency profile: profile entry -> its coefficients
            probe = torch.zeros(*values.shape[:2], *shape, dtype=torch.float64,
                                device=values.device, requires_grad=True)
            prof = domain.frequency_profile(probe, length)
            (grad,) = torch.autograd.grad(prof, probe, grad_outputs=profile.clone())
        return grad

    def _warn_uncovered(self, member: np.ndarray, freqs: np.ndarray, length: int) -> None:
        outside = member.sum(1) == 0
        if outside.any():
            lo, hi = freqs[outside].min(), freqs[outside].max()
            warnings.warn(
                f"BandShapley: {int(outside.sum())} of {freqs.size} rFFT bins of a {length}-sample "
                f"signal ({lo:.3g}-{hi:.3g} {'Hz' if self.fs else 'cycles/sample'}) lie outside "
                "every band: they are not players and stay as they are in every coalition",
                UserWarning, stacklevel=5)


def _plain_profile(domain: Domain) -> bool:
    """Whether the domain's frequency profile is the base class's (a sum over other axes)."""
    return type(domain).frequency_profile is Domain.frequency_profile


def _check_bands(bands: Any) -> dict[str, tuple[float, float]]:
    """Bands as ``{name: (low, high)}``, each ``low < high``, pairwise disjoint."""
    if not isinstance(bands, Mapping) or not bands:
        raise ValueError(f"bands must be a non-empty mapping name -> (low, high), got "
                         f"{bands!r:.80}")
    out: dict[str, tuple[float, float]] = {}
    for name, edges in bands.items():
        try:
            lo, hi = (float(e) for e in edges)
        except (TypeError, ValueError) as err:
            raise ValueError(f"bands: band {name!r} must be (low, high), got {edges!r}") from err
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo < hi):
            raise ValueError(f"bands: band {name!r} must have 0 <= low < high, got ({lo}, {hi})")
        out[str(name)] = (lo, hi)
    spans = sorted(out.items(), key=lambda kv: kv[1])
    for (a, (_, ahi)), (b, (blo, _)) in zip(spans[:-1], spans[1:], strict=True):
        if blo < ahi:
            raise ValueError(f"bands: {a!r} and {b!r} overlap; the players must be disjoint bands")
    return out


def _as_spectrum(baseline: Any) -> torch.Tensor:
    """A baseline spectrum as a complex128 tensor (CPU), finite."""
    if isinstance(baseline, torch.Tensor):
        b = baseline.detach().cpu()
    else:
        try:
            b = torch.as_tensor(np.asarray(baseline))
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"baseline must be 'zero' or an array of rFFT bins, got "
                            f"{type(baseline).__name__}") from err
    if not (b.is_complex() or b.is_floating_point() or b.dtype in (torch.int32, torch.int64)):
        raise TypeError(f"baseline must hold numbers (rFFT bins), got dtype {b.dtype}")
    b = b.to(torch.complex128)
    if b.dim() not in (1, 2, 3):
        raise ValueError(f"baseline must be shaped (n_bins,), (channels, n_bins) or (batch, "
                         f"channels, n_bins), got shape {tuple(b.shape)}")
    if not bool(torch.isfinite(torch.view_as_real(b)).all()):
        raise ValueError("baseline must be finite (no NaN or Inf)")
    return b


def _fit_baseline(b: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """The baseline spectrum broadcast to ``(batch, channels, n_bins)`` of ``shape``."""
    n_inputs, n_channels, length = shape
    n_bins = length // 2 + 1
    full = b.reshape((1,) * (3 - b.dim()) + tuple(b.shape))
    ok = (full.shape[-1] == n_bins and full.shape[1] in (1, n_channels)
          and full.shape[0] in (1, n_inputs))
    if not ok:
        raise ValueError(
            f"baseline of shape {tuple(b.shape)} does not fit {n_inputs} inputs of {n_channels} "
            f"channels and {length} samples: give (n_bins,), (channels, n_bins) or (batch, "
            f"channels, n_bins) with n_bins = {n_bins}")
    return full.expand(n_inputs, n_channels, n_bins)


def _permutation_coalitions(n: int, n_permutations: int, seed: int | None,
                            max_coalitions: int | None = None):
    """Permutations (antithetic pairs adjacent), the distinct coalitions their prefixes visit
    (empty and grand coalition included) and, per permutation and prefix length ``0..n``, the
    row of that prefix among them (``(M, n + 1)``).

    With ``max_coalitions``: the first antithetic pairs whose prefixes visit at most that many
    distinct coalitions (at least two pairs; the caller checked that two fit)."""
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    half = torch.stack([torch.randperm(n, generator=generator) for _ in range(n_permutations // 2)])
    perms = torch.stack([half, half.flip(1)], 1).reshape(n_permutations, n)
    if max_coalitions is not None:
        # the most pairs that fit: the distinct prefixes grow with the pairs (bisection)
        lo, hi = 2, n_permutations // 2
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(_prefix_coalitions(perms[:2 * mid])[0]) <= max_coalitions:
                lo = mid
            else:
                hi = mid - 1
        perms = perms[:2 * lo]
    coalitions, inverse = _prefix_coalitions(perms)
    return perms, coalitions, inverse


def _prefix_coalitions(perms: torch.Tensor):
    """The distinct coalitions the prefixes of ``perms`` visit and each prefix's row."""
    m, n = perms.shape
    rank = torch.empty_like(perms)
    rank.scatter_(1, perms, torch.arange(n).expand_as(perms).contiguous())
    k = torch.arange(n + 1)
    prefixes = rank[:, None, :] < k[None, :, None]  # (M, n + 1, n)
    coalitions, inverse = torch.unique(prefixes.reshape(-1, n), dim=0, return_inverse=True)
    return coalitions, inverse.view(m, n + 1)


def _permutation_estimate(prefix_values: torch.Tensor, perms: torch.Tensor):
    """Mean marginal contributions and their standard error over antithetic pairs.

    ``prefix_values`` ``(N, M, n + 1)``: ``v`` of each permutation's prefixes of length 0..n.
    """
    n_inputs, m, n1 = prefix_values.shape
    marginal = prefix_values.diff(dim=2)  # (N, M, n): contribution of the player at position k
    phi_m = torch.empty_like(marginal)
    phi_m.scatter_(2, perms[None].expand(n_inputs, -1, -1), marginal)
    pairs = phi_m.view(n_inputs, m // 2, 2, n1 - 1).mean(2)  # (N, M/2, n)
    phi = pairs.mean(1)
    se = pairs.std(1, correction=1) / math.sqrt(pairs.shape[1])
    return phi, se


def _check_fs_setting(fs: Any) -> float | None:
    if fs is not None and (isinstance(fs, bool) or not isinstance(fs, numbers.Real)
                           or not math.isfinite(fs) or fs <= 0):
        raise ValueError(f"fs must be a positive, finite sampling rate in Hz or None, got {fs!r}")
    return None if fs is None else float(fs)


def _check_max_exact(max_exact: Any) -> int:
    from .._checks import check_positive_int

    max_exact = check_positive_int(max_exact, "max_exact", minimum=0)
    if max_exact > MAX_EXACT_LIMIT:
        raise ValueError(f"max_exact must be at most {MAX_EXACT_LIMIT} (2**{MAX_EXACT_LIMIT} "
                         f"forwards per input), got {max_exact}")
    return max_exact


def _check_n_permutations(n_permutations: Any) -> int:
    from .._checks import check_positive_int

    n_permutations = check_positive_int(n_permutations, "n_permutations", minimum=4)
    if n_permutations % 2:
        raise ValueError(f"n_permutations must be even (antithetic pairs: each permutation and "
                         f"its reverse), got {n_permutations}")
    return n_permutations


def _per_series(attribute):
    """Series of unequal length: each is explained with the players of its own length (the
    default bands of its own rFFT grid, or the ``bands`` given), so a series gets the same values
    alone as in any batch; ``band_values_`` is then a list, one :class:`BandValues` of one row
    per series, in input order. Give ``bands=`` for the same players at every length."""

    @functools.wraps(attribute)
    def wrapped(self: BandShapley, inputs: Any, target: TargetType = None, **options: Any) -> Any:
        if not is_ragged(inputs):
            return attribute(self, inputs, target, **options)
        groups = split_by_length(inputs)  # checks the series
        self._collected = []
        try:
            result = attribute(self, inputs, target, **options)
            parts = self._collected
        finally:
            self._collected = None
        rows: dict[int, BandValues] = {}
        for idx, part in zip(groups.values(), parts, strict=True):
            for r, i in enumerate(idx):
                rows[int(i)] = BandValues(
                    values=part.values[r:r + 1], standard_error=part.standard_error[r:r + 1],
                    names=part.names, bands=part.bands, empty=part.empty[r:r + 1],
                    full=part.full[r:r + 1], exact=part.exact,
                    n_evaluations=part.n_evaluations[r:r + 1])
        self.band_values_ = [rows[i] for i in range(len(rows))]
        return result

    return wrapped


# after the class: the base class wraps ``attribute`` (eval mode, one call per length); this
# wrapper goes around that, so it sees the whole list of series
BandShapley.attribute = _per_series(BandShapley.attribute)  # type: ignore[method-assign]

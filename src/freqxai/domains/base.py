"""The domain contract, its registry and the generic (exact) DFT-LRP projection.

A *domain* owns an invertible linear transform between a time signal and its coefficients, the
coefficient shape and the physical axes. Explainers, metrics, the runner and the plots only talk
to this interface, so a new domain is one file: subclass :class:`Domain`, implement ``forward``,
``inverse``, ``coefficient_shape`` and ``axes``, and (optionally) register it with
:func:`register_domain`. Everything else has an exact generic default:

- :meth:`Domain.project_relevance` carries time-domain relevance into the coefficients with the
  virtual inspection layer of Vielhaben et al. (2024), computed from ``inverse`` by automatic
  differentiation (one vector-Jacobian product of the inverse: the cost of one inverse transform);
  built-in domains override it with FFT formulas.
- :meth:`Domain.frequency_profile` sums relevance over every coefficient axis but the frequency
  axis (used by localization, band summaries and spectra plots).
- :meth:`Domain.plot` draws relevance on its axes (bars, a time-frequency image).

All transforms are batched: ``forward`` maps ``(..., channels, time)`` to
``(..., channels, *coefficient_shape)`` and ``inverse`` maps back, for any leading dimensions.

References
----------
Vielhaben, J., Lapuschkin, S., Montavon, G., & Samek, W. (2024). Explainable AI for time series via
virtual inspection layers. Pattern Recognition, 150, 110309.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch

from .._checks import check_fs  # noqa: F401 - re-exported (domains check fs here)
from .._registry import Registry

__all__ = [
    "Domain",
    "register_domain",
    "list_domains",
    "get_domain",
    "check_signal",
    "check_fs",
    "check_eps",
    "cached_constant",
    "split_negligible",
]

# Jacobian rows of the inverse held at once by the generic w²-rule (elements).
_JACOBIAN_ELEMENTS = 2**22


def check_signal(x: torch.Tensor) -> None:
    """Raise unless ``x`` is a tensor shaped ``(..., channels, time)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 2:
        raise ValueError(
            f"x must have shape (..., channels, time), got shape {tuple(x.shape)}; "
            "add a channel axis with x[:, None, :]"
        )


def cached_constant(cache: dict, key: Any, build) -> torch.Tensor:
    """``cache[key]``, made by ``build()`` on first use, always as a normal (non-inference) tensor.

    A tensor created under ``torch.inference_mode`` is an *inference tensor*, which autograd
    refuses to save for backward. One domain object is shared by explainers that run under
    inference mode (FreqRISE, the metrics) and ones that differentiate (FLEX, IG), in any order,
    so cached windows and filters are built with inference mode switched off: a normal tensor
    works in both.
    """
    t = cache.get(key)
    if t is None:
        with torch.inference_mode(False):
            t = build()
        cache[key] = t
    return t


def check_eps(eps: Any) -> float:
    """``eps`` as a float; raise ``ValueError`` unless it is a finite number >= 0."""
    if isinstance(eps, bool) or not isinstance(eps, int | float | np.integer | np.floating) \
            or not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps (the negligible-sample threshold of the relevance projection) must "
                         f"be a finite number >= 0, e.g. 1e-6, got {eps!r}")
    return float(eps)


def split_negligible(x: torch.Tensor, relevance: torch.Tensor, eps: float):
    """``R/x`` where ``|x|`` is not negligible (0 elsewhere), and the relevance of negligible x.

    A sample is negligible when ``|x_n| <= eps * max|x|`` over its signal and channel: its
    contribution ratios are 0/0 and its relevance is spread by the w²-rule instead.
    """
    eps = check_eps(eps)
    scale = x.abs().amax(dim=-1, keepdim=True)
    small = x.abs() <= eps * scale
    z = torch.where(small, torch.zeros_like(x), relevance / torch.where(small, torch.ones_like(x), x))
    return z, torch.where(small, relevance, torch.zeros_like(relevance))


def check_length_arg(length: Any, name: str = "length") -> int:
    """``length`` as an int >= 2 (numpy integers accepted); ``ValueError`` naming it otherwise."""
    if isinstance(length, bool | np.bool_) or not isinstance(length, int | np.integer) \
            or length < 2:
        raise ValueError(f"{name} must be the signal length in samples, an integer >= 2, got "
                         f"{length!r}")
    return int(length)


def _checked_forward(forward):
    @functools.wraps(forward)
    def wrapped(self, x, *args, **kwargs):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{type(self).__name__}.forward takes a torch.Tensor (..., channels, "
                            f"time), got {type(x).__name__}")
        if x.is_complex():
            raise TypeError(f"{type(self).__name__}.forward takes real signals, got {x.dtype}")
        return forward(self, x, *args, **kwargs)
    return wrapped


def _checked_inverse(inverse):
    @functools.wraps(inverse)
    def wrapped(self, coefficients, length, *args, **kwargs):
        if not isinstance(coefficients, torch.Tensor):
            raise TypeError(f"{type(self).__name__}.inverse takes a torch.Tensor of coefficients, "
                            f"got {type(coefficients).__name__}")
        return inverse(self, coefficients, check_length_arg(length), *args, **kwargs)
    return wrapped


def _checked_shape(coefficient_shape):
    @functools.wraps(coefficient_shape)
    def wrapped(self, length, *args, **kwargs):
        return coefficient_shape(self, check_length_arg(length), *args, **kwargs)
    return wrapped


class Domain(ABC):
    """Base class of explanation domains.

    Subclasses implement the four abstract methods; the rest has exact generic defaults.

    Attributes
    ----------
    name : str
        Registry name (``"fft"``, ``"stft"``, ...), set by :func:`register_domain`.

    Examples
    --------
    A domain written outside the package (an orthonormal DCT as a matrix) works with every
    explainer and metric:

    >>> import numpy as np
    >>> import torch
    >>> from freqxai import Domain, FreqRISE
    >>> from freqxai.testing import BinPowerModel
    >>> def dct_matrix(n, dtype):
    ...     k, t = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    ...     c = torch.cos(torch.pi * (t + 0.5) * k / n) * (2 / n) ** 0.5
    ...     c[0] /= 2 ** 0.5
    ...     return c.to(dtype)
    >>> class DCT(Domain):
    ...     name = "dct"
    ...     def forward(self, x):
    ...         return x @ dct_matrix(x.shape[-1], x.dtype).T
    ...     def inverse(self, coefficients, length):
    ...         return coefficients @ dct_matrix(length, coefficients.dtype)
    ...     def coefficient_shape(self, length):
    ...         return (length,)
    ...     def axes(self, length, fs=None):
    ...         k = np.arange(length) / (2 * length)
    ...         return {"frequency": k * fs if fs else k}
    >>> x = torch.randn(4, 1, 256)
    >>> dct = DCT()
    >>> torch.allclose(dct.inverse(dct.forward(x), 256), x, atol=1e-4)
    True
    >>> FreqRISE(BinPowerModel(k=24), domain=dct, n_masks=64).attribute(x, seed=0).shape
    torch.Size([4, 1, 256])
    >>> dct.frequency_profile(torch.ones(4, 1, 256), 256).shape    # a generic default
    torch.Size([4, 1, 256])
    """

    name: ClassVar[str] = "custom"

    # -- the contract -------------------------------------------------------------------------
    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Transform ``(..., channels, time)`` into ``(..., channels, *coefficient_shape)``."""

    @abstractmethod
    def inverse(self, coefficients: torch.Tensor, length: int) -> torch.Tensor:
        """Invert ``forward`` back to a real signal ``(..., channels, length)``.

        Must be linear in ``coefficients`` (masks, IG paths and the projection rely on it).
        """

    @abstractmethod
    def coefficient_shape(self, length: int) -> tuple[int, ...]:
        """Shape of the coefficient axes for a signal of ``length`` samples."""

    @abstractmethod
    def axes(self, length: int, fs: float | None = None) -> dict[str, np.ndarray]:
        """Coordinates of the coefficient axes, one entry per axis in coefficient order.

        Parameters
        ----------
        length : int
            Number of time samples of the signal.
        fs : float, optional
            Sampling rate in Hz. Without it, frequencies are in cycles per sample and times in
            samples in every domain (the axes of ``fs=1``); validate it with :func:`check_fs`.

        Returns
        -------
        dict
            Axis name (``"time"``, ``"frequency"``, ...) to coordinates.
        """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every domain's contract methods check their arguments the same way (subclasses,
        # users' own domains included, write only the math)
        super().__init_subclass__(**kwargs)
        for name, wrap in (("forward", _checked_forward), ("inverse", _checked_inverse),
                           ("coefficient_shape", _checked_shape)):
            if name in cls.__dict__:
                setattr(cls, name, wrap(cls.__dict__[name]))

    # -- generic behaviour --------------------------------------------------------------------
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def check_length(self, length: int) -> None:
        """Raise ``ValueError`` when a signal of ``length`` samples cannot be transformed."""
        if length < 2:
            raise ValueError(f"signal length must be at least 2 samples, got {length}")

    def frequency_axis(self, length: int) -> int | None:
        """Index of the frequency axis among the coefficient axes, or None (e.g. time)."""
        names = list(self.axes(length))
        if "frequency" in names and len(names) == len(self.coefficient_shape(length)):
            return names.index("frequency")
        return None

    def profile_frequencies(self, length: int, fs: float | None = None) -> np.ndarray | None:
        """Frequencies of the entries of :meth:`frequency_profile` (None without a frequency axis)."""
        axis = self.frequency_axis(length)
        return None if axis is None else np.asarray(self.axes(length, fs)["frequency"])

    def profile_index(self, frequency: float, length: int, fs: float | None = None) -> int:
        """Index of the :meth:`frequency_profile` entry that holds ``frequency`` (nearest)."""
        freqs = self.profile_frequencies(length, fs)
        if freqs is None:
            raise ValueError(f"domain {self.name!r} has no frequency axis")
        return int(np.argmin(np.abs(freqs - frequency)))

    def frequency_profile(self, relevance: Any, length: int) -> Any:
        """Relevance per frequency: summed over every coefficient axis except frequency.

        Parameters
        ----------
        relevance : tensor or ndarray, shape ``(..., *coefficient_shape)``
        length : int
            Signal length in samples.

        Returns
        -------
        Same type, shape (..., n_frequencies); entries at :meth:`profile_frequencies`.

        Raises
        ------
        ValueError
            When the domain has no frequency axis (e.g. time).
        """
        shape = self.coefficient_shape(length)
        axis = self.frequency_axis(length)
        if axis is None:
            raise ValueError(f"domain {self.name!r} has no frequency axis")
        if tuple(relevance.shape[-len(shape):]) != tuple(shape):
            raise ValueError(
                f"relevance of shape {tuple(relevance.shape)} does not end in the coefficient "
                f"shape {shape} of a {length}-sample signal in domain {self.name!r}"
            )
        others = tuple(i - len(shape) for i in range(len(shape)) if i != axis)
        return relevance.sum(others) if others else relevance

    def project_relevance(self, relevance: torch.Tensor, inputs: torch.Tensor, *,
                          eps: float = 1e-6) -> torch.Tensor:
        """Carry time relevance ``(batch, channels, time)`` into the coefficients (DFT-LRP).

        The inverse transform is a linear layer ``x = W y`` in front of the model; the z-rule
        through it gives coefficient ``k`` the share ``R_k = sum_n W_nk y_k / x_n R(x_n)``, real
        and imaginary parts summed. Here ``sum_n W_nk z_n`` is one vector-Jacobian product of
        ``inverse`` (autograd), so the generic projection costs about one inverse transform and
        is exact for any linear invertible domain. Samples with ``|x_n| <= eps * max|x|`` spread
        their relevance by the w²-rule (shares ``|W_nk|² / sum_k |W_nk|²``); their Jacobian rows
        are computed in chunks of at most ``2**22`` elements, O(K) memory per row. Relevance is
        conserved: the sum over coefficients equals the sum over time.

        Parameters
        ----------
        relevance, inputs : tensor, shape (batch, channels, time)
            Float64 tensors on the same device (:func:`freqxai.project_relevance` converts).
        eps : float
            Negligible-sample threshold.

        Returns
        -------
        tensor, shape ``(batch, channels, *coefficient_shape)``, float64
        """
        x, length = inputs, inputs.shape[-1]
        z, r_small = split_negligible(x, relevance, eps)
        coeffs = self.forward(x).detach()
        g = self._inverse_vjp(coeffs, z, length)
        out = (coeffs * g.conj()).real if coeffs.is_complex() else coeffs * g
        small = torch.nonzero(r_small.flatten(0, -2).abs().sum(0)).flatten()
        if small.numel():
            out = out + self._w2_rule(coeffs, r_small, small, length)
        return out.to(torch.float64)

    def _inverse_vjp(self, coeffs: torch.Tensor, cotangent: torch.Tensor, length: int) -> torch.Tensor:
        """``W^T cotangent`` (``∂L/∂Re + i ∂L/∂Im`` for complex coefficients), by autograd."""
        c = coeffs.detach().clone().requires_grad_()
        with torch.enable_grad():
            rec = self.inverse(c, length)
        if not rec.requires_grad:
            raise TypeError(
                f"domain {self.name!r}: inverse() is not differentiable with torch autograd, so "
                "relevance cannot be projected generically; write inverse with torch operations "
                "or override project_relevance"
            )
        (g,) = torch.autograd.grad(rec, c, grad_outputs=cotangent.to(rec.dtype))
        return g

    def _w2_rule(self, coeffs: torch.Tensor, r_small: torch.Tensor, samples: torch.Tensor,
                 length: int) -> torch.Tensor:
        """Relevance of negligible samples spread over coefficients by ``|W_nk|²`` (rows of W)."""
        c_shape = coeffs.shape[2:]
        k = int(np.prod(c_shape))
        flat_r = r_small.flatten(0, -2)  # (batch * channels, time)
        out = torch.zeros(flat_r.shape[0], k, dtype=torch.float64, device=coeffs.device)
        rows = max(1, _JACOBIAN_ELEMENTS // max(k, 1))
        for start in range(0, samples.numel(), rows):
            n = samples[start : start + rows]
            probe = torch.zeros((len(n), 1, *c_shape), dtype=coeffs.dtype, device=coeffs.device)
            onehot = torch.zeros((len(n), 1, length), dtype=torch.float64, device=coeffs.device)
            onehot[torch.arange(len(n)), 0, n] = 1.0
            w2 = self._inverse_vjp(probe, onehot, length).abs().square().reshape(len(n), k)
            w2 = w2.double() / w2.double().sum(1, keepdim=True).clamp_min(1e-300)
            out += flat_r[:, n] @ w2
        return out.reshape(*r_small.shape[:-1], *c_shape)

    def plot(self, ax, relevance: np.ndarray, *, length: int, fs: float | None = None,
             signal: np.ndarray | None = None, title: str | None = None,
             max_frequency: float | None = None, **kwargs):
        """Draw one explanation ``(*coefficient_shape)`` (channels already combined) on ``ax``.

        One coefficient axis: relevance against its coordinate (bars in Hz for a frequency axis,
        with ``errors=`` standard errors as error bars); two: an image over both axes. Domains
        override this for their own picture (``significant=`` greys out cells for the STFT).
        """
        from .. import plotting

        axes = self.axes(length, fs)
        names = list(axes)
        rel = np.asarray(relevance, dtype=float)
        kwargs.pop("significant", None)  # (the default plots have no significance overlay)
        if rel.ndim == 1:
            if names[0] == "frequency":
                return plotting.plot_frequency_relevance(
                    ax, axes[names[0]], rel, unit=plotting.frequency_unit(fs),
                    max_frequency=max_frequency, title=title, **kwargs)
            return plotting.plot_relevance_line(ax, axes[names[0]], rel,
                                                xlabel=plotting.axis_label(names[0], fs), title=title)
        if rel.ndim == 2:
            return plotting.plot_relevance_image(
                ax, rel, axes[names[1]], axes[names[0]], xlabel=plotting.axis_label(names[1], fs),
                ylabel=plotting.axis_label(names[0], fs), title=title)
        raise ValueError(f"domain {self.name!r} has no default plot for {rel.ndim} axes")


_DOMAINS: Registry[type[Domain]] = Registry("domain", Domain)


def register_domain(name: str, *, aliases: tuple[str, ...] = (), override: bool = False):
    """Class decorator: make a :class:`Domain` subclass available by ``name`` (and ``aliases``);
    a name already taken is refused unless ``override=True`` (replacing it on purpose).

    Examples
    --------
    >>> from freqxai import Fourier, get_domain, list_domains, register_domain
    >>> from freqxai.testing import isolated_registries
    >>> with isolated_registries():            # registrations last for this block only
    ...     @register_domain("spectrum", aliases=("dft",))
    ...     class Spectrum(Fourier):
    ...         pass  # the rFFT under another name
    ...     print(get_domain("dft").name, "spectrum" in list_domains())
    spectrum True
    >>> "spectrum" in list_domains()
    False
    """
    return _DOMAINS.register(name, aliases=aliases, override=override)


def list_domains() -> list[str]:
    """Names of the registered domains, in registration order.

    Examples
    --------
    >>> from freqxai import list_domains
    >>> list_domains()
    ['fft', 'stft', 'time', 'wavelet']
    """
    return _DOMAINS.names()


def get_domain(domain: str | Domain = "fft", **params: Any) -> Domain:
    """A :class:`Domain` from a registered name and its parameters, or a domain passed through.

    Parameters
    ----------
    domain : str or Domain
        A name from :func:`list_domains` (aliases: ``"rfft"`` for ``"fft"``) or an instance.
    **params
        Constructor arguments, e.g. ``n_fft``, ``hop_length`` for ``"stft"``, ``wavelet`` and
        ``level`` for ``"wavelet"``.

    Examples
    --------
    >>> from freqxai import get_domain
    >>> get_domain("fft")
    Fourier()
    >>> get_domain("rfft").name                # an alias
    'fft'
    >>> stft = get_domain("stft", n_fft=64, hop_length=16)
    >>> stft.coefficient_shape(256)
    (33, 17)
    >>> get_domain(stft) is stft               # a domain is passed through
    True
    """
    if isinstance(domain, Domain):
        if params:
            raise ValueError("domain parameters can only be given with a domain name, not with "
                             f"an instance ({domain!r})")
        return domain
    if isinstance(domain, str):
        cls = _DOMAINS.lookup(domain)
        try:
            return cls(**params)
        except TypeError as err:
            raise ValueError(f"bad parameters {sorted(params)} for domain {cls.name!r}: {err}") from err
    if all(hasattr(domain, a) for a in ("forward", "inverse", "coefficient_shape", "axes")):
        raise TypeError(f"domain {domain!r} must subclass freqxai.domains.Domain")
    raise ValueError(f"domain must be one of {list_domains()} or a Domain, got {domain!r}")

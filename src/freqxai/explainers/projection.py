"""DFT-LRP: carry time-domain relevance into rFFT or STFT coefficients (virtual inspection layers).

Vielhaben, J., Lapuschkin, S., Montavon, G., & Samek, W. (2024). Explainable AI for time series via
virtual inspection layers. Pattern Recognition, 150, 110309.

The inverse transform is a linear layer ``x = W y`` in front of the model; the LRP z-rule through
it gives coefficient ``k`` the share of ``R(x_n)`` it contributes to ``x_n``:

.. math:: R_k = \\sum_n \\frac{W_{nk} y_k}{x_n} R(x_n)

(real and imaginary parts summed per coefficient). For the rFFT this is
``R_k = (a_k / N) Re(X_k conj(Z_k))`` with ``Z = rfft(R / x)`` and ``a_k`` the one-sided weights
(1 at DC and Nyquist, else 2); for the STFT, ``Z`` is the STFT of ``R / (x D)`` with zero padding,
``D`` the overlap-added squared window, since ``istft`` is ``x = sum_m w frame_m / D``. Both are FFTs:
O(N log N) time and O(N) memory, where the published code multiplies dense N x N matrices.

**Stabilizer.** Samples with ``|x_n| <= eps * max|x|`` (per signal and channel) carry no
contribution ratio (0/0). Instead of the ε-rule, whose added ε silently absorbs relevance, their
relevance is spread with the w²-rule (Montavon et al., 2017): in proportion to the squared inverse
weights ``W_nk²``, i.e. ``a_k²`` over bins (and ``w(n - mH)²`` over frames for the STFT). Relevance
is therefore conserved exactly: the sum over coefficients equals the sum over time (computed in
float64).

Writing this by hand is deliberate: Zennit has no DFT layer and the reference code is dense.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..domains import STFT, Domain, Fourier, Time, get_domain

__all__ = ["project_relevance"]


def _one_sided_weights(n: int, n_bins: int, device, dtype) -> torch.Tensor:
    """a_k: how often bin k appears in the full spectrum (1 for DC and an even n's Nyquist)."""
    a = torch.full((n_bins,), 2.0, device=device, dtype=dtype)
    a[0] = 1.0
    if n % 2 == 0:
        a[-1] = 1.0
    return a


def _split_small(x: torch.Tensor, relevance: torch.Tensor, eps: float):
    """Return R/x where |x| is not negligible (0 elsewhere) and the relevance of negligible x."""
    scale = x.abs().amax(dim=-1, keepdim=True)
    small = x.abs() <= eps * scale
    z = torch.where(small, torch.zeros_like(x), relevance / torch.where(small, torch.ones_like(x), x))
    return z, torch.where(small, relevance, torch.zeros_like(relevance))


def _project_fft(x: torch.Tensor, relevance: torch.Tensor, eps: float) -> torch.Tensor:
    n = x.shape[-1]
    z, r_small = _split_small(x, relevance, eps)
    X, Z = torch.fft.rfft(x, dim=-1), torch.fft.rfft(z, dim=-1)
    a = _one_sided_weights(n, X.shape[-1], x.device, x.dtype)
    out = a / n * (X * Z.conj()).real
    share = a.square() / a.square().sum()  # w²-rule for negligible samples
    return out + r_small.sum(dim=-1, keepdim=True) * share


def _full_window(domain: STFT, device, dtype) -> torch.Tensor:
    w = domain._window(device, dtype)
    left = (domain.n_fft - w.shape[0]) // 2
    return F.pad(w, (left, domain.n_fft - w.shape[0] - left))


def _overlap_add_envelope(domain: STFT, w2: torch.Tensor, length: int) -> torch.Tensor:
    """D_n = sum_m w²(n - start_m), the istft normaliser, over the signal's own samples."""
    n_frames = domain.coefficient_shape(length)[1]
    pad = domain.n_fft // 2 if domain.center else 0
    starts = torch.arange(n_frames, device=w2.device) * domain.hop - pad
    idx = starts[:, None] + torch.arange(domain.n_fft, device=w2.device)
    keep = (idx >= 0) & (idx < length)
    env = torch.zeros(length, device=w2.device, dtype=w2.dtype)
    env.index_add_(0, idx[keep], w2.expand_as(idx)[keep])
    return env


def _stft_frames(domain: STFT, v: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """STFT of ``v`` with zero padding (positions outside the signal contribute nothing)."""
    lead, n = v.shape[:-1], v.shape[-1]
    spec = torch.stft(
        v.reshape(-1, n), n_fft=domain.n_fft, hop_length=domain.hop, window=window,
        center=domain.center, pad_mode="constant", return_complex=True,
    )
    return spec.reshape(*lead, *spec.shape[-2:])


def _project_stft(domain: STFT, x: torch.Tensor, relevance: torch.Tensor, eps: float) -> torch.Tensor:
    n = x.shape[-1]
    w = _full_window(domain, x.device, x.dtype)
    w2 = w.square()
    env = _overlap_add_envelope(domain, w2, n)
    if (env <= 1e-12 * w2.max()).any():
        raise ValueError(
            "the STFT window and hop leave samples uncovered (the nonzero overlap-add condition "
            "fails), so the STFT cannot be inverted and relevance cannot be projected"
        )
    z, r_small = _split_small(x, relevance, eps)
    Y = domain.forward(x)
    U = _stft_frames(domain, z / env, w)
    a = _one_sided_weights(domain.n_fft, Y.shape[-2], x.device, x.dtype)[:, None]
    out = a / domain.n_fft * (Y * U.conj()).real
    # w²-rule for negligible samples: frame m gets sum_j w(j)² (R_small / D)(start_m + j), which is
    # the DC bin of an STFT with window w², then spread over bins by a_k².
    per_frame = _stft_frames(domain, r_small / env, w2)[..., 0, :].real
    share = a.square() / a.square().sum()
    return out + per_frame[..., None, :] * share


def project_relevance(
    relevance: torch.Tensor,
    inputs: torch.Tensor,
    domain: str | Domain = "fft",
    eps: float = 1e-6,
) -> torch.Tensor:
    """Project time-domain relevance into the coefficients of ``domain`` (DFT-LRP).

    Parameters
    ----------
    relevance : tensor, shape (batch, channels, time)
        Relevance of each time sample (LRP, gradient×input, IG, ...).
    inputs : tensor, shape (batch, channels, time)
        The signals the relevance explains.
    domain : str or Domain
        ``"fft"``, ``"stft"`` (any window and hop satisfying the overlap-add condition; use
        ``STFT(n_fft=800, hop_length=800, window="rectangular", center=False)`` for the paper's
        non-overlapping windows) or ``"time"`` (returned unchanged).
    eps : float
        Samples with ``|x_n| <= eps * max|x|`` are treated as zero and their relevance spread by
        the w²-rule (see the module notes).

    Returns
    -------
    tensor, shape (batch, channels, *coefficient_axes)
        Relevance per coefficient, float64, whose sum over coefficients equals the sum of
        ``relevance`` over time for every signal and channel.
    """
    domain = get_domain(domain)
    if relevance.shape != inputs.shape:
        raise ValueError(
            f"relevance shape {tuple(relevance.shape)} must equal inputs shape {tuple(inputs.shape)}"
        )
    if inputs.dim() != 3:
        raise ValueError(f"inputs must be (batch, channels, time), got shape {tuple(inputs.shape)}")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    x = inputs.detach().to(torch.float64)
    r = relevance.detach().to(device=x.device, dtype=torch.float64)
    if isinstance(domain, Time):
        return r
    domain.check_length(x.shape[-1])
    if isinstance(domain, Fourier):
        return _project_fft(x, r, eps)
    if isinstance(domain, STFT):
        return _project_stft(domain, x, r, eps)
    raise TypeError(f"no DFT-LRP projection for domain {domain!r}")

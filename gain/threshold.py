"""Lasing threshold of each cavity mode and the lasing mode of each disk (PHYSICS.md s. 3-4).

A mode (vacuum wavelength lambda, quality factor Q, film overlap Gamma, index n) lases when
its modal gain reaches its lineic loss:

    Gamma * g(lambda, N) >= 2 pi n / (lambda Q)
    <=>  g(lambda, N) / (C sigma_0) >= 1 / (Gamma K),    K = lambda Q C sigma_0 / (2 pi n)

(paper p. 6; K is the paper's figure of merit, Gamma K the one that sets the threshold of a
coated disk whose mode lies only partly in the film). With Gamma the fraction of the mode's
electric energy in the film (the mode tables' ``film_fraction``), the energy balance (gain
rate c Gamma g / n_f against decay omega / Q, derivation in the ``gain`` package docstring)
makes n the film's refractive index n_f: ``mode_thresholds`` requires it as ``loss_index``
(the mode's effective index would give thresholds low by n_f / n_eff, ~1.2 for a 1.8 film on
SU8 modes of n_eff ~ 1.47). ``gain.lasing.predict_lasing`` is the disk-level evaluation built
on this module (total Q, the pump's reach, the reason a disk does not lase).

Threshold search. g at a fixed wavelength is not monotonic in N (the X-0 term rises then falls,
paper Fig. 4b). With Poisson populations the normalised gain is

    f(N) = (c - h) + exp(-N) * [(a - c) + (b - c) N]

(gain.spectra.GainCoefficients): the bracket ``exp(-N) (alpha + beta N)`` has a single
extremum at N* = 1 - alpha / beta (none when beta = 0: f is monotonic), so [0, N_max] splits
into at most two monotonic pieces. The "scan" is therefore exact: f is evaluated at the piece
ends, the first rising piece whose end reaches the loss holds the smallest root, and a
vectorised bisection + safeguarded Newton refinement finds it to ~1e-10 relative. Modes that
never reach threshold below ``N_max`` get ``inf``. Everything is numpy-vectorised over
arbitrary arrays of modes (e.g. disks x modes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gain.materials import NanocrystalMaterial
from gain.spectra import GainCoefficients, gain_coefficients

NM_TO_CM = 1.0e-7
DEFAULT_N_MAX = 100.0  # assumption: beyond ~100 photons/particle/pulse films photo-degrade


def figure_of_merit_K(
    wavelength_nm: ArrayLike,
    Q: ArrayLike,
    concentration_per_cm3: float,
    sigma0_cm2: float,
    refractive_index: ArrayLike,
) -> NDArray[np.float64]:
    """K = lambda Q C sigma_0 / (2 pi n) (dimensionless, lambda converted to cm)."""
    lam_cm = np.asarray(wavelength_nm, dtype=float) * NM_TO_CM
    return (
        lam_cm * np.asarray(Q, dtype=float) * concentration_per_cm3 * sigma0_cm2
        / (2.0 * math.pi * np.asarray(refractive_index, dtype=float))
    )


def lineic_loss_per_cm(
    wavelength_nm: ArrayLike, Q: ArrayLike, refractive_index: ArrayLike
) -> NDArray[np.float64]:
    """Gamma_loss = 2 pi n / (lambda Q), 1/cm."""
    lam_cm = np.asarray(wavelength_nm, dtype=float) * NM_TO_CM
    return 2.0 * math.pi * np.asarray(refractive_index, dtype=float) / (
        lam_cm * np.asarray(Q, dtype=float)
    )


def threshold_for_required_gain(
    coeffs: GainCoefficients,
    required_normalized_gain: ArrayLike,
    N_max: float = DEFAULT_N_MAX,
    rtol: float = 1e-10,
) -> NDArray[np.float64]:
    """Smallest per-particle N in [0, N_max] with g/(C sigma_0) >= required (inf if none).

    ``coeffs`` and ``required_normalized_gain`` broadcast together; NaN inputs give NaN.
    """
    if not (N_max > 0 and math.isfinite(N_max)):
        raise ValueError(f"N_max must be finite and > 0, got {N_max}")
    req = np.asarray(required_normalized_gain, dtype=float)
    a, b, c, h, req = np.broadcast_arrays(coeffs.a, coeffs.b, coeffs.c, coeffs.h, req)
    alpha = a - c
    beta = b - c
    const = c - h - req
    nmax = N_max / coeffs.sites  # per-site photon number

    def f(n: NDArray) -> NDArray:
        return const + np.exp(-n) * (alpha + beta * n)

    with np.errstate(divide="ignore", invalid="ignore"):
        n_star = 1.0 - alpha / beta
    n_star = np.where(np.isfinite(n_star), n_star, np.inf)
    n_ext = np.clip(n_star, 0.0, nmax)
    # f'(n) = exp(-n) beta (n* - n). With f(0) < 0 the smallest root is where f first rises
    # through 0: on [0, n*] when beta > 0 (maximum at n*), on [n*, N_max] when beta < 0
    # (minimum at n*), on all of [0, N_max] when beta = 0 and alpha < 0 (f monotonic rising);
    # f never rises when beta = 0 and alpha >= 0 (empty bracket [0, 0]).
    rising_first = beta > 0
    flat = beta == 0
    lo = np.where(rising_first | flat, 0.0, n_ext)
    hi = np.where(rising_first, n_ext, np.where(flat & (alpha >= 0), 0.0, nmax))
    f_0 = f(np.zeros_like(lo))
    f_hi = f(hi)
    at_zero = f_0 >= 0  # gain already above the loss without pumping (unphysical, handled)
    found = (f_hi >= 0) & np.isfinite(f_hi) & ~at_zero
    result = np.where(at_zero, 0.0, np.inf)
    # refine only the modes with a root inside their bracket (1-D working copies)
    sel = np.flatnonzero(found)  # f(lo) < 0 <= f(hi) on these
    al = alpha.ravel()[sel]
    be = beta.ravel()[sel]
    co = const.ravel()[sel]
    lo_s = lo.ravel()[sel].copy()
    hi_s = hi.ravel()[sel].copy()
    # a few bisection steps, then Newton safeguarded by the bracket (f is monotonic on it)
    for _ in range(6):
        mid = 0.5 * (lo_s + hi_s)
        up = co + np.exp(-mid) * (al + be * mid) >= 0
        np.copyto(hi_s, mid, where=up)
        np.copyto(lo_s, mid, where=~up)
    n = 0.5 * (lo_s + hi_s)
    for _ in range(30):
        en = np.exp(-n)
        t = al + be * n
        fn = co + en * t
        up = fn >= 0
        np.copyto(hi_s, n, where=up)
        np.copyto(lo_s, n, where=~up)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_new = n - fn / (en * (be - t))
        bad = ~((n_new >= lo_s) & (n_new <= hi_s))
        n_new[bad] = 0.5 * (lo_s[bad] + hi_s[bad])
        done = np.all(np.abs(n_new - n) <= rtol * np.maximum(n, 1e-12))
        n = n_new
        if done:
            break
    flat = result.reshape(-1)
    flat[sel] = n
    out = flat.reshape(result.shape) * coeffs.sites
    nan = np.isnan(req) | np.isnan(a) | np.isnan(b) | np.isnan(c) | np.isnan(h)
    return np.where(nan, np.nan, out)


@dataclass(frozen=True)
class ModeThresholds:
    """Per-mode results (arrays shaped like the input modes)."""

    N_threshold: NDArray[np.float64]  # mean absorbed photons per nanocrystal (inf: no lasing)
    K: NDArray[np.float64]  # lambda Q C sigma_0 / (2 pi n)
    required_normalized_gain: NDArray[np.float64]  # 1 / (Gamma K)
    loss_per_cm: NDArray[np.float64]  # 2 pi n / (lambda Q)


def mode_thresholds(
    material: NanocrystalMaterial,
    concentration_per_cm3: float,
    wavelength_nm: ArrayLike,
    Q: ArrayLike,
    film_fraction: ArrayLike,
    *,
    loss_index: ArrayLike,
    N_max: float = DEFAULT_N_MAX,
) -> ModeThresholds:
    """Threshold N of every mode; inputs broadcast (e.g. shape (disks, modes)). NaN = no mode.

    ``loss_index``: the n of the loss 2 pi n / (lambda Q) and of K, the film's refractive index
    (module docstring). Required: no mode-dependent index stands in for it.
    """
    if not (concentration_per_cm3 > 0 and math.isfinite(concentration_per_cm3)):
        raise ValueError(f"concentration_per_cm3 must be > 0, got {concentration_per_cm3}")
    lam, q, gam, n = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (wavelength_nm, Q, film_fraction, loss_index))
    )
    if np.any(q[np.isfinite(q)] <= 0):
        raise ValueError("Q must be > 0")
    if np.any((gam < 0) | (gam > 1)):
        raise ValueError("film_fraction must be within [0, 1]")
    if np.any(~(n > 0)):
        raise ValueError("loss_index must be > 0")
    sigma0 = material.sigma0_reference_cm2
    K = figure_of_merit_K(lam, q, concentration_per_cm3, sigma0, n)
    with np.errstate(divide="ignore"):
        required = 1.0 / (gam * K)  # inf when Gamma = 0 or Q = inf gives 0: handled below
    coeffs = gain_coefficients(material, np.where(np.isfinite(lam), lam, 1.0))
    coeffs = GainCoefficients(
        a=np.where(np.isfinite(lam), coeffs.a, np.nan), b=coeffs.b, c=coeffs.c, h=coeffs.h,
        sites=coeffs.sites,
    )
    N_th = threshold_for_required_gain(coeffs, required, N_max=N_max)
    N_th = np.where(np.isinf(required) & ~np.isnan(N_th), np.inf, N_th)
    return ModeThresholds(
        N_threshold=N_th,
        K=K,
        required_normalized_gain=required,
        loss_per_cm=lineic_loss_per_cm(lam, q, n),
    )


def lasing_mode_index(N_threshold: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Index of the lowest-threshold mode along the last axis and its threshold.

    Disks where no mode reaches threshold (all inf or NaN) get index -1 and threshold inf.
    """
    nth = np.asarray(N_threshold, dtype=float)
    clean = np.where(np.isnan(nth), np.inf, nth)
    idx = np.argmin(clean, axis=-1)
    best = np.take_along_axis(clean, idx[..., None], axis=-1)[..., 0]
    idx = np.where(np.isfinite(best), idx, -1)
    return idx, best


def continuum_threshold(
    material: NanocrystalMaterial,
    inverse_K: ArrayLike,
    wavelengths_nm: ArrayLike,
    N_max: float = DEFAULT_N_MAX,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Threshold N and lasing wavelength when modes exist at every wavelength (paper Fig. 4c,d).

    For each 1/K (Gamma = 1, K taken equal at all wavelengths) returns the smallest threshold
    over ``wavelengths_nm`` and the wavelength (nm) where it is reached (nan if none).
    """
    inv_k = np.atleast_1d(np.asarray(inverse_K, dtype=float))
    if np.any(inv_k <= 0):
        raise ValueError("inverse_K must be > 0")
    lam = np.asarray(wavelengths_nm, dtype=float)
    coeffs = gain_coefficients(material, lam)
    nth = threshold_for_required_gain(coeffs, inv_k[:, None], N_max=N_max)
    idx, best = lasing_mode_index(nth)
    lam_l = np.where(idx >= 0, lam[np.maximum(idx, 0)], np.nan)
    return best, lam_l

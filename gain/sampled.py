"""``predict_lasing`` for many sampled disks at once (fabrication scatter).

The same rule as ``gain.lasing.predict_lasing``, vectorised over disks x modes: total Q
``1/Q = 1/Q_table + 1/intrinsic_Q`` (``gain.lasing.total_Q``, here per disk), thresholds by
``gain.threshold.mode_thresholds`` with the film's index as loss index, the lowest threshold
lases when the pump reaches it. A disk's own nanocrystal concentration C enters the threshold
only through Gamma K with K = lambda Q C sigma_0 / (2 pi n_f), so a disk at C is evaluated as
one at the film's C0 with Q C / C0 (exact; its reported K is that of its own C).

Modes absent from a disk's comb (shifted out of the window, or padding) are nan rows and never
lase. Reasons are codes (``REASONS``), one per disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gain.film import NanocrystalFilm, PumpSettings
from gain.lasing import SEARCH_N_PER_SITE
from gain.threshold import mode_thresholds

# why a sampled disk does (not) lase; code -> words
REASONS = {
    "lases": "lases within the pump's reach",
    "pump": "needs more fluence than the pump gives",
    "no_gain": "the gain never exceeds the loss at any N",
    "no_mode": "no mode with a known loss in the window",
}


@dataclass(frozen=True)
class SampledLasing:
    """Per disk: lasing mode column (-1: none), threshold N and fluence, K, code."""

    mode_index: NDArray[np.int64]
    threshold_N: NDArray[np.float64]
    threshold_fluence_uJ_per_cm2: NDArray[np.float64]
    Q_total: NDArray[np.float64]
    K: NDArray[np.float64]
    lases: NDArray[np.bool_]
    reason: NDArray[np.str_]


def total_Q_array(table_Q: NDArray, intrinsic_Q: NDArray | float | None) -> NDArray:
    """``gain.lasing.total_Q`` elementwise: an unresolved table Q (inf, nan, <= 0) leaves the
    intrinsic one; nan when neither is known."""
    q = np.asarray(table_Q, dtype=float)
    resolved = np.isfinite(q) & (q > 0.0)
    if intrinsic_Q is None:
        return np.where(resolved, q, np.nan)
    qi = np.broadcast_to(np.asarray(intrinsic_Q, dtype=float), q.shape) if np.ndim(
        intrinsic_Q) else np.full(q.shape, float(intrinsic_Q))
    with np.errstate(divide="ignore", invalid="ignore"):
        both = 1.0 / (1.0 / q + 1.0 / qi)
    return np.where(resolved, both, qi)


def predict_sampled(
    wavelength_nm: NDArray, Q_total: NDArray, film_fraction: NDArray,
    concentration_per_cm3: NDArray, film: NanocrystalFilm, pump: PumpSettings,
) -> SampledLasing:
    """Lasing of each disk (rows) from its modes (columns; nan wavelength: no mode).

    ``Q_total``: each mode's total Q (``total_Q_array``); ``concentration_per_cm3``: each
    disk's film concentration (shape (disks,))."""
    lam = np.asarray(wavelength_nm, dtype=float)
    present = np.isfinite(lam)
    c0 = film.concentration_per_cm3
    ratio = np.asarray(concentration_per_cm3, dtype=float)[:, None] / c0
    q_eff = np.where(present, Q_total * ratio, np.nan)
    gam = np.where(present, film_fraction, 0.0)
    material = film.resolved_material
    th = mode_thresholds(material, c0, np.where(present, lam, np.nan), q_eff, gam,
                         loss_index=film.refractive_index,
                         N_max=SEARCH_N_PER_SITE * material.independent_sites)
    nth = np.where(np.isnan(th.N_threshold), np.inf, th.N_threshold)
    known = present & np.isfinite(q_eff)
    n_disks = lam.shape[0]
    has_modes = known.any(axis=1) if lam.shape[1] else np.zeros(n_disks, bool)
    j = np.argmin(nth, axis=1) if lam.shape[1] else np.zeros(n_disks, np.int64)
    rows = np.arange(n_disks)
    best = nth[rows, j] if lam.shape[1] else np.full(n_disks, np.inf)
    n_reach = float(pump.N_from_fluence(pump.max_fluence_uJ_per_cm2, material))
    finite = np.isfinite(best) & has_modes
    lases = finite & (best <= n_reach)
    with np.errstate(invalid="ignore"):
        fluence = np.asarray(pump.fluence_uJ_per_cm2_from_N(
            np.where(finite, best, np.nan), material), float)
    reason = np.where(~has_modes, "no_mode", np.where(
        ~finite, "no_gain", np.where(lases, "lases", "pump")))
    pick = lambda a: np.where(finite, a[rows, j], np.nan) if lam.shape[1] else \
        np.full(n_disks, np.nan)  # noqa: E731
    return SampledLasing(
        mode_index=np.where(finite, j, -1).astype(np.int64),
        threshold_N=np.where(finite, best, np.inf),
        threshold_fluence_uJ_per_cm2=np.where(finite, fluence, np.inf),
        Q_total=pick(np.where(present, Q_total, np.nan)), K=pick(th.K),
        lases=lases, reason=reason.astype(str),
    )

"""One evaluation of a disk: does it lase, in which mode, at what pump, and if not, why.

``predict_lasing(modes, film, pump, intrinsic_Q=...)`` is the single place where a disk's mode
table becomes a lasing prediction; the command line, the pipeline and the design search call
it. It owns:

- the total Q of a mode: the table's ``Q_total`` when it has one for the mode (the mode's loss
  budget, solvers.losses: radiation, metal, material absorption, surface roughness, film
  scattering and the spec's Q_other, every channel already in it); otherwise
  ``1/Q = 1/Q_table + 1/intrinsic_Q`` (``total_Q``): the table's Q is what the solver resolved
  (radiation, metal), ``intrinsic_Q`` (the spec's losses.Q_other) the rest. An unresolved table
  Q (inf, nan: the solver saw no loss it could measure) leaves ``intrinsic_Q`` alone.
  Ground-state absorption of the nanocrystals is not in Q: it is in the gain (Eq. 5);
- the loss index: the film's refractive index ``film.refractive_index`` (the gain medium's
  index, derivation in the ``gain`` package docstring). It is never the mode's effective index;
- the threshold of every mode (smallest N with Gamma g >= 2 pi n_f / (lambda Q), paper Eq. 5
  and p. 6) and the lasing mode (lowest threshold);
- the competing modes: those whose threshold is within ``competing_within`` of the lowest
  (which of them lases first is not decided by the static threshold; gain.dynamics);
- the pump's reach: ``pump.max_fluence_uJ_per_cm2`` gives the largest N the pump can deliver.
  A disk lases only when its lowest threshold lies within it. Otherwise ``lases`` is false and
  ``reason`` says why: no mode with a known loss; the gain never exceeds the loss at any N
  (the most Eq. 5 gives at the mode's wavelength, over all N, stays below 1/(Gamma K)); or the
  threshold needs more fluence than the pump gives.

Pure: plain data in (a ``ModeTable`` or mode records), a frozen ``LasingPrediction`` out;
``lasing_record(pred, table)`` turns it into the disk's lasing record (plain, JSON-able data),
the one form every command reports it in.

Unresolved Q: a table Q the solver could not resolve (inf: no loss it could measure; nan) is
reported as inf, "no loss resolved", like a loss channel of inf in the budget
(solvers.losses); JSON carries it as ``Infinity``. ``None`` means "no value": a channel the
table does not have, or a disk without a lasing mode.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gain.film import NanocrystalFilm, PumpSettings
from gain.modetable import BUDGET_COLUMNS, ModeTable
from gain.spectra import GainCoefficients, gain_coefficients
from gain.threshold import mode_thresholds

# modes whose static threshold is within this fraction of the lowest one compete: which of them
# lases first is decided by details the static model ignores (spontaneous coupling, mode volume,
# fabrication spread), see the Fig. 6d rate equations
COMPETING_WITHIN = 0.02
# the threshold search runs to this many photons per emitter site whatever the pump's reach, so
# that "needs more fluence" and "never exceeds the loss" are told apart; at N / sites = 50 the
# Poisson populations are within exp(-50) of their N -> inf limit (numerical bound)
SEARCH_N_PER_SITE = 50.0


def total_Q(table_Q: float | None, intrinsic_Q: float | None) -> float:
    """1/Q = 1/Q_table + 1/Q_intrinsic. An unresolved table Q (None, inf, nan, <= 0) leaves the
    intrinsic one; nan when neither is known."""
    q = math.nan if table_Q is None else float(table_Q)
    resolved = math.isfinite(q) and q > 0.0
    if intrinsic_Q is None:
        return q if resolved else math.nan
    return 1.0 / (1.0 / q + 1.0 / intrinsic_Q) if resolved else float(intrinsic_Q)


def mode_total_Q(table: ModeTable, intrinsic_Q: float | None) -> NDArray[np.float64]:
    """The Q of each mode's threshold: its ``Q_total`` (loss budget) when the table has one for
    it, else ``total_Q(Q, intrinsic_Q)``; nan when no loss is known."""
    q = np.array([total_Q(x, intrinsic_Q) for x in table.Q], dtype=float)
    if table.Q_total is None:
        return q
    budget = np.asarray(table.Q_total, dtype=float)
    return np.where(np.isfinite(budget) & (budget > 0), budget, q)


def max_normalized_gain(coeffs: GainCoefficients) -> NDArray[np.float64]:
    """The most g / (C sigma_0) reaches at each wavelength over all N >= 0.

    f(n) = (c - h) + exp(-n) (alpha + beta n) (gain.threshold): its supremum is the largest of
    f(0) = a - h, the limit c - h (n -> inf) and, when n* = 1 - alpha/beta > 0 is a maximum
    (beta > 0), f(n*) = (c - h) + beta exp(-n*).
    """
    a, b, c, h = np.broadcast_arrays(coeffs.a, coeffs.b, coeffs.c, coeffs.h)
    alpha, beta = a - c, b - c
    with np.errstate(divide="ignore", invalid="ignore"):
        n_star = 1.0 - alpha / beta
        at_star = np.where((beta > 0) & (n_star > 0),
                           (c - h) + beta * np.exp(-np.clip(n_star, 0.0, None)), -np.inf)
    return np.maximum(np.maximum(a - h, c - h), at_star)


@dataclass(frozen=True)
class CompetingMode:
    """A mode whose threshold is within ``competing_within`` of the lasing mode's."""

    index: int  # row in the disk's mode table
    m: int
    polarization: str | None
    wavelength_nm: float
    threshold_N: float
    threshold_ratio: float  # its threshold / the lasing mode's


@dataclass(frozen=True)
class LasingPrediction:
    """The lasing prediction of one disk (per-mode arrays follow the table's row order).

    ``mode_index`` is the lowest-threshold mode (None when no mode reaches threshold at any N
    or none has a known loss); its fields (``wavelength_nm`` ...) are filled whenever
    ``mode_index`` is, so a disk that ``lases`` false because of the pump's reach still says
    which mode and what threshold it would need. ``reason`` is one sentence.
    """

    lases: bool
    reason: str
    mode_index: int | None
    m: int | None
    polarization: str | None
    wavelength_nm: float | None
    shift_from_emission_peak_nm: float | None
    threshold_N: float  # inf: gain never exceeds the loss (or no mode)
    threshold_fluence_uJ_per_cm2: float
    threshold_power_uW: float
    Q: float | None  # the table's Q of the lasing mode (inf: unresolved; None: no mode)
    Q_total: float | None
    film_fraction: float | None
    K: float | None
    N_reach: float  # the most N the pump gives (pump.max_fluence_uJ_per_cm2)
    competing: tuple[CompetingMode, ...]
    # per mode of the table
    mode_Q_total: NDArray[np.float64]
    mode_threshold_N: NDArray[np.float64]
    mode_K: NDArray[np.float64]
    mode_fluence_uJ_per_cm2: NDArray[np.float64]
    mode_max_gain_ratio: NDArray[np.float64]  # max over N of Gamma g / loss (< 1: never lases)


def modes_from_records(records: Iterable[Mapping[str, Any]]) -> ModeTable:
    """A ModeTable from solver or pipeline records; a Q of None (unresolved) becomes nan."""
    rows = [{**r, "Q": "nan" if r.get("Q") is None else r["Q"]} for r in records]
    return ModeTable.from_records(rows)


def _fmt_mode(table: ModeTable, i: int) -> str:
    pol = f" {table.polarization[i]}" if table.polarization and table.polarization[i] else ""
    return f"m = {int(table.m[i])}{pol} at {table.wavelength_nm[i]:.2f} nm"


def predict_lasing(
    modes: ModeTable | Iterable[Mapping[str, Any]],
    film: NanocrystalFilm,
    pump: PumpSettings,
    *,
    intrinsic_Q: float | None,
    competing_within: float = COMPETING_WITHIN,
) -> LasingPrediction:
    """Threshold of every mode of one disk, its lasing mode and whether the pump reaches it.

    ``modes``: the disk's modes (a ``ModeTable`` or records with m, wavelength_nm, Q,
    film_fraction, effective_index, optional polarization and Q_total). ``intrinsic_Q``: the
    spec's losses the table's Q does not hold (None: the table's Q is the total), for the modes
    without a Q_total (``mode_total_Q``). The loss index is the film's
    refractive index. Raises ValueError for a pump wavelength the material has no sigma_pump
    for, or a bad ``competing_within``.
    """
    if not 0.0 <= competing_within <= 1.0:
        raise ValueError(f"competing_within = {competing_within:g}: allowed 0-1")
    if isinstance(modes, ModeTable):
        table: ModeTable | None = modes
    else:
        records = list(modes)
        table = modes_from_records(records) if records else None
    material = film.resolved_material
    n_reach = float(pump.N_from_fluence(pump.max_fluence_uJ_per_cm2, material))
    empty = np.zeros(0)
    if table is None or len(table) == 0:
        return _no_lasing("no modes in the table", n_reach, empty, empty, empty, empty, empty)
    q_tot = mode_total_Q(table, intrinsic_Q)
    n_search = SEARCH_N_PER_SITE * material.independent_sites
    th = mode_thresholds(material, film.concentration_per_cm3, table.wavelength_nm, q_tot,
                         table.film_fraction, loss_index=film.refractive_index, N_max=n_search)
    with np.errstate(invalid="ignore"):
        fluence = np.asarray(pump.fluence_uJ_per_cm2_from_N(
            np.where(np.isfinite(th.N_threshold), th.N_threshold, np.nan), material), float)
    gmax = max_normalized_gain(gain_coefficients(material, table.wavelength_nm))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isfinite(q_tot), gmax / th.required_normalized_gain, np.nan)
    arrays = (q_tot, th.N_threshold, th.K, fluence, ratio)
    known = np.isfinite(q_tot)
    if not known.any():
        return _no_lasing("no mode has a known loss (every Q is unresolved, no loss budget "
                          "Q_total, and no losses.Q_other)", n_reach, *arrays)
    nth = np.where(np.isnan(th.N_threshold), np.inf, th.N_threshold)
    j = int(np.argmin(nth))
    best = float(nth[j])
    if not math.isfinite(best):
        k = int(np.nanargmax(np.where(known, ratio, np.nan)))
        return _no_lasing(
            f"the gain never exceeds the loss at any N: the closest mode ({_fmt_mode(table, k)}"
            f") reaches at most {ratio[k]:.3g} of its loss (Gamma K = "
            f"{table.film_fraction[k] * th.K[k]:.3g})", n_reach, *arrays)
    close = np.flatnonzero(np.isfinite(nth) & (nth <= best * (1.0 + competing_within)))
    competing = tuple(
        CompetingMode(index=int(k), m=int(table.m[k]),
                      polarization=table.polarization[k] if table.polarization else None,
                      wavelength_nm=float(table.wavelength_nm[k]), threshold_N=float(nth[k]),
                      threshold_ratio=float(nth[k] / best))
        for k in sorted((k for k in close if k != j), key=lambda k: nth[k]))
    lases = best <= n_reach
    if lases:
        reason = f"lases in {_fmt_mode(table, j)} at N = {best:.3g}"
    else:
        reason = (f"needs more fluence than the pump gives: {_fmt_mode(table, j)} lases at "
                  f"N = {best:.3g} ({fluence[j]:.4g} uJ/cm^2), the pump reaches N = "
                  f"{n_reach:.3g} (max_fluence_uJ_per_cm2 = {pump.max_fluence_uJ_per_cm2:g})")
    q_table = float(table.Q[j])
    return LasingPrediction(
        lases=lases, reason=reason, mode_index=j, m=int(table.m[j]),
        polarization=table.polarization[j] if table.polarization else None,
        wavelength_nm=float(table.wavelength_nm[j]),
        shift_from_emission_peak_nm=float(table.wavelength_nm[j]) - material.emission_peak_nm,
        threshold_N=best, threshold_fluence_uJ_per_cm2=float(fluence[j]),
        threshold_power_uW=float(pump.average_power_uW_from_fluence(fluence[j])),
        Q=q_table if math.isfinite(q_table) else math.inf, Q_total=float(q_tot[j]),
        film_fraction=float(table.film_fraction[j]), K=float(th.K[j]), N_reach=n_reach,
        competing=competing, mode_Q_total=q_tot, mode_threshold_N=th.N_threshold,
        mode_K=th.K, mode_fluence_uJ_per_cm2=fluence, mode_max_gain_ratio=ratio,
    )


def lasing_record(pred: LasingPrediction, table: ModeTable) -> dict[str, Any] | None:
    """The lasing mode of one disk as plain data, or None when the disk does not lase (the
    prediction's ``reason`` says why).

    ``table``: the mode table ``pred`` was computed from (its budget channels and radial orders
    are carried into the record). Keys: index (row in the table), m, polarization,
    radial_order, wavelength_nm, shift_from_emission_peak_nm, threshold_N,
    threshold_fluence_uJ_per_cm2, threshold_power_uW, Q (the table's; inf: unresolved),
    Q_total (the threshold's), the budget channels ``modetable.BUDGET_COLUMNS`` (inf: no loss;
    None: not in the table), film_fraction, K, and competing_modes ({m, polarization,
    wavelength_nm, threshold_N, threshold_ratio}, closest first). Numbers are Python floats
    and ints.
    """
    if not pred.lases or pred.mode_index is None:
        return None
    i = int(pred.mode_index)
    channels = table.loss_channels or {}

    def channel(c: str) -> float | None:
        v = float(channels[c][i]) if c in channels else math.nan
        return None if math.isnan(v) else v

    radial = table.radial_order[i] if table.radial_order is not None else None
    return {
        "index": i, "m": int(pred.m), "polarization": pred.polarization,
        "radial_order": radial, "wavelength_nm": float(pred.wavelength_nm),
        "shift_from_emission_peak_nm": float(pred.shift_from_emission_peak_nm),
        "threshold_N": float(pred.threshold_N),
        "threshold_fluence_uJ_per_cm2": float(pred.threshold_fluence_uJ_per_cm2),
        "threshold_power_uW": float(pred.threshold_power_uW),
        "Q": float(pred.Q), "Q_total": float(pred.Q_total),
        **{c: channel(c) for c in BUDGET_COLUMNS},
        "film_fraction": float(pred.film_fraction), "K": float(pred.K),
        "competing_modes": [
            {"m": c.m, "polarization": c.polarization, "wavelength_nm": c.wavelength_nm,
             "threshold_N": c.threshold_N, "threshold_ratio": c.threshold_ratio}
            for c in pred.competing],
    }


def _no_lasing(reason: str, n_reach: float, q_tot: ArrayLike, nth: ArrayLike, K: ArrayLike,
               fluence: ArrayLike, ratio: ArrayLike) -> LasingPrediction:
    a = [np.asarray(x, dtype=float) for x in (q_tot, nth, K, fluence, ratio)]
    return LasingPrediction(
        lases=False, reason=reason, mode_index=None, m=None, polarization=None,
        wavelength_nm=None, shift_from_emission_peak_nm=None, threshold_N=math.inf,
        threshold_fluence_uJ_per_cm2=math.inf, threshold_power_uW=math.inf, Q=None,
        Q_total=None, film_fraction=None, K=None, N_reach=n_reach, competing=(),
        mode_Q_total=a[0], mode_threshold_N=a[1], mode_K=a[2], mode_fluence_uJ_per_cm2=a[3],
        mode_max_gain_ratio=a[4],
    )

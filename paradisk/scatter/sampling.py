"""Sampled disks of one row: draw the fabrication scatter, move the comb, pick the lasing mode.

For one design (a row of the array) and its mode sensitivities (``solvers.sensitivity``):

1. draw every scattered quantity (``paradisk.scatter.spec``) with ``numpy.random.Generator``
   seeded by (seed, row): the same seed gives the same table on every machine. A disk with a
   drawn quantity outside its physical range (a normal draw <= 0 of a positive quantity) is
   labelled ``nonphysical_draw`` and not evaluated (its drawn values stay in the table);
2. chain the process to the profile exactly, by the exposure model's closed form
   (``geometry.ExposureProcess``): L = ln(E0 / W_cl) moves by ln(P/P0) + ln(tau/tau0)
   - 2 ln(w0/w00) - ln(W_cl/W_cl0), the attenuation is linear in the absorber concentration,
   the film thickness and waist are descriptors themselves. A sample that writes nothing or
   does not reach the substrate is recorded as such (it washes off);
3. move each mode of the nominal comb by the descriptors' parabolas (wavelength, ln Q or
   1/Q, film fraction, and the 1/Q of each loss-budget channel relative to its nominal value;
   ``solvers.sensitivity``) and the disk index by first-order perturbation theory; the total
   Q sums the solver's, the moved channels (roughness times the sampled rms factor squared)
   and Q_other. A mode a perturbed solve lost moves with its family neighbour's
   sensitivities, and the disks lasing in it say so (``lasing_borrowed``).
   A sample whose descriptors leave the solved box is refused (``outside_solved_range``), and
   one whose comb edge could let an unsolved mode into the window is refused too
   (``comb_edge``): nothing is extrapolated;
4. keep the modes inside the spec's window and evaluate the disk with the lasing rule of
   ``gain.lasing.predict_lasing`` in batch (``gain.sampled``).

With every width zero the sampled disks are the nominal disk: same comb, same lasing mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gain.sampled import predict_sampled, total_Q_array
from paradisk.scatter.spec import ScatterSpec, Spread
from solvers.sensitivity import DESCRIPTORS, mode_key

# the reasons of a sampled disk that the gain model never sees
GEOMETRY_REASONS = {
    "nonphysical_draw": "a drawn quantity is <= 0 where it must be positive (refused)",
    "not_anchored": "the disk does not reach the substrate (washes off) or writes nothing",
    "outside_solved_range": "a descriptor lies beyond the solved box (refused, not extrapolated)",
    "comb_edge": "a mode beyond the solved comb, or one no solve moved, could shift into the "
                 "window (refused)",
}
SAMPLE_COLUMNS = (
    "row", "sample", "power_uW", "dwell_ms", "waist_um", "threshold_dose_mJ_per_cm2",
    "film_thickness_um", "absorber_concentration_mg_per_mL", "disk_index_change",
    "nc_thickness_nm", "concentration_per_cm3", "Q_other", "roughness_rms_factor",
    "top_diameter_um",
    "foot_diameter_um", "lases", "reason", "lasing_m", "lasing_polarization",
    "lasing_radial_order", "lasing_wavelength_nm", "threshold_N",
    "threshold_fluence_uJ_per_cm2", "lasing_Q_total", "lasing_film_fraction",
    # the lasing mode was moved with a comb neighbour's sensitivities (a perturbed solve lost it)
    "lasing_borrowed",
)


def draw(spread: Spread | None, nominal: float, rng: np.random.Generator,
         n: int) -> np.ndarray:
    """``n`` values of one quantity around ``nominal`` (module ``paradisk.scatter.spec``)."""
    if spread is None:
        return np.full(n, float(nominal))
    width = spread.width(nominal)
    if spread.dist == "uniform":
        return nominal + width * rng.uniform(-1.0, 1.0, n)
    z = rng.standard_normal(n)
    if spread.dist == "lognormal":
        s = width / abs(nominal) if spread.abs is not None and nominal else width
        if spread.rel is not None:
            s = float(spread.rel)
        return nominal * np.exp(s * z)
    return nominal + width * z


@dataclass(frozen=True)
class RowInputs:
    """The nominal values of one row that the scatter moves."""

    row: int
    power_uW: float
    dwell_ms: float
    waist_um: float
    threshold_dose_mJ_per_cm2: float
    film_thickness_um: float
    absorber_concentration_mg_per_mL: float
    absorber_alpha_per_unit: float  # 1/um per mg/mL (Beer-Lambert: linear)
    resin_alpha_per_um: float
    log_overdose: float
    nc_thickness_nm: float
    concentration_per_cm3: float
    intrinsic_Q: float | None
    disk_index: float  # the disk material's index at the window centre


def row_inputs(spec: Any, plan: Any) -> RowInputs:
    """The nominal values of ``plan`` (a ``DiskPlan`` of ``spec``)."""
    from solvers.materials import refractive_index

    proc = spec.process
    unit = proc.absorber.model_copy(update={"concentration_mg_per_mL": 1.0}).alpha_per_um
    centre = 0.5 * sum(spec.solver.window_nm)
    return RowInputs(
        row=plan.row, power_uW=plan.power_uW, dwell_ms=plan.dwell_ms, waist_um=proc.waist_um,
        threshold_dose_mJ_per_cm2=proc.threshold_dose_mJ_per_cm2,
        film_thickness_um=proc.film_thickness_um,
        absorber_concentration_mg_per_mL=proc.absorber.concentration_mg_per_mL,
        absorber_alpha_per_unit=unit, resin_alpha_per_um=proc.resin_absorption_per_um,
        log_overdose=plan.profile.log_overdose, nc_thickness_nm=spec.nanocrystals.thickness_nm,
        concentration_per_cm3=spec.nanocrystals.concentration_per_cm3,
        intrinsic_Q=spec.intrinsic_Q,
        disk_index=float(refractive_index(spec.disk_material, centre).real),
    )


def draw_inputs(scatter: ScatterSpec, nominal: RowInputs, n: int | None = None) -> dict:
    """Every sampled quantity of one row (arrays of ``n`` or ``scatter.samples``)."""
    n = scatter.samples if n is None else n
    rng = np.random.default_rng([scatter.seed, nominal.row])
    p = scatter.process
    out = {
        "power_uW": draw(p.power_uW, nominal.power_uW, rng, n),
        "dwell_ms": draw(p.dwell_ms, nominal.dwell_ms, rng, n),
        "waist_um": draw(p.waist_um, nominal.waist_um, rng, n),
        "threshold_dose_mJ_per_cm2": draw(p.threshold_dose_mJ_per_cm2,
                                          nominal.threshold_dose_mJ_per_cm2, rng, n),
        "film_thickness_um": draw(p.film_thickness_um, nominal.film_thickness_um, rng, n),
        "absorber_concentration_mg_per_mL": draw(
            p.absorber_concentration_mg_per_mL, nominal.absorber_concentration_mg_per_mL, rng,
            n),
        "disk_index_change": draw(scatter.disk_index, 0.0, rng, n),
        "nc_thickness_nm": draw(scatter.nanocrystals.thickness_nm, nominal.nc_thickness_nm,
                                rng, n),
        "concentration_per_cm3": draw(scatter.nanocrystals.concentration_per_cm3,
                                      nominal.concentration_per_cm3, rng, n),
    }
    iq = scatter.losses.get("Q_other")
    out["Q_other"] = (np.full(n, np.nan) if nominal.intrinsic_Q is None
                          else draw(iq, nominal.intrinsic_Q, rng, n))
    out["roughness_rms_factor"] = draw(scatter.losses.get("roughness_rms"), 1.0, rng, n)
    return out


# drawn quantities that must be positive (> 0), or non-negative (>= 0: no absorber, a smooth
# surface); a disk with another value is not a disk (``nonphysical_draw``)
POSITIVE = ("power_uW", "dwell_ms", "waist_um", "threshold_dose_mJ_per_cm2",
            "film_thickness_um", "nc_thickness_nm", "concentration_per_cm3")
NON_NEGATIVE = ("absorber_concentration_mg_per_mL", "roughness_rms_factor")


def physical_draws(inputs: dict) -> np.ndarray:
    """Per sample: every drawn quantity within its physical range (an unset Q_other, nan,
    is not drawn)."""
    ok = np.all([inputs[k] > 0.0 for k in POSITIVE]
                + [inputs[k] >= 0.0 for k in NON_NEGATIVE], axis=0)
    qi = inputs["Q_other"]
    return ok & (np.isnan(qi) | (qi > 0.0))


def _nominal_where(mask: np.ndarray, inputs: dict, nominal: RowInputs) -> dict:
    """``inputs`` with the samples outside ``mask`` set to the nominal values (evaluated, then
    labelled; their drawn values stay in the table)."""
    fixed = {"disk_index_change": 0.0, "roughness_rms_factor": 1.0,
             "Q_other": math.nan if nominal.intrinsic_Q is None else nominal.intrinsic_Q}
    return {k: np.where(mask, v, fixed[k] if k in fixed else getattr(nominal, k))
            for k, v in inputs.items()}


def descriptors(inputs: dict, nominal: RowInputs) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(descriptor arrays in ``solvers.sensitivity.DESCRIPTORS`` names, anchored mask)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        L = (nominal.log_overdose + np.log(inputs["power_uW"] / nominal.power_uW)
             + np.log(inputs["dwell_ms"] / nominal.dwell_ms)
             - 2.0 * np.log(inputs["waist_um"] / nominal.waist_um)
             - np.log(inputs["threshold_dose_mJ_per_cm2"] / nominal.threshold_dose_mJ_per_cm2))
    # the nominal row keeps its own L (no rounding through the logs)
    L = np.where(_all_nominal(inputs, nominal), nominal.log_overdose, L)
    alpha = (nominal.resin_alpha_per_um
             + nominal.absorber_alpha_per_unit * inputs["absorber_concentration_mg_per_mL"])
    z0 = inputs["film_thickness_um"]
    d = {"waist_um": inputs["waist_um"], "alpha_per_um": alpha, "film_thickness_um": z0,
         "log_overdose": L, "coating_thickness_um": inputs["nc_thickness_nm"] * 1.0e-3}
    positive = np.all([inputs[k] > 0 for k in ("power_uW", "dwell_ms", "waist_um",
                                                "threshold_dose_mJ_per_cm2",
                                                "film_thickness_um")], axis=0)
    anchored = positive & np.isfinite(L) & (alpha * z0 < L) & (alpha >= 0)
    return d, anchored


def _all_nominal(inputs: dict, nominal: RowInputs) -> np.ndarray:
    keys = ("power_uW", "dwell_ms", "waist_um", "threshold_dose_mJ_per_cm2")
    return np.all([inputs[k] == getattr(nominal, k) for k in keys], axis=0)


def nominal_descriptors(nominal: RowInputs) -> dict[str, float]:
    return {"waist_um": nominal.waist_um,
            "alpha_per_um": nominal.resin_alpha_per_um
            + nominal.absorber_alpha_per_unit * nominal.absorber_concentration_mg_per_mL,
            "film_thickness_um": nominal.film_thickness_um,
            "log_overdose": nominal.log_overdose,
            "coating_thickness_um": nominal.nc_thickness_nm * 1.0e-3}


def descriptor_steps(scatter: ScatterSpec, nominal: RowInputs, n: int = 4096) -> dict:
    """Half-width of the solved box per descriptor: ``trust_sigma`` standard deviations of the
    descriptor over a draw of the scatter (0 for a descriptor that does not move)."""
    inputs = draw_inputs(scatter, nominal, n)
    d, _ = descriptors(inputs, nominal)
    physical = physical_draws(inputs)  # a disk that is no disk does not widen the box
    d0 = nominal_descriptors(nominal)
    out = {}
    for name in DESCRIPTORS:
        sd = float(np.sqrt(np.mean((d[name][physical] - d0[name]) ** 2)))
        out[name] = scatter.trust_sigma * sd if sd > 0 and math.isfinite(sd) else 0.0
    return out


# the loss-budget channels the sampler moves with the geometry (1/Q each; the roughness at the
# spec's rms heights, scaled by the sampled rms factor squared)
LOSS_CHANNELS = ("Q_material", "Q_film_scattering", "Q_roughness")


@dataclass(frozen=True)
class Comb:
    """The nominal comb of a row with its parabolas, as arrays over modes."""

    keys: list[tuple]
    wavelength_nm: np.ndarray
    q_channel: np.ndarray  # ln Q where ``log_q``, else 1/Q
    log_q: np.ndarray
    Q: np.ndarray
    film_fraction: np.ndarray
    disk_fraction: np.ndarray
    dispersion: np.ndarray
    slope: dict[str, np.ndarray]  # descriptor -> (3, modes): d lambda, d Q channel, d Gamma
    curve: dict[str, np.ndarray]  # descriptor -> (3, modes): half second derivatives
    steps: dict[str, float]
    fsr_nm: np.ndarray  # per mode: the spacing to its family's neighbour
    # (LOSS_CHANNELS, modes): the nominal 1/Q of the loss-budget channels the solver does not
    # see: the table's where it has them, else the sensitivity solve's own, else the family
    # neighbour's (0 when no mode has a budget)
    loss_inverse: np.ndarray
    # descriptor -> (LOSS_CHANNELS, modes): parabola of each channel's 1/Q relative to its
    # nominal value (slope, half second derivative; 0 where the table has no loss channels)
    loss_slope: dict[str, np.ndarray]
    loss_curve: dict[str, np.ndarray]
    # per mode: the Q the nominal threshold used (the table's Q_total; nan where none)
    Q_total: np.ndarray
    # per mode: its sensitivities come from a comb neighbour (a perturbed solve lost it)
    borrowed_modes: np.ndarray
    # a mode no solve moved (no neighbour of its family was solved) lies within one FSR of
    # the window: a sample whose comb moves is refused
    unsolved_near: bool = False

    @property
    def borrowed(self) -> int:
        """The number of modes whose sensitivities come from a comb neighbour."""
        return int(self.borrowed_modes.sum())


def build_comb(sens: dict, table: list[dict], window_nm: tuple[float, float],
               roughness_rms_nm: dict[str, float] | None = None) -> Comb:
    """The row's comb: the nominal values of the deterministic ``table`` (modes stage) where
    it has the mode, the sensitivity solve's elsewhere (modes beyond the window).

    A mode some perturbed solve did not find (or that the sensitivity table lacks) is moved
    with the sensitivities of the nearest complete mode of its family (same relative shifts;
    they vary slowly along a comb) and marked ``borrowed_modes``; one with no such neighbour
    stays put and refuses the samples whose comb moves when it lies near the window.
    ``roughness_rms_nm``: the spec's rms height per rough interface, weighing the interfaces'
    unit-rms roughness channels of the sensitivity table (default 1 nm each)."""
    from solvers.sensitivity import complete, quadratic_coefficients

    det = {mode_key(r): r for r in table}
    lo, hi = window_nm
    steps = dict(sens["steps"])
    solved = {mode_key(s): s for s in sens["modes"]}
    donors = {k: s for k, s in solved.items() if complete(s, steps)}
    rows = []  # (key, nominal record, sensitivity record, borrowed, unsolved)
    for key, s in solved.items():
        if key in det:
            rows.append(_sens_row(key, det[key], s, donors, steps))
        elif not lo <= s["wavelength_nm"] <= hi:
            rows.append(_sens_row(key, s, s, donors, steps))
    for key, d in det.items():
        if key not in solved:
            rows.append(_sens_row(key, d, None, donors, steps))
    rows.sort(key=lambda t: t[1]["wavelength_nm"])
    keys = [k for k, *_ in rows]
    lam = np.array([float(b["wavelength_nm"]) for _, b, *_ in rows])
    q = np.array([_q(b.get("Q")) for _, b, *_ in rows])
    gam = np.array([float(b["film_fraction"]) for _, b, *_ in rows])
    sens_rows = [s for _, _, s, *_ in rows]
    # the Q channel: ln Q where every solve resolved the mode's Q (a leak through the gold
    # falls exponentially with the gap: ln Q is nearly linear in the geometry), else 1/Q
    # (0 for an unresolved Q)
    log_q = np.array([all(_finite_q(q) for q in [b.get("Q"), s.get("Q")]
                          + [s[side][k][1] for side in ("minus", "plus") for k in steps])
                      for _, b, s, *_ in rows], dtype=bool)
    rms = roughness_rms_nm
    loss0 = np.array([_sens_losses(s.get("losses"), rms) for s in sens_rows]).T.reshape(3, -1)
    slope, curve, loss_slope, loss_curve = {}, {}, {}, {}
    for name, h in steps.items():
        f0 = np.array([_triple([s["wavelength_nm"], s.get("Q"), s["film_fraction"]], lq)
                       for s, lq in zip(sens_rows, log_q, strict=True)]).T.reshape(3, -1)
        fm = np.array([_triple(s["minus"][name], lq)
                       for s, lq in zip(sens_rows, log_q, strict=True)]).T.reshape(3, -1)
        fp = np.array([_triple(s["plus"][name], lq)
                       for s, lq in zip(sens_rows, log_q, strict=True)]).T.reshape(3, -1)
        slope[name], curve[name] = quadratic_coefficients(f0, fm, fp, h)
        # each loss channel relative to its own nominal value (1 at the nominal disk)
        lm, lp = (np.array([_sens_losses((s.get("losses_" + side) or {}).get(name), rms)
                            for s in sens_rows]).T.reshape(3, -1)
                  for side in ("minus", "plus"))
        with np.errstate(divide="ignore", invalid="ignore"):
            known = (loss0 > 0.0) & np.isfinite(lm) & np.isfinite(lp)
            rm = np.where(known, lm / np.where(known, loss0, 1.0), 1.0)
            rp = np.where(known, lp / np.where(known, loss0, 1.0), 1.0)
        loss_slope[name], loss_curve[name] = quadratic_coefficients(
            np.ones_like(rm), rm, rp, h)
    fsr = np.full(len(rows), np.nan)
    families: dict[tuple, list[int]] = {}
    for i, k in enumerate(keys):
        families.setdefault(k[1:], []).append(i)
    for idx in families.values():
        if len(idx) > 1:
            lam_f = lam[idx]
            gaps = np.abs(np.diff(lam_f))
            fsr[idx] = np.concatenate([[gaps[0]], np.maximum(gaps[:-1], gaps[1:]), [gaps[-1]]]) \
                if len(gaps) > 1 else gaps[0]
    q_channel = np.where(log_q, np.log(np.where(log_q, q, 1.0)), [_inv(x) for x in q])
    unsolved = np.array([u for *_, u in rows], dtype=bool)
    reach = float(np.nanmax(fsr)) if np.isfinite(fsr).any() else 0.0
    near = unsolved & (lam >= lo - reach) & (lam <= hi + reach)
    nominal = [b for _, b, *_ in rows]
    return Comb(keys=keys, wavelength_nm=lam, q_channel=q_channel, log_q=log_q, Q=q,
                film_fraction=gam,
                loss_inverse=_nominal_losses(keys, nominal, loss0,
                                             [mode_key(b) in det for b in nominal]),
                loss_slope=loss_slope, loss_curve=loss_curve,
                Q_total=np.array([_q(b.get("Q_total")) for b in nominal]),
                disk_fraction=np.array([float(s.get("disk_energy_fraction", math.nan))
                                        for s in sens_rows]),
                dispersion=np.array([float(s.get("dispersion_factor", math.nan))
                                     for s in sens_rows]),
                slope=slope, curve=curve, steps=steps, fsr_nm=fsr,
                borrowed_modes=np.array([b for *_, b, _ in rows], dtype=bool),
                unsolved_near=bool(near.any()))


def _sens_row(key: tuple, nominal: dict, s: dict | None, donors: dict,
              steps: dict) -> tuple:
    """(key, nominal record, complete sensitivity record, borrowed, unsolved) of one mode."""
    from solvers.sensitivity import complete

    if s is not None and complete(s, steps):
        return key, nominal, s, False, False
    own = s if s is not None else nominal
    donor = _nearest_of_family(donors, key, float(own["wavelength_nm"]))
    if donor is None:
        frozen = {**own, "minus": {}, "plus": {}}
        for side in ("minus", "plus"):
            frozen[side] = {k: [own["wavelength_nm"], own.get("Q"), own["film_fraction"]]
                            for k in steps}
        return key, nominal, frozen, False, True
    return key, nominal, _borrow(own, donor, steps), True, False


def _sens_losses(channels: dict | None, rms: dict[str, float] | None) -> list[float]:
    """(material, film scattering, roughness at ``rms``) 1/Q of one solve's channels
    (``solvers.sensitivity.loss_channels``); nan where the solve has none."""
    if not channels:
        return [math.nan] * 3
    rough = sum(v * (1.0 if rms is None else float(rms.get(k.split("/", 1)[1], 0.0))) ** 2
                for k, v in channels.items() if k.startswith("Q_roughness/"))
    return [float(channels.get("Q_material", 0.0)),
            float(channels.get("Q_film_scattering", 0.0)), float(rough)]


def _nominal_losses(keys: list[tuple], modes: list[dict], solved: np.ndarray,
                    in_table: list[bool]) -> np.ndarray:
    """(LOSS_CHANNELS, modes): per mode the nominal 1/Q of each channel: the table's column
    where the mode has one; for a mode beyond the table (beyond the window) its sensitivity
    solve's (``solved``, nan where none); else the nearest mode of its family that has one
    (these channels come from the field, which varies slowly along a family's comb); 0 for a
    channel the table does not have (a table without a budget: only the solver's Q and
    Q_other count, as in the deterministic prediction)."""
    out = np.zeros((len(LOSS_CHANNELS), len(modes)))
    for c, channel in enumerate(LOSS_CHANNELS):
        if not any(t and not math.isnan(_q(m.get(channel)))
                   for m, t in zip(modes, in_table, strict=True)):
            continue
        own = []
        for i, m in enumerate(modes):
            q = _q(m.get(channel))
            own.append(_inv(q) if not math.isnan(q) else (
                float(solved[c, i]) if not in_table[i] and math.isfinite(solved[c, i])
                else None))
        for i, (key, m) in enumerate(zip(keys, modes, strict=True)):
            if own[i] is not None:
                out[c, i] = own[i]
                continue
            same = [j for j, k in enumerate(keys) if k[1:] == key[1:] and own[j] is not None]
            if same:
                j = min(same, key=lambda j: abs(float(modes[j]["wavelength_nm"])
                                                 - float(m["wavelength_nm"])))
                out[c, i] = own[j]
    return out


def shifted_losses(comb: Comb, d: dict[str, np.ndarray], d0: dict[str, float]) -> np.ndarray:
    """(LOSS_CHANNELS, samples, modes): each channel's 1/Q of every sampled mode relative to
    its nominal value, by the descriptors' parabolas (exactly 1 where nothing moved)."""
    n = len(next(iter(d.values())))
    ratio = np.ones((len(LOSS_CHANNELS), n, comb.wavelength_nm.size))
    for name, h in comb.steps.items():
        if h == 0.0:
            continue
        dd = (d[name] - d0[name])[None, :, None]
        ratio += comb.loss_slope[name][:, None, :] * dd \
            + comb.loss_curve[name][:, None, :] * dd * dd
    return np.clip(ratio, 0.0, None)


def sampled_total_Q(comb: Comb, q: np.ndarray, qi: np.ndarray | None,
                    nominal_qi: float | None, rms_factor: np.ndarray,
                    ratio: np.ndarray | None = None) -> np.ndarray:
    """Each sampled mode's total Q: 1/Q_total = 1/(the solver's moved Q with the sampled
    Q_other: ``total_Q_array``) + the material, film-scattering and roughness channels' nominal
    1/Q times their parabolas' ``ratio`` (``shifted_losses``; None: held at nominal), the
    roughness times the sampled rms factor squared too (surface scattering goes exactly as
    rms^2: solvers.losses.roughness). Where nothing moved it is the table's Q_total itself,
    so a zero-width scatter reproduces the nominal prediction bit for bit. ``q``, ``qi``:
    samples x modes; ``rms_factor``: per sample."""
    solver = total_Q_array(q, qi)
    f2 = np.asarray(rms_factor, dtype=float)[:, None] ** 2
    if ratio is None:
        ratio = np.ones((len(LOSS_CHANNELS), *q.shape))
    loss = comb.loss_inverse[:, None, :] * ratio
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.isfinite(solver) & (solver > 0), 1.0 / solver, 0.0) \
            + loss[0] + loss[1] + loss[2] * f2
        q_tot = np.where(inv > 0.0, 1.0 / inv, np.nan)
    unmoved = (q == comb.Q) & (f2 == 1.0) & np.all(ratio == 1.0, axis=0)
    if qi is not None and nominal_qi is not None:
        unmoved &= qi == nominal_qi
    return np.where(unmoved & np.isfinite(comb.Q_total), comb.Q_total, q_tot)


def _nearest_of_family(solved: dict, key: tuple, wavelength_nm: float) -> dict | None:
    """The solved mode of the same family (polarization, orders) nearest in wavelength."""
    same = [s for k, s in solved.items() if k[1:] == key[1:]]
    return min(same, key=lambda s: abs(s["wavelength_nm"] - wavelength_nm), default=None)


def _borrow(mode: dict, donor: dict, steps: dict) -> dict:
    """Sensitivities for ``mode`` (a mode some perturbed solve did not find) from its
    neighbour in the comb: the mode's own perturbed values where a solve found it, else the
    donor's relative wavelength shift, Q ratio, film-fraction change and loss-channel ratios
    (they vary slowly along a family's comb)."""
    lam0, dlam0 = float(mode["wavelength_nm"]), float(donor["wavelength_nm"])
    out = {**mode, "disk_energy_fraction": mode.get("disk_energy_fraction",
                                                    donor.get("disk_energy_fraction", math.nan)),
           "dispersion_factor": mode.get("dispersion_factor",
                                         donor.get("dispersion_factor", math.nan)),
           "minus": {}, "plus": {}}
    q0, dq0 = _q(mode.get("Q")), _q(donor.get("Q"))
    own_loss, donor_loss = mode.get("losses"), donor.get("losses")
    if donor_loss is not None:
        out["losses"] = own_loss if own_loss is not None else donor_loss
    for side in ("minus", "plus"):
        if donor_loss is not None:
            out["losses_" + side] = {}
        for name in steps:
            own = (mode.get(side) or {}).get(name)
            if own is not None:
                out[side][name] = own
            else:
                lam, q, gam = donor[side][name]
                ratio = _q(q) / dq0 if _finite_q(dq0) and _finite_q(q) else 1.0
                out[side][name] = [lam0 * float(lam) / dlam0,
                                   q0 * ratio if _finite_q(q0) else q0,
                                   float(mode["film_fraction"]) + float(gam)
                                   - float(donor["film_fraction"])]
            if donor_loss is None:
                continue
            mine = (mode.get("losses_" + side) or {}).get(name)
            if mine is not None:
                out["losses_" + side][name] = mine
            elif own_loss is None:
                out["losses_" + side][name] = donor["losses_" + side][name]
            else:
                theirs = donor["losses_" + side][name]
                out["losses_" + side][name] = {
                    c: v * theirs.get(c, 0.0) / donor_loss[c] if donor_loss.get(c) else v
                    for c, v in own_loss.items()}
    return out


def _q(x: Any) -> float:
    return math.nan if x is None else float(x)


def _inv(q: Any) -> float:
    q = _q(q)
    return 0.0 if math.isinf(q) and q > 0 else (1.0 / q if q > 0 else math.nan)


def _finite_q(q: Any) -> bool:
    q = _q(q)
    return math.isfinite(q) and q > 0.0


def _triple(v: list, log_q: bool) -> list[float]:
    """(wavelength, Q channel, film fraction) of one solve of a mode."""
    return [float(v[0]), math.log(_q(v[1])) if log_q else _inv(v[1]), float(v[2])]


def shifted_comb(comb: Comb, d: dict[str, np.ndarray], d0: dict[str, float],
                 dn: np.ndarray, n_disk: float) -> tuple[np.ndarray, ...]:
    """(wavelength, Q, film fraction) of every mode of every sample (samples x modes) and the
    mask of samples inside the solved box."""
    n = len(dn)
    lam = np.broadcast_to(comb.wavelength_nm, (n, comb.wavelength_nm.size)).copy()
    dinv = np.zeros_like(lam)
    gam = np.broadcast_to(comb.film_fraction, lam.shape).copy()
    inside = np.ones(n, bool)
    for name in DESCRIPTORS:
        delta = d[name] - d0[name]
        h = comb.steps.get(name, 0.0)
        if h == 0.0:
            inside &= delta == 0.0
            continue
        inside &= np.abs(delta) <= h
        dd = delta[:, None]
        s, c = comb.slope[name], comb.curve[name]
        lam += s[0] * dd + c[0] * dd * dd
        dinv += s[1] * dd + c[1] * dd * dd
        gam += s[2] * dd + c[2] * dd * dd
    moved = dn != 0.0
    if moved.any():
        factor = comb.dispersion * comb.disk_fraction  # nan without region energies
        lam = np.where(moved[:, None], lam * (1.0 + factor * (dn[:, None] / n_disk)), lam)
    q = np.broadcast_to(comb.Q, lam.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = comb.q_channel + dinv
        q_new = np.where(comb.log_q, np.exp(v), np.where(v > 0.0, 1.0 / v, np.inf))
    q = np.where(dinv == 0.0, q, q_new)
    return lam, q, np.clip(gam, 0.0, 1.0), inside


def sample_row(spec: Any, plan: Any, sens: dict, table: list[dict],
               scatter: ScatterSpec | None = None, n: int | None = None) -> pd.DataFrame:
    """One row per sampled disk of ``plan``'s row (``SAMPLE_COLUMNS``)."""
    scatter = scatter or spec.scatter
    nominal = row_inputs(spec, plan)
    drawn = draw_inputs(scatter, nominal, n)
    n = len(drawn["power_uW"])
    physical = physical_draws(drawn)
    inputs = _nominal_where(physical, drawn, nominal)
    d, anchored = descriptors(inputs, nominal)
    d0 = nominal_descriptors(nominal)
    window = tuple(spec.solver.window_nm)
    comb = build_comb(sens, table, window, roughness_rms(spec))
    lam, q, gam, inside = shifted_comb(comb, d, d0, inputs["disk_index_change"],
                                       nominal.disk_index)
    lo, hi = window
    in_window = (lam >= lo) & (lam <= hi)
    edge_ok = _edges_ok(comb, lam, window) & ~(comb.unsolved_near & _moved(
        d, d0, inputs["disk_index_change"]))
    film = spec.nanocrystals
    qi = None if nominal.intrinsic_Q is None else inputs["Q_other"][:, None]
    q_tot = sampled_total_Q(comb, q, qi, nominal.intrinsic_Q, inputs["roughness_rms_factor"],
                            shifted_losses(comb, d, d0))
    pred = predict_sampled(np.where(in_window, lam, np.nan), q_tot, gam,
                           inputs["concentration_per_cm3"], film, spec.pump)
    reason = np.where(~physical, "nonphysical_draw", np.where(
        ~anchored, "not_anchored", np.where(~inside, "outside_solved_range", np.where(
            ~edge_ok, "comb_edge", pred.reason))))
    ok = reason == pred.reason
    j = np.where(ok & (pred.mode_index >= 0), pred.mode_index, -1)
    rows = np.arange(n)
    pick = lambda a: np.where(j >= 0, a[rows, np.maximum(j, 0)], np.nan)  # noqa: E731
    keys = comb.keys

    def label(i: int) -> Any:
        return keys[i] if i >= 0 else (None, None, None, None)

    labels = [label(int(i)) for i in j]
    d_top = 2.0 * d["waist_um"] * np.sqrt(np.clip(d["log_overdose"], 0, None) / 2.0)
    foot = d["log_overdose"] - d["alpha_per_um"] * d["film_thickness_um"]
    d_foot = 2.0 * d["waist_um"] * np.sqrt(np.clip(foot, 0, None) / 2.0)
    return pd.DataFrame({
        "row": plan.row, "sample": rows,
        **{k: drawn[k] for k in ("power_uW", "dwell_ms", "waist_um",
                                  "threshold_dose_mJ_per_cm2", "film_thickness_um",
                                  "absorber_concentration_mg_per_mL", "disk_index_change",
                                  "nc_thickness_nm", "concentration_per_cm3", "Q_other",
                                  "roughness_rms_factor")},
        "top_diameter_um": np.where(physical, d_top, np.nan),
        "foot_diameter_um": np.where(physical, d_foot, np.nan),
        "lases": ok & pred.lases, "reason": reason,
        "lasing_m": pd.array([lb[0] for lb in labels], dtype="Int64"),
        "lasing_polarization": [lb[1] for lb in labels],
        "lasing_radial_order": pd.array([lb[2] for lb in labels], dtype="Int64"),
        "lasing_wavelength_nm": pick(lam),
        "threshold_N": np.where(ok, pred.threshold_N, np.nan),
        "threshold_fluence_uJ_per_cm2": np.where(ok, pred.threshold_fluence_uJ_per_cm2,
                                                 np.nan),
        "lasing_Q_total": np.where(j >= 0, pred.Q_total, np.nan),
        "lasing_film_fraction": pick(gam),
        "lasing_borrowed": (j >= 0) & comb.borrowed_modes[np.maximum(j, 0)]
        if comb.keys else np.zeros(n, bool),
    }, columns=list(SAMPLE_COLUMNS))


def roughness_rms(spec: Any) -> dict[str, float]:
    """The spec's rms height per rough interface, nm."""
    return {k: v.rms_nm for k, v in spec.loss_settings.roughness.items()}


def _moved(d: dict[str, np.ndarray], d0: dict[str, float], dn: np.ndarray) -> np.ndarray:
    """Per sample: some descriptor or the disk index differs from the nominal disk's."""
    return np.any([d[k] != d0[k] for k in DESCRIPTORS], axis=0) | (dn != 0.0)


def _edges_ok(comb: Comb, lam: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    """False for samples where a family's bluest (reddest) solved mode, shifted, sits less
    than one FSR inside the window's blue (red) edge: its unsolved neighbour could be in."""
    lo, hi = window
    ok = np.ones(lam.shape[0], bool)
    families: dict[tuple, list[int]] = {}
    for i, k in enumerate(comb.keys):
        families.setdefault(k[1:], []).append(i)
    for idx in families.values():
        fsr = np.nanmax(comb.fsr_nm[idx]) if np.isfinite(comb.fsr_nm[idx]).any() else 0.0
        blue = lam[:, idx].min(axis=1)
        red = lam[:, idx].max(axis=1)
        ok &= (blue - fsr < lo) & (red + fsr > hi)
    return ok

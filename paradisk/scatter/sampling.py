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
   1/Q, film fraction; ``solvers.sensitivity``) and the disk index by first-order
   perturbation theory.
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
    "comb_edge": "a mode beyond the solved comb could shift into the window (refused)",
}
SAMPLE_COLUMNS = (
    "row", "sample", "power_uW", "dwell_ms", "waist_um", "threshold_dose_mJ_per_cm2",
    "film_thickness_um", "absorber_concentration_mg_per_mL", "disk_index_change",
    "nc_thickness_nm", "concentration_per_cm3", "intrinsic_Q", "roughness_rms_factor",
    "top_diameter_um",
    "foot_diameter_um", "lases", "reason", "lasing_m", "lasing_polarization",
    "lasing_radial_order", "lasing_wavelength_nm", "threshold_N",
    "threshold_fluence_uJ_per_cm2", "lasing_Q_total", "lasing_film_fraction",
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
    out["intrinsic_Q"] = (np.full(n, np.nan) if nominal.intrinsic_Q is None
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
    qi = inputs["intrinsic_Q"]
    return ok & (np.isnan(qi) | (qi > 0.0))


def _nominal_where(mask: np.ndarray, inputs: dict, nominal: RowInputs) -> dict:
    """``inputs`` with the samples outside ``mask`` set to the nominal values (evaluated, then
    labelled; their drawn values stay in the table)."""
    fixed = {"disk_index_change": 0.0, "roughness_rms_factor": 1.0,
             "intrinsic_Q": math.nan if nominal.intrinsic_Q is None else nominal.intrinsic_Q}
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
    # per mode: 1/Q of the loss-budget channels the solver does not see, held at their
    # nominal values (material and film scattering; roughness apart, scaled by the sampled rms
    # factor squared); a mode beyond the window (no budget of its own) takes its family
    # neighbour's
    channels_inverse: np.ndarray
    roughness_inverse: np.ndarray
    # per mode: the Q the nominal threshold used (the table's Q_total; nan where none)
    Q_total: np.ndarray
    borrowed: int = 0  # nominal modes whose sensitivities come from a comb neighbour


def build_comb(sens: dict, table: list[dict], window_nm: tuple[float, float]) -> Comb:
    """The row's comb: the nominal values of the deterministic ``table`` (modes stage) where
    it has the mode, the sensitivity solve's elsewhere (modes beyond the window)."""
    from solvers.sensitivity import quadratic_coefficients

    det = {mode_key(r): r for r in table}
    lo, hi = window_nm
    rows = []
    solved = {mode_key(s): s for s in sens["modes"]}
    for key, s in solved.items():
        if key in det:
            rows.append((key, det[key], s))
        elif not lo <= s["wavelength_nm"] <= hi:
            rows.append((key, s, s))
    borrowed = 0
    for key, d in det.items():
        if key not in solved:
            donor = _nearest_of_family(solved, key, float(d["wavelength_nm"]))
            if donor is not None:
                rows.append((key, d, _borrow(d, donor, sens["steps"])))
                borrowed += 1
    rows.sort(key=lambda t: t[1]["wavelength_nm"])
    keys = [k for k, _, _ in rows]
    lam = np.array([float(b["wavelength_nm"]) for _, b, _ in rows])
    q = np.array([_q(b.get("Q")) for _, b, _ in rows])
    gam = np.array([float(b["film_fraction"]) for _, b, _ in rows])
    steps = dict(sens["steps"])
    # the Q channel: ln Q where every solve resolved the mode's Q (a leak through the gold
    # falls exponentially with the gap: ln Q is nearly linear in the geometry), else 1/Q
    # (0 for an unresolved Q)
    log_q = np.array([all(_finite_q(q) for q in [b.get("Q"), s.get("Q")]
                          + [s[side][k][1] for side in ("minus", "plus") for k in steps])
                      for _, b, s in rows], dtype=bool)
    slope, curve = {}, {}
    for name, h in steps.items():
        f0 = np.array([_triple([s["wavelength_nm"], s.get("Q"), s["film_fraction"]], lq)
                       for (_, _, s), lq in zip(rows, log_q, strict=True)]).T.reshape(3, -1)
        fm = np.array([_triple(s["minus"][name], lq)
                       for (_, _, s), lq in zip(rows, log_q, strict=True)]).T.reshape(3, -1)
        fp = np.array([_triple(s["plus"][name], lq)
                       for (_, _, s), lq in zip(rows, log_q, strict=True)]).T.reshape(3, -1)
        slope[name], curve[name] = quadratic_coefficients(f0, fm, fp, h)
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
    return Comb(keys=keys, wavelength_nm=lam, q_channel=q_channel, log_q=log_q, Q=q,
                film_fraction=gam,
                channels_inverse=_channels_inverse(keys, [b for _, b, _ in rows],
                                                   ("Q_material", "Q_film_scattering")),
                roughness_inverse=_channels_inverse(keys, [b for _, b, _ in rows],
                                                    ("Q_roughness",)),
                Q_total=np.array([_q(b.get("Q_total")) for _, b, _ in rows]),
                disk_fraction=np.array([float(s.get("disk_energy_fraction", math.nan))
                                        for _, _, s in rows]),
                dispersion=np.array([float(s.get("dispersion_factor", math.nan))
                                     for _, _, s in rows]),
                slope=slope, curve=curve, steps=steps, fsr_nm=fsr, borrowed=borrowed)


def _channels_inverse(keys: list[tuple], modes: list[dict],
                      channels: tuple[str, ...]) -> np.ndarray:
    """Per mode, the sum of 1/Q of the loss-budget ``channels`` (0 for a lossless channel); a
    mode without a budget (a sensitivity-solve mode beyond the window, or a table without loss
    columns) takes the nearest mode of its family that has one (these channels come from the
    field, which varies slowly along a family's comb), or 0 when no mode has one."""
    def inv(m: dict) -> float | None:
        qs = [_q(m.get(c)) for c in channels]
        if any(math.isnan(q) for q in qs):
            return None
        return sum(_inv(q) for q in qs)

    own = [inv(m) for m in modes]
    out = np.zeros(len(modes))
    for i, (key, m) in enumerate(zip(keys, modes, strict=True)):
        if own[i] is not None:
            out[i] = own[i]
            continue
        same = [j for j, k in enumerate(keys) if k[1:] == key[1:] and own[j] is not None]
        if same:
            j = min(same, key=lambda j: abs(float(modes[j]["wavelength_nm"])
                                             - float(m["wavelength_nm"])))
            out[i] = own[j]
    return out


def sampled_total_Q(comb: Comb, q: np.ndarray, qi: np.ndarray | None,
                    nominal_qi: float | None, rms_factor: np.ndarray) -> np.ndarray:
    """Each sampled mode's total Q: the solver's moved Q with the sampled Q_other
    (``total_Q_array``), the material and film-scattering channels at their nominal 1/Q, and
    the roughness channel's nominal 1/Q times the sampled rms factor squared (surface
    scattering goes exactly as rms^2: solvers.losses.roughness). Where nothing moved it is the
    table's Q_total itself, so a zero-width scatter reproduces the nominal prediction bit for
    bit. ``q``, ``qi``: samples x modes; ``rms_factor``: per sample."""
    solver = total_Q_array(q, qi)
    f2 = np.asarray(rms_factor, dtype=float)[:, None] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.isfinite(solver) & (solver > 0), 1.0 / solver, 0.0) \
            + comb.channels_inverse + comb.roughness_inverse * f2
        q_tot = np.where(inv > 0.0, 1.0 / inv, np.nan)
    unmoved = (q == comb.Q) & (f2 == 1.0)
    if qi is not None and nominal_qi is not None:
        unmoved &= qi == nominal_qi
    return np.where(unmoved & np.isfinite(comb.Q_total), comb.Q_total, q_tot)


def _nearest_of_family(solved: dict, key: tuple, wavelength_nm: float) -> dict | None:
    """The solved mode of the same family (polarization, orders) nearest in wavelength."""
    same = [s for k, s in solved.items() if k[1:] == key[1:]]
    return min(same, key=lambda s: abs(s["wavelength_nm"] - wavelength_nm), default=None)


def _borrow(mode: dict, donor: dict, steps: dict) -> dict:
    """Sensitivities for ``mode`` (a nominal mode the perturbed solves did not find) from its
    neighbour in the comb: the same relative wavelength shift, Q ratio and film-fraction
    change (they vary slowly along a family's comb)."""
    lam0, dlam0 = float(mode["wavelength_nm"]), float(donor["wavelength_nm"])
    out = {**mode, "disk_energy_fraction": donor.get("disk_energy_fraction", math.nan),
           "dispersion_factor": donor.get("dispersion_factor", math.nan),
           "minus": {}, "plus": {}}
    q0, dq0 = _q(mode.get("Q")), _q(donor.get("Q"))
    for side in ("minus", "plus"):
        for name in steps:
            lam, q, gam = donor[side][name]
            ratio = _q(q) / dq0 if _finite_q(dq0) and _finite_q(q) else 1.0
            out[side][name] = [lam0 * float(lam) / dlam0, q0 * ratio if _finite_q(q0) else q0,
                               float(mode["film_fraction"]) + float(gam)
                               - float(donor["film_fraction"])]
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
    comb = build_comb(sens, table, window)
    lam, q, gam, inside = shifted_comb(comb, d, d0, inputs["disk_index_change"],
                                       nominal.disk_index)
    lo, hi = window
    in_window = (lam >= lo) & (lam <= hi)
    edge_ok = _edges_ok(comb, lam, window)
    film = spec.nanocrystals
    qi = None if nominal.intrinsic_Q is None else inputs["intrinsic_Q"][:, None]
    q_tot = sampled_total_Q(comb, q, qi, nominal.intrinsic_Q, inputs["roughness_rms_factor"])
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
                                  "nc_thickness_nm", "concentration_per_cm3", "intrinsic_Q",
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
    }, columns=list(SAMPLE_COLUMNS))


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

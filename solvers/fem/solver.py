"""Mode search: one azimuthal number near a target, or a whole spectral window (m scan).

Scan strategy (m=None): the Airy asymptotics (solvers.fem.estimate) give the m range whose
fundamental-axial modes can fall in the window; one mesh serves the whole range (element sizes
for the shortest wavelength, inner cut for the smallest m). One m at the window centre
calibrates the estimate; then the scan goes outwards from it, up and then down, and for each m
the shift is placed at the predicted wavelengths of the requested families; predictions start
from the estimate and are corrected by the ratio found/estimated of the previous m, so after
the first m they are within a fraction of a free spectral range. Permittivities are evaluated
at the centre of the FemSettings.eps_update_nm bin holding the shift (the same whatever the
scan order); the residual material dispersion between there and the mode is
corrected by first-order perturbation theory of the complex symmetric pencil (error of second
order in the permittivity change, iterated to self-consistency in the mode's wavelength), and the
mode is re-solved with the permittivities at its own wavelength when the change exceeds
FemSettings.dispersion_rel_tol. The modes of the neighbouring m (and the one before) start the
eigen solver of m, and one factorisation serves several consecutive m (solvers.fem.formulation):
going outwards, the factorisation of the calibration m serves both directions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geometry.bodies import Body
from solvers.fem.analysis import ModeAnalysis, analyse
from solvers.fem.estimate import m_of_wavelength, m_range, wgm_wavelength_nm
from solvers.fem.formulation import Discretisation, k0_of_wavelength_nm, wavelength_nm_of_k0
from solvers.fem.mesh import Domain, build_domain, region_permittivities
from solvers.fem.settings import FemSettings
from solvers.modes import (
    DEFAULT_WINDOW_NM,
    POLARIZATIONS,
    ModeRecord,
    Polarization,
    check_mode_search,
)
from solvers.tier import refuse_in_fast_tier

# a physical mode keeps at least this fraction of its electric energy in the body and film
# (PML and box modes keep almost none): assumption, checked on spheres and disks
MIN_BODY_FRACTION = 0.3
# surface plasmons on the metal under the disk keep a large part of their energy in the metal
# (a WGM with 5 % there would have Q_abs of order 100): assumption
MAX_METAL_FRACTION = 0.05
# Im(k0)/Re(k0) carries a numerical noise of ~1e-10 on coarse meshes (measured on the 20 um
# disk at m = 150, where the true Q is > 1e12): a Q above this is reported as math.inf (raw
# number in extra["Q_raw"])
Q_RESOLVED_MAX = 1e9
# a growth rate Im(k0)/Re(k0) > 0 below this is taken as discretisation noise (the materials
# are passive, so no physical mode grows; box and PML modes are rejected by their energy
# fractions). The noise depends on the mesh, not on the mode: on the 10 um disk of
# examples/qs3_array.yaml (spec FEM settings) every TM fundamental of one mesh has the same
# +1.7e-9 to +2.0e-9 on the meshes of the 635-660 and 640-655 nm scans and +1.07e-7 on that of
# 621-659 nm (converged eigenvalues: unchanged with ARPACK tol 1e-12), while the wavelengths
# of one mode differ by up to 2.4e-6 between those meshes. The former bound, 1e-9, dropped
# these modes from one window and kept them in another; this one sits an order of magnitude
# above that discretisation error
GROWTH_NOISE = 1e-5

# Significant digits of what a mode record carries (and paradisk writes). The eigenvalue is a
# Rayleigh quotient (solvers.fem.formulation): repeated solves agree to ~1e-15 relative, but not
# bitwise, because NGSolve's sparse Cholesky factorisation is not bitwise reproducible from run
# to run and BLAS kernels differ between CPUs (OPENBLAS_CORETYPE). Rounding to what is
# meaningful makes identical runs, on any CPU, write identical numbers (a value straddling a
# rounding boundary within that noise remains possible; the chance is ~1e-5 per wavelength and
# ~Q * 1e-12 per Q):
# - wavelength and effective index: 10 digits (1e-10 relative; the discretisation error is
#   ~1e-7, tests/test_fem_mie.py);
# - Q, Q_radiation, Q_absorption: 4 digits (Q agrees with Mie to 0.1 %; Im(k0) carries an
#   absolute noise of ~1e-16 Re(k0), i.e. 1e-7 relative on a Q of 1e9, the largest resolved);
# - energy fractions and the mode volume: 6 digits (mesh error 1e-5 .. 1e-4).
WAVELENGTH_DIGITS = 10
Q_DIGITS = 4
FRACTION_DIGITS = 6


def _sig(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant digits (inf and nan unchanged)."""
    if not math.isfinite(value) or value == 0.0:
        return float(value)
    return float(f"{value:.{digits - 1}e}")


@dataclass
class _Problem:
    body: Body
    domain: Domain
    disc: Discretisation
    settings: FemSettings
    # eigenvectors of the modes kept at the last m (start of the next m's Krylov space)
    warm: list[np.ndarray] | None = None
    warm_prev: list[np.ndarray] | None = None  # those of the m before


def _validate(
    body: Body, window_nm: tuple[float, float] | None, polarizations: Sequence[str],
    max_radial_order: int, max_axial_order: int, m: int | None,
) -> tuple[tuple[float, float] | None, tuple[Polarization, ...]]:
    """The checks of ``find_modes``: those every solver makes (solvers.modes.check_mode_search),
    then the FEM's own (m, a body with a material index). Returns (window, polarizations)."""
    window, pols = check_mode_search(window_nm, polarizations, max_radial_order,
                                     max_axial_order)
    if m is not None and (not isinstance(m, int | np.integer) or m < 1):
        raise ValueError(f"m = {m!r}: must be an integer >= 1 (whispering-gallery modes)")
    if not hasattr(body, "index"):
        raise TypeError(f"body: {type(body).__name__} has no material index")
    return window, pols


def _corrected_k0(
    k0: complex, norms: dict[str, complex], domain: Domain, lam_eval_nm: float
) -> complex:
    """k0 with the permittivities re-evaluated at the mode's own wavelength, by first-order
    perturbation of the complex symmetric pencil: delta(k0^2) = -k0^2 x^T dB x / x^T B x."""
    eps0 = region_permittivities(domain, lam_eval_nm)
    denom = sum(eps0[r] * norms[r] for r in norms)
    k = k0
    for _ in range(20):
        lam = wavelength_nm_of_k0(k)
        eps1 = region_permittivities(domain, lam)
        num = sum((eps1[r] - eps0[r]) * norms[r] for r in norms)
        k_new = complex(np.sqrt(k0 * k0 * (1.0 - num / denom)))
        if abs(k_new - k) < 1e-14 * abs(k):
            return k_new
        k = k_new
    return k


def _solve_at(
    prob: _Problem, m: int, lam_shift_nm: float, nev: int,
    window: tuple[float, float] | None = None, eps_nm: float | None = None,
    near: tuple[list[float], float] | None = None,
) -> list[tuple[ModeAnalysis, float, np.ndarray]]:
    """Eigenpairs of azimuthal number m nearest lam_shift_nm; (analysis, eval wavelength,
    eigenvector). Eigenvalues whose wavelength is more than 1 % outside ``window``, or farther
    than near[1] nm from every wavelength in near[0], are not analysed."""
    lam_eps = lam_shift_nm if eps_nm is None else eps_nm
    eps = region_permittivities(prob.domain, lam_eps)
    k2, vecs = prob.disc.solve(
        m, eps, k0_of_wavelength_nm(lam_shift_nm), nev, prob.settings.inverse, prob.warm,
        prob.warm_prev,
    )
    out = []
    for i, kk in enumerate(k2):
        k0 = complex(np.sqrt(kk))
        if k0.real <= 0.0:
            continue
        lam = wavelength_nm_of_k0(k0)
        if window is not None and not 0.99 * window[0] <= lam <= 1.01 * window[1]:
            continue
        if near is not None and min(abs(lam - t) for t in near[0]) > near[1]:
            continue
        an = analyse(prob.disc, prob.domain, prob.body, vecs[:, i], kk, eps, m)
        out.append((an, lam_eps, vecs[:, i]))
    return out


def _record(
    prob: _Problem, m: int, an: ModeAnalysis, lam_eval_nm: float
) -> tuple[ModeRecord, float]:
    """Mode record with the dispersion correction; returns (record, relative correction)."""
    k0 = _corrected_k0(an.k0, an.region_norms, prob.domain, lam_eval_nm)
    lam = wavelength_nm_of_k0(k0)
    moved = abs(k0 - an.k0) / abs(an.k0)
    q_raw = k0.real / (2.0 * abs(k0.imag)) if k0.imag != 0 else math.inf
    q = q_raw if (k0.imag < 0.0 and q_raw <= Q_RESOLVED_MAX) else math.inf
    q_abs = an.Q_absorption
    inv_rad = 1.0 / q - (0.0 if math.isinf(q_abs) else 1.0 / q_abs)
    rim = prob.body.rim_radius_um
    rec = ModeRecord(
        m=int(m),
        wavelength_nm=_sig(lam, WAVELENGTH_DIGITS),
        Q=_sig(q, Q_DIGITS),
        polarization=an.polarization,  # type: ignore[arg-type]
        radial_order=an.radial_order,
        axial_order=an.axial_order,
        film_fraction=_sig(an.film_fraction, FRACTION_DIGITS),
        effective_index=_sig(m / (k0.real * rim), WAVELENGTH_DIGITS),
        solver="fem",
        Q_radiation=_sig(math.inf if inv_rad <= 0 else 1.0 / inv_rad, Q_DIGITS),
        Q_absorption=_sig(q_abs, Q_DIGITS),
        mode_volume_um3=_sig(an.mode_volume_um3, FRACTION_DIGITS),
        extra={
            "ndof": prob.disc.ndof,
            "normal_fraction": _sig(an.normal_fraction, FRACTION_DIGITS),
            "body_fraction": _sig(an.body_fraction, FRACTION_DIGITS),
            "r_in_um": prob.domain.r_in_um,
            "peak_r_um": an.peak_r_um,
            "peak_z_um": an.peak_z_um,
            "permittivity_wavelength_nm": lam_eval_nm,
            "Q_raw": _sig(q_raw, Q_DIGITS),
        },
        field_rz=an.field,
    )
    return rec, moved


def _keep(
    an: ModeAnalysis, pols: Sequence[str], max_radial: int, max_axial: int
) -> bool:
    return (
        an.body_fraction >= MIN_BODY_FRACTION
        and an.metal_fraction <= MAX_METAL_FRACTION
        and an.polarization in pols
        and an.radial_order <= max_radial
        and an.axial_order <= max_axial
        and an.k0.imag <= GROWTH_NOISE * an.k0.real
    )


def _modes_for_m(
    prob: _Problem, m: int, lam_shift_nm: float, nev: int, pols: Sequence[str],
    max_radial: int, max_axial: int, window: tuple[float, float] | None,
    eps_nm: float | None = None, near: tuple[list[float], float] | None = None,
) -> list[ModeRecord]:
    """Modes of azimuthal number m near lam_shift_nm (permittivities at eps_nm, default the
    shift), with dispersion handled: modes whose
    first-order correction is too large are re-solved together with the permittivities at
    their mean wavelength (one more factorisation)."""
    found: list[ModeRecord] = []
    redo: list[tuple[ModeAnalysis, ModeRecord]] = []
    warm: list[np.ndarray] = []
    for an, lam_eval, vec in _solve_at(prob, m, lam_shift_nm, nev, window, eps_nm, near):
        if not _keep(an, pols, max_radial, max_axial):
            continue
        warm.append(vec)
        rec, moved = _record(prob, m, an, lam_eval)
        if moved > prob.settings.dispersion_rel_tol:
            redo.append((an, rec))
        else:
            found.append(rec)
    if redo:
        lam_new = float(np.mean([r.wavelength_nm for _, r in redo]))
        again = [
            (a2, le) for a2, le, _ in _solve_at(prob, m, lam_new, len(redo) + 2, window)
            if _keep(a2, pols, max_radial, max_axial)
        ]
        for an, rec in redo:
            match = [
                (a2, le) for a2, le in again
                if (a2.polarization, a2.radial_order, a2.axial_order)
                == (an.polarization, an.radial_order, an.axial_order)
            ]
            if match:
                rec, _ = _record(prob, m, *min(
                    match, key=lambda p: abs(wavelength_nm_of_k0(p[0].k0) - rec.wavelength_nm)
                ))
            found.append(rec)
    if warm:
        prob.warm_prev, prob.warm = prob.warm, warm
    else:
        prob.warm_prev = prob.warm = None
    if window is not None:
        found = [r for r in found if window[0] <= r.wavelength_nm <= window[1]]
    return _dedupe(found)


def _dedupe(recs: list[ModeRecord]) -> list[ModeRecord]:
    """Records sorted by wavelength, with repeats of one mode (the same m and polarization found
    from two shifts, wavelengths within 1e-7 relative) dropped. A TE and a TM mode of one m are
    kept even when their wavelengths coincide. (Orders are not compared: the order count of a
    repeat could in principle flip, and two modes of one m and one polarization within 1e-7
    would be numerically indistinguishable anyway.)"""
    out: list[ModeRecord] = []
    for r in sorted(recs, key=lambda r: r.wavelength_nm):
        if any(
            (o.m, o.polarization) == (r.m, r.polarization)
            and abs(o.wavelength_nm - r.wavelength_nm) < 1e-7 * r.wavelength_nm
            for o in out[-8:]
        ):
            continue
        out.append(r)
    return out


def find_modes(
    body: Body,
    m: int | None = None,
    window_nm: tuple[float, float] | None = DEFAULT_WINDOW_NM,
    polarizations: Sequence[str] = POLARIZATIONS,
    settings: FemSettings | None = None,
    max_radial_order: int = 1,
    max_axial_order: int = 0,
    target_nm: float | None = None,
    nev: int | None = None,
) -> list[ModeRecord]:
    """Whispering-gallery modes of ``body`` by axisymmetric finite elements.

    - ``m`` given: the modes of that azimuthal number among the ``nev`` nearest ``target_nm``
      (default: between the analytic estimates of the requested families, clipped to the
      window), kept when inside ``window_nm`` (if given).
    - ``m=None``: every mode of the requested families (polarizations, radial order <=
      max_radial_order, axial order <= max_axial_order) inside ``window_nm``, scanning m.

    Returns ModeRecords sorted by wavelength (nm); Q includes radiation (PML) and absorption.
    """
    settings = settings or FemSettings()
    window_nm, pols = _validate(body, window_nm, polarizations, max_radial_order,
                                max_axial_order, m)
    refuse_in_fast_tier("FEM mode solve")
    n_env = body.surroundings.environment_index
    rim = body.rim_radius_um
    nev_eff = nev or settings.nev
    if m is not None:
        if target_nm is not None:
            targets = [target_nm]
        else:
            targets = sorted({
                wgm_wavelength_nm(m, rim, body.index, n_env, p, q)
                for p in pols for q in range(1, max_radial_order + 1)
            })
            if window_nm is not None:
                targets = [min(max(t, window_nm[0]), window_nm[1]) for t in targets]
        lam_mesh = 0.95 * min(targets)  # element sizes for modes down to 5 % bluer
        if window_nm is not None:
            lam_mesh = max(lam_mesh, window_nm[0])
        domain = build_domain(body, lam_mesh, settings, m_min=m)
        prob = _Problem(body, domain, Discretisation(domain, settings.order), settings)
        shift = 0.5 * (targets[0] + targets[-1])
        recs = _modes_for_m(
            prob, m, shift, max(nev_eff, 2 * len(targets) + 2), pols, max_radial_order,
            max_axial_order, window_nm,
        )
        if target_nm is None:
            recs += _missing_families(prob, m, recs, pols, max_radial_order, max_axial_order,
                                      window_nm)
        return _dedupe(recs)
    if window_nm is None:
        raise ValueError("window_nm: required when m is None (the scan needs a window)")
    return scan_window(
        body, window_nm, pols, settings, max_radial_order, max_axial_order, nev_eff
    )


def _missing_families(
    prob: _Problem, m: int, recs: list[ModeRecord], pols: Sequence[str], max_radial: int,
    max_axial: int, window: tuple[float, float] | None,
) -> list[ModeRecord]:
    """Second look for the fundamental-axial families the first shift missed (other modes
    closer to it): their estimates are rescaled by the found/estimated ratio of a family that
    was found, and each gets its own shift."""
    body = prob.body
    rim, n_env = body.rim_radius_um, body.surroundings.environment_index
    fams = [(p, q) for p in pols for q in range(1, max_radial + 1)]
    got = {(r.polarization, r.radial_order): r for r in recs if r.axial_order == 0}
    missing = [f for f in fams if f not in got]
    if not missing or not got:
        return []
    ref_f, ref = next(iter(got.items()))
    ratio = ref.wavelength_nm / wgm_wavelength_nm(m, rim, body.index, n_env, *ref_f)
    extra: list[ModeRecord] = []
    for f in missing:
        lam = ratio * wgm_wavelength_nm(m, rim, body.index, n_env, *f)
        prob.warm = prob.warm_prev = None
        if window is not None and not window[0] <= lam <= window[1]:
            continue
        extra += [
            r for r in _modes_for_m(prob, m, lam, 6, pols, max_radial, max_axial, window)
            if (r.polarization, r.radial_order) == f
        ]
    return extra


def _margin_nm(calibrated: bool, fsr_nm: float, edge_nm: float) -> float:
    """How far outside a window edge a predicted wavelength is still solved for, nm."""
    return 0.25 * fsr_nm if calibrated else 0.01 * edge_nm


def _permittivity_wavelength_nm(shift_nm: float, step_nm: float) -> float:
    """Wavelength the permittivities of a scan's shift are evaluated at: the centre of the
    ``step_nm`` wide bin (counted from 0 nm) holding the shift, so within step_nm / 2 of it
    and the same whatever order the m are solved in (and in every window holding the shift)."""
    return step_nm * (math.floor(shift_nm / step_nm) + 0.5)


def scan_window(
    body: Body,
    window_nm: tuple[float, float],
    polarizations: Sequence[str],
    settings: FemSettings,
    max_radial_order: int,
    max_axial_order: int,
    nev: int,
) -> list[ModeRecord]:
    """All requested modes inside ``window_nm`` over the estimated m range (see module doc)."""
    n_env = body.surroundings.environment_index
    rim = body.rim_radius_um
    lo, hi = window_nm
    wide = m_range(window_nm, rim, body.index, n_env, polarizations, max_radial_order,
                   margin=0.06)
    if not wide:
        return []
    domain = build_domain(body, lo, settings, m_min=wide[0], m_max=wide[-1])
    prob = _Problem(body, domain, Discretisation(domain, settings.order), settings)
    families = [(p, q) for p in polarizations for q in range(1, max_radial_order + 1)]
    ratio = {f: 1.0 for f in families}  # found / estimated wavelength, per family
    calibrated: set[tuple[str, int]] = set()

    def estimate(f: tuple[str, int], m: int) -> float:
        return wgm_wavelength_nm(m, rim, body.index, n_env, f[0], f[1], 0.5 * (lo + hi))

    # calibration: one m at the window centre corrects the asymptotic estimate (bodies that are
    # not spheres: effective radius and index differ by a few percent)
    m_c = max(1, round(m_of_wavelength(0.5 * (lo + hi), rim, body.index, n_env,
                                       polarizations[0], 1)))
    first = [estimate(f, m_c) for f in families]
    recs_c = _modes_for_m(
        prob, m_c, 0.5 * (min(first) + max(first)), max(nev, 2 * len(families) + 2),
        polarizations, max_radial_order, max_axial_order, None,
    )
    recs_c += _missing_families(prob, m_c, recs_c, polarizations, max_radial_order,
                                max_axial_order, None)
    for r in recs_c:
        f = (r.polarization, r.radial_order)
        if f in ratio and r.axial_order == 0:
            ratio[f] = r.wavelength_nm / estimate(f, m_c)
            calibrated.add(f)
    ms = sorted({
        m for m in wide for f in families
        if 0.995 * lo <= ratio[f] * estimate(f, m) <= 1.005 * hi
    })
    # extend past the wide range if the calibrated families still reach into the window
    while ms and any(0.995 * lo <= ratio[f] * estimate(f, ms[-1] + 1) <= 1.005 * hi
                     for f in families):
        ms.append(ms[-1] + 1)
    while ms and ms[0] > 1 and any(
        0.995 * lo <= ratio[f] * estimate(f, ms[0] - 1) <= 1.005 * hi for f in families
    ):
        ms.insert(0, ms[0] - 1)
    found: list[ModeRecord] = [r for r in recs_c if lo <= r.wavelength_nm <= hi]
    done_c = all(f in calibrated for f in families)
    # outwards from m_c, up and then down: every m starts from the modes of its neighbour and
    # near the factorisation of m_c or of a neighbour
    at_c = (dict(ratio), set(calibrated))
    warm_of = {m_c: prob.warm}  # the start vectors left by m_c and m_c + 1
    up = [m for m in ms if m >= m_c]
    down = [m for m in reversed(ms) if m < m_c]
    for m in up + down:
        if down and m == down[0]:
            ratio, calibrated = dict(at_c[0]), set(at_c[1])
            prob.warm, prob.warm_prev = warm_of.get(m_c), warm_of.get(m_c + 1)
        if m == m_c + 1:
            warm_of[m_c] = prob.warm
        if m == m_c and done_c:
            continue
        pred = {f: ratio[f] * estimate(f, m) for f in families}
        fsr = 0.5 * (lo + hi) / m  # upper bound of the free spectral range, nm
        # a family calibrated on a neighbouring m is predicted to ~1 % of a free spectral range
        # (measured on the 20 um disk: 0.03-0.05 nm for a 4 nm FSR), so its modes predicted more
        # than a quarter FSR outside the window are not solved for; others keep a 1 % margin
        targets = sorted(
            v for f, v in pred.items()
            if lo - _margin_nm(f in calibrated, fsr, lo) <= v
            <= hi + _margin_nm(f in calibrated, fsr, hi)
        )
        if not targets:
            continue
        # one shift per cluster of predicted wavelengths closer than 2 % (one factorisation)
        clusters: list[list[float]] = [[targets[0]]]
        for t in targets[1:]:
            if t - clusters[-1][0] < 0.02 * t:
                clusters[-1].append(t)
            else:
                clusters.append([t])
        for cl in clusters:
            shift = 0.5 * (cl[0] + cl[-1])
            eps_at = _permittivity_wavelength_nm(shift, settings.eps_update_nm)
            fams = [f for f in families if pred[f] in cl]
            recs: list[ModeRecord] = []
            if all(f in calibrated for f in fams):
                # predictions within a small fraction of a free spectral range (and the last
                # modes as Arnoldi start): one eigenvalue per family plus one, and only those
                # near a prediction are analysed
                recs = _modes_for_m(
                    prob, m, shift, len(cl) + 1, polarizations, max_radial_order,
                    max_axial_order, None, eps_at, (cl, 0.3 * fsr),
                )
            got = {(r.polarization, r.radial_order) for r in recs if r.axial_order == 0}
            if not all(f in got for f in fams):
                prob.warm = prob.warm_prev = None
                recs = _modes_for_m(
                    prob, m, shift, max(nev, 2 * len(cl) + 2), polarizations,
                    max_radial_order, max_axial_order, None, eps_at,
                )
            for r in recs:
                f = (r.polarization, r.radial_order)
                if f in pred and r.axial_order == 0:
                    ratio[f] = r.wavelength_nm / estimate(f, m)
                    calibrated.add(f)
                if lo <= r.wavelength_nm <= hi:
                    found.append(r)
        if m == m_c + 1:
            warm_of[m] = prob.warm
    return _dedupe(sorted(found, key=lambda r: r.wavelength_nm))


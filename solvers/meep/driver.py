"""The Meep driver: ``find_modes`` by cylindrical FDTD runs in worker subprocesses.

``find_modes(body, m=..., window_nm=(lo, hi), polarizations=("TE", "TM"), settings=None, ...)
-> list[ModeRecord]``, the same entry point and records as solvers.fem.

Every Meep simulation runs in a worker subprocess (solvers.meep.worker, started by
solvers.meep.runner): importing Debian's Meep 1.25 sets flush-to-zero for the whole process,
and a crash or a blow-up must not take the caller down. This package never imports Meep.

For each azimuthal number m and each polarization family:

1. broadband run: a Gaussian source near the rim (E_z for TE, E_r for TM: solvers/modes.py),
   Harminv at several probe points after the source, the spurious-hit rule of
   solvers.meep.hits; the ring-down time follows ``MeepSettings.q_target``;
2. second run (when the body has a coating or ``settings.fields``): the same structure with
   the film permittivity times (1 + FILM_PERTURBATION), Harminv again and DFT fields at the
   frequencies of run 1. The film fraction is the first-order perturbation result

       Gamma = -2 (delta f / f) / (delta eps / eps_film),

   the same quantity as solvers.energy's film fraction (the denominator of first-order
   perturbation theory in dispersive media is the energy weight solvers.energy uses), free of
   the pixelation of a 30 nm film; the DFT fields give the (r, z) map, the polarization and
   the radial/axial orders (solvers.meep.fields) and a pixel-sum film fraction as a check.

Absorbing media: a complex index n + i k (a number, like the FEM solver takes) becomes a
constant medium with Meep's D-conductivity, exact at the window's centre
(solvers.meep.dispersion.absorbing_constant_medium), so 1/Q(n + i k) - 1/Q(n) at one
resolution is the mode's material-absorption 1/Q. Checked against the FEM loss budget's
Q_material (solvers.losses.material; tests/test_meep_material_loss.py): 0.45-0.47 % off at
20 pixels/um, 0.31-0.33 % at 30/um on a 1.5 um disk of n = 2.5 (TM-TE), first order in the
pixel size (Meep's sub-pixel smoothing is second order for lossless dielectrics only: Meep
docs, "Subpixel Smoothing"); the two extrapolate to within 6e-4. Named transparent materials
(SU8, glass) stay lossless fits: their bulk absorption is the loss budget's (solvers.losses).

Resolution: ``MeepSettings.resolution`` or ``pixels_per_wavelength`` per shortest wavelength in
the highest index, times ``PARADISK_MEEP_RESOLUTION_SCALE`` (CI). With the default
``accurate_fields_near_cylorigin=False`` Meep 1.25 zeroes the fields within |m| pixels of the
axis: solvers.meep.scene.check_axis_zone raises when that zone reaches the mode.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from solvers.fields import normalised_field_map
from solvers.meep.fields import analyse_field, scene_eps_grid
from solvers.meep.hits import HitRule, Resonance, select_resonances
from solvers.meep.runner import print_progress, run_worker
from solvers.meep.scene import (
    SOURCE_COMPONENT,
    Scene,
    auto_resolution,
    build_scene,
    check_axis_zone,
    rim_points,
)
from solvers.meep.settings import MeepSettings
from solvers.modes import DEFAULT_WINDOW_NM, POLARIZATIONS, ModeRecord, check_mode_search

# relative change of the film permittivity in the perturbation run: small enough for first
# order (the second-order error is ~ FILM_PERTURBATION * Gamma / 2, < 0.5 %), large enough that
# the shift (~ 5e-3 Gamma relative) stands far above Harminv's 1e-8 frequency noise
FILM_PERTURBATION = 0.01


def ringdown_time(settings: MeepSettings, f_lo: float) -> float:
    """Harminv time after the source (Meep units, um/c): a fiftieth of the energy decay time
    Q / (2 pi f) of a mode with Q = ``q_target``, bounded by the min/max ring-down periods of
    the longest period in the band (Harminv resolved Q = 1e7 to 3e-4 with ~320 periods:
    measured)."""
    periods = settings.q_target / (2.0 * math.pi * 50.0)
    periods = min(max(periods, settings.min_ringdown_periods), settings.max_ringdown_periods)
    return periods / f_lo


def _snap(x: float, res: float) -> float:
    return round(x * res) / res


def make_job(
    scene: Scene, m: int, polarization: str, settings: MeepSettings,
    dft_freqs: Sequence[float] = (), courant: float | None = None,
) -> dict[str, Any]:
    """The worker job (JSON data) for one broadband run of ``scene``."""
    lo, hi = scene.wavelength_band_nm
    f_lo, f_hi = 1.0e3 / hi, 1.0e3 / lo
    fcen = 0.5 * (f_lo + f_hi)
    source, probes = rim_points(scene, 1.0 / fcen, settings.n_probes)
    comp = SOURCE_COMPONENT[polarization]
    job: dict[str, Any] = {
        "scene": scene.to_json(),
        "m": int(m),
        "courant": float(courant if courant is not None else settings.courant),
        "accurate_fields_near_cylorigin": settings.accurate_fields_near_cylorigin,
        "source": {"component": comp, "r": source[0], "z": source[1], "fcen": fcen,
                   "fwidth": 1.5 * (f_hi - f_lo)},
        "probes": [list(p) for p in probes],
        "probe_component": comp,
        "harminv": {"fcen": fcen, "df": 1.3 * (f_hi - f_lo)},
        "ringdown_time": ringdown_time(settings, f_lo),
        "progress_interval_s": 5.0,
    }
    if dft_freqs:
        res = scene.resolution
        outline = scene.extra["outline"]
        pad = 0.3 * hi * 1e-3
        rmin_b, zmin_b, rmax_b, zmax_b = outline.bounds
        ra = max(scene.r_min, rmin_b - pad)
        rb = min(scene.r_max - scene.pml_um, rmax_b + pad)
        za = max(scene.z_min + scene.pml_um, zmin_b - pad)
        zb = min(scene.z_max - scene.pml_um, zmax_b + pad)
        # snapped to the grid, relative to the cell's corner (the worker centres z on 0)
        zc = 0.5 * (scene.z_min + scene.z_max)
        job["dft_region"] = {
            "r": [scene.r_min + _snap(ra - scene.r_min, res),
                  scene.r_min + _snap(rb - scene.r_min, res)],
            "z": [zc + _snap(za - zc, res), zc + _snap(zb - zc, res)],
        }
        job["dft_freqs"] = [float(f) for f in dft_freqs]
    return job


def _resolve_settings(settings: Any, overrides: dict[str, Any]) -> MeepSettings:
    if settings is None:
        base = MeepSettings()
    elif isinstance(settings, MeepSettings):
        base = settings
    elif hasattr(settings, "meep") and isinstance(settings.meep, MeepSettings):
        base = settings.meep  # a SolverSettings
    else:
        raise TypeError(f"settings = {settings!r}: must be a MeepSettings or SolverSettings")
    unknown = set(overrides) - set(MeepSettings.model_fields)
    if unknown:
        raise TypeError(
            f"find_modes(solver='meep') got unknown options {sorted(unknown)}; allowed: the "
            f"MeepSettings fields {sorted(MeepSettings.model_fields)}"
        )
    if overrides:
        return MeepSettings.model_validate({**base.model_dump(), **overrides})
    return base


def _run(job: dict[str, Any], settings: MeepSettings, label: str, show: bool,
         workdir: Any) -> Any:
    return run_worker(
        job, timeout_s=settings.timeout_s, max_retries=settings.max_retries,
        retry_factor=settings.courant_retry_factor,
        progress=print_progress(label) if show else None, workdir=workdir,
    )


def _merge_families(found: list[tuple[str, Resonance, dict]]) -> list[tuple[str, Resonance, dict]]:
    """A mode excited by both sources shows in both runs: keep it once (the hit with the
    smaller Harminv error), with its polarization decided later from its fields."""
    found = sorted(found, key=lambda t: t[1].freq)
    out: list[tuple[str, Resonance, dict]] = []
    for item in found:
        if out:
            prev = out[-1][1]
            q = min(abs(prev.Q) if math.isfinite(prev.Q) else 1e12,
                    abs(item[1].Q) if math.isfinite(item[1].Q) else 1e12)
            tol = max(2e-6 * item[1].freq, item[1].freq / (10.0 * q))
            if abs(item[1].freq - prev.freq) <= tol and item[0] != out[-1][0]:
                if item[1].err < prev.err:
                    out[-1] = item
                continue
        out.append(item)
    return out


def _modes_for_m(
    body: Any, m: int, window: tuple[float, float], pols: Sequence[str],
    settings: MeepSettings, resolution: float, show: bool, workdir: Any,
    rule: HitRule, second_run: bool = True,
) -> list[tuple[str, Resonance, dict]]:
    """Run 1 (+ run 2) for every family; (run family, resonance, details) per mode."""
    check_axis_zone(body, m, resolution, settings, window)
    scene = build_scene(body, window, settings, resolution)
    f_lo, f_hi = 1.0e3 / window[1], 1.0e3 / window[0]
    has_film = scene.film_material is not None
    found: list[tuple[str, Resonance, dict]] = []
    for pol in pols:
        wr = _run(make_job(scene, m, pol, settings), settings, f"m={m} {pol}", show, workdir)
        res1 = select_resonances(wr.result["hits"], f_lo, f_hi, rule)
        details: dict[str, Any] = {
            "resolution": resolution, "courant": wr.courant, "courant_retries": wr.retries,
            "wall_s": wr.result["wall_s"], "timesteps": wr.result["timesteps"],
            "pixels": wr.result["pixels"],
        }
        if res1 and second_run and (has_film or settings.fields):
            scene2 = (build_scene(body, window, settings, resolution,
                                  film_eps_factor=1.0 + FILM_PERTURBATION)
                      if has_film else scene)
            freqs = [r.freq for r in res1] if settings.fields else []
            wr2 = _run(make_job(scene2, m, pol, settings, dft_freqs=freqs,
                                courant=wr.courant),
                       settings, f"m={m} {pol} (fields)", show, workdir)
            details["wall_s"] += wr2.result["wall_s"]
            res2 = select_resonances(wr2.result["hits"], f_lo * (1 - 2 * FILM_PERTURBATION),
                                     f_hi, rule) if has_film else []
            for i, r in enumerate(res1):
                d = dict(details)
                if has_film:
                    d["film_fraction"] = _film_fraction(r, res2)
                if wr2.fields is not None:
                    r_um = np.asarray(wr2.result["grid"]["r"])
                    z_um = np.asarray(wr2.result["grid"]["z"])
                    # the physical body's eps at the mode's frequency (not Meep's f = 0 grid)
                    eps = scene_eps_grid(scene, r_um, z_um, 1e3 / r.freq).real
                    fm, _ = normalised_field_map(r_um, z_um, wr2.fields["Er"][i],
                                                 wr2.fields["Ep"][i], wr2.fields["Ez"][i], eps)
                    film_eps = (scene.materials[scene.film_material].permittivity(
                        1e3 / r.freq).real if has_film else None)
                    d["field"] = fm
                    d["analysis"] = analyse_field(
                        fm, scene.extra["body_polygon"], scene.extra["coating_polygon"],
                        film_eps, scene.rim_r, scene.rim_z)
                found.append((pol, r, d))
        else:
            found += [(pol, r, dict(details)) for r in res1]
    return _merge_families(found)


def _film_fraction(r: Resonance, perturbed: list[Resonance]) -> float:
    """Gamma = -2 (f' - f) / (f delta): the perturbed mode is the nearest one below f within
    the largest possible shift (Gamma <= 1)."""
    cands = [p for p in perturbed
             if -0.75 * FILM_PERTURBATION * r.freq <= p.freq - r.freq <= 1e-7 * r.freq]
    if not cands:
        return math.nan
    p = min(cands, key=lambda p: abs(p.freq - r.freq))
    return float(min(max(-2.0 * (p.freq - r.freq) / (r.freq * FILM_PERTURBATION), 0.0), 1.0))


def _record(body: Any, m: int, pol: str, r: Resonance, d: dict) -> ModeRecord:
    an = d.get("analysis")
    lam = r.wavelength_nm
    extra = {k: v for k, v in d.items() if k not in ("field", "analysis", "film_fraction")}
    extra.update({"harminv_err": r.err, "harminv_amp": r.amp, "n_probes": r.n_probes,
                  "run_family": pol})
    if an is not None:
        extra.update({"film_fraction_dft": an.film_fraction_dft,
                      "normal_fraction": an.normal_fraction, "body_fraction": an.body_fraction,
                      "peak_r_um": an.peak_r_um, "peak_z_um": an.peak_z_um})
    return ModeRecord(
        m=int(m),
        wavelength_nm=lam,
        Q=r.Q,
        polarization=an.polarization if an is not None else pol,  # type: ignore[arg-type]
        radial_order=an.radial_order if an is not None else 0,
        axial_order=an.axial_order if an is not None else 0,
        film_fraction=d.get("film_fraction", 0.0 if body.surroundings.coating is None
                            else math.nan),
        effective_index=m * lam * 1e-3 / (2.0 * math.pi * body.rim_radius_um),
        solver="meep",
        mode_volume_um3=an.mode_volume_um3 if an is not None else None,
        wavelength_error_nm=lam * r.freq_error / r.freq,
        Q_error=r.Q_error,
        extra=extra,
        field_rz=d.get("field"),
    )


def find_modes(
    body: Any,
    m: int | None = None,
    window_nm: tuple[float, float] | None = DEFAULT_WINDOW_NM,
    polarizations: Sequence[str] = POLARIZATIONS,
    settings: MeepSettings | Any | None = None,
    max_radial_order: int = 1,
    max_axial_order: int = 0,
    target_nm: float | None = None,
    nev: int | None = None,
    progress: bool = True,
    workdir: str | None = None,
    hit_rule: HitRule | None = None,
    **overrides: Any,
) -> list[ModeRecord]:
    """Whispering-gallery modes of ``body`` (geometry.bodies) by cylindrical Meep FDTD.

    - ``m`` given: the modes of that azimuthal number inside ``window_nm`` (nm). With
      ``window_nm=None`` the window is ``target_nm`` +- 3 % (``target_nm`` is required then).
    - ``m=None``: every m whose estimated fundamental-axial modes (the Airy asymptotics of
      solvers.fem.estimate) can fall in the window, each run as above.

    Modes whose fields were computed (``settings.fields``, the default) are kept when their
    polarization is requested, radial order <= ``max_radial_order`` and axial order <=
    ``max_axial_order``; without fields, radial_order and axial_order are 0 (unknown) and
    the polarization is that of the source that found the mode. ``nev`` is accepted for
    compatibility with the FEM solver and ignored (Harminv finds every mode of the band).
    ``settings``: MeepSettings (or a SolverSettings, whose ``.meep`` is used); keyword
    ``overrides`` are MeepSettings fields (e.g. ``resolution=60``). ``progress`` prints the
    progress of runs longer than a few seconds to stderr. Returns records sorted by wavelength.
    Raises solvers.meep.runner.MeepWorkerError when a worker fails,
    solvers.meep.scene.GeometryResolutionError when the grid cannot
    represent the mode.
    """
    del nev
    s = _resolve_settings(settings, overrides)
    if window_nm is None:
        if target_nm is None:
            raise ValueError("window_nm = None needs target_nm (nm)")
        window_nm = (0.97 * target_nm, 1.03 * target_nm)
    window, pols = check_mode_search(window_nm, polarizations, max_radial_order,
                                     max_axial_order)
    assert window is not None
    lo, hi = window
    if m is not None and (not isinstance(m, int | np.integer) or m < 0):
        raise ValueError(f"m = {m!r}: must be an integer >= 0")
    if m is None:
        from solvers.fem.estimate import m_range  # analytic only (no FEM run)

        ms = m_range((lo, hi), body.rim_radius_um, body.index,
                     body.surroundings.environment_index, pols, max_radial_order)
    else:
        ms = [int(m)]
    resolution = auto_resolution(body, (lo, hi), s)
    rule = hit_rule or HitRule(min_probes=min(2, s.n_probes))
    records: list[ModeRecord] = []
    for mm in ms:
        for pol, r, d in _modes_for_m(body, mm, (lo, hi), pols, s, resolution, progress,
                                      workdir, rule):
            rec = _record(body, mm, pol, r, d)
            if rec.field_rz is not None and (
                rec.polarization not in pols or rec.radial_order > max_radial_order
                or rec.axial_order > max_axial_order
            ):
                continue
            records.append(rec)
    if s.richardson:
        records = _richardson(body, ms, (lo, hi), pols, s, resolution, records, progress,
                              workdir, rule)
    return sorted(records, key=lambda r: r.wavelength_nm)


def _richardson(body: Any, ms: list[int], window: tuple[float, float], pols: Sequence[str],
                s: MeepSettings, resolution: float, coarse: list[ModeRecord], show: bool,
                workdir: Any, rule: HitRule) -> list[ModeRecord]:
    """Re-run the Harminv pass at 1.5x the resolution and extrapolate each wavelength to zero
    pixel size assuming the O(dx^2) error of the Yee scheme with sub-pixel smoothing:
    lambda = (r2^2 lambda2 - r1^2 lambda1) / (r2^2 - r1^2). Q comes from the fine run; film
    fraction and fields from the coarse one (the fine run is Harminv only).
    """
    fine_s = s.model_copy(update={"fields": False})
    r1, r2 = resolution, 1.5 * resolution
    out: list[ModeRecord] = []
    for mm in ms:
        fine = _modes_for_m(body, mm, window, pols, fine_s, r2, show, workdir, rule,
                            second_run=False)
        for rec in (c for c in coarse if c.m == mm):
            f1 = 1e3 / rec.wavelength_nm
            near = [t for t in fine if abs(t[1].freq - f1) < 2e-3 * f1]
            if not near:
                warnings.warn(f"Richardson: no fine-grid match for m = {mm}, "
                              f"{rec.wavelength_nm:.4f} nm; kept the coarse value",
                              RuntimeWarning, stacklevel=3)
                out.append(rec)
                continue
            _, rf, _ = min(near, key=lambda t: abs(t[1].freq - f1))
            lam1, lam2 = rec.wavelength_nm, rf.wavelength_nm
            lam = (r2**2 * lam2 - r1**2 * lam1) / (r2**2 - r1**2)
            extra = dict(rec.extra, wavelength_coarse_nm=lam1, wavelength_fine_nm=lam2,
                         resolution_fine=r2)
            out.append(type(rec)(**{
                **{k: getattr(rec, k) for k in rec.__dataclass_fields__},
                "wavelength_nm": lam, "Q": rf.Q, "Q_error": rf.Q_error,
                "wavelength_error_nm": max(abs(lam - lam2), rec.wavelength_error_nm or 0.0),
                "effective_index": mm * lam * 1e-3 / (2.0 * math.pi * body.rim_radius_um),
                "extra": extra,
            }))
    return out


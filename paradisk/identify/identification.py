"""From a measured spectrum to mode labels, the disk's real top diameter and each mode's Q.

``identify(spec, spectrum, row=... | disk=... | top_diameter_um=...)``:

1. peaks of the spectrum (paradisk.identify.peaks);
2. the FEM comb of the spec's disk on the spec's window (``solver.window_nm``, or ``window_nm``),
   read from a pipeline cache when one is given and holds it (read only);
3. every label set over top diameters within ``search_fraction`` of the spec's, scored with the
   one-solve comb (asymptotic scaling in D; coarse model error COARSE_MODEL_REL);
4. a second FEM solve at the best diameter gives each mode's sensitivity d lambda / dD (finite
   difference of the two solves); every label set is refined again (model error MODEL_REL);
5. a re-solve at the fitted diameter (unless a solve lies within CONFIRM_REL of it) confirms
   the labels and gives the residuals and the final fit.

With ``fit_film_thickness`` the nanocrystal film's thickness is a second parameter
(paradisk.identify.film): after step 3, one solve at the second diameter with a thicker film
gives each mode's film sensitivity, every label set is searched on (D, t), and one solve at
the fitted (D, t) confirms (instead of steps 4-5's re-solves).

FEM cost: two or three window scans per call (one fewer when the cache holds the spec disk's);
four with the film.
Above threshold the strongest line (LASING_CONTRAST times the next) is the lasing line; it is
labelled like the others and compared with the lasing mode predicted by the gain model for the
disk of the fitted diameter (and of the spec's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from paradisk.errors import UserInputError
from paradisk.identify.assign import Hypothesis, Label, confidences, hypotheses
from paradisk.identify.comb import Comb, disk_for_top_diameter
from paradisk.identify.peaks import MIN_SNR, Peak, find_peaks
from paradisk.identify.spectrum import Spectrum
from solvers.modes import ModeRecord

# the one-solve comb scales the spec disk's modes to another diameter with the sphere
# asymptotics. Measured on the 10 um disk of examples/qs3_array.yaml carried to +3 %: errors
# of 0.21 to 0.30 nm against the FEM there, a common shift that the fitted diameter absorbs to
# within +-0.05 nm. 3e-4 (0.19 nm at 640 nm) keeps a margin for larger steps
COARSE_MODEL_REL = 3e-4
# error of the spec's disk model beyond its diameter (wall shape, film, index): ASSUMPTION,
# 5e-5 of the wavelength (0.03 nm at 640 nm), the spread of the FEM between meshes being 1e-6
MODEL_REL = 5e-5
# a solve within this fraction of the fitted diameter already confirms it
CONFIRM_REL = 5e-4
# the second solve is at least this far from the spec's diameter (relative), for the slope
MIN_FD_STEP_REL = 5e-3
# solves other than the spec's are placed on a grid of this step (relative to the spec's
# diameter), so that spectra of one disk (repeated measurements, below and above threshold)
# share them in a cache; half a step is within CONFIRM_REL
SOLVE_GRID_REL = 5e-4
# a runner-up label set whose likelihood is at least this fraction of the best's makes the
# assignment ambiguous (Delta chi^2 < 2 ln 20 = 6.0): assumption
AMBIGUITY_RATIO = 0.05
# the strongest line is a lasing line when it is this many times higher than every other one
# (below threshold the WGM peaks on the envelope have comparable heights): assumption
LASING_CONTRAST = 10.0
# film thickness fit: the sensitivity solve's film is this much thicker (relative); the best
# diameter-only hypotheses of the coarse comb are the starts of the (D, t) search
FILM_STEP_REL = 0.5
FILM_SEEDS = 24
SEARCH_FRACTION = 0.04  # default: diameters within +-4 % of the spec's are tried


@dataclass
class PeakAssignment:
    """A fitted peak with its label (None when not assigned) and the comb's prediction."""

    peak: Peak
    label: Label | None
    confidence: float
    predicted_nm: float
    residual_nm: float
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = dict(self.peak.to_dict())
        lab = self.label
        d.update({
            "m": None if lab is None else lab.m,
            "polarization": None if lab is None else lab.polarization,
            "radial_order": None if lab is None else lab.radial_order,
            "confidence": self.confidence,
            "predicted_wavelength_nm": _num(self.predicted_nm),
            "residual_nm": _num(self.residual_nm),
        })
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class Identification:
    """What ``identify`` found. Diameters in um, wavelengths in nm."""

    disk: str | None
    spec_top_diameter_um: float
    fitted_top_diameter_um: float
    sigma_um: float
    peaks: list[PeakAssignment]
    rms_residual_nm: float
    reduced_chi2: float
    ambiguous: bool
    warnings: list[str]
    alternatives: list[dict[str, Any]]
    solved_diameters_um: list[float]
    window_nm: tuple[float, float]
    comb: list[ModeRecord] = field(repr=False, default_factory=list)  # at the fitted diameter
    spec_comb: list[ModeRecord] = field(repr=False, default_factory=list)  # at the spec's
    fsr: list[dict[str, Any]] = field(default_factory=list)
    lasing: dict[str, Any] | None = None
    film_thickness_nm: float | None = None  # fitted, with fit_film_thickness
    film_sigma_nm: float | None = None
    film_correlation: float | None = None  # of the top diameter and the film thickness
    film_solves: list[tuple[float, float]] = field(default_factory=list)  # (D um, t nm)
    spectrum: Spectrum | None = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (non-finite numbers as None)."""
        return _clean({
            "disk": self.disk,
            "spec_top_diameter_um": self.spec_top_diameter_um,
            "fitted_top_diameter_um": self.fitted_top_diameter_um,
            "sigma": self.sigma_um,
            "rms_residual_nm": _num(self.rms_residual_nm),
            "reduced_chi2": _num(self.reduced_chi2),
            "ambiguous": self.ambiguous,
            "warnings": list(self.warnings),
            "peaks": [p.to_dict() for p in self.peaks],
            "alternatives": self.alternatives,
            "fsr": self.fsr,
            "lasing": self.lasing,
            "fitted_film_thickness_nm": self.film_thickness_nm,
            "film_sigma_nm": self.film_sigma_nm,
            "film_correlation": self.film_correlation,
            "film_solves": [list(p) for p in self.film_solves],
            "solved_diameters_um": self.solved_diameters_um,
            "window_nm": list(self.window_nm),
            "comb": [{"m": r.m, "polarization": r.polarization, "radial_order": r.radial_order,
                      "wavelength_nm": r.wavelength_nm, "Q": r.Q} for r in self.comb],
        })


def _clean(obj: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, non-finite floats to None."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _num(x: Any) -> Any:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _fem_solver(spec, window_nm: tuple[float, float], d_spec: float, body_spec: Any,
                cache_dir: str | None, on_solve: Callable[[float, float], None] | None = None
                ) -> Callable[[float], list[ModeRecord]]:
    """solve(D, film_thickness_nm=None) -> the FEM modes of the disk of top diameter D (um)
    with the spec's nanocrystal film (or one of that thickness, nm) on the window; the spec
    disk's from a pipeline cache when it holds them (read only). ``on_solve(D, film nm)`` is
    told before each FEM solve (progress)."""
    from solvers import find_modes

    solver_json = spec.solver.model_dump(mode="json")
    solver_json["window_nm"] = list(window_nm)

    t_spec = spec.nanocrystals.thickness_nm

    def solve(d_um: float, film_thickness_nm: float | None = None) -> list[ModeRecord]:
        film = t_spec if film_thickness_nm is None else film_thickness_nm
        if film != t_spec:
            thick = spec.nanocrystals.model_copy(update={"thickness_nm": film})
            body = disk_for_top_diameter(spec.model_copy(update={"nanocrystals": thick}), d_um)
        elif d_um == d_spec:
            body = body_spec
        else:
            body = disk_for_top_diameter(spec, d_um)
        if cache_dir is not None and d_um == d_spec and film == t_spec:
            cached = _cached_spec_modes(cache_dir, body, solver_json)
            if cached is not None:
                return cached
        if on_solve is not None:
            on_solve(d_um, film)
        return find_modes(
            body, window_nm=tuple(window_nm), solver="fem",
            polarizations=tuple(spec.solver.polarizations),
            max_radial_order=spec.solver.max_radial_order, settings=spec.solver.fem,
        )

    return solve


def _cached_spec_modes(cache_dir: str, body: Any, solver_json: dict) -> list[ModeRecord] | None:
    """A run's modes of ``body`` from its cache (read only), each with its stored loss fields
    (region energies and interface fields) when the cache holds them, so that its loss budget
    is the run's; None when the cache holds no table of ``body``."""
    import dataclasses

    from paradisk.cache import Cache
    from paradisk.stages import LOSS_FIELDS, MODES, check_loss_fields, check_modes, modes_key
    from solvers.losses.store import decode_mode_loss_fields

    cache = Cache(cache_dir)
    key = modes_key(body.model_dump(mode="json"), solver_json, "fem")[0]
    hit = cache.get(MODES, key, check_modes)
    if hit is None or "modes" not in hit:
        return None
    modes = [ModeRecord(**m) for m in hit["modes"]]
    stored = cache.get(LOSS_FIELDS, key, check_loss_fields)
    if stored is None or len(stored["modes"]) != len(modes):
        return modes  # the comb alone (a run without a loss budget stored none)
    return [dataclasses.replace(r, field_rz=f)
            for r, f in zip(modes, decode_mode_loss_fields(stored), strict=True)]


def _spec_disk(spec, row: int | None, disk: str | None, top_diameter_um: float | None
               ) -> tuple[str | None, float, Any]:
    """(disk id, spec top diameter um, body) of the disk named by exactly one selector."""
    given = [x is not None for x in (row, disk, top_diameter_um)]
    if sum(given) != 1:
        raise UserInputError("give exactly one of --row N, --disk ID, --top-diameter-um D")
    if row is not None:
        plans = spec.unique_disks()
        if not 0 <= row < len(plans):
            raise UserInputError(f"--row {row}: the spec has rows 0 to {len(plans) - 1}")
        p = plans[row]
        return p.id, p.profile.top_diameter_um, p.body
    if disk is not None:
        plans = {p.id: p for p in spec.disks()}
        if disk not in plans:
            raise UserInputError(
                f"--disk {disk}: not in the spec's array (ids {min(plans)} to {max(plans)})")
        p = plans[disk]
        return p.id, p.profile.top_diameter_um, p.body
    from geometry import NotAnchoredError

    if not 0.5 <= top_diameter_um <= 500.0:
        raise UserInputError(
            f"--top-diameter-um {top_diameter_um:g}: allowed 0.5 <= value <= 500 um")
    try:
        body = disk_for_top_diameter(spec, top_diameter_um)
    except NotAnchoredError as exc:
        raise UserInputError(f"--top-diameter-um: {exc}") from None
    return None, float(top_diameter_um), body


def _ambiguity_text(best: Hypothesis, alt: Hypothesis, peaks_nm: np.ndarray,
                    sigma_nm: np.ndarray, ratio: float) -> str:
    """Why two label sets both fit, and what measurement would pick one."""
    dd = alt.top_diameter_um - best.top_diameter_um
    pols = {lab.polarization for lab in best.labels if lab is not None}
    swapped = any(a is not None and b is not None and a.polarization != b.polarization
                  for a, b in zip(best.labels, alt.labels, strict=True))
    ways = [f"an independent top-diameter measurement better than +-{abs(dd) / 2:.3g} um"]
    if swapped:
        ways.append("a polarizer in the collection path (TE: E along the disk axis) to tell the "
                    "families apart")
    if len(pols) < 2:
        ways.append("peaks of the other polarization in the window")
    diff = np.abs(best.predicted_nm - alt.predicted_nm)
    sep = float(np.max(diff[np.isfinite(diff)])) if np.isfinite(diff).any() else math.nan
    if np.isfinite(sep):
        ways.append(f"more peaks (a wider window or lower noise): the two combs differ by up "
                    f"to {sep:.3g} nm at the measured peaks, against a centre uncertainty of "
                    f"{float(np.median(sigma_nm)):.2g} nm")
    return (f"ambiguous assignment: a second label set fits almost as well (likelihood ratio "
            f"{ratio:.2g}) with top diameter {alt.top_diameter_um:.4f} um "
            f"({dd:+.4f} um); to decide: " + "; ".join(ways))


def _with_film(spec, solve, comb: Comb, coarse: list[Hypothesis], x: np.ndarray,
               sx: np.ndarray, bounds: tuple[float, float], snap: Callable[[float], float]):
    """Label sets searched on (D, t) (paradisk.identify.film): one solve with a thicker film
    at the second diameter for the sensitivities, one at the fitted (D, t) to confirm.
    Returns (hypotheses best first, the confirming comb, (t, sigma_t, correlation))."""
    from paradisk.identify.assign import m_span_for
    from paradisk.identify.film import FilmComb, hypotheses_film, refine_film

    t0 = spec.nanocrystals.thickness_nm
    dt = FILM_STEP_REL * t0
    d1 = comb.solves[-1].top_diameter_um
    thick = Comb(lambda d: solve(d, film_thickness_nm=t0 + dt), comb.material, comb.n_env,
                 comb.families)
    thick.add_solve(d1)
    fc = FilmComb(comb, t0, comb, thick, d1, dt, t0)
    found = hypotheses_film(fc, x, sx, MODEL_REL, bounds,
                            [h.top_diameter_um for h in coarse[:FILM_SEEDS]])
    best, t_fit, cov = found[0]
    t_fit_searched = t_fit
    conf = Comb(lambda d: solve(d, film_thickness_nm=t_fit_searched), comb.material,
                comb.n_env, comb.families)
    conf.add_solve(snap(best.top_diameter_um))
    # final refinement on the confirming solve (exact at its (D, t); the film slopes as
    # before): the linear model of the search is off by ~1e-4 of the wavelength at the fit
    fc_conf = FilmComb(conf, t_fit, comb, thick, d1, dt, t0)
    best, t_fit, cov = refine_film(fc_conf, best.top_diameter_um, t_fit, x, sx, MODEL_REL,
                                   m_span_for(fc_conf, x, bounds), bounds)
    hyps = [best] + [h for h, _, _ in found[1:] if h.labels != best.labels]
    corr = float(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1]))
    solves = [(d1, t0 + dt), (conf.solves[0].top_diameter_um, t_fit_searched)]
    return hyps, conf, (t_fit, float(math.sqrt(cov[1, 1])), corr, solves)


def _comb_at(comb: Comb, modes: list[ModeRecord], d_um: float) -> list[ModeRecord]:
    """The modes of the confirming solve moved to the fitted diameter (by the comb model;
    the other fields as solved), sorted by wavelength."""
    import dataclasses

    out = [dataclasses.replace(r, wavelength_nm=float(comb.wavelength_nm(
        [r.m], (r.polarization, r.radial_order), d_um)[0])) for r in modes]
    return sorted(out, key=lambda r: r.wavelength_nm)


def _lasing(peaks: list[Peak]) -> int | None:
    """Index of the lasing line (far above every other peak), or None."""
    if not peaks:
        return None
    h = np.array([p.height for p in peaks])
    i = int(np.argmax(h))
    rest = np.delete(h, i)
    if len(rest) == 0 or h[i] >= LASING_CONTRAST * rest.max():
        return i
    return None


def _predicted_lasing(spec, modes: list[ModeRecord], body: Any) -> dict[str, Any] | None:
    """The gain model's lasing mode among ``modes``, each with its loss budget for the spec's
    losses (``body``: the spec disk, whose surroundings the budget reads; a mode without its
    field falls back on its Q with losses.Q_other)."""
    from paradisk.stages import lasing_stage
    from solvers.losses.columns import budget_columns

    losses = spec.loss_settings
    records = [{**m.to_dict(), **budget_columns(m, body, losses)} for m in modes]
    pred = lasing_stage(records, spec.nanocrystals.model_dump(mode="json"),
                        spec.pump.model_dump(mode="json"), None, spec.intrinsic_Q)
    las = pred.get("lasing")
    if las is None:
        return None
    return {k: las.get(k) for k in ("m", "polarization", "radial_order", "wavelength_nm",
                                    "threshold_N")}


def identify(
    spec,
    spectrum: Spectrum,
    *,
    row: int | None = None,
    disk: str | None = None,
    top_diameter_um: float | None = None,
    resolution_nm: float | None = None,
    search_fraction: float = SEARCH_FRACTION,
    window_nm: tuple[float, float] | None = None,
    min_snr: float = MIN_SNR,
    cache_dir: str | None = None,
    solve: Callable[..., list[ModeRecord]] | None = None,
    fit_film_thickness: bool = False,
    on_solve: Callable[[float, float], None] | None = None,
) -> Identification:
    """Label the peaks of ``spectrum`` with the modes of ``spec``'s disk (one of ``row`` (index
    of the array's row), ``disk`` (id such as r01c02) or ``top_diameter_um``) and fit the top
    diameter (and, with ``fit_film_thickness``, the nanocrystal film's thickness).
    ``solve``: replaces the FEM (D[, film_thickness_nm=t] -> ModeRecords), for tests and other
    solvers; ``on_solve(D um, film nm)`` is told before each FEM solve of the default solver.
    Raises UserInputError for bad input (no peaks, no peak in the window, bad selector)."""
    disk_id, d_spec, body = _spec_disk(spec, row, disk, top_diameter_um)
    if not 0.0 < search_fraction <= 0.2:
        raise UserInputError(f"search fraction {search_fraction:g}: allowed 0 < value <= 0.2")
    window = tuple(window_nm) if window_nm is not None else tuple(spec.solver.window_nm)
    peaks = find_peaks(spectrum, resolution_nm=resolution_nm, min_snr=min_snr)
    if not peaks:
        raise UserInputError(
            f"{spectrum.source}: no peak stands {min_snr:g} noise sigmas above the background")
    inside = [i for i, p in enumerate(peaks) if window[0] <= p.wavelength_nm <= window[1]]
    if not inside:
        raise UserInputError(
            f"{spectrum.source}: none of the {len(peaks)} peaks lies in the solver window "
            f"{window[0]:g}-{window[1]:g} nm (spec solver.window_nm; change it or --window-nm)")
    solve = solve or _fem_solver(spec, window, d_spec, body, cache_dir, on_solve)
    families = [(p, q) for p in spec.solver.polarizations
                for q in range(1, spec.solver.max_radial_order + 1)]
    comb = Comb(solve, body.index, body.surroundings.environment_index, families)
    comb.add_solve(d_spec)

    x = np.array([peaks[i].wavelength_nm for i in inside])
    sx = np.array([peaks[i].wavelength_sigma_nm for i in inside])
    hgt = np.array([peaks[i].height for i in inside])
    from geometry import smallest_anchored_top_diameter_um

    d_min = smallest_anchored_top_diameter_um(spec.process) * 1.0001
    bounds = (max(d_spec * (1.0 - search_fraction), d_min), d_spec * (1.0 + search_fraction))

    def snap(d_um: float) -> float:
        return d_spec * (1.0 + SOLVE_GRID_REL * round((d_um / d_spec - 1.0) / SOLVE_GRID_REL))

    coarse = hypotheses(comb, x, sx, hgt, COARSE_MODEL_REL, bounds)
    if not coarse or coarse[0].n_assigned == 0:
        raise UserInputError(
            f"{spectrum.source}: no line of the disk's comb reaches the peaks for top "
            f"diameters {bounds[0]:.4g}-{bounds[1]:.4g} um (widen --search-fraction, or check "
            "the disk selected and the spec)")
    d1 = snap(coarse[0].top_diameter_um)
    if abs(d1 - d_spec) < MIN_FD_STEP_REL * d_spec:
        d1 = snap(d_spec * (1.0 + MIN_FD_STEP_REL))
    comb.add_solve(d1)
    final_comb, film = comb, None
    if fit_film_thickness:
        hyps, final_comb, film = _with_film(spec, solve, comb, coarse, x, sx, bounds, snap)
    else:
        seeds = [h.top_diameter_um for h in coarse[:12]]
        hyps = hypotheses(comb, x, sx, hgt, MODEL_REL, bounds, seeds)
        d2 = hyps[0].top_diameter_um
        if min(abs(s.top_diameter_um - d2) for s in comb.solves) > CONFIRM_REL * d2:
            comb.add_solve(snap(d2))
            hyps = hypotheses(comb, x, sx, hgt, MODEL_REL, bounds,
                              [h.top_diameter_um for h in hyps[:12]])
    best = hyps[0]
    n_used = best.n_assigned
    red = best.score / max(1, len(x) - 1)
    scale = max(1.0, red)
    conf = confidences(hyps, scale)
    warnings: list[str] = []
    alternatives = []
    ambiguous = False
    for h in hyps[1:4]:
        ratio = math.exp(-(h.score - best.score) / (2.0 * scale))
        alternatives.append({"top_diameter_um": h.top_diameter_um, "likelihood_ratio": ratio,
                             "n_relabelled": sum(a != b for a, b in zip(
                                 h.labels, best.labels, strict=True))})
    if len(hyps) > 1:
        ratio = math.exp(-(hyps[1].score - best.score) / (2.0 * scale))
        if ratio >= AMBIGUITY_RATIO:
            ambiguous = True
            warnings.append(_ambiguity_text(best, hyps[1], x, sx, ratio))
    if n_used < len(x):
        warnings.append(f"{len(x) - n_used} peak(s) in the window match no line of the "
                        f"families {', '.join(p + str(q) for p, q in families)} (other radial "
                        "or axial orders, or not a whispering-gallery mode)")
        if 2 * n_used < len(x):
            warnings.append(f"most peaks ({len(x) - n_used} of {len(x)}) fit no mode of this "
                            "disk: was the spectrum taken on another disk (check --disk, --row "
                            "or --top-diameter-um)?")
    outside = len(peaks) - len(inside)
    if outside:
        warnings.append(f"{outside} peak(s) outside the solver window {window[0]:g}-"
                        f"{window[1]:g} nm are not labelled (widen it with --window-nm)")

    confirm = final_comb.nearest_solve(best.top_diameter_um)
    assignments: list[PeakAssignment] = []
    k = 0
    for i, p in enumerate(peaks):
        if i not in inside:
            assignments.append(PeakAssignment(p, None, 0.0, math.nan, math.nan,
                                              "outside the solver window"))
            continue
        lab = best.labels[k]
        pred = float(best.predicted_nm[k])
        assignments.append(PeakAssignment(
            p, lab, conf[k] if lab is not None else 0.0, pred,
            p.wavelength_nm - pred if lab is not None else math.nan,
            "" if lab is not None else "no comb line within reach"))
        k += 1
    res = best.residuals_nm[np.isfinite(best.residuals_nm)]
    rms = float(np.sqrt(np.mean(res**2))) if len(res) else math.nan

    fsr = []
    by_label = {a.label: a for a in assignments if a.label is not None}
    for lab, a in sorted(by_label.items(), key=lambda t: (t[0].family, t[0].m)):
        nxt = Label(lab.m + 1, lab.polarization, lab.radial_order)
        if nxt in by_label:
            pred_fsr = float(np.diff(final_comb.wavelength_nm([lab.m + 1, lab.m], lab.family,
                                                       best.top_diameter_um))[0])
            fsr.append({"polarization": lab.polarization, "radial_order": lab.radial_order,
                        "m": lab.m, "measured_nm": a.peak.wavelength_nm
                        - by_label[nxt].peak.wavelength_nm, "predicted_nm": pred_fsr})

    lasing = None
    i_las = _lasing(peaks)
    if i_las is not None:
        a = assignments[i_las]
        observed = {"wavelength_nm": a.peak.wavelength_nm, "Q": a.peak.Q,
                    "m": None if a.label is None else a.label.m,
                    "polarization": None if a.label is None else a.label.polarization,
                    "radial_order": None if a.label is None else a.label.radial_order}
        predicted = _predicted_lasing(spec, confirm.modes, body)
        at_spec = _predicted_lasing(spec, comb.solves[0].modes, body)
        same = (predicted is not None and a.label is not None
                and (predicted["m"], predicted["polarization"], predicted["radial_order"])
                == (a.label.m, a.label.polarization, a.label.radial_order))
        lasing = {"observed": observed, "predicted": predicted,
                  "predicted_at_spec_diameter": at_spec, "agree": bool(same)}
        if not same:
            warnings.append("the lasing line is not the mode the gain model predicts for the "
                            "disk of the fitted diameter")
    return Identification(
        disk=disk_id, spec_top_diameter_um=d_spec,
        fitted_top_diameter_um=best.top_diameter_um,
        sigma_um=best.sigma_um * math.sqrt(scale), peaks=assignments, rms_residual_nm=rms,
        reduced_chi2=red, ambiguous=ambiguous, warnings=warnings, alternatives=alternatives,
        solved_diameters_um=[s.top_diameter_um for s in comb.solves], window_nm=window,
        comb=_comb_at(final_comb, confirm.modes, best.top_diameter_um), fsr=fsr, lasing=lasing,
        film_thickness_nm=None if film is None else film[0],
        film_sigma_nm=None if film is None else film[1] * math.sqrt(scale),
        film_correlation=None if film is None else film[2],
        film_solves=[] if film is None else film[3],
        spec_comb=sorted(comb.solves[0].modes, key=lambda r: r.wavelength_nm),
        spectrum=spectrum,
    )

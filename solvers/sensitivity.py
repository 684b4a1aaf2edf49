"""How each mode of a parabolic disk moves when its shape, its film or its index changes.

For fabrication scatter a disk's comb must be re-evaluated thousands of times; a solve per
sample is out of reach, so each mode is described by its values at the nominal disk and at
+-h of each geometric descriptor (central finite differences by FEM re-solves), and a sample
interpolates between them:

    f(x0 + d) = f0 + f' d + f'' d^2 / 2,   |d| <= h  (per descriptor, no cross terms)

with f the wavelength, the film fraction and ln Q (1/Q where a solve leaves Q unresolved),
and the loss-budget channels the field gives (``solvers.losses``: 1/Q of the material
absorption, of the film's scattering and of each rough interface at unit rms, since surface
scattering goes exactly as rms^2), so that the total Q follows the geometry too.
``h`` is the half-width of the solved box: a sample outside it must be refused (or
re-solved), never extrapolated (``paradisk.scatter.sampling`` refuses it).

The descriptors are those of the exposure model's profile (``geometry.DiskProfile``: waist,
attenuation, film thickness, log overdose) and the nanocrystal coating's thickness. A change
of the disk material's index needs no solve: first-order perturbation theory gives

    d lambda / lambda = f_disk dn / n / (1 - sum_r f_r (lambda / n_r) dn_r / d lambda)

with f_r the fraction of the mode's electric energy in region r (``FieldMap.region_energy``);
the denominator (n_g / n averaged over the mode) corrects for the dispersion of every
dielectric region, since the shifted mode sees each index at its new wavelength. Q and the
film fraction are taken as unchanged by an index change (second order in the guiding; the
scatter of a resin's index is ~1e-3).

Modes are matched across solves by (m, polarization, radial order, axial order). Lengths in
um, wavelengths in nm. Plain data out (JSON-able): the sampler lives elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from solvers.materials import refractive_index

# the profile's fields and the coating thickness, the order every table uses
DESCRIPTORS = ("waist_um", "alpha_per_um", "film_thickness_um", "log_overdose",
               "coating_thickness_um")
# half-width of the wavelength step for the index dispersion dn/dlambda, nm (a smooth Cauchy
# or Sellmeier fit: 0.5 nm gives the derivative to ~1e-6 relative)
DISPERSION_STEP_NM = 0.5


def mode_key(record: Mapping[str, Any]) -> tuple[int, str, int, int]:
    """(m, polarization, radial order, axial order): a mode's identity across solves."""
    return (int(record["m"]), str(record.get("polarization")),
            int(record.get("radial_order") or 1), int(record.get("axial_order") or 0))


def perturbed_body(body: Any, descriptor: str, delta: float) -> Any:
    """``body`` (a geometry.ParabolicDisk) with one descriptor moved by ``delta``."""
    if descriptor == "coating_thickness_um":
        coat = body.surroundings.coating
        if coat is None:
            raise ValueError("coating_thickness_um: the body has no coating")
        sur = body.surroundings.model_copy(update={"coating": coat.model_copy(
            update={"thickness_um": coat.thickness_um + delta})})
        return body.model_copy(update={"surroundings": sur})
    if descriptor not in DESCRIPTORS:
        raise ValueError(f"descriptor = {descriptor!r}: must be one of {', '.join(DESCRIPTORS)}")
    prof = body.profile.model_copy(
        update={descriptor: getattr(body.profile, descriptor) + delta})
    return body.model_copy(update={"profile": prof})


def _index_derivative(material: Any, wavelength_nm: float) -> tuple[float, float]:
    """(n, dn/dlambda per nm) of a material at ``wavelength_nm``."""
    n0 = refractive_index(material, wavelength_nm).real
    hi = refractive_index(material, wavelength_nm + DISPERSION_STEP_NM).real
    lo = refractive_index(material, wavelength_nm - DISPERSION_STEP_NM).real
    return float(n0), float((hi - lo) / (2.0 * DISPERSION_STEP_NM))


def index_response(record: Any) -> tuple[float, float]:
    """(fraction of the electric energy in the disk, dispersion factor) of a solved mode.

    The dispersion factor is 1 / (1 - sum_r f_r (lambda / n_r) dn_r/dlambda) over the
    dielectric regions: d lambda / lambda = factor * f_disk * dn / n. Metal regions (Re eps <
    0) hold a negligible part of a WGM's energy and are left out. nan when the record carries
    no region energies (Meep)."""
    fmap = record.field_rz
    energy = getattr(fmap, "region_energy", None) or {}
    total = float(sum(energy.values()))
    if total <= 0.0:
        return math.nan, math.nan
    lam = record.wavelength_nm
    f_disk = 0.0
    group = 0.0
    for region, w in energy.items():
        material = fmap.region_material.get(region)
        eps = complex(refractive_index(material, lam)) ** 2
        if eps.real < 0.0:
            continue
        n, dn = _index_derivative(material, lam)
        group += (w / total) * lam * dn / n
        if region == "body":
            f_disk = w / total
    return f_disk, 1.0 / (1.0 - group)


def mode_sensitivities(
    body: Any, solve: Callable[[Any, tuple[float, float]], list[Any]],
    steps: Mapping[str, float], window_nm: tuple[float, float],
    solve_m: Callable[[Any, int, str, float], list[Any]] | None = None,
    channels: Callable[[Any, Any], dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Every mode of ``body`` in ``window_nm`` with its values at +-``steps`` of each descriptor.

    ``solve(body, window_nm)`` returns mode records (``solvers.find_modes_with`` with the
    spec's settings); ``solve_m(body, m, polarization, target_nm)`` (optional) solves one
    azimuthal number near a wavelength, for the modes a window scan of a perturbed disk missed
    (the scan's estimate of which m lie in the window can fail when the film is much thicker);
    ``steps``: descriptor -> half-width h of the solved box (descriptors not
    given, or with h = 0, are not solved); ``channels(record, body)`` (optional) gives the
    loss channels of a solved mode as 1/Q (``loss_channels``), stored for every solve of every
    mode. The perturbed solves scan a window widened by the largest shift seen so far plus
    1 %, so that no mode of the base table is lost.

    Returns {"steps": {name: h}, "modes": [{m, polarization, radial_order, axial_order,
    wavelength_nm, Q, film_fraction, effective_index, disk_energy_fraction, dispersion_factor,
    "minus": {name: [wavelength_nm, Q, film_fraction]}, "plus": {...}, and with
    ``channels``: "losses": {channel: 1/Q}, "losses_minus": {name: {channel: 1/Q}},
    "losses_plus": {...}}, ...], "solves": count, "dropped": [{m, polarization,
    wavelength_nm, descriptor, side}]}. A mode is matched across solves by its labels, or by
    (m, polarization) when its orders were labelled differently. A mode that a perturbed solve
    did not find keeps its nominal record without that side (and is not looked for again), and
    is listed in "dropped": the sampler moves it with a neighbour's sensitivities and marks
    the disks lasing in it (``paradisk.scatter.sampling.build_comb``).
    """
    lo, hi = window_nm
    base = sorted(solve(body, (lo, hi)), key=lambda r: r.wavelength_nm)
    modes: dict[tuple, dict[str, Any]] = {}
    for r in base:
        f_disk, disp = index_response(r)
        modes[mode_key(r.to_dict())] = {
            "m": r.m, "polarization": r.polarization, "radial_order": r.radial_order,
            "axial_order": r.axial_order, "wavelength_nm": r.wavelength_nm, "Q": r.Q,
            "film_fraction": r.film_fraction, "effective_index": r.effective_index,
            "disk_energy_fraction": f_disk, "dispersion_factor": disp,
            "minus": {}, "plus": {},
        }
        if channels is not None:
            modes[mode_key(r.to_dict())].update(
                losses=channels(r, body), losses_minus={}, losses_plus={})
    lost: set[tuple] = set()
    used = {k: float(h) for k, h in steps.items() if h > 0.0}
    dropped: list[dict[str, Any]] = []
    solves = 1
    pad = 0.01 * hi
    for name, h in used.items():
        for side, sign in (("minus", -1.0), ("plus", 1.0)):
            moved_body = perturbed_body(body, name, sign * h)
            shifted = solve(moved_body, (lo - pad, hi + pad))
            solves += 1
            found = {mode_key(r.to_dict()): r for r in shifted}
            # the relative shift of the modes found: where to look for the missing ones
            rel = [found[k].wavelength_nm / m["wavelength_nm"] - 1.0
                   for k, m in modes.items() if k in found]
            shift = float(np.median(rel)) if rel else 0.0
            for key, mode in modes.items():
                r = found.get(key) or _same_family(shifted, mode)
                if r is None and solve_m is not None and key not in lost:
                    extra = solve_m(moved_body, key[0], key[1],
                                    mode["wavelength_nm"] * (1.0 + shift))
                    solves += 1
                    r = {mode_key(x.to_dict()): x for x in extra}.get(key) or \
                        _same_family(extra, mode)
                if r is None:
                    dropped.append({"m": key[0], "polarization": key[1],
                                    "wavelength_nm": mode["wavelength_nm"],
                                    "descriptor": name, "side": side})
                    lost.add(key)
                    continue
                mode[side][name] = [r.wavelength_nm, r.Q, r.film_fraction]
                if channels is not None:
                    mode["losses_" + side][name] = channels(r, moved_body)
                pad = max(pad, 1.5 * abs(r.wavelength_nm - mode["wavelength_nm"]))
    return {"steps": used, "modes": list(modes.values()), "solves": solves,
            "dropped": dropped}


def complete(mode: Mapping[str, Any], steps: Mapping[str, float]) -> bool:
    """True when every perturbed solve of ``steps`` found ``mode`` (both sides of each)."""
    return all(name in mode.get(side, {}) for name in steps for side in ("minus", "plus"))


def loss_channels(losses: Any) -> Callable[[Any, Any], dict[str, float]]:
    """``channels`` for ``mode_sensitivities``: the field's loss channels of a solved mode as
    1/Q, {"Q_material": .., "Q_film_scattering": .., "Q_roughness/<interface>": ..}, the
    roughness of each interface of ``losses.roughness`` at 1 nm rms (its 1/Q goes exactly as
    rms^2: solvers.losses.roughness), so that the rms can be chosen or scattered afterwards.
    ``losses``: a ``solvers.losses.LossSettings``; its rms heights and Q_other are not used."""
    from solvers.losses import loss_budget

    unit = losses.model_copy(update={"roughness": {
        k: v.model_copy(update={"rms_nm": 1.0}) for k, v in losses.roughness.items()},
        "Q_other": None})

    def channels(record: Any, body: Any) -> dict[str, float]:
        b = loss_budget(record, body, unit)
        inv = b.inverse_q()
        return {"Q_material": inv["Q_material"], "Q_film_scattering": inv["Q_film_scattering"],
                **{f"Q_roughness/{k}": float(v) for k, v in b.roughness_by_interface.items()}}

    return channels


def _same_family(records: list[Any], mode: Mapping[str, Any]) -> Any:
    """The record of the same m and polarization as ``mode`` when exactly one was found: a
    perturbed solve may label the orders of a mode differently (the order rule reads the
    field's nodes), the mode is the same."""
    same = [r for r in records if r.m == mode["m"] and r.polarization == mode["polarization"]]
    return same[0] if len(same) == 1 else None


def quadratic_coefficients(f0: np.ndarray, f_minus: np.ndarray, f_plus: np.ndarray,
                           h: float) -> tuple[np.ndarray, np.ndarray]:
    """(f', f''/2) of the parabola through (-h, f_minus), (0, f0), (h, f_plus)."""
    return (f_plus - f_minus) / (2.0 * h), (f_plus - 2.0 * f0 + f_minus) / (2.0 * h * h)


def body_with(body: Any, values: Mapping[str, float]) -> Any:
    """``body`` with its descriptors set to ``values`` (names of ``DESCRIPTORS``; others kept):
    the disk a sample describes, for a direct re-solve."""
    prof = {k: float(v) for k, v in values.items() if k in DESCRIPTORS[:4]}
    out = body.model_copy(update={"profile": body.profile.model_copy(update=prof)})
    if "coating_thickness_um" in values:
        out = perturbed_body(out, "coating_thickness_um", float(values["coating_thickness_um"])
                             - out.surroundings.coating.thickness_um)
    return out

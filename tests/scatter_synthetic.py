"""An analytic stand-in for the FEM comb of a parabolic disk, for the scatter's fast tests.

lambda(m) = 2 pi r_eff n_eff / m with r_eff the rim radius less a wall-slope correction, a film
fraction growing with the coating thickness and a radiation Q falling with the wall slope: a
smooth, nonlinear function of every descriptor, so the sampler's parabolas can be checked
against the "exact re-solve" (this function evaluated at the sampled descriptors).
"""

from __future__ import annotations

import math

from solvers.sensitivity import DESCRIPTORS

N_EFF = {"TE": 1.46, "TM": 1.43}


def comb(desc: dict[str, float], window_nm: tuple[float, float]) -> list[dict]:
    """Mode records (m, polarization, ..., Q, film_fraction) in ``window_nm``."""
    w0, alpha, z0, L, t = (desc[k] for k in DESCRIPTORS)
    r_top = w0 * math.sqrt(L / 2.0)
    slope = 4.0 * r_top / (alpha * w0**2)
    r_eff = r_top - 0.3 / slope + 0.5 * t
    out = []
    for pol, n in N_EFF.items():
        for m in range(20, 1000):
            lam = 2.0 * math.pi * r_eff * 1.0e3 * n / m
            if window_nm[0] <= lam <= window_nm[1]:
                out.append({
                    "m": m, "polarization": pol, "radial_order": 1, "axial_order": 0,
                    "wavelength_nm": lam, "Q": 4.0e4 * slope**0.5 * (1 + 0.01 * z0),
                    "film_fraction": min(0.9, 0.25 * t / (0.05 + t)) * (1.1 if pol == "TM"
                                                                          else 1.0),
                    "effective_index": n, "disk_energy_fraction": 0.9,
                    "dispersion_factor": 0.95,
                })
    return out


def loss_channels(desc: dict[str, float], record: dict) -> dict[str, float]:
    """An analytic stand-in for ``solvers.sensitivity.loss_channels``: 1/Q of the material
    absorption (growing with the film's share), of the film's scattering (with the film
    fraction) and of the wall's roughness at 1 nm rms (falling with the wall slope)."""
    w0, alpha, _, L, _ = (desc[k] for k in DESCRIPTORS)
    slope = 4.0 * w0 * math.sqrt(L / 2.0) / (alpha * w0**2)
    gam = record["film_fraction"]
    return {"Q_material": 1.0e-6 * (1.0 + gam), "Q_film_scattering": 1.5e-6 * gam / 0.2,
            "Q_roughness/wall": 1.0e-5 / slope**2}


def sensitivities(desc0: dict[str, float], steps: dict[str, float],
                  window_nm: tuple[float, float], losses: bool = False) -> dict:
    """The ``solvers.sensitivity.mode_sensitivities`` form of the analytic comb (with the
    loss channels of ``loss_channels`` when ``losses``)."""
    base = comb(desc0, window_nm)
    if losses:
        for r in base:
            r.update(losses=loss_channels(desc0, r), losses_minus={}, losses_plus={})
    used = {k: h for k, h in steps.items() if h > 0}
    wide = (window_nm[0] - 30.0, window_nm[1] + 30.0)
    for name, h in used.items():
        for side, sign in (("minus", -1.0), ("plus", 1.0)):
            desc = {**desc0, name: desc0[name] + sign * h}
            moved = {(r["m"], r["polarization"]): r for r in comb(desc, wide)}
            for r in base:
                s = moved[(r["m"], r["polarization"])]
                r.setdefault("minus", {})
                r.setdefault("plus", {})
                r[side][name] = [s["wavelength_nm"], s["Q"], s["film_fraction"]]
                if losses:
                    r["losses_" + side][name] = loss_channels(desc, s)
    for r in base:
        r.setdefault("minus", {})
        r.setdefault("plus", {})
    return {"steps": used, "modes": base, "solves": 1 + 2 * len(used)}

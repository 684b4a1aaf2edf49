"""Figures of the exposure model (paper Fig. 2a-b) and of calibrations, with matplotlib.

Every function returns a matplotlib Figure built without pyplot (no global state, no GUI
backend); the caller saves it with ``fig.savefig``.
Lengths in um, dose in mJ/cm^2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from geometry.calibration import Calibration, DoseSeries
from geometry.exposure import ExposureProcess


def exposure_map_figure(process: ExposureProcess, energy_uJ: float) -> Figure:
    """Paper Fig. 2a: the deposited dose W(r, z) with the cross-linking contour W = W_cl."""
    profile = process.profile(energy_uJ)
    r_max = max(1.6 * profile.top_radius_um, 1.5 * process.waist_um)
    r = np.linspace(-r_max, r_max, 401)
    z = np.linspace(0.0, process.film_thickness_um, 201)
    rr, zz = np.meshgrid(r, z)
    dose = process.dose_map(np.abs(rr), zz, energy_uJ)
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    vmin = max(dose.min(), dose.max() * 1e-3)
    mesh = ax.pcolormesh(rr, zz, dose, norm=LogNorm(vmin=vmin, vmax=dose.max()),
                         cmap="magma", shading="auto")
    ax.contour(rr, zz, dose, levels=[process.threshold_dose_mJ_per_cm2], colors="red",
               linewidths=1.5)
    fig.colorbar(mesh, ax=ax, label="dose W (mJ/cm$^2$)")
    ax.set_xlabel("distance to the beam axis r (um)")
    ax.set_ylabel("height z (um)")
    ax.set_title(f"exposure {energy_uJ:.3g} uJ, alpha = {process.alpha_per_um:.3g}/um "
                 "(red: W = W$_{cl}$)", fontsize=9)
    return fig


def profiles_vs_absorber_figure(
    process: ExposureProcess, energy_uJ: float, concentrations_mg_per_mL: Sequence[float]
) -> Figure:
    """Paper Fig. 2b: disk cross-sections for several absorber concentrations at one energy."""
    fig = Figure(figsize=(6.4, 3.0), layout="constrained")
    ax = fig.subplots()
    for conc in concentrations_mg_per_mL:
        absorber = process.absorber.model_copy(update={"concentration_mg_per_mL": conc})
        prof = process.model_copy(update={"absorber": absorber}).profile(energy_uJ)
        if not prof.written:
            continue
        wall = prof.wall_points(96)
        # full cross-section through the axis: left wall (top to foot), foot, right wall
        r = np.r_[-wall[::-1, 0], wall[:, 0]]
        z = np.r_[wall[::-1, 1], wall[:, 1]]
        style = "-" if prof.anchored else ":"
        (line,) = ax.plot(r, z, style, lw=1.5,
                          label=f"{conc:g} mg/mL, wall {prof.wall_angle_deg:.0f} deg"
                          + ("" if prof.anchored else " (not anchored)"))
        ax.plot([-wall[-1, 0], wall[-1, 0]], [wall[-1, 1]] * 2, style, color=line.get_color())
        ax.fill(r, z, color=line.get_color(), alpha=0.12)
    ax.axhline(0.0, color="goldenrod", lw=3, label="substrate")
    ax.set_xlabel("r (um)")
    ax.set_ylabel("z (um)")
    ax.set_ylim(-0.3, 1.4 * process.film_thickness_um)
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    ax.set_title(f"same exposure ({energy_uJ:.3g} uJ), varying absorber", fontsize=9)
    return fig


def calibration_figure(series: DoseSeries, calibration: Calibration) -> Figure:
    """Measured top (and foot) diameters against exposure energy with the fitted model."""
    e = np.asarray(series.energy_uJ)
    fig = Figure(figsize=(5.0, 3.4), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(e, series.top_diameter_um, yerr=series.sigma_um, fmt="o", label="top, measured")
    e_fit = np.geomspace(e.min() * 0.8, e.max() * 1.2, 200)
    w0 = calibration.waist_um
    e_th = np.pi * w0**2 * calibration.threshold_dose_mJ_per_cm2 / 2.0 / 1.0e5
    big_l = np.log(e_fit / e_th)
    ax.plot(e_fit, w0 * np.sqrt(2.0 * np.clip(big_l, 0, None)), "-", label="top, fit")
    if series.foot_diameter_um is not None and calibration.alpha_per_um is not None:
        ax.plot(e, series.foot_diameter_um, "s", label="foot, measured")
    ax.set_xscale("log")
    ax.set_xlabel("exposure energy P0 tau (uJ)")
    ax.set_ylabel("diameter (um)")
    ax.set_title(f"w0 = {w0:.3g} +/- {calibration.waist_sigma_um:.2g} um, W_cl = "
                 f"{calibration.threshold_dose_mJ_per_cm2:.4g} +/- "
                 f"{calibration.threshold_dose_sigma_mJ_per_cm2:.2g} mJ/cm$^2$", fontsize=8)
    ax.legend(fontsize=8)
    return fig

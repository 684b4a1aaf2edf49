"""Paper-style figures of the gain model (matplotlib Figure on an Agg canvas; no pyplot).

Every ``fig*_figure(material, ...)`` function needs only the material (the other arguments
have documented defaults) and returns a matplotlib Figure:

- ``fig4a_figure``: normalised gain spectra g / (C sigma_0) for several N (paper Fig. 4a);
- ``fig4b_figure``: normalised gain versus N at three wavelengths (Fig. 4b);
- ``fig4cd_figure``: threshold N and lasing wavelength versus 1/(Gamma K) (Fig. 4c,d),
  optionally with each disk of a run marked;
- ``fig1b_figure``: detected ASE intensity versus pump (Fig. 1b, Eq. 1);
- ``fig1c_figure``: ASE threshold fluence and ASE wavelength versus concentration (Fig. 1c);
- ``fig1d_figure``: minimum concentration for ASE versus 1/sigma_0 (Fig. 1d);
- ``fig6d_figure``: emission spectra versus pump above threshold (Fig. 6d, rate equations).

``fit_gain_figure(fit)`` shows a gain fit (``gain.fit``): threshold against lasing wavelength
as paper Fig. 5, measured and fitted. ``lasing_summary_figure(rows)`` plots a predicted disk
array (lasing shift versus threshold, paper Fig. 5-6a) from ``paradisk predict`` rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from gain.ase import (
    AseGeometry,
    ase_intensity,
    ase_spectral,
    ase_threshold_N,
    minimum_concentration_per_cm3,
    minimum_concentration_spectral_per_cm3,
)
from gain.dynamics import CavityModes, emission_spectra, light_in_light_out
from gain.film import NanocrystalFilm, PumpSettings
from gain.fit import GainFit, model_curve
from gain.lasing import COMPETING_WITHIN
from gain.materials import PRESETS, NanocrystalMaterial
from gain.plot_labels import label_points
from gain.spectra import default_wavelength_grid, normalized_gain
from gain.threshold import continuum_threshold, mode_thresholds
from geometry.constants import HC_EV_NM

FIG_N_VALUES = (0.1, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


def _figure(ncols: int = 1, width: float = 5.0) -> tuple[Figure, list[Any]]:
    fig = Figure(figsize=(width * ncols, 3.8), layout="constrained")
    FigureCanvasAgg(fig)  # Agg canvas: no pyplot, no GUI backend, thread-safe
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def fig4a_figure(
    material: NanocrystalMaterial, N_values: Sequence[float] = FIG_N_VALUES
) -> Figure:
    """Normalised lineic gain spectra for several N (paper Fig. 4a)."""
    lam = default_wavelength_grid(material, 801)
    fig, (ax,) = _figure()
    cmap = matplotlib.colormaps["viridis"]
    for i, n in enumerate(N_values):
        ax.plot(lam, normalized_gain(material, lam, n), color=cmap(i / max(len(N_values) - 1, 1)),
                label=f"N = {n:g}")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.axvline(material.emission_peak_nm, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel(r"$g(\lambda) / (C_{NC}\,\sigma_0)$")
    ax.set_title(f"{material.name}: gain spectra (Eq. 5)", fontsize=10)
    ax.legend(fontsize=7, ncols=2)
    return fig


def fig4b_figure(material: NanocrystalMaterial, wavelengths_nm: Sequence[float] | None = None
                 ) -> Figure:
    """Normalised gain versus N at three wavelengths (paper Fig. 4b).

    Default wavelengths: the XX-X emission maximum, the X-0 emission maximum and 20 nm red of it.
    """
    if wavelengths_nm is None:
        e_xx = material.emission_peak_eV + material.xx_splitting_eV
        wavelengths_nm = (HC_EV_NM / e_xx, material.emission_peak_nm,
                          material.emission_peak_nm + 20.0)
    N = np.logspace(-2, 1.5, 400)
    fig, (ax,) = _figure()
    for lam in wavelengths_nm:
        ax.plot(N, normalized_gain(material, lam, N), label=f"{lam:.1f} nm")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\bar N_{ph}$ (photons absorbed per nanocrystal)")
    ax.set_ylabel(r"$g / (C_{NC}\,\sigma_0)$")
    ax.set_title(f"{material.name}: gain versus pump", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def fig4cd_figure(material: NanocrystalMaterial, inverse_K: Sequence[float] | None = None,
                  disks: Sequence[dict[str, Any]] = ()) -> Figure:
    """Threshold N and lasing wavelength versus 1/(Gamma K) (paper Fig. 4c,d), with each disk
    marked where it sits.

    The curve is the cavity with modes at every wavelength (``continuum_threshold``): the
    threshold depends on Gamma and K only through Gamma K, so it is the lowest threshold any
    mode of that Gamma K can have. ``disks``: result rows (``id``, ``K``,
    ``lasing_film_fraction``, ``threshold_N``, ``lasing_wavelength_nm``); the lasing ones are
    marked at the 1/(Gamma K) of their lasing mode, on or above the curve (a disk's modes sit
    at discrete wavelengths), and the x range widens to hold them.
    """
    pts = [(1.0 / (float(d["K"]) * float(d["lasing_film_fraction"])), float(d["threshold_N"]),
            float(d["lasing_wavelength_nm"]), str(d.get("id", "")))
           for d in disks if d.get("lases", True) and _finite(d.get("threshold_N"))
           and _finite(d.get("K")) and _finite(d.get("lasing_film_fraction"))
           and float(d["K"]) * float(d["lasing_film_fraction"]) > 0]
    if inverse_K is None:
        lo, hi = 1e-3, 1.0
        if pts:
            x = [p[0] for p in pts]
            lo, hi = min(lo, 0.5 * min(x)), max(hi, 2.0 * max(x))
        inv_k = np.logspace(np.log10(lo), np.log10(hi), 120)
    else:
        inv_k = np.asarray(inverse_K, float)
    lam = default_wavelength_grid(material, 2001)
    nth, lam_l = continuum_threshold(material, inv_k, lam)
    fig, (ax1, ax2) = _figure(2, 4.5)
    ax1.plot(inv_k, nth, label=r"modes at every $\lambda$")
    ax2.plot(inv_k, lam_l)
    ax2.axhline(material.emission_peak_nm, color="0.5", ls=":", lw=0.8, label="emission peak")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel(r"1/($\Gamma$ K)")
    ax1.set_yscale("log")
    ax1.set_ylabel(r"$\bar N_{ph}$ at threshold")
    ax1.set_title("(c) threshold", fontsize=10)
    ax2.set_ylabel("lasing wavelength (nm)")
    ax2.set_title("(d) lasing wavelength", fontsize=10)
    fig.suptitle(f"{material.name}: threshold versus figure of merit", fontsize=10)
    if pts:
        x, n, wl, _ = zip(*pts, strict=True)
        # white edges: disks at nearly the same point stay told apart
        ax1.plot(x, n, "o", color="C3", ms=4.5, mec="white", mew=0.6,
                 label=f"lasing disks ({len(pts)})")
        ax2.plot(x, wl, "o", color="C3", ms=4.5, mec="white", mew=0.6)
        # one name per distinct point (a row's repeats coincide), in a column clear of the
        # curves with a leader line to its point: the disks of a run sit close together
        named: dict[tuple[float, float, float], tuple[float, float, float, str]] = {}
        for xi, ni, wi, name in pts:
            if name:
                named.setdefault((round(xi, 6), round(ni, 6), round(wi, 6)), (xi, ni, wi, name))
        if named:
            nx, nn, nw, names = zip(*named.values(), strict=True)
            fig.draw_without_rendering()  # the layout, once for both panels
            label_points(ax1, nx, nn, names, layout=False)
            label_points(ax2, nx, nw, names, layout=False)
    if pts:
        ax1.legend(fontsize=7)
    ax2.legend(fontsize=8)
    return fig


def _finite(x: Any) -> bool:
    try:
        return x is not None and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def fig1b_figure(material: NanocrystalMaterial, concentration_per_cm3: float | None = None,
                 pump: PumpSettings | None = None, geometry: AseGeometry | None = None) -> Figure:
    """Detected intensity versus pump fluence for a solution (Eq. 1, paper Fig. 1b).

    Default concentration: 10 C_min.
    """
    geo = geometry or AseGeometry()
    pump = pump or PumpSettings(wavelength_nm=material.pump_wavelength_nm)
    c = concentration_per_cm3 or 10.0 * minimum_concentration_per_cm3(material, geo)
    N = np.logspace(-1.5, 1.7, 300) * material.independent_sites
    fig, (ax,) = _figure()
    ax.plot(pump.fluence_uJ_per_cm2_from_N(N, material), ase_intensity(material, c, N, geo))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"pump fluence ($\mu$J/cm$^2$)")
    ax.set_ylabel("detected intensity (a.u.)")
    ax.set_title(f"{material.name}: ASE, C = {c:.2g} cm$^{{-3}}$", fontsize=10)
    return fig


def fig1c_figure(material: NanocrystalMaterial, pump: PumpSettings | None = None,
                 geometry: AseGeometry | None = None, compare_presets: bool = True) -> Figure:
    """ASE threshold fluence and ASE wavelength versus concentration (paper Fig. 1c, S10-S12).

    Full model (``gain.ase.ase_spectral``: the maximum over wavelength of Eq. 5) as solid lines;
    the paper's simple XX-X form (Eq. 1) dashed on the threshold panel.
    """
    geo = geometry or AseGeometry()
    mats = {material.name: material}
    if compare_presets:
        mats.update({k: v for k, v in PRESETS.items() if k != material.name})
    fig, (ax, ax2) = _figure(2, 4.8)
    for i, (name, mat) in enumerate(mats.items()):
        color = f"C{i}"
        p = pump or PumpSettings(wavelength_nm=mat.pump_wavelength_nm)
        cmin = minimum_concentration_spectral_per_cm3(mat, geo)
        C = cmin * np.logspace(0.005, 2.0, 120)
        n_full, lam_ase = ase_spectral(mat, C, geo)
        ax.plot(C, p.fluence_uJ_per_cm2_from_N(n_full, mat), color=color, label=name)
        ax.plot(C, p.fluence_uJ_per_cm2_from_N(ase_threshold_N(mat, C, geo), mat), color=color,
                ls="--", lw=0.8)
        ax2.plot(C, lam_ase - mat.emission_peak_nm, color=color, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"concentration (cm$^{-3}$)")
    ax.set_ylabel(r"ASE threshold ($\mu$J/cm$^2$)")
    ax.set_title("(c) ASE threshold (solid: Eq. 5 spectrum; dashed: Eq. 1)", fontsize=9)
    ax.legend(fontsize=8)
    ax2.axhline(0.0, color="0.5", ls=":", lw=0.8)
    ax2.set_xscale("log")
    ax2.set_xlabel(r"concentration (cm$^{-3}$)")
    ax2.set_ylabel(r"$\lambda_{ASE} - \lambda_0$ (nm)")
    ax2.set_title("ASE line versus concentration", fontsize=9)
    return fig


def fig1d_figure(material: NanocrystalMaterial, geometry: AseGeometry | None = None) -> Figure:
    """Minimum concentration for ASE versus 1/sigma_0 (paper Fig. 1d): a straight line."""
    geo = geometry or AseGeometry()
    mats = {**PRESETS, material.name: material}
    fig, (ax,) = _figure()
    inv = np.array([1.0 / m.sigma0_reference_cm2 for m in mats.values()])
    cmin = np.array([minimum_concentration_per_cm3(m, geo) for m in mats.values()])
    ax.plot(inv, cmin, "o")
    for name, x, y in zip(mats, inv, cmin, strict=True):
        ax.annotate(name, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    # log axes: the presets span a decade in sigma_0, and on linear axes their labels pile up
    # at the origin; the proportionality stays a straight line (slope 1)
    xs = np.array([inv.min() / 1.5, inv.max() * 1.5])
    ax.plot(xs, xs * geo.exponent_at_threshold / geo.line_length_cm, "k--", lw=0.8,
            label=r"$C_{min} = 1/(\sigma_{em,XX} L)$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"$1/\sigma_0$ (cm$^{-2}$)")
    ax.set_ylabel(r"$C_{min}$ (cm$^{-3}$)")
    ax.set_title(f"minimum concentration for ASE, L = {geo.line_length_mm:g} mm", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def example_disk_modes(material: NanocrystalMaterial, radius_um: float = 10.0,
                       Q: float = 3.0e4, film_fraction: float = 0.1,
                       effective_index: float = 1.47, loss_index: float | None = None
                       ) -> tuple[CavityModes, np.ndarray]:
    """First-order WGMs of a disk (lambda = 2 pi R n / m) across the gain band, equal Q.

    An assumption-level stand-in for solver output, used by ``fig6d_figure`` by default.
    ``loss_index`` (the film index in the loss and gain rate): default the default film's
    ``NanocrystalFilm().refractive_index``. Returns (modes, m).
    """
    lo = material.emission_peak_nm - 25.0
    hi = material.emission_peak_nm + 30.0
    k = 2.0 * np.pi * radius_um * 1e3 * effective_index
    m = np.arange(int(np.ceil(k / hi)), int(np.floor(k / lo)) + 1)
    lam = k / m
    ng = NanocrystalFilm().refractive_index if loss_index is None else loss_index
    modes = CavityModes.build(lam, Q, film_fraction, effective_index, m=m, loss_index=ng)
    return modes, m


def fig6d_figure(material: NanocrystalMaterial, modes: CavityModes | None = None,
                 concentration_per_cm3: float | None = None,
                 pump_multiples: Sequence[float] = (0.5, 0.9, 1.2, 2.0, 4.0, 7.0, 10.0),
                 pulse_duration_ns: float | None = None,
                 competing_within: float = COMPETING_WITHIN) -> Figure:
    """Emission spectra versus pump from the rate equations (paper Fig. 6d).

    Pump levels are multiples of the static threshold of the lowest-threshold mode. Defaults:
    ``example_disk_modes`` and the default film concentration and pump pulse. The statically
    predicted lasing mode (lowest threshold, what ``paradisk predict`` reports) is marked by a
    dashed line, modes within ``competing_within`` of its threshold by dotted lines, and each
    spectrum is labelled with the mode that emits most in the rate equations: with near-equal
    thresholds the two can differ.
    """
    if modes is None:
        modes, _ = example_disk_modes(material)
    c = concentration_per_cm3 or NanocrystalFilm().concentration_per_cm3
    tau = pulse_duration_ns or PumpSettings().pulse_duration_ns
    th = mode_thresholds(material, c, modes.wavelength_nm, modes.Q, modes.film_fraction,
                         loss_index=modes.loss_index).N_threshold
    i_static = int(np.argmin(np.where(np.isnan(th), np.inf, th)))
    n_th = float(th[i_static])
    if not np.isfinite(n_th):
        raise ValueError("no mode of this disk reaches threshold: nothing to show above it")
    N = n_th * np.asarray(pump_multiples, dtype=float)
    _, runs = light_in_light_out(material, c, modes, N, tau)
    lam = np.linspace(modes.wavelength_nm.min() - 3, modes.wavelength_nm.max() + 3, 3000)
    spec = emission_spectra(material, modes, runs, lam)
    fig, (ax,) = _figure(1, 7.5)
    fig.set_figheight(5.0)
    cmap = matplotlib.colormaps["plasma"]
    lam_static = float(modes.wavelength_nm[i_static])
    ax.axvline(lam_static, color="k", ls="--", lw=0.8,
               label=f"static lasing mode {lam_static:.2f} nm (lowest threshold)")
    close = np.flatnonzero(np.isfinite(th) & (th <= n_th * (1 + competing_within)))
    for k, lk in enumerate(modes.wavelength_nm[[j for j in close if j != i_static]]):
        ax.axvline(lk, color="0.4", ls=":", lw=0.8,
                   label=f"within {100 * competing_within:g} % of its threshold" if k == 0
                   else None)
    for i, (n, s, r) in enumerate(zip(N, spec, runs, strict=True)):
        ax.plot(lam, i + 0.9 * s / s.max(), color=cmap(i / max(len(N), 1)), lw=0.8)
        dom = float(modes.wavelength_nm[int(np.argmax(r.emitted_photons))])
        # in the right margin, level with its spectrum: a label never covers the peaks
        ax.text(1.01, i + 0.3, rf"$\bar N$ = {n:.2g} ({n / n_th:.1f}x)" + f"\ntop {dom:.2f} nm",
                fontsize=7, ha="left", va="center", transform=ax.get_yaxis_transform())
    ax.set_yticks([])
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("emission (each spectrum normalised, offset)")
    ax.set_title(f"{material.name}: spectra versus pump (rate equations)", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def lasing_summary_figure(rows: Sequence[dict[str, Any]]) -> Figure:
    """Lasing shift from the emission peak versus threshold N, one point per disk."""
    pts = [(r["threshold_N"], r["shift_from_emission_peak_nm"]) for r in rows
           if r.get("threshold_N") is not None and np.isfinite(r["threshold_N"])]
    fig, (ax,) = _figure()
    if pts:
        x, y = np.array(pts).T
        ax.plot(x, y, "D", ms=4)
        ax.set_xscale("log")
    ax.axhline(0.0, color="0.5", ls=":", lw=0.8)
    ax.set_xlabel(r"$\bar N_{ph}$ at threshold")
    ax.set_ylabel(r"$\lambda_{laser} - \lambda_0$ (nm)")
    ax.set_title(f"predicted lasing of {len(pts)} of {len(rows)} disks", fontsize=10)
    return fig


def fit_gain_figure(fit: GainFit) -> Figure:
    """Threshold N against lasing wavelength (paper Fig. 5): the measured cavities, the fitted
    model at their wavelengths and the model's threshold-wavelength curve over Gamma Q."""
    c = fit.cavities
    gq = c.film_fraction * c.Q_total
    gq_curve = np.geomspace(0.3 * gq.min(), 3.0 * gq.max(), 80)
    lam_c, n_c = model_curve(fit.material, fit.C_sigma0_per_cm, fit.loss_index, gq_curve)
    fig, (ax,) = _figure(1, 6.0)
    ax.plot(lam_c, n_c, "-", color="C0", lw=1.2,
            label=rf"model, modes at every $\lambda$ ($\Gamma Q$ {gq_curve[0]:.3g}-"
                  rf"{gq_curve[-1]:.3g})")
    yerr = np.vstack([c.threshold_N * (1 - 1 / (1 + c.threshold_sigma_fraction)),
                      c.threshold_N * c.threshold_sigma_fraction])
    ax.errorbar(c.lasing_wavelength_nm, c.threshold_N, yerr=yerr, xerr=c.wavelength_sigma_nm,
                fmt="o", color="C3", ms=4, lw=0.8, label=f"measured ({len(c)} cavities)")
    ax.plot(c.lasing_wavelength_nm, fit.model_threshold_N, "s", mfc="none", color="k", ms=5,
            label="model at the measured wavelength")
    ax.axvline(fit.material.emission_peak_nm, color="0.5", ls=":", lw=0.8,
               label=rf"emission peak $\lambda_0$ = {fit.material.emission_peak_nm:.1f} nm")
    ax.set_yscale("log")
    ax.set_xlabel("lasing wavelength (nm)")
    ax.set_ylabel(r"$\bar N_{ph}$ at threshold")
    p = fit.parameters
    ax.set_title(
        f"{fit.material.name}: Stokes {p['stokes_shift_meV'].value:.1f} meV, FWHM "
        f"{p['linewidth_fwhm_meV'].value:.1f} meV, "
        rf"$C\sigma_0$ = {p['C_sigma0_per_cm'].value:.4g} /cm", fontsize=9)
    ax.legend(fontsize=7)
    return fig

"""Figure of an identification: the measured spectrum, the fitted lines with their labels and
the predicted comb of the disk of the fitted diameter (and of the spec's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from paradisk.identify.peaks import lorentzian

_COLOURS = {"TE": "tab:blue", "TM": "tab:red"}


def identification_figure(result: Any):
    """matplotlib Figure of ``result`` (a paradisk.identify.Identification)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5), layout="constrained")
    sp = result.spectrum
    if sp is not None:
        ax.plot(sp.wavelength_nm, sp.intensity, color="0.35", lw=0.8, label="measured")
    top = float(np.max(sp.intensity)) if sp is not None else 1.0
    for k, a in enumerate(result.peaks):
        p = a.peak
        if sp is not None:
            x = np.linspace(p.wavelength_nm - 4 * p.fwhm_nm - 0.05,
                            p.wavelength_nm + 4 * p.fwhm_nm + 0.05, 200)
            base = np.interp(p.wavelength_nm, sp.wavelength_nm, sp.intensity) - p.height
            ax.plot(x, base + lorentzian(x, p.wavelength_nm, p.height, max(p.fwhm_nm, 1e-4)),
                    color="k", lw=0.7)
        text = "?" if a.label is None else (
            f"{a.label.polarization}{a.label.radial_order} m={a.label.m}")
        q = f"Q{'>' if p.resolution_limited else '='}{p.Q:.0f}"
        colour = "0.5" if a.label is None else _COLOURS.get(a.label.polarization, "k")
        # two staggered rows so that the labels of close TE/TM pairs do not overlap
        ax.annotate(f"{text}\n{q}", (p.wavelength_nm, top * (1.02 + 0.09 * (k % 2))),
                    ha="center", va="bottom", fontsize=6.5, color=colour,
                    annotation_clip=False)
    for r in result.comb:
        ax.axvline(r.wavelength_nm, color=_COLOURS.get(r.polarization, "k"), lw=0.8,
                   ls="--" if r.radial_order > 1 else "-", alpha=0.5)
    for r in result.spec_comb:
        ax.axvline(r.wavelength_nm, ymax=0.06, color=_COLOURS.get(r.polarization, "k"), lw=1.5)
    for pol, c in _COLOURS.items():
        ax.plot([], [], color=c, alpha=0.5, label=f"predicted {pol} (fitted D)")
    ax.plot([], [], color="0.3", lw=1.5, label="ticks: predicted at the spec's D")
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("intensity (as measured)")
    ax.set_ylim(top=top * 1.3)
    title = (f"top diameter {result.fitted_top_diameter_um:.4f} +/- {result.sigma_um:.2g} um "
             f"(spec {result.spec_top_diameter_um:.4f} um)")
    if result.disk:
        title = f"{result.disk}: " + title
    if result.ambiguous:
        title += "  AMBIGUOUS"
    ax.set_title(title, fontsize=9, pad=28)
    fig.legend(fontsize=7, loc="outside right upper")
    return fig

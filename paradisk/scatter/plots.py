"""Figures of the fabrication scatter (matplotlib Figure on an Agg canvas; no pyplot).

- ``fig5_figure``: every sampled disk's threshold N against its lasing wavelength, over the
  gain model's curve (modes at every wavelength, 1/K swept: ``gain.threshold
  .continuum_threshold``) and the nominal disks of the run: the paper's Fig. 5;
- ``histograms_figure``: per row, the distribution of the threshold N and of the lasing
  wavelength, with the fraction below N = 0.5, the fraction that does not lase and the
  fraction refused (outside the solved range, at the comb's edge, a non-physical draw: limits
  of the sampling, not predictions).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from paradisk.scatter.stage import N_GOOD, REFUSED

# at most this many points per row in the Fig. 5 scatter (a picture, not the data: scatter.csv)
MAX_POINTS_PER_ROW = 3000


def _figure(nrows: int, ncols: int, width: float, height: float) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def fig5_figure(samples: pd.DataFrame, material: Any, nominal: pd.DataFrame | None = None
                ) -> Figure:
    """Threshold N (log) versus lasing wavelength of the sampled disks (paper Fig. 5)."""
    from gain.spectra import default_wavelength_grid
    from gain.threshold import continuum_threshold

    fig, axes = _figure(1, 1, 6.0, 4.2)
    ax = axes[0][0]
    inv_k = np.logspace(-3, 0, 60)
    nth, lam = continuum_threshold(material, inv_k, default_wavelength_grid(material, 801))
    ax.plot(lam, nth, color="k", lw=1.2, label="model (modes at every wavelength)")
    for row, g in samples[samples["lases"]].groupby("row", sort=True):
        g = g.iloc[:MAX_POINTS_PER_ROW]
        ax.scatter(g["lasing_wavelength_nm"], g["threshold_N"], s=4, alpha=0.35,
                   label=f"row {row}: sampled disks")
    if nominal is not None and len(nominal):
        ax.scatter(nominal["lasing_wavelength_nm"], nominal["threshold_N"], marker="D",
                   s=30, color="k", facecolor="none", label="nominal disks")
    ax.axhline(N_GOOD, color="0.5", ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("lasing wavelength (nm)")
    ax.set_ylabel(r"threshold $\bar N_{ph}$")
    ax.set_title("fabrication scatter: threshold versus lasing wavelength (paper Fig. 5)",
                 fontsize=9)
    ax.legend(fontsize=7, markerscale=2)
    return fig


def histograms_figure(samples: pd.DataFrame, summary: pd.DataFrame) -> Figure:
    """Per row: histogram of the threshold N (log bins) and of the lasing wavelength."""
    rows = sorted(samples["row"].unique())
    fig, axes = _figure(len(rows), 2, 4.5, 2.4)
    for k, row in enumerate(rows):
        g = samples[samples["row"] == row]
        s = summary[summary["row"] == row].iloc[0]
        nth = g["threshold_N"].to_numpy(float)
        nth = nth[np.isfinite(nth) & (nth > 0)]
        ax1, ax2 = axes[k]
        if nth.size:
            bins = np.logspace(np.log10(nth.min()) - 0.01, np.log10(nth.max()) + 0.01, 40)
            ax1.hist(nth, bins=bins, color="C0", histtype="stepfilled")
            ax1.set_xscale("log")
            ax1.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap on a decade
        ax1.axvline(N_GOOD, color="0.4", ls=":", lw=0.8)
        refused = sum(float(s[f"fraction_{c}"]) for c in REFUSED)
        ax1.set_title(f"row {row}: {s['fraction_below_N_0.5']:.1%} lase below N = 0.5, "
                      f"{max(0.0, 1.0 - s['fraction_lasing'] - refused):.1%} do not lase, "
                      f"{refused:.1%} refused", fontsize=8)
        ax1.set_xlabel(r"threshold $\bar N_{ph}$", fontsize=8)
        wl = g.loc[g["lases"], "lasing_wavelength_nm"].to_numpy(float)
        if wl.size:
            ax2.hist(wl, bins=60, color="C1", histtype="stepfilled")
        ax2.set_xlabel("lasing wavelength (nm)", fontsize=8)
        ax2.set_title(f"row {row}: lasing wavelength", fontsize=8)
    return fig


def scatter_figure_makers(result: Any) -> dict[str, Any]:
    """The report's scatter figures of a run (none without ``scatter:``)."""
    sc = getattr(result, "scatter", None)
    if not sc or sc["samples"].empty:
        return {}
    material = result.spec.nanocrystals.resolved_material
    nominal = result.table[result.table["col"] == 0]
    return {
        "fig5_scatter": lambda: fig5_figure(sc["samples"], material, nominal),
        "scatter_histograms": lambda: histograms_figure(sc["samples"], sc["summary"]),
    }

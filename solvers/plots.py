"""Field maps of solved modes (matplotlib, no pyplot state): one function for both solvers.

``record.field_rz`` of the FEM and Meep solvers carries r_um, z_um (1-D, um) and the complex
components E_r, E_phi, E_z on that grid (shape (len(z_um), len(r_um))).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from solvers.modes import ModeRecord


def _q_text(q: float) -> str:
    return "unresolved (> 1e9)" if not math.isfinite(q) else f"{q:.3g}"


def mode_field_figure(body: Any, record: ModeRecord) -> Figure:
    """|E|^2 of ``record`` on linear and logarithmic scales, with the body, film and substrate
    interfaces drawn; raises ValueError when the record carries no field."""
    fmap = record.field_rz
    if fmap is None:
        raise ValueError("mode_field_figure: this mode record carries no field (field_rz)")
    r, z = np.asarray(fmap.r_um), np.asarray(fmap.z_um)
    intensity = (np.abs(fmap.E_r) ** 2 + np.abs(fmap.E_phi) ** 2 + np.abs(fmap.E_z) ** 2)
    intensity = intensity / intensity.max()
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    norms = (None, LogNorm(vmin=1e-6, vmax=1.0))
    titles = ("|E|$^2$", "|E|$^2$ (log): tails into the substrate and the air")
    outline = np.asarray(body.polygon(256).exterior.coords)
    film = body.coating_polygon(256)
    film_parts = getattr(film, "geoms", [film])
    for ax, norm, title in zip(axes, norms, titles, strict=True):
        mesh = ax.pcolormesh(r, z, np.clip(intensity, 1e-12, None), shading="auto",
                             cmap="magma", norm=norm)
        ax.plot(outline[:, 0], outline[:, 1], color="cyan", lw=0.7)
        for part in film_parts:
            if part.is_empty or part.geom_type != "Polygon":
                continue  # slivers of the buffer/difference (lines, points) are not film
            xy = np.asarray(part.exterior.coords)
            ax.plot(xy[:, 0], xy[:, 1], color="lime", lw=0.5)
        for zi in body.surroundings.substrate_interfaces_um if (
                body.surroundings.substrate or body.surroundings.substrate_halfspace) else []:
            ax.axhline(zi, color="gold", lw=0.6)
        ax.set_xlim(r[0], r[-1])
        ax.set_ylim(z[0], z[-1])
        ax.set_xlabel("r (um)")
        ax.set_title(title, fontsize=9)
        fig.colorbar(mesh, ax=ax, shrink=0.9)
    axes[0].set_ylabel("z (um)")
    fig.suptitle(f"m = {record.m} {record.polarization} (radial {record.radial_order}, axial "
                 f"{record.axial_order}), {record.wavelength_nm:.3f} nm, Q = "
                 f"{_q_text(record.Q)}, film fraction {record.film_fraction:.3g} "
                 f"[{record.solver}]", fontsize=9)
    return fig

"""The run's figures and a self-contained HTML report (images embedded, no external files).

Figures (matplotlib, written as PNG under ``<out>/figures``):
- the exposure map and the absorber series of the process (paper Fig. 2a-b, geometry.plots);
- the predicted cross-sections of every row;
- the design map: threshold fluence and lasing wavelength versus peak dose (and dwell);
- the mode spectrum of every row (wavelength vs Q, threshold coloured, lasing mode marked);
- the field of the lasing mode of one disk, when the solver can return it;
- the paper-style gain figures of the nanocrystal preset (gain.plots, Fig. 4), when available.

Units: um, ms, nm, uJ/cm^2.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from paradisk.files import atomic_write_text, atomic_write_with

if TYPE_CHECKING:
    from paradisk.pipeline import RunResult


def cross_sections_figure(result: RunResult) -> Figure:
    """Predicted (r, z) cross-sections of every row, with the nanocrystal film thickness."""
    fig = Figure(figsize=(6.4, 3.0), layout="constrained")
    ax = fig.subplots()
    for plan in result.spec.unique_disks():
        wall = plan.profile.wall_points(96)
        r = np.r_[-wall[::-1, 0], wall[:, 0]]
        z = np.r_[wall[::-1, 1], wall[:, 1]]
        (line,) = ax.plot(r, z, lw=1.2, label=f"{plan.id}: {plan.dwell_ms:.3g} ms, "
                          f"D = {plan.profile.top_diameter_um:.3g} um")
        ax.plot([-wall[-1, 0], wall[-1, 0]], [wall[-1, 1]] * 2, color=line.get_color(), lw=1.2)
    ax.axhline(0.0, color="goldenrod", lw=3)
    ax.set_xlabel("r (um)")
    ax.set_ylabel("z (um)")
    ax.set_ylim(-0.3, 1.8 * result.spec.process.film_thickness_um)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    ax.set_title("predicted disks (gold substrate at z = 0)", fontsize=9)
    return fig


def design_map_figure(result: RunResult) -> Figure:
    """Threshold fluence and lasing wavelength versus peak dose (mJ/cm^2), dwell on top."""
    df = result.table[result.table["col"] == 0]
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    dose = df["peak_dose_mJ_per_cm2"].to_numpy(float)
    # one power for the whole array: dwell is proportional to dose (ms per mJ/cm^2)
    ms_per_dose = float(np.nanmean(df["dwell_ms"].to_numpy(float) / dose))
    fluence = df["threshold_fluence_uJ_per_cm2"].to_numpy(float)
    lam = df["lasing_wavelength_nm"].to_numpy(float)
    ax1.plot(dose, fluence, "o-")
    if np.any(np.isfinite(fluence) & (fluence > 0)):
        ax1.set_yscale("log")
    ax1.set_ylabel("threshold fluence (uJ/cm$^2$)")
    for d, f, dia in zip(dose, fluence, df["top_diameter_um"], strict=True):
        if math.isfinite(f):
            ax1.annotate(f"{dia:.3g} um", (d, f), fontsize=7, textcoords="offset points",
                         xytext=(3, 4))
    ax2.plot(dose, lam, "s-", color="C3")
    ax2.set_ylabel("lasing wavelength (nm)")
    ax2.set_xlabel("peak dose (mJ/cm$^2$)")
    ax2.set_xscale("log")
    power = result.spec.array.power_uW or result.spec.process.power_uW
    top = ax1.secondary_xaxis("top", functions=(lambda x: x * ms_per_dose,
                                                lambda t: t / ms_per_dose))
    top.set_xlabel(f"dwell at {power:g} uW (ms)", fontsize=8)
    ax1.set_title("design map: what each dose lases at, and where", fontsize=9)
    return fig


def spectra_figure(result: RunResult) -> Figure:
    """Modes of every row: wavelength vs Q, colour = threshold N, star = lasing mode."""
    rows = result.spec.unique_disks()
    fig = Figure(figsize=(6.4, 1.0 + 1.2 * len(rows)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(rows), 1, sharex=True))
    lo, hi = result.spec.solver.window_nm
    for ax, plan in zip(axes, rows, strict=True):
        modes = result.modes.get(plan.id, [])
        if modes:
            lam = np.array([m["wavelength_nm"] for m in modes], float)
            # the Q the threshold used (solver Q combined with the intrinsic one): always finite
            q = np.array([m.get("Q_total", m["Q"]) for m in modes], dtype=float)
            nth = np.array([m.get("N_threshold", np.nan) for m in modes], float)
            te = np.array([m.get("polarization") == "TE" for m in modes])
            for mask, marker in ((te, "o"), (~te, "^")):
                if mask.any():
                    ax.scatter(lam[mask], q[mask], c=np.log10(np.clip(nth[mask], 1e-3, 1e3)),
                               cmap="viridis_r", vmin=-1, vmax=2, marker=marker, s=18)
            las = result.lasing.get(plan.id)
            if las:
                ax.scatter([las["wavelength_nm"]], [las.get("Q_total", las["Q"])], marker="*",
                           s=140,
                           facecolor="none", edgecolor="red")
            if np.any(np.isfinite(q) & (q > 0)):
                ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylabel("Q total", fontsize=8)
        ax.text(0.01, 0.8, f"{plan.id}  D = {plan.profile.top_diameter_um:.3g} um",
                transform=ax.transAxes, fontsize=7)
    axes[-1].set_xlabel("wavelength (nm)  (o TE, ^ TM; colour log10 N_th; red star lases)")
    return fig


def _figure_makers(result: RunResult) -> dict[str, Callable[[], Figure | None]]:
    from geometry.plots import exposure_map_figure, profiles_vs_absorber_figure
    from paradisk.scatter.plots import scatter_figure_makers

    spec = result.spec
    rows = spec.unique_disks()
    energy = rows[len(rows) // 2].energy_uJ
    conc = spec.process.absorber.concentration_mg_per_mL
    makers: dict[str, Callable[[], Figure | None]] = {
        "exposure_map": lambda: exposure_map_figure(spec.process, energy),
        "profiles_vs_absorber": lambda: profiles_vs_absorber_figure(
            spec.process, energy, [0.5 * conc, conc, 2 * conc]),
        "cross_sections": lambda: cross_sections_figure(result),
        "design_map": lambda: design_map_figure(result),
        "spectra": lambda: spectra_figure(result),
        "lasing_mode_field": lambda: lasing_field_figure(result),
    }
    makers.update(gain_figure_makers(result))
    makers.update(scatter_figure_makers(result))
    return makers


def lasing_field_figure(result: RunResult) -> Figure | None:
    """|E|^2 of the lasing mode of the middle row, from the run's cached field stage
    (``result.mode_field``, paradisk.stages.field_stage); None when the run has no field (Meep
    runs, no lasing mode in that row). A failed field solve raises, so the report says why."""
    fm = result.mode_field
    if fm is None:
        return None
    if "error" in fm:
        raise RuntimeError(f"field of the lasing mode of {fm['id']}: {fm['error']}")
    if fm.get("record") is None or fm.get("field") is None:
        return None
    from paradisk.stages import decode_field
    from solvers.modes import ModeRecord
    from solvers.plots import mode_field_figure

    plan = next(p for p in result.spec.unique_disks() if p.id == fm["id"])
    record = ModeRecord(**fm["record"], field_rz=decode_field(fm["field"]))
    return mode_field_figure(plan.body, record)


def gain_figure_makers(result: RunResult) -> dict[str, Callable[[], Figure | None]]:
    """Paper-style gain figures of the nanocrystal preset (gain.plots): Fig. 4a, 4b, 4c-d,
    1c, 1d, and Fig. 6d (spectra versus pump) for the disk with the lowest threshold."""
    from gain import plots

    spec = result.spec
    material = spec.nanocrystals.resolved_material
    makers: dict[str, Callable[[], Figure | None]] = {
        "fig4a_gain_spectra": lambda: plots.fig4a_figure(material),
        "fig4b_gain_vs_N": lambda: plots.fig4b_figure(material),
        "fig4cd_threshold_vs_K": lambda: plots.fig4cd_figure(material),
        "fig1c_ase_threshold": lambda: plots.fig1c_figure(material, pump=spec.pump),
        "fig1d_cmin": lambda: plots.fig1d_figure(material),
        "fig6d_spectra_vs_pump": lambda: _fig6d(result),
    }
    return makers


def _fig6d(result: RunResult) -> Figure | None:
    from gain import plots
    from gain.dynamics import CavityModes

    lasing = {k: v for k, v in result.lasing.items() if v}
    if not lasing:
        return None
    rid = min(lasing, key=lambda k: lasing[k]["threshold_N"])
    las = lasing[rid]
    # the competing modes: those within 25 nm of the lasing mode (keeps the ODE small), with
    # the Q the threshold used (solver and intrinsic losses)
    modes = [m for m in result.modes[rid] if math.isfinite(m.get("Q_total", math.nan))
             and abs(m["wavelength_nm"] - las["wavelength_nm"]) <= 25.0]
    cavity = CavityModes.build(
        [m["wavelength_nm"] for m in modes], [m["Q_total"] for m in modes],
        [m["film_fraction"] for m in modes], [m["effective_index"] for m in modes],
        m=[m["m"] for m in modes], loss_index=result.spec.nanocrystals.refractive_index)
    spec = result.spec
    return plots.fig6d_figure(spec.nanocrystals.resolved_material, cavity,
                              spec.nanocrystals.concentration_per_cm3,
                              pulse_duration_ns=spec.pump.pulse_duration_ns)


def write_figures(result: RunResult, out: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Write every figure that can be made; returns (paths, reasons for figures skipped)."""
    paths, skipped = {}, {}
    for name, make in _figure_makers(result).items():
        try:
            fig = make()
            if fig is None:
                skipped[name] = "not available for this run"
                continue
            paths[name] = atomic_write_with(
                out / "figures" / f"{name}.png",
                lambda tmp, f=fig: f.savefig(tmp, dpi=120, format="png",
                                             metadata={"Software": None}),
            )
        except Exception as exc:  # a figure must not sink the run: say why it is missing
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return paths, skipped


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(path.stem)}">'


def _table_html(records: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if math.isnan(v) else f"{v:.5g}"
        return html.escape("" if v is None else str(v))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in columns) + "</tr>"
                   for r in records)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


SECTIONS = (
    ("The process", ["exposure_map", "profiles_vs_absorber"],
     "Deposited dose with the cross-linking contour (paper Fig. 2a) and the disk shape for half, "
     "the same and twice the absorber concentration at the middle row's exposure (Fig. 2b)."),
    ("Predicted disks", ["cross_sections"], "Cross-sections of every row of the array."),
    ("Design map", ["design_map"],
     "Threshold pump fluence and lasing wavelength versus peak dose (dwell on the top axis)."),
    ("Modes", ["spectra", "lasing_mode_field"],
     "Whispering-gallery modes in the gain window and the field of a lasing mode."),
    ("Nanocrystal gain", None, "Gain model of the nanocrystal preset (paper Fig. 4 style)."),
)


def write_report(result: RunResult, out: Path) -> dict[str, Path]:
    """Write figures and ``report.html``; returns their paths."""
    figs, skipped = write_figures(result, out)
    result.skipped_figures = dict(skipped)
    spec = result.spec
    used = {n for _, names, _ in SECTIONS if names for n in names}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>paradisk report: {html.escape(spec.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;"
        "padding:2px 5px;text-align:right}img{max-width:100%}</style></head><body>",
        f"<h1>paradisk: {html.escape(spec.name)}</h1>",
        f"<p>{html.escape(spec.description)}</p>",
        f"<p>spec hash <code>{spec.spec_hash()[:16]}</code>; solver "
        f"{html.escape(str(result.stats.get('solver')))}; {result.stats.get('disks')} disks in "
        f"{result.stats.get('rows')} rows; {result.stats.get('modes_solved', 0)} mode solves, "
        f"{result.stats.get('modes_cached', 0)} from cache; "
        f"{result.stats.get('errors', 0)} errors.</p>",
        "<h2>Results (one row per array row)</h2>",
        _table_html(result.table[result.table["col"] == 0].to_dict(orient="records"),
                    [c for c in result.table.columns if c not in ("row", "col")]),
    ]
    for title, names, text in SECTIONS:
        names = names if names is not None else sorted(n for n in figs if n not in used)
        parts.append(f"<h2>{html.escape(title)}</h2><p>{html.escape(text)}</p>")
        for n in names:
            if n in figs:
                parts.append(_img(figs[n]))
            elif n in skipped:
                parts.append(f"<p><i>{html.escape(n)}: {html.escape(skipped[n])}</i></p>")
    p = spec.process
    parts.append("<h2>Process</h2>" + _table_html([{
        "film_thickness_um": p.film_thickness_um, "waist_um": p.waist_um,
        "threshold_dose_mJ_per_cm2": p.threshold_dose_mJ_per_cm2, "power_uW": p.power_uW,
        "absorber": p.absorber.name, "concentration_mg_per_mL":
        p.absorber.concentration_mg_per_mL, "alpha_per_um": p.alpha_per_um}],
        ["film_thickness_um", "waist_um", "threshold_dose_mJ_per_cm2", "power_uW", "absorber",
         "concentration_mg_per_mL", "alpha_per_um"]))
    parts.append("</body></html>\n")
    path = atomic_write_text(out / "report.html", "\n".join(parts))
    return {"report": path, **{f"figure_{k}": v for k, v in figs.items()}}

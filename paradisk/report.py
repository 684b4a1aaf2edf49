"""The run's figures and a self-contained HTML report (images embedded, no external files).

The report leads with the results (lasing mode, threshold, Q, K, red shift per disk; every
other column behind a toggle), then every parameter that shaped them with the assumptions
marked, the layout preview and the figures. ``FIGURES`` lists the figures: one line each,
(section, file name, maker); a maker takes the RunResult and returns a matplotlib Figure, or
None when the run has nothing to show (the report then says why the figure is missing).

Figures are drawn once for a given run content: the PNGs are kept in the run's cache under a
key made of the results, the spec and the code that draws them, so an unchanged rerun writes
the report without drawing (matplotlib is not even imported then).

Units: um, ms, nm, uJ/cm^2.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from paradisk import report_page as page
from paradisk.assumptions import ASSUMPTIONS
from paradisk.files import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gain.film import NanocrystalFilm
    from paradisk.results import RunResult

FigureMaker = Callable[["RunResult"], "Figure | None"]


def _new_figure(**kw: Any) -> Figure:
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kw)


def readable_log_axis(ax: Axes, which: str, values: Any) -> None:
    """A log axis when ``values`` span a factor 10 or more, with ticks at 1, 2 and 5 per decade
    labelled as plain numbers (20000, not 2x10^4 on a minor tick); a linear axis otherwise."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0 or v.max() / v.min() < 10.0:
        return
    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.6g}"))
    axis.set_minor_formatter(NullFormatter())


def cross_sections_figure(result: RunResult) -> Figure:
    """Predicted (r, z) cross-sections of every row, with the nanocrystal film thickness."""
    fig = _new_figure(figsize=(6.4, 3.0))
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
    fig = _new_figure(figsize=(6.4, 4.8))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    dose = df["peak_dose_mJ_per_cm2"].to_numpy(float)
    # one power for the whole array: dwell is proportional to dose (ms per mJ/cm^2)
    ms_per_dose = float(np.nanmean(df["dwell_ms"].to_numpy(float) / dose))
    fluence = df["threshold_fluence_uJ_per_cm2"].to_numpy(float)
    lam = df["lasing_wavelength_nm"].to_numpy(float)
    ax1.plot(dose, fluence, "o-")
    readable_log_axis(ax1, "y", fluence)
    ax1.set_ylabel("threshold fluence\n(uJ/cm$^2$)")
    for d, f, dia in zip(dose, fluence, df["top_diameter_um"], strict=True):
        if math.isfinite(f):
            # below and right of the point: the curve rises to the right, so this is clear
            ax1.annotate(f"{dia:.3g} um", (d, f), fontsize=7, textcoords="offset points",
                         xytext=(5, -4), ha="left", va="top")
    ax1.margins(x=0.08, y=0.15)
    ax2.plot(dose, lam, "s-", color="C3")
    ax2.set_ylabel("lasing wavelength (nm)")
    ax2.set_xlabel("peak dose (mJ/cm$^2$)")
    readable_log_axis(ax2, "x", dose)
    power = result.spec.write_power_uW
    top = ax1.secondary_xaxis("top", functions=(lambda x: x * ms_per_dose,
                                                lambda t: t / ms_per_dose))
    if ax2.get_xscale() == "log":
        readable_log_axis(top, "x", dose * ms_per_dose)
    top.set_xlabel(f"dwell at {power:g} uW (ms)", fontsize=8)
    ax1.set_title("design map: what each dose lases at, and where", fontsize=9)
    return fig


def _threshold_norm(values: Any) -> Any:
    """Log colour scale of thresholds N spanning the finite values given (at least a factor 2
    around their geometric middle; 0.1-100 when there is none)."""
    from matplotlib.colors import LogNorm

    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    lo, hi = (0.1, 100.0) if v.size == 0 else (float(v.min()), float(v.max()))
    if hi / lo < 2.0:
        mid = math.sqrt(lo * hi)
        lo, hi = mid / math.sqrt(2.0), mid * math.sqrt(2.0)
    return LogNorm(lo, hi)


def spectra_figure(result: RunResult) -> Figure:
    """Modes of every row: wavelength vs Q, colour = threshold N (colour bar), star = lasing."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    rows = result.spec.unique_disks()
    fig = _new_figure(figsize=(7.0, 1.4 + 1.2 * len(rows)))
    axes = np.atleast_1d(fig.subplots(len(rows), 1, sharex=True))
    lo, hi = result.spec.solver.window_nm
    norm = _threshold_norm([m.get("N_threshold", np.nan) for plan in rows
                            for m in result.modes.get(plan.id, [])])
    for ax, plan in zip(axes, rows, strict=True):
        modes = result.modes.get(plan.id, [])
        if modes:
            lam = np.array([m["wavelength_nm"] for m in modes], float)
            # the Q the threshold used (the mode's loss budget): always finite
            q = np.array([m.get("Q_total", m["Q"]) for m in modes], dtype=float)
            nth = np.array([m.get("N_threshold", np.nan) for m in modes], float)
            te = np.array([m.get("polarization") == "TE" for m in modes])
            for mask, marker in ((te, "o"), (~te, "^")):
                if mask.any():
                    ax.scatter(lam[mask], q[mask], c=np.clip(nth[mask], norm.vmin, norm.vmax),
                               cmap="viridis_r", norm=norm, marker=marker, s=18)
            las = result.lasing.get(plan.id)
            if las:
                ax.scatter([las["wavelength_nm"]], [las.get("Q_total", las["Q"])], marker="*",
                           s=140, facecolor="none", edgecolor="red")
            readable_log_axis(ax, "y", q)
        ax.set_xlim(lo, hi)
        ax.set_ylabel("Q total", fontsize=8)
        ax.set_title(f"disk {plan.id}, D = {plan.profile.top_diameter_um:.3g} um", fontsize=8,
                     loc="left")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap="viridis_r"), ax=list(axes),
                       shrink=1.0 if len(rows) < 3 else 0.6)
    # ticks at 1, 2 and 5 per decade, and at the ends of a scale shorter than a decade
    bar.ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.3g}"))
    bar.ax.yaxis.set_minor_formatter(NullFormatter())
    if norm.vmax / norm.vmin < 10.0:
        bar.ax.yaxis.set_minor_locator(LogLocator(base=10, subs=np.arange(1.0, 10.0)))
        bar.ax.yaxis.set_minor_formatter(FuncFormatter(lambda x, _pos: f"{x:.2g}"))
        bar.ax.tick_params(which="minor", labelsize=7)
    bar.set_label("threshold N", fontsize=8)
    axes[-1].set_xlabel("wavelength (nm)  (o TE, ^ TM; red star: lasing mode)")
    return fig


def lasing_field_figure(result: RunResult) -> Figure | None:
    """|E|^2 of the lasing mode of the middle row on the (r, z) plane, linear and log scale,
    with the disk outline.

    From the run's cached field stage (``result.mode_field``, paradisk.stages.field_stage);
    None when the run has no field (Meep runs, no lasing mode in that row). A failed field
    solve raises, so the report says why."""
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
    # the mode table's row: the record's own fields (not its budget and threshold columns)
    own = {k: v for k, v in fm["record"].items() if k in ModeRecord.__dataclass_fields__}
    record = ModeRecord(**own, field_rz=decode_field(fm["field"]))
    fig = mode_field_figure(plan.body, record)
    fig.suptitle(f"disk {plan.id} (D = {plan.profile.top_diameter_um:.3g} um), lasing mode: "
                 f"{fig.get_suptitle()}", fontsize=9)
    return fig


def _fig6d(result: RunResult) -> Figure | None:
    """Spectra versus pump (paper Fig. 6d) of the disk with the lowest threshold."""
    from gain import plots
    from gain.dynamics import CavityModes

    lasing = {k: v for k, v in result.lasing.items() if v}
    if not lasing:
        return None
    rid = min(lasing, key=lambda k: lasing[k]["threshold_N"])
    las = lasing[rid]
    # the competing modes: those within 25 nm of the lasing mode (keeps the ODE small), with
    # the Q the threshold used (each mode's loss budget)
    modes = [m for m in result.modes[rid] if math.isfinite(m.get("Q_total", math.nan))
             and abs(m["wavelength_nm"] - las["wavelength_nm"]) <= 25.0]
    cavity = CavityModes.build(
        [m["wavelength_nm"] for m in modes], [m["Q_total"] for m in modes],
        [m["film_fraction"] for m in modes], [m["effective_index"] for m in modes],
        m=[m["m"] for m in modes], loss_index=result.spec.nanocrystals.refractive_index)
    spec = result.spec
    fig = plots.fig6d_figure(spec.nanocrystals.resolved_material, cavity,
                             spec.nanocrystals.concentration_per_cm3,
                             pulse_duration_ns=spec.pump.pulse_duration_ns)
    ax = fig.axes[0]
    ax.set_title(f"disk {rid} (lowest threshold): {ax.get_title()}", fontsize=9)
    return fig


def _gain_plot(name: str, caption: str, with_pump: bool = False) -> FigureMaker:
    """A gain.plots figure of the run's nanocrystal material (paper Fig. 1 and 4 style)."""
    def make(result: RunResult) -> Figure:
        from gain import plots

        material = result.spec.nanocrystals.resolved_material
        fn = getattr(plots, name)
        return fn(material, pump=result.spec.pump) if with_pump else fn(material)

    make.__doc__ = caption
    return make


def _fig4cd(result: RunResult) -> Figure:
    """Threshold and lasing wavelength versus 1/(Gamma K) (paper Fig. 4c-d), each disk marked
    where its lasing mode sits."""
    from gain import plots

    return plots.fig4cd_figure(result.spec.nanocrystals.resolved_material,
                               disks=result.table.to_dict(orient="records"))


def loss_budget_figure(result: RunResult) -> Figure | None:
    """The loss budget of each row's lasing mode: 1/Q per channel (radiation, metal, material,
    roughness, film scattering, other)."""
    from solvers.losses.plots import loss_budget_figure as figure

    budgets = {f"{pid} m={las['m']} {las.get('polarization') or ''}": las
               for pid, las in result.lasing.items()
               if las and las.get("Q_material") is not None}
    return figure(budgets) if budgets else None


def _scatter_figure(name: str, caption: str) -> FigureMaker:
    """A paradisk.scatter.plots figure of the run's sampled disks (None without scatter:)."""
    def make(result: RunResult) -> Figure | None:
        from paradisk.scatter.plots import scatter_figure_makers

        makers = scatter_figure_makers(result)
        return makers[name]() if name in makers else None

    make.__doc__ = caption
    return make


def _exposure_map(result: RunResult) -> Figure:
    """Deposited dose of the middle row's exposure, with the cross-linking contour (Fig. 2a)."""
    from geometry.plots import exposure_map_figure

    return exposure_map_figure(result.spec.process, _middle_energy_uJ(result))


def _profiles_vs_absorber(result: RunResult) -> Figure:
    """Disk shape at half, the same and twice the absorber concentration (Fig. 2b)."""
    from geometry.plots import profiles_vs_absorber_figure

    conc = result.spec.process.absorber.concentration_mg_per_mL
    return profiles_vs_absorber_figure(result.spec.process, _middle_energy_uJ(result),
                                       [0.5 * conc, conc, 2 * conc])


def _middle_energy_uJ(result: RunResult) -> float:
    rows = result.spec.unique_disks()
    return rows[len(rows) // 2].energy_uJ


# The report's sections: key -> (title, what the section shows).
SECTIONS: dict[str, tuple[str, str]] = {
    "process": ("The process", "Deposited dose with the cross-linking contour (paper Fig. 2a) "
                "and the disk shape for half, the same and twice the absorber concentration at "
                "the middle row's exposure (Fig. 2b)."),
    "disks": ("Predicted disks", "Cross-sections of every row of the array."),
    "design": ("Design map", "Threshold pump fluence and lasing wavelength versus peak dose "
               "(dwell on the top axis)."),
    "modes": ("Modes", "Whispering-gallery modes in the gain window (each at its own Q), the "
              "field of a lasing mode and the loss budget of each disk's lasing mode."),
    "scatter": ("Fabrication scatter", "Disks sampled from the spec's scatter: section "
                "(paper Fig. 5 setting): threshold against lasing wavelength over the model's "
                "curve, and per-row distributions."),
    "gain": ("Nanocrystal gain", "Gain model of the nanocrystal preset (paper Fig. 1, 4 and 6d "
             "style)."),
}

# The report's figures, in order: (section, file name, maker). Add a figure with one line.
FIGURES: list[tuple[str, str, FigureMaker]] = [
    ("process", "exposure_map", _exposure_map),
    ("process", "profiles_vs_absorber", _profiles_vs_absorber),
    ("disks", "cross_sections", cross_sections_figure),
    ("design", "design_map", design_map_figure),
    ("modes", "spectra", spectra_figure),
    ("modes", "lasing_mode_field", lasing_field_figure),
    ("modes", "loss_budget", loss_budget_figure),
    ("scatter", "fig5_scatter", _scatter_figure(
        "fig5_scatter", "Sampled disks: threshold N against lasing wavelength over the "
        "model's curve (paper Fig. 5).")),
    ("scatter", "scatter_histograms", _scatter_figure(
        "scatter_histograms", "Per row: distributions of threshold N and lasing wavelength "
        "of the sampled disks.")),
    ("gain", "fig4a_gain_spectra", _gain_plot("fig4a_figure", "Gain spectra at several "
                                              "pump levels (paper Fig. 4a).")),
    ("gain", "fig4b_gain_vs_N", _gain_plot("fig4b_figure", "Gain versus pump at three "
                                           "wavelengths (Fig. 4b).")),
    ("gain", "fig4cd_threshold_vs_K", _fig4cd),
    ("gain", "fig1c_ase_threshold", _gain_plot("fig1c_figure", "ASE threshold and line "
                                               "versus concentration (Fig. 1c).", True)),
    ("gain", "fig1d_cmin", _gain_plot("fig1d_figure", "Minimum concentration for ASE "
                                      "versus 1/sigma_0 (Fig. 1d).")),
    ("gain", "fig6d_spectra_vs_pump", _fig6d),
]

FIGURES_STAGE = "report_figures"
NOT_AVAILABLE = "not available for this run"  # a maker returned None: nothing to show
# sections that only some runs have: drawn (and listed) only when the run asked for them
OPTIONAL_SECTIONS: dict[str, Callable[[RunResult], bool]] = {
    "scatter": lambda result: result.scatter is not None,
}


def _sections_of(result: RunResult) -> list[str]:
    """The report's sections this run has (every one but an optional one it did not ask for)."""
    return [k for k in SECTIONS if k not in OPTIONAL_SECTIONS or OPTIONAL_SECTIONS[k](result)]


def _figures_key(result: RunResult) -> str | None:
    """Cache key of the run's figures: everything a maker reads (spec, tables, modes, lasing,
    mode field) and the code that draws them; None when the run content is not JSON-able."""
    from paradisk.cache import code_version, make_key

    inputs = {"spec": result.spec.model_dump(mode="json"),
              "table": result.table.to_json(orient="split", double_precision=15),
              "modes": result.modes, "lasing": result.lasing, "field": result.mode_field,
              "figures": [(section, name) for section, name, _ in FIGURES]}
    try:
        return make_key(FIGURES_STAGE, code_version(
            "paradisk.report", "paradisk.report_page", "gain.plots", "geometry.plots",
            "solvers.plots", "solvers.losses.plots"), inputs)
    except (TypeError, ValueError):
        return None


def _figure_cache(result: RunResult) -> tuple[Any, str | None]:
    cache_dir = result.stats.get("cache_dir")
    if not cache_dir or cache_dir == "None":
        return None, None
    from paradisk.cache import Cache

    return Cache(cache_dir), _figures_key(result)


def _check_figures(value: Any) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("png"), dict) \
            or not isinstance(value.get("skipped"), dict):
        return "not {png: {...}, skipped: {...}}"
    return None


def write_figures(result: RunResult, out: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Write every figure that can be made; returns (paths, reasons for figures skipped).
    Reuses the PNGs of a run with the same content from the cache (``_figures_key``)."""
    cache, key = _figure_cache(result)
    hit = cache.get(FIGURES_STAGE, key, _check_figures) if cache and key else None
    if hit is None:
        png, skipped = _draw_figures(result)
        if cache is not None and key is not None:
            cache.put(FIGURES_STAGE, key, {
                "png": {n: base64.b64encode(b).decode() for n, b in png.items()},
                "skipped": skipped})
    else:
        png = {n: base64.b64decode(b) for n, b in hit["png"].items()}
        skipped = dict(hit["skipped"])
    paths = {name: atomic_write_bytes(out / "figures" / f"{name}.png", data)
             for name, data in png.items()}
    return paths, skipped


def _draw_figures(result: RunResult) -> tuple[dict[str, bytes], dict[str, str]]:
    import io

    png: dict[str, bytes] = {}
    skipped: dict[str, str] = {}
    sections = set(_sections_of(result))
    for section, name, make in FIGURES:
        if section not in sections:
            continue
        try:
            fig = make(result)
            if fig is None:
                skipped[name] = NOT_AVAILABLE
                continue
            buf = io.BytesIO()
            fig.savefig(buf, dpi=110, format="png", metadata={"Software": None})
            png[name] = buf.getvalue()
        except Exception as exc:  # a figure must not sink the run: say why it is missing
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return png, skipped


# the per-disk table: the results first, (column, heading, unit)
MAIN_COLUMNS = (
    ("id", "disk", ""), ("top_diameter_um", "top D", "um"), ("dwell_ms", "dwell", "ms"),
    ("lasing_m", "lasing m", ""), ("lasing_polarization", "pol.", ""),
    ("lasing_wavelength_nm", "lasing λ", "nm"),
    ("shift_from_emission_peak_nm", "red shift", "nm from emission peak"),
    ("threshold_N", "threshold N", "photons per NC"),
    ("threshold_fluence_uJ_per_cm2", "threshold fluence", "uJ/cm²"),
    ("lasing_Q_total", "Q", "loss budget total"), ("K", "K", ""),
)
TEXT_COLUMNS = ("id", "lasing_polarization", "lases", "reason", "window_edge_warning", "error")

# the parameters that shaped the results, by spec section: (title, spec key)
PARAMETER_SECTIONS = (
    ("Cavity", "cavity"), ("Pump", "pump"),
    ("Process (writing)", "process"), ("Array", "array"), ("Solver", "solver"),
    ("Losses", "losses"),
)


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items()
                for item in _flatten(f"{prefix}.{k}" if prefix else k, v)]
    return [(prefix, value)]


def _is_assumed(path: str) -> bool:
    """Whether the spec field at dotted ``path``, or a section holding it, is an assumption."""
    parts = path.split(".")
    return any(".".join(parts[:i]) in ASSUMPTIONS for i in range(1, len(parts) + 1))


def _parameters_html(spec_json: dict[str, Any], method: str, film: NanocrystalFilm) -> str:
    from paradisk.report_material import nanocrystals_html

    blocks = []
    other_solver = {"fem": "meep", "meep": "fem"}.get(method)
    for title, key in PARAMETER_SECTIONS:
        items = [(k, v, _is_assumed(f"{key}.{k}"))
                 for k, v in _flatten("", spec_json.get(key))
                 if not (key == "solver" and other_solver and k.startswith(other_solver + "."))]
        blocks.append(page.key_values(title, items))
    blocks.append(page.key_values("Disk", [("disk_material", spec_json.get("disk_material"),
                                            False)]))
    # the nanocrystals below the grid, full width: every material value with its source
    return (f'<div class="params">{"".join(blocks)}</div>'
            + nanocrystals_html(film, spec_json.get("nanocrystals") or {}))


def _assumptions_html(spec_json: dict[str, Any], film: NanocrystalFilm) -> str:
    from paradisk.assumptions import assumed_values, preset_assumptions

    rows = [{"field": a["field"], "value": a["value"], "why": a["why"], "from": "spec"}
            for a in assumed_values(spec_json)] + preset_assumptions(film)
    return ("<p>These inputs are not measured here nor given by the paper: replace them by the "
            "lab's own calibration (<code>paradisk calibrate</code>) before trusting absolute "
            "numbers.</p>"
            + page.table(rows, [("field", "spec field", ""), ("value", "value in this run", ""),
                                ("from", "from", ""), ("why", "what was assumed", "")],
                         text_columns=("field", "why", "value", "from")))


def _caption(name: str) -> str:
    """A figure's caption: the first paragraph of its maker's docstring (else its name)."""
    make = next(m for _, n, m in FIGURES if n == name)
    doc = (make.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split()) or name


def _count(n: Any, noun: str) -> str:
    """'1 row', '5 rows'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paradisk")
    except PackageNotFoundError:
        return "unknown"


def _warnings_html(records: list[dict[str, Any]]) -> list[str]:
    """One line per array row whose lasing mode sits at the solver window's edge."""
    return [f'<p class="warning"><b>warning</b> {page.esc(r["id"])}: '
            f'{page.esc(r["window_edge_warning"])}</p>'
            for r in records if r.get("window_edge_warning")]


def write_report(result: RunResult, out: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Write figures and ``report.html``; returns (their paths, figures skipped -> why).
    Reads ``result``, never changes it."""
    figs, skipped = write_figures(result, out)
    spec = result.spec
    spec_json = spec.model_dump(mode="json")
    st = result.stats
    records = result.table[result.table["col"] == 0].to_dict(orient="records")
    main = list(MAIN_COLUMNS) + ([("error", "error", "")] if any(r.get("error")
                                                                 for r in records) else [])
    shown = {c for c, _, _ in MAIN_COLUMNS}
    rest = [("id", "disk", "")] + [(c, c, "") for c in result.table.columns
                                   if c not in shown and c not in ("row", "col")]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>paradisk: {page.esc(spec.name)}</h1>",
        f"<p>{page.esc(spec.description)}</p>",
        f'<p class="meta">{when}; paradisk {page.esc(_version())}; spec hash '
        f"<code>{spec.spec_hash()[:16]}</code>; solver {page.esc(st.get('solver'))}; "
        f"{_count(st.get('disks'), 'disk')} in {_count(st.get('rows'), 'row')}; "
        f"{st.get('modes_solved', 0)} mode "
        f"solves, {st.get('modes_cached', 0)} from the cache; {st.get('errors', 0)} errors.</p>",
        "<h2>Results</h2><p>One row per array row (the repeats of a row are the same disk). "
        "Threshold N: photons absorbed per nanocrystal per pulse; Q: the lasing mode's loss "
        "budget (radiation, metal, material, roughness, film scattering, other); lases and "
        "why: behind the toggle.</p>",
        page.table(records, main, TEXT_COLUMNS),
        *_warnings_html(records),
        "<details><summary>every column (geometry, dose, solver Q, film fraction)</summary>"
        + page.table(records, rest, TEXT_COLUMNS) + "</details>",
        "<h2>Parameters</h2>", _parameters_html(spec_json, str(st.get("solver")),
                                                spec.nanocrystals),
        "<h2>Assumptions</h2>", _assumptions_html(spec_json, spec.nanocrystals),
    ]
    preview = result.paths.get("layout_png")
    if preview is not None and Path(preview).exists():
        body += ["<h2>Layout</h2>", page.figure(Path(preview), "layout_preview",
                                                "The write pattern (layout/preview.png; open "
                                                "layout/layout.gds in KLayout).")]
    for section in _sections_of(result):
        title, text = SECTIONS[section]
        names = [n for s, n, _ in FIGURES if s == section]
        body.append(f"<h2>{page.esc(title)}</h2><p>{page.esc(text)}</p>")
        if section == "scatter":
            from paradisk.scatter.summary_table import summary_html

            body.append(summary_html(result.scatter))
        for n in names:
            if n in figs:
                body.append(page.figure(figs[n], n, _caption(n)))
            elif n in skipped:
                body.append(f'<p class="skipped">{page.esc(n)}: {page.esc(skipped[n])}</p>')
    path = atomic_write_text(out / "report.html",
                             page.page(f"paradisk report: {spec.name}", body))
    return {"report": path, **{f"figure_{k}": v for k, v in figs.items()}}, dict(skipped)

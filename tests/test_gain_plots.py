"""Paper-style gain figures: they draw what they claim."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from gain import get_preset, plots


@pytest.mark.parametrize("name", ["fig1b_figure", "fig1c_figure", "fig1d_figure",
                                  "fig4a_figure", "fig4b_figure", "fig4cd_figure"])
def test_material_only_figures(name: str) -> None:
    fig = getattr(plots, name)(get_preset("QS3"))
    assert isinstance(fig, Figure) and fig.axes
    assert all(ax.lines for ax in fig.axes)


def test_fig4a_one_curve_per_N_and_normalised_absorption() -> None:
    fig = plots.fig4a_figure(get_preset("QS3"), N_values=(0.0, 1.0, 5.0))
    lines = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("N =")]
    assert len(lines) == 3
    y0 = np.asarray(lines[0].get_ydata())
    assert y0.max() <= 1e-12  # N = 0: absorption only


def test_fig1c_one_curve_per_preset_threshold_and_wavelength() -> None:
    from gain import PRESETS

    fig = plots.fig1c_figure(get_preset("NPL"))
    for ax in fig.axes:  # (c) threshold (with the Eq. 1 form dashed), ASE line position
        labels = [ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")]
        assert sorted(labels) == sorted(PRESETS)


@pytest.mark.slow
def test_fig6d_spectra_vs_pump_marks_the_static_lasing_mode() -> None:
    from gain.threshold import mode_thresholds

    m = get_preset("QS3")
    modes, _ = plots.example_disk_modes(m)
    fig = plots.fig6d_figure(m, modes, pump_multiples=(0.5, 2.0, 8.0))
    ax = fig.axes[0]
    spectra = [ln for ln in ax.lines if np.size(ln.get_xdata()) > 2]
    assert len(spectra) == 3
    th = mode_thresholds(m, 2.0e17, modes.wavelength_nm, modes.Q, modes.film_fraction,
                         loss_index=modes.loss_index).N_threshold
    marked = [ln for ln in ax.lines if ln.get_label().startswith("static lasing mode")]
    assert len(marked) == 1
    assert marked[0].get_xdata()[0] == pytest.approx(modes.wavelength_nm[np.argmin(th)])
    # every spectrum names the mode that emits most in the rate equations
    assert sum("top " in t.get_text() for t in ax.texts) == 3


def test_fig4cd_marks_each_disk_on_or_above_the_continuum_curve() -> None:
    """Fig. 4c/d against 1/(Gamma K) with the example's FEM disks (Q 2e3-3e5) marked at the
    1/(Gamma K) of their lasing mode: each threshold lies on or above the curve (the curve is
    the lowest threshold of any mode with that Gamma K), and the lasing wavelength within an
    FSR (<= 8.3 nm) of the curve's."""
    import dataclasses
    from pathlib import Path

    from gain.film import NanocrystalFilm, PumpSettings
    from gain.lasing import predict_lasing
    from gain.modetable import ModeTable
    from gain.spectra import default_wavelength_grid
    from gain.threshold import continuum_threshold

    film = NanocrystalFilm(preset="QS3", volume_fraction=0.35, thickness_nm=80.0,
                           refractive_index=1.8)
    # the solver's Q with an intrinsic one (not the recorded loss budget): Q spans 2e3-3e5
    table = dataclasses.replace(
        ModeTable.from_csv(Path(__file__).parent / "data" / "qs3_example_fem_modes.csv"),
        Q_total=None)
    rows = []
    for disk in table.disk_ids():
        for q in (2e3, 2e4, 3e5):
            p = predict_lasing(table.for_disk(disk), film, PumpSettings(), intrinsic_Q=q)
            rows.append({"id": disk, "lases": p.lases, "K": p.K, "threshold_N": p.threshold_N,
                         "lasing_film_fraction": p.film_fraction,
                         "lasing_wavelength_nm": p.wavelength_nm})
    rows.append({"id": "dark", "lases": False, "K": None, "threshold_N": None,
                 "lasing_film_fraction": None, "lasing_wavelength_nm": None})
    mat = film.resolved_material
    fig = plots.fig4cd_figure(mat, disks=rows)
    ax_c, ax_d = fig.axes
    assert ax_c.get_xlabel() == r"1/($\Gamma$ K)"
    marks = [ln for ln in ax_c.lines if ln.get_label().startswith("lasing disks")]
    assert len(marks) == 1 and marks[0].get_label() == "lasing disks (15)"
    x = np.asarray(marks[0].get_xdata())
    np.testing.assert_allclose(x, [1.0 / (r["K"] * r["lasing_film_fraction"])
                                   for r in rows[:-1]])
    curve_n, curve_lam = continuum_threshold(mat, x, default_wavelength_grid(mat, 2001))
    n = np.array([r["threshold_N"] for r in rows[:-1]])
    lam = np.array([r["lasing_wavelength_nm"] for r in rows[:-1]])
    assert np.all(n >= curve_n * (1 - 1e-3))  # the grid of 2001 wavelengths: 1e-3
    assert np.all(np.abs(lam - curve_lam) <= 8.3)
    d_marks = [ln for ln in ax_d.lines if ln.get_marker() == "o"]
    np.testing.assert_allclose(d_marks[0].get_ydata(), lam)
    assert [t.get_text() for t in ax_c.texts].count("r00c00") == 3


def _example_disk_rows(q_values=(None,)) -> list[dict]:
    """Result rows of the example's five disks (their recorded loss budgets, or the solver Q
    with each intrinsic Q of ``q_values``), each row repeated four times as in a run's table."""
    import dataclasses
    from pathlib import Path

    from gain.film import NanocrystalFilm, PumpSettings
    from gain.lasing import predict_lasing
    from gain.modetable import ModeTable

    film = NanocrystalFilm(preset="QS3", volume_fraction=0.35, thickness_nm=80.0,
                           refractive_index=1.8)
    table = ModeTable.from_csv(Path(__file__).parent / "data" / "qs3_example_fem_modes.csv")
    if q_values != (None,):
        table = dataclasses.replace(table, Q_total=None)
    rows = []
    for r, disk in enumerate(table.disk_ids()):
        for k, q in enumerate(q_values):
            p = predict_lasing(table.for_disk(disk), film, PumpSettings(), intrinsic_Q=q)
            row = f"r{r:02d}" if q is None else f"r{r:02d}q{k}"
            rows += [{"id": f"{row}c{c:02d}", "lases": p.lases, "K": p.K,
                      "threshold_N": p.threshold_N, "lasing_film_fraction": p.film_fraction,
                      "lasing_wavelength_nm": p.wavelength_nm} for c in range(4)]
    return rows


def _segments_cross(a, b) -> bool:
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return (side(*a, b[0]) * side(*a, b[1]) < 0) and (side(*b, a[0]) * side(*b, a[1]) < 0)


@pytest.mark.parametrize("q_values", [(None,), (2e3, 2e4, 3e5)], ids=["budgets", "3Q"])
def test_fig4cd_disk_labels_overlap_nothing(q_values) -> None:
    """At the report's 110 dpi, the disk names of Fig. 4c/d (the example's five disks close
    together at 1/(Gamma K) 0.017-0.027 with their loss budgets; 15 points over three decades
    with three Q each) overlap neither each other, nor the curves, the markers or the legend;
    one name per distinct disk point, each tied to its point, leaders not crossing."""
    rows = _example_disk_rows(q_values)
    fig = plots.fig4cd_figure(get_preset("QS3"), disks=rows)
    fig.set_dpi(110)
    fig.draw_without_rendering()  # lays out and places every artist, as savefig would
    renderer = fig.canvas.get_renderer()
    distinct = {(round(1.0 / (r["K"] * r["lasing_film_fraction"]), 6), round(r["threshold_N"], 6))
                for r in rows}
    for ax, key in zip(fig.axes, ("threshold_N", "lasing_wavelength_nm"), strict=True):
        labels = ax.texts
        assert len(labels) == len(distinct) == 5 * len(q_values)
        assert all(t.get_fontsize() >= 8 for t in labels)  # legible at the report's size
        # the text's own box (an Annotation's extent includes its leader line)
        boxes = [Text.get_window_extent(t, renderer) for t in labels]
        frame = ax.get_window_extent(renderer)
        for i, b in enumerate(boxes):
            assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
            assert not any(b.overlaps(c) for c in boxes[i + 1:]), labels[i].get_text()
            for line in ax.lines:
                if line.get_linestyle() in ("None", "none", ""):  # markers: circles of ms/2
                    xy = line.get_transform().transform(line.get_xydata())
                    radius = renderer.points_to_pixels(line.get_markersize() / 2)
                    dx = np.maximum(np.maximum(b.x0 - xy[:, 0], 0), xy[:, 0] - b.x1)
                    dy = np.maximum(np.maximum(b.y0 - xy[:, 1], 0), xy[:, 1] - b.y1)
                    assert np.hypot(dx, dy).min() > radius, labels[i].get_text()
                else:
                    path = line.get_transform().transform_path(line.get_path())
                    assert not path.intersects_bbox(b, filled=False), \
                        (labels[i].get_text(), line.get_label())
            legend = ax.get_legend().get_window_extent(renderer)
            assert not b.overlaps(legend), labels[i].get_text()
        # each name at its own disk's point; leader lines (label to point) do not cross
        by_id = {r["id"]: r for r in rows}
        leaders = []
        for t in labels:
            r = by_id[t.get_text()]
            assert t.xy == pytest.approx((1.0 / (r["K"] * r["lasing_film_fraction"]), r[key]))
            arrow = t.arrow_patch
            path = arrow.get_transform().transform_path(arrow.get_path()).vertices
            leaders.append((path[0], path[-1]))
        assert not any(_segments_cross(a, b) for i, a in enumerate(leaders)
                       for b in leaders[i + 1:])

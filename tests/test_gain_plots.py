"""Paper-style gain figures: they draw what they claim."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

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

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


def test_fig1c_one_curve_per_preset() -> None:
    fig = plots.fig1c_figure(get_preset("NPL"))
    assert sorted(ln.get_label() for ln in fig.axes[0].lines) == ["NPL", "QD", "QS3"]


@pytest.mark.slow
def test_fig6d_spectra_vs_pump() -> None:
    fig = plots.fig6d_figure(get_preset("QS3"), pump_multiples=(0.5, 2.0, 8.0))
    assert len(fig.axes[0].lines) == 3

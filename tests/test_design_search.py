"""paradisk design without a solver: the search's bookkeeping (progress, best so far, the
warning at the edge of the concentration grid) on a fake evaluation whose optimum is known.

The fake mode solve returns one mode whose fake threshold depends only on the disk's absorption
coefficient alpha (um^-1), which grows with the absorber concentration; so the best
concentration of the grid is known in advance.
"""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console

import paradisk.design as design
from paradisk.design import DesignTarget, grid_edge_warnings, search_design
from paradisk.progress import Progress
from paradisk.spec import spec_from_dict
from tests.test_pipeline_run import small_spec_data


def _fake(monkeypatch, threshold_of_alpha):
    def modes_stage(body_json, *_a, **_k):
        alpha = body_json["profile"]["alpha_per_um"]
        return {"modes": [{"alpha": alpha}], "cached": False, "seconds": 0.0}

    def lasing_stage(modes, *_a, **_k):
        n = threshold_of_alpha(modes[0]["alpha"])
        return {"thresholds": [], "lasing": {"m": 100, "polarization": "TE",
                                             "wavelength_nm": 640.0, "threshold_N": n,
                                             "K": 1.0 / n, "Q": 1e4}}

    monkeypatch.setattr(design, "modes_stage", modes_stage)
    monkeypatch.setattr(design, "lasing_stage", lasing_stage)


GRID = (5.0, 10.0, 20.0)


def _search(target_kw, log=None):
    spec = spec_from_dict(small_spec_data())
    target = DesignTarget(top_diameters_um=(14.0, 18.0), concentrations_mg_per_mL=GRID,
                          **target_kw)
    progress = Progress(log is not None, console=None if log is None else
                        Console(file=log, force_terminal=False, width=200), min_interval_s=0)
    return search_design(spec, target, workers=1, progress=progress)


def test_best_at_the_top_of_the_grid_warns_to_extend_upwards(monkeypatch):
    _fake(monkeypatch, lambda alpha: 1.0 / alpha)  # more absorber, lower threshold
    log = io.StringIO()
    result = _search({}, log)
    assert result.best_concentration_mg_per_mL == 20.0
    assert len(result.warnings) == 1
    assert "highest of the grid" in result.warnings[0] and "upwards" in result.warnings[0]
    lines = log.getvalue().splitlines()
    # one line per case (2 diameters x 3 concentrations), the best case so far on each
    assert [ln.split(" (")[0] for ln in lines] == [f"design {i}/6" for i in range(1, 7)]
    assert "best so far N_th" in lines[-1] and "at 20 mg/mL" in lines[-1]


def test_best_at_the_bottom_warns_to_extend_downwards(monkeypatch):
    _fake(monkeypatch, lambda alpha: alpha)
    result = _search({})
    assert result.best_concentration_mg_per_mL == 5.0
    assert len(result.warnings) == 1 and "downwards" in result.warnings[0]


def test_an_optimum_inside_the_grid_gives_no_warning(monkeypatch):
    spec = spec_from_dict(small_spec_data())
    absorber = spec.process.absorber
    alpha_10 = spec.process.model_copy(update={"absorber": absorber.model_copy(
        update={"concentration_mg_per_mL": 10.0})}).alpha_per_um
    _fake(monkeypatch, lambda alpha: 1.0 + (alpha - alpha_10) ** 2)
    result = _search({})
    assert result.best_concentration_mg_per_mL == 10.0
    assert result.warnings == []
    # the K objective picks the same case (K = 1 / N here) and does not warn either
    result_k = _search({"objective": "K"})
    assert result_k.best_concentration_mg_per_mL == 10.0 and result_k.warnings == []


@pytest.mark.parametrize(("best", "grid", "expect"), [
    (40.0, (5.0, 10.0, 20.0, 40.0), "upwards (e.g. 60 80)"),
    (5.0, (5.0, 10.0, 20.0, 40.0), "downwards (e.g. 2.5 3.75)"),
    (10.0, (5.0, 10.0, 20.0, 40.0), None),
    (10.0, (10.0,), None),  # a single concentration has no edge to extend
    (0.0, (0.0, 10.0), None),  # nothing below no absorber
    (None, (5.0, 10.0), None),  # nothing feasible: no best to warn about
])
def test_grid_edge_warnings(best, grid, expect):
    warnings = grid_edge_warnings(best, grid)
    if expect is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and expect in warnings[0]
        assert not math.isnan(best)

"""``paradisk identify --cache``: the spec disk's modes read from a run's cache carry their
stored loss fields, so the lasing mode identify predicts is the run's, loss budget included."""

from __future__ import annotations

import math

import pytest
import yaml

from paradisk.identify.identification import _fem_solver, _predicted_lasing
from paradisk.pipeline import RunOptions, run_pipeline
from paradisk.spec import spec_from_dict
from solvers.losses.columns import budget_columns

pytestmark = pytest.mark.slow  # one FEM solve of a 10 um disk


def test_cached_modes_keep_their_loss_budget(tmp_path, monkeypatch):
    from tests.conftest import EXAMPLE_SPEC

    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    data["array"].update(target_top_diameters_um=[10.0], repeats=1)
    data["solver"]["window_nm"] = [640.0, 660.0]
    spec = spec_from_dict(data, "one disk", base_dir=EXAMPLE_SPEC.parent)
    result = run_pipeline(spec, RunOptions(cache_dir=tmp_path, workers=1, progress=False))
    plan = spec.unique_disks()[0]
    run_modes = next(iter(result.modes.values()))
    run_lasing = next(iter(result.lasing.values()))

    import solvers

    def no_solve(*_a, **_k):
        raise AssertionError("identify solved a disk the cache holds")

    monkeypatch.setattr(solvers, "find_modes", no_solve)
    solve = _fem_solver(spec, tuple(data["solver"]["window_nm"]), plan.profile.top_diameter_um,
                        plan.body, str(tmp_path))
    modes = solve(plan.profile.top_diameter_um)
    assert len(modes) == len(run_modes)
    for rec, row in zip(modes, run_modes, strict=True):
        q = budget_columns(rec, plan.body, spec.loss_settings)["Q_total"]
        assert math.isfinite(q) and q == pytest.approx(row["Q_total"], rel=1e-9)
    predicted = _predicted_lasing(spec, modes, plan.body)
    assert predicted is not None
    assert (predicted["m"], predicted["polarization"]) == (run_lasing["m"],
                                                           run_lasing["polarization"])
    assert predicted["threshold_N"] == pytest.approx(run_lasing["threshold_N"], rel=1e-9)

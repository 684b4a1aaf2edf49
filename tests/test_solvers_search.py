"""The checks of a mode search (solvers.modes), shared by the spec's SolverSettings, the
solvers' entry point and the Meep driver, and the one SolverSettings -> find_modes mapping."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

import solvers
from solvers.meep import find_modes as meep_find_modes
from solvers.modes import WINDOW_LIMITS_NM, check_mode_search, check_order
from solvers.settings import SolverSettings

ROOT = Path(__file__).resolve().parents[1]
BAD_WINDOWS = [(700.0, 600.0), (150.0, 700.0), (600.0, 3500.0), (650.0, 650.0)]


@pytest.mark.parametrize("window", BAD_WINDOWS)
def test_every_entry_point_rejects_a_bad_window_with_the_same_bounds(window):
    lo, hi = WINDOW_LIMITS_NM
    expected = f"need {lo:g} <= lo < hi <= {hi:g} nm"
    for call in (lambda: check_mode_search(window, ("TE",), 1, 0),
                 lambda: solvers.find_modes(None, m=50, window_nm=window),
                 lambda: solvers.find_modes(None, m=50, window_nm=window, solver="meep"),
                 lambda: meep_find_modes(None, m=50, window_nm=window)):
        with pytest.raises(ValueError, match="window_nm") as err:
            call()
        assert expected in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValidationError, match=expected):
        SolverSettings(window_nm=window)


def test_window_edges_are_accepted():
    assert check_mode_search(WINDOW_LIMITS_NM, ["TM"], 10, 10) == (WINDOW_LIMITS_NM, ("TM",))
    assert SolverSettings(window_nm=WINDOW_LIMITS_NM).window_nm == WINDOW_LIMITS_NM


@pytest.mark.parametrize("pols", [("TE", "TX"), (), ("te",)])
def test_bad_polarizations_are_rejected_everywhere(pols):
    for call in (lambda: solvers.find_modes(None, m=50, polarizations=pols),
                 lambda: meep_find_modes(None, m=50, polarizations=pols)):
        with pytest.raises(ValueError, match="polarizations"):
            call()
    with pytest.raises(ValidationError, match="polarizations"):
        SolverSettings(polarizations=pols)


@pytest.mark.parametrize(("name", "value"), [("max_radial_order", 0), ("max_radial_order", 11),
                                             ("max_axial_order", -1), ("max_axial_order", 1.5)])
def test_order_limits_are_rejected_by_both_solvers(name, value):
    for solver in ("fem", "meep"):
        with pytest.raises(ValueError, match=f"{name} = .*: must be an integer"):
            solvers.find_modes(None, m=50, solver=solver, **{name: value})
    with pytest.raises(ValueError, match=name):
        meep_find_modes(None, m=50, **{name: value})


def test_numpy_integers_are_orders_and_bools_are_not():
    assert check_order("max_axial_order", np.int64(2), (0, 10)) == 2
    with pytest.raises(ValueError, match="max_axial_order"):
        check_order("max_axial_order", True, (0, 10))


def test_a_bad_search_fails_before_the_fem_loads():
    code = ("import sys, solvers\n"
            "try:\n    solvers.find_modes(None, m=50, window_nm=(700.0, 600.0))\n"
            "except ValueError:\n    pass\n"
            "print('ngsolve' in sys.modules or 'netgen' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "False"


def test_find_modes_with_maps_the_settings_once(monkeypatch):
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: calls.append((a, k)) or [])
    s = SolverSettings(method="meep", window_nm=(620.0, 660.0), polarizations=("TM",),
                       max_radial_order=2)
    solvers.find_modes_with("body", s, m=67, progress=False)
    (args, kw), = calls
    assert args == ("body",)
    assert kw == {"m": 67, "window_nm": (620.0, 660.0), "solver": "meep",
                  "polarizations": ("TM",), "max_radial_order": 2, "settings": s.meep,
                  "progress": False}
    calls.clear()
    solvers.find_modes_with("body", s, method="fem", window_nm=(600.0, 700.0),
                            polarizations=["TE"])
    (_, kw), = calls
    assert (kw["solver"], kw["window_nm"], kw["polarizations"], kw["settings"]) == (
        "fem", (600.0, 700.0), ("TE",), s.fem)


def test_settings_of_the_other_solver_are_refused_before_any_solve():
    from solvers.fem.settings import FemSettings
    from solvers.meep.settings import MeepSettings

    with pytest.raises(TypeError, match="a MeepSettings for solver = 'meep', got FemSettings"):
        solvers.find_modes(None, m=50, window_nm=(600.0, 680.0), solver="meep",
                           settings=FemSettings())
    with pytest.raises(TypeError, match="a FemSettings for solver = 'fem', got MeepSettings"):
        solvers.find_modes(None, m=50, window_nm=(600.0, 680.0), settings=MeepSettings())

"""Mode tables: CSV and record input, validation messages, per-disk grouping."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gain.modetable import ModeTable, ModeTableError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "qs3_modes.csv"


def _rec(**kw: object) -> dict:
    base = {"m": 140, "wavelength_nm": 640.0, "Q": 2e4, "film_fraction": 0.1,
            "effective_index": 1.46}
    return {**base, **kw}


def test_example_table_reads() -> None:
    t = ModeTable.from_csv(EXAMPLE)
    assert len(t) > 20 and not t.has_disk_ids
    assert set(t.polarization) == {"TE", "TM"}
    assert np.all(t.resolved)
    assert t.mode_volume_um3 is not None and np.all(t.mode_volume_um3 > 0)


def test_solver_records_with_extra_fields_and_unresolved_Q() -> None:
    # shape of solvers.modes.ModeRecord.to_dict(): extra keys are carried, inf Q -> unresolved
    rows = [
        {**_rec(), "polarization": "TE", "radial_order": 1, "axial_order": 0, "solver": "fem",
         "Q_radiation": None, "extra": {}},
        {**_rec(m=141, wavelength_nm=636.0, Q=math.inf), "polarization": "TM",
         "radial_order": 1, "axial_order": 0, "solver": "fem", "Q_radiation": None, "extra": {}},
    ]
    t = ModeTable.from_records(rows)
    assert t.resolved.tolist() == [True, False]
    assert math.isnan(t.Q[1])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"m": -1}, "m = -1 must be an integer"),
        ({"m": 3.5}, "must be an integer"),
        ({"wavelength_nm": 50.0}, "wavelength_nm = 50.0 must be within"),
        ({"Q": -3.0}, "Q = -3.0 must be > 0"),
        ({"film_fraction": 1.2}, "film_fraction = 1.2 must be within"),
        ({"effective_index": 0.0}, "effective_index"),
        ({"Q": "abc"}, "'Q' = 'abc' is not a number"),
        ({"polarization": "XY"}, "polarization"),
    ],
)
def test_bad_values_named(change: dict, message: str) -> None:
    with pytest.raises(ModeTableError, match=message):
        ModeTable.from_records([_rec(), _rec(**change)])


def test_missing_column_lists_required(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("m,wavelength_nm,Q\n140,640,2e4\n")
    with pytest.raises(ModeTableError, match="film_fraction"):
        ModeTable.from_csv(f)
    with pytest.raises(ModeTableError, match="does not exist"):
        ModeTable.from_csv(tmp_path / "nope.csv")
    with pytest.raises(ModeTableError, match="no rows"):
        ModeTable.from_records([])


def test_disk_ids_group_and_pad(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(
        "# comment\n"
        "disk_id,m,wavelength_nm,Q,film_fraction,effective_index\n"
        "r00c00,140,640,2e4,0.1,1.46\n"
        "r00c01,141,636,1e4,0.1,1.46\n"
        "r00c00,139,644,3e4,0.1,1.46\n"
    )
    t = ModeTable.from_csv(f)
    assert t.disk_ids() == ["r00c00", "r00c01"]
    assert len(t.for_disk("r00c00")) == 2
    pad = t.padded(["r00c00", "r00c01", "r09c09"])
    assert pad["Q"].shape == (3, 2)
    assert pad["wavelength_nm"][0].tolist() == [640.0, 644.0]
    assert pad["row"][1].tolist() == [1, -1] and np.isnan(pad["Q"][1, 1])
    assert np.all(np.isnan(pad["Q"][2]))


def test_table_without_disk_ids_applies_to_every_disk() -> None:
    t = ModeTable.from_records([_rec(), _rec(m=141, wavelength_nm=636.0)])
    pad = t.padded(["a", "b"])
    assert np.array_equal(pad["wavelength_nm"][0], pad["wavelength_nm"][1])

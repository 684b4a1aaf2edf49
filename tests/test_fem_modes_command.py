"""The ``paradisk modes`` command on a one-disk version of the example spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from paradisk.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "qs3_array.yaml"


def small_spec(tmp_path: Path) -> Path:
    """The example spec reduced to one 10 um disk and a 15 nm window (fast)."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["array"]["target_top_diameters_um"] = [10.0]
    data["array"]["repeats"] = 1
    data["solver"]["window_nm"] = [625.0, 640.0]
    path = tmp_path / "one_disk.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_modes_unknown_disk_is_a_user_error(tmp_path: Path, capsys) -> None:
    spec = small_spec(tmp_path)
    assert main(["modes", str(spec), "--disk", "r09c09"]) == 2
    assert "r09c09" in capsys.readouterr().err


@pytest.mark.slow
def test_modes_table_json_and_plots(tmp_path: Path, capsys, monkeypatch) -> None:
    import solvers

    spec = small_spec(tmp_path)
    computed: list = []
    real = solvers.find_modes

    def recording(*args, **kwargs):
        computed.append(real(*args, **kwargs))
        return computed[-1]

    monkeypatch.setattr(solvers, "find_modes", recording)
    assert main(["modes", str(spec), "--solver", "fem", "--json", "--no-cache", "--plot",
                 str(tmp_path / "maps")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["disk"] for d in data] == ["r00c00"]
    modes = data[0]["modes"]
    assert modes, "no mode in the window"
    for mode in modes:
        assert 625.0 <= mode["wavelength_nm"] <= 640.0
        assert mode["polarization"] in ("TE", "TM")
        assert (mode["radial_order"], mode["axial_order"]) == (1, 0)
        assert 0.0 < mode["film_fraction"] < 0.5
    pngs = sorted((tmp_path / "maps").glob("*.png"))
    assert len(pngs) == len(modes)
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "maps").glob(".*"))  # no temporary files left

    # the table of the same modes (not recomputed: the solver call returns the records above)
    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: computed[0])
    assert main(["modes", str(spec), "--disk", "r00c00", "--no-cache"]) == 0
    table = capsys.readouterr().out
    assert "disk r00c00" in table and "wavelength_nm" in table and "film_fraction" in table
    assert f"{modes[0]['wavelength_nm']:.4f}" in table


def test_modes_json_is_standard_json_with_unresolved_q_as_null(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    import math

    import solvers
    from solvers.modes import ModeRecord

    rec = ModeRecord(m=150, wavelength_nm=630.0, Q=math.inf, polarization="TE", radial_order=1,
                     axial_order=0, film_fraction=0.01, effective_index=1.4, solver="fem",
                     Q_radiation=math.inf, Q_absorption=2.5e5, mode_volume_um3=math.nan,
                     extra={"Q_raw": math.inf, "ndof": 1000})
    monkeypatch.setattr(solvers, "find_modes", lambda *a, **k: [rec])
    assert main(["modes", str(small_spec(tmp_path)), "--solver", "fem", "--json",
                 "--no-cache"]) == 0

    def reject(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(capsys.readouterr().out, parse_constant=reject)
    mode = data[0]["modes"][0]
    assert mode["Q"] is None and mode["Q_radiation"] is None and mode["mode_volume_um3"] is None
    assert mode["extra"]["Q_raw"] is None and mode["extra"]["ndof"] == 1000
    assert mode["Q_absorption"] == 2.5e5 and mode["wavelength_nm"] == 630.0
    # the loss budget: the solver's channels, and null for what needs the mode's field (this
    # record has none) and for Q_other (none in the spec: no loss)
    assert mode["Q_metal"] == 2.5e5
    assert sorted(mode["unresolved"]) == sorted([
        "Q", "Q_radiation", "extra.Q_raw", "mode_volume_um3", "Q_material", "Q_roughness",
        "Q_film_scattering", "Q_other", "Q_total"])

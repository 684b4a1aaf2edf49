"""The output set of write_outputs: no stale members, and a failure leaves the previous set."""

from __future__ import annotations

from pathlib import Path

import pytest

import layouts
import layouts.outputs
from layouts import LayoutSettings, WriteArray
from layouts.outputs import OUTPUT_FILES, STAGING_PREFIX


@pytest.fixture
def two_results(process):
    """Two different small layouts (different dwell times), so their files differ."""
    a = layouts.build_layout(process, WriteArray(dwell_ms=(20.0, 30.0), repeats=2, pitch_um=60.0),
                             LayoutSettings(), title="first")
    b = layouts.build_layout(process, WriteArray(dwell_ms=(25.0, 35.0), repeats=3, pitch_um=60.0),
                             LayoutSettings(), title="second")
    return a, b


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_run_without_oas_or_preview_removes_the_stale_files(two_results, tmp_path):
    first, second = two_results
    (tmp_path / "notes.txt").write_text("not ours")
    layouts.write_outputs(first, tmp_path, oas=True, preview=True)
    assert {p.name for p in tmp_path.iterdir()} == set(OUTPUT_FILES.values()) | {"notes.txt"}
    paths = layouts.write_outputs(second, tmp_path, oas=False, preview=False)
    assert sorted(paths) == ["csv", "gds", "json", "lyp"]
    assert {p.name for p in tmp_path.iterdir()} == {"layout.gds", "layout.lyp", "job.csv",
                                                    "job.json", "notes.txt"}
    assert (tmp_path / "notes.txt").read_text() == "not ours"
    assert layouts.read_exposure_points(paths["gds"]) == second.points


def test_failure_in_the_preview_leaves_the_previous_set(two_results, tmp_path, monkeypatch):
    first, second = two_results
    layouts.write_outputs(first, tmp_path, oas=True, preview=True)
    before = _snapshot(tmp_path)

    def broken_preview(result, path, dpi=150):
        Path(path).write_bytes(b"half a png")  # a partial file in the staging directory
        raise RuntimeError("preview failed")

    monkeypatch.setattr(layouts.outputs, "write_preview", broken_preview)
    with pytest.raises(RuntimeError, match="preview failed"):
        layouts.write_outputs(second, tmp_path, oas=True, preview=True)
    assert _snapshot(tmp_path) == before  # same names, same bytes, no staging directory
    assert layouts.read_exposure_points(tmp_path / "layout.gds") == first.points


def test_failure_into_an_empty_directory_writes_nothing(two_results, tmp_path, monkeypatch):
    _, second = two_results

    def broken_csv(points, stage):
        raise RuntimeError("csv failed")

    monkeypatch.setattr(layouts.outputs, "job_csv_text", broken_csv)
    with pytest.raises(RuntimeError, match="csv failed"):
        layouts.write_outputs(second, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_no_staging_directory_is_left_after_success(two_results, tmp_path):
    first, _ = two_results
    layouts.write_outputs(first, tmp_path, oas=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)]
    assert {p.name for p in tmp_path.iterdir()} == set(OUTPUT_FILES.values())

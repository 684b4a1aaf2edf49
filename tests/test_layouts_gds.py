"""The GDS: round trip to the job, byte-identical output, no timestamps, cells and their info."""

from __future__ import annotations

import csv
import itertools
import json
import math
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import layouts
from layouts import LayoutSettings, StageFrame, WriteArray
from layouts.layers import CHIP, DISK_FOOT, DISK_TOP, EXPOSURE, LABEL, MARK

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def module_process():
    from geometry import Absorber, ExposureProcess

    return ExposureProcess(
        film_thickness_um=5.0, waist_um=10.0, threshold_dose_mJ_per_cm2=2150.0, power_uW=500.0,
        resin_absorption_per_um=0.01,
        absorber=Absorber(concentration_mg_per_mL=20.0, absorptivity_405_mL_per_mg_per_cm=5.0),
    )


STAGE = StageFrame(origin_um=(1234.5678, -987.6543), flip_x=True, units="mm")
ARRAY = WriteArray(target_top_diameters_um=(12.0, 18.0, 24.0), repeats=5, pitch_um=61.25)


@pytest.fixture(scope="module")
def written(module_process, tmp_path_factory):
    settings = LayoutSettings(stage=STAGE)
    result = layouts.build_layout(module_process, ARRAY, settings, title="roundtrip")
    out = tmp_path_factory.mktemp("layout")
    paths = layouts.write_outputs(result, out, spec_dict={"name": "t"}, spec_hash="f" * 64,
                                  oas=True)
    return result, paths


def test_round_trip_gds_equals_job_csv(written):
    result, paths = written
    back = layouts.read_exposure_points(paths["gds"])
    with open(paths["csv"]) as f:
        lines = list(csv.DictReader(f))
    assert len(back) == len(lines) == 15
    xs, ys = STAGE.to_stage(np.array([p.x_um for p in back]), np.array([p.y_um for p in back]))
    for p, line, x, y in zip(back, lines, xs, ys, strict=True):
        assert (p.order, p.id, p.row, p.col) == (int(line["order"]), line["id"],
                                                 int(line["row"]), int(line["col"]))
        assert abs(x - float(line["x_mm"])) * 1e6 <= 1.0  # 1 nm
        assert abs(y - float(line["y_mm"])) * 1e6 <= 1.0
        for field in ("dwell_ms", "power_uW", "energy_uJ", "peak_dose_mJ_per_cm2",
                      "top_diameter_um", "foot_diameter_um"):
            assert getattr(p, field) == float(line[field])
    assert back == result.points


def test_round_trip_oasis(written):
    result, paths = written
    assert layouts.read_exposure_points(paths["oas"]) == result.points


def test_exposure_records_sit_on_the_disk_markers(written):
    """The record of each point lies where its disk is drawn (centre of the DISK_TOP polygon)."""
    from kfactory import kdb

    result, paths = written
    layout = kdb.Layout()
    layout.read(str(paths["gds"]))
    top = layout.top_cells()[0]
    region = kdb.Region(top.begin_shapes_rec(layout.find_layer(*DISK_TOP)))
    centres = {(round(p.bbox().center().x), round(p.bbox().center().y)): p for p in region.each()}
    assert len(centres) == 15
    for pt in result.points:
        poly = centres[(pt.x_nm, pt.y_nm)]
        r_um = poly.bbox().width() * layout.dbu / 2.0
        assert r_um == pytest.approx(pt.top_diameter_um / 2.0, rel=1e-3)


def test_same_input_gives_identical_bytes(written, module_process, tmp_path):
    _result, paths = written
    again = layouts.build_layout(module_process, ARRAY, LayoutSettings(stage=STAGE),
                                 title="roundtrip")
    new = layouts.write_outputs(again, tmp_path, spec_dict={"name": "t"}, spec_hash="f" * 64,
                                oas=True)
    for key in ("gds", "oas", "csv", "json", "png"):
        assert Path(new[key]).read_bytes() == Path(paths[key]).read_bytes(), key


def test_identical_bytes_from_a_fresh_process(written, tmp_path):
    """A new interpreter that first builds another layout (so gdsfactory's shared layout holds
    cells in another order) writes the same GDS, CSV and JSON."""
    _, paths = written
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from geometry import Absorber, ExposureProcess
import layouts
p = ExposureProcess(film_thickness_um=5.0, waist_um=10.0, threshold_dose_mJ_per_cm2=2150.0,
    power_uW=500.0, resin_absorption_per_um=0.01,
    absorber=Absorber(concentration_mg_per_mL=20.0, absorptivity_405_mL_per_mg_per_cm=5.0))
other = layouts.WriteArray(target_top_diameters_um=(24.0, 14.0), repeats=2, pitch_um=70.0)
layouts.build_layout(p, other, layouts.LayoutSettings(), title="first 9876")
a = layouts.WriteArray(target_top_diameters_um=(12.0, 18.0, 24.0), repeats=5, pitch_um=61.25)
s = layouts.LayoutSettings(stage=layouts.StageFrame(origin_um=(1234.5678, -987.6543),
                                                    flip_x=True, units="mm"))
r = layouts.build_layout(p, a, s, title="roundtrip")
layouts.write_outputs(r, {str(tmp_path)!r}, spec_dict={{"name": "t"}}, spec_hash="f" * 64,
                      preview=False)
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    for name, key in (("layout.gds", "gds"), ("job.csv", "csv"), ("job.json", "json")):
        assert (tmp_path / name).read_bytes() == Path(paths[key]).read_bytes(), name


def test_gds_has_no_timestamps(written):
    data = Path(written[1]["gds"]).read_bytes()
    i, dated = 0, 0
    while i < len(data):
        n, rtype = struct.unpack(">HH", data[i:i + 4])
        if rtype in (0x0102, 0x0502):  # BGNLIB, BGNSTR: 12 date words
            assert data[i + 4:i + 28] == bytes(24)
            dated += 1
        if rtype == 0x0400:  # ENDLIB
            break
        i += n
    assert dated >= 2


def test_disk_cell_info_and_layers(module_process):
    from layouts.cellkit import activate_generic_pdk
    from layouts.disks import disk

    activate_generic_pdk()
    c = disk(top_diameter_um=20.0, foot_diameter_um=12.0, dwell_ms=15.0, power_uW=500.0,
             energy_uJ=7.5, peak_dose_mJ_per_cm2=4774.6, disk_id="r01c02", circle_points=256)
    assert c.info["disk_id"] == "r01c02"
    assert c.info["dwell_ms"] == 15.0 and c.info["power_uW"] == 500.0
    assert c.info["energy_uJ"] == 7.5 and c.info["peak_dose_mJ_per_cm2"] == 4774.6
    assert c.info["top_diameter_um"] == 20.0 and c.info["foot_diameter_um"] == 12.0
    assert c.settings["top_diameter_um"] == 20.0
    polys = c.get_polygons(by="tuple")
    top_area = sum(p.area() for p in polys[DISK_TOP]) * 1e-6
    foot_area = sum(p.area() for p in polys[DISK_FOOT]) * 1e-6
    assert top_area == pytest.approx(math.pi * 10.0**2, rel=1e-3)
    assert foot_area == pytest.approx(math.pi * 6.0**2, rel=1e-3)
    assert EXPOSURE in polys
    with pytest.raises(ValueError, match="foot_diameter_um"):
        disk(top_diameter_um=10.0, foot_diameter_um=12.0)
    with pytest.raises(ValueError, match="top_diameter_um"):
        disk(top_diameter_um=0.0, foot_diameter_um=0.0)


def _array_positions_um(layout, cell_name: str) -> list[tuple[float, float]]:
    """Centres (um) at which the top cell of ``layout`` places cell ``cell_name``, by its
    instances as stored in the file (arrays expanded)."""
    top = layout.top_cells()[0]
    target = layout.cell(cell_name).cell_index()
    out = []
    for inst in top.each_inst():
        if inst.cell_index != target:
            continue
        arr = inst.cell_inst
        for i in range(max(arr.na, 1)):
            for j in range(max(arr.nb, 1)):
                d = arr.trans.disp + arr.a * i + arr.b * j
                out.append((d.x * layout.dbu, d.y * layout.dbu))
    return sorted(out)


def test_every_disk_of_the_job_is_in_the_gds_cell_info(written):
    """Read back from layout.gds, the cells' gdsfactory info (meta info) names every disk of
    job.csv with its dwell, power, dose and predicted diameters, and the position the info gives
    is where the file places that disk."""
    from kfactory import kdb

    result, paths = written
    disks = layouts.read_disk_info(paths["gds"])
    with open(paths["csv"]) as f:
        lines = list(csv.DictReader(f))
    assert sorted(disks) == sorted(line["id"] for line in lines)
    job = {p["id"]: p for p in json.loads(Path(paths["json"]).read_text())["points"]}
    for line in lines:
        d = disks[line["id"]]
        for field in ("dwell_ms", "power_uW", "energy_uJ", "peak_dose_mJ_per_cm2",
                      "top_diameter_um", "foot_diameter_um"):
            # KLayout keeps meta-info floats to 15 significant digits (the EXPOSURE records,
            # checked above, are exact)
            assert d[field] == pytest.approx(float(line[field]), rel=1e-14), (line["id"], field)
        assert d["row"] == int(line["row"])
        pj = job[line["id"]]
        assert d["position_um"] == (pj["x_gds_um"], pj["y_gds_um"])
    # the positions stated in the info are the placements of the cell's array in the file
    layout = kdb.Layout()
    layout.read(str(paths["gds"]))
    by_cell: dict[str, list[tuple[float, float]]] = {}
    for d in disks.values():
        by_cell.setdefault(d["cell"], []).append(d["position_um"])
    assert len(by_cell) == len(result.rows)  # one cell per row
    for name, positions in by_cell.items():
        placed = _array_positions_um(layout, name)
        assert len(placed) == len(positions) == ARRAY.repeats
        for (x, y), (px, py) in zip(sorted(positions), placed, strict=True):
            assert abs(x - px) < 1e-9 and abs(y - py) < 1e-9


def test_read_disk_info_rejects_a_duplicate_id(written, tmp_path):
    from kfactory import kdb

    layout = kdb.Layout()
    layout.read(str(written[1]["gds"]))
    cells = [c for c in layout.each_cell()
             if (c.meta_info_value("kfactory:info") or {}).get("disk_ids")]
    info = dict(cells[1].meta_info_value("kfactory:info"))
    info["disk_ids"] = list(cells[0].meta_info_value("kfactory:info")["disk_ids"])
    cells[1].add_meta_info(kdb.LayoutMetaInfo("kfactory:info", info, None, True))
    bad = tmp_path / "dup.gds"
    layout.write(str(bad))
    with pytest.raises(ValueError, match="disk id r0"):
        layouts.read_disk_info(bad)


def test_matrix_rows_carry_their_settings(written):
    result, _ = written
    c = result.component
    assert c.info["n_rows"] == 3 and c.info["n_cols"] == 5 and c.info["n_points"] == 15
    assert c.info["pitch_um"] == pytest.approx(61.25)
    rows = {}
    for inst in c.insts:
        info = inst.cell.info
        if "disk_ids" in info:
            rows[info["row_id"]] = info
    assert sorted(rows) == ["r00", "r01", "r02"]
    for row in result.rows:
        info = rows[f"r{row.row:02d}"]
        assert info["dwell_ms"] == row.dwell_ms and info["power_uW"] == row.power_uW
        assert info["peak_dose_mJ_per_cm2"] == row.peak_dose_mJ_per_cm2
        assert info["top_diameter_um"] == row.top_diameter_um
        assert info["foot_diameter_um"] == row.foot_diameter_um
        assert info["disk_ids"] == [f"r{row.row:02d}c{col:02d}" for col in range(5)]
        assert info["positions_um"] == [[col * 61.25, -row.row * 61.25] for col in range(5)]


def _drawn_text_lines(component) -> list[str]:
    """The lines of text drawn as single glyph references (row labels, column headers, title):
    glyphs grouped by their baseline, read left to right, a space where a character cell is
    empty."""
    from layouts.text import text_advance_um

    by_y: dict[int, list[tuple[int, str, float]]] = {}
    for inst in component.kdb_cell.each_inst():
        cell = component.kcl[inst.cell_index]
        if "character" not in cell.info or inst.cell_inst.is_regular_array():
            continue
        d = inst.cell_inst.trans.disp
        by_y.setdefault(d.y, []).append((d.x, cell.info["character"], cell.info["height_um"]))
    lines = []
    for glyphs in by_y.values():
        glyphs.sort()
        adv_nm = text_advance_um(glyphs[0][2]) * 1000
        text = glyphs[0][1]
        for (x0, _, _), (x1, ch, _) in itertools.pairwise(glyphs):
            text += " " * (round((x1 - x0) / adv_nm) - 1) + ch
        lines.append(text)
    return lines


def test_row_label_text_reads_right_in_capitals():
    from layouts.matrix import row_label, title_label
    from layouts.rows import DiskRow
    from layouts.text import significant

    row = DiskRow(row=3, dwell_ms=11.1449, power_uW=500.0, energy_uJ=5.57245,
                  peak_dose_mJ_per_cm2=4774.6, log_overdose=0.8, top_diameter_um=20.0,
                  foot_diameter_um=15.0, anchored=True)
    assert row_label(row) == "R03 11.14 MSEC 4.775 J/CM2"
    assert row_label(row) == row_label(row.model_copy())  # deterministic
    assert title_label("qs3 \u00b5disk", 500.0, 61.25) == "QS3 _DISK POWER 500 UW PITCH 61.25 UM"
    assert [significant(v) for v in (9.9996, 0.01234, 12345.6, 38.30068)] == [
        "10", "0.01234", "12350", "38.3"]


def test_drawn_labels_are_the_row_labels_and_title(written):
    """What the stroke font draws (read back from the placed glyph cells) is the row label of
    every row, with its dwell and peak dose, and the title; all in capitals and digits."""
    from layouts.matrix import row_label

    result, _ = written
    lines = _drawn_text_lines(result.component)
    for row in result.rows:
        assert row_label(row) in lines
        assert f" {row.dwell_ms:.4g} MSEC " in row_label(row)
    assert "ROUNDTRIP POWER 500 UW PITCH 61.25 UM" in lines
    words = {w for line in lines for w in line.split()}
    assert {f"C{col:02d}" for col in range(ARRAY.repeats)} <= words  # column headers
    drawn = "".join(lines)
    assert drawn == drawn.upper() and " MS " not in drawn and "MJ/" not in drawn


def test_labels_marks_and_outline_present(written):
    result, _ = written
    c = result.component
    polys = c.get_polygons(by="tuple")
    assert LABEL in polys and MARK in polys
    # labels: 15 ids of 6 glyphs, row labels and headers: at least 100 glyph polygons
    assert len(polys[LABEL]) > 100
    x0, y0, x1, y1 = result.chip_bbox_um
    for p in result.points:
        assert x0 < p.x_um < x1 and y0 < p.y_um < y1


def test_chip_frame_encloses_marks_labels_and_disks(written):
    """From the file: one CHIP frame, the outermost shape; four alignment crosses and one
    orientation arrow on MARK; everything else inside the frame's opening."""
    from kfactory import kdb

    result, paths = written
    layout = kdb.Layout()
    layout.read(str(paths["gds"]))
    top = layout.top_cells()[0]

    def region(layer):
        return kdb.Region(top.begin_shapes_rec(layout.find_layer(*layer))).merged()

    chip = region(CHIP)
    assert chip.count() == 1  # one closed frame
    frame = next(iter(chip.each()))
    assert frame.holes() == 1
    assert frame.bbox() == top.bbox()  # nothing outside the frame
    opening = chip.holes().bbox()
    line_width_nm = round(result.settings.marks.line_width_um * 1000)
    assert opening == frame.bbox().enlarged(-line_width_nm, -line_width_nm)
    # marks: 4 crosses at the corners + 1 arrow, each one connected shape
    names = [layout.cell(i.cell_index).name for i in top.each_inst()]
    assert sum(n.startswith("alignment_cross") for n in names) == 4
    assert sum(n.startswith("orientation_arrow") for n in names) == 1
    marks = region(MARK)
    assert marks.count() == 5
    crosses = sorted((p.bbox().center().x, p.bbox().center().y) for p in marks.each()
                     if p.bbox().width() == p.bbox().height())
    assert len(crosses) == 4
    assert len({x for x, _ in crosses}) == 2 and len({y for _, y in crosses}) == 2  # corners
    # everything drawn lies inside the opening, disks and labels inside the crosses
    for layer in (MARK, LABEL, DISK_TOP, DISK_FOOT, EXPOSURE):
        assert region(layer).bbox().inside(opening), layer
    inner = kdb.Box(crosses[0][0], crosses[0][1], crosses[-1][0], crosses[-1][1])
    for layer in (LABEL, DISK_TOP):
        assert region(layer).bbox().inside(inner), layer
    assert region(DISK_TOP).count() == len(result.points)


def test_preview_image_shows_the_disks(written):
    """The PNG decodes to the size the figure asks for, is not blank and shows the disks in the
    preview's top-footprint and foot colours."""
    import matplotlib.image as mpimg

    result, paths = written
    data = Path(paths["png"]).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(paths["png"])  # float RGB(A) in [0, 1]
    x0, y0, x1, y1 = result.chip_bbox_um
    height_in = max(3.0, min(20.0, 8.0 * (y1 - y0) / (x1 - x0) + 1.0))
    assert img.shape[:2] == (int(height_in * 150), 1200)  # 8 in wide at 150 dpi (truncated)
    rgb = img[..., :3]
    assert rgb.std() > 0.05  # not a blank image
    # top (light, a thin ring around the foot at this scale: 45 px measured) and foot (2080 px)
    for colour, least in (("#9ecae1", 20), ("#08519c", 1000)):
        ref = np.array([int(colour[i:i + 2], 16) / 255.0 for i in (1, 3, 5)])
        n = int((np.abs(rgb - ref).max(axis=-1) < 0.02).sum())
        assert n >= least, (colour, n)


def test_layout_path_must_be_gds_or_oas(written, tmp_path):
    with pytest.raises(ValueError, match=r"\.gds or \.oas"):
        layouts.write_layout(written[0].component, tmp_path / "layout.svg")
    assert not any(tmp_path.iterdir())

"""The files read well in KLayout: short cell names, named layers (OASIS names, a .lyp for the
GDS), exposure records that are short, rounded and small on screen but exact in their
properties."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import layouts
from layouts import LayoutSettings, WriteArray
from layouts.layers import EXPOSURE_RECORD, LAYERS


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from geometry import Absorber, ExposureProcess

    process = ExposureProcess(
        film_thickness_um=5.0, waist_um=10.0, threshold_dose_mJ_per_cm2=2150.0, power_uW=500.0,
        resin_absorption_per_um=0.01,
        absorber=Absorber(concentration_mg_per_mL=20.0, absorptivity_405_mL_per_mg_per_cm=5.0),
    )
    array = WriteArray(target_top_diameters_um=(12.0, 18.0, 24.0), repeats=5, pitch_um=61.25)
    result = layouts.build_layout(process, array, LayoutSettings(), title="klayout")
    paths = layouts.write_outputs(result, tmp_path_factory.mktemp("layout"), oas=True,
                                  preview=False)
    return result, paths


def _read(path):
    from kfactory import kdb

    layout = kdb.Layout()
    layout.read(str(path))
    return layout


def test_cell_names_are_short_and_carry_no_float_reprs(written):
    _, paths = written
    names = sorted(c.name for c in _read(paths["gds"]).each_cell())
    # gdsfactory's in-memory names run to 60+ characters with every argument spelled out
    # ("row_disk_R0_R5_PN61250_TDU12_FDU8p742732563400807_..."): the file has short ones
    assert all(re.fullmatch(r"[A-Za-z0-9_]{1,24}", n) for n in names), names
    assert not [n for n in names if re.search(r"\d{5,}", n)], names
    assert [n for n in names if not n.startswith("glyph_")] == [
        "alignment_cross", "chip_outline", "disk_r00", "disk_r01", "disk_r02", "dose_matrix",
        "orientation_arrow"]
    glyphs = [n for n in names if n.startswith("glyph_")]
    assert "glyph_R_10um" in glyphs and "glyph_solidus_10um" in glyphs  # the / of J/CM2
    assert len(glyphs) == len(set(glyphs))


def test_colliding_short_names_fall_back_to_gdsfactory_names():
    """Two different cells stating the same short name in one layout keep gdsfactory's
    (unique) names; the rest keep their short ones."""
    import gdsfactory as gf

    from layouts.cellkit import activate_generic_pdk
    from layouts.gds_io import file_cell_names
    from layouts.marks import alignment_cross, chip_outline

    activate_generic_pdk()
    top = gf.Component()
    small, big = alignment_cross(size_um=50.0), alignment_cross(size_um=80.0)
    top.add_ref(small)
    top.add_ref(big)
    top.add_ref(chip_outline())
    names = file_cell_names(top)
    assert names[small.cell_index()] == small.name != names[big.cell_index()] == big.name
    assert names[small.cell_index()].startswith("alignment_cross")
    assert names[chip_outline().cell_index()] == "chip_outline"


def test_layer_names_in_the_oasis_file(written):
    _, paths = written
    layout = _read(paths["oas"])
    found = {(i.layer, i.datatype): i.name for i in map(layout.get_info, layout.layer_indexes())}
    assert found == {v: k for k, v in LAYERS.items()}


def test_layer_properties_file_names_every_layer_and_hides_the_records(written):
    _, paths = written
    root = ET.parse(paths["lyp"]).getroot()
    props = {p.findtext("source"): p for p in root.iter("properties")}
    assert set(props) == {f"{la}/{dt}@1" for la, dt in LAYERS.values()}
    for name, (la, dt) in LAYERS.items():
        p = props[f"{la}/{dt}@1"]
        assert p.findtext("name") == f"{name} {la}/{dt}"
        assert p.findtext("visible") == ("false" if (la, dt) == EXPOSURE_RECORD else "true")


def test_klayout_applies_the_layer_properties(written):
    """KLayout's own view (headless) loads the .lyp over the GDS: every layer drawn gets its
    name."""
    lay = pytest.importorskip("klayout.lay")
    _, paths = written
    view = lay.LayoutView()
    view.load_layout(str(paths["gds"]), True)
    view.load_layer_props(str(paths["lyp"]))
    names = {}
    it = view.begin_layers()
    while not it.at_end():
        node = it.current()
        names[node.source.split("@")[0]] = (node.name, node.valid)
        it.next()
    assert names == {f"{la}/{dt}": (f"{n} {la}/{dt}", True) for n, (la, dt) in LAYERS.items()}


def test_exposure_records_are_short_rounded_and_small(written):
    from kfactory import kdb

    from layouts.records import EXPOSURE_TEXT_HEIGHT_UM
    from layouts.text import significant

    result, paths = written
    layout = _read(paths["gds"])
    top = layout.top_cells()[0]
    it = top.begin_shapes_rec(layout.find_layer(*EXPOSURE_RECORD))
    texts = {}
    while not it.at_end():
        t = it.shape().text.transformed(it.trans())
        texts[(t.x, t.y)] = t
        it.next()
    assert len(texts) == len(result.points) == 15
    for p in result.points:
        t = texts[(p.x_nm, p.y_nm)]
        assert t.string == f"{significant(p.dwell_ms)} ms" and len(t.string) <= 9
        assert t.size * layout.dbu == pytest.approx(EXPOSURE_TEXT_HEIGHT_UM)
        assert t.halign == kdb.HAlign.HAlignCenter
    # the rounding is only what is shown: the records read back exactly (and equal the job)
    assert layouts.read_exposure_points(paths["gds"]) == result.points

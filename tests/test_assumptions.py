"""The registry of assumptions follows the ASSUMPTION marks of the example spec and of the
library defaults it lists, and every entry names a real spec field."""

from __future__ import annotations

import re
from pathlib import Path

from paradisk.assumptions import ASSUMPTIONS, assumed_values
from paradisk.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]


def _marked_keys(yaml_text: str) -> set[str]:
    """Dotted keys of the YAML lines marked ASSUMPTION: in the comment of the key's own line, or
    by a comment block just above it that starts with "# ASSUMPTION"."""
    stack: list[tuple[int, str]] = []
    marked: set[str] = set()
    pending = False
    for line in yaml_text.splitlines():
        m = re.match(r"^(\s*)([A-Za-z_][\w]*):", line)
        if m is None:
            if line.strip().startswith("# ASSUMPTION"):
                pending = True
            continue
        indent, key = len(m.group(1)), m.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        if pending or ("#" in line and "ASSUMPTION" in line.split("#", 1)[1]):
            marked.add(".".join(k for _, k in stack))
        pending = False
    return marked


def test_every_assumption_of_the_example_is_registered():
    marked = _marked_keys((ROOT / "examples" / "qs3_array.yaml").read_text())
    # the parser sees them: on the key's line, and in a comment block above a nested key
    assert "process.waist_um" in marked and "losses.roughness.wall" in marked
    assert marked <= set(ASSUMPTIONS), marked - set(ASSUMPTIONS)


def test_every_registered_field_exists_in_the_spec():
    spec = load_spec(ROOT / "examples" / "qs3_array.yaml")
    values = assumed_values(spec.model_dump(mode="json"))
    missing = [v["field"] for v in values if v["value"] is None
               and v["field"] != "nanocrystals.concentration_per_cm3"]
    assert missing == []
    assert {v["field"]: v["value"] for v in values}["process.waist_um"] == 10.0


def _film(preset: str):
    from gain.film import NanocrystalFilm

    return NanocrystalFilm(preset=preset, volume_fraction=0.35, thickness_nm=80.0,
                           refractive_index=1.8)


def test_every_field_of_every_preset_has_a_provenance():
    from gain.materials import PRESETS, PROVENANCE, PROVENANCE_KINDS, NanocrystalMaterial
    from paradisk.report_material import MATERIAL_FIELDS

    fields = set(NanocrystalMaterial.model_fields)
    assert set(PROVENANCE) == set(PRESETS)
    for name, prov in PROVENANCE.items():
        assert set(prov) == fields, (name, fields ^ set(prov))
        for field, p in prov.items():
            assert p.kind in PROVENANCE_KINDS and p.source.strip(), (name, field)
    # the report shows every field of the material, with its unit
    assert set(MATERIAL_FIELDS) == fields
    # the preset's own statements: its fitted line shape, the paper's quantum yields
    assert PROVENANCE["QS3"]["stokes_shift_meV"].kind == "fitted"
    assert PROVENANCE["NPL"]["independent_sites"].kind == "fitted"
    assert PROVENANCE["QD"]["qy_x"].kind == "cited" and "paper p. 2" in \
        PROVENANCE["QD"]["qy_x"].source


def test_every_assumed_preset_value_is_in_the_report_assumptions():
    from gain.materials import PRESETS, PROVENANCE
    from paradisk.report import _assumptions_html

    spec_json = load_spec(ROOT / "examples" / "qs3_array.yaml").model_dump(mode="json")
    for name in PRESETS:
        html = _assumptions_html(spec_json, _film(name))
        assumed = {f for f, p in PROVENANCE[name].items() if p.kind == "assumption"}
        for field in PROVENANCE[name]:
            listed = f">nanocrystals.material.{field}<" in html
            assert listed == (field in assumed), (name, field)
        assert f"preset {name}" in html
        assert "process.waist_um" in html  # the spec's own assumptions stay listed
    qs3 = {f for f, p in PROVENANCE["QS3"].items() if p.kind == "assumption"}
    assert {"emission_peak_nm", "xx_splitting_meV", "sigma_high_ratio", "high_onset_meV",
            "high_width_meV", "tau_x_ns", "tau_xx_ns", "particle_volume_nm3"} <= qs3
    assert "stokes_shift_meV" not in qs3  # fitted to the paper, not assumed


def test_report_parameters_show_the_resolved_material_with_units_and_sources():
    from gain.materials import PROVENANCE
    from paradisk.report import _parameters_html
    from paradisk.report_material import material_rows

    spec = load_spec(ROOT / "examples" / "qs3_array.yaml")
    film = spec.nanocrystals
    rows = {r["field"]: r for r in material_rows(film)}
    mat = film.resolved_material
    assert rows["tau_x_ns"]["value"] == mat.tau_x_ns == 25.0 and rows["tau_x_ns"]["unit"] == "ns"
    assert rows["sigma0_peak_cm2"]["value"] == mat.sigma0_peak_cm2
    assert rows["stokes_shift_meV"]["kind"] == "fitted"
    assert rows["emission_peak_nm"]["source"] == PROVENANCE["QS3"]["emission_peak_nm"].source
    html = _parameters_html(spec.model_dump(mode="json"), "fem", film)
    from paradisk.report_material import MATERIAL_FIELDS
    from paradisk.report_page import number

    for field in type(mat).model_fields:  # each row: field, value, unit
        value = getattr(mat, field)
        cells = (f'<td class="text">{number("none" if value is None else value)}</td>'
                 f'<td class="text">{MATERIAL_FIELDS[field][1]}</td>')
        row = html[html.index(f'<td class="text">{field}<br>'):]
        assert row[row.index("</small></td>") + len("</small></td>"):].startswith(cells), field
    assert "<span class=\"tag\">assumption</span> X lifetime" in html
    # the film's concentration follows from the example's volume fraction 0.35 (both shown)
    assert f"{film.concentration_per_cm3:.5g}" in html and "0.35<" in html
    # a material given in full is the spec's: no preset provenance, nothing listed as assumed
    from paradisk.assumptions import preset_assumptions

    own = film.model_copy(update={"material": mat.model_copy(update={"name": "mine"})})
    assert {r["kind"] for r in material_rows(own)} == {"spec"}
    assert preset_assumptions(own) == []

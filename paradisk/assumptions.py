"""The spec values that are assumptions, not measurements or the paper's numbers.

One registry, read by the report ("which inputs are assumptions"): each entry is a spec field
(dotted path in ``DesignSpec.model_dump()``) and why it is an assumption, as the example spec
(examples/qs3_array.yaml) and the library defaults (gain.film, paradisk.spec) mark it with
ASSUMPTION. tests/test_assumptions.py keeps it in step with those marks. The report lists
each with the run's value, so a lab sees which of its inputs still need its own calibration
(``paradisk calibrate``). A nanocrystal preset's own assumed values (particle size, lifetimes,
XX splitting, ...) come from gain.materials.PROVENANCE (``preset_assumptions``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gain.film import NanocrystalFilm

ASSUMPTIONS: dict[str, str] = {
    "process.waist_um": "effective 1/e^2 radius of the writing beam at the resist",
    "process.threshold_dose_mJ_per_cm2": "chosen so that 25 uJ writes a 20 um disk",
    "process.power_uW": "writing power at the resist",
    "process.resin_absorption_per_um": "absorption of SU8 alone at 405 nm (weak)",
    "process.absorber.absorptivity_405_mL_per_mg_per_cm":
        "decadic absorptivity of the UV absorber at 405 nm",
    "cavity.substrate": "the Ti adhesion layer under the gold (the paper gives gold only)",
    "losses.roughness.wall": "rms height and correlation length of the written disk wall "
                             "(within what laser-written polymer resonators show)",
    "losses.roughness.top": "rms height and correlation length of the disk's top (smooth "
                            "spin-coated SU8)",
    "losses.roughness.film": "rms height and correlation length of the nanocrystal film's "
                             "surface",
    "nanocrystals.volume_fraction": "inorganic volume fraction of the spin-coated film",
    "nanocrystals.concentration_per_cm3": "nanocrystals per cm^3 of the film (follows from "
                                          "volume_fraction when that is given)",
    "nanocrystals.thickness_nm": "thickness of the nanocrystal film",
    "nanocrystals.refractive_index": "effective index of the nanocrystal/ligand film",
    "pump.spot_diameter_um": "pump spot defocused to cover the disk",
    "pump.pulse_duration_ns": "pulse length of a Q-switched 20 kHz doubled laser",
    "pump.max_fluence_uJ_per_cm2": "highest pump fluence the laser gives or the film survives",
}


def lookup(data: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` of nested dicts (None when absent)."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def assumed_values(spec_json: dict[str, Any]) -> list[dict[str, Any]]:
    """Each assumption with the value the spec gives it: {"field", "value", "why"}."""
    return [{"field": path, "value": lookup(spec_json, path), "why": why}
            for path, why in ASSUMPTIONS.items()]


def preset_assumptions(film: NanocrystalFilm) -> list[dict[str, Any]]:
    """The assumed values of the film's preset material (gain.materials.PROVENANCE):
    {"field", "value", "why", "from"}; none when the spec gives its own material."""
    from gain.materials import PROVENANCE

    if film.material is not None:
        return []
    material = film.resolved_material
    shown = {None: "none"}  # a field left empty by the preset (no measured spectrum)
    return [{"field": f"nanocrystals.material.{field}",
             "value": shown.get(getattr(material, field), getattr(material, field)),
             "why": p.source, "from": f"preset {material.name}"}
            for field, p in PROVENANCE[material.name].items() if p.kind == "assumption"]

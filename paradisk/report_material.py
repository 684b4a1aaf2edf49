"""The report's nanocrystal parameters: the material the run used, resolved (the preset's values
or the spec's own material), and the film, each value with its unit and where it comes from.

The provenance of a preset's values is gain.materials.PROVENANCE (written next to the values);
a material given in full in the spec is the spec's; the film's values are the spec's, with the
assumptions of paradisk.assumptions. Units: as the field names say (nm, meV, cm^2, ns, nm^3).
"""

from __future__ import annotations

from typing import Any

from gain.film import NanocrystalFilm
from gain.materials import PROVENANCE
from paradisk import report_page as page
from paradisk.assumptions import ASSUMPTIONS

# every field of gain.materials.NanocrystalMaterial: (what it is, unit)
MATERIAL_FIELDS: dict[str, tuple[str, str]] = {
    "name": ("material", ""),
    "emission_peak_nm": ("X-0 emission peak", "nm"),
    "linewidth_fwhm_meV": ("0-X line width (FWHM)", "meV"),
    "stokes_shift_meV": ("Stokes shift (absorption minus emission peak)", "meV"),
    "xx_splitting_meV": ("XX-X minus X-0 energy (> 0: XX bluer)", "meV"),
    "sigma0_peak_cm2": ("sigma_0: 0-X peak cross-section per particle", "cm²"),
    "sigma_high_ratio": ("sigma_high plateau / sigma_0", ""),
    "high_onset_meV": ("sigma_high onset above the 0-X absorption peak", "meV"),
    "high_width_meV": ("width of that onset", "meV"),
    "sigma_pump_cm2": ("sigma_pump: cross-section at the pump wavelength", "cm²"),
    "pump_wavelength_nm": ("wavelength of sigma_pump", "nm"),
    "tau_x_ns": ("X lifetime", "ns"),
    "tau_xx_ns": ("XX lifetime", "ns"),
    "qy_x": ("X quantum yield", ""),
    "qy_xx": ("XX quantum yield", ""),
    "independent_sites": ("independent emitters per particle", ""),
    "absorption_spectrum_file": ("measured band-edge spectrum", "CSV file"),
    "absorption_spectrum_sha256": ("its content hash", "sha256"),
    "particle_volume_nm3": ("inorganic volume of one particle", "nm³"),
    "notes": ("notes", ""),
}

# the film (gain.film.NanocrystalFilm), resolved: (spec field, what it is, unit)
FILM_FIELDS = (
    ("concentration_per_cm3", "nanocrystals per volume of film", "cm⁻³"),
    ("volume_fraction", "inorganic volume fraction of the film", ""),
    ("thickness_nm", "film thickness", "nm"),
    ("refractive_index", "film index", ""),
)

def _shown(value: Any) -> Any:
    """A value as the table shows it: None as 'none', paths as text."""
    if value is None:
        return "none"
    return value if isinstance(value, int | float | str) else str(value)


def film_rows(film: NanocrystalFilm, spec_film: dict[str, Any]) -> list[dict[str, Any]]:
    """The film's resolved values (concentration and volume fraction whichever was given)."""
    rows = []
    for field, what, unit in FILM_FIELDS:
        value = (film.particle_volume_fraction if field == "volume_fraction"
                 else getattr(film, field))
        why = ASSUMPTIONS.get(f"nanocrystals.{field}")
        if field == "concentration_per_cm3" and spec_film.get("volume_fraction") is not None:
            kind, source = "derived", "volume_fraction / particle_volume_nm3"
        elif field == "volume_fraction" and spec_film.get("volume_fraction") is None:
            kind, source = "derived", "concentration_per_cm3 x particle_volume_nm3"
        else:
            kind, source = ("assumption", why) if why else ("spec", "")
        rows.append({"field": field, "what": what, "value": _shown(value), "unit": unit,
                     "kind": kind, "source": source})
    return rows


def material_rows(film: NanocrystalFilm) -> list[dict[str, Any]]:
    """Every field of the resolved material with its unit and provenance."""
    material = film.resolved_material
    provenance = PROVENANCE.get(material.name) if film.material is None else None
    rows = []
    for field, (what, unit) in MATERIAL_FIELDS.items():
        if provenance is not None:
            kind, source = provenance[field].kind, provenance[field].source
        else:
            kind, source = "spec", "nanocrystals.material"
        rows.append({"field": field, "what": what, "value": _shown(getattr(material, field)),
                     "unit": unit, "kind": kind, "source": source})
    return rows


def _row_html(row: dict[str, Any]) -> str:
    kind = row["kind"]
    tag = (f'<span class="tag">{page.esc(kind)}</span>' if kind == "assumption"
           else f'<span class="kind">{page.esc(kind)}</span>')
    return (f'<tr><td class="text">{page.esc(row["field"])}<br><small>{page.esc(row["what"])}'
            f'</small></td><td class="text">{page.number(row["value"])}</td>'
            f'<td class="text">{page.esc(row["unit"])}</td>'
            f'<td class="text">{tag} {page.esc(row["source"])}</td></tr>')


def nanocrystals_html(film: NanocrystalFilm, spec_film: dict[str, Any]) -> str:
    """The report's Nanocrystals parameters: the film, then every value of its material."""
    material = film.resolved_material
    origin = (f"preset {material.name} (gain.materials)" if film.material is None
              else "given in the spec (nanocrystals.material)")
    rows = "".join(_row_html(r) for r in film_rows(film, spec_film) + material_rows(film))
    head = "".join(f'<th class="text">{h}</th>' for h in ("field", "value", "unit", "source"))
    return (f"<h3>Nanocrystals: {page.esc(material.name)}, {page.esc(origin)}</h3>"
            f'<div class="scroll"><table class="material"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")

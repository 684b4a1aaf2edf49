"""The design spec: one validated, immutable description of what to write and what to predict.

The spec composes the libraries' own parameter models (geometry's exposure process and
surroundings, layouts' array and stage, solvers' settings, gain's nanocrystal film and pump) and
adds the checks that need several of them at once (does every row write an anchored disk?).
``load_spec(path)`` reads YAML or JSON and turns every problem into one ``UserInputError`` whose
lines name the field, the value and the allowed range.

Units follow the libraries: um, uW, ms, uJ, mJ/cm^2, nm for optical wavelengths.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gain import NanocrystalFilm, PumpSettings
from geometry import (
    Coating,
    DiskProfile,
    ExposureProcess,
    NotAnchoredError,
    ParabolicDisk,
    Surroundings,
    dwell_for_top_diameter,
)
from geometry.bodies import MaterialSpec
from layouts import LayoutSettings, WriteArray
from paradisk.errors import UserInputError
from solvers.settings import SolverSettings

SPEC_VERSION = 1


@dataclass(frozen=True)
class DiskPlan:
    """One disk of the array: where it is in the matrix, how it is written, what it becomes."""

    id: str  # "r{row:02d}c{col:02d}"
    row: int
    col: int
    dwell_ms: float
    power_uW: float
    energy_uJ: float
    peak_dose_mJ_per_cm2: float
    profile: DiskProfile
    body: ParabolicDisk

    def summary(self) -> dict[str, Any]:
        """Plain numbers for tables: ids, write settings and the predicted shape."""
        p = self.profile
        return {
            "id": self.id, "row": self.row, "col": self.col,
            "dwell_ms": self.dwell_ms, "power_uW": self.power_uW, "energy_uJ": self.energy_uJ,
            "peak_dose_mJ_per_cm2": self.peak_dose_mJ_per_cm2,
            "top_diameter_um": p.top_diameter_um, "foot_diameter_um": p.foot_diameter_um,
            "height_um": p.height_um, "wall_angle_deg": p.wall_angle_deg,
        }


class DesignSpec(BaseModel):
    """Everything paradisk needs for one design: process, array, cavity, nanocrystals, solver."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(SPEC_VERSION, ge=1, le=SPEC_VERSION, description="spec format version")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="design name (file-safe)")
    description: str = ""
    process: ExposureProcess
    array: WriteArray
    cavity: Surroundings = Field(
        description="substrate and medium around the disk; the coating comes from nanocrystals"
    )
    # SU8 (PHYSICS.md: Cauchy dispersion) is the resin of the paper
    disk_material: MaterialSpec = "SU8"
    # Losses the solvers do not model (sidewall scattering, resin absorption) as a Q that
    # combines with the solver's: 1/Q = 1/Q_solver + 1/intrinsic_Q. ASSUMPTION: 2e4, above the
    # paper's measured Q > 6,000 (spectrometer-limited, main text on Fig. S7) and below the ~1e5
    # that SU8 absorption alone (~1/cm at 630 nm) would allow. None: solver Q only.
    intrinsic_Q: float | None = Field(2.0e4, gt=10.0, le=1.0e12,
                                      description="Q of the losses the solvers do not model")
    nanocrystals: NanocrystalFilm
    pump: PumpSettings = PumpSettings()
    solver: SolverSettings = SolverSettings()
    layout: LayoutSettings = LayoutSettings()

    @model_validator(mode="after")
    def _every_row_writes_an_anchored_disk(self) -> DesignSpec:
        if self.cavity.coating is not None:
            raise ValueError(
                "cavity.coating: leave it out; the coating is the nanocrystal film "
                "(nanocrystals.thickness_nm, nanocrystals.refractive_index)"
            )
        for i, dwell in enumerate(self._row_dwells()):
            energy = self.process.energy_uJ(dwell, self._power())
            profile = self.process.profile(energy)
            min_write = self.process.dwell_ms(self.process.threshold_energy_uJ(), self._power())
            min_anchor = self.process.dwell_ms(self.process.anchoring_energy_uJ(), self._power())
            if not profile.written:
                raise ValueError(
                    f"array.dwell_ms[{i}] = {dwell:g} ms at {self._power():g} uW writes nothing: "
                    f"the dose stays below threshold_dose_mJ_per_cm2; allowed: dwell > "
                    f"{min_write:.4g} ms (> {min_anchor:.4g} ms for an anchored disk)"
                )
            if not profile.anchored:
                raise ValueError(
                    f"array.dwell_ms[{i}] = {dwell:g} ms at {self._power():g} uW writes a disk "
                    f"that does not reach the substrate (washes off); allowed: dwell > "
                    f"{min_anchor:.4g} ms, or lower process.absorber.concentration_mg_per_mL"
                )
        return self

    def _power(self) -> float:
        return self.array.power_uW if self.array.power_uW is not None else self.process.power_uW

    def _row_dwells(self) -> list[float]:
        if self.array.dwell_ms is not None:
            return list(self.array.dwell_ms)
        out = []
        for i, d in enumerate(self.array.target_top_diameters_um or ()):
            try:
                out.append(dwell_for_top_diameter(self.process, d, self._power()))
            except NotAnchoredError as exc:
                raise ValueError(f"array.target_top_diameters_um[{i}]: {exc}") from None
        return out

    @property
    def coating(self) -> Coating:
        """The nanocrystal film as the bodies' conformal coating."""
        return Coating(
            thickness_um=self.nanocrystals.thickness_nm * 1.0e-3,
            index=self.nanocrystals.refractive_index,
        )

    def disks(self) -> list[DiskPlan]:
        """Every disk of the array, row by row, with its write settings and predicted body."""
        surroundings = self.cavity.model_copy(update={"coating": self.coating})
        power = self._power()
        plans = []
        for row, dwell in enumerate(self._row_dwells()):
            energy = self.process.energy_uJ(dwell, power)
            profile = self.process.profile(energy)
            body = ParabolicDisk(profile=profile, index=self.disk_material,
                                 surroundings=surroundings)
            for col in range(self.array.repeats):
                plans.append(DiskPlan(
                    id=f"r{row:02d}c{col:02d}", row=row, col=col, dwell_ms=dwell,
                    power_uW=power, energy_uJ=energy,
                    peak_dose_mJ_per_cm2=self.process.peak_dose_mJ_per_cm2(energy),
                    profile=profile, body=body,
                ))
        return plans

    def unique_disks(self) -> list[DiskPlan]:
        """One disk per row: repeats of a row are identical by design."""
        return [d for d in self.disks() if d.col == 0]

    def canonical_json(self, *fields: str) -> str:
        """Key-sorted JSON of the whole spec, or of the named top-level fields only."""
        data = self.model_dump(mode="json")
        if fields:
            data = {k: data[k] for k in fields}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def spec_hash(self, *fields: str) -> str:
        """sha256 hex digest of ``canonical_json(*fields)``: a cache key for those inputs."""
        return hashlib.sha256(self.canonical_json(*fields).encode()).hexdigest()


def _bounds_text(info: Any) -> str:
    """Allowed range of a pydantic field from its constraints, e.g. '0 < value <= 500'."""
    lo = hi = ""
    for meta in getattr(info, "metadata", ()):
        if isinstance(meta, annotated_types.Gt):
            lo = f"{meta.gt:g} < "
        elif isinstance(meta, annotated_types.Ge):
            lo = f"{meta.ge:g} <= "
        elif isinstance(meta, annotated_types.Lt):
            hi = f" < {meta.lt:g}"
        elif isinstance(meta, annotated_types.Le):
            hi = f" <= {meta.le:g}"
    return f"{lo}value{hi}" if (lo or hi) else ""


def _field_info(model: type[BaseModel], loc: tuple) -> Any:
    """FieldInfo at ``loc`` (a pydantic error location) inside ``model``, or None."""
    info = None
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return info if part == loc[-1] else None
        info = fields[part]
        current = info.annotation
        # unwrap Optional[Model] / Model | None
        for arg in getattr(current, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    return info


def format_validation_error(exc: ValidationError, model: type[BaseModel] = DesignSpec) -> str:
    """One line per problem: 'field.path = value: message (allowed: range; description)'."""
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)
        path = path.replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        info = _field_info(model, loc) if loc else None
        extra = []
        if info is not None:
            bounds = _bounds_text(info)
            if bounds:
                extra.append(f"allowed: {bounds}")
            if info.description:
                extra.append(info.description)
        value = err.get("input")
        shown = "" if isinstance(value, dict) or err["type"] == "missing" else f" = {value!r}"
        head = f"{path}{shown}: " if path else ""
        lines.append(head + msg + (f" ({'; '.join(extra)})" if extra else ""))
    return "invalid spec:\n  " + "\n  ".join(lines)


def spec_from_dict(data: dict[str, Any], source: str = "spec",
                   base_dir: Path | None = None) -> DesignSpec:
    """Validate a spec given as plain data; raises UserInputError naming every bad field.

    ``base_dir``: folder that relative file paths in the spec (a measured absorption spectrum)
    are relative to; None: the working directory.
    """
    if not isinstance(data, dict):
        raise UserInputError(f"{source}: the top level must be a mapping of spec fields")
    try:
        return DesignSpec.model_validate(
            data, context={"base_dir": base_dir} if base_dir is not None else None)
    except ValidationError as exc:
        raise UserInputError(f"{source}: " + format_validation_error(exc)) from None


def load_spec(path: str | Path) -> DesignSpec:
    """Read and validate a YAML (.yaml/.yml) or JSON spec file."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(f"spec file {path} does not exist")
    text = path.read_text()
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UserInputError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") \
            from None
    return spec_from_dict(data, str(path), base_dir=path.resolve().parent)



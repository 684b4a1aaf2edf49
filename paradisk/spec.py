"""The design spec: one validated, immutable description of what to write and what to predict.

The spec composes the libraries' own parameter models (geometry's exposure process and
surroundings, layouts' array and stage, solvers' settings, gain's nanocrystal film and pump) and
adds the checks that need several of them at once (does every row write an anchored disk?).
``load_spec(path)`` reads YAML or JSON and turns every problem into one ``UserInputError`` of
one line naming the field, the value and the allowed range.

The file is read defensively, since a spec may come from anywhere: a size bound, UTF-8 text
only, a YAML loader that rejects duplicate keys and bounds the expanded size of aliases (an
"alias bomb" is a few lines that expand to gigabytes), no YAML booleans where numbers belong,
no inf or nan anywhere, and every material name and the solver window checked against the
material data (``solvers.materials``, numpy only: loading a spec stays cheap).

Units follow the libraries: um, uW, ms, uJ, mJ/cm^2, nm for optical wavelengths.
"""

from __future__ import annotations

import hashlib
import json
import math
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from gain import NanocrystalFilm, PumpSettings
from geometry import (
    Coating,
    DiskProfile,
    ExposureProcess,
    ParabolicDisk,
    Surroundings,
)
from geometry.bodies import MaterialSpec
from geometry.inverse import MAX_DWELL_MS
from layouts import LayoutSettings, WriteArray
from layouts.job import disk_id
from layouts.rows import DiskRow, array_power_uW, check_rows, plan_rows
from paradisk.errors import UserInputError
from paradisk.loss_spec import LossesSpec
from paradisk.scatter.spec import ScatterSpec, check_widths, scatter_nominals
from solvers.materials import MaterialError, known_materials, valid_range_nm
from solvers.settings import SolverSettings

SPEC_VERSION = 1
# A spec is a few kB of YAML (examples/qs3_array.yaml: 3.5 kB with its comments); 1 MiB leaves
# room for long dwell lists and comments while keeping a parse under a second.
MAX_SPEC_BYTES = 1 << 20
# Values of the spec tree with every YAML alias expanded (the example has ~150; a 5000-row
# dwell list fits). Bounds the time and memory of parsing and validation; an alias bomb is
# rejected before it is expanded.
MAX_SPEC_NODES = 20_000
# Nesting levels (the example has 4): libyaml's composer recurses per level and crashes the
# interpreter on ~50,000, so the depth is checked on the event stream first.
MAX_SPEC_DEPTH = 64
# Disks of one array (rows x repeats) unless the spec raises ``max_disks``: the layout and the
# run scale with it (1e6 disks: 86 s and 750 MB for the layout alone).
DEFAULT_MAX_DISKS = 10_000
# A refractive index given as a number: a passive, non-dispersive medium (1 = vacuum); the
# upper end is above every material of the paper (Au aside, which is given by name).
INDEX_RANGE = (1.0, 5.0)


@dataclass(frozen=True)
class DiskPlan:
    """One disk of the array: where it is in the matrix, how it is written, what it becomes."""

    id: str  # layouts.job.disk_id(row, col)
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
    # Deprecated name of losses.Q_other (the losses no channel of the budget holds): given
    # either way, both hold the value. Default none (the loss channels are computed).
    intrinsic_Q: float | None = Field(None, gt=10.0, le=1.0e12,
                                      description="deprecated: use losses.Q_other")
    losses: LossesSpec = LossesSpec()
    nanocrystals: NanocrystalFilm
    pump: PumpSettings = PumpSettings()
    solver: SolverSettings = SolverSettings()
    layout: LayoutSettings = LayoutSettings()
    max_disks: int = Field(DEFAULT_MAX_DISKS, ge=1, le=1_000_000,
                           description="largest array (rows x repeats) this spec may ask for")
    # fabrication scatter: sampled disks per row (paradisk.scatter); None: nominal disks only
    scatter: ScatterSpec | None = None

    @model_validator(mode="after")
    def _scattered_losses_exist(self) -> DesignSpec:
        for name in (self.scatter.losses if self.scatter is not None else ()):
            if name == "roughness_rms":
                if not self.losses.roughness:
                    raise ValueError("scatter.losses.roughness_rms: the spec's "
                                     "losses.roughness gives no rough interface to scatter")
            elif getattr(self.losses, name) is None:
                raise ValueError(f"scatter.losses.{name}: the spec's losses.{name} is not "
                                 "set; give it a value to scatter around")
        if self.scatter is not None:
            check_widths(self.scatter, scatter_nominals(self))
        return self

    @model_validator(mode="before")
    @classmethod
    def _window_spans_the_gain_band(cls, data: Any, info: ValidationInfo) -> Any:
        """Without solver.window_nm the solver window is the film's gain band (gain.band):
        where the spec's best cavity could lase. A given window is kept as it is."""
        solver = data.get("solver", {}) if isinstance(data, dict) else None
        if not isinstance(solver, dict) or "window_nm" in solver:
            return data
        window = default_window_nm(data, info.context)
        return data if window is None else {**data, "solver": {**solver, "window_nm": window}}

    @model_validator(mode="before")
    @classmethod
    def _intrinsic_Q_is_Q_other(cls, data: Any) -> Any:
        """intrinsic_Q (deprecated) and losses.Q_other are one value: given once (or twice
        alike, as a dumped spec has it), both hold it."""
        if not isinstance(data, dict):
            return data
        losses = data.get("losses")
        old = data.get("intrinsic_Q")
        new = losses.get("Q_other") if isinstance(losses, dict) else None
        if old is not None and new is not None and old != new:
            raise ValueError(f"intrinsic_Q = {old!r} and losses.Q_other = {new!r}: give only "
                             "losses.Q_other (intrinsic_Q is its deprecated name)")
        # a bad value is copied nowhere: the field the user wrote reports it, once
        if old is not None and (losses is None or isinstance(losses, dict)) and _valid_q(old):
            return {**data, "losses": {**(losses or {}), "Q_other": old}}
        if new is not None and old is None and _valid_q(new):
            return {**data, "intrinsic_Q": new}
        return data

    @property
    def loss_settings(self) -> Any:
        """The spec's loss channels (solvers.losses.LossSettings) with the film's particles."""
        film = self.nanocrystals
        return self.losses.settings(film.resolved_material.particle_volume_nm3,
                                    film.particle_volume_fraction)

    @model_validator(mode="after")
    def _materials_have_data_in_the_window(self) -> DesignSpec:
        window = tuple(self.solver.window_nm)
        named = [("disk_material", self.disk_material),
                 ("cavity.substrate_halfspace", self.cavity.substrate_halfspace)]
        named += [(f"cavity.substrate[{i}].material", layer.material)
                  for i, layer in enumerate(self.cavity.substrate)]
        for path, material in named:
            if material is not None:
                _check_material(path, material, window)
        return self

    @model_validator(mode="after")
    def _every_row_writes_an_anchored_disk(self) -> DesignSpec:
        if self.cavity.coating is not None:
            raise ValueError(
                "cavity.coating: leave it out; the coating is the nanocrystal film "
                "(nanocrystals.thickness_nm, nanocrystals.refractive_index)"
            )
        n_disks = self.array.rows * self.array.repeats
        if n_disks > self.max_disks:
            raise ValueError(
                f"array: {self.array.rows} rows x {self.array.repeats} repeats = {n_disks} disks; "
                f"allowed: at most max_disks = {self.max_disks} (raise the spec's top-level "
                f"max_disks, up to 1000000, to write more)"
            )
        check_rows(self.process, self.array, self.rows())
        return self

    @property
    def write_power_uW(self) -> float:
        """The power the array is written with: its own, else the process power, uW."""
        return array_power_uW(self.process, self.array)

    def rows(self) -> tuple[DiskRow, ...]:
        """The rows of the array with their dwell, dose and predicted diameters
        (layouts.plan_rows, the same planner the layout uses; at most MAX_DWELL_MS a point)."""
        return plan_rows(self.process, self.array, max_dwell_ms=MAX_DWELL_MS)

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
        plans = []
        for row in self.rows():
            profile = self.process.profile(row.energy_uJ)
            body = ParabolicDisk(profile=profile, index=self.disk_material,
                                 surroundings=surroundings)
            for col in range(self.array.repeats):
                plans.append(DiskPlan(
                    id=disk_id(row.row, col), row=row.row, col=col, dwell_ms=row.dwell_ms,
                    power_uW=row.power_uW, energy_uJ=row.energy_uJ,
                    peak_dose_mJ_per_cm2=row.peak_dose_mJ_per_cm2,
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


def default_window_nm(data: dict[str, Any], context: Any = None) -> list[float] | None:
    """The solver window for a spec without one: the gain band of its film, pump and
    losses.Q_other (gain.band.gain_band_nm; its UNBOUNDED_Q without it), within the solvers'
    limits; None (the solvers' default window) when the film can lase nowhere or those
    sections are invalid (their own validation reports it)."""
    from gain.band import gain_band_nm
    from solvers.modes import WINDOW_LIMITS_NM

    try:
        film = NanocrystalFilm.model_validate(data.get("nanocrystals"), context=context)
        pump = PumpSettings.model_validate(data.get("pump", {}))
        losses = data.get("losses")
        q = data.get("intrinsic_Q")  # losses.Q_other under its deprecated name
        if q is None and isinstance(losses, dict):
            q = losses.get("Q_other")
        band = gain_band_nm(film, pump, None if q is None else float(q))
    except (ValueError, TypeError, ArithmeticError):
        return None
    if band is None:
        return None
    return [max(band[0], WINDOW_LIMITS_NM[0]), min(band[1], WINDOW_LIMITS_NM[1])]


def _valid_q(value: Any) -> bool:
    """Whether ``value`` is a Q the spec accepts (the bounds of ``DesignSpec.intrinsic_Q``)."""
    try:
        return 10.0 < float(value) <= 1.0e12
    except (TypeError, ValueError):
        return False


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


def _problem_lines(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One text per problem: 'field.path = value: message (allowed: range; description)'.

    The alternatives of a union (e.g. a material given as index or name) report one problem
    per alternative at the same field: those are merged into one."""
    lines: list[str] = []
    seen: dict[str, int] = {}
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        # a union's alternatives appear as type names in the location ("float", "str")
        loc = tuple(p for p in loc if p not in _UNION_MEMBER_NAMES)
        path = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)
        path = path.replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        if path in seen and path:
            k = seen[path]
            lines[k] += f" or {msg}"
            continue
        info = _field_info(model, loc) if loc else None
        extra = []
        if info is not None:
            bounds = _bounds_text(info)
            if bounds:
                extra.append(f"allowed: {bounds}")
            if info.description:
                extra.append(info.description)
        value = err.get("input")
        shown = "" if isinstance(value, dict) or err["type"] == "missing" else \
            f" = {_short_repr(value)}"
        head = f"{path}{shown}: " if path else ""
        seen[path] = len(lines)
        lines.append(head + msg + (f" ({'; '.join(extra)})" if extra else ""))
    return lines


_UNION_MEMBER_NAMES = {"float", "int", "str", "bool", "none", "list", "tuple", "dict"}


def _short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(problems: list[str], limit: int = 5) -> str:
    """'invalid spec: a' or 'invalid spec (3 problems): a; b; c', on one line."""
    problems = [" ".join(p.split()) for p in problems]
    if len(problems) == 1:
        return f"invalid spec: {problems[0]}"
    shown = "; ".join(problems[:limit])
    more = f"; ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"invalid spec ({len(problems)} problems): {shown}{more}"


def format_validation_error(exc: ValidationError, model: type[BaseModel] = DesignSpec) -> str:
    """The problems of a validation error as one line, each naming the field, the value and
    what is allowed."""
    return _one_line(_problem_lines(exc, model))


# ---------------------------------------------------------------------------------------------
# checks on the raw data, before the models see it


def _check_material(path: str, material: float | str, window_nm: tuple[float, float]) -> None:
    """A material must be an index in INDEX_RANGE or a known name with data over the window."""
    if isinstance(material, str):
        try:
            lo, hi = valid_range_nm(material)
        except MaterialError:
            raise ValueError(
                f"{path} = {material!r}: unknown material; allowed: a refractive index "
                f"{INDEX_RANGE[0]:g}-{INDEX_RANGE[1]:g} or one of {', '.join(known_materials())}"
            ) from None
        if window_nm[0] < lo or window_nm[1] > hi:
            raise ValueError(
                f"{path} = {material!r} has data for {lo:g}-{hi:g} nm only; solver.window_nm = "
                f"[{window_nm[0]:g}, {window_nm[1]:g}] must lie inside it"
            )
    elif not INDEX_RANGE[0] <= material <= INDEX_RANGE[1]:
        raise ValueError(
            f"{path} = {material:g}: allowed: a refractive index {INDEX_RANGE[0]:g} <= n <= "
            f"{INDEX_RANGE[1]:g} or a material name ({', '.join(known_materials())})"
        )


_NONFINITE_TEXT = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan",
                   "-nan", ".inf", "+.inf", "-.inf", ".nan"}


def _strip_annotated(ann: Any) -> Any:
    while get_origin(ann) is Annotated:
        ann = get_args(ann)[0]
    return ann


def _alternatives(ann: Any) -> tuple[Any, ...]:
    """The types a field accepts: the members of a union, or the type itself."""
    ann = _strip_annotated(ann)
    if get_origin(ann) is Union or isinstance(ann, types.UnionType):
        return tuple(a for arg in get_args(ann) for a in _alternatives(arg))
    return (ann,)


def _admits(ann: Any, kind: type) -> bool:
    for alt in _alternatives(ann):
        if alt is Any or alt is kind:
            return True
        if get_origin(alt) is Literal and any(type(v) is kind for v in get_args(alt)):
            return True
    return False


def _item_annotation(ann: Any, index: int) -> Any:
    """Annotation of element ``index`` of a tuple/list field, or None if not known."""
    for alt in _alternatives(ann):
        origin = get_origin(alt)
        args = get_args(alt)
        if origin in (tuple, list) and args:
            if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
                return args[index] if index < len(args) else None
            return args[0]
    return None


def _dict_values_annotation(ann: Any) -> Any:
    """The value annotation of a dict field (dict[str, V] -> V), or None."""
    for alt in _alternatives(ann):
        if get_origin(alt) is dict and len(get_args(alt)) == 2:
            return get_args(alt)[1]
    return None


def _model_of(ann: Any) -> type[BaseModel] | None:
    for alt in _alternatives(ann):
        if isinstance(alt, type) and issubclass(alt, BaseModel):
            return alt
    return None


def _raw_problems(value: Any, ann: Any, info: Any, path: str, out: list[str]) -> None:
    """Problems pydantic's lax mode would let through: a YAML boolean where a number or a name
    is expected (true would be read as 1), and inf/nan anywhere (as numbers or as text in a
    numeric field). ``ann`` is the field's annotation (None: unknown, left to pydantic)."""
    if len(out) > 20:
        return
    allowed = f" (allowed: {_bounds_text(info)})" if info is not None and _bounds_text(info) \
        else ""
    if isinstance(value, bool):
        if ann is not None and not _admits(ann, bool):
            number = _admits(ann, float) or _admits(ann, int)
            wanted = ("a number or a name" if number and _admits(ann, str) else
                      "a number" if number else "a value")
            out.append(f"{path} = {value!r}: a yes/no value where {wanted} is expected{allowed}")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            out.append(f"{path} = {value!r}: must be a finite number{allowed}")
        return
    if isinstance(value, str):
        numeric = ann is not None and (_admits(ann, float) or _admits(ann, int)) \
            and not _admits(ann, str)
        if numeric and value.strip().lower() in _NONFINITE_TEXT:
            out.append(f"{path} = {value!r}: must be a finite number{allowed}")
        return
    if isinstance(value, dict):
        model = _model_of(ann) if ann is not None else None
        values = _dict_values_annotation(ann) if model is None and ann is not None else None
        for key, item in value.items():
            sub_path = f"{path}.{key}" if path else str(key)
            if values is not None:  # a mapping of names to values (or to models)
                _raw_problems(item, values, None, sub_path, out)
                continue
            field = model.model_fields.get(key) if model is not None and isinstance(key, str) \
                else None
            _raw_problems(item, field.annotation if field else None, field, sub_path, out)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            sub = _item_annotation(ann, i) if ann is not None else None
            _raw_problems(item, sub, info, f"{path}[{i}]", out)


# ---------------------------------------------------------------------------------------------
# reading the file


# libyaml's parser when PyYAML was built with it (10x faster on a large file)
_SafeLoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BoundedSafeLoader(_SafeLoaderBase):
    """SafeLoader that rejects duplicate keys and bounds the expanded size of the document.

    PyYAML shares an aliased node instead of copying it, so an alias bomb loads quickly into a
    small graph of shared lists; it explodes later, when validation walks every path. The size
    check counts the nodes of the document with each alias expanded (memoised per node: linear
    in the file) before anything is constructed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in keys
            except TypeError:  # unhashable key: let SafeLoader report it
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (each key may appear once)",
                    key_node.start_mark)
            keys.add(key)
        return super().construct_mapping(node, deep=deep)

    def get_single_node(self) -> yaml.Node | None:
        node = super().get_single_node()
        if node is not None:
            n = _expanded_nodes(node)
            if n > MAX_SPEC_NODES:
                raise _TooLargeError(
                    f"the document expands to {n:.3g} values (YAML aliases included); allowed: "
                    f"at most {MAX_SPEC_NODES}")
        return node


class _TooLargeError(Exception):
    pass


def _expanded_nodes(root: yaml.Node) -> float:
    """Number of nodes under ``root`` with every alias expanded (a float: it may be huge)."""
    memo: dict[int, float] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> float:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:  # a recursive structure expands forever
            return math.inf
        active.add(key)
        total = 1.0
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        active.discard(key)
        memo[key] = total
        return total

    return size(root)


def _check_yaml_shape(text: str) -> None:
    """Depth and node count of a YAML text from its event stream, stopping at the first
    excess (the parser is iterative: a bomb or a deep nest is rejected after a few events)."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_SafeLoaderBase):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            nodes += 1
            if depth > MAX_SPEC_DEPTH:
                raise _TooLargeError(f"nested more than {MAX_SPEC_DEPTH} levels deep; allowed: "
                                     f"at most {MAX_SPEC_DEPTH}")
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            nodes += 1
        if nodes > MAX_SPEC_NODES:
            raise _TooLargeError(f"more than {MAX_SPEC_NODES} values; allowed: at most "
                                 f"{MAX_SPEC_NODES}")


def _no_duplicate_json_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} (each key may appear once)")
        out[key] = value
    return out


def _json_nodes(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_json_nodes(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_json_nodes(v) for v in value)
    return 1


def read_spec_data(path: str | Path) -> Any:
    """The plain data of a YAML or JSON spec file, read within bounds; UserInputError otherwise."""
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"spec file {path} does not exist")
    if not path.is_file():
        raise UserInputError(f"spec file {path} is not a file")
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise UserInputError(
                f"{path}: {size} bytes; allowed: a spec of at most {MAX_SPEC_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UserInputError(f"{path}: UTF-16 text; save the spec as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserInputError(
            f"{path}: not UTF-8 text (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); a spec "
            "is a YAML or JSON text file") from None
    if "\x00" in text:
        raise UserInputError(f"{path}: contains NUL bytes: not a text file (UTF-16?); a spec is "
                             "a YAML or JSON text file in UTF-8")
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        if kind == "JSON":
            data = json.loads(text, object_pairs_hook=_no_duplicate_json_keys)
            if _json_nodes(data) > MAX_SPEC_NODES:
                raise _TooLargeError(f"more than {MAX_SPEC_NODES} values; allowed: at most "
                                f"{MAX_SPEC_NODES}")
        else:
            _check_yaml_shape(text)
            data = yaml.load(text, Loader=_BoundedSafeLoader)
    except _TooLargeError as exc:
        raise UserInputError(f"{path}: too large: {exc}") from None
    except RecursionError:
        raise UserInputError(f"{path}: nested too deeply to be a spec") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise UserInputError(f"{path}: not valid {kind}: {' '.join(str(exc).split())}") \
            from None
    return data


def spec_from_dict(data: dict[str, Any], source: str = "spec",
                   base_dir: Path | None = None) -> DesignSpec:
    """Validate a spec given as plain data; raises UserInputError naming every bad field.

    ``base_dir``: folder that relative file paths in the spec (a measured absorption spectrum)
    are relative to; None: the working directory.
    """
    if not isinstance(data, dict):
        raise UserInputError(f"{source}: the top level must be a mapping of spec fields")
    problems: list[str] = []
    _raw_problems(data, DesignSpec, None, "", problems)
    if problems:
        raise UserInputError(f"{source}: " + _one_line(problems))
    try:
        return DesignSpec.model_validate(
            data, context={"base_dir": base_dir} if base_dir is not None else None)
    except ValidationError as exc:
        raise UserInputError(f"{source}: " + format_validation_error(exc)) from None
    except (ArithmeticError, RecursionError) as exc:
        # a combination of values the exposure model cannot evaluate (each one in range)
        raise UserInputError(f"{source}: invalid spec: the values overflow the exposure "
                             f"model ({exc}); check process and array") from None


def load_spec(path: str | Path) -> DesignSpec:
    """Read and validate a YAML (.yaml/.yml) or JSON spec file."""
    path = Path(path)
    data = read_spec_data(path)
    return spec_from_dict(data, str(path), base_dir=path.resolve().parent)

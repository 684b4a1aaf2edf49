"""The part of a mode's field the loss budget needs, as JSON-safe data.

A loss budget (solvers.losses.budget) needs, besides the mode record, the electric energy of
each mesh region, the material of each region and the field on the body's interfaces
(``FieldMap.region_energy``, ``region_material``, ``interfaces``). None of it depends on the
loss settings, so it can be stored with a mode table and the budget recomputed for other
roughness or absorption values without solving again: ``loss_fields_to_dict`` and
``loss_fields_from_dict`` round-trip it (arrays as zlib-compressed base64 float32, as
solvers.fields stores its maps; a budget from the stored data agrees with the in-memory one to
float32 precision, ~1e-7).

``encode_mode_loss_fields`` stores the interface geometry of a table's modes once per
distinct geometry and each mode's field values alone.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solvers.losses.interfaces import InterfaceField, InterfacePoints

_POINT_ARRAYS = ("r_um", "z_um", "normal_r", "normal_z", "ds_um")
_FIELD_ARRAYS = ("e_tan2", "e_norm_in2", "eps_in", "eps_out", "e_phi2")


@dataclass(frozen=True)
class LossFields:
    """What ``loss_budget(..., fields=...)`` reads: region energies, region materials and the
    field on each interface (the attributes of a FEM ``FieldMap`` of the same names)."""

    region_energy: dict[str, float] = field(default_factory=dict)
    region_material: dict[str, Any] = field(default_factory=dict)
    interfaces: dict[str, InterfaceField] = field(default_factory=dict)


def _enc(a: np.ndarray) -> str:
    raw = np.ascontiguousarray(a, dtype=np.float32).tobytes()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def _dec(text: str) -> np.ndarray:
    return np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=np.float32).astype(float)


def _material(value: Any) -> Any:
    if isinstance(value, complex):
        return {"re": value.real, "im": value.imag}
    return value.item() if isinstance(value, np.generic) else value


def _material_back(value: Any) -> Any:
    if isinstance(value, dict):
        return complex(value["re"], value["im"])
    return value


def points_to_dict(points: dict[str, InterfacePoints]) -> dict[str, Any]:
    """The interface sample points of one body (shared by its modes)."""
    return {name: {a: _enc(getattr(p, a)) for a in _POINT_ARRAYS} for name, p in points.items()}


def loss_fields_to_dict(fmap: Any, with_points: bool = True) -> dict[str, Any]:
    """JSON-safe data of ``fmap``'s region energies, materials and interface fields;
    ``with_points=False`` leaves out the interface geometry (see ``encode_mode_loss_fields``)."""
    ifaces = {}
    for name, f in fmap.interfaces.items():
        d = {a: _enc(getattr(f, a)) for a in _FIELD_ARRAYS if getattr(f, a) is not None}
        if with_points:
            d["points"] = {a: _enc(getattr(f.points, a)) for a in _POINT_ARRAYS}
        ifaces[name] = d
    return {"region_energy": {k: float(v) for k, v in fmap.region_energy.items()},
            "region_material": {k: _material(v) for k, v in fmap.region_material.items()},
            "interfaces": ifaces}


def loss_fields_from_dict(data: dict[str, Any],
                          points: dict[str, Any] | None = None) -> LossFields:
    """Inverse of ``loss_fields_to_dict``; ``points`` (``points_to_dict`` data) supplies the
    geometry when it was stored apart."""
    ifaces = {}
    for name, d in data["interfaces"].items():
        p = points[name] if points is not None else d["points"]
        pts = InterfacePoints(*(_dec(p[a]) for a in _POINT_ARRAYS))
        vals = {a: _dec(d[a]) if a in d else None for a in _FIELD_ARRAYS}
        ifaces[name] = InterfaceField(points=pts, **vals)
    return LossFields(
        region_energy={k: float(v) for k, v in data["region_energy"].items()},
        region_material={k: _material_back(v) for k, v in data["region_material"].items()},
        interfaces=ifaces,
    )


def encode_mode_loss_fields(fmaps: list[Any]) -> dict[str, Any]:
    """The loss fields of the modes of one body: {"points": [interface geometries], "modes":
    [per mode data with the index of its geometry, or None when the mode has none (not a FEM
    mode)]}. Modes of one body share their geometry (the FEM domain of a search's m range
    may leave out a different part near the axis), so each distinct one is stored once."""
    points: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    modes: list[dict[str, Any] | None] = []
    for f in fmaps:
        if f is None or not getattr(f, "region_energy", None):
            modes.append(None)
            continue
        geo = points_to_dict({n: i.points for n, i in f.interfaces.items()})
        sig = repr(sorted((n, tuple(sorted(d.items()))) for n, d in geo.items()))
        if sig not in seen:
            seen[sig] = len(points)
            points.append(geo)
        modes.append({**loss_fields_to_dict(f, with_points=False), "points": seen[sig]})
    return {"points": points, "modes": modes}


def decode_mode_loss_fields(data: dict[str, Any]) -> list[LossFields | None]:
    """Inverse of ``encode_mode_loss_fields``."""
    return [None if d is None else loss_fields_from_dict(d, data["points"][d["points"]])
            for d in data["modes"]]

"""Loss-budget columns of a mode table: Q_radiation, Q_metal, Q_material, Q_roughness,
Q_film_scattering, Q_other, Q_total for every mode record.

``budget_columns(record, body, losses, fields)`` takes a mode record (``ModeRecord`` or its
``to_dict()``) and the loss fields of its mode (a FEM ``FieldMap`` or the stored
``solvers.losses.store.LossFields``). A mode without them (a Meep mode: its field map holds no
region energies) gets the channels the solver itself resolves (Q_radiation, Q_metal) and
Q_other, nan for the channels that need the field (material, roughness, film scattering), and
Q_total nan: "not computed", so a caller falls back on the solver's Q combined with Q_other.
math.inf in a column means no loss in that channel.
"""

from __future__ import annotations

import math
from typing import Any

from geometry.bodies import Body
from solvers.losses.budget import CHANNELS, loss_budget
from solvers.losses.settings import LossSettings
from solvers.modes import ModeRecord

COLUMNS = (*CHANNELS, "Q_total")
NEEDS_FIELD = ("Q_material", "Q_roughness", "Q_film_scattering")


def _record(record: ModeRecord | dict[str, Any]) -> ModeRecord:
    if isinstance(record, ModeRecord):
        return record
    names = ModeRecord.__dataclass_fields__
    return ModeRecord(**{k: v for k, v in record.items() if k in names and k != "field_rz"})


def _q(value: float | None) -> float:
    return math.inf if value is None or not math.isfinite(value) else float(value)


def budget_columns(record: ModeRecord | dict[str, Any], body: Body, losses: LossSettings,
                   fields: Any = None) -> dict[str, float]:
    """The seven loss columns of one mode (module docstring)."""
    rec = _record(record)
    f = fields if fields is not None else rec.field_rz
    if f is not None and getattr(f, "region_energy", None):
        return loss_budget(rec, body, losses, fields=f).columns()
    q_rad = rec.Q_radiation if rec.Q_radiation is not None else rec.Q
    return {"Q_radiation": _q(q_rad), "Q_metal": _q(rec.Q_absorption),
            **dict.fromkeys(NEEDS_FIELD, math.nan),
            "Q_other": _q(losses.Q_other), "Q_total": math.nan}

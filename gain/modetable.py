"""Mode tables: the cavity modes the gain model needs, from a CSV file or from plain records.

Required columns: ``m`` (azimuthal number, integer >= 0), ``wavelength_nm`` (vacuum, nm),
``Q`` (total quality factor), ``film_fraction`` (fraction of the electric energy in the
nanocrystal film, 0-1), ``effective_index`` (the mode's effective index: sets the estimated
mode volume; the loss 2 pi n/(lambda Q) uses the film index, see gain.threshold).
Optional: ``disk_id`` (rows belong to that disk; without it the table applies to every disk),
``polarization`` ("TE"/"TM"), ``mode_volume_um3`` (used by gain.dynamics), ``Q_total`` (the
mode's loss budget, every channel included: when given, the threshold uses it instead of
``Q``; empty, inf or nan: not computed for that mode, ``Q`` is used), and the budget's channels
``Q_radiation, Q_metal, Q_material, Q_roughness, Q_film_scattering, Q_other`` and
``radial_order`` (carried into the lasing record, not used: ``Q_total`` holds the channels; a
channel of inf has no loss, an empty one was not computed). The other columns of
a solver's ``ModeRecord.to_dict()`` and of a run's ``modes/*.csv`` are accepted and not used;
any other column is listed in ``ignored_columns`` (a misspelt optional column would otherwise
vanish). Lines starting with ``#`` are comments; the file is UTF-8 (a BOM is allowed), each
header appears once and no row has more fields than the header.

Q may be ``inf`` or ``nan`` in solver output when the solver could not resolve it: such modes
are kept but marked unresolved and never chosen as the lasing mode.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geometry.textfile import data_lines, read_csv_text

REQUIRED_COLUMNS = ("m", "wavelength_nm", "Q", "film_fraction", "effective_index")
OPTIONAL_COLUMNS = ("disk_id", "polarization", "mode_volume_um3", "Q_total")
# the loss budget's channels (solvers.losses): Q_total holds their sum; each is carried into
# the lasing record (gain.lasing.lasing_record)
BUDGET_COLUMNS = ("Q_radiation", "Q_metal", "Q_material", "Q_roughness", "Q_film_scattering",
                  "Q_other")
# written by the solvers (ModeRecord.to_dict()) and by a run (modes/*.csv): accepted; of them
# radial_order and the budget channels are read into the table
SOLVER_COLUMNS = ("radial_order", "axial_order", "solver", "Q_radiation", "Q_absorption",
                  "wavelength_error_nm", "Q_error", "extra", "N_threshold", "K",
                  "fluence_uJ_per_cm2", *BUDGET_COLUMNS)
# Largest azimuthal number accepted: a 1 mm disk of index 3 at 200 nm has m ~ 47,000.
M_MAX = 100_000


class ModeTableError(ValueError):
    """A mode table is malformed: the message names the row, the column and what is allowed."""


def _float(value: Any, col: str, row: int) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModeTableError(f"row {row}: column {col!r} = {value!r} is not a number") from None


@dataclass(frozen=True)
class ModeTable:
    """Validated modes as parallel numpy arrays (one entry per mode)."""

    m: NDArray[np.int64]
    wavelength_nm: NDArray[np.float64]
    Q: NDArray[np.float64]  # nan where unresolved
    film_fraction: NDArray[np.float64]
    effective_index: NDArray[np.float64]
    disk_id: tuple[str, ...] | None = None
    polarization: tuple[str, ...] | None = None
    mode_volume_um3: NDArray[np.float64] | None = None
    Q_total: NDArray[np.float64] | None = None  # the loss budget's total (nan: not computed)
    # the budget's channels (BUDGET_COLUMNS) present in the table; inf: no loss, nan: not
    # computed
    loss_channels: Mapping[str, NDArray[np.float64]] | None = None
    radial_order: tuple[int | None, ...] | None = None
    ignored_columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.m.size)

    @property
    def resolved(self) -> NDArray[np.bool_]:
        """Modes whose Q is a finite positive number."""
        return np.isfinite(self.Q)

    @property
    def has_disk_ids(self) -> bool:
        return self.disk_id is not None

    def disk_ids(self) -> list[str]:
        """Distinct disk ids in first-seen order (empty if the table has none)."""
        return list(dict.fromkeys(self.disk_id)) if self.disk_id is not None else []

    def select(self, mask: NDArray[np.bool_]) -> ModeTable:
        """The sub-table of the rows where ``mask`` is true."""
        idx = np.flatnonzero(mask)

        def pick(t: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(t[i] for i in idx)

        return ModeTable(
            m=self.m[idx], wavelength_nm=self.wavelength_nm[idx], Q=self.Q[idx],
            film_fraction=self.film_fraction[idx], effective_index=self.effective_index[idx],
            disk_id=pick(self.disk_id) if self.disk_id is not None else None,
            polarization=pick(self.polarization) if self.polarization is not None else None,
            mode_volume_um3=(
                self.mode_volume_um3[idx] if self.mode_volume_um3 is not None else None
            ),
            Q_total=self.Q_total[idx] if self.Q_total is not None else None,
            loss_channels=({c: v[idx] for c, v in self.loss_channels.items()}
                           if self.loss_channels is not None else None),
            radial_order=pick(self.radial_order) if self.radial_order is not None else None,
        )

    def for_disk(self, disk_id: str) -> ModeTable:
        """Rows of one disk; the whole table when it has no disk_id column."""
        if self.disk_id is None:
            return self
        return self.select(np.array([d == disk_id for d in self.disk_id], dtype=bool))

    def padded(self, disk_ids: list[str]) -> dict[str, NDArray[np.float64]]:
        """Arrays shaped (len(disk_ids), max modes per disk), NaN-padded, for vectorised use.

        Keys: wavelength_nm, Q, film_fraction, effective_index, m, row (index into this table,
        -1 in padding). Without a disk_id column every disk gets the whole table.
        """
        if self.disk_id is None:
            everything = np.arange(len(self))
            groups = [everything for _ in disk_ids]
        else:
            by_disk: dict[str, list[int]] = {}
            for i, d in enumerate(self.disk_id):
                by_disk.setdefault(d, []).append(i)
            groups = [np.array(by_disk.get(d, []), dtype=np.int64) for d in disk_ids]
        width = max((g.size for g in groups), default=0)
        out = {k: np.full((len(disk_ids), width), np.nan) for k in
               ("wavelength_nm", "Q", "film_fraction", "effective_index", "m")}
        rows = np.full((len(disk_ids), width), -1, dtype=np.int64)
        for i, g in enumerate(groups):
            out["wavelength_nm"][i, : g.size] = self.wavelength_nm[g]
            out["Q"][i, : g.size] = self.Q[g]
            out["film_fraction"][i, : g.size] = self.film_fraction[g]
            out["effective_index"][i, : g.size] = self.effective_index[g]
            out["m"][i, : g.size] = self.m[g]
            rows[i, : g.size] = g
        out["row"] = rows
        return out

    # ------------------------------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> ModeTable:
        """Build from dict rows (CSV rows or solver ``ModeRecord.to_dict()`` output)."""
        rows = list(records)
        if not rows:
            raise ModeTableError("mode table has no rows")
        missing = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
        if missing:
            raise ModeTableError(
                f"mode table lacks required column(s) {missing}; required: "
                f"{list(REQUIRED_COLUMNS)}, optional: {list(OPTIONAL_COLUMNS)}"
            )
        has_disk = all(r.get("disk_id") not in (None, "") for r in rows) and "disk_id" in rows[0]
        if "disk_id" in rows[0] and not has_disk:
            raise ModeTableError("column 'disk_id' is present but empty in some rows")
        for i, r in enumerate(rows, start=1):
            if None in r:
                raise ModeTableError(
                    f"row {i} has {len(r) - 1 + len(r[None])} fields, more than the header's "
                    f"{len(r) - 1}")
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS) | set(SOLVER_COLUMNS)
        ignored = tuple(c for c in rows[0] if c not in known)
        has_pol = any("polarization" in r for r in rows)
        has_vol = "mode_volume_um3" in rows[0] and all(
            r.get("mode_volume_um3") not in (None, "") for r in rows
        )
        has_qt = "Q_total" in rows[0]
        channels: dict[str, list[float]] = {c: [] for c in BUDGET_COLUMNS if c in rows[0]}
        radial: list[int | None] | None = [] if "radial_order" in rows[0] else None
        m, lam, q, gam, neff, vol, pols, disks, qt = [], [], [], [], [], [], [], [], []
        for i, r in enumerate(rows, start=1):
            for col in REQUIRED_COLUMNS:
                if col not in r or r[col] in (None, ""):
                    raise ModeTableError(f"row {i}: column {col!r} is missing or empty")
            mv = _float(r["m"], "m", i)
            if not (math.isfinite(mv) and mv == int(mv) and 0 <= mv <= M_MAX):
                raise ModeTableError(
                    f"row {i}: m = {r['m']!r} must be an integer (allowed: 0 <= m <= {M_MAX})")
            lv = _float(r["wavelength_nm"], "wavelength_nm", i)
            if not (math.isfinite(lv) and 200.0 <= lv <= 5000.0):
                raise ModeTableError(f"row {i}: wavelength_nm = {lv} must be within 200-5000 nm")
            qv = _float(r["Q"], "Q", i)
            if math.isfinite(qv) and qv <= 0:
                raise ModeTableError(f"row {i}: Q = {qv} must be > 0 (or inf/nan: unresolved)")
            if qv == -math.inf:
                raise ModeTableError(f"row {i}: Q = -inf is not allowed")
            gv = _float(r["film_fraction"], "film_fraction", i)
            if not (math.isfinite(gv) and 0.0 <= gv <= 1.0):
                raise ModeTableError(f"row {i}: film_fraction = {gv} must be within [0, 1]")
            nv = _float(r["effective_index"], "effective_index", i)
            if not (math.isfinite(nv) and 0.5 <= nv <= 5.0):
                raise ModeTableError(f"row {i}: effective_index = {nv} must be within 0.5-5")
            if has_vol:
                vv = _float(r["mode_volume_um3"], "mode_volume_um3", i)
                if not (math.isfinite(vv) and vv > 0):
                    raise ModeTableError(f"row {i}: mode_volume_um3 = {vv} must be > 0")
                vol.append(vv)
            if has_qt:
                raw = r.get("Q_total")
                tv = math.nan if raw in (None, "") else _float(raw, "Q_total", i)
                if tv <= 0:
                    raise ModeTableError(f"row {i}: Q_total = {tv} must be > 0 (or empty, "
                                         "inf, nan: not computed)")
                qt.append(tv if math.isfinite(tv) else math.nan)
            for c, values in channels.items():
                raw = r.get(c)
                cv = math.nan if raw in (None, "") else _float(raw, c, i)
                if cv <= 0:
                    raise ModeTableError(f"row {i}: {c} = {cv} must be > 0 (inf: no loss; "
                                         "empty or nan: not computed)")
                values.append(cv)
            if radial is not None:
                raw = r.get("radial_order")
                rv = None if raw in (None, "") else _float(raw, "radial_order", i)
                if rv is not None and not (math.isfinite(rv) and rv == int(rv) and rv >= 0):
                    raise ModeTableError(f"row {i}: radial_order = {raw!r} must be an integer "
                                         ">= 0 (or empty)")
                radial.append(None if rv is None else int(rv))
            if has_pol:
                pv = str(r.get("polarization") or "").strip()
                if pv not in ("TE", "TM", ""):
                    raise ModeTableError(f"row {i}: polarization = {pv!r} must be TE or TM")
                pols.append(pv)
            if has_disk:
                disks.append(str(r["disk_id"]).strip())
            m.append(int(mv))
            lam.append(lv)
            q.append(qv if math.isfinite(qv) else math.nan)
            gam.append(gv)
            neff.append(nv)
        return cls(
            m=np.array(m, dtype=np.int64),
            wavelength_nm=np.array(lam),
            Q=np.array(q),
            film_fraction=np.array(gam),
            effective_index=np.array(neff),
            disk_id=tuple(disks) if has_disk else None,
            polarization=tuple(pols) if has_pol else None,
            mode_volume_um3=np.array(vol) if has_vol else None,
            Q_total=np.array(qt) if has_qt else None,
            loss_channels={c: np.array(v) for c, v in channels.items()} if channels else None,
            radial_order=tuple(radial) if radial is not None else None,
            ignored_columns=ignored,
        )

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> ModeTable:
        """Read and validate a mode-table CSV (``#`` lines are comments)."""
        rows = read_csv_rows(path)
        try:
            return cls.from_records(rows)
        except ModeTableError as exc:
            raise ModeTableError(f"{Path(path)}: {exc}") from None


def read_csv_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of a mode-table CSV as dicts (header names stripped, ``#`` lines and blank
    lines skipped), not yet validated (``ModeTable.from_records`` does that). ModeTableError
    for a file that is missing, not UTF-8 text, empty or with a repeated header."""
    p = Path(path)
    if not p.is_file():
        raise ModeTableError(f"mode table {str(p)!r} does not exist")
    try:
        lines = data_lines(read_csv_text(p), keepends=True)
    except ValueError as exc:
        raise ModeTableError(str(exc)) from None
    reader = csv.DictReader(lines)
    if reader.fieldnames is None:
        raise ModeTableError(f"mode table {str(p)!r} is empty")
    reader.fieldnames = [c.strip() for c in reader.fieldnames]
    repeated = sorted({c for c in reader.fieldnames if reader.fieldnames.count(c) > 1})
    if repeated:
        raise ModeTableError(f"{p}: column {repeated[0]!r} appears more than once in the "
                             "header")
    return list(reader)

"""The per-disk stages of a run as pure functions of plain data (JSON-able in and out).

Plain data in and out means a stage runs the same inline, in a local process pool or on a Dask
worker, and its result can be cached (paradisk.cache) under a key made of exactly its inputs:

- ``modes_stage``: the disk body and the solver settings -> the mode table (list of dicts).
  Cache version: the code of the solver that runs, the shared solver modules, the body's
  geometry and this module (``solver_version``). Only the settings of the solver that runs
  enter the key (a FEM run ignores the Meep settings and vice versa).
- ``modes_stage`` also stores the |E|^2 map of every mode it found (stage ``mode_fields``, same
  key as the table), so the report's mode picture needs no solver whichever mode lases;
  ``field_stage`` re-solves one mode for its field only when there is no cache.
- ``modes_stage`` also stores what the loss budget needs of each mode's field (stage
  ``loss_fields``, same key: region energies and the field on the disk's interfaces), and
  returns every mode with its loss budget (``solvers.losses.columns``) for the spec's
  ``losses``. The budget is recomputed from the stored fields on every read (milliseconds per
  mode), so the mode table's key holds no loss setting and changing a roughness or an
  absorption reruns no solver.
- ``lasing_stage``: a mode table, the nanocrystal film and the pump -> threshold of every mode
  and the lasing record (``gain.lasing.lasing_record``, the one form ``predict`` reports too).
  Cache version: the gain model's code and this module. Changing only gain parameters
  therefore reruns no solver.

A solver stage that finds no entry takes the entry's lock (``Cache.lock``) and looks again
before solving, so two runs sharing a cache solve a disk once: the second waits for the first
and reads its entry. Each stage checks the shape of what it reads back (``check_*``); a damaged
entry is moved aside and recomputed, and stages in workers hand the damage they found back to
the run (``cache_damaged``), which reports it.

Units: wavelengths in nm, fluence in uJ/cm^2, power in uW.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import numpy as np

from paradisk.cache import Cache, code_version, make_key

MODES = "modes"
LASING = "lasing"
FIELD = "field"
MODE_FIELDS = "mode_fields"
LOSS_FIELDS = "loss_fields"
# the loss budget's channels (solvers.losses.CHANNELS; its Q_total is the mode table's)
LOSS_CHANNELS = ("Q_radiation", "Q_metal", "Q_material", "Q_roughness", "Q_film_scattering",
                 "Q_other")
THIS_MODULE = "paradisk.stages"
# The code each stage's result depends on (paradisk.cache.code_version follows the imports of
# these modules inside geometry/, solvers/ and gain/): this module (it assembles the records)
# and the library entry points it calls. Plots, the report and the CLI are not among them, and
# a solver's key leaves out the other solver's package.
SOLVER_ROOTS = (THIS_MODULE, "solvers", "solvers.settings", "geometry.bodies")
SOLVER_PACKAGES = {"fem": ("solvers.fem.solver",),
                   "meep": ("solvers.meep.driver", "solvers.meep.worker")}
LASING_ROOTS = (THIS_MODULE, "gain.film", "gain.lasing")


def body_id(body_json: dict) -> str:
    """A short id of a body: equal bodies (the repeats of a row) share it and are solved once."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(body_json, sort_keys=True).encode()).hexdigest()[:16]


def solver_key_json(solver_json: dict, method: str) -> dict:
    """The solver settings that determine a ``method`` run: the common ones and that solver's
    own block (the other solver's settings are dropped, so they do not invalidate the cache)."""
    other = {"fem": "meep", "meep": "fem"}.get(method)
    return {k: v for k, v in solver_json.items() if k not in (other, "method")}


def solver_version(method: str) -> str:
    """Code version of a ``method`` ("fem" or "meep") solver stage: the solver's own package,
    the shared solver modules, the body's geometry and this module."""
    other = {"fem": "solvers.meep", "meep": "solvers.fem"}[method]
    return code_version(*SOLVER_ROOTS, *SOLVER_PACKAGES[method], exclude=(other,))


def lasing_version() -> str:
    """Code version of the lasing stage: the gain model and this module."""
    return code_version(*LASING_ROOTS)


def modes_key(body_json: dict, solver_json: dict, method: str) -> tuple[str, dict]:
    """(cache key, key inputs) of the mode table of one body."""
    inputs = {"body": body_json, "solver": solver_key_json(solver_json, method),
              "method": method}
    return make_key(MODES, solver_version(method), inputs), inputs


def _stage_cache(cache_root: str | None, use_cache: bool) -> Cache | None:
    """The cache of a stage running in a worker (None when off): damaged entries are collected
    in ``damaged`` for the caller to report, not printed by the worker."""
    return Cache(cache_root, report=None) if (cache_root and use_cache) else None


def _hit(cache: Cache, hit: dict[str, Any]) -> dict[str, Any]:
    return {**hit, "cached": True, "seconds": 0.0, **_notes(cache)}


def _notes(cache: Cache | None) -> dict[str, Any]:
    """What a stage tells the caller about the cache: the damaged entries it moved aside."""
    return {"cache_damaged": list(cache.damaged)} if cache is not None and cache.damaged else {}


def _is_records(value: Any, *fields: str) -> str | None:
    """None when ``value`` is a list of dicts having numeric ``fields``, else what is wrong."""
    if not isinstance(value, list):
        return f"a {type(value).__name__}, not a list"
    for item in value:
        if not isinstance(item, dict):
            return f"an item is a {type(item).__name__}, not a record"
        for f in fields:
            v = item.get(f)
            if isinstance(v, bool) or not isinstance(v, int | float):
                return f"{f} = {v!r} is not a number"
    return None


def _has(result: Any, **kinds: Any) -> str | None:
    """None when ``result`` is a dict whose ``kinds`` keys have those types, else why not."""
    if not isinstance(result, dict):
        return f"a {type(result).__name__}, not a dict"
    for name, kind in kinds.items():
        if name not in result:
            return f"no {name!r}"
        if not isinstance(result[name], kind):
            return f"{name} is a {type(result[name]).__name__}"
    return None


def check_modes(result: Any) -> str | None:
    """Shape of a MODES entry: {"modes": [mode record, ...]}."""
    return _has(result, modes=list) or _is_records(result["modes"], "m", "wavelength_nm")


def check_mode_fields(result: Any) -> str | None:
    return _has(result, fields=list)


def check_loss_fields(result: Any) -> str | None:
    return _has(result, points=list, modes=list)


def check_lasing(result: Any) -> str | None:
    return (_has(result, thresholds=list, lasing=dict | type(None))
            or _is_records(result["thresholds"], "N_threshold"))


def check_field(result: Any) -> str | None:
    return _has(result, record=dict | type(None), field=dict | type(None))


def check_meep(result: Any) -> str | None:
    return _has(result, meep=dict | type(None))


def _solve(
    body_json: dict, solver_json: dict, method: str, m: int | None,
    polarizations: tuple[str, ...] | None = None,
    window_nm: tuple[float, float] | None = None, **kw: Any,
) -> list[Any]:
    """Mode records of the disk ``body_json`` with ``method`` and its settings from the spec:
    every m of the spec's window (nm) when ``m`` is None, the spec's families unless
    ``polarizations``, the spec's window unless ``window_nm``; ``kw`` goes to find_modes."""
    from geometry.bodies import ParabolicDisk
    from solvers import find_modes_with
    from solvers.settings import SolverSettings

    body = ParabolicDisk.model_validate(body_json)
    settings = SolverSettings.model_validate(solver_json)
    return find_modes_with(body, settings, m=m, method=method, window_nm=window_nm,
                           polarizations=polarizations, **kw)


def modes_stage(
    body_json: dict, solver_json: dict, method: str, cache_root: str | None = None,
    use_cache: bool = True, losses_json: dict | None = None,
) -> dict[str, Any]:
    """Mode table of one disk: every mode of the solver's families in its window, with the
    loss budget of each mode for ``losses_json`` (``LossSettings`` data; None: no budget).

    Returns {"modes": [ModeRecord.to_dict() + budget columns, ...], "cached": bool,
    "seconds": float} or {"error": "..."} (errors are data: one bad disk does not stop a
    sweep). The result is cached by the worker itself, so a killed run keeps every finished
    disk.
    """
    key, inputs = modes_key(body_json, solver_json, method)
    cache = _stage_cache(cache_root, use_cache)
    if cache is None:
        return _solve_modes(body_json, solver_json, method, None, key, inputs, losses_json)
    hit = _cached_modes(cache, key, losses_json)
    if hit is None:
        # another run may be solving this disk: wait for it, then read its entry
        with cache.lock(MODES, key):
            hit = _cached_modes(cache, key, losses_json)
            if hit is None:
                return {**_solve_modes(body_json, solver_json, method, cache, key, inputs,
                                       losses_json), **_notes(cache)}
    return _hit(cache, _with_budgets(hit, body_json, losses_json, hit.pop("loss_fields")))


def _cached_modes(cache: Cache, key: str, losses_json: dict | None) -> dict | None:
    """The stored table with its loss fields ("loss_fields", None when no budget is asked);
    None when either is missing (an entry from before the loss fields were stored)."""
    hit = cache.get(MODES, key, check_modes)
    if hit is None:
        return None
    if losses_json is None:
        return {**hit, "loss_fields": None}
    fields = cache.get(LOSS_FIELDS, key, check_loss_fields)
    if fields is None or len(fields["modes"]) != len(hit["modes"]):
        return None
    return {**hit, "loss_fields": fields}


def _with_budgets(result: dict, body_json: dict, losses_json: dict | None,
                  loss_fields: Any) -> dict:
    """``result`` with the loss budget columns added to each mode (no change without
    ``losses_json``). ``loss_fields``: the field maps of the modes, or their stored data."""
    if losses_json is None or "modes" not in result:
        return result
    from geometry import ParabolicDisk
    from solvers.losses import LossSettings
    from solvers.losses.columns import budget_columns
    from solvers.losses.store import decode_mode_loss_fields

    body = ParabolicDisk.model_validate(body_json)
    losses = LossSettings.model_validate(losses_json)
    fields = (decode_mode_loss_fields(loss_fields) if isinstance(loss_fields, dict)
              else loss_fields)
    modes = [{**m, **budget_columns(m, body, losses, f)}
             for m, f in zip(result["modes"], fields, strict=True)]
    return {**result, "modes": plain_data(modes)}


def cached_modes_stage(
    body_json: dict, solver_json: dict, method: str, cache_root: str | None = None,
    use_cache: bool = True, losses_json: dict | None = None,
) -> dict[str, Any] | None:
    """What ``modes_stage`` returns when its cache entries exist (the table, and its loss
    fields when a budget is asked), else None (nothing is solved): lets a run answer cached
    disks without starting workers. An entry that turns out damaged is re-solved here by
    ``modes_stage``, which reports the damage as usual."""
    cache = _stage_cache(cache_root, use_cache)
    if cache is None:
        return None
    key = modes_key(body_json, solver_json, method)[0]
    stages = (MODES,) if losses_json is None else (MODES, LOSS_FIELDS)
    if not all(cache.path(stage, key).exists() for stage in stages):
        return None
    return modes_stage(body_json, solver_json, method, cache_root, use_cache, losses_json)


def _solve_modes(body_json: dict, solver_json: dict, method: str, cache: Cache | None,
                 key: str, inputs: dict, losses_json: dict | None = None) -> dict[str, Any]:
    from solvers.losses.store import encode_mode_loss_fields

    t0 = time.perf_counter()
    try:
        records = _solve(body_json, solver_json, method, m=None)
    except Exception as exc:  # reported per disk in the results table, not fatal
        return {"error": f"{type(exc).__name__}: {exc}", "cached": False,
                "seconds": time.perf_counter() - t0}
    records = sorted(records, key=lambda r: r.wavelength_nm)
    modes = [r.to_dict() for r in records]
    result = {"modes": plain_data(modes)}
    loss_fields = encode_mode_loss_fields([r.field_rz for r in records])
    if cache is not None:
        # the fields first: an entry in MODES implies its fields are stored
        cache.put(MODE_FIELDS, key, {"fields": [
            None if r.field_rz is None else encode_field(r.field_rz) for r in records]}, inputs)
        cache.put(LOSS_FIELDS, key, loss_fields, inputs)
        cache.put(MODES, key, result, inputs)
    try:
        # the budgets from the fields as stored (float32, keys sorted as the cache reads them
        # back): a cached rerun gives the same numbers to the last bit
        stored = json.loads(json.dumps(loss_fields, sort_keys=True))
        result = _with_budgets(result, body_json, losses_json, stored)
    except Exception as exc:  # reported per disk, not fatal
        return {"error": f"loss budget: {type(exc).__name__}: {exc}", "cached": False,
                "seconds": time.perf_counter() - t0}
    return {**result, "cached": False, "seconds": time.perf_counter() - t0}


MEEP_CHECK = "meep_check"


def meep_check_stage(
    body_json: dict, solver_json: dict, m: int, polarization: str, fem_wavelength_nm: float,
    cache_root: str | None = None, use_cache: bool = True,
) -> dict[str, Any]:
    """Re-solve one FEM mode (azimuthal number ``m``) with Meep, as a check of the FEM answer.

    Returns {"meep": ModeRecord dict of the Meep mode nearest ``fem_wavelength_nm`` or None,
    "seconds": float} or {"error": "..."}; cached like the mode tables.
    """
    inputs = {"body": body_json, "solver": solver_key_json(solver_json, "meep"), "m": m,
              "polarization": polarization, "near_nm": round(fem_wavelength_nm, 3)}
    key = make_key(MEEP_CHECK, solver_version("meep"), inputs)
    cache = _stage_cache(cache_root, use_cache)
    if cache is None:
        return _meep_check(body_json, solver_json, m, polarization, fem_wavelength_nm, None,
                           key, inputs)
    hit = cache.get(MEEP_CHECK, key, check_meep)
    if hit is None:
        with cache.lock(MEEP_CHECK, key):  # one process solves it, the others read it
            hit = cache.get(MEEP_CHECK, key, check_meep)
            if hit is None:
                return {**_meep_check(body_json, solver_json, m, polarization,
                                      fem_wavelength_nm, cache, key, inputs), **_notes(cache)}
    return _hit(cache, hit)


def _meep_check(body_json: dict, solver_json: dict, m: int, polarization: str,
                fem_wavelength_nm: float, cache: Cache | None, key: str,
                inputs: dict) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        # a +-1 % window around the FEM mode: Harminv resolves it without neighbouring m
        window = (0.99 * fem_wavelength_nm, 1.01 * fem_wavelength_nm)
        records = _solve(body_json, solver_json, "meep", m=m, polarizations=(polarization,),
                         window_nm=window, progress=False)
    except Exception as exc:  # reported in the check table, not fatal
        return {"error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t0}
    best = min(records, key=lambda r: abs(r.wavelength_nm - fem_wavelength_nm), default=None)
    result = {"meep": plain_data(best.to_dict()) if best is not None else None,
              "seconds": time.perf_counter() - t0}
    if cache is not None:
        cache.put(MEEP_CHECK, key, result, inputs)
    return {**result, "cached": False}


def encode_field(fmap: Any) -> dict[str, Any]:
    """|E|^2 of a field map as JSON-able data (``solvers.fields.FieldMap``, intensity only)."""
    from solvers.fields import FieldMap

    if not isinstance(fmap, FieldMap):
        fmap = FieldMap(fmap.r_um, fmap.z_um, fmap.E_r, fmap.E_phi, fmap.E_z)
    return fmap.to_dict(intensity_only=True)


def decode_field(data: dict[str, Any]) -> Any:
    """Inverse of ``encode_field``: a ``FieldMap`` whose |E|^2 is the stored one."""
    from solvers.fields import FieldMap

    return FieldMap.from_dict(data)


def stored_mode_field(cache: Cache | None, body_json: dict, solver_json: dict, method: str,
                      index: int) -> dict[str, Any] | None:
    """The |E|^2 map (``encode_field`` form) that ``modes_stage`` stored for mode ``index`` of
    its (wavelength-sorted) table, or None when not stored."""
    if cache is None:
        return None
    hit = cache.get(MODE_FIELDS, modes_key(body_json, solver_json, method)[0],
                    check_mode_fields)
    if hit is None or not 0 <= index < len(hit["fields"]):
        return None
    return hit["fields"][index]


def field_key(body_json: dict, solver_json: dict, m: int, polarization: str,
              wavelength_nm: float) -> tuple[str, dict]:
    """(cache key, key inputs) of the FEM field of the mode nearest ``wavelength_nm`` (nm)."""
    inputs = {"body": body_json, "solver": solver_key_json(solver_json, "fem"), "m": m,
              "polarization": polarization, "near_nm": round(wavelength_nm, 6)}
    return make_key(FIELD, solver_version("fem"), inputs), inputs


def field_stage(
    body_json: dict, solver_json: dict, m: int, polarization: str, wavelength_nm: float,
    cache_root: str | None = None, use_cache: bool = True,
) -> dict[str, Any]:
    """FEM field map of one mode (azimuthal number ``m``, nearest ``wavelength_nm`` in nm), for
    the report's mode picture; cached like the mode tables.

    Returns {"record": ModeRecord dict or None, "field": encode_field(...) or None,
    "cached": bool, "seconds": float} or {"error": "..."}.
    """
    key, inputs = field_key(body_json, solver_json, m, polarization, wavelength_nm)
    cache = _stage_cache(cache_root, use_cache)
    if cache is None:
        return _solve_field(body_json, solver_json, m, polarization, wavelength_nm, None, key,
                            inputs)
    hit = cache.get(FIELD, key, check_field)
    if hit is None:
        with cache.lock(FIELD, key):  # one process solves it, the others read it
            hit = cache.get(FIELD, key, check_field)
            if hit is None:
                return {**_solve_field(body_json, solver_json, m, polarization, wavelength_nm,
                                       cache, key, inputs), **_notes(cache)}
    return _hit(cache, hit)


def _solve_field(body_json: dict, solver_json: dict, m: int, polarization: str,
                 wavelength_nm: float, cache: Cache | None, key: str,
                 inputs: dict) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        records = _solve(body_json, solver_json, "fem", m=m, polarizations=(polarization,))
    except Exception as exc:  # the report says why the picture is missing
        return {"error": f"{type(exc).__name__}: {exc}", "cached": False,
                "seconds": time.perf_counter() - t0}
    best = min(records, key=lambda r: abs(r.wavelength_nm - wavelength_nm), default=None)
    result: dict[str, Any] = {"record": None, "field": None}
    if best is not None:
        result = {"record": plain_data(best.to_dict()),
                  "field": None if best.field_rz is None else encode_field(best.field_rz)}
    if cache is not None:
        cache.put(FIELD, key, result, inputs)
    return {**result, "cached": False, "seconds": time.perf_counter() - t0}


def total_Q(solver_Q: float | None, intrinsic_Q: float | None) -> float:
    """1/Q = 1/Q_solver + 1/Q_intrinsic (``gain.lasing.total_Q``, the one definition)."""
    from gain.lasing import total_Q as gain_total_Q

    return gain_total_Q(solver_Q, intrinsic_Q)


def lasing_key(modes: list[dict], film_json: dict, pump_json: dict,
               intrinsic_Q: float | None = None) -> tuple[str, dict]:
    """(cache key, key inputs) of the lasing prediction from one mode table."""
    # every column the prediction or its record reads (gain.lasing.lasing_record)
    table = [{k: m.get(k) for k in ("m", "wavelength_nm", "Q", "film_fraction",
                                   "effective_index", "polarization", "radial_order",
                                   "Q_total", *LOSS_CHANNELS)}
             for m in modes]
    inputs = {"modes": table, "nanocrystals": film_json, "pump": pump_json,
              "intrinsic_Q": intrinsic_Q}
    return make_key(LASING, lasing_version(), inputs), inputs


def lasing_stage(
    modes: list[dict], film_json: dict, pump_json: dict, cache: Cache | None = None,
    intrinsic_Q: float | None = None,
) -> dict[str, Any]:
    """Threshold of every mode and the lasing (lowest-threshold) mode of one disk.

    One call of ``gain.lasing.predict_lasing`` (each mode's Q_total, its loss budget; a mode
    without one: its Q with ``intrinsic_Q``, the spec's losses.Q_other; the film's index,
    the pump's reach). Returns {"thresholds": [{Q_total, N_threshold, K, fluence_uJ_per_cm2}
    per mode], "lasing": ``gain.lasing.lasing_record`` (None when the disk does not lase),
    "reason": why}.
    """
    key, inputs = lasing_key(modes, film_json, pump_json, intrinsic_Q)
    if cache is not None:
        hit = cache.get(LASING, key, check_lasing)
        if hit is not None:
            return hit
    from gain import NanocrystalFilm, PumpSettings
    from gain.lasing import lasing_record, modes_from_records, predict_lasing

    film = NanocrystalFilm.model_validate(film_json)
    pump = PumpSettings.model_validate(pump_json)
    table = modes_from_records(modes) if modes else None
    pred = predict_lasing(table if table is not None else [], film, pump,
                          intrinsic_Q=intrinsic_Q)
    thresholds = [
        {"Q_total": float(qt), "N_threshold": float(n), "K": float(k),
         "fluence_uJ_per_cm2": float(f)}
        for qt, n, k, f in zip(pred.mode_Q_total, pred.mode_threshold_N, pred.mode_K,
                               pred.mode_fluence_uJ_per_cm2, strict=True)
    ]
    lasing = lasing_record(pred, table) if table is not None else None
    result: dict[str, Any] = {"thresholds": plain_data(thresholds), "lasing": plain_data(lasing),
                              "reason": pred.reason}
    if cache is not None:
        cache.put(LASING, key, result, inputs)
    return result


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def plain_data(obj: Any) -> Any:
    """Plain Python types (numpy scalars -> float/int), keeping inf/nan as floats."""
    if isinstance(obj, dict):
        return {k: plain_data(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain_data(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj

"""The Meep worker process: ``python -m solvers.meep.worker JOB.json OUT_DIR``.

The only module of the project that imports Meep. It runs in its own process because importing
Debian's Meep 1.25 turns on flush-to-zero for the whole process, and because a crashed or
diverging run must not take the caller down (solvers.meep.runner starts it and reads back the
results).

Job (JSON, made by solvers.meep.runner.make_job): the scene of solvers.meep.scene, the azimuthal
number m, Courant factor, a Gaussian source (component, (r, z), centre frequency and width in
1/um), Harminv probe points and band, the ring-down time after the source, optional DFT
frequencies for the (r, z) fields.

Output in OUT_DIR, each written atomically (temporary file + rename):
- ``result.json``: Harminv hits per probe (frequency in 1/um, Q, |amplitude|, error), the run's
  time steps and wall time, the DFT grid coordinates;
- ``fields.npz`` (when DFT frequencies were asked): complex Er, Ep, Ez DFT arrays (frequency,
  z, r) and Meep's instantaneous permittivity ``eps_f0`` (f = 0, sub-pixel averaged) on the
  same (z, r) grid. For dispersive media that is eps_inf, not the eps at the DFT frequency:
  use solvers.meep.fields.scene_eps_grid for that.

Exit status: 0 done, 3 the fields diverged (NaN/inf or growth after the source: the caller
retries with a smaller Courant factor), 2 bad job, anything else a crash.
Progress: one JSON line per ``progress_interval_s`` on stderr, {"progress": fraction, ...}.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from solvers.meep.protocol import EXIT_BAD_JOB, EXIT_DIVERGED


class DivergedError(RuntimeError):
    """The fields became NaN/inf or grew after the source turned off."""


def _atomic_write(path: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _medium(mp: Any, d: dict[str, Any]) -> Any:
    sus = []
    for p in d["poles"]:
        if p["kind"] == "lorentz":
            sus.append(mp.LorentzianSusceptibility(
                frequency=p["frequency"], gamma=p["gamma"], sigma=p["sigma"]))
        else:
            sus.append(mp.DrudeSusceptibility(
                frequency=p["frequency"], gamma=p["gamma"], sigma=p["sigma"]))
    kwargs: dict[str, Any] = {"epsilon": d["eps_inf"], "E_susceptibilities": sus}
    if d.get("d_conductivity"):
        kwargs["D_conductivity"] = d["d_conductivity"]
    return mp.Medium(**kwargs)


def build_simulation(mp: Any, job: dict[str, Any], z_shift: float) -> Any:
    """The cylindrical ``mp.Simulation`` of ``job`` (z coordinates shifted by -z_shift so the
    cell is centred on z = 0, where Meep's z-mirror plane lies)."""
    scene = job["scene"]
    cell = scene["cell"]
    r0, r1 = cell["r_min"], cell["r_max"]
    sz = cell["z_max"] - cell["z_min"]
    media = {k: _medium(mp, v) for k, v in scene["materials"].items()}
    geometry = []
    for obj in scene["objects"]:
        mat = media[obj["material"]]
        if obj["type"] == "block":
            (ra, rb), (za, zb) = obj["r"], obj["z"]
            geometry.append(mp.Block(
                center=mp.Vector3(0.5 * (ra + rb), 0, 0.5 * (za + zb) - z_shift),
                size=mp.Vector3(rb - ra, mp.inf, zb - za), material=mat))
        elif obj["type"] == "sphere":
            geometry.append(mp.Sphere(radius=obj["radius"],
                                      center=mp.Vector3(0, 0, obj["center_z"] - z_shift),
                                      material=mat))
        elif obj["type"] == "prism":
            verts = [mp.Vector3(r, 0, z - z_shift) for r, z in obj["vertices"]]
            # centre the extrusion on phi = 0 (y = 0) so no pixel lies on the prism's base
            cr = sum(v.x for v in verts) / len(verts)
            cz = sum(v.z for v in verts) / len(verts)
            geometry.append(mp.Prism(verts, height=1.0, axis=mp.Vector3(0, 1, 0),
                                     center=mp.Vector3(cr, 0, cz), material=mat))
        else:
            raise ValueError(f"unknown object type {obj['type']!r}")
    src = job["source"]
    sources = [mp.Source(
        mp.GaussianSource(src["fcen"], fwidth=src["fwidth"]),
        component=getattr(mp, src["component"]),
        center=mp.Vector3(src["r"], 0, src["z"] - z_shift),
    )]
    pml = scene["pml_um"]
    boundary = [mp.PML(pml, direction=mp.R, side=mp.High), mp.PML(pml, direction=mp.Z)]
    symmetries = []
    if scene.get("z_mirror"):
        # TE (Ez even in z) needs phase -1 for Meep's vector mirror, TM (Er even) +1
        symmetries = [mp.Mirror(mp.Z, phase=-1 if src["component"] == "Ez" else 1)]
    env = scene.get("environment")
    return mp.Simulation(
        cell_size=mp.Vector3(r1 - r0, 0, sz),
        geometry_center=mp.Vector3(r0, 0, 0),
        resolution=scene["resolution"],
        geometry=geometry,
        sources=sources,
        boundary_layers=boundary,
        symmetries=symmetries,
        dimensions=mp.CYLINDRICAL,
        m=job["m"],
        Courant=job["courant"],
        eps_averaging=True,
        default_material=media[env] if env else mp.Medium(),
        accurate_fields_near_cylorigin=bool(job.get("accurate_fields_near_cylorigin", False)),
        progress_interval=1.0e9,
    )


def run(job: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Run ``job``; write result.json (and fields.npz) into ``out_dir``; return the result."""
    import meep as mp

    mp.verbosity(0)
    t_wall = time.monotonic()
    cell = job["scene"]["cell"]
    z_shift = 0.5 * (cell["z_min"] + cell["z_max"])
    sim = build_simulation(mp, job, z_shift)
    sim.init_sim()
    comp = getattr(mp, job["probe_component"])
    probes = [mp.Vector3(r, 0, z - z_shift) for r, z in job["probes"]]
    t_off = float(sim.sources[0].src.swigobj.last_time())
    t_total = t_off + float(job["ringdown_time"])
    progress_every = float(job.get("progress_interval_s", 2.0))
    state = {"peak": 0.0, "last_print": time.monotonic()}

    def watch(s: Any) -> None:
        vals = [abs(s.get_field_point(comp, p)) for p in probes]
        if not all(math.isfinite(v) for v in vals):
            raise DivergedError(f"non-finite field at t = {s.meep_time():.4g}")
        vmax = max(vals)
        if s.meep_time() <= t_off + 1.0:
            state["peak"] = max(state["peak"], vmax)
        elif state["peak"] > 0.0 and vmax > 1.0e3 * state["peak"]:
            raise DivergedError(
                f"field grew {vmax / state['peak']:.3g}x above its peak after the source "
                f"(t = {s.meep_time():.4g})")
        now = time.monotonic()
        if now - state["last_print"] >= progress_every:
            state["last_print"] = now
            line = {"progress": min(s.meep_time() / t_total, 1.0), "t": s.meep_time(),
                    "t_total": t_total, "elapsed_s": now - t_wall}
            print(json.dumps(line), file=sys.stderr, flush=True)

    period = 1.0 / job["source"]["fcen"]
    check = mp.at_every(max(2.0 * period, 1.0), watch)
    sim.run(check, until=t_off)
    band = job["harminv"]
    harminvs = [mp.Harminv(comp, p, band["fcen"], band["df"]) for p in probes]
    dft = None
    region = job.get("dft_region")
    if job.get("dft_freqs"):
        (ra, rb), (za, zb) = region["r"], region["z"]
        vol = mp.Volume(center=mp.Vector3(0.5 * (ra + rb), 0, 0.5 * (za + zb) - z_shift),
                        size=mp.Vector3(rb - ra, 0, zb - za))
        dft = sim.add_dft_fields([mp.Er, mp.Ep, mp.Ez], list(job["dft_freqs"]), where=vol)
    sim.run(check, *harminvs, until=t_total - t_off)
    result: dict[str, Any] = {
        "hits": [
            [
                {"freq": float(h.freq), "decay": float(h.decay), "Q": float(h.Q),
                 "amp": float(abs(h.amp)), "err": float(abs(h.err))}
                for h in hv.modes
            ]
            for hv in harminvs
        ],
        "probes": job["probes"],
        "t_source_off": t_off,
        "t_total": t_total,
        "timesteps": round(sim.meep_time() / sim.fields.dt),
        "wall_s": time.monotonic() - t_wall,
        "pixels": round((cell["r_max"] - cell["r_min"]) * (cell["z_max"] - cell["z_min"])
                            * job["scene"]["resolution"] ** 2),
    }
    if dft is not None:
        arrays = {name: np.stack([sim.get_dft_array(dft, getattr(mp, name), i)
                                  for i in range(len(job["dft_freqs"]))])
                  for name in ("Er", "Ep", "Ez")}
        # Meep's instantaneous (f = 0) eps: the eps_inf of the Drude-Lorentz fits for named
        # materials (SU8 1.59, gold ~11), not the eps at the mode's frequency. get_array's
        # frequency= is broken in cylindrical mode in Meep 1.25 (the phi component's chi1inv
        # is 1 at f != 0: a uniform eps = 6.25 reads 1.39), so the parent computes the eps at
        # each DFT frequency from the scene (solvers.meep.fields.scene_eps_grid)
        arrays["eps_f0"] = np.asarray(sim.get_array(component=mp.Dielectric, vol=vol)).real
        nz, nr = arrays["eps_f0"].shape
        # get_array / get_dft_array in cylindrical mode are (z, r) ordered on voxel centres
        result["grid"] = {
            "r": (ra + (np.arange(nr) + 0.5) * (rb - ra) / nr).tolist(),
            "z": (za + (np.arange(nz) + 0.5) * (zb - za) / nz).tolist(),
        }
        if arrays["Er"].shape[1:] != (nz, nr):
            raise RuntimeError(
                f"DFT array shape {arrays['Er'].shape} does not match eps {(nz, nr)}")
        _atomic_write(out_dir / "fields.npz", lambda tmp: np.savez(tmp, **arrays))
    _atomic_write(out_dir / "result.json",
                  lambda tmp: Path(tmp).write_text(json.dumps(result, allow_nan=True)))
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m solvers.meep.worker JOB.json OUT_DIR", file=sys.stderr)
        return EXIT_BAD_JOB
    try:
        job = json.loads(Path(argv[0]).read_text())
        out_dir = Path(argv[1])
        out_dir.mkdir(parents=True, exist_ok=True)
        for key in ("scene", "m", "courant", "source", "probes", "probe_component", "harminv",
                    "ringdown_time"):
            if key not in job:
                raise KeyError(f"job lacks {key!r}")
    except (OSError, ValueError, KeyError) as exc:
        print(json.dumps({"error": f"bad job: {exc}"}), file=sys.stderr, flush=True)
        return EXIT_BAD_JOB
    try:
        run(job, out_dir)
    except DivergedError as exc:
        print(json.dumps({"error": f"diverged: {exc}"}), file=sys.stderr, flush=True)
        return EXIT_DIVERGED
    except RuntimeError as exc:
        if "NaN or Inf" not in str(exc):  # Meep's own check in fields::step
            raise
        print(json.dumps({"error": f"diverged: {exc}"}), file=sys.stderr, flush=True)
        return EXIT_DIVERGED
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write a built layout to a directory: layout.gds (.oas), layout.lyp, job.csv, job.json,
preview.png.

The files form one output set (``OUTPUT_FILES``). A directory never mixes two runs:

1. every file asked for is written into a fresh hidden staging directory inside ``out_dir``
   (same file system, so the moves below are renames); a failure here (an exception in the
   preview, a full disk) removes the staging directory and leaves the previous set untouched;
2. only when all files are complete are they renamed over their targets (os.replace, each
   atomic), then the members of the set that were not asked for (a layout.oas or preview.png of
   an earlier run) are removed, and the staging directory with them.

Step 2 is a handful of renames and unlinks, no writing: only a crash of the machine inside it
could leave a partial set. Other files in ``out_dir`` are never touched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from layouts.build import LayoutResult
from layouts.files import write_atomic_bytes
from layouts.gds_io import write_layout
from layouts.job import job_csv_text, job_json_obj, job_json_text
from layouts.layers import layer_properties_xml
from layouts.preview import write_preview

OUTPUT_FILES: dict[str, str] = {
    "gds": "layout.gds",
    "lyp": "layout.lyp",
    "oas": "layout.oas",
    "csv": "job.csv",
    "json": "job.json",
    "png": "preview.png",
}
"""File name of each member of the output set, by key."""

STAGING_PREFIX = ".layout-staging-"
"""Name prefix of the temporary directory the files are first written into."""


def _write_all(
    result: LayoutResult,
    stage_dir: Path,
    spec_dict: dict[str, Any] | None,
    spec_hash: str | None,
    oas: bool,
    preview: bool,
) -> dict[str, Path]:
    """Write the files asked for into ``stage_dir``; their paths by key."""
    stage = result.settings.stage
    paths = {
        "gds": write_layout(result.component, stage_dir / OUTPUT_FILES["gds"]),
        # KLayout layer names and colours (GDS stores layer numbers only)
        "lyp": write_atomic_bytes(stage_dir / OUTPUT_FILES["lyp"],
                                  layer_properties_xml().encode("utf-8")),
        "csv": write_atomic_bytes(
            stage_dir / OUTPUT_FILES["csv"], job_csv_text(result.points, stage).encode("utf-8")
        ),
        "json": write_atomic_bytes(
            stage_dir / OUTPUT_FILES["json"],
            job_json_text(
                job_json_obj(result.points, result.summary, result.settings, result.rows,
                             spec_dict, spec_hash)
            ).encode("utf-8"),
        ),
    }
    if oas:
        paths["oas"] = write_layout(result.component, stage_dir / OUTPUT_FILES["oas"])
    if preview:
        paths["png"] = write_preview(result, stage_dir / OUTPUT_FILES["png"])
    return paths


def write_outputs(
    result: LayoutResult,
    out_dir: str | os.PathLike[str],
    spec_dict: dict[str, Any] | None = None,
    spec_hash: str | None = None,
    oas: bool = False,
    preview: bool = True,
) -> dict[str, Path]:
    """Write the layout files of ``result`` into ``out_dir`` as one set; their paths by key.

    ``spec_dict`` and ``spec_hash`` (plain data: the spec the layout came from and its hash)
    go into job.json. Members of the set not asked for (``oas``/``preview`` false) are removed
    from ``out_dir``; on failure ``out_dir`` keeps its previous files (see the module
    docstring). The same inputs give the same bytes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage_dir = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        staged = _write_all(result, stage_dir, spec_dict, spec_hash, oas, preview)
        paths: dict[str, Path] = {}
        # job.json, which describes the whole set, goes in last
        for key in sorted(staged, key=lambda k: k == "json"):
            target = out / OUTPUT_FILES[key]
            os.replace(staged[key], target)
            paths[key] = target
        for key, name in OUTPUT_FILES.items():
            if key not in paths:
                (out / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    return {k: paths[k] for k in OUTPUT_FILES if k in paths}

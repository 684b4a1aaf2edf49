"""Write a built layout to a directory: layout.gds (.oas), job.csv, job.json, preview.png."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from layouts.build import LayoutResult
from layouts.files import write_atomic_bytes
from layouts.gds_io import write_layout
from layouts.job import job_csv_text, job_json_obj, job_json_text
from layouts.preview import write_preview


def write_outputs(
    result: LayoutResult,
    out_dir: str | os.PathLike[str],
    spec_dict: dict[str, Any] | None = None,
    spec_hash: str | None = None,
    oas: bool = False,
    preview: bool = True,
) -> dict[str, Path]:
    """Write the layout files of ``result`` into ``out_dir``; returns their paths by name.

    ``spec_dict`` and ``spec_hash`` (plain data: the spec the layout came from and its hash)
    go into job.json. Every file is written atomically; the same inputs give the same bytes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage = result.settings.stage
    paths = {
        "gds": write_layout(result.component, out / "layout.gds"),
        "csv": write_atomic_bytes(
            out / "job.csv", job_csv_text(result.points, stage).encode("utf-8")
        ),
        "json": write_atomic_bytes(
            out / "job.json",
            job_json_text(
                job_json_obj(result.points, result.summary, result.settings, result.rows,
                             spec_dict, spec_hash)
            ).encode("utf-8"),
        ),
    }
    if oas:
        paths["oas"] = write_layout(result.component, out / "layout.oas")
    if preview:
        paths["png"] = write_preview(result, out / "preview.png")
    return paths

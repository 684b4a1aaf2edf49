"""layouts: write patterns (gdsfactory layout and stage job) for the lithography laser.

``build_layout(process, array, settings)`` validates and builds a dose matrix;
``write_outputs(result, out_dir, spec_dict=..., spec_hash=...)`` writes layout.gds, layout.lyp
(KLayout layer names and colours), job.csv, job.json and preview.png. Library code: it never
imports paradisk.

The parameter models (WriteArray, LayoutSettings and its parts) import eagerly and cheaply;
everything that needs gdsfactory (about 2 s to import) loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from layouts.array import WriteArray
from layouts.settings import LabelSettings, LayoutSettings, MarkSettings, StageFrame

if TYPE_CHECKING:
    from layouts.build import LayoutResult, build_layout
    from layouts.errors import LayoutError
    from layouts.gds_io import read_disk_info, read_exposure_points, write_layout
    from layouts.job import ExposurePoint, JobSummary, serpentine_order
    from layouts.outputs import write_outputs
    from layouts.rows import DiskRow, plan_rows
    from layouts.validate import validate_layout

_LAZY = {
    "LayoutResult": "layouts.build",
    "build_layout": "layouts.build",
    "LayoutError": "layouts.errors",
    "read_disk_info": "layouts.gds_io",
    "read_exposure_points": "layouts.gds_io",
    "write_layout": "layouts.gds_io",
    "ExposurePoint": "layouts.job",
    "JobSummary": "layouts.job",
    "serpentine_order": "layouts.job",
    "write_outputs": "layouts.outputs",
    "DiskRow": "layouts.rows",
    "plan_rows": "layouts.rows",
    "validate_layout": "layouts.validate",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'layouts' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DiskRow",
    "ExposurePoint",
    "JobSummary",
    "LabelSettings",
    "LayoutError",
    "LayoutResult",
    "LayoutSettings",
    "MarkSettings",
    "StageFrame",
    "WriteArray",
    "build_layout",
    "plan_rows",
    "read_disk_info",
    "read_exposure_points",
    "serpentine_order",
    "validate_layout",
    "write_layout",
    "write_outputs",
]

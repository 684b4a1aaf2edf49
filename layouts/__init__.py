"""layouts: write patterns (gdsfactory layout and stage job) for the lithography laser.

``build_layout(process, array, settings)`` validates and builds a dose matrix;
``write_outputs(result, out_dir, spec_dict=..., spec_hash=...)`` writes layout.gds, job.csv,
job.json and preview.png. Library code: it never imports paradisk.
"""

from layouts.array import WriteArray
from layouts.build import LayoutResult, build_layout
from layouts.errors import LayoutError
from layouts.gds_io import read_exposure_points, write_layout
from layouts.job import ExposurePoint, JobSummary, serpentine_order
from layouts.outputs import write_outputs
from layouts.rows import DiskRow, plan_rows
from layouts.settings import LabelSettings, LayoutSettings, MarkSettings, StageFrame
from layouts.validate import validate_layout

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
    "read_exposure_points",
    "serpentine_order",
    "validate_layout",
    "write_layout",
    "write_outputs",
]

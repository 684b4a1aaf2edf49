"""Build a write pattern: validate, plan the rows and the job, draw the dose matrix."""

from __future__ import annotations

from dataclasses import dataclass

import gdsfactory as gf

from geometry.exposure import ExposureProcess
from layouts.array import WriteArray
from layouts.cellkit import activate_generic_pdk
from layouts.job import DBU_UM, ExposurePoint, JobSummary, exposure_points, pitch_nm, summarize
from layouts.matrix import dose_matrix
from layouts.rows import DiskRow
from layouts.settings import LayoutSettings
from layouts.validate import validate_layout


@dataclass(frozen=True)
class LayoutResult:
    """A validated write pattern: the layout component, its rows, the job and its totals."""

    component: gf.Component
    rows: tuple[DiskRow, ...]
    points: tuple[ExposurePoint, ...]
    """exposure points in write order (GDS positions in nm)"""
    summary: JobSummary
    settings: LayoutSettings
    process: ExposureProcess
    array: WriteArray

    @property
    def pitch_um(self) -> float:
        """Centre-to-centre spacing as drawn (the array pitch on the 1 nm grid), um."""
        return pitch_nm(self.array.pitch_um) * DBU_UM

    @property
    def chip_bbox_um(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) of the whole chip in GDS um."""
        b = self.component.dbbox()
        return (b.left, b.bottom, b.right, b.top)


def build_layout(
    process: ExposureProcess,
    array: WriteArray,
    settings: LayoutSettings | None = None,
    title: str = "",
) -> LayoutResult:
    """Validate the inputs and build the layout and job (nothing is written to disk).

    Raises layouts.LayoutError, naming the field at fault, for overlapping disks, a dose that
    writes nothing or leaves a floating disk, labels that do not fit, or an array beyond the
    stage travel. ``title`` is printed above the array (ASCII; other characters become "_").
    """
    settings = settings or LayoutSettings()
    rows = validate_layout(process, array, settings)
    activate_generic_pdk()
    component = dose_matrix(
        rows=rows, repeats=array.repeats, pitch_um=array.pitch_um, settings=settings, title=title
    )
    points = exposure_points(rows, array.repeats, array.pitch_um)
    return LayoutResult(
        component=component,
        rows=rows,
        points=points,
        summary=summarize(points, settings.stage),
        settings=settings,
        process=process,
        array=array,
    )

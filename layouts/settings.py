"""Settings of the written layout: stage frame, labels, marks, spacing and chip outline.

Lengths in um, stage speed in um/s, settle time in ms. Every default that is not a property of
the physics is an assumption about a typical laser writer and says so: give the real values of
your stage in the spec.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

# Largest coordinate anywhere (1 m): a sanity bound, not a physical limit of any stage.
MAX_COORD_UM = 1.0e6


class StageFrame(BaseModel):
    """How GDS coordinates map to the stage of the writing laser.

    A GDS point (x, y) in um lands on the stage at

        x_stage = origin_um[0] + (-x if flip_x else x)
        y_stage = origin_um[1] + (-y if flip_y else y)

    in um; the job files then express stage coordinates in ``units``. ``travel_um`` gives the
    reachable stage range ((x_min, x_max), (y_min, y_max)) in um.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin_um: tuple[float, float] = Field(
        (0.0, 0.0), description="stage position of the GDS origin (x, y), um"
    )
    flip_x: bool = Field(False, description="the stage x axis points along -x of the GDS")
    flip_y: bool = Field(False, description="the stage y axis points along -y of the GDS")
    units: Literal["um", "mm"] = Field("um", description="units of the job-file coordinates")
    # assumption: a 25 mm x 25 mm motorised stage centred on its home position
    travel_um: tuple[tuple[float, float], tuple[float, float]] = Field(
        ((-12500.0, 12500.0), (-12500.0, 12500.0)),
        description="reachable stage range ((x_min, x_max), (y_min, y_max)), um",
    )
    # assumption: 1 mm/s, a conservative speed for a stepper stage moving between exposures
    speed_um_per_s: float = Field(
        1000.0, gt=0.0, le=1.0e6, description="stage speed between exposure points, um/s"
    )
    # assumption: 50 ms for the stage to settle after each move before the shutter opens
    settle_ms: float = Field(
        50.0, ge=0.0, le=1.0e5, description="settling time after each move, ms"
    )

    @model_validator(mode="after")
    def _check_ranges(self) -> StageFrame:
        for i, axis in enumerate("xy"):
            o = self.origin_um[i]
            if not math.isfinite(o) or abs(o) > MAX_COORD_UM:
                raise ValueError(
                    f"origin_um[{i}] ({axis}) = {o}: must be finite with "
                    f"|value| <= {MAX_COORD_UM:g}"
                )
            lo, hi = self.travel_um[i]
            for v in (lo, hi):
                if not math.isfinite(v) or abs(v) > MAX_COORD_UM:
                    raise ValueError(
                        f"travel_um[{i}] ({axis}) = ({lo}, {hi}): limits must be finite with "
                        f"|value| <= {MAX_COORD_UM:g}"
                    )
            if not lo < hi:
                raise ValueError(
                    f"travel_um[{i}] ({axis}) = ({lo}, {hi}): the minimum must be below the maximum"
                )
        return self

    @property
    def unit_scale(self) -> float:
        """Job-file units per um (1 for um, 1e-3 for mm)."""
        return 1.0 if self.units == "um" else 1.0e-3

    def to_stage_um(self, x_um: np.ndarray, y_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stage coordinates (um) of GDS points (um)."""
        x = np.asarray(x_um, dtype=float)
        y = np.asarray(y_um, dtype=float)
        xs = self.origin_um[0] + (-x if self.flip_x else x)
        ys = self.origin_um[1] + (-y if self.flip_y else y)
        return xs, ys

    def to_stage(self, x_um: np.ndarray, y_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stage coordinates of GDS points (um), in the job-file ``units``."""
        xs, ys = self.to_stage_um(x_um, y_um)
        return xs * self.unit_scale, ys * self.unit_scale

    def from_stage(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """GDS coordinates (um) of stage points given in the job-file ``units``."""
        xs_um = np.asarray(xs, dtype=float) / self.unit_scale
        ys_um = np.asarray(ys, dtype=float) / self.unit_scale
        x = xs_um - self.origin_um[0]
        y = ys_um - self.origin_um[1]
        return (-x if self.flip_x else x), (-y if self.flip_y else y)


class LabelSettings(BaseModel):
    """Text drawn next to the disks so that they can be found under an optical microscope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    show: bool = Field(True, description="draw row (dose) and disk (id) labels")
    # assumption: 10 um tall strokes (about 1.5 um wide) are easily read with a 10x objective
    text_height_um: float = Field(
        10.0, ge=1.0, le=1000.0, description="height of the label characters, um"
    )
    per_disk: bool = Field(
        True, description="label every disk with its id (else only row and column headers)"
    )


class MarkSettings(BaseModel):
    """Alignment crosses at the four corners of the array and one orientation mark."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    show: bool = Field(True, description="draw alignment and orientation marks")
    # assumption: 100 um crosses with 10 um arms, visible with a 5x objective
    size_um: float = Field(100.0, ge=5.0, le=5000.0, description="full width of a cross, um")
    line_width_um: float = Field(10.0, ge=0.5, le=1000.0, description="arm width of a cross, um")
    gap_um: float = Field(
        50.0, ge=0.0, le=1.0e4, description="gap between the array (with labels) and the marks, um"
    )

    @model_validator(mode="after")
    def _check_width(self) -> MarkSettings:
        if not self.line_width_um < self.size_um / 2.0:
            raise ValueError(
                f"line_width_um = {self.line_width_um:g}: must be < size_um / 2 = "
                f"{self.size_um / 2.0:g} um"
            )
        return self


class LayoutSettings(BaseModel):
    """Everything about the written pattern that is not the exposure process or the array."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: StageFrame = Field(default_factory=StageFrame)
    labels: LabelSettings = Field(default_factory=LabelSettings)
    marks: MarkSettings = Field(default_factory=MarkSettings)
    # assumption: 5 um clear gap between the expected top footprints of neighbouring disks
    # leaves room for stage error (~1 um) and keeps the WGM fields of neighbours apart
    margin_um: float = Field(
        5.0, ge=0.0, le=1.0e4, description="smallest gap between neighbouring disk tops, um"
    )
    # assumption: 100 um of free resin around everything before the chip edge
    chip_margin_um: float = Field(
        100.0, ge=0.0, le=1.0e5, description="gap from the marks/labels to the chip outline, um"
    )
    circle_points: int = Field(
        128, ge=16, le=4096, description="vertices of each drawn disk footprint polygon"
    )

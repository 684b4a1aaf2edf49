"""The ``scatter:`` section of a spec: how the fabrication of nominally identical disks spreads.

Each scattered quantity has a distribution around the spec's nominal value:

- ``normal``: x = x0 + sigma z, with sigma = ``abs`` or ``rel`` * x0;
- ``lognormal``: x = x0 exp(s z), median x0, s = ``rel`` (or ``abs`` / x0): for quantities
  that are positive by nature and spread by factors (concentrations, extra Q);
- ``uniform``: x0 + u, u uniform in [-half, +half], half = ``abs`` or ``rel`` * x0.

Widths are one standard deviation (normal, lognormal) or the half-width (uniform). A width of
zero is allowed and reproduces the nominal disk. Units follow the field names of the spec
section the quantity belongs to (``process.power_uW`` in uW, ...); ``disk_index`` is an
absolute change of the disk material's refractive index (dimensionless).

Loss quantities are named as the spec's ``losses:`` section has them (``LOSS_FIELDS``;
``intrinsic_Q`` is accepted as the deprecated name of ``Q_other``): a new loss parameter
becomes scatterable by adding its name there.

Every scattered quantity but ``disk_index`` is positive by nature. The widths are bounded so
that the spread is a fabrication scatter, not a different design (``check_widths``): a normal
width at most 1/3 of the nominal value (a draw <= 0 then has probability < 0.14 %; such a
disk is labelled ``nonphysical_draw``, never evaluated), any width at most 1/2 of it, an
absolute width measured against the nominal value alike, and the solved box of a geometric
quantity (nominal +- trust_sigma standard deviations) inside the positive values. The index
change is bounded by where its first-order shift holds.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the loss parameters that a scatter may spread (name -> what it is); roughness_rms scales the
# rms height of every rough interface of the spec's losses.roughness together, nominal 1 (so
# give it as rel, or abs in units of the nominal): the roughness channel's 1/Q scales exactly
# with its square.
LOSS_FIELDS = {"Q_other": "Q of the losses beyond the budget's channels (losses.Q_other)",
               "roughness_rms": "factor on every interface's rms roughness (nominal 1)"}
# deprecated loss names -> the current ones
LOSS_ALIASES = {"intrinsic_Q": "Q_other"}
# relative widths beyond this are a different design, not a fabrication spread
MAX_REL_WIDTH = 0.5
# a normal width beyond 1/3 of the nominal value draws values <= 0 (z < -3) too often for a
# positive quantity: such a spread is lognormal
MAX_NORMAL_REL_WIDTH = 1.0 / 3.0
# ASSUMPTION: the first-order index shift (solvers.sensitivity.index_response) is validated
# against re-solves at |dn| = 0.003 only (tests/test_scatter_fem.py); a standard deviation up
# to 0.01 (draws to ~0.03) is accepted on the expectation that its second order, growing as
# dn^2, stays small there: not measured
MAX_INDEX_WIDTH = 0.01


class Spread(BaseModel):
    """One distribution: its kind and one width, absolute (field units) or relative."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dist: Literal["normal", "lognormal", "uniform"] = Field(
        "normal", description="distribution: normal, lognormal or uniform")
    abs: float | None = Field(None, ge=0.0, le=1.0e6,
                              description="width in the field's own units")
    rel: float | None = Field(None, ge=0.0, le=MAX_REL_WIDTH,
                              description="width as a fraction of the nominal value")

    @model_validator(mode="after")
    def _one_width(self) -> Spread:
        if (self.abs is None) == (self.rel is None):
            raise ValueError("give exactly one width: abs (field units) or rel (fraction of "
                             f"the nominal value, 0-{MAX_REL_WIDTH:g})")
        return self

    @model_validator(mode="after")
    def _normal_not_too_wide(self) -> Spread:
        if self.dist == "normal" and self.rel is not None and self.rel > MAX_NORMAL_REL_WIDTH:
            raise ValueError(f"rel = {self.rel:g}: a normal width above 1/3 of the nominal "
                             "value draws values <= 0 too often; allowed 0-0.333, or use "
                             "dist: lognormal")
        return self

    def width(self, nominal: float) -> float:
        """The absolute width at ``nominal`` (sigma, or half-width for uniform)."""
        return float(self.abs) if self.abs is not None else float(self.rel) * abs(nominal)

    def relative_sd(self, nominal: float) -> float:
        """The standard deviation of the drawn values over the nominal value."""
        r = self.width(nominal) / abs(nominal) if nominal else math.inf
        if self.dist == "uniform":
            return r / math.sqrt(3.0)
        if self.dist == "lognormal":
            return math.sqrt(math.expm1(r * r) * math.exp(r * r)) if r < 10.0 else math.inf
        return r


class ProcessScatter(BaseModel):
    """Spreads of the writing process (``process.*`` and the row's dwell)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    power_uW: Spread | None = None
    dwell_ms: Spread | None = None
    waist_um: Spread | None = None
    threshold_dose_mJ_per_cm2: Spread | None = None
    film_thickness_um: Spread | None = None
    absorber_concentration_mg_per_mL: Spread | None = None


class FilmScatter(BaseModel):
    """Spreads of the nanocrystal film (``nanocrystals.*``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thickness_nm: Spread | None = None
    concentration_per_cm3: Spread | None = None


class ScatterSpec(BaseModel):
    """How many disks to sample, with which seed, and how each quantity spreads."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    samples: int = Field(1000, ge=1, le=1_000_000, description="sampled disks per row")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="random seed (same seed, same table)")
    process: ProcessScatter = ProcessScatter()
    disk_index: Spread | None = Field(
        None, description="absolute spread of the disk material's refractive index")
    nanocrystals: FilmScatter = FilmScatter()
    losses: dict[str, Spread] = Field(
        default_factory=dict, description=f"spreads of loss fields: {', '.join(LOSS_FIELDS)}")
    # the sensitivities are solved at +-trust_sigma standard deviations of each geometric
    # descriptor; a sample beyond that box is refused, never extrapolated
    trust_sigma: float = Field(4.0, ge=1.0, le=6.0,
                               description="half-width of the solved box, in sigmas")
    # modes solved beyond the spec's window, so that modes shifting into it are known
    window_margin_nm: float = Field(6.0, ge=0.0, le=100.0,
                                    description="extra wavelength solved on each side, nm")

    @model_validator(mode="before")
    @classmethod
    def _current_loss_names(cls, data: Any) -> Any:
        """``losses.intrinsic_Q`` (deprecated) is ``losses.Q_other``: given once."""
        losses = data.get("losses") if isinstance(data, dict) else None
        if not isinstance(losses, dict) or not set(losses) & set(LOSS_ALIASES):
            return data
        out = dict(losses)
        for old, new in LOSS_ALIASES.items():
            if old in out:
                if new in out:
                    raise ValueError(f"losses.{old} and losses.{new}: give only "
                                     f"losses.{new} ({old} is its deprecated name)")
                out[new] = out.pop(old)
        return {**data, "losses": out}

    @model_validator(mode="after")
    def _known_losses(self) -> ScatterSpec:
        for name in self.losses:
            if name not in LOSS_FIELDS:
                raise ValueError(f"losses.{name}: unknown loss field; allowed: "
                                 f"{', '.join(LOSS_FIELDS)}")
        if self.disk_index is not None and self.disk_index.rel is not None:
            raise ValueError("disk_index: give abs (a change of refractive index), not rel")
        if self.disk_index is not None and self.disk_index.abs > MAX_INDEX_WIDTH:
            raise ValueError(f"disk_index.abs = {self.disk_index.abs:g}: allowed 0-"
                             f"{MAX_INDEX_WIDTH:g} (the first-order index shift is validated "
                             "at |dn| = 0.003; its error grows as dn^2)")
        return self

    def spreads(self) -> dict[str, Spread]:
        """Every given spread by its dotted name (``process.power_uW``, ``disk_index``, ...)."""
        out: dict[str, Spread] = {}
        for name in ProcessScatter.model_fields:
            s = getattr(self.process, name)
            if s is not None:
                out[f"process.{name}"] = s
        if self.disk_index is not None:
            out["disk_index"] = self.disk_index
        for name in FilmScatter.model_fields:
            s = getattr(self.nanocrystals, name)
            if s is not None:
                out[f"nanocrystals.{name}"] = s
        for name, s in sorted(self.losses.items()):
            out[f"losses.{name}"] = s
        return out


# the scattered quantities whose solved box (nominal +- trust_sigma sd) must stay positive:
# the geometry the sensitivity stage solves at its edges
BOXED = ("process.waist_um", "process.film_thickness_um",
         "process.absorber_concentration_mg_per_mL", "nanocrystals.thickness_nm")


def check_widths(scatter: ScatterSpec, nominals: dict[str, float]) -> None:
    """Raise ValueError (one line naming the field and its allowed range) for a width too
    wide for its nominal value. ``nominals``: dotted name -> the spec's value (the smallest
    over the rows for a per-row quantity); a quantity absent from it is not checked."""
    for name, s in scatter.spreads().items():
        x0 = nominals.get(name)
        if name == "disk_index" or x0 is None or not math.isfinite(x0):
            continue
        if x0 <= 0.0:
            if s.width(x0) > 0.0:
                raise ValueError(f"scatter.{name}: the nominal value is {x0:g}; only a "
                                 "zero width can be scattered around it")
            continue
        cap = MAX_NORMAL_REL_WIDTH if s.dist == "normal" else MAX_REL_WIDTH
        if s.abs is not None and s.abs > cap * x0:
            raise ValueError(f"scatter.{name}.abs = {s.abs:g}: allowed 0-{cap * x0:.4g} "
                             f"({cap:.3g} of the nominal {x0:g}) for a {s.dist} spread")
        if name in BOXED:
            sd = s.relative_sd(x0)
            if scatter.trust_sigma * sd >= 1.0:
                raise ValueError(
                    f"scatter.{name}: the solved box {x0:g} +- {scatter.trust_sigma:g} sd "
                    f"({sd:.3g} of the nominal) reaches values <= 0; allowed a standard "
                    f"deviation below {1.0 / scatter.trust_sigma:.3g} of the nominal value "
                    "(narrow the spread or lower scatter.trust_sigma)")


def scatter_nominals(spec: Any) -> dict[str, float]:
    """The nominal value of every scatterable quantity of a ``DesignSpec`` (dotted names of
    ``ScatterSpec.spreads``; the smallest over the rows for the per-row power and dwell)."""
    proc, film = spec.process, spec.nanocrystals
    rows = spec.rows()
    out = {
        "process.power_uW": min((r.power_uW for r in rows), default=math.nan),
        "process.dwell_ms": min((r.dwell_ms for r in rows), default=math.nan),
        "process.waist_um": proc.waist_um,
        "process.threshold_dose_mJ_per_cm2": proc.threshold_dose_mJ_per_cm2,
        "process.film_thickness_um": proc.film_thickness_um,
        "process.absorber_concentration_mg_per_mL": proc.absorber.concentration_mg_per_mL,
        "nanocrystals.thickness_nm": film.thickness_nm,
        "nanocrystals.concentration_per_cm3": film.concentration_per_cm3,
        "losses.roughness_rms": 1.0,
    }
    if spec.losses.Q_other is not None:
        out["losses.Q_other"] = spec.losses.Q_other
    return {k: float(v) for k, v in out.items()}

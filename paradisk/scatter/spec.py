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

Loss quantities are named as the spec has them at the top level (``LOSS_FIELDS``): a new loss
parameter becomes scatterable by adding its name there.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the loss parameters that a scatter may spread (name -> what it is). intrinsic_Q is the
# spec's losses.Q_other (its deprecated name); roughness_rms scales the rms height of every
# rough interface of the spec's losses.roughness together, nominal 1 (so give it as rel, or abs
# in units of the nominal): the roughness channel's 1/Q scales exactly with its square.
LOSS_FIELDS = {"intrinsic_Q": "Q of the losses beyond the budget's channels (losses.Q_other)",
               "roughness_rms": "factor on every interface's rms roughness (nominal 1)"}
# relative widths beyond this make a normal draw negative too often to be a fabrication spread
MAX_REL_WIDTH = 0.5


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

    def width(self, nominal: float) -> float:
        """The absolute width at ``nominal`` (sigma, or half-width for uniform)."""
        return float(self.abs) if self.abs is not None else float(self.rel) * abs(nominal)


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

    @model_validator(mode="after")
    def _known_losses(self) -> ScatterSpec:
        for name in self.losses:
            if name not in LOSS_FIELDS:
                raise ValueError(f"losses.{name}: unknown loss field; allowed: "
                                 f"{', '.join(LOSS_FIELDS)}")
        if self.disk_index is not None and self.disk_index.rel is not None:
            raise ValueError("disk_index: give abs (a change of refractive index), not rel")
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

"""Inverse exposure design: the dose for a target diameter, the absorber for a target wall shape.

Closed forms of the exposure model (PHYSICS.md section 1). With L = ln(E0 / W_cl):

    top radius       R^2 = (w0^2 / 2) L                  ->  L = 2 R^2 / w0^2
    exposure energy  P0 tau = (pi w0^2 W_cl / 2) exp(L)
    foot radius      r_f^2 = (w0^2 / 2)(L - alpha z0)    ->  alpha = (1 - rho^2) L / z0, rho = r_f/R
    rim slope        dz/dr = 4 R / (alpha w0^2)          ->  alpha = 4 R / (w0^2 tan(theta))

alpha is the total Napierian attenuation at 405 nm; the absorber supplies alpha minus the resin's
own absorption. Units: um, uW, ms, uJ, mJ/cm^2, 1/um, degrees.
"""

from __future__ import annotations

import math

from geometry.exposure import ExposureProcess
from geometry.profile import NotAnchoredError

# Plausibility bound on one exposure point's dwell, ms. ASSUMPTION: one minute. The paper's
# disks take tens of ms (25 uJ at 500 uW = 50 ms for a 20 um disk); a dwell of minutes means the
# target is far outside what this beam and absorber write (the dose grows as exp(D^2/(2 w0^2))).
MAX_DWELL_MS = 60_000.0


class ImplausibleDoseError(ValueError):
    """A target needs a dose beyond what a writing laser delivers in a plausible dwell."""


def log_overdose_for_top_radius(waist_um: float, top_radius_um: float) -> float:
    """L = ln(E0/W_cl) that writes a top radius ``top_radius_um`` with beam radius ``waist_um``."""
    if not top_radius_um > 0.0:
        raise ValueError(f"top radius = {top_radius_um} um: must be > 0")
    ratio = top_radius_um / waist_um
    # beyond this the square overflows a float; the dose is unreachable long before
    return 2.0 * ratio**2 if ratio < 1.0e100 else math.inf


def smallest_anchored_top_diameter_um(process: ExposureProcess) -> float:
    """Smallest top diameter whose body still reaches the substrate (L = alpha z0), um."""
    big_l = process.alpha_per_um * process.film_thickness_um
    return 2.0 * process.waist_um * math.sqrt(0.5 * big_l)


def energy_for_top_diameter(process: ExposureProcess, top_diameter_um: float) -> float:
    """Exposure energy P0*tau (uJ) that writes a disk of top diameter ``top_diameter_um``.

    Raises NotAnchoredError when that disk would not reach the substrate (too small for the
    absorber: its walls close before z = 0)."""
    if not top_diameter_um > 0.0:
        raise ValueError(f"top_diameter_um = {top_diameter_um}: must be > 0")
    big_l = log_overdose_for_top_radius(process.waist_um, 0.5 * top_diameter_um)
    if big_l <= process.alpha_per_um * process.film_thickness_um:
        d_min = smallest_anchored_top_diameter_um(process)
        raise NotAnchoredError(
            f"top_diameter_um = {top_diameter_um:g}: a disk this small is not anchored to the "
            f"substrate with alpha = {process.alpha_per_um:.4g}/um and z0 = "
            f"{process.film_thickness_um:g} um; the smallest anchored top diameter is "
            f"{d_min:.4g} um (lower the absorber concentration or write larger disks)"
        )
    if big_l > _LOG_FLOAT_MAX - math.log(max(process.threshold_energy_uJ(), 1.0)):
        raise ImplausibleDoseError(
            f"top_diameter_um = {top_diameter_um:g}: the dose for this diameter grows as "
            f"exp(D^2 / (2 w0^2)) = exp({big_l:.4g}) times the threshold, beyond any float; "
            f"allowed: a diameter a few times waist_um = {process.waist_um:g} um"
        )
    return process.threshold_energy_uJ() * math.exp(big_l)


_LOG_FLOAT_MAX = math.log(1.0e300)


def largest_top_diameter_um(process: ExposureProcess, max_dwell_ms: float,
                            power_uW: float | None = None) -> float:
    """Top diameter written with a dwell of ``max_dwell_ms`` at ``power_uW``, um (0 if that
    dose stays below the threshold)."""
    big_l = math.log(process.energy_uJ(max_dwell_ms, power_uW) / process.threshold_energy_uJ())
    return 2.0 * process.waist_um * math.sqrt(0.5 * max(big_l, 0.0))


def dwell_for_top_diameter(
    process: ExposureProcess, top_diameter_um: float, power_uW: float | None = None,
    max_dwell_ms: float | None = None,
) -> float:
    """Dwell time (ms) at ``power_uW`` (default: the process power) for a target top diameter.

    ``max_dwell_ms``: raise ImplausibleDoseError (naming the largest diameter allowed) when the
    dwell would exceed it; None: no bound."""
    energy = energy_for_top_diameter(process, top_diameter_um)
    dwell = process.dwell_ms(energy, power_uW)
    if max_dwell_ms is not None and not dwell <= max_dwell_ms:
        power = process.power_uW if power_uW is None else power_uW
        d_max = largest_top_diameter_um(process, max_dwell_ms, power_uW)
        raise ImplausibleDoseError(
            f"top_diameter_um = {top_diameter_um:g} needs a dwell of {dwell:.3g} ms at "
            f"{power:g} uW; allowed: at most {max_dwell_ms:g} ms per point, i.e. top diameters "
            f"up to {d_max:.4g} um with this beam (waist_um = {process.waist_um:g}) and power"
        )
    return dwell


def _absorber_for_alpha(process: ExposureProcess, alpha_total_per_um: float, what: str
                        ) -> ExposureProcess:
    absorber_alpha = alpha_total_per_um - process.resin_absorption_per_um
    if absorber_alpha < 0.0:
        raise ValueError(
            f"{what} needs a total attenuation of {alpha_total_per_um:.4g}/um, below the resin's "
            f"own absorption resin_absorption_per_um = {process.resin_absorption_per_um:g}/um: "
            "no absorber concentration can give it"
        )
    return process.model_copy(update={"absorber": process.absorber.with_alpha(absorber_alpha)})


def process_for_foot_ratio(
    process: ExposureProcess, top_diameter_um: float, foot_to_top_ratio: float
) -> ExposureProcess:
    """The process with the absorber concentration that gives ``foot_to_top_ratio`` = r_foot /
    r_top for a disk of top diameter ``top_diameter_um`` (beam, film and threshold unchanged).

    ``foot_to_top_ratio`` must lie in (0, 1): 1 is a vertical wall (no absorber), 0 a cone."""
    if not 0.0 < foot_to_top_ratio < 1.0:
        raise ValueError(f"foot_to_top_ratio = {foot_to_top_ratio}: must be in (0, 1)")
    big_l = log_overdose_for_top_radius(process.waist_um, 0.5 * top_diameter_um)
    alpha = (1.0 - foot_to_top_ratio**2) * big_l / process.film_thickness_um
    return _absorber_for_alpha(process, alpha, f"foot_to_top_ratio = {foot_to_top_ratio:g}")


def process_for_wall_angle(
    process: ExposureProcess, top_diameter_um: float, wall_angle_deg: float
) -> ExposureProcess:
    """The process with the absorber concentration that gives the wall angle ``wall_angle_deg``
    (between the wall at the top rim and the substrate) for this top diameter.

    Raises NotAnchoredError when that attenuation would leave the disk floating."""
    if not 0.0 < wall_angle_deg < 90.0:
        raise ValueError(f"wall_angle_deg = {wall_angle_deg}: must be in (0, 90) degrees")
    radius = 0.5 * top_diameter_um
    alpha = 4.0 * radius / (process.waist_um**2 * math.tan(math.radians(wall_angle_deg)))
    new = _absorber_for_alpha(process, alpha, f"wall_angle_deg = {wall_angle_deg:g}")
    big_l = log_overdose_for_top_radius(process.waist_um, radius)
    if big_l <= alpha * process.film_thickness_um:
        raise NotAnchoredError(
            f"wall_angle_deg = {wall_angle_deg:g} for a {top_diameter_um:g} um disk needs "
            f"alpha = {alpha:.4g}/um, which leaves the disk floating (needs alpha < "
            f"{big_l / process.film_thickness_um:.4g}/um); choose a steeper wall"
        )
    return new

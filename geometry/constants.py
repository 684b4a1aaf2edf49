"""Physical constants, one definition each (SI 2019 exact values, CODATA 2018).

Every package may import this module: geometry is the base of the import graph, and the
solvers and the gain model must agree on the photon energy of a wavelength to the last digit.
"""

from __future__ import annotations

PLANCK_J_S = 6.62607015e-34  # Planck constant h, J s (SI, exact)
SPEED_OF_LIGHT_M_PER_S = 299792458.0  # speed of light c, m/s (SI, exact)
ELEMENTARY_CHARGE_C = 1.602176634e-19  # elementary charge e, C (SI, exact)

# h c / e in eV nm: photon energy (eV) = HC_EV_NM / wavelength (nm); 1239.841984 eV nm
HC_EV_NM = PLANCK_J_S * SPEED_OF_LIGHT_M_PER_S / ELEMENTARY_CHARGE_C * 1e9
# c in nm/ns (the rate equations' time unit) and in nm THz (frequency in THz = c / lambda_nm)
SPEED_OF_LIGHT_NM_PER_NS = SPEED_OF_LIGHT_M_PER_S  # 1 m/s = 1 nm/ns
SPEED_OF_LIGHT_NM_THZ = SPEED_OF_LIGHT_M_PER_S * 1e-3  # 1 m/s = 1e-3 nm THz

"""solvers.orders: the one (radial, axial) order rule of both solvers, on synthetic field maps
whose lobe counts are known by construction (no solver run).

The synthetic mode of a rectangular disk cross-section (rim radius R, height H): radially the
Airy profile Ai(a_p + (R - r) / ell) of a whispering-gallery mode near the rim (p lobes between
the wall and the caustic, a_p the p-th zero of Ai), axially a Hermite-Gauss function of order q
(q + 1 lobes), zero outside the body.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from numpy.polynomial.hermite import hermval
from scipy.special import ai_zeros, airy

from solvers.fields import FieldMap
from solvers.meep.fields import analyse_field
from solvers.orders import LOBE_THRESHOLD, count_lobes, mode_orders

R_UM, H_UM = 3.0, 1.6
ELL_UM, W_UM = 0.1, 0.2  # Airy length and Gaussian waist: assumption (a thick SU8 disk's scale)
DISK = shapely.box(0.0, -H_UM / 2, R_UM, H_UM / 2)
CASES = [(1, 0), (2, 0), (3, 0), (1, 1), (2, 1), (1, 2)]


def _synthetic(p: int, q: int, n: int = 121) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.linspace(1.5, 3.5, n)
    z = np.linspace(-0.9, 0.9, n)
    a_p = ai_zeros(p)[0][-1]
    radial = airy(a_p + (R_UM - r) / ELL_UM)[0]
    coef = np.zeros(q + 1)
    coef[q] = 1.0
    axial = hermval(z / W_UM, coef) * np.exp(-0.5 * (z / W_UM) ** 2)
    field = np.outer(axial, radial) * shapely.contains_xy(DISK, *np.meshgrid(r, z))
    # an arbitrary global phase: the rule must not depend on it
    return r, z, field * np.exp(0.7j)


@pytest.mark.parametrize(("p", "q"), CASES)
def test_mode_orders_counts_the_lobes_of_a_synthetic_mode(p, q):
    r, z, dom = _synthetic(p, q)
    iz, ir = np.unravel_index(int(np.argmax(np.abs(dom))), dom.shape)
    assert mode_orders(r, z, dom, DISK, float(r[ir]), float(z[iz])) == (p, q)


@pytest.mark.parametrize(("p", "q"), CASES)
def test_meep_field_analysis_uses_the_same_rule(p, q):
    """The Meep side labels a TE field map (E_z dominant, tangential to the vertical wall) with
    the orders of the shared rule."""
    r, z, dom = _synthetic(p, q)
    eps = np.where(shapely.contains_xy(DISK, *np.meshgrid(r, z)), 2.52, 1.0)
    zero = np.zeros_like(dom)
    fmap = FieldMap(r, z, 0.05 * dom, zero, dom, eps)
    an = analyse_field(fmap, DISK, shapely.Polygon(), None, R_UM, H_UM / 2)
    assert an.polarization == "TE"
    assert (an.radial_order, an.axial_order) == (p, q)


def test_weak_sign_changes_are_not_lobes():
    x = np.linspace(0.0, 1.0, 200)
    main = np.exp(-((x - 0.3) / 0.05) ** 2)
    ripple = -0.15 * np.exp(-((x - 0.7) / 0.02) ** 2)  # a 15 % tail of the other sign
    assert count_lobes(main + ripple) == 1
    assert count_lobes(main - 0.3 * np.exp(-((x - 0.7) / 0.02) ** 2)) == 2
    assert count_lobes(np.zeros(5)) == 0


def test_threshold_is_well_below_the_weakest_true_radial_lobe():
    """The docstring's reason for 0.2: the first ten Airy lobes are >= 0.56 of the first."""
    peaks = np.abs(ai_zeros(10)[2])
    assert peaks.min() / peaks.max() > 2.5 * LOBE_THRESHOLD

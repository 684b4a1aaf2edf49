"""Bulk absorption of the materials a mode lives in, by first-order perturbation.

A small Im(eps_i) in material i changes the complex eigenvalue by (complex symmetric pencil,
fields of the lossless mode)

    delta(k0^2) / k0^2 = - sum_i i Im(eps_i) integral_i E.E / integral eps E.E

so 1/Q = 2 |Im k0| / Re k0 grows by

    1/Q_material = sum_i f_i Im(eps_i) / Re(eps_i),   f_i = W_i / W

with W_i the electric energy integral_i e(eps)|E|^2 in material i and W its total over the
physical domain (solvers.energy; PHYSICS.md section 3). The error is of second order in
Im(eps) and of order 1/Q_radiation from using |E|^2 for E.E; metals are not perturbations and
stay in the solver (Q_metal).

Checked against a FEM solve with the complex indices (1/Q to 1e-3: tests/test_losses_material.py)
and against a Meep run with a complex index of the body (tests/test_meep_material_loss.py:
a 1.5 um disk of n = 2.5 + 2.5e-4 i, m = 12 TE and TM, 95.6 % of the energy in the disk):
Meep's 1/Q(n + i k) - 1/Q(n) is 0.45-0.47 % above this at resolution 20/um, 0.31-0.33 % at
30/um (first order in the pixel size), and the extrapolation of the two meets it within 6e-4.
"""

from __future__ import annotations

from collections.abc import Mapping


def material_inverse_q(
    region_energy: Mapping[str, float],
    region_eps: Mapping[str, float],
    region_im_eps: Mapping[str, float],
) -> dict[str, float]:
    """1/Q of each region's absorption: f_i Im(eps_i)/Re(eps_i).

    ``region_energy``: electric energy per region (any common scale; the sum is the total);
    ``region_eps``: the real permittivity the mode was solved with; ``region_im_eps``: the
    imaginary part to add (regions missing from it do not absorb).
    """
    total = float(sum(region_energy.values()))
    if not total > 0.0:
        raise ValueError("material_inverse_q: the mode has no electric energy")
    out = {}
    for r, w in region_energy.items():
        im = float(region_im_eps.get(r, 0.0))
        if im > 0.0:
            out[r] = (w / total) * im / float(region_eps[r])
    return out

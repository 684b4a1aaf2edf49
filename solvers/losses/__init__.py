"""Loss budget of a whispering-gallery mode: one Q per loss channel, and their total.

``loss_budget(mode, body, losses=LossSettings(...)) -> LossBudget`` with Q_radiation, Q_metal
(from the solver), Q_material (bulk absorption, first-order perturbation), Q_roughness
(surface scattering, volume-current method), Q_film_scattering (Rayleigh scattering of the
nanocrystal film), Q_other (user) and Q_total, 1/Q_total = the sum of the 1/Q. Ground-state
absorption of the nanocrystals stays in the gain model (paper Eq. 5), not in Q.

Modules: settings (LossSettings), interfaces (which surfaces are rough; field samples on
them), material, roughness, film (one channel each), budget (the sum).
"""

from __future__ import annotations

from solvers.losses.budget import CHANNELS, LossBudget, loss_budget
from solvers.losses.settings import FilmComposition, LossSettings, SurfaceRoughness

__all__ = [
    "CHANNELS",
    "FilmComposition",
    "LossBudget",
    "LossSettings",
    "SurfaceRoughness",
    "loss_budget",
]

"""What every cell module shares: the active PDK and layer indexes."""

from __future__ import annotations

import gdsfactory as gf

from layouts.layers import Layer


def activate_generic_pdk() -> None:
    """Activate gdsfactory's generic PDK (the cells use only their own layers)."""
    from gdsfactory.gpdk import PDK

    try:
        active = gf.get_active_pdk().name
    except ValueError:  # none active yet
        active = None
    if active != PDK.name:
        PDK.activate()


def layer_index(c: gf.Component, layer: Layer) -> int:
    """Index of ``layer`` in the layout that holds ``c``."""
    return c.kcl.layer(*layer)


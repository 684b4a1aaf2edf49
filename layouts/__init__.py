"""layouts: write patterns (gdsfactory layout and stage job) for the lithography laser."""

from layouts.array import WriteArray

__all__ = ["WriteArray"]

"""layouts: write patterns (gdsfactory layout and stage job) for the lithography laser."""

from layouts.array import WriteArray
from layouts.settings import LabelSettings, LayoutSettings, MarkSettings, StageFrame

__all__ = ["LabelSettings", "LayoutSettings", "MarkSettings", "StageFrame", "WriteArray"]

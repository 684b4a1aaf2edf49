"""Identify the modes of a measured microdisk spectrum: peak fits, mode labels, the disk's real
top diameter (see paradisk.identify.identification)."""

from paradisk.identify.identification import Identification, identify
from paradisk.identify.peaks import Peak, find_peaks
from paradisk.identify.spectrum import Spectrum, parse_spectrum, read_spectrum

__all__ = ["Identification", "Peak", "Spectrum", "find_peaks", "identify", "parse_spectrum",
           "read_spectrum"]

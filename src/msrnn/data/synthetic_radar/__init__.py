"""Synthetic radar: rain cells with a known motion, generated on the fly or written to disk in
every radar format the library reads, so the nowcasting path runs offline end to end.

* :class:`SyntheticRain` (:mod:`.rain`) generates rain-rate sequences (mm/h) with their true
  motion, deterministically from ``(seed, split, index)``;
* :class:`SyntheticRadar` (:mod:`.dataset`) serves them as clips in a radar pixel encoding (like
  Moving MNIST: no file, any number of sequences);
* :func:`write_synthetic_archive` (:mod:`.archive`) writes sequences as an HKO-7 release tree
  (PNG + masks + rainy day lists, optionally pandas catalogues), MS-RNN split folders of PNG
  frames (HKO or DWD encoding), a RYDL-style HDF5 file (mm per 5 min) or RADOLAN RY composites.
  Each sequence lies on its own day (00:00 onwards), the days of a split starting on 2014-01-01
  (train), 2015-01-01 (validation) and 2016-01-01 (test), which fits both the HKO day lists and
  the DWD year splits.
"""

from msrnn.data.synthetic_radar.archive import WrittenSequence, write_synthetic_archive
from msrnn.data.synthetic_radar.dataset import DEMO_CONVENTION, DEMO_NUM_SEQUENCES, SyntheticRadar
from msrnn.data.synthetic_radar.rain import (
    DEMO_INPUT_FRAMES,
    DEMO_MAX_SPEED,
    DEMO_NUM_CELLS,
    DEMO_OUTPUT_FRAMES,
    DEMO_SIZE,
    DEMO_STRATIFORM_FRACTION,
    RainSample,
    SyntheticRain,
)

__all__ = [
    "DEMO_CONVENTION",
    "DEMO_INPUT_FRAMES",
    "DEMO_MAX_SPEED",
    "DEMO_NUM_CELLS",
    "DEMO_NUM_SEQUENCES",
    "DEMO_OUTPUT_FRAMES",
    "DEMO_SIZE",
    "DEMO_STRATIFORM_FRACTION",
    "RainSample",
    "SyntheticRadar",
    "SyntheticRain",
    "WrittenSequence",
    "write_synthetic_archive",
]

"""HKO-7 radar echoes with the paper's protocol (:mod:`.dataset`), read from the HKO-7 release
tree (:mod:`.release`: frames, masks, rainy-day lists, pandas catalogues) or from split folders
of PNG frames (:mod:`msrnn.data.radar.split_folders`)."""

from msrnn.data.hko.dataset import (
    HKO7,
    PAPER_FRAME_STEP,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_RAINY_DAYS,
    PAPER_SIZE,
    Layout,
    detect_layout,
)
from msrnn.data.hko.release import CADENCE, hko7_frame_path, write_hko7_frame, write_rainy_days

__all__ = [
    "CADENCE",
    "HKO7",
    "PAPER_FRAME_STEP",
    "PAPER_INPUT_FRAMES",
    "PAPER_OUTPUT_FRAMES",
    "PAPER_RAINY_DAYS",
    "PAPER_SIZE",
    "Layout",
    "detect_layout",
    "hko7_frame_path",
    "write_hko7_frame",
    "write_rainy_days",
]

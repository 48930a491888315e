"""The paper's DWD setting, which every DWD route defaults to, and the year split of the HDF5 and
RADOLAN routes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from msrnn.data.radar.catalogue import Catalogue
from msrnn.data.splits import SPLITS

CADENCE = 5 * 60  # seconds between DWD frames (RY composites, RYDL keys, MS-RNN's PNG frames)
PAPER_SIZE = 124
#: Every 6th 5-minute frame: clip frames 30 minutes apart.
PAPER_FRAME_STEP = 6
PAPER_INPUT_FRAMES = 5
PAPER_OUTPUT_FRAMES = 5
DWD_YEARS: dict[str, tuple[int, int]] = {
    "train": (2006, 2014),
    "val": (2015, 2015),
    "test": (2016, 2017),
}


def by_year(
    catalogue: Catalogue, split: str, years: Mapping[str, Sequence[int]] | None, where: str
) -> Catalogue:
    """The frames of ``catalogue`` in the years of ``split`` (inclusive ranges).

    Raises:
        ValueError: malformed or overlapping ranges, no range for ``split``, no frame in it.
    """
    ranges = {k: tuple(int(y) for y in v) for k, v in (years or DWD_YEARS).items()}
    if set(ranges) - set(SPLITS) or any(len(r) != 2 or r[0] > r[1] for r in ranges.values()):
        raise ValueError(
            f"years must map train/val/test to (first, last) years, got {dict(ranges)}"
        )
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (a, (_, last)), (b, (first, _)) in itertools.pairwise(ordered):
        if first <= last:
            raise ValueError(f"years of {a!r} and {b!r} overlap; splits must be disjoint")
    if split not in ranges:
        raise ValueError(f"years has no range for split {split!r}")
    year = catalogue.times.astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970
    first, last = ranges[split]
    chosen = catalogue.subset((year >= first) & (year <= last))
    if len(chosen) == 0:
        raise ValueError(f"{where}: no frames in {first}-{last} for split {split!r}")
    return chosen

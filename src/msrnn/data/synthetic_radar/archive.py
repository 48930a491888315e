"""Synthetic radar written to disk in every radar format the library reads: an HKO-7 release
tree, split folders of PNG frames, a RYDL-style HDF5 file or RADOLAN RY composites."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np

from msrnn.data.dwd.protocol import CADENCE as DWD_CADENCE
from msrnn.data.dwd.radolan import radolan_filename, write_radolan
from msrnn.data.dwd.rydl import write_rydl
from msrnn.data.hko.release import CADENCE as HKO_CADENCE
from msrnn.data.hko.release import LIST_NAMES, list_path, write_hko7_frame, write_rainy_days
from msrnn.data.radar.encoding import quantize, rain_to_pixels
from msrnn.data.radar.png import write_mask, write_png_gray
from msrnn.data.radar.split_folders import FOLDER_NAMES
from msrnn.data.splits import check_split
from msrnn.data.synthetic_radar.rain import SyntheticRain
from msrnn.radar import radar_convention

ArchiveFormat = Literal["hko7", "png", "rydl", "radolan"]
SPLIT_STARTS = {
    "train": datetime(2014, 1, 1),
    "val": datetime(2015, 1, 1),
    "test": datetime(2016, 1, 1),
}


@dataclass(frozen=True)
class WrittenSequence:
    """A sequence written by :func:`write_synthetic_archive`: its split, frame times and the rain
    field (mm/h, before the format's quantisation)."""

    split: str
    times: list[datetime]
    rain: np.ndarray


def write_synthetic_archive(
    root: str | Path,
    fmt: ArchiveFormat,
    *,
    rain: SyntheticRain,
    sequences: Mapping[str, int] | None = None,
    convention: str = "hko-7",
    interval_minutes: int | None = None,
    valid_folder: bool = True,
    masks: bool = True,
    pickles: bool = False,
) -> list[WrittenSequence]:
    """Write generated sequences under ``root`` in the on-disk format ``fmt``.

    Args:
        root: output folder (created).
        fmt: ``"hko7"`` (release tree, HKO encoding, 6 min), ``"png"`` (``train/``, ``valid/``,
            ``test/`` folders of ``YYYYMMDDHHMM.png`` in ``convention``'s encoding), ``"rydl"``
            (``RYDL.hdf5`` + ``RYDL_keys.txt``, mm per 5 min) or ``"radolan"`` (RY composites,
            0.01 mm per 5 min).
        rain: the generator.
        sequences: sequences per split; default ``{"train": 2, "val": 1, "test": 1}``.
        convention: pixel encoding of ``"png"`` frames (``"hko-7"`` or ``"dwd"``).
        interval_minutes: minutes between frames; default 6 for HKO-7 PNGs, else 5.
        valid_folder: ``"png"``: write the validation sequences to ``valid/`` (else skip them).
        masks: ``"hko7"``/``"png"``: write a ``.mask`` per frame (the inscribed disk usable).
        pickles: ``"hko7"``: also write the pandas catalogues ``hko_data/pd/*.pkl``.

    Returns:
        The sequences written, in order.

    Raises:
        ValueError: an unknown format or split, more than 365 sequences in a split, or a
            sequence longer than a day.
    """
    if fmt not in ("hko7", "png", "rydl", "radolan"):
        raise ValueError(f"fmt must be 'hko7', 'png', 'rydl' or 'radolan', got {fmt!r}")
    root = Path(root)
    encoding = radar_convention("hko-7" if fmt == "hko7" else convention)
    hko_timing = fmt == "hko7" or (fmt == "png" and encoding == radar_convention("hko-7"))
    minutes = interval_minutes or (HKO_CADENCE if hko_timing else DWD_CADENCE) // 60
    if fmt == "rydl" and minutes != DWD_CADENCE // 60:
        raise ValueError(
            f"RYDL archives hold {DWD_CADENCE // 60}-minute steps, got interval_minutes={minutes}"
        )
    written = _generate(rain, sequences or {"train": 2, "val": 1, "test": 1}, minutes)
    if fmt == "hko7":
        _write_hko7(root, written, encoding, masks=masks, pickles=pickles)
    elif fmt == "png":
        kept = [seq for seq in written if valid_folder or seq.split != "val"]
        _write_png(root, kept, encoding, masks=masks)
        written = kept
    elif fmt == "rydl":
        _write_rydl(root, written)
    else:
        _write_radolan(root, written, minutes)
    return written


def _generate(rain: SyntheticRain, counts: Mapping[str, int], minutes: int):
    written, step = [], timedelta(minutes=minutes)
    if rain.seq_len * step > timedelta(days=1):
        raise ValueError(f"a sequence must fit in a day: {rain.seq_len} frames of {minutes} min")
    for split, count in counts.items():
        check_split(split)
        if count > 365:
            raise ValueError(f"at most 365 sequences per split (one a day), got {count} {split}")
        for index in range(count):
            start = SPLIT_STARTS[split] + timedelta(days=index)
            times = [start + t * step for t in range(rain.seq_len)]
            written.append(WrittenSequence(split, times, rain.sample(index, split).rain))
    return written


def _disk(shape: tuple[int, ...]) -> np.ndarray:
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    cy, cx = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    return (y - cy) ** 2 + (x - cx) ** 2 <= min(cy, cx) ** 2


def _write_hko7(root: Path, written, convention, *, masks: bool, pickles: bool) -> None:
    lists = root / "hko_data"
    for seq in written:
        disk = _disk(seq.rain.shape[1:]) if masks else None
        for time, pixels in zip(
            seq.times, quantize(rain_to_pixels(seq.rain, convention)), strict=True
        ):
            write_hko7_frame(root, time, pixels, mask=disk)
    for split in LIST_NAMES:
        days = sorted({seq.times[0].date() for seq in written if seq.split == split})
        write_rainy_days(list_path(lists, split), days)
        if pickles:
            _write_pickle(
                lists, split, [t for seq in written if seq.split == split for t in seq.times]
            )


def _write_pickle(lists: Path, split: str, times: list[datetime]) -> None:
    import pandas as pd

    path = lists / "pd" / f"hko7_rainy_{LIST_NAMES[split]}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"frame": range(len(times))}, index=pd.DatetimeIndex(times)).to_pickle(path)


def _write_png(root: Path, written, convention, *, masks: bool) -> None:
    for seq in written:
        disk = _disk(seq.rain.shape[1:])
        for time, pixels in zip(
            seq.times, quantize(rain_to_pixels(seq.rain, convention)), strict=True
        ):
            path = write_png_gray(root / FOLDER_NAMES[seq.split] / f"{time:%Y%m%d%H%M}.png", pixels)
            if masks:
                write_mask(path.with_suffix(".mask"), disk)


def _write_rydl(root: Path, written) -> None:
    fields = {
        f"{time:%Y%m%d%H%M}": frame / (3600 / DWD_CADENCE)  # mm/h -> mm per 5 min
        for seq in written
        for time, frame in zip(seq.times, seq.rain, strict=True)
    }
    write_rydl(root / "RYDL.hdf5", fields)


def _write_radolan(root: Path, written, minutes: int) -> None:
    for seq in written:
        for time, frame in zip(seq.times, seq.rain, strict=True):
            amount = frame * (minutes / 60.0)  # mm/h -> mm per interval
            path = root / radolan_filename("RY", time)
            write_radolan(path, amount, time=time, interval_minutes=minutes)

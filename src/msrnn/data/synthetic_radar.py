"""Synthetic radar: rain cells with a known motion, generated on the fly or written to disk in
every radar format the library reads, so the nowcasting path runs offline end to end.

* :class:`SyntheticRain` (model in :mod:`msrnn.data._rain_field`) generates rain-rate sequences
  (mm/h) with their true motion, deterministically from ``(seed, split, index)``;
* :class:`SyntheticRadar` serves them as clips in a radar pixel encoding (like Moving MNIST: no
  file, any number of sequences);
* :func:`write_synthetic_archive` writes sequences as an HKO-7 release tree (PNG + masks + rainy
  day lists, optionally pandas catalogues), MS-RNN split folders of PNG frames (HKO or DWD
  encoding), a RYDL-style HDF5 file (mm per 5 min) or RADOLAN RY composites. Each sequence lies
  on its own day (00:00 onwards), the days of a split starting on 2014-01-01 (train),
  2015-01-01 (validation) and 2016-01-01 (test), which fits both the HKO day lists and the DWD
  year splits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data._hko_catalogue import LIST_NAMES, list_path
from msrnn.data._radar_frames import quantize, rain_to_pixels, write_mask, write_png_gray
from msrnn.data._rain_field import RainSample, SyntheticRain
from msrnn.data.dwd import radolan_filename, write_radolan, write_rydl
from msrnn.data.hko import write_hko7_frame, write_rainy_days
from msrnn.data.info import DatasetInfo
from msrnn.radar import RadarConvention, radar_convention

ArchiveFormat = Literal["hko7", "png", "rydl", "radolan"]
SPLIT_STARTS = {
    "train": datetime(2014, 1, 1),
    "val": datetime(2015, 1, 1),
    "test": datetime(2016, 1, 1),
}
_FOLDERS = {"train": "train", "val": "valid", "test": "test"}

__all__ = [
    "RainSample",
    "SyntheticRadar",
    "SyntheticRain",
    "WrittenSequence",
    "write_synthetic_archive",
]


class SyntheticRadar(Dataset):
    """Clips ``(T, 1, H, W)`` in [0, 1] of :class:`SyntheticRain` sequences in a pixel encoding.

    Args:
        split: ``"train"``, ``"val"`` or ``"test"`` (disjoint seeds).
        num_sequences: sequences in this split.
        rain: the generator (its ``seq_len`` and ``size`` are the clips').
        convention: radar convention name or object (pixel encoding + Z–R relation).
        quantize: round pixels to 8 bits, as PNG archives store them.

    Shape:
        ``dataset[i]``: ``(T, 1, H, W)`` float32.

    Example:
        >>> data = SyntheticRadar("val", num_sequences=2, rain=SyntheticRain(size=8, seq_len=3))
        >>> tuple(data[1].shape), data.info.radar is not None
        ((3, 1, 8, 8), True)
    """

    def __init__(
        self,
        split: str = "train",
        *,
        num_sequences: int,
        rain: SyntheticRain,
        convention: str | RadarConvention = "hko-7",
        quantize: bool = False,
    ) -> None:
        if num_sequences < 1:
            raise ValueError(f"num_sequences must be >= 1, got {num_sequences}")
        rain.sample(0, split)  # validates the split early
        self.split, self.num_sequences, self.rain = split, num_sequences, rain
        self.convention = (
            radar_convention(convention) if isinstance(convention, str) else convention
        )
        self.quantize = quantize
        self.info = DatasetInfo(
            name="synthetic-radar",
            channels=1,
            frame_size=rain.size,
            seq_len=rain.seq_len,
            units="dBZ",
            value_range=self.convention.encoding.dbz_range,
            radar=self.convention,
        )

    def __len__(self) -> int:
        return self.num_sequences

    def __getitem__(self, index: int) -> Tensor:
        if not 0 <= index < self.num_sequences:
            raise IndexError(f"index {index} out of range for {self.num_sequences} sequences")
        pixels = rain_to_pixels(self.rain.sample(index, self.split).rain, self.convention)
        if self.quantize:
            pixels = quantize(pixels).astype(np.float32) / np.float32(255)
        return torch.from_numpy(pixels[:, None])


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
    minutes = interval_minutes or (6 if hko_timing else 5)
    if fmt == "rydl" and minutes != 5:
        raise ValueError(f"RYDL archives hold 5-minute steps, got interval_minutes={minutes}")
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
        if split not in SPLIT_STARTS:
            raise ValueError(f"sequences keys must be train/val/test, got {split!r}")
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
            path = write_png_gray(root / _FOLDERS[seq.split] / f"{time:%Y%m%d%H%M}.png", pixels)
            if masks:
                write_mask(path.with_suffix(".mask"), disk)


def _write_rydl(root: Path, written) -> None:
    fields = {
        f"{time:%Y%m%d%H%M}": frame / 12.0
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

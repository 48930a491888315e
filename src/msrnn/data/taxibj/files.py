"""Reading the TaxiBJ crowd-flow files of the DeepST release.

Each ``BJ<yy>_M32x32_T30_InOut.h5`` holds two root datasets: ``data``, ``(T, 2, 32, 32)`` flows
(channel 0 inflow, 1 outflow; float) and ``date``, ``(T,)`` byte strings ``b"YYYYMMDDSS"`` where
``SS`` = 01…48 is the half-hour slot of the day (slot ``k`` starts at ``(k - 1) * 30`` min).
As DeepST and MS-RNN do, only *complete* days are kept (their 48 slots present, in order, once
each) and negative counts are set to 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SLOTS_PER_DAY = 48
TAXIBJ_FILES = tuple(f"BJ{year}_M32x32_T30_InOut.h5" for year in (13, 14, 15, 16))


@dataclass(frozen=True)
class TaxiBJFlows:
    """The complete days of the TaxiBJ files, in file order.

    Attributes:
        frames: ``(N, 2, H, W)`` float32 flows (inflow, outflow), negatives set to 0.
        slots: ``(N,)`` int64 half-hours since 0001-01-01 (``ordinal * 48 + slot - 1``); strictly
            increasing.
        files: the files read.
        dropped_days: incomplete days removed.
    """

    frames: np.ndarray
    slots: np.ndarray
    files: tuple[Path, ...]
    dropped_days: int


def slot_to_date(slot: int) -> str:
    """The ``YYYYMMDDSS`` label of an absolute half-hour index.

    Example:
        >>> slot_to_date(datetime.date(2013, 7, 1).toordinal() * 48 + 47)
        '2013070148'
    """
    day, index = divmod(int(slot), SLOTS_PER_DAY)
    return f"{datetime.date.fromordinal(day):%Y%m%d}{index + 1:02d}"


def read_taxibj(root: str | Path, *, files: Sequence[str] = TAXIBJ_FILES) -> TaxiBJFlows:
    """Read ``files`` (names inside ``root``), keep complete days, concatenate in file order.

    Raises:
        FileNotFoundError: ``root`` or one of the files is missing.
        ValueError: a corrupt or truncated file, a missing ``data``/``date`` dataset, wrong
            shapes, frame sizes that differ between files, NaN or infinite flows, a malformed date,
            no complete day, or dates that do not increase across the files.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"TaxiBJ folder not found: {root}; expected it to hold {list(files)}"
        )
    paths = tuple(root / name for name in files)
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"TaxiBJ file(s) {missing} not found in {root}")
    frames, slots, dropped = [], [], 0
    for path in paths:
        data, dates = _read_file(path)
        keep, stamps, incomplete = _complete_days(dates, path)
        frames.append(np.maximum(data[keep], 0.0))
        slots.append(stamps[keep])
        dropped += incomplete
    sizes = {path.name: f.shape[1:] for path, f in zip(paths, frames, strict=True)}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"TaxiBJ files have different frame shapes {sizes}; they must match")
    flows = TaxiBJFlows(np.concatenate(frames), np.concatenate(slots), paths, dropped)
    if len(flows.slots) == 0:
        raise ValueError(f"{list(files)} in {root} hold no complete day ({SLOTS_PER_DAY} slots)")
    if np.any(np.diff(flows.slots) <= 0):
        raise ValueError(
            f"dates repeat or go back in time across {list(files)}; list the files in "
            "chronological order"
        )
    return flows


def _read_file(path: Path) -> tuple[np.ndarray, list[bytes]]:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            absent = [key for key in ("data", "date") if key not in handle]
            if absent:
                raise ValueError(
                    f"{path} has no dataset(s) {absent} (found {sorted(handle)}); a TaxiBJ flow "
                    "file holds 'data' (T, 2, H, W) and 'date' (T,) b'YYYYMMDDSS'"
                )
            data, dates = handle["data"][()], handle["date"][()]
    except OSError as error:
        raise ValueError(
            f"{path} is not a readable HDF5 file (corrupt or truncated?): {error}"
        ) from error
    if data.ndim != 4 or data.shape[1] != 2 or data.dtype.kind not in "fiu":
        raise ValueError(
            f"{path}: 'data' must be numeric (T, 2, H, W), got {data.dtype} {data.shape}"
        )
    if dates.shape != (data.shape[0],) or dates.dtype.kind not in "SUO":
        raise ValueError(
            f"{path}: 'date' must hold one b'YYYYMMDDSS' string per frame of 'data' "
            f"({data.shape[0]}), got {dates.dtype} {dates.shape}"
        )
    bad = ~np.isfinite(data).all(axis=(1, 2, 3))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path}: {int(bad.sum())} frame(s) hold NaN or infinite flows, the first at "
            f"{_as_bytes(dates[first])!r}; clean the file"
        )
    return data.astype(np.float32), [_as_bytes(value) for value in dates]


def _as_bytes(value: object) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _complete_days(dates: list[bytes], path: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """Mask of the entries of complete days, the absolute slot of every entry, days dropped."""
    stamps = np.asarray([_parse_date(value, path, i) for i, value in enumerate(dates)], np.int64)
    days = stamps // SLOTS_PER_DAY
    keep = np.zeros(len(dates), dtype=bool)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(dates)]
    for start, end in zip(starts, ends, strict=True):
        keep[start:end] = np.array_equal(
            stamps[start:end] - days[start] * SLOTS_PER_DAY, np.arange(SLOTS_PER_DAY)
        )
    complete = int(keep.sum()) // SLOTS_PER_DAY
    return keep, stamps, len(starts) - complete


def _parse_date(value: bytes, path: Path, index: int) -> int:
    text = value.decode("ascii", errors="replace")
    try:
        if len(text) != 10 or not text.isdigit():
            raise ValueError("not 10 digits")
        day = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        slot = int(text[8:])
        if not 1 <= slot <= SLOTS_PER_DAY:
            raise ValueError(f"slot {slot} outside 1..{SLOTS_PER_DAY}")
    except ValueError as error:
        raise ValueError(
            f"{path}: date {index} is {value!r}, expected b'YYYYMMDDSS' with slot SS in 01..48 "
            f"({error})"
        ) from error
    return day.toordinal() * SLOTS_PER_DAY + slot - 1

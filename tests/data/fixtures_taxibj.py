"""Fixture writer for TaxiBJ: ``BJ<yy>_M32x32_T30_InOut.h5`` files in the DeepST format."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tests.data.fixtures import write_h5

#: (first day, days written, (day, slot) pairs left out, slots of an extra partial last day)
RELEASE = {
    "BJ13_M32x32_T30_InOut.h5": (datetime.date(2013, 7, 1), 3, [(1, 17)], 0),
    "BJ14_M32x32_T30_InOut.h5": (datetime.date(2014, 3, 1), 2, [], 10),
    "BJ15_M32x32_T30_InOut.h5": (datetime.date(2015, 3, 1), 2, [], 0),
    "BJ16_M32x32_T30_InOut.h5": (datetime.date(2016, 3, 1), 3, [], 0),
}


def taxibj_dates(
    first: datetime.date, days: int, *, missing: Sequence[tuple[int, int]] = (), partial: int = 0
) -> np.ndarray:
    """``S10`` labels ``b"YYYYMMDDSS"`` of ``days`` days of 48 slots, without the ``missing``
    ``(day index, slot)`` pairs, plus ``partial`` slots of one more day."""
    labels = []
    for day in range(days + (partial > 0)):
        date = first + datetime.timedelta(days=day)
        for slot in range(1, (partial if day == days else 48) + 1):
            if (day, slot) not in missing:
                labels.append(f"{date:%Y%m%d}{slot:02d}")
    return np.array(labels, dtype="S10")


def ramp_flows(num_frames: int, start: int, size: int) -> np.ndarray:
    """float64 ``(T, 2, size, size)``: frame ``k`` (counting from ``start``) holds ``0.5 k`` in
    the inflow and ``0.5 k + 0.25`` in the outflow, plus ``0.01 h + 0.001 w`` per pixel."""
    k = 0.5 * (start + np.arange(num_frames))[:, None, None, None]
    pixel = 0.01 * np.arange(size)[:, None] + 0.001 * np.arange(size)[None, :]
    return k + np.array([0.0, 0.25])[None, :, None, None] + pixel


def write_taxibj_release(root: Path, *, size: int = 4) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The four flow files of :data:`RELEASE` in ``root``: BJ13 has an incomplete middle day (a
    missing slot), BJ14 a partial last day; the first inflow value is negative (-3).

    Returns:
        ``{file name: (data, date)}`` as written.
    """
    root.mkdir(parents=True, exist_ok=True)
    written, start = {}, 0
    for name, (first, days, missing, partial) in RELEASE.items():
        dates = taxibj_dates(first, days, missing=missing, partial=partial)
        data = ramp_flows(len(dates), start, size)
        if start == 0:
            data[0, 0] = -3.0
        write_h5(root / name, {"data": data, "date": dates})
        written[name] = (data, dates)
        start += len(dates)
    return written

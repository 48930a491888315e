r"""Radar archives as catalogues, and the gap-free windows cut from them.

A radar archive is a *catalogue*: the sorted, unique times of its frames (seconds since
1970-01-01, UTC-naive: :mod:`msrnn.data.radar.times`) and one item per time (a file or an HDF5
key), with the archive's *cadence* (6 min for HKO-7, 5 min for DWD RY). A window of ``seq_len``
frames taken every ``frame_step`` frames starting at time :math:`t_0` exists only if every time

.. math::
    t_j = t_0 + j \cdot \mathrm{frame\_step} \cdot \mathrm{cadence}, \qquad j = 0, \dots,
    \mathrm{seq\_len} - 1,

is in the catalogue, so no window straddles a gap (the official MS-RNN loader chops the sorted
file list into fixed blocks and does not check). Windows start at least
``stride · frame_step · cadence`` apart (greedy in time order); ``stride = seq_len`` gives
non-overlapping windows.

Frames whose names carry no timestamp (``1.png``, ``2.png``, ...) are numbered frames: the number
is the time and the cadence is 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from msrnn.data.radar.times import to_datetime


@dataclass(frozen=True)
class Catalogue:
    """Frames of an archive: sorted unique ``times`` (int64), one item each, and the cadence."""

    times: np.ndarray
    items: tuple[Any, ...]
    cadence: int

    @classmethod
    def build(cls, times: Sequence[int], items: Sequence[Any], cadence: int, where: str):
        """Sort by time; a duplicated time raises :class:`ValueError`."""
        times = np.asarray(times, dtype=np.int64)
        order = np.argsort(times, kind="stable")
        times = times[order]
        duplicated = np.flatnonzero(np.diff(times) == 0)
        if duplicated.size:
            first = to_datetime(times[duplicated[0]]) if cadence > 1 else times[duplicated[0]]
            raise ValueError(f"{where}: two frames share the time {first}; remove one of them")
        return cls(times, tuple(items[i] for i in order), cadence)

    def subset(self, keep: np.ndarray) -> Catalogue:
        """The frames where the boolean ``keep`` is true."""
        index = np.flatnonzero(keep)
        return Catalogue(self.times[index], tuple(self.items[i] for i in index), self.cadence)

    def __len__(self) -> int:
        return len(self.times)


def continuous_windows(times: np.ndarray, *, seq_len: int, spacing: int, stride: int) -> np.ndarray:
    """``(K, seq_len)`` catalogue indices of the gap-free windows (see the module docstring).

    Example:
        >>> continuous_windows(np.array([0, 1, 2, 3, 5, 6, 7]), seq_len=3, spacing=1, stride=1)
        array([[0, 1, 2],
               [1, 2, 3],
               [4, 5, 6]])
    """
    if len(times) == 0:
        return np.zeros((0, seq_len), dtype=np.int64)
    targets = times[:, None] + spacing * np.arange(seq_len, dtype=np.int64)[None]
    index = np.searchsorted(times, targets).clip(max=len(times) - 1)
    valid = np.flatnonzero((times[index] == targets).all(axis=1))
    kept, earliest = [], None
    for start in valid:
        if earliest is None or times[start] >= earliest:
            kept.append(start)
            earliest = times[start] + stride * spacing
    return index[np.asarray(kept, dtype=np.int64)].reshape(-1, seq_len)

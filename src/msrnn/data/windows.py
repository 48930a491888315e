"""Windows over the sequences of a frame source, and their value scaling: the clip machinery of
the datasets of your own data (:mod:`msrnn.data.arrays`, :mod:`msrnn.data.frames`).

A *source* holds ``N`` sequences of possibly different lengths; a dataset over it is the list of
windows ``(sequence, start)`` of ``seq_len`` frames taken every ``stride`` frames inside the part
of the data that belongs to the requested split (:func:`msrnn.data.splits.split_bounds`):

* ``split_by="sequence"``: the sequences ``[lo, hi)`` form the split, every window lies in one
  sequence;
* ``split_by="time"``: the frames ``[lo, hi)`` *of every sequence* form the split (train first,
  then val, then test), for one long recording; windows never cross a split boundary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.splits import SplitOrAll, split_bounds

SplitBy = Literal["sequence", "time"]


class FrameSource(Protocol):
    """``N`` sequences of raw frames ``(C, H, W)``; ``read`` returns ``(stop - start, C, H, W)``."""

    name: str
    lengths: tuple[int, ...]
    channels: int
    frame_size: tuple[int, int]
    dtype: np.dtype

    def read(self, sequence: int, start: int, stop: int) -> np.ndarray: ...


def window_index(
    lengths: Sequence[int],
    *,
    seq_len: int,
    stride: int,
    split: SplitOrAll,
    split_by: SplitBy,
    fractions: Sequence[float],
    index_ranges: Mapping[str, Sequence[int]] | None,
) -> np.ndarray:
    """``(K, 2)`` int64 table of ``(sequence, start)`` of the windows of ``split``."""
    if seq_len < 1 or stride < 1:
        raise ValueError(f"seq_len and stride must be >= 1, got seq_len={seq_len}, stride={stride}")
    if split_by not in ("sequence", "time"):
        raise ValueError(f"split_by must be 'sequence' or 'time', got {split_by!r}")
    kw = {"fractions": fractions, "index_ranges": index_ranges}
    if split_by == "sequence":
        lo, hi = split_bounds(len(lengths), split, **kw)
        spans = [(n, 0, lengths[n]) for n in range(lo, hi)]
    else:
        spans = [(n, *split_bounds(length, split, **kw)) for n, length in enumerate(lengths)]
    if not spans or all(stop == start for _, start, stop in spans):
        raise ValueError(
            f"split {split!r} is empty for {len(lengths)} sequence(s) split by {split_by} with "
            f"fractions {tuple(fractions)}; use more data, other fractions or index_ranges"
        )
    rows = []
    for n, start, stop in spans:
        if stop - start < seq_len:
            raise ValueError(
                f"seq_len={seq_len} is longer than the {stop - start} frames of sequence {n} in "
                f"split {split!r}; use a shorter seq_len"
            )
        rows.extend((n, t) for t in range(start, stop - seq_len + 1, stride))
    return np.asarray(rows, dtype=np.int64).reshape(-1, 2)


class WindowedClips(Dataset):
    """Float32 clips ``(T, C, H, W)`` in [0, 1] cut from a :class:`FrameSource`.

    Values are mapped by :math:`(x - lo) / (hi - lo)`. With ``check_range`` each clip is checked
    when it is read (no full pass over a memory-mapped file): a non-finite value or one outside
    ``value_range`` raises :class:`ValueError`.
    """

    def __init__(
        self,
        source: FrameSource,
        *,
        seq_len: int | None,
        stride: int | None,
        split: SplitOrAll,
        split_by: SplitBy,
        fractions: Sequence[float],
        index_ranges: Mapping[str, Sequence[int]] | None,
        value_range: tuple[float, float],
        check_range: bool,
        units: str,
    ) -> None:
        lo, hi = (float(v) for v in value_range)
        if not hi > lo:
            raise ValueError(f"value_range must be (lo, hi) with hi > lo, got {value_range}")
        if seq_len is None:
            seq_len = _common_length(source.lengths)
        self.source = source
        self.split = split
        self.value_range = (lo, hi)
        self.check_range = check_range
        self.windows = window_index(
            source.lengths,
            seq_len=seq_len,
            stride=seq_len if stride is None else stride,
            split=split,
            split_by=split_by,
            fractions=fractions,
            index_ranges=index_ranges,
        )
        self.info = DatasetInfo(
            name=source.name,
            channels=source.channels,
            frame_size=source.frame_size,
            seq_len=seq_len,
            units=units,
            value_range=self.value_range,
        )

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: int) -> Tensor:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} clips")
        sequence, start = (int(v) for v in self.windows[index])
        raw = self.source.read(sequence, start, start + self.info.seq_len)
        lo, hi = self.value_range
        if self.check_range:
            _check_values(raw, lo, hi, f"{self.source.name}, sequence {sequence}")
        clip = (raw.astype(np.float32) - np.float32(lo)) / np.float32(hi - lo)
        return torch.from_numpy(clip)


def _common_length(lengths: Sequence[int]) -> int:
    if len(set(lengths)) > 1:
        raise ValueError(
            f"sequences have different lengths ({min(lengths)} to {max(lengths)} frames); "
            "pass seq_len to cut them into windows"
        )
    return lengths[0]


def _check_values(raw: np.ndarray, lo: float, hi: float, where: str) -> None:
    if raw.dtype.kind == "f" and not np.isfinite(raw).all():
        raise ValueError(f"{where}: NaN or infinite values; clean the data or mask them first")
    low, high = raw.min(), raw.max()
    if low < lo or high > hi:
        raise ValueError(
            f"{where}: values in [{low}, {high}] fall outside value_range=({lo}, {hi}); "
            "declare the data's true range"
        )

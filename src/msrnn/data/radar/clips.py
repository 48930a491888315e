"""The dataset core of every radar archive: gap-free windows of pixel frames, cropped and resized.

A *frame reader* turns catalogue entry ``k`` into an ``(H, W)`` float32 frame of pixel values in
[0, 1] (the dataset's pixel encoding of reflectivity); :class:`RadarClips` cuts windows out of the
catalogue (:func:`msrnn.data.radar.catalogue.continuous_windows`), checks every frame (same size as
the archive's first frame, finite values), crops, resizes bilinearly and returns float32 clips
``(T, 1, h, w)``. Readers are small picklable objects, so DataLoader workers can rebuild them.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.radar.catalogue import Catalogue, continuous_windows
from msrnn.data.radar.times import to_datetime
from msrnn.radar import RadarConvention

Size = int | tuple[int, int]
Box = tuple[int, int, int, int]


class FrameReader(Protocol):
    """Reads catalogue entry ``k`` as ``(H, W)`` float32 pixel values in [0, 1]."""

    def __call__(self, index: int) -> np.ndarray: ...

    def describe(self, index: int) -> str: ...


def as_size(size: Size | None) -> tuple[int, int] | None:
    """``(h, w)`` of an ``int`` or pair; ``None`` stays ``None`` (keep the native size).

    Raises:
        ValueError: a non-positive side.
    """
    if size is None:
        return None
    pair = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"size must be a positive int or (height, width), got {size!r}")
    return pair


class RadarClips(Dataset):
    """Float32 radar clips ``(seq_len, 1, h, w)`` in [0, 1] from a catalogue and a frame reader.

    Args:
        catalogue: the frames of the split.
        reader: reads one frame of the catalogue.
        name: dataset name for ``info`` and messages.
        convention: the archive's Z–R relation and pixel encoding (for ``info.radar``).
        seq_len: frames per clip.
        frame_step: catalogue cadences between consecutive frames of a clip.
        stride: window starts at least ``stride`` clip frames apart; default ``seq_len``
            (non-overlapping windows).
        size: output ``(h, w)`` or side; ``None`` keeps the (cropped) native size.
        crop: ``(top, left, height, width)`` cut from each native frame before resizing.

    Shape:
        ``dataset[i]``: ``(seq_len, 1, h, w)`` float32.

    Raises:
        ValueError: bad lengths, no gap-free window, a crop outside the frame.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        reader: FrameReader,
        *,
        name: str,
        convention: RadarConvention,
        seq_len: int,
        frame_step: int = 1,
        stride: int | None = None,
        size: Size | None = None,
        crop: Box | None = None,
    ) -> None:
        stride = seq_len if stride is None else stride
        if min(seq_len, frame_step, stride) < 1:
            raise ValueError(
                f"seq_len, frame_step and stride must be >= 1, got {seq_len}, {frame_step}, "
                f"{stride}"
            )
        self.catalogue, self.reader, self.name = catalogue, reader, name
        spacing = frame_step * catalogue.cadence
        self.windows = continuous_windows(
            catalogue.times, seq_len=seq_len, spacing=spacing, stride=stride
        )
        if len(self.windows) == 0:
            raise ValueError(
                f"{name}: no gap-free run of {seq_len} frames {frame_step} step(s) apart among the "
                f"{len(catalogue)} frames of this split; lower seq_len or frame_step, or add data"
            )
        self.native_size = reader(int(self.windows[0, 0])).shape
        self.crop = _check_crop(crop, self.native_size)
        cropped = self.native_size if crop is None else (crop[2], crop[3])
        self.size = as_size(size) or tuple(cropped)
        encoding = convention.encoding
        self.info = DatasetInfo(
            name=name,
            channels=1,
            frame_size=self.size,
            seq_len=seq_len,
            units="dBZ",
            value_range=encoding.dbz_range,
            radar=convention,
        )

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: int) -> Tensor:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} clips")
        frames = np.stack([self._frame(int(k)) for k in self.windows[index]])
        if self.crop is not None:
            top, left, height, width = self.crop
            frames = frames[:, top : top + height, left : left + width]
        frames = np.clip(resize(frames, self.size), 0.0, 1.0)
        return torch.from_numpy(np.ascontiguousarray(frames, dtype=np.float32)[:, None])

    def window_times(self, index: int) -> list:
        """Times of the frames of clip ``index`` (datetimes, or frame numbers)."""
        times = self.catalogue.times[self.windows[index]]
        if self.catalogue.cadence == 1:
            return [int(t) for t in times]
        return [to_datetime(t) for t in times]

    def _frame(self, k: int) -> np.ndarray:
        frame = self.reader(k)
        if frame.shape != self.native_size:
            raise ValueError(
                f"{self.reader.describe(k)} is {frame.shape[1]}x{frame.shape[0]} but the "
                f"archive's frames are {self.native_size[1]}x{self.native_size[0]}; all frames "
                "must have the same size"
            )
        if not np.isfinite(frame).all():
            raise ValueError(
                f"{self.reader.describe(k)} holds NaN or infinite values; clean the file"
            )
        return frame


def _check_crop(crop: Box | None, native: tuple[int, ...]) -> Box | None:
    if crop is None:
        return None
    top, left, height, width = (int(v) for v in crop)
    if min(top, left) < 0 or min(height, width) < 1:
        raise ValueError(f"crop must be (top, left, height, width) >= 0, got {crop}")
    if top + height > native[0] or left + width > native[1]:
        raise ValueError(
            f"crop {tuple(crop)} does not fit the {native[1]}x{native[0]} frames; choose a box "
            "inside them"
        )
    return top, left, height, width


def resize(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of ``(T, H, W)`` float32 frames to ``size`` = ``(h, w)``.

    ``align_corners=False`` without antialiasing, which matches OpenCV's ``INTER_LINEAR`` used
    by the official code.
    """
    if frames.shape[1:] == tuple(size):
        return frames
    tensor = torch.from_numpy(np.ascontiguousarray(frames))[:, None]
    out = F.interpolate(tensor, size=tuple(size), mode="bilinear", align_corners=False)
    return out[:, 0].numpy()

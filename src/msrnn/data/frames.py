"""Your own sequences as folders of PNG frames.

Two layouts are recognised under ``root``:

* ``root/<sequence>/<frame>.png``: one sub-folder per sequence (sequences may differ in length);
* ``root/<frame>.png``: one long sequence.

Frames are ordered by *natural* sort of their names (``2.png`` before ``10.png``; zero-padded
names sort the same way), sequences by natural sort of their folder names. All frames must have the
same size and kind: grayscale (``L``, ``1``, ``LA``: 1 channel), colour (``RGB``, ``RGBA``, ``P``:
3 channels, alpha dropped) or 16-bit grayscale (``I;16``: 1 channel, scaled by ``/65535``; 8-bit
frames by ``/255``). Headers are checked when the dataset is built; pixels are decoded per clip.
Pillow is imported only here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from msrnn.data.info import PIXEL_INTENSITY
from msrnn.data.splits import FRACTIONS, SplitOrAll
from msrnn.data.windows import SplitBy, WindowedClips

_GRAY = {"1": 1, "L": 1, "LA": 1}
_WIDE = {"I;16": 1, "I;16B": 1, "I;16L": 1, "I": 1}


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value.

    Example:
        >>> sorted(["10.png", "2.png", "1.png"], key=natural_key)
        ['1.png', '2.png', '10.png']
    """
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _pngs(folder: Path) -> list[Path]:
    found = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png"]
    return sorted(found, key=lambda p: natural_key(p.name))


def find_sequences(root: str | Path) -> list[list[Path]]:
    """The frame files of each sequence under ``root`` (see the module docstring).

    Raises:
        FileNotFoundError: ``root`` is not a folder.
        ValueError: no PNG frames, PNG files next to sequence folders, or a sequence folder
            without PNG frames.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"frame folder not found: {root}")
    direct = _pngs(root)
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: natural_key(p.name))
    if direct and folders:
        raise ValueError(
            f"{root} holds both PNG files and sub-folders; keep one layout: frames in root (one "
            "sequence) or one sub-folder per sequence"
        )
    if direct:
        return [direct]
    sequences = [_pngs(folder) for folder in folders]
    empty = [str(folder) for folder, frames in zip(folders, sequences, strict=True) if not frames]
    if not folders or empty:
        raise ValueError(f"no .png frames in {empty[0] if empty else root}")
    return sequences


class PngSource:
    """Sequences of PNG files, decoded on demand; see the module docstring."""

    def __init__(self, root: str | Path) -> None:
        from PIL import Image

        self.name = Path(root).name
        self.files = find_sequences(root)
        first = self.files[0][0]
        with Image.open(first) as image:
            self._mode, size = _kind(image.mode), image.size
        for path in (p for frames in self.files for p in frames):
            with Image.open(path) as image:
                if image.size != size or _kind(image.mode) != self._mode:
                    raise ValueError(
                        f"{path} is {image.size[0]}x{image.size[1]} {image.mode} but {first} is "
                        f"{size[0]}x{size[1]} {self._mode}; all frames must match"
                    )
        self.lengths = tuple(len(frames) for frames in self.files)
        self.frame_size = (size[1], size[0])
        self.channels = 3 if self._mode == "RGB" else 1
        self.dtype = np.dtype(np.uint16 if self._mode == "I;16" else np.uint8)

    def read(self, sequence: int, start: int, stop: int) -> np.ndarray:
        from PIL import Image

        frames = []
        for path in self.files[sequence][start:stop]:
            try:
                with Image.open(path) as image:
                    decoded = image if self._mode == "I;16" else image.convert(self._mode)
                    pixels = np.asarray(decoded)
            except OSError as error:  # a truncated or corrupt file decodes only when read
                raise ValueError(f"{path} cannot be decoded ({error}); replace the file") from None
            frames.append(pixels.astype(self.dtype, copy=False))
        clip = np.stack(frames)
        return clip[:, None] if clip.ndim == 3 else clip.transpose(0, 3, 1, 2)


def _kind(mode: str) -> str:
    """``"L"``, ``"RGB"`` or ``"I;16"``: how frames of Pillow ``mode`` are decoded."""
    if mode in _GRAY:
        return "L"
    return "I;16" if mode in _WIDE else "RGB"


class PngFolderDataset(WindowedClips):
    """Float32 clips ``(T, C, H, W)`` in [0, 1] from folders of PNG frames.

    Splitting and windows work as for :class:`msrnn.data.ArrayDataset` (sequences may differ in
    length: each is cut into its own windows; for one long folder use ``split_by="time"``).

    Args:
        root: folder of frames or of sequence folders.
        split: ``"train"``, ``"val"``, ``"test"`` or ``"all"``.
        seq_len: frames per clip; default the whole sequence (all sequences must then have the
            same length).
        stride: frames between window starts; default ``seq_len``.
        split_by: ``"sequence"`` or ``"time"``.
        fractions: train/val/test fractions of the sequences (or frames).
        index_ranges: explicit ``{"train": (lo, hi), ...}`` ranges; overrides ``fractions``.
        channels: expected ``C`` (1 grayscale, 3 colour); a mismatch raises.
        units: units of the pixel values, for ``info``.

    Shape:
        ``dataset[i]``: ``(seq_len, C, H, W)`` float32.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: SplitOrAll = "all",
        seq_len: int | None = None,
        stride: int | None = None,
        split_by: SplitBy = "sequence",
        fractions: Sequence[float] = FRACTIONS,
        index_ranges: Mapping[str, Sequence[int]] | None = None,
        channels: int | None = None,
        units: str = PIXEL_INTENSITY,
    ) -> None:
        source = PngSource(root)
        if channels is not None and channels != source.channels:
            raise ValueError(
                f"{root} has {source.channels}-channel frames but channels={channels} was requested"
            )
        super().__init__(
            source,
            seq_len=seq_len,
            stride=stride,
            split=split,
            split_by=split_by,
            fractions=fractions,
            index_ranges=index_ranges,
            value_range=(0.0, float(np.iinfo(source.dtype).max)),
            check_range=False,
            units=units,
        )

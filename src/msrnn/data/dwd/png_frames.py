"""MS-RNN's DWD frames: split folders of 8-bit grey PNGs already in the DWD encoding."""

from __future__ import annotations

from pathlib import Path

from msrnn.data.dwd.pixels import DWD
from msrnn.data.dwd.protocol import (
    CADENCE,
    PAPER_FRAME_STEP,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
)
from msrnn.data.radar.clips import Box, RadarClips, Size
from msrnn.data.radar.png import PngReader
from msrnn.data.radar.split_folders import VAL_FRACTION, split_folder_catalogue
from msrnn.data.splits import Split, check_split


class DWDPngFrames(RadarClips):
    """MS-RNN's DWD PNG frames; clips ``(seq_len, 1, h, w)`` in [0, 1].

    Args:
        root: folder with ``train/``, ``test/`` and optionally ``valid/`` PNG frames.
        split: ``"train"``, ``"val"`` or ``"test"``.
        seq_len: frames per clip (paper: 5 + 5).
        size: output side or ``(h, w)`` (paper: 124); ``None`` keeps the native size.
        frame_step: 5-minute steps between clip frames (paper: 6, i.e. 30 minutes).
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        val_fraction: share of ``train/`` held out for validation when there is no ``valid/``.
        apply_mask: zero the pixels marked unusable by ``<stem>.mask`` files (HKO-7 format).
        crop: ``(top, left, height, width)`` cut before resizing.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: Split = "train",
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        size: Size | None = PAPER_SIZE,
        frame_step: int = PAPER_FRAME_STEP,
        stride: int | None = None,
        val_fraction: float = VAL_FRACTION,
        apply_mask: bool = False,
        crop: Box | None = None,
    ) -> None:
        check_split(split)
        catalogue = split_folder_catalogue(
            Path(root), split, cadence=CADENCE, val_fraction=val_fraction
        )
        masks = [path.with_suffix(".mask") for path in catalogue.items] if apply_mask else None
        super().__init__(
            catalogue,
            PngReader(catalogue.items, masks),
            name="dwd",
            convention=DWD,
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )

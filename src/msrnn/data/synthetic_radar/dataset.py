"""Synthetic radar served as clips in a radar pixel encoding, generated per index."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.radar.encoding import quantize, rain_to_pixels
from msrnn.data.splits import Split, check_split
from msrnn.data.synthetic_radar.rain import SyntheticRain
from msrnn.radar import RadarConvention, radar_convention

#: Sequences per split of the demo setting.
DEMO_NUM_SEQUENCES = {"train": 2000, "val": 250, "test": 500}
#: The pixel encoding and Z–R relation of the demo setting: HKO-7's.
DEMO_CONVENTION = "hko-7"


class SyntheticRadar(Dataset):
    """Clips ``(T, 1, H, W)`` in [0, 1] of :class:`SyntheticRain` sequences in a pixel encoding.

    Args:
        split: ``"train"``, ``"val"`` or ``"test"`` (disjoint seeds).
        num_sequences: sequences in this split; default :data:`DEMO_NUM_SEQUENCES`.
        rain: the generator (its ``seq_len`` and ``size`` are the clips').
        convention: radar convention name or object (pixel encoding + Z–R relation).
        quantize: round pixels to 8 bits, as PNG archives store them.

    Shape:
        ``dataset[i]``: ``(T, 1, H, W)`` float32.

    Example:
        >>> rain = SyntheticRain(size=8, seq_len=3)
        >>> data = SyntheticRadar(split="val", num_sequences=2, rain=rain)
        >>> tuple(data[1].shape), data.info.radar is not None
        ((3, 1, 8, 8), True)
    """

    def __init__(
        self,
        *,
        split: Split = "train",
        num_sequences: int | None = None,
        rain: SyntheticRain,
        convention: str | RadarConvention = DEMO_CONVENTION,
        quantize: bool = False,
    ) -> None:
        check_split(split)
        if num_sequences is None:
            num_sequences = DEMO_NUM_SEQUENCES[split]
        if num_sequences < 1:
            raise ValueError(f"num_sequences must be >= 1, got {num_sequences}")
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

"""Metadata that every dataset exposes as ``dataset.info``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from msrnn.radar import RadarConvention

#: The units of plain image data.
PIXEL_INTENSITY = "pixel intensity"


@dataclass(frozen=True)
class DatasetInfo:
    r"""What the float32 clips of a dataset mean.

    Every dataset yields clips ``(T, C, H, W)`` in [0, 1]; a value :math:`x` stands for the
    physical value :math:`lo + x\,(hi - lo)` with ``(lo, hi) = value_range``.

    Args:
        name: short dataset name, e.g. ``"moving-mnist"``.
        channels: ``C``.
        frame_size: ``(H, W)`` in pixels.
        seq_len: ``T``, frames per clip.
        units: units of ``value_range`` (``"pixel intensity"``, ``"dBZ"``, ``"mm/h"``, ...).
        value_range: the physical values mapped to 0 and 1.
        radar: for radar data, the Z–R relation :math:`Z = a R^b` and the pixel encoding of
            reflectivity (``msrnn.radar.RadarConvention``), which convert rain-rate thresholds to
            pixel values; ``None`` for other data.
    """

    name: str
    channels: int
    frame_size: tuple[int, int]
    seq_len: int
    units: str = PIXEL_INTENSITY
    value_range: tuple[float, float] = (0.0, 255.0)
    radar: RadarConvention | None = None

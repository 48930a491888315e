"""DWD rain fields as pixels of the DWD encoding, with the policy for missing pixels."""

from __future__ import annotations

from typing import Literal

import numpy as np

from msrnn.data.radar.encoding import rain_to_pixels
from msrnn.radar import radar_convention

Missing = Literal["raise", "zero"]
DWD = radar_convention("dwd")


def check_missing(missing: str) -> str:
    """``missing`` if it is ``raise`` or ``zero``, else :class:`ValueError`."""
    if missing not in ("raise", "zero"):
        raise ValueError(f"missing must be 'raise' or 'zero', got {missing!r}")
    return missing


def rain_frame(rain: np.ndarray, *, missing: str, where: str) -> np.ndarray:
    """DWD pixels of a rain field in mm/h; NaN pixels raise or become 0 by ``missing``.

    Raises:
        ValueError: NaN with ``missing="raise"``, or negative rain.
    """
    bad = ~np.isfinite(rain)
    if bad.any():
        if missing == "raise":
            raise ValueError(
                f"{where} holds {int(bad.sum())} NaN/inf (missing) pixel(s); pass "
                "missing='zero' to read them as dry"
            )
        rain = np.where(bad, 0.0, rain)
    if (rain < 0).any():
        raise ValueError(f"{where} holds negative rain ({rain.min():g}); the data are not rain")
    return rain_to_pixels(rain, DWD)

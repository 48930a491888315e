"""Rain rates and radar pixels: a convention's encoding as float32 arrays, and its 8-bit PNG
quantisation."""

from __future__ import annotations

import numpy as np
import torch

from msrnn.radar import RadarConvention


def rain_to_pixels(rain: np.ndarray, convention: RadarConvention) -> np.ndarray:
    """Rain rates (mm/h) as float32 pixel values, clipped to [0, 1] (0 mm/h -> 0).

    Raises:
        ValueError: NaN or negative rates.
    """
    rain = np.asarray(rain, dtype=np.float64)
    if not np.isfinite(rain).all():
        raise ValueError("rain rates hold NaN or inf; fill missing pixels (e.g. with 0) first")
    pixels = convention.rain_to_pixel(torch.from_numpy(rain)).clamp(0.0, 1.0)
    return pixels.numpy().astype(np.float32)


def pixels_to_rain(pixels: np.ndarray, convention: RadarConvention) -> np.ndarray:
    """Pixel values in [0, 1] as float32 rain rates (mm/h)."""
    tensor = torch.from_numpy(np.asarray(pixels, dtype=np.float64))
    return convention.pixel_to_rain(tensor).numpy().astype(np.float32)


def quantize(pixels: np.ndarray) -> np.ndarray:
    """Pixel values in [0, 1] as uint8 ``round(255 p)`` (the PNG encoding)."""
    return np.rint(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8)

"""Frame sequences to display tiles: validation, channel handling, colours, magnification."""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib
import numpy as np

from msrnn.viz.colormap import grey_to_rgb, rain_rate_to_rgb

RainRate = Callable[[np.ndarray], np.ndarray]
ERROR_CMAP = "Reds"
BORDER_GREY = 170
MAX_TILE_PX = 256


def as_frames(frames: np.ndarray, name: str) -> np.ndarray:
    """``(T, C, H, W)`` or ``(T, H, W)`` values as ``(T, H, W)`` or ``(T, H, W, 3)`` float64.

    Raises:
        ValueError: on another rank, a channel count other than 1 or 3, no frames, or NaN/inf.
    """
    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim == 4:
        if frames.shape[1] not in (1, 3):
            raise ValueError(
                f"{name} must have 1 or 3 channels in (T, C, H, W), got shape {frames.shape}"
            )
        frames = frames[:, 0] if frames.shape[1] == 1 else frames.transpose(0, 2, 3, 1)
    elif frames.ndim != 3:
        raise ValueError(f"{name} must be (T, C, H, W) or (T, H, W), got shape {frames.shape}")
    if frames.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one frame, got shape {frames.shape}")
    if not np.all(np.isfinite(frames)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return frames


def check_compatible(named: dict[str, np.ndarray | None], *, same_length: tuple[str, ...]) -> None:
    """All given sequences share frame size and channels; those in ``same_length`` share T.

    Raises:
        ValueError: naming the two sequences that differ.
    """
    present = {name: frames for name, frames in named.items() if frames is not None}
    first_name, first = next(iter(present.items()))
    for name, frames in present.items():
        if frames.shape[1:] != first.shape[1:]:
            raise ValueError(
                f"{name} frames have shape {frames.shape[1:]} but {first_name} frames have "
                f"{first.shape[1:]}; all sequences must share frame size and channels"
            )
    lengths = {name: present[name].shape[0] for name in same_length if name in present}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"sequences must have the same number of frames, got {lengths}")


def to_mm_per_hour(frames: np.ndarray, rain_rate: RainRate, name: str) -> np.ndarray:
    """Apply the pixel -> mm/h conversion and check its result.

    Raises:
        ValueError: if the frames are RGB, or the conversion changes the shape or gives NaN/inf.
    """
    if frames.ndim != 3:
        raise ValueError(f"rain_rate needs single-channel frames, but {name} has 3 channels")
    rates = np.asarray(rain_rate(frames), dtype=np.float64)
    if rates.shape != frames.shape:
        raise ValueError(
            f"rain_rate must return an array of the input's shape {frames.shape}, got {rates.shape}"
        )
    if not np.all(np.isfinite(rates)):
        raise ValueError(f"rain_rate returned NaN or inf for {name}")
    return rates


def prepare(
    named: dict[str, np.ndarray | None], rain_rate: RainRate | None, *, same_length: tuple[str, ...]
) -> dict[str, np.ndarray | None]:
    """Validate sequences (None entries stay None), check them together, convert to mm/h."""
    seqs = {name: None if x is None else as_frames(x, name) for name, x in named.items()}
    check_compatible(seqs, same_length=same_length)
    if rain_rate is None:
        return seqs
    return {k: None if v is None else to_mm_per_hour(v, rain_rate, k) for k, v in seqs.items()}


def value_tiles(frames: np.ndarray, *, rain: bool) -> np.ndarray:
    """``uint8 (T, H, W, 3)`` colours: rain palette (frames in mm/h), RGB or grey (in [0, 1])."""
    if rain:
        return rain_rate_to_rgb(frames)
    if frames.ndim == 4:
        return np.rint(255.0 * np.clip(frames, 0.0, 1.0)).astype(np.uint8)
    return grey_to_rgb(frames)


def absolute_error(truth: np.ndarray, prediction: np.ndarray) -> np.ndarray:
    """``|truth - prediction|`` as ``(T, H, W)``, averaged over RGB channels."""
    error = np.abs(truth - prediction)
    return error.mean(axis=-1) if error.ndim == 4 else error


def error_tiles(error: np.ndarray, vmax: float) -> np.ndarray:
    """``uint8 (T, H, W, 3)`` colours of ``error`` on the error colour map from 0 to ``vmax``."""
    rgba = matplotlib.colormaps[ERROR_CMAP](np.clip(error / vmax, 0.0, 1.0))
    return np.rint(255.0 * rgba[..., :3]).astype(np.uint8)


def display_factors(
    scale: int | None, stride: int | None, size: tuple[int, int], *, min_px: int
) -> tuple[int, int]:
    """``(scale, stride)``: frames keep every ``stride``-th pixel, then grow ``scale`` times.

    By default ``stride`` is the smallest that keeps frames at most ``MAX_TILE_PX`` pixels and
    ``scale`` the smallest that makes the strided frames at least ``min_px`` pixels.

    Raises:
        ValueError: if ``scale`` or ``stride`` is not a positive integer.
    """
    for name, value in (("scale", scale), ("stride", stride)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    longest = max(size)
    stride = stride or math.ceil(longest / MAX_TILE_PX)
    return scale or max(1, math.ceil(min_px / math.ceil(longest / stride))), stride


def magnify(tiles: np.ndarray, scale: int, stride: int = 1) -> np.ndarray:
    """Keep every ``stride``-th pixel of ``(T, H, W, 3)`` tiles, repeat each ``scale`` times along
    H and W, then add a one-pixel grey border (white rain-free areas would otherwise merge with
    the background)."""
    tiles = tiles[:, ::stride, ::stride].repeat(scale, axis=1).repeat(scale, axis=2)
    return np.pad(tiles, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=BORDER_GREY)

"""Radar frames as 8-bit grey PNGs, and the HKO-7 ``.mask`` files of their usable pixels."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def read_png_gray(path: Path) -> np.ndarray:
    """An 8-bit grayscale PNG as ``(H, W)`` uint8.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is corrupt or truncated, or not 8-bit grayscale.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            mode, pixels = image.mode, np.asarray(image)
    except FileNotFoundError:
        raise FileNotFoundError(f"radar frame not found: {path}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(
            f"{path}: not a readable PNG ({error}); the file is corrupt or truncated, re-extract it"
        ) from error
    if mode != "L":
        raise ValueError(
            f"{path}: radar frames must be 8-bit grayscale PNGs (mode 'L'), got mode {mode!r}"
        )
    return pixels


def write_png_gray(path: Path, pixels: np.ndarray) -> Path:
    """Write ``(H, W)`` uint8 ``pixels`` as an 8-bit grayscale PNG (parent folders created)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="L").save(path)
    return path


def read_mask(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A ``.mask`` file (HKO-7 format: zlib of the bool bytes) as a boolean array of ``shape``
    (True = usable pixel).

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file is corrupt or does not match ``shape``.
    """
    try:
        raw = zlib.decompress(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"mask not found: {path}; apply_mask=True needs a .mask file for every frame"
        ) from None
    except zlib.error as error:
        raise ValueError(f"{path}: corrupt mask ({error}); re-extract the file") from error
    if len(raw) != int(np.prod(shape)):
        raise ValueError(
            f"{path}: the mask holds {len(raw)} values but the frame has "
            f"{shape[0]}x{shape[1]} = {int(np.prod(shape))} pixels"
        )
    return (np.frombuffer(raw, dtype=np.uint8) != 0).reshape(shape)


def write_mask(path: Path, mask: np.ndarray) -> Path:
    """Write a boolean mask in the HKO-7 ``.mask`` format (zlib of the bool bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zlib.compress(np.ascontiguousarray(mask, dtype=bool).tobytes()))
    return path


class PngReader:
    """8-bit grey PNG frames as pixel values ``v / 255``; with ``masks``, the pixels a mask marks
    unusable are set to 0."""

    def __init__(self, paths: Sequence[Path], masks: Sequence[Path] | None = None) -> None:
        self.paths, self.masks = paths, masks

    def __call__(self, index: int) -> np.ndarray:
        pixels = read_png_gray(self.paths[index]).astype(np.float32) / np.float32(255)
        if self.masks is not None:
            pixels[~read_mask(self.masks[index], pixels.shape)] = 0.0
        return pixels

    def describe(self, index: int) -> str:
        return str(self.paths[index])

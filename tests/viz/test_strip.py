"""Prediction strips: size, exact pixels, determinism, file handling and input checks."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from msrnn.viz import prediction_strip, save_png
from msrnn.viz._render import png_bytes

YELLOW_GREEN = (130, 205, 40)  # the palette's colour for 5 <= r < 10 mm/h


def hko_rain_rate(pixel: np.ndarray) -> np.ndarray:
    """HKO-7: pixel -> dBZ = 70 p - 10 -> Z = 58.53 R^1.56 (mm/h)."""
    dbz = 70.0 * pixel - 10.0
    return 10.0 ** ((dbz - 10.0 * np.log10(58.53)) / 15.6)


def per_pixel_rate(pixel: np.ndarray) -> np.ndarray:
    """Pixel 1 <-> 100 mm/h, linear (simple to reason about in tests)."""
    return 100.0 * pixel


def moving_blob(frames: int, size: int, seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    centres = np.linspace(size * 0.2, size * 0.8, frames)
    blob = np.exp(-((xx[None] - centres[:, None, None]) ** 2 + (yy[None] - size / 2) ** 2) / 40.0)
    noise = 0.02 * np.random.default_rng(seed).standard_normal(blob.shape)
    return np.clip(blob + noise, 0.0, 1.0)


def first_block(image: Image.Image, color: tuple[int, int, int]) -> tuple[int, int]:
    """(row, col) of the first pixel of ``color`` in reading order."""
    hits = np.argwhere(np.all(np.asarray(image) == color, axis=-1))
    return int(hits[0, 0]), int(hits[0, 1])


def test_tiles_are_pixel_exact_in_the_palette():
    inputs = np.full((2, 1, 8, 8), 0.07)  # 7 mm/h everywhere
    truth = np.zeros((3, 1, 8, 8))
    strip = prediction_strip(inputs, truth, truth, rain_rate=per_pixel_rate, scale=3)
    pixels = np.asarray(strip)
    row, col = first_block(strip, YELLOW_GREEN)
    assert np.all(pixels[row : row + 24, col : col + 24] == YELLOW_GREEN)  # one 24x24 tile
    assert not np.any(np.all(pixels[row : row + 24, col + 24] == YELLOW_GREEN, axis=-1))
    # the second input frame: the next tile of that colour on the same pixel rows
    after = np.all(pixels[row, col + 24 :] == YELLOW_GREEN, axis=-1)
    second = col + 24 + int(np.argmax(after))
    assert np.all(pixels[row : row + 24, second : second + 24] == YELLOW_GREEN)


def test_grey_and_rgb_tiles_are_exact():
    grey = prediction_strip(np.full((1, 6, 6), 0.5), None, np.full((1, 6, 6), 0.5), scale=2)
    assert np.sum(np.all(np.asarray(grey) == (128, 128, 128), axis=-1)) >= 2 * 12 * 12
    red = np.zeros((1, 3, 6, 6))
    red[:, 0] = 1.0
    rgb = prediction_strip(red, red, red, scale=2)
    row, col = first_block(rgb, (255, 0, 0))
    assert np.all(np.asarray(rgb)[row : row + 12, col : col + 12] == (255, 0, 0))


def test_size_grows_by_exactly_the_frames():
    inputs, future = moving_blob(3, 10), moving_blob(4, 10, seed=1)
    small = prediction_strip(inputs, future, future, scale=1)
    large = prediction_strip(inputs, future, future, scale=2)
    width_gain, height_gain = large.size[0] - small.size[0], large.size[1] - small.size[1]
    assert (width_gain, height_gain) == (4 * 10, 4 * 10)  # 4 columns, 4 rows of 10 more pixels
    no_truth = prediction_strip(inputs, None, future, scale=1)
    assert no_truth.size[0] == small.size[0]
    assert no_truth.size[1] < small.size[1]


def test_radar_strip_of_ten_plus_ten_frames_is_small_and_deterministic(tmp_path):
    frames = moving_blob(20, 64)
    prediction = np.clip(frames[10:] * 0.9, 0.0, 1.0)
    kwargs = {"rain_rate": hko_rain_rate, "title": "ms-convlstm, sample 0"}
    strip = prediction_strip(frames[:10], frames[10:], prediction, **kwargs)
    path = save_png(strip, tmp_path / "strip.png")
    assert path.stat().st_size < 300_000
    with Image.open(path) as reopened:
        assert reopened.format == "PNG"
        assert reopened.size == strip.size == (858, 344)
    again = prediction_strip(frames[:10], frames[10:], prediction, **kwargs)
    assert png_bytes(again) == path.read_bytes()


def test_default_scale_magnifies_small_frames():
    frames = moving_blob(2, 16)
    default = prediction_strip(frames, frames, frames)
    explicit = prediction_strip(frames, frames, frames, scale=4)
    assert default.size == explicit.size


def test_large_frames_are_subsampled_by_default():
    frames = np.random.default_rng(2).random((1, 300, 260))
    default = prediction_strip(frames, None, frames)
    explicit = prediction_strip(frames, None, frames, stride=2, scale=1)
    assert png_bytes(default) == png_bytes(explicit)  # 300 px > 256: every 2nd pixel, 150 px
    full = prediction_strip(frames, None, frames, stride=1)
    assert full.size[0] - default.size[0] == 130 and full.size[1] - default.size[1] == 2 * 150


def test_save_png_refuses_to_overwrite(tmp_path):
    image = Image.new("RGB", (4, 3), "white")
    path = save_png(image, tmp_path / "a.png")
    path.write_bytes(b"keep")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_png(image, path)
    assert path.read_bytes() == b"keep"
    save_png(image, path, overwrite=True)
    assert Image.open(io.BytesIO(path.read_bytes())).size == (4, 3)
    with pytest.raises(TypeError, match=r"PIL\.Image\.Image or a matplotlib Figure"):
        save_png(np.zeros((3, 4, 3)), tmp_path / "b.png")


@pytest.mark.parametrize(
    ("inputs", "truth", "prediction", "kwargs", "match"),
    [
        ((2, 8, 8), (3, 8, 8), (4, 8, 8), {}, "same number of frames"),
        ((2, 8, 8), (3, 8, 8), (3, 8, 9), {}, "must share frame size"),
        ((2, 1, 8, 8), (3, 8, 8), (3, 3, 8, 8), {}, "must share frame size"),
        ((2, 2, 8, 8), (3, 8, 8), (3, 8, 8), {}, "1 or 3 channels"),
        ((1, 2, 1, 8, 8), (3, 8, 8), (3, 8, 8), {}, r"\(T, C, H, W\) or \(T, H, W\)"),
        ((0, 8, 8), (3, 8, 8), (3, 8, 8), {}, "at least one frame"),
        ((2, 3, 8, 8), (3, 3, 8, 8), (3, 3, 8, 8), {"rain_rate": per_pixel_rate}, "single-ch"),
        ((2, 8, 8), (3, 8, 8), (3, 8, 8), {"rain_rate": lambda p: p[0]}, "input's shape"),
        ((2, 8, 8), (3, 8, 8), (3, 8, 8), {"scale": 0}, "scale must be a positive integer"),
        ((2, 8, 8), (3, 8, 8), (3, 8, 8), {"stride": 1.5}, "stride must be a positive integer"),
        ((2, 8, 8), (3, 8, 8), (3, 8, 8), {"error_max": 0.0}, "error_max must be positive"),
    ],
)
def test_bad_inputs_are_rejected(inputs, truth, prediction, kwargs, match):
    with pytest.raises(ValueError, match=match):
        prediction_strip(np.zeros(inputs), np.zeros(truth), np.zeros(prediction), **kwargs)


def test_non_finite_frames_are_rejected():
    frames = np.zeros((2, 8, 8))
    frames[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="prediction must be finite"):
        prediction_strip(frames[:1], frames[:1] * 0, frames[1:])

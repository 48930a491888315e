"""Truth-beside-prediction GIFs: frames, size, exact palette colours, determinism, checks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from msrnn.viz import truth_vs_prediction_gif

YELLOW_GREEN = (130, 205, 40)  # 5 <= r < 10 mm/h
ORANGE = (245, 140, 25)  # 20 <= r < 30 mm/h


def per_pixel_rate(pixel: np.ndarray) -> np.ndarray:
    return 100.0 * pixel


def frames_of(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        pictures = []
        for index in range(gif.n_frames):
            gif.seek(index)
            pictures.append(np.asarray(gif.convert("RGB")))
    return pictures


def test_radar_gif_has_one_frame_per_lead_time_with_exact_colours(tmp_path):
    truth = np.full((3, 1, 8, 8), 0.07)  # 7 mm/h
    prediction = np.full((3, 8, 8), 0.25)  # 25 mm/h
    path = truth_vs_prediction_gif(
        truth, prediction, tmp_path / "a.gif", rain_rate=per_pixel_rate, fps=4, scale=4
    )
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == 3
        assert gif.info["duration"] == 250
        assert gif.info["loop"] == 0
    for picture in frames_of(path):
        assert np.sum(np.all(picture == YELLOW_GREEN, axis=-1)) == 32 * 32
        assert np.sum(np.all(picture == ORANGE, axis=-1)) == 32 * 32


def test_panels_side_by_side_and_prediction_only(tmp_path):
    truth = np.random.default_rng(0).random((2, 16, 16))
    both = truth_vs_prediction_gif(truth, truth, tmp_path / "both.gif", scale=8)
    alone = truth_vs_prediction_gif(None, truth, tmp_path / "alone.gif", scale=8)
    with Image.open(both) as a, Image.open(alone) as b:
        assert a.size[1] == b.size[1]
        assert a.size[0] - b.size[0] > 128  # one more 128-pixel panel
        assert a.size[0] >= 2 * 128


def test_large_frames_are_subsampled(tmp_path):
    frames = np.zeros((1, 520, 520))
    path = truth_vs_prediction_gif(None, frames, tmp_path / "big.gif")  # stride 3, scale 1
    small = truth_vs_prediction_gif(None, frames[:, ::3, ::3], tmp_path / "small.gif")
    with Image.open(path) as big, Image.open(small) as reference:
        assert big.size == reference.size
        assert big.size[0] < 260  # a 174-pixel panel, not a 520-pixel one


def test_bytes_are_deterministic_for_grey_and_rgb(tmp_path):
    rng = np.random.default_rng(1)
    grey = rng.random((3, 1, 12, 12))
    rgb = rng.random((3, 3, 12, 12))  # more than 256 colours: quantised
    for name, frames in (("grey", grey), ("rgb", rgb)):
        first = truth_vs_prediction_gif(frames, frames[::-1], tmp_path / f"{name}1.gif")
        second = truth_vs_prediction_gif(frames, frames[::-1], tmp_path / f"{name}2.gif")
        assert first.read_bytes() == second.read_bytes()
        assert len(frames_of(first)) == 3


def test_grey_frames_keep_exact_levels(tmp_path):
    truth = np.full((1, 4, 4), 0.5)
    path = truth_vs_prediction_gif(truth, truth, tmp_path / "g.gif", scale=2)
    (picture,) = frames_of(path)
    assert np.sum(np.all(picture == (128, 128, 128), axis=-1)) >= 2 * 8 * 8


def test_refuses_to_overwrite(tmp_path):
    path = tmp_path / "a.gif"
    path.write_bytes(b"keep")
    frames = np.zeros((2, 4, 4))
    with pytest.raises(FileExistsError, match="overwrite=True"):
        truth_vs_prediction_gif(frames, frames, path)
    assert path.read_bytes() == b"keep"
    truth_vs_prediction_gif(frames, frames, path, overwrite=True)
    assert len(frames_of(path)) == 2


@pytest.mark.parametrize(
    ("truth", "prediction", "kwargs", "match"),
    [
        ((3, 4, 4), (2, 4, 4), {}, "same number of frames"),
        ((2, 4, 4), (2, 5, 4), {}, "must share frame size"),
        ((2, 4, 4), (2, 4, 4), {"fps": 0}, "fps must be positive"),
        ((2, 4, 4), (2, 4, 4), {"stride": 0}, "stride must be a positive integer"),
        ((2, 3, 4, 4), (2, 3, 4, 4), {"rain_rate": per_pixel_rate}, "single-channel"),
    ],
)
def test_bad_inputs_are_rejected(tmp_path, truth, prediction, kwargs, match):
    with pytest.raises(ValueError, match=match):
        truth_vs_prediction_gif(np.zeros(truth), np.zeros(prediction), tmp_path / "x.gif", **kwargs)
    assert not (tmp_path / "x.gif").exists()

"""Synthetic radar: the rain model, the on-the-fly dataset, and round trips through every format."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from msrnn.data.dwd import RYDL, DWDPngFrames, RadolanFolder, radolan_filename, read_radolan
from msrnn.data.hko import HKO7
from msrnn.data.radar.encoding import rain_to_pixels
from msrnn.data.synthetic_radar import SyntheticRadar, SyntheticRain, write_synthetic_archive
from msrnn.radar import radar_convention

HKO, DWD = radar_convention("hko-7"), radar_convention("dwd")
PNG_STEP = 0.5 / 255 + 1e-6  # half a grey level


def small(**overrides) -> SyntheticRain:
    settings = {"size": 12, "seq_len": 5, "seed": 3}
    return SyntheticRain(**{**settings, **overrides})


def test_sequences_are_deterministic_per_split_and_index():
    rain = small()
    assert np.array_equal(rain.sample(1, "val").rain, small().sample(1, "val").rain)
    assert not np.array_equal(rain.sample(1, "val").rain, rain.sample(1, "test").rain)
    assert not np.array_equal(rain.sample(1, "val").rain, rain.sample(2, "val").rain)
    assert not np.array_equal(rain.sample(1).rain, small(seed=4).sample(1).rain)


def test_cells_are_advected_by_the_known_motion():
    rain = small(motion=(1.0, 0.0), lifecycle=False, cell_drift=0.0, stratiform_fraction=0.0)
    sample = rain.sample(0)
    # every cell moves one column per frame, so frame t is frame t-1 shifted right by one pixel
    np.testing.assert_allclose(sample.rain[1:, :, 1:], sample.rain[:-1, :, :-1], atol=1e-5)
    steps = np.diff(sample.centres, axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to([1.0, 0.0], steps.shape))
    assert np.array_equal(sample.motion, [1.0, 0.0])


def test_stratiform_rain_is_a_periodic_shift_with_the_wet_fraction_asked():
    rain = small(size=16, num_cells=0, motion=(0.0, 2.0), stratiform_fraction=0.25)
    field = rain.sample(0).rain
    np.testing.assert_allclose(field[1], np.roll(field[0], 2, axis=0), atol=1e-5)
    wet = field[0] > 0
    assert wet.mean() == pytest.approx(0.25, abs=1 / 256)
    assert field[0][wet].min() >= 0.2 - 1e-6 and field.max() <= 3.0 + 1e-6


def test_cells_grow_and_decay_only_with_a_lifecycle():
    growing = small(num_cells=8).sample(0).intensity
    steady = small(num_cells=8, lifecycle=False).sample(0).intensity
    change = np.diff(growing, axis=0)
    assert (change > 0).any() and (change < 0).any()
    np.testing.assert_allclose(np.diff(steady, axis=0), 0.0)


def test_dataset_encodes_rain_in_the_convention():
    rain = small()
    data = SyntheticRadar(split="test", num_sequences=2, rain=rain, convention="dwd")
    clip = data[1]
    assert clip.shape == (5, 1, 12, 12) and clip.dtype == torch.float32
    np.testing.assert_allclose(clip[:, 0].numpy(), rain_to_pixels(rain.sample(1, "test").rain, DWD))
    assert data.info.radar == DWD and data.info.value_range == (-10.0, 60.0)
    quantized = SyntheticRadar(split="test", num_sequences=2, rain=rain, quantize=True)[0] * 255
    assert torch.equal(quantized, quantized.round())
    with pytest.raises(IndexError, match="out of range"):
        data[2]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"size": 1}, "size must be"),
        ({"stratiform_fraction": 1.0}, "stratiform_fraction"),
        ({"cell_sigma": (3.0, 1.0)}, "cell_sigma"),
        ({"peak_rain": (0.0, 5.0)}, "peak_rain"),
        ({"max_speed": -1.0}, "max_speed"),
        ({"motion": (1.0,)}, "motion"),
    ],
)
def test_generator_settings_are_checked(settings, message):
    with pytest.raises(ValueError, match=message):
        small(**settings)


def test_unknown_split_and_empty_dataset_are_refused():
    with pytest.raises(ValueError, match="split must be"):
        small().sample(0, "valid")
    with pytest.raises(ValueError, match="num_sequences"):
        SyntheticRadar(split="train", num_sequences=0, rain=small())


# ----------------------------------------------------------------- round trips, one per format
def test_hko7_tree_reads_back_within_one_grey_level(tmp_path):
    written = write_synthetic_archive(tmp_path, "hko7", rain=small(), pickles=True)
    for split in ("train", "val", "test"):
        data = HKO7(tmp_path, split=split, seq_len=5, size=None)
        expected = [seq for seq in written if seq.split == split]
        assert len(data) == len(expected)
        for index, seq in enumerate(expected):
            assert data.window_times(index) == seq.times
            pixels = data[index][:, 0].numpy()
            assert np.abs(pixels - rain_to_pixels(seq.rain, HKO)).max() <= PNG_STEP


def test_dwd_png_folders_read_back_within_one_grey_level(tmp_path):
    written = write_synthetic_archive(tmp_path, "png", rain=small(), convention="dwd")
    data = DWDPngFrames(tmp_path, split="test", seq_len=5, size=None, frame_step=1)
    assert np.abs(data[0][:, 0].numpy() - rain_to_pixels(written[-1].rain, DWD)).max() <= PNG_STEP
    assert (tmp_path / "valid").is_dir() and (tmp_path / "train" / "201401010005.png").is_file()


def test_rydl_reads_back_exactly(tmp_path):
    written = write_synthetic_archive(tmp_path, "rydl", rain=small())
    with h5py.File(tmp_path / "RYDL.hdf5") as handle:
        stored = handle["201501010010"][()]  # the validation sequence, frame 2, mm per 5 min
    np.testing.assert_allclose(stored * 12, written[2].rain[2], rtol=1e-6)
    data = RYDL(tmp_path / "RYDL.hdf5", split="val", frame_step=1, seq_len=5, size=None)
    np.testing.assert_allclose(
        data[0][:, 0].numpy(), rain_to_pixels(written[2].rain, DWD), atol=1e-6
    )


def test_radolan_reads_back_within_its_precision(tmp_path):
    written = write_synthetic_archive(tmp_path, "radolan", rain=small())
    seq = written[-1]
    composite = read_radolan(tmp_path / radolan_filename("RY", seq.times[1]))
    # 0.01 mm per 5 min is 0.12 mm/h: half a step of rounding at most
    assert np.abs(composite.rain_rate() - seq.rain[1]).max() <= 0.06 + 1e-4
    clip = RadolanFolder(tmp_path, split="test", frame_step=1, seq_len=5, size=None)[0][
        :, 0
    ].numpy()
    steps = np.rint(seq.rain.astype(np.float64) * (5 / 60) / 0.01)
    stored = steps.astype(np.float32) * np.float32(0.01) * np.float32(12)
    np.testing.assert_allclose(clip, rain_to_pixels(stored, DWD), atol=1e-5)


def test_archive_writer_errors(tmp_path):
    with pytest.raises(ValueError, match="fmt must be"):
        write_synthetic_archive(tmp_path, "netcdf", rain=small())
    with pytest.raises(ValueError, match="5-minute"):
        write_synthetic_archive(tmp_path, "rydl", rain=small(), interval_minutes=6)
    with pytest.raises(ValueError, match="at most 365"):
        write_synthetic_archive(tmp_path, "png", rain=small(), sequences={"train": 366})
    with pytest.raises(
        ValueError, match="split must be one of 'train', 'val', 'test', got 'valid'"
    ):
        write_synthetic_archive(tmp_path, "png", rain=small(), sequences={"valid": 1})
    with pytest.raises(ValueError, match="fit in a day"):
        write_synthetic_archive(tmp_path, "png", rain=small(seq_len=300))

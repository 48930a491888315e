"""HKO-7: release tree and split folders, catalogues, gap-free windows, masks, errors."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from msrnn.data.hko import HKO7, hko7_frame_path
from msrnn.data.radar.encoding import pixels_to_rain, rain_to_pixels
from msrnn.data.radar.png import write_png_gray
from msrnn.data.synthetic_radar import SyntheticRain, write_synthetic_archive
from msrnn.radar import radar_convention, rain_thresholds_to_pixels

RATES = (0.5, 2.0, 5.0, 10.0, 30.0)
PUBLISHED = (0.3283, 0.4624, 0.5511, 0.6182, 0.7245)  # published HKO-7 thresholds
SIX_MINUTES = timedelta(minutes=6)


@pytest.fixture
def tree(tmp_path):
    """Release tree: 2 train days, 1 valid day, 1 test day, 8 frames each, 16x16."""
    rain = SyntheticRain(size=16, seq_len=8, seed=5)
    write_synthetic_archive(tmp_path / "hko", "hko7", rain=rain, pickles=True)
    return tmp_path / "hko"


def times_of(data):
    return [data.window_times(i) for i in range(len(data))]


def test_thresholds_match_the_published_table(tree):
    data = HKO7(tree, split="test", seq_len=8, size=None)
    radar = data.info.radar
    assert [round(p, 4) for p in rain_thresholds_to_pixels(RATES, radar)] == list(PUBLISHED)
    assert [round(p, 4) for p in rain_to_pixels(np.array(RATES), radar)] == list(PUBLISHED)
    assert data.info.units == "dBZ" and data.info.value_range == (-10.0, 60.0)
    assert radar.pixel_to_rain(1.0) == pytest.approx(516.68, abs=0.01)


def test_png_grey_levels_on_both_sides_of_each_threshold(tmp_path):
    # the first grey level >= 255 * threshold is at or above the rate, the one below is under it
    levels = np.array([[83, 84, 117, 118, 140], [141, 157, 158, 184, 185]], dtype=np.uint8)
    start = datetime(2015, 1, 1)
    for split in ("train", "test"):
        for t in range(2):
            write_png_gray(tmp_path / split / f"{start + t * SIX_MINUTES:%Y%m%d%H%M}.png", levels)
    frame = HKO7(tmp_path, split="test", seq_len=2, size=None)[0][0, 0].numpy()
    rain = pixels_to_rain(frame, radar_convention("hko-7")).reshape(-1)
    for k, rate in enumerate(RATES):
        assert rain[2 * k] < rate <= rain[2 * k + 1]


def test_release_tree_splits_follow_the_day_lists(tree):
    sizes = {
        split: len(HKO7(tree, split=split, seq_len=8, size=None))
        for split in ("train", "val", "test")
    }
    assert sizes == {"train": 2, "val": 1, "test": 1}
    val = HKO7(tree, split="val", seq_len=8, size=None)
    test = HKO7(tree, split="test", seq_len=8, size=None)
    assert val.window_times(0)[0] == datetime(2015, 1, 1)
    assert test.window_times(0)[0] == datetime(2016, 1, 1)
    assert val.layout == "release"


def test_pickled_catalogue_is_used_and_an_unreadable_one_is_rescanned(tree):
    import pandas as pd

    pickle = tree / "hko_data" / "pd" / "hko7_rainy_train.pkl"
    only_first_day = [datetime(2014, 1, 1) + t * SIX_MINUTES for t in range(8)]
    pd.DataFrame({"x": range(8)}, index=pd.DatetimeIndex(only_first_day)).to_pickle(pickle)
    assert len(HKO7(tree, split="train", seq_len=8, size=None)) == 1
    assert len(HKO7(tree, split="train", seq_len=8, size=None, use_pickles=False)) == 2
    pickle.write_bytes(b"not a pickle")
    with pytest.warns(UserWarning, match="could not be read"):
        assert len(HKO7(tree, split="train", seq_len=8, size=None)) == 2


def test_windows_never_straddle_a_gap(tree):
    hko7_frame_path(tree, datetime(2014, 1, 1, 0, 24)).unlink()  # frame 4 of the first day
    with pytest.warns(UserWarning, match="1 of the 16 frames"):  # listed in the pickle
        data = HKO7(tree, split="train", seq_len=3, stride=1, size=None)
    # day 1: frames 0-3 give 2 windows, frames 5-7 give 1; day 2: 6 windows
    assert len(data) == 9
    assert len(HKO7(tree, split="train", seq_len=3, stride=1, size=None, use_pickles=False)) == 9
    for times in times_of(data):
        assert all(b - a == SIX_MINUTES for a, b in itertools.pairwise(times))


def test_frame_step_and_stride(tree):
    # frames 12 minutes apart, starts one clip frame (12 minutes) apart: minutes 0 and 12 a day
    stepped = HKO7(tree, split="train", seq_len=3, frame_step=2, stride=1, size=None)
    starts = [times[0].minute for times in times_of(stepped)]
    assert starts == [0, 12, 0, 12]
    assert stepped.window_times(0)[1] - stepped.window_times(0)[0] == 2 * SIX_MINUTES
    disjoint = HKO7(tree, split="train", seq_len=3, size=None)  # stride = seq_len: starts 0 and 3
    assert [t[0].minute for t in times_of(disjoint)] == [0, 18, 0, 18]


def test_frames_are_resized_bilinearly(tree):
    native = HKO7(tree, split="test", seq_len=8, size=None)[0]
    small = HKO7(tree, split="test", seq_len=8, size=(8, 12))[0]
    expected = F.interpolate(native, size=(8, 12), mode="bilinear", align_corners=False)
    assert small.shape == (8, 1, 8, 12)
    torch.testing.assert_close(small, expected.clamp(0, 1))


def test_masks_zero_unusable_pixels(tree):
    plain = HKO7(tree, split="test", seq_len=8, size=None)[0]
    masked = HKO7(tree, split="test", seq_len=8, size=None, apply_mask=True)[0]
    y, x = np.mgrid[0:16, 0:16]
    inside = torch.from_numpy((y - 7.5) ** 2 + (x - 7.5) ** 2 <= 7.5**2)
    assert torch.equal(masked[..., inside], plain[..., inside])
    assert masked[..., ~inside].abs().sum() == 0 and plain[..., ~inside].abs().sum() > 0


def test_split_folders_hold_out_validation_from_train(tmp_path):
    rain = SyntheticRain(size=8, seq_len=4)
    write_synthetic_archive(tmp_path, "png", rain=rain, valid_folder=False, masks=False)
    train = HKO7(tmp_path, split="train", seq_len=4, size=None, val_fraction=0.5)
    val = HKO7(tmp_path, split="val", seq_len=4, size=None, val_fraction=0.5)
    test = HKO7(tmp_path, split="test", seq_len=4, size=None)
    assert (len(train), len(val), len(test)) == (1, 1, 1) and train.layout == "folders"
    assert train.window_times(0)[-1] < val.window_times(0)[0] < test.window_times(0)[0]


def test_validation_folder_must_not_be_the_test_folder(tmp_path):
    write_synthetic_archive(
        tmp_path, "png", rain=SyntheticRain(size=8, seq_len=4), valid_folder=False
    )
    (tmp_path / "valid").symlink_to(tmp_path / "test")
    with pytest.raises(ValueError, match="is the test folder"):
        HKO7(tmp_path, split="val", seq_len=4)


# ----------------------------------------------------------------------------------- errors
def test_missing_data_and_lists(tree, tmp_path):
    with pytest.raises(FileNotFoundError, match="neither an HKO-7 release tree"):
        HKO7(tmp_path / "nowhere")
    (tree / "hko_data" / "hko7_rainy_valid_days.txt").unlink()
    with pytest.raises(FileNotFoundError, match="rainy-day list not found"):
        HKO7(tree, split="train", seq_len=8)


def test_bad_lists(tree):
    lists = tree / "hko_data"
    (lists / "hko7_rainy_valid_days.txt").write_text("20150101, 3.2\n2015-01-02, 1.0\n")
    with pytest.raises(ValueError, match="line 2"):
        HKO7(tree, split="val", seq_len=8)
    (lists / "hko7_rainy_valid_days.txt").write_text("20160101, 3.2\n")
    with pytest.raises(ValueError, match="share 1 day"):
        HKO7(tree, split="val", seq_len=8)


def test_listed_days_without_frames(tree):
    with (tree / "hko_data" / "hko7_rainy_train_days.txt").open("a") as handle:
        handle.write("20140301, 0.0\n")
    with pytest.warns(UserWarning, match="skipped"):
        HKO7(tree, split="train", seq_len=8, use_pickles=False)
    (tree / "hko_data" / "hko7_rainy_test_days.txt").write_text("20170101, 0.0\n")
    with pytest.raises(FileNotFoundError, match="no radarPNG"):
        HKO7(tree, split="test", seq_len=8, use_pickles=False)


def test_corrupt_wrong_kind_and_wrong_size_frames(tree):
    target = hko7_frame_path(tree, datetime(2016, 1, 1, 0, 12))
    target.write_bytes(target.read_bytes()[:40])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        HKO7(tree, split="test", seq_len=8)[0]
    Image.new("RGB", (16, 16)).save(target)
    with pytest.raises(ValueError, match="8-bit grayscale"):
        HKO7(tree, split="test", seq_len=8)[0]
    write_png_gray(target, np.zeros((16, 20), np.uint8))
    with pytest.raises(ValueError, match="same size"):
        HKO7(tree, split="test", seq_len=8)[0]


def test_corrupt_and_missing_masks(tree):
    mask = hko7_frame_path(tree, datetime(2016, 1, 1, 0, 6), mask=True)
    mask.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt mask"):
        HKO7(tree, split="test", seq_len=8, apply_mask=True)[0]
    mask.unlink()
    with pytest.raises(FileNotFoundError, match="mask not found"):
        HKO7(tree, split="test", seq_len=8, apply_mask=True)[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seq_len": 9}, "no gap-free run"),
        ({"split": "valid"}, "split must be"),
        ({"layout": "tree"}, "layout must be"),
        ({"crop": (10, 0, 8, 8)}, "does not fit"),
        ({"size": (0, 4)}, "size must be"),
        ({"frame_step": 0}, ">= 1"),
    ],
)
def test_invalid_settings(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        HKO7(tree, **{"split": "test", "seq_len": 8, **kwargs})


def test_frames_without_a_readable_time(tmp_path):
    for split in ("train", "test"):
        for name in ("201501010000.png", "radar.png"):
            write_png_gray(tmp_path / split / name, np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="cannot read a time"):
        HKO7(tmp_path, split="test", seq_len=1)


def test_numbered_frames_are_consecutive_by_number(tmp_path):
    for split in ("train", "test"):
        for number in (1, 2, 4, 5, 6):
            write_png_gray(tmp_path / split / f"{number}.png", np.full((4, 4), number, np.uint8))
    data = HKO7(tmp_path, split="test", seq_len=2, stride=1, size=None)
    assert [data.window_times(i) for i in range(len(data))] == [[1, 2], [4, 5], [5, 6]]
    write_png_gray(tmp_path / "test" / "201501010000.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match=r"cannot read a time from '\d\.png'"):
        HKO7(tmp_path, split="test", seq_len=1)

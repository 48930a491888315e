import numpy as np
import pytest

from msrnn.data import split_bounds
from msrnn.data.windows import window_index


def windows(lengths, **kwargs):
    settings = {"seq_len": 4, "stride": 4, "split": "all", "split_by": "sequence"}
    settings |= {"fractions": (0.7, 0.1, 0.2), "index_ranges": None, **kwargs}
    return window_index(lengths, **settings).tolist()


def test_fractions_partition_the_units():
    bounds = [split_bounds(15, split) for split in ("train", "val", "test")]
    assert bounds == [(0, 10), (10, 12), (12, 15)]
    assert split_bounds(15, "all") == (0, 15)
    assert split_bounds(10, "train", fractions=(0.5, 0.5, 0.0)) == (0, 5)


def test_index_ranges_override_fractions():
    ranges = {"train": (2, 8), "test": (0, 2)}
    assert split_bounds(10, "train", index_ranges=ranges) == (2, 8)
    assert split_bounds(10, "test", index_ranges=ranges) == (0, 2)


def test_windows_with_stride_stay_inside_each_sequence():
    assert windows([10, 7], seq_len=4, stride=3) == [[0, 0], [0, 3], [0, 6], [1, 0], [1, 3]]


def test_sequence_split_takes_whole_sequences():
    assert windows([4] * 10, split="val") == [[7, 0]]
    assert windows([4] * 10, split="test") == [[8, 0], [9, 0]]


def test_time_split_never_crosses_a_boundary():
    blocks = {"train": (0, 70), "val": (70, 80), "test": (80, 100)}
    for split, (lo, hi) in blocks.items():
        rows = np.array(windows([100, 100], split=split, split_by="time", seq_len=5, stride=2))
        assert rows[:, 1].min() == lo and (rows[:, 1] + 5).max() <= hi
        assert set(rows[:, 0]) == {0, 1}
        assert (rows[:, 1] + 5).max() > hi - 2  # the block is used up to its end


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: split_bounds(5, "dev"), "split must be one of 'train', 'val', 'test', 'all'"),
        (lambda: split_bounds(5, "val", fractions=(0.5, 0.6, 0.1)), "summing to 1"),
        (lambda: split_bounds(5, "val", fractions=(0.5, 0.5)), "3 non-negative numbers"),
        (lambda: split_bounds(5, "val", index_ranges={"train": (0, 2)}), "no entry for split"),
        (lambda: split_bounds(5, "val", index_ranges={"dev": (0, 2)}), "keys must be"),
        (lambda: split_bounds(5, "val", index_ranges={"val": (3, 9)}), r"0 <= lo < hi <= 5"),
        (
            lambda: split_bounds(9, "val", index_ranges={"train": (0, 5), "val": (4, 9)}),
            "'train' and 'val' overlap",
        ),
        (lambda: windows([4] * 3, split="val"), "split 'val' is empty for 3 sequence"),
        (lambda: windows([4, 3]), "seq_len=4 is longer than the 3 frames of sequence 1"),
        (lambda: windows([4], stride=0), "seq_len and stride must be >= 1"),
        (lambda: windows([4], split_by="frame"), "split_by must be 'sequence' or 'time'"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()

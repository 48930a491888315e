import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from msrnn.data import DatasetInfo, MovingMNIST
from msrnn.data.moving_mnist.generator import bounce, render
from tests.data.fixtures import fake_digits, write_mnist_pair


def small(split="train", **kwargs):
    return MovingMNIST(split=split, **{"num_sequences": 6, "seq_len": 5, **kwargs})


def test_clips_are_float_in_unit_range_with_metadata():
    data = small()
    clip = data[0]
    assert clip.shape == (5, 1, 64, 64) and clip.dtype == torch.float32
    values = clip.numpy()
    assert values.min() >= 0.0 and 0.5 < values.max() <= 1.0
    np.testing.assert_allclose(values, data.sequence(0)[:, None] / 255.0, rtol=1e-6)
    assert data.info == DatasetInfo("moving-mnist", 1, (64, 64), 5, "pixel intensity", (0, 255))
    assert len(data) == 6


def test_default_sizes_are_the_papers_split_of_15000():
    sizes = [len(MovingMNIST(split=split)) for split in ("train", "val", "test")]
    assert sizes == [10_500, 1_500, 3_000]


def test_batches_are_batch_first():
    batch = next(iter(DataLoader(small(), batch_size=3)))
    assert batch.shape == (3, 5, 1, 64, 64)


def test_same_seed_same_sequences_in_any_order():
    first, second = small(seed=3), small(seed=3)
    late = second.sequence(4)
    np.testing.assert_array_equal(first.sequence(4), late)
    np.testing.assert_array_equal(first.sequence(0), second.sequence(0))


def test_seeds_indices_and_splits_give_different_sequences():
    base = small(seed=3).sequence(1)
    assert not np.array_equal(base, small(seed=4).sequence(1))
    assert not np.array_equal(base, small(seed=3).sequence(2))
    assert not np.array_equal(base, small("val", seed=3).sequence(1))


def test_splits_use_disjoint_digits():
    used = {}
    for split in ("train", "val", "test"):
        data = MovingMNIST(split=split, num_sequences=200, seq_len=2)
        digits = np.concatenate([data.layout(i).digits for i in range(200)])
        assert set(digits) <= set(data.pool.indices)
        used[split] = set(digits)
    assert not used["train"] & used["val"]
    assert not used["train"] & used["test"]
    assert not used["val"] & used["test"]


def test_trajectories_stay_in_the_canvas_and_keep_their_speed():
    data = MovingMNIST(split="test", num_sequences=100, seq_len=30)
    positions = np.stack([data.layout(i).positions for i in range(100)])  # (N, T, D, 2)
    assert positions.min() >= -2 and positions.max() <= 38
    assert positions[:, 0].min() >= 0 and positions[:, 0].max() < 36
    steps = np.abs(np.diff(positions, axis=1))
    speed = np.hypot(steps[..., 0], steps[..., 1])
    assert speed.min() >= 2 - 1e-9 and speed.max() <= 6 + 1e-9
    np.testing.assert_allclose(
        speed, np.broadcast_to(speed[:, :1], speed.shape), atol=1e-9
    )  # constant per digit
    assert (np.diff(np.sign(np.diff(positions, axis=1)), axis=1) != 0).any()  # bounces happen


def test_bounce_flips_before_leaving_the_margin():
    positions = bounce(np.array([[37.0, 0.0]]), np.array([[2.0, -1.5]]), 3, np.array([36.0, 36.0]))
    # x: 37 + 2 = 39 > 38 -> reverse -> 35; y: -1.5 stays >= -2, then -3 < -2 -> reverse
    np.testing.assert_allclose(positions[:, 0], [[37, 0], [35, -1.5], [33, 0]])


def test_digits_are_drawn_upright_at_their_truncated_position():
    digit = np.zeros((1, 28, 28), np.uint8)
    digit[0, 2, 5] = 200  # asymmetric: row 2, column 5
    frames = render(digit, np.array([[[10.9, 3.2]], [[-1.7, 0.0]]]), 64)
    assert frames[0, 3 + 2, 10 + 5] == 200 and frames.sum() == 2 * 200
    assert frames[1, 2, -1 + 5] == 200  # -1.7 truncates toward zero: -1


def test_overlapping_digits_add_and_clip_and_edges_cut():
    digits = np.full((2, 28, 28), 200, np.uint8)
    frame = render(digits, np.array([[[0.0, 0.0], [10.0, 0.0]]]), 64)[0]
    assert frame[0, 5] == 200 and frame[0, 15] == 255 and frame[0, 37] == 200
    cut = render(digits[:1], np.array([[[-20.0, 50.0]]]), 64)[0]
    assert (cut > 0).sum() == 8 * 14


def test_sequence_is_the_layout_rendered():
    data = small(num_digits=1)
    layout = data.layout(2)
    frame = data.sequence(2)[0]
    x, y = layout.positions[0, 0].astype(int)
    slot = np.flatnonzero(data.pool.indices == layout.digits[0])[0]
    np.testing.assert_array_equal(frame[y : y + 28, x : x + 28], data.pool.images[slot])
    assert frame.sum() == data.pool.images[slot].sum()


def test_materialize_stacks_every_sequence():
    data = small(size=40)
    array = data.materialize()
    assert array.shape == (6, 5, 40, 40) and array.dtype == np.uint8
    np.testing.assert_array_equal(array[3], data.sequence(3))


def test_real_mnist_files_feed_the_test_split_from_the_test_file(tmp_path):
    train, _ = write_mnist_pair(tmp_path, "train", 16, seed=1)
    test, _ = write_mnist_pair(tmp_path, "t10k", 8, seed=2)
    data = small("test", mnist_train=str(train), mnist_test=str(test))
    assert data.pool.source == str(test)
    assert all(d < 8 for i in range(6) for d in data.layout(i).digits)
    np.testing.assert_array_equal(data.pool.images, fake_digits(8, 2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_sequences": 0}, "num_sequences must be >= 1, got 0"),
        ({"seq_len": 0}, "seq_len must be >= 1"),
        ({"num_digits": 0}, "num_digits must be >= 1"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"size": 20}, "size=20 is smaller than the"),
    ],
)
def test_bad_settings_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small(**kwargs)


def test_index_out_of_range():
    with pytest.raises(IndexError, match="index 6 out of range for 6 sequences"):
        small()[6]


def test_render_matches_a_pixel_by_pixel_reference_anywhere():
    rng = np.random.default_rng(0)
    digits = fake_digits(3, seed=5)
    positions = rng.uniform(-40, 70, (6, 3, 2))
    expected = np.zeros((6, 40, 40), np.int64)
    for t, d, row, col in np.ndindex(6, 3, 28, 28):
        x, y = int(positions[t, d, 0]) + col, int(positions[t, d, 1]) + row
        if 0 <= x < 40 and 0 <= y < 40:
            expected[t, y, x] += digits[d, row, col]
    np.testing.assert_array_equal(render(digits, positions, 40), np.minimum(expected, 255))

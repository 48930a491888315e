import numpy as np
import pytest

from msrnn.data import digit_pool, embedded_digits, read_mnist_images
from tests.data.fixtures import write_mnist_pair


def test_embedded_digits_are_5000_real_mnist_digits():
    images, labels = embedded_digits()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    # MNIST digits are centred by centre of mass in the 28x28 field, on a zero background
    rows, cols = np.indices((28, 28))
    mass = images.astype(np.float64).sum(axis=(1, 2))
    centre_row = (images * rows).sum(axis=(1, 2)) / mass
    centre_col = (images * cols).sum(axis=(1, 2)) / mass
    assert abs(np.median(centre_row) - 14) < 1 and abs(np.median(centre_col) - 14) < 1
    assert images[:, 0, :].max() == 0 and images.max() == 255


def test_embedded_digits_are_upright():
    images, labels = embedded_digits()
    seven = images[labels == 7].mean(axis=0)
    # the bar of a 7 is at the top; transposed digits would carry it on the left
    assert seven[4:9, 8:20].mean() > 1.5 * seven[8:20, 4:9].mean()


def test_embedded_pools_are_disjoint_stratified_and_cover_all_digits():
    _, labels = embedded_digits()
    pools = {split: digit_pool(split) for split in ("train", "val", "test")}
    sizes = {split: len(pool.indices) for split, pool in pools.items()}
    assert sizes == {"train": 3500, "val": 500, "test": 1000}
    union = np.concatenate([pool.indices for pool in pools.values()])
    assert len(np.unique(union)) == 5000
    assert np.bincount(labels[pools["val"].indices]).tolist() == [50] * 10
    images, _ = embedded_digits()
    np.testing.assert_array_equal(pools["test"].images, images[pools["test"].indices])


def test_embedded_pools_are_fixed():
    np.testing.assert_array_equal(digit_pool("train").indices, digit_pool("train").indices)
    # not simply the first rows: the file is sorted by label
    assert digit_pool("test").indices.max() > 4500 and digit_pool("test").indices.min() < 500


def test_real_mnist_files_give_train_val_from_train_and_test_from_test(tmp_path):
    train, _ = write_mnist_pair(tmp_path, "train", 16, seed=1)
    test, _ = write_mnist_pair(tmp_path, "t10k", 8, seed=2)
    pools = {s: digit_pool(s, mnist_train=train, mnist_test=test) for s in ("train", "val", "test")}
    assert len(pools["train"].indices) == 14 and len(pools["val"].indices) == 2
    assert not set(pools["train"].indices) & set(pools["val"].indices)
    assert pools["train"].source == pools["val"].source == str(train)
    assert pools["test"].source == str(test)
    np.testing.assert_array_equal(pools["test"].images, read_mnist_images(test))


def test_errors(tmp_path):
    train, labels = write_mnist_pair(tmp_path, "train", 4)
    with pytest.raises(ValueError, match="give both mnist_train and mnist_test"):
        digit_pool("train", mnist_train=train)
    with pytest.raises(ValueError, match="pass the \\*-images-idx3-ubyte file, not the labels"):
        digit_pool("test", mnist_train=train, mnist_test=labels)
    with pytest.raises(ValueError, match="split must be one of 'train', 'val', 'test', got 'dev'"):
        digit_pool("dev")
    with pytest.raises(FileNotFoundError, match="missing-images"):
        digit_pool("test", mnist_train=train, mnist_test=tmp_path / "missing-images")

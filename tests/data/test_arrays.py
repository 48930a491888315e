import pickle

import numpy as np
import pytest
from torch.utils.data import DataLoader

from msrnn.data import ArrayDataset, MovingMNISTFile
from tests.data.fixtures import write_h5, write_mnist_test_seq


def frames(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, shape).astype(dtype)


def test_npy_uint8_without_channels_is_scaled_and_memory_mapped(tmp_path):
    data = frames((3, 6, 8, 10))
    np.save(tmp_path / "clips.npy", data)
    dataset = ArrayDataset(tmp_path / "clips.npy")
    clip = dataset[1].numpy()
    assert clip.shape == (6, 1, 8, 10) and clip.dtype == np.float32
    np.testing.assert_allclose(clip[:, 0], data[1] / 255.0, rtol=1e-6)
    assert isinstance(dataset.source._open(), np.memmap)
    assert (dataset.info.name, dataset.info.channels, dataset.info.frame_size) == (
        "clips",
        1,
        (8, 10),
    )
    assert len(dataset) == 3 and dataset.info.seq_len == 6


def test_float_data_with_declared_range(tmp_path):
    data = frames((2, 4, 3, 5, 5), np.float32) / 255 * 80 - 10  # dBZ in [-10, 70]
    np.save(tmp_path / "radar.npy", data)
    dataset = ArrayDataset(tmp_path / "radar.npy", value_range=(-10, 70), units="dBZ", name="r")
    np.testing.assert_allclose(dataset[0].numpy(), (data[0] + 10) / 80, rtol=1e-5, atol=1e-6)
    assert dataset.info.value_range == (-10.0, 70.0) and dataset.info.units == "dBZ"
    assert dataset.info.channels == 3 and dataset.info.name == "r"


def test_npz_key_selection(tmp_path):
    np.savez(tmp_path / "one.npz", clips=frames((2, 3, 4, 4)))
    assert ArrayDataset(tmp_path / "one.npz")[0].shape == (3, 1, 4, 4)
    np.savez(tmp_path / "two.npz", a=frames((2, 3, 4, 4)), b=frames((5, 3, 4, 4)))
    assert len(ArrayDataset(tmp_path / "two.npz", key="b")) == 5
    with pytest.raises(ValueError, match=r"two.npz holds 2 arrays; pass key= one of \['a', 'b'\]"):
        ArrayDataset(tmp_path / "two.npz")
    with pytest.raises(ValueError, match=r"has no array 'c'; pass key= one of \['a', 'b'\]"):
        ArrayDataset(tmp_path / "two.npz", key="c")


def test_h5_dataset_selection_and_content(tmp_path):
    data = frames((4, 5, 2, 6, 6))
    path = write_h5(tmp_path / "d.h5", {"radar/frames": data, "meta/time": np.arange(5)})
    dataset = ArrayDataset(path, key="radar/frames", split="test", seq_len=2, stride=3)
    assert [tuple(w) for w in dataset.windows] == [(3, 0), (3, 3)]
    np.testing.assert_allclose(dataset[1].numpy(), data[3, 3:5] / 255.0, rtol=1e-6)
    with pytest.raises(ValueError, match=r"holds 2 datasets; pass key= one of \['meta/time', "):
        ArrayDataset(path)


def test_windows_and_splits_by_sequence(tmp_path):
    data = frames((10, 7, 4, 4))
    np.save(tmp_path / "x.npy", data)
    kw = {"seq_len": 3, "stride": 2}
    starts = {s: ArrayDataset(tmp_path / "x.npy", split=s, **kw).windows for s in ("train", "val")}
    assert sorted(set(starts["train"][:, 0])) == list(range(7))
    assert starts["val"].tolist() == [[7, 0], [7, 2], [7, 4]]
    ranged = ArrayDataset(tmp_path / "x.npy", split="val", index_ranges={"val": (0, 2)}, **kw)
    np.testing.assert_allclose(ranged[4].numpy()[:, 0], data[1, 2:5] / 255.0, rtol=1e-6)


def test_one_long_recording_split_in_time(tmp_path):
    np.save(tmp_path / "long.npy", frames((1, 50, 4, 4)))
    kw = {"split_by": "time", "seq_len": 5, "stride": 5}
    lengths = [
        len(ArrayDataset(tmp_path / "long.npy", split=s, **kw)) for s in ("train", "val", "test")
    ]
    assert lengths == [7, 1, 2]


@pytest.mark.parametrize("suffix", [".npy", ".h5"])
def test_pickles_without_the_data_and_works_in_workers(tmp_path, suffix):
    data = frames((8, 4, 16, 16))
    if suffix == ".npy":
        np.save(tmp_path / "big.npy", data)
    else:
        write_h5(tmp_path / "big.h5", {"x": data})
    dataset = ArrayDataset(tmp_path / f"big{suffix}")
    dataset[0]
    assert len(pickle.dumps(dataset)) < 4 * 16 * 16
    loader = DataLoader(dataset, batch_size=4, num_workers=2)
    assert [tuple(batch.shape) for batch in loader] == [(4, 4, 1, 16, 16)] * 2


def test_mnist_test_seq_layout(tmp_path):
    data = write_mnist_test_seq(tmp_path / "mnist_test_seq.npy", 10)
    full = MovingMNISTFile(tmp_path / "mnist_test_seq.npy")
    assert len(full) == 10 and full.info.seq_len == 20 and full.info.name == "moving-mnist"
    np.testing.assert_allclose(full[3].numpy()[:, 0], data[:, 3] / 255.0, rtol=1e-6)
    test = MovingMNISTFile(tmp_path / "mnist_test_seq.npy", split="test")
    np.testing.assert_allclose(test[0].numpy()[:, 0], data[:, 8] / 255.0, rtol=1e-6)
    np.save(tmp_path / "nthw.npy", np.ascontiguousarray(data.swapaxes(0, 1)))
    sample_major = MovingMNISTFile(tmp_path / "nthw.npy", layout="NTHW")
    np.testing.assert_array_equal(sample_major[3].numpy(), full[3].numpy())


@pytest.fixture
def bad_files(tmp_path):
    np.save(tmp_path / "f.npy", frames((2, 4, 3, 6, 6), np.float32))
    np.save(tmp_path / "rank3.npy", frames((4, 6, 6)))
    with_nan = frames((2, 4, 6, 6), np.float32)
    with_nan[1, 2, 0, 0] = np.nan
    np.save(tmp_path / "nan.npy", with_nan)
    (tmp_path / "x.csv").write_text("1,2")
    return tmp_path


LAYOUTS = r"expected an array shaped \(N, T, C, H, W\) or \(N, T, H, W\), got shape \(4, 6, 6\)"
ERRORS = [
    ("none.npy", {}, FileNotFoundError, "data file not found: .*none.npy"),
    ("x.csv", {}, ValueError, "unsupported file type '.csv'"),
    ("rank3.npy", {}, ValueError, LAYOUTS),
    ("f.npy", {}, ValueError, "holds float32 values; pass value_range"),
    ("f.npy", {"value_range": (0, 1), "channels": 1}, ValueError, r"3 channel\(s\) but channels=1"),
    ("f.npy", {"value_range": (1, 1)}, ValueError, "hi > lo"),
    ("f.npy", {"value_range": (0, 1), "seq_len": 9}, ValueError, "seq_len=9 is longer than the 4"),
    ("f.npy", {"value_range": (0, 1), "split": "test"}, ValueError, "split 'test' is empty"),
]


@pytest.mark.parametrize(("name", "kwargs", "error", "message"), ERRORS)
def test_construction_errors_are_one_line(bad_files, name, kwargs, error, message):
    with pytest.raises(error, match=message) as info:
        ArrayDataset(bad_files / name, **kwargs)
    assert "\n" not in str(info.value)


def test_values_are_checked_per_clip_when_a_range_is_declared(bad_files):
    outside = ArrayDataset(bad_files / "f.npy", value_range=(0, 100))
    with pytest.raises(
        ValueError, match=r"f, sequence 1: values in \[.*\] fall outside value_range"
    ):
        outside[1]
    with_nan = ArrayDataset(bad_files / "nan.npy", value_range=(0, 255))
    assert with_nan[0].shape == (4, 1, 6, 6)
    with pytest.raises(ValueError, match="nan, sequence 1: NaN or infinite values"):
        with_nan[1]
    with pytest.raises(IndexError, match="index 2 out of range for 2 clips"):
        with_nan[2]


def test_moving_mnist_file_errors(bad_files):
    with pytest.raises(ValueError, match=r"shaped \(T, N, C, H, W\) or \(T, N, H, W\)"):
        MovingMNISTFile(bad_files / "rank3.npy")
    with pytest.raises(ValueError, match="layout must be 'TNHW' or 'NTHW'"):
        MovingMNISTFile(bad_files / "rank3.npy", layout="THW")

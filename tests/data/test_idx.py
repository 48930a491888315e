import gzip
import struct

import numpy as np
import pytest

from msrnn.data import read_idx, write_idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", [".idx", ".gz"])
def test_round_trip_keeps_values_dtype_and_shape(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    back = read_idx(write_idx(tmp_path / f"a{suffix}", array))
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)


def test_header_is_the_mnist_layout(tmp_path):
    path = write_idx(tmp_path / "images-idx3-ubyte", np.zeros((4, 28, 28), np.uint8))
    raw = path.read_bytes()
    assert struct.unpack(">IIII", raw[:16]) == (2051, 4, 28, 28)
    assert len(raw) == 16 + 4 * 28 * 28
    labels = write_idx(tmp_path / "labels-idx1-ubyte", np.arange(3, dtype=np.uint8))
    assert struct.unpack(">II", labels.read_bytes()[:8]) == (2049, 3)


def test_reads_a_file_written_by_hand_in_big_endian(tmp_path):
    values = np.array([[1, -2], [300, 4]], dtype=">i2")
    path = tmp_path / "hand.gz"
    path.write_bytes(gzip.compress(struct.pack(">HBBII", 0, 0x0B, 2, 2, 2) + values.tobytes()))
    np.testing.assert_array_equal(read_idx(path), [[1, -2], [300, 4]])


def test_gzip_output_is_reproducible(tmp_path):
    array = np.arange(100, dtype=np.uint8)
    first = write_idx(tmp_path / "a.gz", array).read_bytes()
    assert write_idx(tmp_path / "b.gz", array).read_bytes() == first


def _idx_bytes(array: np.ndarray) -> bytes:
    return struct.pack(">HBBI", 0, 0x08, 1, array.size) + array.tobytes()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x00\x00", "truncated IDX header"),
        (b"\x12\x34\x08\x01" + bytes(8), "bad IDX magic number 0x12340801"),
        (b"\x00\x00\x07\x01" + bytes(8), "unknown IDX dtype code 0x07"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", r"3 dimensions need 16"),
        (_idx_bytes(np.arange(10, dtype=np.uint8))[:-1], r"dims \(10,\).*holds 9 bytes"),
        (_idx_bytes(np.arange(10, dtype=np.uint8)) + b"\x00", "holds 11 bytes"),
    ],
)
def test_corrupt_files_are_rejected_with_one_line(tmp_path, raw, message):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert "\n" not in str(info.value)
    path.write_bytes(gzip.compress(raw))
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_truncated_gzip_is_rejected(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(_idx_bytes(np.arange(50, dtype=np.uint8)))[:-12])
    with pytest.raises(ValueError, match="not a valid gzip file"):
        read_idx(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere-idx3-ubyte"):
        read_idx(tmp_path / "nowhere-idx3-ubyte")


@pytest.mark.parametrize(
    ("array", "message"),
    [(np.zeros(3, np.int64), "dtype int64 cannot be written"), (np.uint8(3), "scalar")],
)
def test_writer_rejects_what_idx_cannot_hold(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "x.idx", array)

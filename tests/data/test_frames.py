import numpy as np
import pytest

from msrnn.data import PngFolderDataset
from msrnn.data.frames import find_sequences
from tests.data.fixtures import write_png_frames


def ramp(num_frames, shape=(6, 8), dtype=np.uint8, scale=10):
    """Frames whose value is ``scale * (t + 1)``: the order can be read back."""
    values = (np.arange(num_frames) + 1) * scale
    return np.broadcast_to(values[:, None, None], (num_frames, *shape)).astype(dtype)


def test_one_folder_per_sequence_in_natural_order(tmp_path):
    write_png_frames(tmp_path / "seq10", ramp(12))
    write_png_frames(tmp_path / "seq2", ramp(12, scale=20))
    dataset = PngFolderDataset(tmp_path)
    assert [p.name for p in dataset.source.files[0][:3]] == ["1.png", "2.png", "3.png"]
    assert dataset.source.files[0][0].parent.name == "seq2"
    clip = dataset[0].numpy()
    assert clip.shape == (12, 1, 6, 8) and clip.dtype == np.float32
    np.testing.assert_allclose(clip[:, 0, 0, 0], np.arange(1, 13) * 20 / 255, rtol=1e-6)
    assert dataset.info.frame_size == (6, 8) and dataset.info.channels == 1


def test_rgb_long_folder_split_in_time(tmp_path):
    rgb = np.stack([ramp(20), ramp(20, scale=5), ramp(20, scale=1)], axis=-1)
    names = [f"frame_{t:04d}.png" for t in range(20)]
    write_png_frames(tmp_path / "long", rgb, names)
    kw = {"split_by": "time", "seq_len": 4, "stride": 2, "channels": 3}
    test = PngFolderDataset(tmp_path / "long", split="test", **kw)
    assert test.windows.tolist() == [[0, 16]]
    clip = test[0].numpy()
    assert clip.shape == (4, 3, 6, 8)
    np.testing.assert_allclose(clip[:, :, 0, 0], rgb[16:20, 0, 0] / 255, rtol=1e-6)
    assert len(PngFolderDataset(tmp_path / "long", split="train", **kw)) == 6


def test_sixteen_bit_frames_scale_by_65535(tmp_path):
    write_png_frames(tmp_path, ramp(3, dtype=np.uint16, scale=20000))
    dataset = PngFolderDataset(tmp_path)
    assert dataset.info.value_range == (0.0, 65535.0)
    np.testing.assert_allclose(
        dataset[0].numpy()[:, 0, 0, 0], [20000 / 65535, 40000 / 65535, 60000 / 65535], rtol=1e-6
    )


def test_sequences_of_different_lengths_need_seq_len(tmp_path):
    write_png_frames(tmp_path / "a", ramp(5))
    write_png_frames(tmp_path / "b", ramp(8))
    with pytest.raises(ValueError, match=r"different lengths \(5 to 8 frames\); pass seq_len"):
        PngFolderDataset(tmp_path)
    assert PngFolderDataset(tmp_path, seq_len=4, stride=2).windows.tolist() == [
        [0, 0],
        [1, 0],
        [1, 2],
        [1, 4],
    ]


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"frame folder not found: .*missing"):
        PngFolderDataset(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"no \.png frames in .*empty"):
        find_sequences(tmp_path / "empty")
    write_png_frames(tmp_path / "mixed", ramp(2))
    (tmp_path / "mixed" / "sub").mkdir()
    with pytest.raises(ValueError, match="holds both PNG files and sub-folders"):
        PngFolderDataset(tmp_path / "mixed")
    write_png_frames(tmp_path / "sizes", ramp(2))
    write_png_frames(tmp_path / "sizes", ramp(1, shape=(6, 9)), ["3.png"])
    with pytest.raises(ValueError, match=r"3.png is 9x6 L but .*1.png is 8x6 L; all frames must"):
        PngFolderDataset(tmp_path / "sizes")
    write_png_frames(tmp_path / "modes", ramp(2))
    write_png_frames(tmp_path / "modes", np.zeros((1, 6, 8, 3), np.uint8), ["3.png"])
    with pytest.raises(ValueError, match=r"3\.png is 8x6 RGB but"):
        PngFolderDataset(tmp_path / "modes")
    write_png_frames(tmp_path / "gray", ramp(2))
    with pytest.raises(ValueError, match="has 1-channel frames but channels=3 was requested"):
        PngFolderDataset(tmp_path / "gray", channels=3)

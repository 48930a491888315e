import importlib.machinery
import sys
import types

import numpy as np
import pytest

from msrnn.data.kth import KTH, LOCOMOTION, PAPER_TEST_STRIDES, extract_kth_frames
from msrnn.data.kth import read_sequence_list as read_list
from tests.data.fixtures import write_png_frames
from tests.data.fixtures_kth import (
    frame_value,
    write_kth_clip,
    write_kth_list,
    write_sequences_txt,
)


@pytest.fixture
def kth(tmp_path):
    """Train persons 1-2, validation person 15, test persons 17-19, in both PNG layouts."""
    root = tmp_path / "kth"
    write_kth_clip(root, "person01_running_d1", 40)
    write_kth_clip(root, "person02_boxing_d2", 30, layout="predrnn", size=(12, 16), offset=100)
    write_kth_clip(root, "person15_walking_d1", 25)
    write_kth_clip(root, "person17_running_d1", 40)
    write_kth_clip(root, "person18_boxing_d1", 55, layout="predrnn", size=(12, 16))
    write_kth_clip(root, "person19_handwaving_d4", 25)
    return root


def expected(numbers, offset=0):
    return np.array([frame_value(n, offset) for n in numbers], dtype=np.float32) / 255


def test_train_windows_stride_one_both_layouts_resized(kth):
    train = KTH(kth, split="train", seq_len=20, stride=1, size=8)
    assert len(train) == 21 + 11  # 40 and 30 frames
    assert train.window(0) == ("person01_running_d1", 1, 20)
    assert train.window(21) == ("person02_boxing_d2", 1, 20)
    assert train.info.frame_size == (8, 8) and train.info.seq_len == 20
    clip = train[1].numpy()
    assert clip.shape == (20, 1, 8, 8) and clip.dtype == np.float32
    np.testing.assert_allclose(clip[:, 0, 3, 5], expected(range(2, 22)), rtol=1e-6)
    np.testing.assert_allclose(train[-1].numpy()[:, 0, 7, 0], expected(range(11, 31), 100))


def test_paper_test_protocol_strides_and_actions(kth):
    test = KTH(kth, split="test", seq_len=30, stride=PAPER_TEST_STRIDES, size=8)
    # running (40 frames, stride 3): starts 1, 4, 7, 10; boxing (55, stride 20): 1, 21;
    # handwaving has only 25 frames: no window of 30
    assert [test.window(i)[:2] for i in range(len(test))] == [
        ("person17_running_d1", 1),
        ("person17_running_d1", 4),
        ("person17_running_d1", 7),
        ("person17_running_d1", 10),
        ("person18_boxing_d1", 1),
        ("person18_boxing_d1", 21),
    ]
    assert test[5].shape == (30, 1, 8, 8)
    locomotion = KTH(kth, split="test", seq_len=30, stride=PAPER_TEST_STRIDES, actions=LOCOMOTION)
    assert len(locomotion) == 4 and locomotion.info.frame_size == (88, 88)
    val = KTH(kth, split="val", seq_len=20, stride=PAPER_TEST_STRIDES, size=8)
    assert [val.window(i) for i in range(len(val))] == [("person15_walking_d1", 1, 20)]


def test_sequence_list_trims_clips(kth, tmp_path):
    entries = [
        ("person01_running_d1", 5, 30),
        ("person01_running_d1", 32, 40),
        ("person17_running_d1", 1, 40),
        ("person02_boxing_d2", 3, 12),
    ]
    path = write_kth_list(tmp_path / "train_data_list_trimmed.txt", entries)
    assert path.read_text().splitlines()[0].endswith(" ") and not path.read_text().endswith("\n")
    assert read_list(path) == entries
    train = KTH(kth, split="train", seq_len=8, size=8, sequence_lists=[path])
    # 5..30: starts 5..23 (19); 32..40: 32, 33; 3..12: 3, 4, 5; person 17 is a test person
    assert len(train) == 24
    assert train.window(19) == ("person01_running_d1", 32, 39)
    assert train.window(21) == ("person02_boxing_d2", 3, 10)
    np.testing.assert_allclose(train[0].numpy()[:, 0, 0, 0], expected(range(5, 13)), rtol=1e-6)


def test_release_sequences_file_and_shortened_ranges(kth, tmp_path):
    path = write_sequences_txt(
        tmp_path / "00sequences.txt",
        {"person01_running_d1": [(1, 10), (21, 40)], "person17_running_d1": [(1, 95)]},
    )
    assert read_list(path)[:2] == [("person01_running_d1", 1, 10), ("person01_running_d1", 21, 40)]
    assert len(KTH(kth, split="train", seq_len=8, size=8, sequence_lists=[path])) == 3 + 13
    with pytest.warns(UserWarning, match=r"1 listed range\(s\) .* person17_running_d1 1-95"):
        test = KTH(kth, split="test", seq_len=8, stride=10, size=8, sequence_lists=[path])
    assert [test.window(i)[1] for i in range(len(test))] == [1, 11, 21, 31]


def test_bilinear_resize_halves_by_averaging_pixel_pairs(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (3, 16, 16), dtype=np.uint8)
    write_png_frames(tmp_path / "running" / "person03_running_d2", frames)
    clip = KTH(tmp_path, seq_len=3, size=8)[0].numpy()[:, 0]
    # half-pixel-centre bilinear at exactly 1/2 = the mean of each 2x2 block (OpenCV INTER_LINEAR)
    blocks = frames.reshape(3, 8, 2, 8, 2).astype(np.float64).mean(axis=(2, 4)) / 255
    np.testing.assert_allclose(clip, blocks, atol=1e-6)
    native = KTH(tmp_path, seq_len=3, size=None)
    assert native.info.frame_size == (16, 16)
    np.testing.assert_allclose(native[0].numpy()[:, 0], frames / 255, atol=1e-7)


def test_layout_errors(kth, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"KTH folder not found: .*nowhere"):
        KTH(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=r"no KTH clip of persons \[15, 16\]"):
        KTH(kth, split="val", actions=["boxing"])
    with pytest.raises(ValueError, match="different frame sizes"):
        KTH(kth, split="train", seq_len=8, size=None)
    write_kth_clip(kth, "person01_running_d1", 10, layout="predrnn")
    with pytest.raises(ValueError, match="person01_running_d1 found twice"):
        KTH(kth, split="train")
    (kth / "boxing" / "person18_boxing_d1_uncomp" / "image_0005.png").unlink()
    with pytest.raises(ValueError, match="person18_boxing_d1_uncomp: frame 5 is missing"):
        KTH(kth, split="test", seq_len=8)
    (kth / "walking" / "person15_walking_d1" / "3.png").write_bytes(b"not a png")
    val = KTH(kth, split="val", seq_len=8)
    with pytest.raises(ValueError, match=r"3.png: cannot decode the frame"):
        val[0]


def test_argument_and_list_errors(kth, tmp_path):
    with pytest.raises(ValueError, match="actions must be a non-empty subset"):
        KTH(kth, actions=["diving"])
    with pytest.raises(ValueError, match="no id in two splits"):
        KTH(kth, persons={"train": [1, 2], "val": [2], "test": [17]})
    with pytest.raises(ValueError, match=r"stride has no entry for action\(s\) \['walking'\]"):
        KTH(kth, split="val", actions=LOCOMOTION, stride={"running": 3, "jogging": 3})
    with pytest.raises(ValueError, match="split 'val' has no window of 30 frames"):
        KTH(kth, split="val", seq_len=30)
    with pytest.raises(FileNotFoundError, match="KTH sequence list not found"):
        KTH(kth, sequence_lists=[tmp_path / "missing.txt"])
    bad = tmp_path / "bad.txt"
    bad.write_text("person01_running_d1 1 20\nperson01_running_d1 5\n")
    with pytest.raises(ValueError, match=r"bad.txt:2: cannot read 'person01_running_d1 5'"):
        read_list(bad)
    bad.write_text("person01_running_d1 9 3\n")
    with pytest.raises(ValueError, match="1 <= first <= last"):
        read_list(bad)
    ghost = write_kth_list(tmp_path / "ghost.txt", [("person03_jogging_d1", 1, 30)])
    with pytest.raises(FileNotFoundError, match=r"person03_jogging_d1 is listed .* no video"):
        KTH(kth, sequence_lists=[ghost])


def write_video(path, frames):
    """A stand-in ``.avi``: the frames saved with numpy, decoded by :func:`fake_cv2`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.save(handle, frames)


def fake_cv2(extra_header_frames=0):
    """A minimal ``cv2`` whose ``VideoCapture`` decodes :func:`write_video` files as BGR."""

    class VideoCapture:
        def __init__(self, path):
            with open(path, "rb") as handle:
                self.frames = list(np.load(handle))

        def isOpened(self):
            return True

        def get(self, prop):
            return len(self.frames) + extra_header_frames if prop == 7 else 0

        def read(self):
            if not self.frames:
                return False, None
            return True, np.repeat(self.frames.pop(0)[..., None], 3, axis=-1)

        def release(self):
            self.frames = []

    module = types.ModuleType("cv2")
    module.__spec__ = importlib.machinery.ModuleSpec("cv2", None)
    module.CAP_PROP_FRAME_COUNT = 7
    module.VideoCapture = VideoCapture
    return module


def test_avi_needs_opencv(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)
    write_video(tmp_path / "running" / "person01_running_d1_uncomp.avi", np.zeros((4, 6, 8)))
    with pytest.raises(ImportError, match="pip install opencv-python-headless"):
        KTH(tmp_path, seq_len=2)


def test_avi_windows_and_conversion_to_png(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", fake_cv2())
    frames = np.arange(12, dtype=np.uint8)[:, None, None] * 20 + np.zeros((1, 6, 8), np.uint8)
    write_video(tmp_path / "avi" / "person01_running_d1_uncomp.avi", frames)  # flat, as the zip
    videos = KTH(tmp_path / "avi", seq_len=5, stride=3, size=None)
    assert len(videos) == 3 and videos.info.frame_size == (6, 8)
    np.testing.assert_allclose(videos[2].numpy()[:, 0, 0, 0], np.arange(6, 11) * 20 / 255)
    assert extract_kth_frames(tmp_path / "avi", tmp_path / "png") == 1
    assert (tmp_path / "png" / "running" / "person01_running_d1" / "12.png").is_file()
    pngs = KTH(tmp_path / "png", seq_len=5, stride=3, size=None)
    np.testing.assert_array_equal(pngs[2].numpy(), videos[2].numpy())
    with pytest.raises(FileExistsError, match="person01_running_d1 exists"):
        extract_kth_frames(tmp_path / "avi", tmp_path / "png")


def test_avi_shorter_than_its_header(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", fake_cv2(extra_header_frames=3))
    write_video(tmp_path / "person01_running_d1_uncomp.avi", np.zeros((6, 4, 4), np.uint8))
    videos = KTH(tmp_path, seq_len=3, stride=3, size=None)
    assert len(videos) == 3  # the header claims 9 frames
    with pytest.raises(ValueError, match="ended before frame 9 although its header counts more"):
        videos[2]


def test_frame_of_another_size_inside_a_clip_raises(tmp_path):
    folder = write_kth_clip(tmp_path, "person04_jogging_d3", 6)
    write_png_frames(folder, np.zeros((1, 8, 8), np.uint8), ["4.png"])
    clips = KTH(tmp_path, seq_len=6, size=8)
    with pytest.raises(ValueError, match=r"4.png is 8x8 but the frames before it are 16x16"):
        clips[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seq_len": 0}, "seq_len must be at least 1"),
        ({"stride": 0}, "strides must be at least 1"),
        ({"size": (0, 8)}, r"size must be positive \(H, W\)"),
        ({"split": "all"}, "split must be one of 'train', 'val', 'test', got 'all'"),
        ({"persons": {"val": [15]}}, "persons has no entry for split 'train'"),
    ],
)
def test_invalid_arguments(kth, kwargs, message):
    with pytest.raises(ValueError, match=message):
        KTH(kth, **kwargs)

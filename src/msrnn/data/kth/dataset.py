r"""KTH human actions (Schuldt et al., ICPR 2004) with the video-prediction protocol of the paper.

Files: the raw videos or their frames, in any of the layouts of :mod:`msrnn.data.kth.files`.
Videos need OpenCV (optional); frame folders need only Pillow.

Protocol (MS-RNN paper §IV-D, following PredRNN):

* persons 1–16 train and 17–25 test; the paper validates on the test persons, we hold out
  **persons 15 and 16** of the training persons as the validation split
  (:data:`PERSON_SPLITS`: train 1–14, val 15–16, test 17–25);
* six actions, or only running, jogging and walking (:data:`LOCOMOTION`, the official code's
  default ``kth_only_run``);
* clips are cut to the sub-sequences of a sequence list when one is given (the MCnet/MS-RNN
  ``*_data_list*.txt`` files, ``personPP_<action>_dS <first> <last>``, or the release's
  ``00sequences.txt``); without a list every clip is used whole;
* a window is ``seq_len`` consecutive frames ``[s, s + seq_len)`` with
  :math:`s = f, f + k, f + 2k, \dots` inside a sub-sequence :math:`[f, l]` (ranges shorter than
  ``seq_len`` give no window); the paper trains on ``seq_len = 20`` at stride :math:`k = 1` and
  tests on ``seq_len = 30`` at stride 3 (running, jogging) or 20 (other actions),
  :data:`PAPER_TEST_STRIDES`;
* frames become grayscale and are resized to 88x88 with bilinear interpolation (half-pixel
  centres, no antialiasing: OpenCV's ``INTER_LINEAR``, which the official code uses). The official
  code resizes twice (160x120 -> 160x160 PNG -> 88x88, rounding to uint8 each time); we resize the
  stored frames once, in float.

Clips are float32 ``(seq_len, 1, H, W)`` in [0, 1] (pixel / 255).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.kth.files import ACTIONS, KTHClip, find_clips, parse_clip_name
from msrnn.data.kth.sequence_lists import read_sequence_list
from msrnn.data.kth.video import read_avi
from msrnn.data.splits import Split, check_split
from msrnn.errors import ArgumentError

LOCOMOTION = ("jogging", "running", "walking")
PERSON_SPLITS: dict[str, tuple[int, ...]] = {
    "train": tuple(range(1, 15)),
    "val": (15, 16),
    "test": tuple(range(17, 26)),
}
PAPER_SIZE = 88
PAPER_INPUT_FRAMES = 10
PAPER_OUTPUT_FRAMES = 10
#: Frames forecast at test time (training and validation forecast :data:`PAPER_OUTPUT_FRAMES`).
PAPER_TEST_OUTPUT_FRAMES = 20
PAPER_TRAIN_STRIDE = 1
PAPER_TEST_STRIDES: dict[str, int] = {action: 20 for action in ACTIONS} | {
    "jogging": 3,
    "running": 3,
}


class KTH(Dataset):
    """Windows of KTH clips, float32 ``(seq_len, 1, H, W)`` in [0, 1]; see the module docstring.

    Args:
        root: folder of the videos or frame folders.
        split: ``"train"``, ``"val"`` or ``"test"``: selects the persons of ``persons[split]``.
        seq_len: frames per window.
        stride: frames between window starts: one number, or one per action (every selected
            action needs an entry), e.g. :data:`PAPER_TEST_STRIDES`.
        actions: the actions used (:data:`ACTIONS` or :data:`LOCOMOTION`, or any subset).
        persons: person ids per split (default :data:`PERSON_SPLITS`); splits must be disjoint.
        sequence_lists: sequence-list files whose sub-sequences are used instead of whole clips;
            entries of other persons or actions are ignored, ranges past a clip's last frame are
            shortened (with a warning).
        size: output frame size ``(H, W)`` (an int for a square); ``None`` keeps the stored size
            (all clips must then share it).

    Shape:
        ``dataset[i]``: ``(seq_len, 1, H, W)`` float32.

    Raises:
        FileNotFoundError: no ``root`` folder or no matching clip, a missing list file, or a
            listed clip that is not on disk.
        ValueError: unknown split or action, bad persons, strides or size, a frame folder with a
            gap, unreadable list lines, or a split without any window.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: Split = "train",
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        stride: int | Mapping[str, int] = PAPER_TRAIN_STRIDE,
        actions: Sequence[str] = ACTIONS,
        persons: Mapping[str, Sequence[int]] | None = None,
        sequence_lists: Sequence[str | Path] | None = None,
        size: int | tuple[int, int] | None = PAPER_SIZE,
    ) -> None:
        if seq_len < 1:
            raise ValueError(f"seq_len must be at least 1, got {seq_len}")
        self.actions = _check_actions(actions)
        chosen = _split_persons(persons, split)
        strides = _strides(stride, self.actions)
        self.clips = find_clips(root, persons=chosen, actions=self.actions)
        ranges = _ranges(self.clips, sequence_lists, chosen, self.actions, Path(root))
        self.windows = _windows(ranges, self.clips, strides, seq_len)
        if len(self.windows) == 0:
            raise ValueError(
                f"KTH split {split!r} has no window of {seq_len} frames: every clip or listed "
                "range of its persons and actions is shorter; use a shorter seq_len"
            )
        self.split = split
        self.size = _output_size(size, self.clips)
        self.info = DatasetInfo(name="kth", channels=1, frame_size=self.size, seq_len=seq_len)

    def __len__(self) -> int:
        return len(self.windows)

    def window(self, index: int) -> tuple[str, int, int]:
        """``(clip name, first frame, last frame)`` of window ``index`` (1-based, inclusive)."""
        clip, start = (int(v) for v in self.windows[index])
        return self.clips[clip].name, start, start + self.info.seq_len - 1

    def __getitem__(self, index: int) -> Tensor:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} windows")
        clip, start = (int(v) for v in self.windows[index])
        raw = read_frames(self.clips[clip], start - 1, start - 1 + self.info.seq_len)
        frames = torch.from_numpy(raw).unsqueeze(1).float().div_(255.0)
        if tuple(frames.shape[-2:]) != self.size:
            frames = F.interpolate(frames, size=self.size, mode="bilinear", align_corners=False)
        return frames


def read_frames(clip: KTHClip, start: int, stop: int) -> np.ndarray:
    """Grayscale frames ``start … stop-1`` (0-based) of a clip, ``(stop - start, H, W)`` uint8.

    Raises:
        ValueError: a frame that cannot be decoded or whose size differs from the clip's first.
    """
    if clip.frames is None:
        return read_avi(clip.path, start, stop)
    frames = [_decode_image(path) for path in clip.frames[start:stop]]
    for path, frame in zip(clip.frames[start + 1 : stop], frames[1:], strict=True):
        if frame.shape != frames[0].shape:
            raise ValueError(
                f"{path} is {frame.shape[1]}x{frame.shape[0]} but the frames before it are "
                f"{frames[0].shape[1]}x{frames[0].shape[0]}; all frames of a clip must match"
            )
    return np.stack(frames)


def _decode_image(path: Path) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as image:
            # ITU-R 601 luma; KTH frames are grey, so this equals any one colour channel.
            return np.asarray(image.convert("L"))
    except OSError as error:
        raise ValueError(f"{path}: cannot decode the frame ({error})") from error


def _check_actions(actions: Sequence[str]) -> tuple[str, ...]:
    if isinstance(actions, str):
        actions = (actions,)
    unknown = [action for action in actions if action not in ACTIONS]
    if unknown or not actions:
        raise ValueError(f"actions must be a non-empty subset of {ACTIONS}, got {list(actions)}")
    return tuple(action for action in ACTIONS if action in actions)


def _split_persons(persons: Mapping[str, Sequence[int]] | None, split: str) -> frozenset[int]:
    persons = PERSON_SPLITS if persons is None else persons
    check_split(split)
    if split not in persons:
        raise ValueError(f"persons has no entry for split {split!r}: {dict(persons)}")
    sets = {key: frozenset(int(p) for p in ids) for key, ids in persons.items()}
    everyone = [p for ids in sets.values() for p in ids]
    if len(everyone) != len(set(everyone)) or not all(1 <= p <= 25 for p in everyone):
        raise ValueError(
            f"persons must give each split distinct ids in 1..25, no id in two splits; got "
            f"{ {key: sorted(ids) for key, ids in sets.items()} }"
        )
    return sets[split]


def _strides(stride: int | Mapping[str, int], actions: Sequence[str]) -> dict[str, int]:
    table = dict.fromkeys(actions, stride) if isinstance(stride, int) else dict(stride)
    missing = [action for action in actions if action not in table]
    if missing:
        raise ValueError(f"stride has no entry for action(s) {missing}; give one per action")
    if any(int(table[action]) < 1 for action in actions):
        raise ValueError(f"strides must be at least 1, got {table}")
    return {action: int(table[action]) for action in actions}


def _ranges(
    clips: list[KTHClip],
    lists: Sequence[str | Path] | None,
    persons: frozenset[int],
    actions: Sequence[str],
    root: Path,
) -> list[tuple[int, int, int]]:
    """``(clip index, first, last)`` sub-sequences, 1-based and inclusive."""
    if not lists:
        return [(index, 1, clip.num_frames) for index, clip in enumerate(clips)]
    if isinstance(lists, (str, Path)):
        lists = [lists]
    index = {clip.name: i for i, clip in enumerate(clips)}
    entries = sorted({entry for path in lists for entry in read_sequence_list(path)})
    ranges, shortened = [], []
    for name, first, last in entries:
        person, action, _ = parse_clip_name(name) or (0, "", 0)
        if person not in persons or action not in actions:
            continue
        if name not in index:
            raise FileNotFoundError(
                f"{name} is listed in {[str(p) for p in lists]} but has no video or frame folder "
                f"under {root}"
            )
        available = clips[index[name]].num_frames
        if last > available:
            shortened.append(f"{name} {first}-{last} ({available} frames)")
            last = available
        if first <= last:
            ranges.append((index[name], first, last))
    if shortened:
        warnings.warn(
            f"{len(shortened)} listed range(s) end after the clip's last frame and were "
            f"shortened, e.g. {shortened[0]}",
            stacklevel=3,
        )
    return ranges


def _windows(
    ranges: list[tuple[int, int, int]], clips: list[KTHClip], strides: dict[str, int], seq_len: int
) -> np.ndarray:
    """``(K, 2)`` table of ``(clip index, first frame)``."""
    rows = [
        (clip, start)
        for clip, first, last in ranges
        for start in range(first, last - seq_len + 2, strides[clips[clip].action])
    ]
    return np.asarray(rows, dtype=np.int64).reshape(-1, 2)


def _output_size(size: int | Sequence[int] | None, clips: list[KTHClip]) -> tuple[int, int]:
    if size is not None:
        height, width = (size, size) if isinstance(size, int) else tuple(size)
        if height < 1 or width < 1:
            raise ValueError(f"size must be positive (H, W), got {size}")
        return int(height), int(width)
    sizes = {clip.name: read_frames(clip, 0, 1).shape[1:] for clip in clips}
    if len(set(sizes.values())) > 1:
        raise ArgumentError(
            f"KTH clips have different frame sizes {sorted(set(sizes.values()))}; pass "
            "{argument}(H, W) to resize them",
            "size",
        )
    return tuple(int(v) for v in next(iter(sizes.values())))

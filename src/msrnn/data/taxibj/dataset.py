r"""TaxiBJ crowd flows (Zhang et al., AAAI 2017) with the protocol of the MS-RNN paper.

Files: ``BJ13 … BJ16_M32x32_T30_InOut.h5`` of the DeepST release (:mod:`msrnn.data.taxibj.files`).
Protocol (paper §IV-C, following MIM):

* incomplete days are dropped and negative flows set to 0, per file;
* a sample is ``seq_len = 8`` consecutive half-hour frames, 4 observed -> 4 forecast. As in
  DeepST/MS-RNN there is one sample per slot :math:`t` whose eight predecessors
  :math:`t-8, \dots, t-1` are all present (slot :math:`t` itself must be present too, it was
  DeepST's target), the sample being frames :math:`t-8, \dots, t-1`. Frames run forward in time;
  ``reverse_time=True`` gives the official code's newest-first order (a DeepST leftover);
* the inflow channel (the paper's "entering flow"), or outflow, or both;
* the last ``test_samples = 1344`` samples (four weeks, :math:`48 \cdot 7 \cdot 4`) are the test
  split. The paper validates on the test split; we hold out the ``val_samples = 672`` samples (two
  weeks) just before it. Samples that share a frame with the next split are dropped (the last
  ``seq_len - 1`` samples before validation and before test), so no frame is in two splits;
  the paper's training set (19,560 samples) thus loses :math:`672 + 2 \cdot 7` samples;
* min–max scaling :math:`x' = (x - lo) / (hi - lo)` with ``lo``/``hi`` the minimum and maximum
  over both flow channels of every frame of the *training* samples (DeepST fits on all frames but
  the last 1344, which includes our validation frames). The values stay float32: validation and
  test values above the training maximum exceed 1 (no uint8 quantisation or wrap-around as in the
  official code). ``info.value_range = (lo, hi)`` maps them back to flows.

Clips are float32 ``(seq_len, C, H, W)``, ``C = 1`` (one flow) or 2 (inflow, outflow).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from msrnn.data.info import DatasetInfo
from msrnn.data.splits import Split, check_split
from msrnn.data.taxibj.files import (
    SLOTS_PER_DAY,
    TAXIBJ_FILES,
    TaxiBJFlows,
    read_taxibj,
    slot_to_date,
)

Flows = Literal["inflow", "outflow", "both"]
FLOW_CHANNELS = {"inflow": (0,), "outflow": (1,), "both": (0, 1)}
FOUR_WEEKS = SLOTS_PER_DAY * 7 * 4
PAPER_INPUT_FRAMES = 4
PAPER_OUTPUT_FRAMES = 4
PAPER_FLOWS: Flows = "inflow"
PAPER_TEST_SAMPLES = FOUR_WEEKS
PAPER_VAL_SAMPLES = FOUR_WEEKS // 2


def window_ends(slots: np.ndarray, seq_len: int) -> np.ndarray:
    """Indices ``t`` of the samples ``frames[t - seq_len : t]`` (DeepST's rule, module docstring).

    Example:
        >>> window_ends(np.array([0, 1, 2, 3, 5, 6, 7, 8]), 2).tolist()
        [2, 3, 6, 7]
    """
    slots = np.asarray(slots)
    ends = np.arange(seq_len, len(slots))
    return ends[slots[ends] - slots[ends - seq_len] == seq_len]


def split_windows(
    ends: np.ndarray, seq_len: int, *, test_samples: int, val_samples: int
) -> dict[str, np.ndarray]:
    """Sample ends of ``train``/``val``/``test``: test last, validation before it, purged.

    Raises:
        ValueError: counts that leave no training sample.
    """
    total = len(ends)
    if test_samples < 1 or val_samples < 0 or test_samples + val_samples >= total:
        raise ValueError(
            f"test_samples={test_samples} and val_samples={val_samples} must leave training "
            f"samples out of {total} (test_samples >= 1, val_samples >= 0); use smaller counts"
        )
    test = ends[total - test_samples :]
    val = ends[total - test_samples - val_samples : total - test_samples]
    val = val[val <= test[0] - seq_len]
    following = val[0] if len(val) else test[0]
    train = ends[: total - test_samples - val_samples]
    return {"train": train[train <= following - seq_len], "val": val, "test": test}


class TaxiBJ(Dataset):
    """TaxiBJ samples, float32 ``(seq_len, C, H, W)`` min–max scaled; see the module docstring.

    Args:
        source: the folder of the ``.h5`` files, or flows already read by :func:`read_taxibj`
            (to share one read between the splits).
        split: ``"train"``, ``"val"`` or ``"test"``.
        seq_len: frames per sample (the paper: 4 observed + 4 forecast).
        flows: ``"inflow"`` (the paper), ``"outflow"`` or ``"both"``.
        reverse_time: newest frame first, as the official code (compatibility only).
        test_samples: the last samples forming the test split.
        val_samples: the samples before the test split forming the validation split.
        files: the file names read from ``source`` (a folder), in chronological order.

    Shape:
        ``dataset[i]``: ``(seq_len, C, H, W)`` float32.

    Raises:
        FileNotFoundError: a missing folder or file.
        ValueError: unreadable or invalid files (:func:`read_taxibj`), an unknown split or flow,
            counts that leave a split empty, or constant training data.
    """

    def __init__(
        self,
        source: str | Path | TaxiBJFlows,
        *,
        split: Split = "train",
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        flows: Flows = PAPER_FLOWS,
        reverse_time: bool = False,
        test_samples: int = PAPER_TEST_SAMPLES,
        val_samples: int = PAPER_VAL_SAMPLES,
        files: Sequence[str] = TAXIBJ_FILES,
    ) -> None:
        check_split(split)
        if flows not in FLOW_CHANNELS:
            raise ValueError(f"flows must be one of {list(FLOW_CHANNELS)}, got {flows!r}")
        if seq_len < 1:
            raise ValueError(f"seq_len must be at least 1, got {seq_len}")
        self.flows = source if isinstance(source, TaxiBJFlows) else read_taxibj(source, files=files)
        splits = split_windows(
            window_ends(self.flows.slots, seq_len),
            seq_len,
            test_samples=test_samples,
            val_samples=val_samples,
        )
        if len(splits[split]) == 0:
            raise ValueError(
                f"the {split!r} split is empty: val_samples={val_samples} must exceed "
                f"seq_len - 1 = {seq_len - 1} (samples sharing frames with the test are dropped)"
            )
        self.split = split
        self.ends = splits[split]
        self.channels = list(FLOW_CHANNELS[flows])
        self.reverse_time = reverse_time
        self.value_range = _training_range(self.flows.frames, splits["train"], seq_len)
        self.info = DatasetInfo(
            name="taxibj",
            channels=len(self.channels),
            frame_size=tuple(int(v) for v in self.flows.frames.shape[-2:]),
            seq_len=seq_len,
            units=f"taxis per cell per {24 * 60 // SLOTS_PER_DAY} min",
            value_range=self.value_range,
        )

    def __len__(self) -> int:
        return len(self.ends)

    def timestamps(self, index: int) -> list[str]:
        """``YYYYMMDDSS`` labels of the frames of sample ``index``, in the order they are given."""
        end = int(self.ends[index])
        labels = [slot_to_date(s) for s in self.flows.slots[end - self.info.seq_len : end]]
        return labels[::-1] if self.reverse_time else labels

    def __getitem__(self, index: int) -> Tensor:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        end = int(self.ends[index])
        clip = self.flows.frames[end - self.info.seq_len : end][:, self.channels]
        if self.reverse_time:
            clip = clip[::-1]
        lo, hi = self.value_range
        scaled = (clip - np.float32(lo)) / np.float32(hi - lo)
        return torch.from_numpy(np.ascontiguousarray(scaled, dtype=np.float32))


def _training_range(frames: np.ndarray, ends: np.ndarray, seq_len: int) -> tuple[float, float]:
    """Minimum and maximum over both channels of the frames of the training samples."""
    cover = np.zeros(len(frames) + 1, dtype=np.int64)
    np.add.at(cover, ends - seq_len, 1)
    np.add.at(cover, ends, -1)
    used = np.cumsum(cover[:-1]) > 0
    lo = float(frames.min(axis=(1, 2, 3))[used].min())
    hi = float(frames.max(axis=(1, 2, 3))[used].max())
    if not hi > lo:
        raise ValueError(f"the training frames are constant ({lo}); min-max scaling is undefined")
    return lo, hi

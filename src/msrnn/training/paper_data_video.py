"""Data modules for the paper's video and traffic data: KTH and TaxiBJ."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch.utils.data import Dataset

from msrnn.training.datamodule import SequenceDataModule

ActionSet = Literal["all", "locomotion"]


class KTHDataModule(SequenceDataModule):
    """KTH human actions, the paper's protocol (:mod:`msrnn.data.kth`).

    Defaults: frames resized to 88x88; training on 20-frame windows (10 observed -> 10 forecast)
    at stride 1; testing on ``input_frames + test_output_frames = 30``-frame windows (10 -> 20)
    at stride 3 for running and jogging and 20 for the other actions. Persons 1–14 train, 15–16
    validate, 17–25 test (the paper trains on 1–16 and validates on the test persons).
    Validation windows use the test strides and the training length
    (``input_frames + output_frames``).

    Args:
        root: folder of the videos or frame folders (``msrnn.data.kth`` lists the layouts).
        actions: ``"all"`` (six actions), ``"locomotion"`` (running, jogging, walking: the
            official code's default) or a list of action names.
        sequence_lists: sequence-list files (``personPP_<action>_dS <first> <last>`` lines, or
            ``00sequences.txt``) restricting clips to the listed frame ranges; default whole clips.
        size: frame side in pixels (frames are resized to ``size x size``).
        persons: person ids per split; default train 1–14, val 15–16, test 17–25.
        train_stride: stride of the training windows (one number or one per action).
        test_strides: strides of the validation and test windows; default the paper's.
        test_output_frames: frames forecast at test time (the paper: 20).
        **kwargs: :class:`SequenceDataModule` arguments (default 10 input and 10 output frames).
    """

    channels = 1

    def __init__(
        self,
        *,
        root: str,
        actions: ActionSet | list[str] = "all",
        sequence_lists: list[str] | None = None,
        size: int = 88,
        persons: dict[str, list[int]] | None = None,
        train_stride: int | dict[str, int] = 1,
        test_strides: int | dict[str, int] | None = None,
        test_output_frames: int = 20,
        **kwargs,
    ) -> None:
        from msrnn.data.kth import ACTIONS, LOCOMOTION, PAPER_TEST_STRIDES

        kwargs.setdefault("input_frames", 10)
        kwargs.setdefault("output_frames", 10)
        super().__init__(**kwargs)
        if test_output_frames < 1:
            raise ValueError(f"test_output_frames must be at least 1, got {test_output_frames}")
        named = {"all": ACTIONS, "locomotion": LOCOMOTION}
        self.actions = named[actions] if isinstance(actions, str) and actions in named else actions
        self.root = root
        self.sequence_lists = sequence_lists
        self.size = size
        self.persons = persons
        self.strides = {
            "train": train_stride,
            "val": PAPER_TEST_STRIDES if test_strides is None else test_strides,
            "test": PAPER_TEST_STRIDES if test_strides is None else test_strides,
        }
        self.test_output_frames = test_output_frames

    def make_dataset(self, split: str) -> Dataset:
        from msrnn.data.kth import KTH

        horizon = self.test_output_frames if split == "test" else self.output_frames
        return KTH(
            self.root,
            split=split,
            seq_len=self.input_frames + horizon,
            stride=self.strides[split],
            actions=self.actions,
            persons=self.persons,
            sequence_lists=self.sequence_lists,
            size=self.size,
        )


class TaxiBJDataModule(SequenceDataModule):
    """TaxiBJ crowd flows, the paper's protocol (:mod:`msrnn.data.taxibj`).

    Defaults: 32x32 inflow, 4 observed -> 4 forecast half-hours, chronological frames, the last
    four weeks (1344 samples) as test, the two weeks (672 samples) before them as validation,
    min–max scaling fitted on the training frames (``info.value_range`` holds it). The files are
    read once and shared by the three splits.

    Args:
        root: folder holding the ``BJ*_M32x32_T30_InOut.h5`` files.
        files: file names in chronological order; default BJ13, BJ14, BJ15, BJ16.
        flows: ``"inflow"`` (the paper), ``"outflow"`` or ``"both"`` (2 channels).
        reverse_time: newest frame first, as the official code (compatibility only).
        test_samples: samples in the test split.
        val_samples: samples in the validation split.
        **kwargs: :class:`SequenceDataModule` arguments (default 4 input and 4 output frames).
    """

    def __init__(
        self,
        *,
        root: str,
        files: list[str] | None = None,
        flows: Literal["inflow", "outflow", "both"] = "inflow",
        reverse_time: bool = False,
        test_samples: int = 1344,
        val_samples: int = 672,
        **kwargs,
    ) -> None:
        from msrnn.data.taxibj import FLOW_CHANNELS, TAXIBJ_FILES

        kwargs.setdefault("input_frames", 4)
        kwargs.setdefault("output_frames", 4)
        super().__init__(**kwargs)
        if flows not in FLOW_CHANNELS:
            raise ValueError(f"flows must be one of {list(FLOW_CHANNELS)}, got {flows!r}")
        self.root = root
        self.files: Sequence[str] = TAXIBJ_FILES if files is None else files
        self.flows = flows
        self.channels = len(FLOW_CHANNELS[flows])
        self.reverse_time = reverse_time
        self.test_samples = test_samples
        self.val_samples = val_samples
        self._record = None

    def make_dataset(self, split: str) -> Dataset:
        from msrnn.data.taxibj import TaxiBJ, read_taxibj

        if self._record is None:
            self._record = read_taxibj(self.root, files=self.files)
        return TaxiBJ(
            self._record,
            split=split,
            seq_len=self.seq_len,
            flows=self.flows,
            reverse_time=self.reverse_time,
            test_samples=self.test_samples,
            val_samples=self.val_samples,
        )

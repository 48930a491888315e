"""Data modules for the paper's video and traffic data: KTH and TaxiBJ."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from torch.utils.data import Dataset

from msrnn.data import kth, taxibj
from msrnn.training.datamodule import SequenceDataModule

ActionSet = Literal["all", "locomotion"]


class KTHDataModule(SequenceDataModule):
    """KTH human actions, the paper's protocol (:mod:`msrnn.data.kth`, whose constants are the
    defaults).

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
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per training and validation sequence.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "kth"
    channels = 1

    def __init__(
        self,
        *,
        root: str,
        actions: ActionSet | list[str] = "all",
        sequence_lists: list[str] | None = None,
        size: int = kth.PAPER_SIZE,
        persons: dict[str, list[int]] | None = None,
        train_stride: int | dict[str, int] = kth.PAPER_TRAIN_STRIDE,
        test_strides: int | dict[str, int] | None = None,
        test_output_frames: int = kth.PAPER_TEST_OUTPUT_FRAMES,
        input_frames: int = kth.PAPER_INPUT_FRAMES,
        output_frames: int = kth.PAPER_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        if test_output_frames < 1:
            raise ValueError(f"test_output_frames must be at least 1, got {test_output_frames}")
        named = {"all": kth.ACTIONS, "locomotion": kth.LOCOMOTION}
        self.actions = named[actions] if isinstance(actions, str) and actions in named else actions
        self.root = root
        self.sequence_lists = sequence_lists
        self.size = size
        self.persons = persons
        evaluation = kth.PAPER_TEST_STRIDES if test_strides is None else test_strides
        self.strides = {"train": train_stride, "val": evaluation, "test": evaluation}
        self.test_output_frames = test_output_frames

    def make_dataset(self, split: str) -> Dataset:
        horizon = self.test_output_frames if split == "test" else self.output_frames
        return kth.KTH(
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
    """TaxiBJ crowd flows, the paper's protocol (:mod:`msrnn.data.taxibj`, whose constants are the
    defaults).

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
        input_frames: observed frames per sample.
        output_frames: frames to forecast per sample.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "taxibj"

    def __init__(
        self,
        *,
        root: str,
        files: list[str] | None = None,
        flows: taxibj.Flows = taxibj.PAPER_FLOWS,
        reverse_time: bool = False,
        test_samples: int = taxibj.PAPER_TEST_SAMPLES,
        val_samples: int = taxibj.PAPER_VAL_SAMPLES,
        input_frames: int = taxibj.PAPER_INPUT_FRAMES,
        output_frames: int = taxibj.PAPER_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        if flows not in taxibj.FLOW_CHANNELS:
            raise ValueError(f"flows must be one of {list(taxibj.FLOW_CHANNELS)}, got {flows!r}")
        self.root = root
        self.files: Sequence[str] = taxibj.TAXIBJ_FILES if files is None else files
        self.flows = flows
        self.channels = len(taxibj.FLOW_CHANNELS[flows])
        self.reverse_time = reverse_time
        self.test_samples = test_samples
        self.val_samples = val_samples
        self._record = None

    def make_dataset(self, split: str) -> Dataset:
        if self._record is None:
            self._record = taxibj.read_taxibj(self.root, files=self.files)
        return taxibj.TaxiBJ(
            self._record,
            split=split,
            seq_len=self.seq_len,
            flows=self.flows,
            reverse_time=self.reverse_time,
            test_samples=self.test_samples,
            val_samples=self.val_samples,
        )

"""Data modules for the embedded Moving MNIST and for a user's own arrays or PNG folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from torch.utils.data import Dataset

from msrnn.data.info import PIXEL_INTENSITY
from msrnn.data.moving_mnist import (
    PAPER_INPUT_FRAMES,
    PAPER_NUM_DIGITS,
    PAPER_NUM_SEQUENCES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
)
from msrnn.data.splits import FRACTIONS
from msrnn.training.datamodule import SequenceDataModule


class MovingMNISTDataModule(SequenceDataModule):
    """Moving MNIST generated on the fly from the 5 000 embedded digits (or real MNIST files).

    The defaults are the paper's setting (the constants of :mod:`msrnn.data.moving_mnist`): 15 000
    sequences split 7:1:2, 64x64, 2 digits, 10 observed and 10 forecast frames. Train, validation
    and test draw their digits from disjoint pools and their sequences from disjoint seeds
    (:class:`msrnn.data.MovingMNIST`).

    Args:
        train_sequences: sequences in the training split.
        val_sequences: sequences in the validation split.
        test_sequences: sequences in the test split.
        size: canvas side in pixels.
        num_digits: digits per sequence.
        data_seed: seed of the generator.
        mnist_train: optional path of the real MNIST training images (IDX); then
            ``mnist_test`` is needed too and the test digits come from MNIST-test.
        mnist_test: optional path of the real MNIST test images (IDX).
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per sequence.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "moving_mnist"

    def __init__(
        self,
        *,
        train_sequences: int = PAPER_NUM_SEQUENCES["train"],
        val_sequences: int = PAPER_NUM_SEQUENCES["val"],
        test_sequences: int = PAPER_NUM_SEQUENCES["test"],
        size: int = PAPER_SIZE,
        num_digits: int = PAPER_NUM_DIGITS,
        data_seed: int = 0,
        mnist_train: str | None = None,
        mnist_test: str | None = None,
        input_frames: int = PAPER_INPUT_FRAMES,
        output_frames: int = PAPER_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        self.counts = {"train": train_sequences, "val": val_sequences, "test": test_sequences}
        self.size = size
        self.num_digits = num_digits
        self.data_seed = data_seed
        self.mnist_train = mnist_train
        self.mnist_test = mnist_test

    def make_dataset(self, split: str) -> Dataset:
        from msrnn.data import MovingMNIST

        return MovingMNIST(
            split=split,
            num_sequences=self.counts[split],
            seq_len=self.seq_len,
            size=self.size,
            num_digits=self.num_digits,
            seed=self.data_seed,
            mnist_train=self.mnist_train,
            mnist_test=self.mnist_test,
        )


class ArrayDataModule(SequenceDataModule):
    """Your own sequences: a ``.npy``/``.npz``/``.h5`` array or a folder of PNG frames.

    Arrays are ``(N, T, C, H, W)`` or ``(N, T, H, W)``, uint8 (divided by 255) or float with a
    declared ``value_range``. Sequences are cut into windows of ``input_frames + output_frames``
    frames every ``stride`` frames and split into train/validation/test by sequence (or by time
    for one long recording), with no window crossing a split (:class:`msrnn.data.ArrayDataset`,
    :class:`msrnn.data.PngFolderDataset`).

    Args:
        path: the array file or the PNG folder.
        key: array name inside ``.npz``/``.h5`` files (needed when there are several).
        stride: frames between window starts (default: the window length).
        split_by: ``"sequence"`` or ``"time"``.
        fractions: train/val/test fractions.
        value_range: physical values mapped to 0 and 1 for float data.
        units: units of the values, for reports.
        channels_last: a 5-D array is ``(N, T, H, W, C)`` (see :class:`msrnn.data.ArrayDataset`).
        **kwargs: :class:`SequenceDataModule` arguments.
    """

    name = "arrays"

    def __init__(
        self,
        *,
        path: str,
        key: str | None = None,
        stride: int | None = None,
        split_by: Literal["sequence", "time"] = "sequence",
        fractions: Sequence[float] = FRACTIONS,
        value_range: tuple[float, float] | None = None,
        units: str = PIXEL_INTENSITY,
        channels_last: bool | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("predict_value_range", value_range)
        kwargs.setdefault("predict_channels_last", channels_last)
        super().__init__(**kwargs)
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"data not found: {self.path}")
        self.key = key
        self.stride = stride
        self.split_by = split_by
        self.fractions = tuple(fractions)
        self.value_range = value_range
        self.units = units
        self.channels_last = channels_last
        self.channels = self.dataset("train").info.channels

    def make_dataset(self, split: str) -> Dataset:
        from msrnn.data import ArrayDataset, PngFolderDataset

        common = {
            "split": split,
            "seq_len": self.seq_len,
            "stride": self.stride,
            "split_by": self.split_by,
            "fractions": self.fractions,
            "units": self.units,
        }
        if self.path.is_dir():
            return PngFolderDataset(self.path, **common)
        return ArrayDataset(
            self.path,
            key=self.key,
            value_range=self.value_range,
            channels_last=self.channels_last,
            **common,
        )

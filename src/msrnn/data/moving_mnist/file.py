"""The standard Moving MNIST test file ``mnist_test_seq.npy`` (Srivastava et al., 2015)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from msrnn.data.arrays import ArrayDataset
from msrnn.data.moving_mnist.generator import NAME
from msrnn.data.splits import FRACTIONS, SplitOrAll


class MovingMNISTFile(ArrayDataset):
    """The standard Moving MNIST test file ``mnist_test_seq.npy`` (Srivastava et al., 2015).

    The file is uint8 ``(20, 10000, 64, 64)``, time-major; clips are ``(20, 1, 64, 64)``.

    Args:
        path: ``mnist_test_seq.npy`` or a file of the same format.
        split: ``"all"`` (default: the file is a test set) or ``"train"`` / ``"val"`` /
            ``"test"`` by ``fractions`` or ``index_ranges`` of the sequences.
        fractions: train/val/test fractions of the sequences.
        index_ranges: explicit sequence ranges, e.g. ``{"test": (0, 10000)}``.
        layout: ``"TNHW"`` (the standard file) or ``"NTHW"`` (sample-major).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        split: SplitOrAll = "all",
        fractions: Sequence[float] = FRACTIONS,
        index_ranges: Mapping[str, Sequence[int]] | None = None,
        layout: Literal["TNHW", "NTHW"] = "TNHW",
    ) -> None:
        if layout not in ("TNHW", "NTHW"):
            raise ValueError(f"layout must be 'TNHW' or 'NTHW', got {layout!r}")
        super().__init__(
            path,
            split=split,
            fractions=fractions,
            index_ranges=index_ranges,
            channels=1,
            name=NAME,
            time_major=layout == "TNHW",
        )

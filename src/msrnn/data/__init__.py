"""Datasets: float32 clips ``(T, C, H, W)`` in [0, 1] with metadata in ``dataset.info``.

Shared by every dataset: :mod:`.info` (``DatasetInfo``) and :mod:`.splits` (the split names,
the one :func:`check_split`, fractions). Your own data: :class:`ArrayDataset` (``.npy`` /
``.npz`` / ``.h5``, :mod:`.arrays`) and :class:`PngFolderDataset` (:mod:`.frames`), cut into
windows by :mod:`.windows`. The paper's datasets, one package each: :mod:`.moving_mnist` (generated
from the embedded 5 000 MNIST digits or the real MNIST IDX files, and the standard
``mnist_test_seq.npy``), :mod:`.kth`, :mod:`.taxibj`, and the radar archives :mod:`.hko`,
:mod:`.dwd` and :mod:`.synthetic_radar`, built on what :mod:`.radar` gives them in common.

Every dataset takes its files (if any) as the one positional argument and everything else,
``split`` first, by keyword: ``KTH(root, split="val")``, ``MovingMNIST(split="test")``.
Batches from a ``DataLoader`` are ``(B, T, C, H, W)``.
"""

from msrnn.data.arrays import ArrayDataset
from msrnn.data.dwd import (
    RYDL,
    DWDPngFrames,
    RadolanFolder,
    read_radolan,
    write_radolan,
    write_rydl,
)
from msrnn.data.frames import PngFolderDataset
from msrnn.data.hko import HKO7
from msrnn.data.info import DatasetInfo
from msrnn.data.kth import KTH, extract_kth_frames
from msrnn.data.moving_mnist import (
    DigitPool,
    MovingMNIST,
    MovingMNISTFile,
    SequenceLayout,
    digit_pool,
    embedded_digits,
    read_idx,
    read_mnist_images,
    write_idx,
)
from msrnn.data.splits import SPLITS, check_split, split_bounds
from msrnn.data.synthetic_radar import SyntheticRadar, SyntheticRain, write_synthetic_archive
from msrnn.data.taxibj import TaxiBJ, read_taxibj

__all__ = [
    "HKO7",
    "KTH",
    "RYDL",
    "SPLITS",
    "ArrayDataset",
    "DWDPngFrames",
    "DatasetInfo",
    "DigitPool",
    "MovingMNIST",
    "MovingMNISTFile",
    "PngFolderDataset",
    "RadolanFolder",
    "SequenceLayout",
    "SyntheticRadar",
    "SyntheticRain",
    "TaxiBJ",
    "check_split",
    "digit_pool",
    "embedded_digits",
    "extract_kth_frames",
    "read_idx",
    "read_mnist_images",
    "read_radolan",
    "read_taxibj",
    "split_bounds",
    "write_idx",
    "write_radolan",
    "write_rydl",
    "write_synthetic_archive",
]

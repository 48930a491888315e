"""Datasets: float32 clips ``(T, C, H, W)`` in [0, 1] with metadata in ``dataset.info``.

* :class:`MovingMNIST`: bouncing digits generated per index from the embedded 5 000 MNIST digits
  (or the real MNIST IDX files); :class:`MovingMNISTFile`: the standard ``mnist_test_seq.npy``.
* :class:`ArrayDataset` (``.npy`` / ``.npz`` / ``.h5``) and :class:`PngFolderDataset`: your own
  sequences, cut into windows and split into train/val/test.
* :func:`read_idx` / :func:`write_idx`: the MNIST IDX format.

Batches from a ``DataLoader`` are ``(B, T, C, H, W)``.
"""

from msrnn.data._clips import split_bounds
from msrnn.data.arrays import ArrayDataset, MovingMNISTFile
from msrnn.data.digits import DigitPool, digit_pool, embedded_digits, read_mnist_images
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
from msrnn.data.idx import read_idx, write_idx
from msrnn.data.info import DatasetInfo
from msrnn.data.kth import KTH, extract_kth_frames
from msrnn.data.moving_mnist import MovingMNIST, SequenceLayout
from msrnn.data.synthetic_radar import SyntheticRadar, SyntheticRain, write_synthetic_archive
from msrnn.data.taxibj import TaxiBJ, read_taxibj

__all__ = [
    "HKO7",
    "KTH",
    "RYDL",
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

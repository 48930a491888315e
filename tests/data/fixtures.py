"""Fixture writers: tiny files in exactly the on-disk formats the loaders read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from msrnn.data import write_idx


def fake_digits(n: int, seed: int = 0, size: int = 28) -> np.ndarray:
    """``(n, size, size)`` uint8 "digits": a random bright block on a zero background."""
    rng = np.random.default_rng(seed)
    digits = np.zeros((n, size, size), np.uint8)
    for digit in digits:
        top, left = rng.integers(2, size // 2, 2)
        digit[top : top + size // 3, left : left + size // 4] = rng.integers(100, 256)
    return digits


def write_mnist_pair(folder: Path, prefix: str, n: int, seed: int = 0) -> tuple[Path, Path]:
    """``<prefix>-images-idx3-ubyte.gz`` and ``<prefix>-labels-idx1-ubyte.gz`` with ``n`` digits."""
    images = write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", fake_digits(n, seed))
    labels = np.arange(n, dtype=np.uint8) % 10
    return images, write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)


def write_mnist_test_seq(path: Path, n: int, seed: int = 0) -> np.ndarray:
    """A file laid out like ``mnist_test_seq.npy``: uint8 ``(20, n, 64, 64)``, time-major."""
    data = np.random.default_rng(seed).integers(0, 256, (20, n, 64, 64), dtype=np.uint8)
    np.save(path, data)
    return data


def write_h5(path: Path, datasets: dict[str, np.ndarray]) -> Path:
    """An HDF5 file holding ``datasets`` (names may contain groups, ``"radar/frames"``)."""
    import h5py

    with h5py.File(path, "w") as handle:
        for name, array in datasets.items():
            handle.create_dataset(name, data=array)
    return path


def write_png_frames(folder: Path, frames: np.ndarray, names: list[str] | None = None) -> None:
    """One PNG per frame of ``frames`` ``(T, H, W)`` (grayscale, uint8 or uint16) or
    ``(T, H, W, 3)`` (RGB); default names ``1.png, 2.png, ...`` (not zero-padded)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    names = names or [f"{t + 1}.png" for t in range(len(frames))]
    for frame, name in zip(frames, names, strict=True):
        Image.fromarray(frame).save(folder / name)

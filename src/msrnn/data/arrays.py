"""Your own sequences as ``.npy`` / ``.npz`` / ``.h5`` arrays.

Arrays are shaped ``(N, T, C, H, W)`` or ``(N, T, H, W)`` (then ``C = 1``): ``N`` sequences of
``T`` frames; ``channels_last=True`` reads ``(N, T, H, W, C)`` (images as most libraries store
them). A 5-D array whose last axis has 1, 3 or 4 entries while its third has none of these
looks channels-last and is refused unless ``channels_last`` says which it is, instead of being
read as that many channels of thin frames.

``.npy`` files are memory-mapped, an ``.npz`` member is loaded whole (numpy cannot
memory-map inside a zip), ``.h5`` datasets are read by slices through a handle that each process
opens for itself (HDF5 handles must not cross a fork). Pickling (spawned DataLoader workers) never
copies the data: the file is reopened on the other side.

Values: ``uint8`` maps by ``/255``; any other dtype needs ``value_range=(lo, hi)`` and maps by
:math:`(x - lo) / (hi - lo)`. With a declared range, every clip is checked when it is read (no
separate pass over a possibly huge file): NaN/inf or a value outside the range raises
:class:`ValueError` naming the sequence.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from msrnn.data.info import PIXEL_INTENSITY
from msrnn.data.splits import FRACTIONS, SplitOrAll
from msrnn.data.windows import SplitBy, WindowedClips
from msrnn.errors import ArgumentError

SUFFIXES = (".npy", ".npz", ".h5", ".hdf5")


class _NpyOpener:
    fork_safe = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self) -> np.ndarray:
        return np.load(self.path, mmap_mode="r")


class _NpzOpener:
    fork_safe = True

    def __init__(self, path: Path, key: str | None) -> None:
        self.path = path
        with np.load(path) as archive:
            self.key = _choose(key, list(archive.files), path, "array")

    def __call__(self) -> np.ndarray:
        with np.load(self.path) as archive:
            return archive[self.key]


class _H5Opener:
    fork_safe = False

    def __init__(self, path: Path, key: str | None) -> None:
        import h5py

        self.path = path
        with h5py.File(path, "r") as handle:
            names: list[str] = []
            handle.visititems(lambda name, obj: names.append(name) if _is_dataset(obj) else None)
            self.key = _choose(key, names, path, "dataset")

    def __call__(self) -> Any:
        import h5py

        return h5py.File(self.path, "r")[self.key]


def _is_dataset(obj: Any) -> bool:
    import h5py

    return isinstance(obj, h5py.Dataset)


def _choose(key: str | None, names: list[str], path: Path, kind: str) -> str:
    if key is None and len(names) == 1:
        return names[0]
    if key is not None and key in names:
        return key
    problem = f"has no {kind} {key!r}" if key is not None else f"holds {len(names)} {kind}s"
    raise ArgumentError(f"{path} {problem}; pass {{argument}} one of {names}", "key")


class ArraySource:
    """``N`` equal-length sequences of an array file, read lazily; see the module docstring."""

    def __init__(
        self,
        path: str | Path,
        *,
        key: str | None = None,
        time_major: bool = False,
        channels_last: bool | None = None,
    ):
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"data file not found: {path}")
        self.name = path.stem
        self.time_major = time_major
        self._array: Any = None
        self._pid = -1
        try:
            self._opener = _opener(path, key)
            array = self._open()
        except ArgumentError:
            raise
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as error:
            raise _unreadable(path, error) from None
        if not np.issubdtype(array.dtype, np.number) and array.dtype != np.bool_:
            raise ValueError(f"{path} holds {array.dtype} values; frames must be numbers")
        shape, self.dtype = _check_rank(path, array.shape, time_major), np.dtype(array.dtype)
        self.channels_last = _is_channels_last(path, shape, channels_last)
        if self.channels_last:
            shape = (*shape[:2], shape[4], *shape[2:4])
        if not self._opener.fork_safe:
            self._array = None  # close; the process that reads opens its own handle
        self._has_channels = len(shape) == 5
        self.lengths = (shape[1],) * shape[0]
        self.channels = shape[2] if self._has_channels else 1
        self.frame_size = (shape[-2], shape[-1])

    def _open(self) -> Any:
        if self._array is None or (not self._opener.fork_safe and self._pid != os.getpid()):
            self._array, self._pid = self._opener(), os.getpid()
        return self._array

    def read(self, sequence: int, start: int, stop: int) -> np.ndarray:
        array = self._open()
        clip = array[start:stop, sequence] if self.time_major else array[sequence, start:stop]
        clip = np.asarray(clip)
        if not self._has_channels:
            return clip[:, None]
        return clip.transpose(0, 3, 1, 2) if self.channels_last else clip

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_array": None, "_pid": -1}


def _unreadable(path: Path, error: BaseException) -> ValueError:
    """The error for an array file that does not open: pickled objects, or a broken file."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "pickled" in reason or "Python objects" in reason:
        return ValueError(
            f"{path} holds pickled Python objects (or is not an array file); msrnn never loads "
            "those, since unpickling can run code: save plain numeric arrays"
        )
    return ValueError(f"{path} is truncated or not a {path.suffix} array file ({reason})")


def _opener(path: Path, key: str | None) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _NpyOpener(path)
    if suffix == ".npz":
        return _NpzOpener(path, key)
    if suffix in (".h5", ".hdf5"):
        return _H5Opener(path, key)
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use one of {SUFFIXES}")


def _check_rank(path: Path, shape: tuple[int, ...], time_major: bool) -> tuple[int, ...]:
    layouts = "(T, N, C, H, W) or (T, N, H, W)" if time_major else "(N, T, C, H, W) or (N, T, H, W)"
    if len(shape) not in (4, 5):
        raise ValueError(
            f"{path}: expected an array shaped {layouts}, got shape {shape}; "
            "for a single sequence add an axis (array[None])"
        )
    if 0 in shape:
        raise ValueError(f"{path}: the array is empty (shape {shape})")
    return (shape[1], shape[0], *shape[2:]) if time_major else tuple(shape)


#: Channel counts of image data (grey, RGB, RGBA): what gives a channels-last array away.
IMAGE_CHANNELS = (1, 3, 4)


def _is_channels_last(path: Path, shape: tuple[int, ...], channels_last: bool | None) -> bool:
    """Whether the (sample-major) ``shape`` is read as ``(N, T, H, W, C)``."""
    if len(shape) != 5:
        return False
    if channels_last is not None:
        return channels_last
    if shape[4] in IMAGE_CHANNELS and shape[2] not in IMAGE_CHANNELS:
        raise ArgumentError(
            f"{path}: shape {shape} looks like (N, T, H, W, C) with {shape[4]} channel(s) last; "
            "pass {argument}True to read it so, or False if it really is (N, T, C, H, W)",
            "channels_last",
        )
    return False


class ArrayDataset(WindowedClips):
    """Float32 clips ``(T, C, H, W)`` in [0, 1] from an ``.npy`` / ``.npz`` / ``.h5`` array.

    Splitting (``split``, ``split_by``, ``fractions``, ``index_ranges``) and windows (``seq_len``,
    ``stride``) follow :mod:`msrnn.data.windows`: by default 70/10/20 % of the *sequences*; with
    ``split_by="time"`` contiguous blocks of every sequence, for one long recording.

    Args:
        path: the array file.
        key: member of an ``.npz`` / dataset path in an ``.h5`` file; needed when there are
            several.
        split: ``"train"``, ``"val"``, ``"test"`` or ``"all"``.
        seq_len: frames per clip; default the whole sequence.
        stride: frames between window starts; default ``seq_len``.
        split_by: ``"sequence"`` or ``"time"``.
        fractions: train/val/test fractions of the sequences (or frames).
        index_ranges: explicit ``{"train": (lo, hi), ...}`` sequence (or frame) ranges; overrides
            ``fractions``.
        value_range: physical values mapped to 0 and 1; required unless the data are uint8.
        channels: expected ``C``; a mismatch raises.
        units: units of ``value_range``, for ``info``.
        name: dataset name for ``info``; default the file name without suffix.
        time_major: the file is ``(T, N, ...)`` (as ``mnist_test_seq.npy``).
        channels_last: a 5-D file is ``(N, T, H, W, C)``; default: ``(N, T, C, H, W)``, and a
            file that looks channels-last is refused until this says which it is.

    Shape:
        ``dataset[i]``: ``(seq_len, C, H, W)`` float32.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: unsupported file type, ambiguous or unknown ``key``, wrong rank, missing
            ``value_range``, channel mismatch, ``seq_len`` longer than the data, empty split.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        key: str | None = None,
        split: SplitOrAll = "all",
        seq_len: int | None = None,
        stride: int | None = None,
        split_by: SplitBy = "sequence",
        fractions: Sequence[float] = FRACTIONS,
        index_ranges: Mapping[str, Sequence[int]] | None = None,
        value_range: tuple[float, float] | None = None,
        channels: int | None = None,
        units: str = PIXEL_INTENSITY,
        name: str | None = None,
        time_major: bool = False,
        channels_last: bool | None = None,
    ) -> None:
        source = ArraySource(path, key=key, time_major=time_major, channels_last=channels_last)
        source.name = source.name if name is None else name
        if channels is not None and channels != source.channels:
            raise ValueError(
                f"{path} has {source.channels} channel(s) but channels={channels} was requested"
            )
        if value_range is None and source.dtype != np.uint8:
            raise ArgumentError(
                f"{path} holds {source.dtype} values; pass {{argument}}(lo, hi), the values "
                "that map to 0 and 1 (only uint8 data default to (0, 255))",
                "value_range",
            )
        super().__init__(
            source,
            seq_len=seq_len,
            stride=stride,
            split=split,
            split_by=split_by,
            fractions=fractions,
            index_ranges=index_ranges,
            value_range=(0.0, 255.0) if value_range is None else value_range,
            check_range=value_range is not None,
            units=units,
        )

"""RainNet's ``RYDL.hdf5`` archive (one dataset of mm per 5 min per ``YYYYMMDDHHMM`` key, listed
in ``RYDL_keys.txt``): the dataset, its frame reader and a writer."""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from msrnn.data.dwd.pixels import DWD, Missing, check_missing, rain_frame
from msrnn.data.dwd.protocol import (
    CADENCE,
    PAPER_FRAME_STEP,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
    by_year,
)
from msrnn.data.radar.catalogue import Catalogue
from msrnn.data.radar.clips import Box, RadarClips, Size
from msrnn.data.radar.times import parse_time
from msrnn.data.splits import Split, check_split

ValueUnits = Literal["mm/5min", "mm/h"]
#: RainNet's archive holds rain depths in mm per 5 minutes.
RYDL_VALUE_UNITS: ValueUnits = "mm/5min"


class RYDL(RadarClips):
    """RainNet's ``RYDL.hdf5`` (mm per 5 min); clips ``(seq_len, 1, h, w)`` in [0, 1].

    Args:
        path: the HDF5 file.
        split: ``"train"``, ``"val"`` or ``"test"`` (by year, see ``years``).
        keys_file: the Python-list file of keys; default ``RYDL_keys.txt`` beside ``path`` if it
            exists, else the file's own dataset names.
        years: inclusive year range per split; default :data:`DWD_YEARS`.
        seq_len: frames per clip (paper: 5 + 5).
        frame_step: 5-minute steps between clip frames (paper: 6, i.e. 30 minutes).
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        size: output side or ``(h, w)`` (paper: 124); ``None`` keeps 900×900.
        crop: ``(top, left, height, width)`` cut before resizing.
        value_units: ``"mm/5min"`` (RainNet's archive) or ``"mm/h"``.
        missing: ``"raise"`` on NaN pixels, or ``"zero"`` to read them as dry.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: not an HDF5 file, keys that are not ``YYYYMMDDHHMM`` or not in the file,
            overlapping years, an empty split, NaN or negative rain, frames of different sizes.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        split: Split = "train",
        keys_file: str | Path | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        frame_step: int = PAPER_FRAME_STEP,
        stride: int | None = None,
        size: Size | None = PAPER_SIZE,
        crop: Box | None = None,
        value_units: ValueUnits = RYDL_VALUE_UNITS,
        missing: Missing = "raise",
    ) -> None:
        check_split(split)
        path = Path(path)
        if value_units not in ("mm/5min", "mm/h"):
            raise ValueError(f"value_units must be 'mm/5min' or 'mm/h', got {value_units!r}")
        with open_h5(path) as handle:
            stored = list(handle.keys())
        keys = read_keys(path, keys_file, stored)
        times = [parse_time(key, "%Y%m%d%H%M") for key in keys]
        if None in times:
            odd = keys[times.index(None)]
            raise ValueError(f"{path}: key {odd!r} is not a YYYYMMDDHHMM time")
        catalogue = Catalogue.build(times, keys, CADENCE, str(path))
        catalogue = by_year(catalogue, split, years, str(path))
        scale = 3600 / CADENCE if value_units == RYDL_VALUE_UNITS else 1.0
        super().__init__(
            catalogue,
            RydlReader(path, catalogue.items, scale=scale, missing=check_missing(missing)),
            name="dwd-rydl",
            convention=DWD,
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )


class RydlReader:
    """Datasets of a RYDL HDF5 file; one handle per process (HDF5 handles must not cross a fork)."""

    def __init__(self, path: Path, keys: Sequence[str], *, scale: float, missing: str) -> None:
        self.path, self.keys, self.scale, self.missing = path, keys, scale, missing
        self._handle: Any = None
        self._pid = -1

    def __call__(self, index: int) -> np.ndarray:
        if self._handle is None or self._pid != os.getpid():
            self._handle, self._pid = open_h5(self.path), os.getpid()
        key = self.keys[index]
        try:
            field = np.asarray(self._handle[key][()], dtype=np.float64)
        except KeyError:
            raise ValueError(f"{self.path} has no dataset {key!r}") from None
        except OSError as error:
            raise ValueError(
                f"{self.describe(index)}: unreadable ({error}); corrupt file"
            ) from error
        if field.ndim != 2:
            raise ValueError(f"{self.describe(index)} has shape {field.shape}; expected (H, W)")
        return rain_frame(field * self.scale, missing=self.missing, where=self.describe(index))

    def describe(self, index: int) -> str:
        return f"{self.path}[{self.keys[index]!r}]"

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_handle": None, "_pid": -1}


def open_h5(path: Path) -> Any:
    """An ``h5py.File`` opened read-only, with clear errors.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file is not a readable HDF5 file.
    """
    import h5py

    if not path.is_file():
        raise FileNotFoundError(f"HDF5 file not found: {path}")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise ValueError(
            f"{path} is not a readable HDF5 file (corrupt or truncated?): {error}"
        ) from error


def read_keys(path: Path, keys_file: str | Path | None, stored: list[str]) -> list[str]:
    """Keys of a RYDL archive: from ``keys_file`` (default ``RYDL_keys.txt`` beside ``path``, if
    present), else the ``stored`` dataset names.

    Raises:
        FileNotFoundError: a given keys file is missing.
        ValueError: the file is not a Python list of strings, or lists keys ``path`` lacks.
    """
    default = path.with_name("RYDL_keys.txt")
    if keys_file is None and not default.is_file():
        return stored
    source = default if keys_file is None else Path(keys_file)
    if not source.is_file():
        raise FileNotFoundError(f"keys file not found: {source}")
    try:
        keys = ast.literal_eval(source.read_text())
    except (ValueError, SyntaxError) as error:
        raise ValueError(f"{source}: expected a Python list of 'YYYYMMDDHHMM' strings") from error
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValueError(f"{source}: expected a Python list of 'YYYYMMDDHHMM' strings")
    absent = sorted(set(keys) - set(stored))
    if absent:
        raise ValueError(
            f"{source} lists {len(absent)} key(s) that {path} lacks, e.g. {absent[0]!r}; the "
            "keys file does not belong to this archive"
        )
    return keys


def write_rydl(path: str | Path, fields: Mapping[str, np.ndarray], *, keys_file: bool = True):
    """Write a RYDL-style HDF5 file: one float32 dataset per ``YYYYMMDDHHMM`` key (mm per 5 min),
    and ``RYDL_keys.txt`` beside it (a Python list of the keys) when ``keys_file``.

    Returns:
        The HDF5 path.
    """
    import h5py

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as handle:
        for key, field in fields.items():
            handle.create_dataset(key, data=np.asarray(field, dtype=np.float32))
    if keys_file:
        path.with_name("RYDL_keys.txt").write_text(repr(list(fields)))
    return path

"""DWD sources: year splits, RYDL keys, RADOLAN file discovery, and the frame readers of the HDF5
and RADOLAN routes (rain in mm/h -> DWD pixel encoding)."""

from __future__ import annotations

import ast
import itertools
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from msrnn.data._radar_frames import Catalogue, parse_time, rain_to_pixels, to_datetime
from msrnn.data._radolan import read_radolan
from msrnn.errors import ArgumentError
from msrnn.radar import radar_convention

Missing = Literal["raise", "zero"]
_DWD = radar_convention("dwd")
DWD_YEARS: dict[str, tuple[int, int]] = {
    "train": (2006, 2014),
    "val": (2015, 2015),
    "test": (2016, 2017),
}
RADOLAN_NAME = re.compile(
    r"raa0\d-(?P<product>[a-z0-9]{2})[\w.]*_10000-(?P<time>\d{10})-dwd---bin(\.gz|\.bz2)?", re.I
)


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


def rain_frame(rain: np.ndarray, *, missing: str, where: str) -> np.ndarray:
    """DWD pixels of a rain field in mm/h; NaN pixels raise or become 0 by ``missing``.

    Raises:
        ValueError: NaN with ``missing="raise"``, or negative rain.
    """
    bad = ~np.isfinite(rain)
    if bad.any():
        if missing == "raise":
            raise ValueError(
                f"{where} holds {int(bad.sum())} NaN/inf (missing) pixel(s); pass "
                "missing='zero' to read them as dry"
            )
        rain = np.where(bad, 0.0, rain)
    if (rain < 0).any():
        raise ValueError(f"{where} holds negative rain ({rain.min():g}); the data are not rain")
    return rain_to_pixels(rain, _DWD)


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


class RadolanReader:
    """RADOLAN composites: rain products via mm/h, reflectivity products encoded directly."""

    def __init__(self, paths: Sequence[Path], times: np.ndarray, *, missing: str) -> None:
        self.paths, self.times, self.missing = paths, times, missing

    def __call__(self, index: int) -> np.ndarray:
        composite = read_radolan(self.paths[index])
        expected = to_datetime(self.times[index])
        if composite.header.time != expected:
            raise ValueError(
                f"{self.paths[index]}: the header time {composite.header.time} differs from the "
                f"file name's {expected}; the file is misnamed or corrupt"
            )
        where = str(self.paths[index])
        if not composite.header.reflectivity:
            return rain_frame(composite.rain_rate(), missing=self.missing, where=where)
        dbz = composite.data
        if self.missing == "raise" and np.isnan(dbz).any():
            raise ArgumentError(
                f"{where} has no-data/clutter pixels; pass {{argument}}'zero'", "missing"
            )
        pixels = _DWD.encoding.dbz_to_pixel(torch.from_numpy(np.nan_to_num(dbz, nan=-1e3)))
        return pixels.numpy().astype(np.float32)

    def describe(self, index: int) -> str:
        return str(self.paths[index])


def check_split(split: str) -> str:
    """``split`` if it is ``train``, ``val`` or ``test``, else :class:`ValueError`."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    return split


def check_missing(missing: str) -> str:
    """``missing`` if it is ``raise`` or ``zero``, else :class:`ValueError`."""
    if missing not in ("raise", "zero"):
        raise ValueError(f"missing must be 'raise' or 'zero', got {missing!r}")
    return missing


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


def by_year(
    catalogue: Catalogue, split: str, years: Mapping[str, Sequence[int]] | None, where: str
) -> Catalogue:
    """The frames of ``catalogue`` in the years of ``split`` (inclusive ranges).

    Raises:
        ValueError: malformed or overlapping ranges, no range for ``split``, no frame in it.
    """
    ranges = {k: tuple(int(y) for y in v) for k, v in (years or DWD_YEARS).items()}
    if set(ranges) - {"train", "val", "test"} or any(
        len(r) != 2 or r[0] > r[1] for r in ranges.values()
    ):
        raise ValueError(
            f"years must map train/val/test to (first, last) years, got {dict(ranges)}"
        )
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (a, (_, last)), (b, (first, _)) in itertools.pairwise(ordered):
        if first <= last:
            raise ValueError(f"years of {a!r} and {b!r} overlap; splits must be disjoint")
    if split not in ranges:
        raise ValueError(f"years has no range for split {split!r}")
    year = catalogue.times.astype("datetime64[s]").astype("datetime64[Y]").astype(int) + 1970
    first, last = ranges[split]
    chosen = catalogue.subset((year >= first) & (year <= last))
    if len(chosen) == 0:
        raise ValueError(f"{where}: no frames in {first}-{last} for split {split!r}")
    return chosen


def radolan_files(root: Path, product: str | None) -> list[tuple[int, Path]]:
    """``(time, path)`` of the RADOLAN files under ``root`` (recursive) of one product.

    Raises:
        FileNotFoundError: ``root`` is missing.
        ValueError: no matching file, or several products and no ``product``.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"RADOLAN folder not found: {root}")
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(root.rglob("*")):
        match = RADOLAN_NAME.fullmatch(path.name)
        if match and path.is_file():
            seconds = parse_time(match["time"], "%y%m%d%H%M")
            found.setdefault(match["product"].upper(), []).append((seconds, path))
    if product is not None:
        found = {product.upper(): found.get(product.upper(), [])}
    if not any(found.values()):
        raise ValueError(
            f"no RADOLAN files (raa01-<product>_10000-YYMMDDhhmm-dwd---bin[.gz|.bz2]) of "
            f"product {product or 'any'} under {root}"
        )
    if len(found) > 1:
        raise ArgumentError(
            f"{root} holds the products {sorted(found)}; choose one with {{argument}}", "product"
        )
    return next(iter(found.values()))

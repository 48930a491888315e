"""A folder of RADOLAN composites as a dataset: file discovery and the frame reader (rain products
via mm/h, reflectivity products encoded directly)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from msrnn.data.dwd.pixels import DWD, Missing, check_missing, rain_frame
from msrnn.data.dwd.protocol import (
    PAPER_FRAME_STEP,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
    by_year,
)
from msrnn.data.dwd.radolan import read_radolan
from msrnn.data.radar.catalogue import Catalogue
from msrnn.data.radar.clips import Box, RadarClips, Size
from msrnn.data.radar.times import parse_time, to_datetime
from msrnn.data.splits import Split, check_split
from msrnn.errors import ArgumentError

RADOLAN_NAME = re.compile(
    r"raa0\d-(?P<product>[a-z0-9]{2})[\w.]*_10000-(?P<time>\d{10})-dwd---bin(\.gz|\.bz2)?", re.I
)


class RadolanFolder(RadarClips):
    """A folder (searched recursively) of RADOLAN composites; clips ``(seq_len, 1, h, w)``.

    Args:
        root: the folder.
        split: ``"train"``, ``"val"`` or ``"test"`` (by year, see ``years``).
        product: the product to read (``"RY"``, ...) when the folder holds several.
        years: inclusive year range per split; default :data:`DWD_YEARS`.
        seq_len: frames per clip (paper: 5 + 5).
        frame_step: ``INT``-minute steps between clip frames (paper: 6, i.e. 30 minutes of RY).
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        size: output side or ``(h, w)`` (paper: 124); ``None`` keeps the native grid.
        crop: ``(top, left, height, width)`` cut (north-up) before resizing.
        missing: ``"zero"`` (no-data/clutter pixels read as dry, the default) or ``"raise"``.

    Raises:
        FileNotFoundError: ``root`` is missing.
        ValueError: no RADOLAN file, several products without ``product=``, corrupt files, a
            header time that differs from the file name, an empty split.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: Split = "train",
        product: str | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        frame_step: int = PAPER_FRAME_STEP,
        stride: int | None = None,
        size: Size | None = PAPER_SIZE,
        crop: Box | None = None,
        missing: Missing = "zero",
    ) -> None:
        check_split(split)
        files = radolan_files(Path(root), product)
        header = read_radolan(files[0][1]).header
        cadence = header.interval_minutes * 60
        catalogue = Catalogue.build(
            [t for t, _ in files], [p for _, p in files], cadence, str(root)
        )
        catalogue = by_year(catalogue, split, years, str(root))
        super().__init__(
            catalogue,
            RadolanReader(catalogue.items, catalogue.times, missing=check_missing(missing)),
            name=f"dwd-{header.product.lower()}",
            convention=DWD,
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )


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
        pixels = DWD.encoding.dbz_to_pixel(torch.from_numpy(np.nan_to_num(dbz, nan=-1e3)))
        return pixels.numpy().astype(np.float32)

    def describe(self, index: int) -> str:
        return str(self.paths[index])


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

r"""German radar (DWD) as used by MS-RNN: PNG frames, the RYDL HDF5 archive, RADOLAN binaries.

Every route yields clips in the DWD pixel encoding of MS-RNN, with DWD's Z–R relation
:math:`Z = 256 R^{1.42}`:

.. math::
    \mathrm{dBZ} = 10 \log_{10}(256\, R^{1.42}), \qquad
    p = \mathrm{clip}\big((\mathrm{dBZ} + 10) / 70,\ 0,\ 1\big)

(:func:`msrnn.radar.radar_convention` ``("dwd")``; 0.5 / 2 / 5 / 10 / 30 mm/h are the pixels
0.4258 / 0.5480 / 0.6287 / 0.6897 / 0.7865, 0 mm/h is pixel 0, pixel 1 is 338 mm/h).

* :class:`DWDPngFrames`: the route behind the paper's numbers (``DWD-12-480``):
  ``<root>/{train,valid,test}/<YYYYMMDDHHMM>.png`` 8-bit grey frames of 5-minute data already in
  that encoding; the paper takes every 6th frame (30-minute spacing, ``frame_step=6``), 5 -> 5
  frames, resized to 124×124. Without ``valid/`` the end of ``train/`` is held out.
* :class:`RYDL`: RainNet's archive ``RYDL.hdf5`` (one 900×900 dataset per 5-minute step, key
  ``YYYYMMDDHHMM``, rain depth in **mm per 5 min**) with ``RYDL_keys.txt`` (a Python list of the
  keys). ``value_units="mm/5min"`` multiplies by 12 to get mm/h; ``"mm/h"`` takes values as rates.
* :class:`RadolanFolder`: raw RADOLAN composites (``raa01-ry_10000-YYMMDDhhmm-dwd---bin``,
  optionally ``.gz``): RY/RW/YW amounts in mm per ``INT`` minutes are converted to mm/h
  (:math:`\times 60 / \mathrm{INT}`), RX reflectivity (dBZ) is encoded directly.

The HDF5 and RADOLAN routes split by year as MS-RNN's RYDL loader (train 2006–2014, validation
2015, test 2016–2017; ``years=`` to change) and may crop (``crop=(top, left, height, width)``)
before the bilinear resize. Windows never straddle a gap in time. Missing values (NaN in HDF5,
no-data/clutter flags in RADOLAN) raise by default for HDF5 and become 0 mm/h for RADOLAN
(``missing="raise"`` / ``"zero"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from msrnn.data._dwd_sources import (
    DWD_YEARS,
    Missing,
    RadolanReader,
    RydlReader,
    by_year,
    check_missing,
    check_split,
    open_h5,
    radolan_files,
    read_keys,
)
from msrnn.data._radar_clips import Box, PngReader, RadarClips, Size
from msrnn.data._radar_frames import Catalogue, parse_time, split_folder_catalogue
from msrnn.data._radolan import (
    RadolanComposite,
    RadolanHeader,
    radolan_filename,
    read_radolan,
    write_radolan,
)
from msrnn.radar import radar_convention

ValueUnits = Literal["mm/5min", "mm/h"]
CADENCE = 5 * 60
PAPER_SIZE = 124
PAPER_FRAME_STEP = 6

__all__ = [
    "DWD_YEARS",
    "RYDL",
    "DWDPngFrames",
    "RadolanComposite",
    "RadolanFolder",
    "RadolanHeader",
    "radolan_filename",
    "read_radolan",
    "write_radolan",
    "write_rydl",
]


class DWDPngFrames(RadarClips):
    """MS-RNN's DWD PNG frames; clips ``(seq_len, 1, h, w)`` in [0, 1].

    Args:
        root: folder with ``train/``, ``test/`` and optionally ``valid/`` PNG frames.
        split: ``"train"``, ``"val"`` or ``"test"``.
        seq_len: frames per clip (paper: 5 + 5).
        size: output side or ``(h, w)`` (paper: 124); ``None`` keeps the native size.
        frame_step: 5-minute steps between clip frames (paper: 6, i.e. 30 minutes).
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        val_fraction: share of ``train/`` held out for validation when there is no ``valid/``.
        apply_mask: zero the pixels marked unusable by ``<stem>.mask`` files (HKO-7 format).
        crop: ``(top, left, height, width)`` cut before resizing.
    """

    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        *,
        seq_len: int = 10,
        size: Size | None = PAPER_SIZE,
        frame_step: int = PAPER_FRAME_STEP,
        stride: int | None = None,
        val_fraction: float = 0.1,
        apply_mask: bool = False,
        crop: Box | None = None,
    ) -> None:
        catalogue = split_folder_catalogue(
            Path(root), check_split(split), cadence=CADENCE, val_fraction=val_fraction
        )
        masks = [path.with_suffix(".mask") for path in catalogue.items] if apply_mask else None
        super().__init__(
            catalogue,
            PngReader(catalogue.items, masks),
            name="dwd",
            convention=radar_convention("dwd"),
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )


class RYDL(RadarClips):
    """RainNet's ``RYDL.hdf5`` (mm per 5 min); clips ``(seq_len, 1, h, w)`` in [0, 1].

    Args:
        path: the HDF5 file.
        split: ``"train"``, ``"val"`` or ``"test"`` (by year, see ``years``).
        keys_file: the Python-list file of keys; default ``RYDL_keys.txt`` beside ``path`` if it
            exists, else the file's own dataset names.
        years: inclusive year range per split; default :data:`DWD_YEARS`.
        seq_len: frames per clip.
        frame_step: 5-minute steps between clip frames.
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        size: output side or ``(h, w)``; ``None`` keeps 900×900.
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
        split: str = "train",
        *,
        keys_file: str | Path | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        seq_len: int = 10,
        frame_step: int = 1,
        stride: int | None = None,
        size: Size | None = PAPER_SIZE,
        crop: Box | None = None,
        value_units: ValueUnits = "mm/5min",
        missing: Missing = "raise",
    ) -> None:
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
        catalogue = by_year(catalogue, check_split(split), years, str(path))
        scale = 60.0 / 5.0 if value_units == "mm/5min" else 1.0
        convention = radar_convention("dwd")
        super().__init__(
            catalogue,
            RydlReader(path, catalogue.items, scale=scale, missing=check_missing(missing)),
            name="dwd-rydl",
            convention=convention,
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )


class RadolanFolder(RadarClips):
    """A folder (searched recursively) of RADOLAN composites; clips ``(seq_len, 1, h, w)``.

    Args:
        root: the folder.
        split: ``"train"``, ``"val"`` or ``"test"`` (by year, see ``years``).
        product: the product to read (``"RY"``, ...) when the folder holds several.
        years: inclusive year range per split; default :data:`DWD_YEARS`.
        seq_len: frames per clip.
        frame_step: ``INT``-minute steps between clip frames.
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        size: output side or ``(h, w)``; ``None`` keeps the native grid.
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
        split: str = "train",
        *,
        product: str | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        seq_len: int = 10,
        frame_step: int = 1,
        stride: int | None = None,
        size: Size | None = PAPER_SIZE,
        crop: Box | None = None,
        missing: Missing = "zero",
    ) -> None:
        files = radolan_files(Path(root), product)
        header = read_radolan(files[0][1]).header
        cadence = header.interval_minutes * 60
        catalogue = Catalogue.build(
            [t for t, _ in files], [p for _, p in files], cadence, str(root)
        )
        catalogue = by_year(catalogue, check_split(split), years, str(root))
        super().__init__(
            catalogue,
            RadolanReader(catalogue.items, catalogue.times, missing=check_missing(missing)),
            name=f"dwd-{header.product.lower()}",
            convention=radar_convention("dwd"),
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )


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

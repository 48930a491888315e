r"""Machinery shared by the radar datasets: timestamped catalogues, gap-free windows, PNG frames,
rain <-> pixel encoding and resizing.

A radar archive is a *catalogue*: the sorted, unique times of its frames (seconds since
1970-01-01, UTC-naive) and one item per time (a file or an HDF5 key), with the archive's
*cadence* (6 min for HKO-7, 5 min for DWD RY). A window of ``seq_len`` frames taken every
``frame_step`` frames starting at time :math:`t_0` exists only if every time

.. math::
    t_j = t_0 + j \cdot \mathrm{frame\_step} \cdot \mathrm{cadence}, \qquad j = 0, \dots,
    \mathrm{seq\_len} - 1,

is in the catalogue, so no window straddles a gap (the official MS-RNN loader chops the sorted
file list into fixed blocks and does not check). Windows start at least
``stride · frame_step · cadence`` apart (greedy in time order); ``stride = seq_len`` gives
non-overlapping windows.

Frames whose names carry no timestamp (``1.png``, ``2.png``, ...) are numbered frames: the number
is the time and the cadence is 1.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from msrnn.radar import RadarConvention

_STEM_FORMATS = (
    (re.compile(r"RAD(\d{12})"), "%y%m%d%H%M%S"),  # HKO-7: RADyymmddHHMMSS
    (re.compile(r"\d{14}"), "%Y%m%d%H%M%S"),
    (re.compile(r"\d{12}"), "%Y%m%d%H%M"),  # MS-RNN's integer stems, e.g. 201501010006
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"), "%Y-%m-%d %H:%M:%S"),  # MeteoNet
)
_SPLIT_FOLDERS = {"train": ("train",), "val": ("valid", "val"), "test": ("test",)}


def epoch_seconds(moment: datetime) -> int:
    """Seconds since 1970-01-01 of a naive datetime read as UTC."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def to_datetime(seconds: int) -> datetime:
    """Inverse of :func:`epoch_seconds` (naive)."""
    return datetime.fromtimestamp(int(seconds), timezone.utc).replace(tzinfo=None)


def parse_time(text: str, fmt: str) -> int | None:
    """:func:`epoch_seconds` of ``text`` in ``strptime`` format ``fmt``, ``None`` if it fails."""
    try:
        return epoch_seconds(datetime.strptime(text, fmt))
    except ValueError:
        return None


def stem_time(stem: str) -> int | None:
    """Seconds since 1970 of a timestamped frame name, ``None`` if the name has no timestamp.

    Example:
        >>> stem_time("RAD150101000600") == stem_time("201501010006") == 1420070760
        True
    """
    for pattern, fmt in _STEM_FORMATS:
        match = pattern.fullmatch(stem)
        if match:
            return parse_time(match.group(match.lastindex or 0), fmt)
    return None


@dataclass(frozen=True)
class Catalogue:
    """Frames of an archive: sorted unique ``times`` (int64), one item each, and the cadence."""

    times: np.ndarray
    items: tuple[Any, ...]
    cadence: int

    @classmethod
    def build(cls, times: Sequence[int], items: Sequence[Any], cadence: int, where: str):
        """Sort by time; a duplicated time raises :class:`ValueError`."""
        times = np.asarray(times, dtype=np.int64)
        order = np.argsort(times, kind="stable")
        times = times[order]
        duplicated = np.flatnonzero(np.diff(times) == 0)
        if duplicated.size:
            first = to_datetime(times[duplicated[0]]) if cadence > 1 else times[duplicated[0]]
            raise ValueError(f"{where}: two frames share the time {first}; remove one of them")
        return cls(times, tuple(items[i] for i in order), cadence)

    def subset(self, keep: np.ndarray) -> Catalogue:
        """The frames where the boolean ``keep`` is true."""
        index = np.flatnonzero(keep)
        return Catalogue(self.times[index], tuple(self.items[i] for i in index), self.cadence)

    def __len__(self) -> int:
        return len(self.times)


def scan_png_folder(folder: Path, *, cadence: int) -> Catalogue:
    """Catalogue of the ``*.png`` frames of ``folder``, timed by their names (see the module).

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        ValueError: no PNG, names mixing timestamps and plain numbers, unreadable names,
            duplicated times.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"frame folder not found: {folder}")
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".png"]
    if not files:
        raise ValueError(f"no .png frames in {folder}")
    stamped = [stem_time(p.stem) for p in files]
    if all(t is not None for t in stamped):
        return Catalogue.build(stamped, files, cadence, str(folder))
    if all(t is None and p.stem.isdigit() for p, t in zip(files, stamped, strict=True)):
        return Catalogue.build([int(p.stem) for p in files], files, 1, str(folder))
    unreadable = [
        p for p, t in zip(files, stamped, strict=True) if t is None and not p.stem.isdigit()
    ]
    odd = unreadable[0] if unreadable else files[stamped.index(None)]
    raise ValueError(
        f"{folder}: cannot read a time from {odd.name!r}; name all frames by timestamp "
        "(YYYYMMDDHHMM.png, RADyymmddHHMMSS.png, 'YYYY-mm-dd HH:MM:SS.png') or all by frame "
        "number (1.png, 2.png, ...)"
    )


def split_folder_catalogue(
    root: Path, split: str, *, cadence: int, val_fraction: float
) -> Catalogue:
    """Catalogue of ``split`` in the layout ``root/{train,valid,test}/*.png``.

    Without a ``valid/`` (or ``val/``) folder, validation is the last ``val_fraction`` of the
    training frames in time (training keeps the rest), so it is never the test split.

    Raises:
        FileNotFoundError: ``train/`` or ``test/`` is missing.
        ValueError: ``valid/`` is the test folder, or ``val_fraction`` is not in (0, 1).
    """
    folders = {name: _split_folder(root, name) for name in _SPLIT_FOLDERS}
    missing = [name for name in ("train", "test") if folders[name] is None]
    if missing:
        raise FileNotFoundError(
            f"{root} has no {missing[0]}/ folder; expected {root}/train/, {root}/test/ "
            "(and optionally valid/) holding the PNG frames"
        )
    if folders["val"] is not None:
        if folders["val"].resolve() == folders["test"].resolve():
            raise ValueError(
                f"{folders['val']} is the test folder; validation must be its own split (remove "
                "it to hold out the end of train/ instead)"
            )
        return scan_png_folder(folders[split], cadence=cadence)
    if split == "test":
        return scan_png_folder(folders["test"], cadence=cadence)
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    train = scan_png_folder(folders["train"], cadence=cadence)
    cut = round(len(train) * (1.0 - val_fraction))
    in_val = np.arange(len(train)) >= cut
    return train.subset(in_val if split == "val" else ~in_val)


def _split_folder(root: Path, split: str) -> Path | None:
    found = [root / name for name in _SPLIT_FOLDERS[split] if (root / name).is_dir()]
    if len(found) > 1:
        raise ValueError(f"{root} has both {found[0].name}/ and {found[1].name}/; keep one")
    return found[0] if found else None


def continuous_windows(times: np.ndarray, *, seq_len: int, spacing: int, stride: int) -> np.ndarray:
    """``(K, seq_len)`` catalogue indices of the gap-free windows (see the module docstring).

    Example:
        >>> continuous_windows(np.array([0, 1, 2, 3, 5, 6, 7]), seq_len=3, spacing=1, stride=1)
        array([[0, 1, 2],
               [1, 2, 3],
               [4, 5, 6]])
    """
    if len(times) == 0:
        return np.zeros((0, seq_len), dtype=np.int64)
    targets = times[:, None] + spacing * np.arange(seq_len, dtype=np.int64)[None]
    index = np.searchsorted(times, targets).clip(max=len(times) - 1)
    valid = np.flatnonzero((times[index] == targets).all(axis=1))
    kept, earliest = [], None
    for start in valid:
        if earliest is None or times[start] >= earliest:
            kept.append(start)
            earliest = times[start] + stride * spacing
    return index[np.asarray(kept, dtype=np.int64)].reshape(-1, seq_len)


def read_png_gray(path: Path) -> np.ndarray:
    """An 8-bit grayscale PNG as ``(H, W)`` uint8.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is corrupt or truncated, or not 8-bit grayscale.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            mode, pixels = image.mode, np.asarray(image)
    except FileNotFoundError:
        raise FileNotFoundError(f"radar frame not found: {path}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(
            f"{path}: not a readable PNG ({error}); the file is corrupt or truncated, re-extract it"
        ) from error
    if mode != "L":
        raise ValueError(
            f"{path}: radar frames must be 8-bit grayscale PNGs (mode 'L'), got mode {mode!r}"
        )
    return pixels


def write_png_gray(path: Path, pixels: np.ndarray) -> Path:
    """Write ``(H, W)`` uint8 ``pixels`` as an 8-bit grayscale PNG (parent folders created)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode="L").save(path)
    return path


def read_mask(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A ``.mask`` file (HKO-7 format: zlib of the bool bytes) as a boolean array of ``shape``
    (True = usable pixel).

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: the file is corrupt or does not match ``shape``.
    """
    try:
        raw = zlib.decompress(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"mask not found: {path}; apply_mask=True needs a .mask file for every frame"
        ) from None
    except zlib.error as error:
        raise ValueError(f"{path}: corrupt mask ({error}); re-extract the file") from error
    if len(raw) != int(np.prod(shape)):
        raise ValueError(
            f"{path}: the mask holds {len(raw)} values but the frame has "
            f"{shape[0]}x{shape[1]} = {int(np.prod(shape))} pixels"
        )
    return (np.frombuffer(raw, dtype=np.uint8) != 0).reshape(shape)


def write_mask(path: Path, mask: np.ndarray) -> Path:
    """Write a boolean mask in the HKO-7 ``.mask`` format (zlib of the bool bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zlib.compress(np.ascontiguousarray(mask, dtype=bool).tobytes()))
    return path


def rain_to_pixels(rain: np.ndarray, convention: RadarConvention) -> np.ndarray:
    """Rain rates (mm/h) as float32 pixel values, clipped to [0, 1] (0 mm/h -> 0).

    Raises:
        ValueError: NaN or negative rates.
    """
    rain = np.asarray(rain, dtype=np.float64)
    if not np.isfinite(rain).all():
        raise ValueError("rain rates hold NaN or inf; fill missing pixels (e.g. with 0) first")
    pixels = convention.rain_to_pixel(torch.from_numpy(rain)).clamp(0.0, 1.0)
    return pixels.numpy().astype(np.float32)


def pixels_to_rain(pixels: np.ndarray, convention: RadarConvention) -> np.ndarray:
    """Pixel values in [0, 1] as float32 rain rates (mm/h)."""
    tensor = torch.from_numpy(np.asarray(pixels, dtype=np.float64))
    return convention.pixel_to_rain(tensor).numpy().astype(np.float32)


def quantize(pixels: np.ndarray) -> np.ndarray:
    """Pixel values in [0, 1] as uint8 ``round(255 p)`` (the PNG encoding)."""
    return np.rint(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8)


def resize(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of ``(T, H, W)`` float32 frames to ``size`` = ``(h, w)``.

    ``align_corners=False`` without antialiasing, which matches OpenCV's ``INTER_LINEAR`` used
    by the official code.
    """
    if frames.shape[1:] == tuple(size):
        return frames
    tensor = torch.from_numpy(np.ascontiguousarray(frames))[:, None]
    out = F.interpolate(tensor, size=tuple(size), mode="bilinear", align_corners=False)
    return out[:, 0].numpy()

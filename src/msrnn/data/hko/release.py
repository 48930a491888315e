"""The HKO-7 release tree: frame and mask paths, rainy-day lists, pandas catalogues, masks.

Layout::

    <root>/radarPNG/YYYY/MM/DD/RADyymmddHHMMSS.png        480x480 8-bit grey, every 6 min
    <root>/radarPNG_mask/YYYY/MM/DD/RADyymmddHHMMSS.mask  zlib(bool (480, 480) bytes), True = usable
    <lists>/hko7_rainy_{train,valid,test}_days.txt        lines "YYYYMMDD, <daily rain mm>"
    <lists>/pd/hko7_rainy_{train,valid,test}.pkl          pandas objects indexed by frame time

``<lists>`` is the ``hko_data/`` folder of the HKO-7 repository (default ``<root>/hko_data``).
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path

import numpy as np

from msrnn.data.radar.catalogue import Catalogue
from msrnn.data.radar.png import write_mask, write_png_gray
from msrnn.data.radar.times import epoch_seconds, stem_time, to_datetime

CADENCE = 6 * 60  # seconds between HKO-7 frames
LIST_NAMES = {"train": "train", "val": "valid", "test": "test"}


def frame_path(root: Path, seconds: int, *, mask: bool = False) -> Path:
    """Path of the PNG (or ``.mask``) of the frame at ``seconds`` in the release tree.

    Example:
        >>> frame_path(Path("hko"), 1420070760).as_posix()
        'hko/radarPNG/2015/01/01/RAD150101000600.png'
    """
    moment = to_datetime(seconds)
    folder = root / ("radarPNG_mask" if mask else "radarPNG") / moment.strftime("%Y/%m/%d")
    return folder / moment.strftime(f"RAD%y%m%d%H%M%S.{'mask' if mask else 'png'}")


def list_path(lists_dir: Path, split: str) -> Path:
    return lists_dir / f"hko7_rainy_{LIST_NAMES[split]}_days.txt"


def read_rainy_days(path: Path) -> list[date]:
    """The days of a ``hko7_rainy_*_days.txt`` list.

    Raises:
        FileNotFoundError: the list is missing.
        ValueError: a line is not ``YYYYMMDD, <rain>`` or the list is empty.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"rainy-day list not found: {path}; pass lists_dir= the folder holding "
            "hko7_rainy_{train,valid,test}_days.txt (hko_data/ of the HKO-7 repository)"
        )
    days = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        token = line.split(",")[0].strip()
        try:
            days.append(datetime.strptime(token, "%Y%m%d").date())
        except ValueError:
            raise ValueError(
                f"{path}, line {number}: expected 'YYYYMMDD, <daily rain mm>', got {line!r}"
            ) from None
    if not days:
        raise ValueError(f"{path} lists no days")
    return days


def write_rainy_days(path: Path, days: list[date]) -> Path:
    """Write a rainy-day list in the HKO-7 format (daily rain written as 0.0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{day:%Y%m%d}, 0.0\n" for day in days))
    return path


def check_disjoint_lists(lists_dir: Path) -> None:
    """Raise :class:`ValueError` if two split lists share a day (validation is never test)."""
    days = {split: set(read_rainy_days(list_path(lists_dir, split))) for split in LIST_NAMES}
    for first, second in (("train", "val"), ("train", "test"), ("val", "test")):
        shared = days[first] & days[second]
        if shared:
            raise ValueError(
                f"the {first} and {second} rainy-day lists in {lists_dir} share "
                f"{len(shared)} day(s), e.g. {min(shared)}; the splits must be disjoint"
            )


def pickle_times(path: Path) -> np.ndarray | None:
    """Frame times (seconds) of a pandas catalogue pickle; ``None`` if absent or unreadable.

    Pickles written by the pandas of 2017 often fail to load under pandas 2/3; then a warning
    says so and the caller scans the folders instead. Unpickling runs code: use trusted files.
    """
    if not path.is_file():
        return None
    try:
        import pandas as pd

        index = pd.read_pickle(path).index
        values = np.asarray(index.values).astype("datetime64[s]")
    except Exception as error:  # any failure (old pickle, pandas missing) means "rescan"
        warnings.warn(
            f"{path} could not be read ({type(error).__name__}: {error}); scanning radarPNG/ "
            "for the frames of the rainy days instead",
            stacklevel=3,
        )
        return None
    return np.unique(values.astype(np.int64))


def release_catalogue(root: Path, split: str, lists_dir: Path, use_pickles: bool) -> Catalogue:
    """Frames of ``split``: the times of the pandas pickle if it loads (``use_pickles``), else
    the frames of the days of the rainy-day list; either way only frames present on disk.

    Raises:
        FileNotFoundError: the list is missing, or no frame of the split is on disk.
    """
    check_disjoint_lists(lists_dir)
    pickle = lists_dir / "pd" / f"hko7_rainy_{LIST_NAMES[split]}.pkl"
    pickled = pickle_times(pickle) if use_pickles else None
    if pickled is None:
        days = read_rainy_days(list_path(lists_dir, split))
    else:
        days = sorted({to_datetime(t).date() for t in pickled})
    times, paths = _scan_days(root, days, split)
    catalogue = Catalogue.build(times, paths, CADENCE, str(root))
    if pickled is None:
        return catalogue
    catalogue = catalogue.subset(np.isin(catalogue.times, pickled))
    if len(catalogue) < len(pickled):
        warnings.warn(
            f"{len(pickled) - len(catalogue)} of the {len(pickled)} frames listed in {pickle} "
            "are not on disk; they are treated as gaps",
            stacklevel=3,
        )
    return catalogue


def _scan_days(root: Path, days: list[date], split: str) -> tuple[list[int], list[Path]]:
    times, paths, absent = [], [], []
    for day in days:
        folder = root / "radarPNG" / f"{day:%Y/%m/%d}"
        if not folder.is_dir():
            absent.append(day)
            continue
        for path in folder.glob("RAD*.png"):
            seconds = stem_time(path.stem)
            if seconds is not None:
                times.append(seconds)
                paths.append(path)
    if not paths:
        raise FileNotFoundError(
            f"no radarPNG/YYYY/MM/DD/RAD*.png frames under {root} for the {len(days)} {split} "
            "day(s) of the split"
        )
    if absent:
        warnings.warn(
            f"{len(absent)} {split} day(s) have no folder under {root / 'radarPNG'} "
            f"(first: {absent[0]}); they are skipped",
            stacklevel=4,
        )
    return times, paths


def hko7_frame_path(root: str | Path, time: datetime, *, mask: bool = False) -> Path:
    """Path of the frame (or mask) at ``time`` in the release tree under ``root``.

    Example:
        >>> hko7_frame_path("hko", datetime(2015, 1, 1, 0, 6)).as_posix()
        'hko/radarPNG/2015/01/01/RAD150101000600.png'
    """
    return frame_path(Path(root), epoch_seconds(time), mask=mask)


def write_hko7_frame(
    root: str | Path, time: datetime, pixels: np.ndarray, *, mask: np.ndarray | None = None
) -> Path:
    """Write one frame (``(H, W)`` uint8) of the release tree, and its ``.mask`` if given.

    Raises:
        ValueError: ``pixels`` is not 2-D uint8, or ``mask`` has another shape.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise ValueError(f"pixels must be (H, W) uint8, got {pixels.shape} {pixels.dtype}")
    if mask is not None:
        if np.shape(mask) != pixels.shape:
            raise ValueError(f"mask shape {np.shape(mask)} differs from frame {pixels.shape}")
        write_mask(hko7_frame_path(root, time, mask=True), mask)
    return write_png_gray(hko7_frame_path(root, time), pixels)

"""Radar archives laid out as split folders ``root/{train,valid,test}/*.png`` (MS-RNN's HKO-7 and
DWD frames), catalogued by the timestamps or numbers in the file names."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from msrnn.data.radar.catalogue import Catalogue
from msrnn.data.radar.times import stem_time

#: The share of ``train/`` held out for validation when there is no ``valid/`` folder.
VAL_FRACTION = 0.1
_SPLIT_FOLDERS = {"train": ("train",), "val": ("valid", "val"), "test": ("test",)}
#: The folder each split is written to.
FOLDER_NAMES = {split: names[0] for split, names in _SPLIT_FOLDERS.items()}


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

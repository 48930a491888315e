r"""HKO-7: the Hong Kong Observatory radar echo archive (Shi et al., NeurIPS 2017,
https://arxiv.org/abs/1706.03458), as used by MS-RNN.

Frames are 480×480 8-bit grey PNGs, one every 6 minutes (2009–2015). A pixel value :math:`v`
encodes reflectivity and, through HKO's Z–R relation :math:`Z = 58.53 R^{1.56}`, rain rate:

.. math::
    p = v / 255, \qquad \mathrm{dBZ} = 70 p - 10, \qquad
    R = 10^{(\mathrm{dBZ} - 10 \log_{10} 58.53) / 15.6} \ \mathrm{mm/h}

(:func:`msrnn.radar.radar_convention` ``("hko-7")``; 0.5 / 2 / 5 / 10 / 30 mm/h are the pixels
0.3283 / 0.4624 / 0.5511 / 0.6182 / 0.7245).

Two on-disk layouts are read (``layout="auto"`` picks by the folders present):

* ``"release"``, the HKO-7 tree ``radarPNG/YYYY/MM/DD/RADyymmddHHMMSS.png`` with the masks in
  ``radarPNG_mask/`` and the split lists of the HKO-7 repository's ``hko_data/``
  (``hko7_rainy_{train,valid,test}_days.txt``: 812 / 50 / 131 rainy days, test = 2015). The frames
  of a split are taken from the pandas catalogue ``hko_data/pd/hko7_rainy_<split>.pkl`` when it
  loads, else by scanning the day folders of the list;
* ``"folders"``, MS-RNN's ``<root>/{train,valid,test}/<timestamp>.png`` (stems such as
  ``201501010006`` or ``RAD150101000600``; masks, if any, as ``<stem>.mask`` beside the PNG).
  Without ``valid/`` the last ``val_fraction`` of the training frames (in time) is the validation
  split. MS-RNN itself has no validation split (it validates on the test set); here validation is
  never the test set.

Protocol of the paper (the defaults): 10 observed + 10 forecast frames at the native 6-minute
spacing (``frame_step=1``; the official code's HEAD takes every 6th file, ``frame_step=6``),
frames resized bilinearly to 88×88, non-overlapping windows (``stride=None``). Unlike the
official loader, a window never straddles a gap in the archive: all its frames must exist at
exactly ``frame_step · 6`` minutes apart.

Masks: with ``apply_mask=True`` every frame's ``.mask`` is read and the pixels it marks unusable
(``False``: clutter, outside the radar range) are set to 0 (−10 dBZ, no echo) *before* resizing.
The data then look like MS-RNN's offline-masked ``HKO-7-*-with-mask`` frames; losses and metrics
see ordinary frames (no per-pixel weights).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from msrnn.data.hko.release import CADENCE, frame_path, release_catalogue
from msrnn.data.radar.clips import Box, RadarClips, Size
from msrnn.data.radar.png import PngReader
from msrnn.data.radar.split_folders import VAL_FRACTION, split_folder_catalogue
from msrnn.data.splits import Split, check_split
from msrnn.radar import radar_convention

Layout = Literal["auto", "release", "folders"]
PAPER_SIZE = 88
PAPER_INPUT_FRAMES = 10
PAPER_OUTPUT_FRAMES = 10
PAPER_FRAME_STEP = 1
PAPER_RAINY_DAYS = {"train": 812, "val": 50, "test": 131}


def detect_layout(root: Path) -> Literal["release", "folders"]:
    """``"release"`` if ``root/radarPNG`` exists, ``"folders"`` if ``root/train`` does.

    Raises:
        FileNotFoundError: neither (or ``root`` is missing).
    """
    if (root / "radarPNG").is_dir():
        return "release"
    if (root / "train").is_dir():
        return "folders"
    raise FileNotFoundError(
        f"{root} is neither an HKO-7 release tree (radarPNG/YYYY/MM/DD/RAD*.png) nor split "
        "folders (train/, valid/, test/ of PNG frames)"
    )


class HKO7(RadarClips):
    """HKO-7 clips ``(seq_len, 1, size, size)`` in [0, 1] (the HKO pixel encoding, see module).

    Args:
        root: the release tree or the split folders (see the module docstring).
        split: ``"train"``, ``"val"`` or ``"test"``.
        seq_len: frames per clip (paper: 10 + 10).
        size: output side or ``(h, w)`` (paper: 88); ``None`` keeps 480×480.
        frame_step: 6-minute steps between clip frames.
        stride: clip starts at least ``stride`` clip frames apart; default ``seq_len``.
        apply_mask: zero the pixels the ``.mask`` files mark unusable.
        layout: ``"auto"``, ``"release"`` or ``"folders"``.
        lists_dir: folder of the rainy-day lists and ``pd/`` pickles (release layout); default
            ``root/hko_data``.
        use_pickles: read the pandas catalogues when they load (release layout).
        val_fraction: share of the training frames held out for validation when the folders
            layout has no ``valid/`` folder.
        crop: ``(top, left, height, width)`` cut from the 480×480 frame before resizing.

    Shape:
        ``dataset[i]``: ``(seq_len, 1, h, w)`` float32.

    Raises:
        FileNotFoundError: missing folders, lists, frames or masks.
        ValueError: unknown split/layout, overlapping split lists, corrupt or non-grey PNGs,
            frames of different sizes, corrupt masks, no gap-free window.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        split: Split = "train",
        seq_len: int = PAPER_INPUT_FRAMES + PAPER_OUTPUT_FRAMES,
        size: Size | None = PAPER_SIZE,
        frame_step: int = PAPER_FRAME_STEP,
        stride: int | None = None,
        apply_mask: bool = False,
        layout: Layout = "auto",
        lists_dir: str | Path | None = None,
        use_pickles: bool = True,
        val_fraction: float = VAL_FRACTION,
        crop: Box | None = None,
    ) -> None:
        check_split(split)
        root = Path(root)
        if layout not in ("auto", "release", "folders"):
            raise ValueError(f"layout must be 'auto', 'release' or 'folders', got {layout!r}")
        layout = detect_layout(root) if layout == "auto" else layout
        if layout == "release":
            lists = root / "hko_data" if lists_dir is None else Path(lists_dir)
            catalogue = release_catalogue(root, split, lists, use_pickles)
            masks = [frame_path(root, int(t), mask=True) for t in catalogue.times]
        else:
            catalogue = split_folder_catalogue(
                root, split, cadence=CADENCE, val_fraction=val_fraction
            )
            masks = [path.with_suffix(".mask") for path in catalogue.items]
        self.layout, self.split = layout, split
        super().__init__(
            catalogue,
            PngReader(catalogue.items, masks if apply_mask else None),
            name="hko-7",
            convention=radar_convention("hko-7"),
            seq_len=seq_len,
            frame_step=frame_step,
            stride=stride,
            size=size,
            crop=crop,
        )

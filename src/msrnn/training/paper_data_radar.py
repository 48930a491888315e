"""Data modules of the radar datasets: HKO-7, German DWD radar, and synthetic radar.

Each sets ``radar`` (the dataset's Z–R relation and pixel encoding), so ``msrnn test`` adds
CSI/HSS/POD/FAR at 0.5, 2, 5, 10 and 30 mm/h and the balanced B-MSE/B-MAE to ``metrics.json``
(``csi_30_mean``, ``hss_0.5``, ...). Validation is always its own split, never the test split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from torch.utils.data import Dataset

from msrnn.data import dwd, hko, synthetic_radar
from msrnn.data.dwd.pixels import Missing
from msrnn.data.dwd.rydl import RYDL_VALUE_UNITS, ValueUnits
from msrnn.data.radar.split_folders import VAL_FRACTION
from msrnn.radar import radar_convention
from msrnn.training.datamodule import SequenceDataModule


def _existing(root: str) -> Path:
    path = Path(root)
    if not path.exists():
        raise FileNotFoundError(f"data not found: {path}; set --data.init_args.root")
    return path


class HKO7DataModule(SequenceDataModule):
    """HKO-7 radar echoes (:class:`msrnn.data.hko.HKO7`), the paper's protocol by default (the
    constants of :mod:`msrnn.data.hko`).

    Paper: rainy days only, 812 / 50 / 131 days for train / validation / test (the HKO-7 lists),
    frames resized bilinearly from 480x480 to 88x88, 10 observed -> 10 forecast frames at the
    native 6-minute spacing, non-overlapping windows that never straddle a gap in the archive.

    Args:
        root: an HKO-7 release tree (``radarPNG/``, ``radarPNG_mask/``, ``hko_data/``) or split
            folders ``train/``, ``valid/``, ``test/`` of timestamped PNG frames.
        size: frame side after resizing.
        frame_step: 6-minute steps between the frames of a clip (official HEAD code: 6).
        stride: clip starts at least ``stride`` frames apart; default the clip length.
        apply_mask: zero the pixels the ``.mask`` files mark unusable, before resizing.
        layout: ``"auto"``, ``"release"`` or ``"folders"``.
        lists_dir: folder of the rainy-day lists / pandas catalogues; default ``root/hko_data``.
        use_pickles: use the pandas catalogues when they load (else scan the day folders).
        val_fraction: share of ``train/`` held out when split folders have no ``valid/``.
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per sequence.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "hko7"

    def __init__(
        self,
        *,
        root: str,
        size: int = hko.PAPER_SIZE,
        frame_step: int = hko.PAPER_FRAME_STEP,
        stride: int | None = None,
        apply_mask: bool = False,
        layout: hko.Layout = "auto",
        lists_dir: str | None = None,
        use_pickles: bool = True,
        val_fraction: float = VAL_FRACTION,
        input_frames: int = hko.PAPER_INPUT_FRAMES,
        output_frames: int = hko.PAPER_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        self.root = _existing(root)
        self.radar = radar_convention("hko-7")
        self.options = {
            "size": size,
            "frame_step": frame_step,
            "stride": stride,
            "apply_mask": apply_mask,
            "layout": layout,
            "lists_dir": lists_dir,
            "use_pickles": use_pickles,
            "val_fraction": val_fraction,
        }

    def make_dataset(self, split: str) -> Dataset:
        return hko.HKO7(self.root, split=split, seq_len=self.seq_len, **self.options)


class DWDDataModule(SequenceDataModule):
    """German DWD radar (:mod:`msrnn.data.dwd`), the paper's protocol by default (the constants
    of :mod:`msrnn.data.dwd.protocol`, which every source's reader defaults to as well).

    Paper (MS-RNN's ``DWD-12-480``): 5 observed -> 5 forecast frames taken every 6th 5-minute
    frame (30-minute spacing), resized to 124x124; thresholds with DWD's ``Z = 256 R^1.42``.

    Args:
        root: ``source="png"``: folder with ``train/``, ``test/`` (``valid/``) PNG frames;
            ``"rydl"``: ``RYDL.hdf5`` or its folder; ``"radolan"``: folder of RADOLAN files.
        source: ``"png"``, ``"rydl"`` or ``"radolan"``.
        size: frame side after cropping and resizing.
        frame_step: archive steps between the frames of a clip (5 min each for PNG/RYDL/RY).
        stride: clip starts at least ``stride`` frames apart; default the clip length.
        crop: ``(top, left, height, width)`` cut from the native frame before resizing.
        years: ``"rydl"``/``"radolan"``: inclusive year range per split; default train
            2006-2014, validation 2015, test 2016-2017.
        value_units: ``"rydl"``: ``"mm/5min"`` (RainNet's archive, x12 to mm/h) or ``"mm/h"``.
        missing: ``"rydl"``/``"radolan"``: ``"raise"`` or ``"zero"`` for missing pixels; default
            the reader's (:class:`msrnn.data.RYDL` raises, :class:`msrnn.data.RadolanFolder`
            reads RADOLAN's no-data flags as dry).
        product: ``"radolan"``: the product to read when the folder holds several.
        val_fraction: ``"png"``: share of ``train/`` held out when there is no ``valid/``.
        apply_mask: ``"png"``: zero the pixels marked unusable by ``<stem>.mask`` files.
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per sequence.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "dwd"

    def __init__(
        self,
        *,
        root: str,
        source: Literal["png", "rydl", "radolan"] = "png",
        size: int = dwd.PAPER_SIZE,
        frame_step: int = dwd.PAPER_FRAME_STEP,
        stride: int | None = None,
        crop: tuple[int, int, int, int] | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        value_units: ValueUnits = RYDL_VALUE_UNITS,
        missing: Missing | None = None,
        product: str | None = None,
        val_fraction: float = VAL_FRACTION,
        apply_mask: bool = False,
        input_frames: int = dwd.PAPER_INPUT_FRAMES,
        output_frames: int = dwd.PAPER_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        if source not in ("png", "rydl", "radolan"):
            raise ValueError(f"source must be 'png', 'rydl' or 'radolan', got {source!r}")
        self.root, self.source = _existing(root), source
        self.radar = radar_convention("dwd")
        common = {"size": size, "frame_step": frame_step, "stride": stride, "crop": crop}
        chosen = {} if missing is None else {"missing": missing}
        per_source = {
            "png": {"val_fraction": val_fraction, "apply_mask": apply_mask},
            "rydl": {"years": years, "value_units": value_units, **chosen},
            "radolan": {"years": years, "product": product, **chosen},
        }
        self.options = {**common, **per_source[source]}

    def make_dataset(self, split: str) -> Dataset:
        if self.source == "png":
            return dwd.DWDPngFrames(self.root, split=split, seq_len=self.seq_len, **self.options)
        if self.source == "radolan":
            return dwd.RadolanFolder(self.root, split=split, seq_len=self.seq_len, **self.options)
        path = self.root / "RYDL.hdf5" if self.root.is_dir() else self.root
        return dwd.RYDL(path, split=split, seq_len=self.seq_len, **self.options)


class SyntheticRadarDataModule(SequenceDataModule):
    """Synthetic radar generated on the fly (:class:`msrnn.data.synthetic_radar.SyntheticRadar`):
    advected, growing and decaying rain cells over stratiform rain, no files needed.

    Train, validation and test use disjoint seeds. The defaults (the ``DEMO_*`` constants of
    :mod:`msrnn.data.synthetic_radar`) mirror HKO-7 at a demo scale: 64x64 frames, 10 -> 10
    frames, the HKO-7 pixel encoding and Z-R relation.

    Args:
        train_sequences: sequences in the training split.
        val_sequences: sequences in the validation split.
        test_sequences: sequences in the test split.
        size: frame side in pixels.
        convention: radar convention of the pixels and thresholds (``"hko-7"``, ``"dwd"``, ...).
        num_cells: mean number of convective cells per sequence.
        max_speed: largest background motion component, px/frame.
        lifecycle: cells grow and decay (``False``: pure advection, persistence-friendly).
        stratiform_fraction: wet share of the stratiform layer.
        quantize: round pixels to 8 bits, as PNG archives store them.
        data_seed: seed of the generator.
        input_frames: observed frames per sequence.
        output_frames: frames to forecast per sequence.
        **kwargs: :class:`SequenceDataModule` arguments (batch size, workers, ...).
    """

    name = "synthetic_radar"

    def __init__(
        self,
        *,
        train_sequences: int = synthetic_radar.DEMO_NUM_SEQUENCES["train"],
        val_sequences: int = synthetic_radar.DEMO_NUM_SEQUENCES["val"],
        test_sequences: int = synthetic_radar.DEMO_NUM_SEQUENCES["test"],
        size: int = synthetic_radar.DEMO_SIZE,
        convention: str = synthetic_radar.DEMO_CONVENTION,
        num_cells: float = synthetic_radar.DEMO_NUM_CELLS,
        max_speed: float = synthetic_radar.DEMO_MAX_SPEED,
        lifecycle: bool = True,
        stratiform_fraction: float = synthetic_radar.DEMO_STRATIFORM_FRACTION,
        quantize: bool = False,
        data_seed: int = 0,
        input_frames: int = synthetic_radar.DEMO_INPUT_FRAMES,
        output_frames: int = synthetic_radar.DEMO_OUTPUT_FRAMES,
        **kwargs,
    ) -> None:
        super().__init__(input_frames=input_frames, output_frames=output_frames, **kwargs)
        self.counts = {"train": train_sequences, "val": val_sequences, "test": test_sequences}
        self.radar = radar_convention(convention)
        self.quantize = quantize
        self.rain_options = {
            "size": size,
            "num_cells": num_cells,
            "max_speed": max_speed,
            "lifecycle": lifecycle,
            "stratiform_fraction": stratiform_fraction,
            "seed": data_seed,
        }

    def make_dataset(self, split: str) -> Dataset:
        rain = synthetic_radar.SyntheticRain(seq_len=self.seq_len, **self.rain_options)
        return synthetic_radar.SyntheticRadar(
            split=split,
            num_sequences=self.counts[split],
            rain=rain,
            convention=self.radar,
            quantize=self.quantize,
        )

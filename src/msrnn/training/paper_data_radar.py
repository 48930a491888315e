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

from msrnn.radar import radar_convention
from msrnn.training.datamodule import SequenceDataModule


def _existing(root: str) -> Path:
    path = Path(root)
    if not path.exists():
        raise FileNotFoundError(f"data not found: {path}; set --data.init_args.root")
    return path


class HKO7DataModule(SequenceDataModule):
    """HKO-7 radar echoes (:class:`msrnn.data.hko.HKO7`), the paper's protocol by default.

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
        **kwargs: :class:`SequenceDataModule` arguments (batch size, frames, workers, ...).
    """

    def __init__(
        self,
        *,
        root: str,
        size: int = 88,
        frame_step: int = 1,
        stride: int | None = None,
        apply_mask: bool = False,
        layout: Literal["auto", "release", "folders"] = "auto",
        lists_dir: str | None = None,
        use_pickles: bool = True,
        val_fraction: float = 0.1,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
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
        from msrnn.data.hko import HKO7

        return HKO7(self.root, split=split, seq_len=self.seq_len, **self.options)


class DWDDataModule(SequenceDataModule):
    """German DWD radar (:mod:`msrnn.data.dwd`), the paper's protocol by default.

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
            ``"raise"`` for RYDL, ``"zero"`` for RADOLAN's no-data flags.
        product: ``"radolan"``: the product to read when the folder holds several.
        val_fraction: ``"png"``: share of ``train/`` held out when there is no ``valid/``.
        apply_mask: ``"png"``: zero the pixels marked unusable by ``<stem>.mask`` files.
        **kwargs: :class:`SequenceDataModule` arguments; frames default to 5 -> 5.
    """

    def __init__(
        self,
        *,
        root: str,
        source: Literal["png", "rydl", "radolan"] = "png",
        size: int = 124,
        frame_step: int = 6,
        stride: int | None = None,
        crop: tuple[int, int, int, int] | None = None,
        years: Mapping[str, Sequence[int]] | None = None,
        value_units: Literal["mm/5min", "mm/h"] = "mm/5min",
        missing: Literal["raise", "zero"] | None = None,
        product: str | None = None,
        val_fraction: float = 0.1,
        apply_mask: bool = False,
        **kwargs,
    ) -> None:
        kwargs.setdefault("input_frames", 5)
        kwargs.setdefault("output_frames", 5)
        super().__init__(**kwargs)
        if source not in ("png", "rydl", "radolan"):
            raise ValueError(f"source must be 'png', 'rydl' or 'radolan', got {source!r}")
        self.root, self.source = _existing(root), source
        self.radar = radar_convention("dwd")
        common = {"size": size, "frame_step": frame_step, "stride": stride, "crop": crop}
        per_source = {
            "png": {"val_fraction": val_fraction, "apply_mask": apply_mask},
            "rydl": {"years": years, "value_units": value_units, "missing": missing or "raise"},
            "radolan": {"years": years, "product": product, "missing": missing or "zero"},
        }
        self.options = {**common, **per_source[source]}

    def make_dataset(self, split: str) -> Dataset:
        from msrnn.data.dwd import RYDL, DWDPngFrames, RadolanFolder

        if self.source == "png":
            return DWDPngFrames(self.root, split=split, seq_len=self.seq_len, **self.options)
        if self.source == "radolan":
            return RadolanFolder(self.root, split=split, seq_len=self.seq_len, **self.options)
        path = self.root / "RYDL.hdf5" if self.root.is_dir() else self.root
        return RYDL(path, split=split, seq_len=self.seq_len, **self.options)


class SyntheticRadarDataModule(SequenceDataModule):
    """Synthetic radar generated on the fly (:class:`msrnn.data.synthetic_radar.SyntheticRadar`):
    advected, growing and decaying rain cells over stratiform rain, no files needed.

    Train, validation and test use disjoint seeds. The defaults mirror HKO-7 at a demo scale:
    64x64 frames, 10 -> 10 frames, the HKO-7 pixel encoding and Z-R relation.

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
        **kwargs: :class:`SequenceDataModule` arguments.
    """

    def __init__(
        self,
        *,
        train_sequences: int = 2000,
        val_sequences: int = 250,
        test_sequences: int = 500,
        size: int = 64,
        convention: str = "hko-7",
        num_cells: float = 5.0,
        max_speed: float = 2.0,
        lifecycle: bool = True,
        stratiform_fraction: float = 0.3,
        quantize: bool = False,
        data_seed: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
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
        from msrnn.data.synthetic_radar import SyntheticRadar, SyntheticRain

        rain = SyntheticRain(seq_len=self.seq_len, **self.rain_options)
        return SyntheticRadar(
            split=split,
            num_sequences=self.counts[split],
            rain=rain,
            convention=self.radar,
            quantize=self.quantize,
        )

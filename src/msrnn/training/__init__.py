"""Training and evaluation with Lightning: the system, data modules and the command line."""

from msrnn.losses import frame_sum_loss
from msrnn.training.datamodule import SequenceDataModule
from msrnn.training.datamodules import ArrayDataModule, MovingMNISTDataModule
from msrnn.training.fit_clock import FitClock
from msrnn.training.interruption import PeriodicLastCheckpoint
from msrnn.training.paper_data_radar import (
    DWDDataModule,
    HKO7DataModule,
    SyntheticRadarDataModule,
)
from msrnn.training.paper_data_video import KTHDataModule, TaxiBJDataModule
from msrnn.training.system import ForecastSystem

__all__ = [
    "ArrayDataModule",
    "DWDDataModule",
    "FitClock",
    "ForecastSystem",
    "HKO7DataModule",
    "KTHDataModule",
    "MovingMNISTDataModule",
    "PeriodicLastCheckpoint",
    "SequenceDataModule",
    "SyntheticRadarDataModule",
    "TaxiBJDataModule",
    "frame_sum_loss",
]

"""Training and evaluation with Lightning: the system, data modules and the command line."""

from msrnn.training.datamodule import SequenceDataModule
from msrnn.training.datamodules import ArrayDataModule, MovingMNISTDataModule
from msrnn.training.losses import frame_sum_loss
from msrnn.training.system import ForecastSystem

__all__ = [
    "ArrayDataModule",
    "ForecastSystem",
    "MovingMNISTDataModule",
    "SequenceDataModule",
    "frame_sum_loss",
]

"""Parameter-free and small building blocks shared by the cells and the stack."""

from msrnn.layers.gates import SummedConv2d
from msrnn.layers.resample import level_size, resample

__all__ = ["SummedConv2d", "level_size", "resample"]

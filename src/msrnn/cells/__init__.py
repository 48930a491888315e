"""Convolutional recurrent cells, one module per family."""

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.convlstm import ConvLSTMCell, ConvLSTMState
from msrnn.cells.predrnn import STLSTMCell, STLSTMState
from msrnn.cells.predrnn_pp import CausalLSTMCell, CausalLSTMState, GradientHighwayUnit
from msrnn.cells.predrnn_v2 import DecouplingLoss

__all__ = [
    "CausalLSTMCell",
    "CausalLSTMState",
    "CellOutput",
    "ConvLSTMCell",
    "ConvLSTMState",
    "DecouplingLoss",
    "GradientHighwayUnit",
    "RecurrentCell",
    "STLSTMCell",
    "STLSTMState",
]

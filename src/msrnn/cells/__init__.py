"""Convolutional recurrent cells, one module per family."""

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.cmslstm import CMSLSTMCell
from msrnn.cells.convlstm import ConvLSTMCell, ConvLSTMState
from msrnn.cells.mim import MIMCell, MIMState
from msrnn.cells.mklstm import MKLSTMCell, MKLSTMState
from msrnn.cells.modernn import MoDeRNNCell
from msrnn.cells.motionrnn import MotionGRU, MotionRNNCell, MotionRNNState
from msrnn.cells.preciplstm import PrecipLSTMCell, PrecipLSTMState
from msrnn.cells.predrnn import STLSTMCell, STLSTMState
from msrnn.cells.predrnn_pp import CausalLSTMCell, CausalLSTMState, GradientHighwayUnit
from msrnn.cells.predrnn_v2 import DecouplingLoss
from msrnn.cells.trajgru import TrajGRUCell, TrajGRUState

__all__ = [
    "CMSLSTMCell",
    "CausalLSTMCell",
    "CausalLSTMState",
    "CellOutput",
    "ConvLSTMCell",
    "ConvLSTMState",
    "DecouplingLoss",
    "GradientHighwayUnit",
    "MIMCell",
    "MIMState",
    "MKLSTMCell",
    "MKLSTMState",
    "MoDeRNNCell",
    "MotionGRU",
    "MotionRNNCell",
    "MotionRNNState",
    "PrecipLSTMCell",
    "PrecipLSTMState",
    "RecurrentCell",
    "STLSTMCell",
    "STLSTMState",
    "TrajGRUCell",
    "TrajGRUState",
]

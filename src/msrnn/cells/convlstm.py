"""ConvLSTM cell (Shi et al., 2015)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.lstm_pointwise import convlstm_pointwise


class ConvLSTMState(NamedTuple):
    """Hidden state ``h`` and cell state ``c``, each ``(B, C, h, w)``."""

    h: Tensor
    c: Tensor


class ConvLSTMCell(RecurrentCell):
    r"""Convolutional LSTM without peepholes.

    "Convolutional LSTM Network: A Machine Learning Approach for Precipitation Nowcasting",
    Shi et al., NeurIPS 2015, https://arxiv.org/abs/1506.04214.

    .. math::
        [i, f, g, o] &= \mathrm{split}_4(W_x * X_t + W_h * H_{t-1}) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        H_t &= \sigma(o) \odot \tanh(C_t)

    Each of :math:`W_x, W_h` is a ``C -> 4C`` convolution with its own bias
    (``2 * (9 * 4C * C + 4C)`` parameters for ``k = 3``; 295,424 for ``C = 64``).

    Args:
        channels: input and hidden channels ``C``.
        kernel_size: odd kernel size ``k`` of both convolutions.
        fused: evaluate :math:`W_x * X + W_h * H` as one convolution and the gate arithmetic as
            one autograd function with an analytic backward pass
            (:func:`~msrnn.layers.lstm_pointwise.convlstm_pointwise`): the same result, fewer
            temporaries and one saved map less per step. ``fused`` holds the switch.

    Shape:
        ``x``: ``(B, C, h, w)``; state tensors ``(B, C, h, w)``; output ``hidden`` ``(B, C, h, w)``.

    Deviations from the reference code: none.
    """

    def __init__(self, channels: int, kernel_size: int = 3, *, fused: bool = False) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        self.gates = SummedConv2d([channels, channels], 4 * channels, kernel_size, fused=fused)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> ConvLSTMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        return ConvLSTMState(zeros, zeros)

    def forward(
        self,
        x: Tensor,
        state: ConvLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        h, c = convlstm_pointwise(self.gates(x, state.h), state.c, fused=self.fused)
        return CellOutput(h, ConvLSTMState(h, c))

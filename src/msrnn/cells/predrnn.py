"""Spatiotemporal LSTM (ST-LSTM), the cell of PredRNN (Wang et al., 2017)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.lstm_pointwise import lstm_update, stlstm_output


class STLSTMState(NamedTuple):
    """Hidden state ``h`` and cell state ``c``, each ``(B, C, h, w)``."""

    h: Tensor
    c: Tensor


class STLSTMCell(RecurrentCell):
    r"""Spatiotemporal LSTM with the zigzag memory :math:`M`.

    "PredRNN: Recurrent Neural Networks for Predictive Learning using Spatiotemporal LSTMs",
    Wang et al., NeurIPS 2017, https://arxiv.org/abs/2103.09504.

    .. math::
        [i, f, g, o'] &= \mathrm{split}_4(W_x * X_t + W_h * H_{t-1}) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        [i_m, f_m, g_m] &= \mathrm{split}_3(W_{xm} * X_t + W_m * M) \\
        M_t &= \sigma(f_m) \odot M + \sigma(i_m) \odot \tanh(g_m) \\
        o &= \sigma(o' + W_{co} * C_t + W_{mo} * M_t) \\
        H_t &= o \odot \tanh(W_1 * [C_t, M_t])

    :math:`M` is the memory handed over by the layer below (or by the top layer at ``t-1``).
    Convolutions: :math:`W_x, W_h: C \to 4C`; :math:`W_{xm}, W_m: C \to 3C`;
    :math:`W_{co}, W_{mo}: C \to C` (all ``k x k``, with bias); :math:`W_1: 2C \to C` (1x1).
    599,104 parameters for ``C = 64, k = 3``.

    With ``return_increments=True`` (PredRNN-V2) the output's ``aux`` holds the increments
    :math:`\Delta C = \sigma(i) \odot \tanh(g)` and :math:`\Delta M = \sigma(i_m) \odot \tanh(g_m)`
    under the keys ``"delta_c"`` and ``"delta_m"``.

    Args:
        channels: input, hidden and memory channels ``C``.
        kernel_size: odd kernel size ``k``.
        fused: evaluate each sum of two convolutions, and :math:`W_1 * [C_t, M_t]`, as one
            convolution that saves no concatenation, and the gate arithmetic as autograd
            functions with analytic backward passes (:mod:`msrnn.layers.lstm_pointwise`): the
            same result, fewer temporaries and two saved maps less per step. ``fused``
            switches the gate arithmetic and the ``1x1`` convolution.
        return_increments: also return the increments used by PredRNN-V2's decoupling loss.

    Shape:
        ``x``, ``memory``, state tensors, ``hidden``: ``(B, C, h, w)``.

    Deviations from the reference code: none (no forget-gate bias offset, no layer norm, as in the
    MS-RNN code).
    """

    uses_memory = True

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        fused: bool = False,
        return_increments: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        c, k = channels, kernel_size
        self.return_increments = return_increments
        self.gates = SummedConv2d([c, c], 4 * c, k, fused=fused)
        self.memory_gates = SummedConv2d([c, c], 3 * c, k, fused=fused)
        self.output_gate = SummedConv2d([c, c], c, k, fused=fused)
        self.fuse = nn.Conv2d(2 * c, c, kernel_size=1)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> STLSTMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        return STLSTMState(zeros, zeros)

    def forward(
        self,
        x: Tensor,
        state: STLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        if memory is None:
            raise ValueError(f"{type(self).__name__} needs the zigzag memory M, got None")
        fused, increment = self.fused, self.return_increments
        ifg, o = self.gates(x, state.h).split([3 * self.channels, self.channels], dim=1)
        c, delta_c = lstm_update(ifg, state.c, increment=increment, fused=fused)
        m, delta_m = lstm_update(
            self.memory_gates(x, memory), memory, increment=increment, fused=fused
        )
        z = conv2d_of_concatenation(self.fuse, (c, m), fused=fused)
        h = stlstm_output(o, self.output_gate(c, m), z, fused=fused)
        aux = {"delta_c": delta_c, "delta_m": delta_m} if increment else None
        return CellOutput(h, STLSTMState(h, c), m, aux)

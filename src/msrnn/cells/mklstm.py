"""MK-LSTM (Ma et al., 2023): two ConvLSTM branches with different kernels sharing one hidden state.

In the multi-scale stack this cell gives the paper's MS-LSTM.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.lstm_pointwise import lstm_update


class MKLSTMState(NamedTuple):
    """Hidden state ``h`` and the cell states of the small- and large-kernel branches."""

    h: Tensor
    c_small: Tensor
    c_large: Tensor


class MKLSTMCell(RecurrentCell):
    r"""Multi-kernel LSTM: a ``k x k`` and a ``K x K`` ConvLSTM branch with one shared output.

    "MS-LSTM: Exploring Spatiotemporal Multiscale Representations in Video Prediction Domain",
    Ma, Zhang, Liu, 2023, https://arxiv.org/abs/2304.07724.

    With :math:`s` the small (``k``) and :math:`\ell` the large (``K``) kernel branch,
    :math:`b \in \{s, \ell\}`:

    .. math::
        [i_b, f_b, g_b, o_b] &= \mathrm{split}_4(W^b_x * X_t + W^b_h * H_{t-1}) \\
        C^b_t &= \sigma(f_b) \odot C^b_{t-1} + \sigma(i_b) \odot \tanh(g_b) \\
        o &= \sigma(o_s + o_\ell + W^s_c * C^s_t + W^\ell_c * C^\ell_t) \\
        H_t &= o \odot \tanh(W_1 * [C^s_t, C^\ell_t])

    Convolutions, all with bias: :math:`W^s_x, W^s_h: C \to 4C` and :math:`W^s_c: C \to C`
    (``k x k``); :math:`W^\ell_x, W^\ell_h: C \to 4C` and :math:`W^\ell_c: C \to C` (``K x K``);
    :math:`W_1: 2C \to C` (``1x1``). 1,262,784 parameters for ``C = 64, k = 3, K = 5``.

    Args:
        channels: input and hidden channels ``C``.
        kernel_size: odd kernel size ``k`` of the small branch (3 in the paper).
        large_kernel_size: odd kernel size ``K`` of the large branch (5 in the paper).
        fused: evaluate each :math:`W_x * X + W_h * H` as one convolution, the branch updates
            through :func:`~msrnn.layers.lstm_pointwise.lstm_update` and :math:`W_1` through
            :func:`~msrnn.layers.gates.conv2d_of_concatenation` (same result; two saved maps
            less per step).

    Raises:
        ValueError: if ``large_kernel_size`` is not a positive odd number.

    Shape:
        ``x``, state tensors, ``hidden``: ``(B, C, h, w)``.

    Deviations from the reference code: none.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        large_kernel_size: int = 5,
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        if large_kernel_size < 1 or large_kernel_size % 2 == 0:
            raise ValueError(
                f"large_kernel_size must be a positive odd number, got {large_kernel_size}"
            )
        c, k, big = channels, kernel_size, large_kernel_size
        self.large_kernel_size = big
        self.small_gates = SummedConv2d([c, c], 4 * c, k, fused=fused)
        self.large_gates = SummedConv2d([c, c], 4 * c, big, fused=fused)
        self.small_output = nn.Conv2d(c, c, k, padding=k // 2)
        self.large_output = nn.Conv2d(c, c, big, padding=big // 2)
        self.fuse = nn.Conv2d(2 * c, c, kernel_size=1)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> MKLSTMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        return MKLSTMState(zeros, zeros, zeros)

    def forward(
        self,
        x: Tensor,
        state: MKLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        fused = self.fused
        c_small, o_small = _branch(self.small_gates(x, state.h), state.c_small, fused=fused)
        c_large, o_large = _branch(self.large_gates(x, state.h), state.c_large, fused=fused)
        o = o_small + o_large + self.small_output(c_small) + self.large_output(c_large)
        z = conv2d_of_concatenation(self.fuse, (c_small, c_large), fused=fused)
        h = torch.sigmoid(o) * torch.tanh(z)
        return CellOutput(h, MKLSTMState(h, c_small, c_large))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, large_kernel_size={self.large_kernel_size}"


def _branch(gates: Tensor, c: Tensor, *, fused: bool) -> tuple[Tensor, Tensor]:
    """One LSTM branch: the new cell state and the branch's output-gate pre-activation.

    Fused, the update goes through :func:`~msrnn.layers.lstm_pointwise.lstm_update`.
    """
    ifg, o = gates.split([3 * c.shape[1], c.shape[1]], dim=1)
    return lstm_update(ifg, c, fused=fused)[0], o

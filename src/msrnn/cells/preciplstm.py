"""PrecipLSTM: ST-LSTM with local attention, a spatial (SLAM) and a temporal-difference (TDM)
memory (Ma et al., 2022)."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.local_attention import LocalAttention, Window
from msrnn.layers.lstm_pointwise import lstm_update, stlstm_output


class PrecipLSTMState(NamedTuple):
    """Hidden ``h``, cell ``c``, SLAM memory ``m_s``, TDM memory ``m_t`` and the previous input.

    ``x_prev`` is the exact input this layer received at the previous step (zeros at ``t = 0``);
    in a multi-scale stack it includes the skip sum.
    """

    h: Tensor
    c: Tensor
    m_s: Tensor
    m_t: Tensor
    x_prev: Tensor


class PrecipLSTMCell(RecurrentCell):
    r"""PrecipLSTM cell: local attention (SLAM) and temporal differences (TDM) on an ST-LSTM.

    "PrecipLSTM: A Meteorological Spatiotemporal LSTM for Precipitation Nowcasting",
    Ma et al., IEEE TGRS 2022, https://doi.org/10.1109/TGRS.2022.3198222.

    .. math::
        \tilde X_t &= X_t + W_{att} * \mathrm{LA}(X_t) \\
        [i, f, g, o'] &= \mathrm{split}_4(W_x * \tilde X_t + W_h * H_{t-1}) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        [i_m, f_m, g_m] &= \mathrm{split}_3(W_{xm} * \tilde X_t + W_m * M) \\
        M_t &= \sigma(f_m) \odot M + \sigma(i_m) \odot \tanh(g_m) \\
        [i_s, f_s, g_s] &= \mathrm{split}_3(W_{xs} * \tilde X_t + W_{ss} * M^s_{t-1}) \\
        M^s_t &= \sigma(f_s) \odot M^s_{t-1} + \sigma(i_s) \odot \tanh(g_s) \\
        [i_d, f_d, g_d] &= \mathrm{split}_3(W_{xd} * (X_t - X_{t-1}) + W_{dd} * M^d_{t-1}) \\
        M^d_t &= \sigma(f_d) \odot M^d_{t-1} + \sigma(i_d) \odot \tanh(g_d) \\
        o &= \sigma(o' + W_{co} * C_t + W_{so} * M^s_t + W_{do} * M^d_t + W_{mo} * M_t) \\
        H_t &= o \odot \tanh(W_1 * [C_t, M^s_t, M^d_t, M_t])

    :math:`\mathrm{LA}` is the local attention
    :class:`~msrnn.layers.local_attention.LocalAttention` over a ``K x K`` window (``K = 30`` in
    the reference code; see :func:`~msrnn.layers.local_attention.local_attention` for the exact
    semantics).
    :math:`M` is the zigzag memory from the layer below (or from the top layer at ``t-1``),
    :math:`M^s` the SLAM memory and :math:`M^d` the TDM memory; :math:`X_{t-1}` is the input this
    layer saw at ``t-1`` (zeros at ``t = 0``), kept in the state.

    Convolutions: :math:`W_x, W_h: C \to 4C`; :math:`W_{xm}, W_m, W_{xs}, W_{ss}, W_{xd}, W_{dd}:
    C \to 3C`; :math:`W_{co}, W_{so}, W_{do}, W_{mo}, W_{att}: C \to C` (all ``k x k``, with
    bias); :math:`W_1: 4C \to C` (1x1, with bias); the attention's three 1x1 projections without
    bias. 1,173,504 parameters for ``C = 64, k = 3`` (whatever the window); every one is used.

    Args:
        channels: input, hidden and memory channels ``C``.
        kernel_size: odd kernel size ``k``.
        window: attention window ``K`` or ``(K_H, K_W)``.
        fused: evaluate each sum of convolutions, and :math:`W_1 * [C_t, M^s_t, M^d_t, M_t]`,
            as one convolution and the four state updates and the output through
            :mod:`msrnn.layers.lstm_pointwise`: the same result, fewer temporaries, and four
            saved maps less per step (:math:`W_1` keeps its four inputs, not their
            concatenation). ``fused`` holds the switch.

    Raises:
        ValueError, TypeError: for an invalid window.

    Shape:
        ``x``, ``memory``, state tensors, ``hidden``: ``(B, C, h, w)``.

    Deviations from the reference code: the local attention is a pure-PyTorch operator with the
    CUDA extension's semantics (the reference code's own PyTorch fallback pads symmetrically and
    is wrong for even windows), whose backward pass recomputes the shifted keys and values instead
    of storing them.
    """

    uses_memory = True

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        window: Window = 30,
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        c, k = channels, kernel_size
        self.attention = LocalAttention(c, window)
        self.attention_out = nn.Conv2d(c, c, k, padding=k // 2)
        self.gates = SummedConv2d([c, c], 4 * c, k, fused=fused)
        self.memory_gates = SummedConv2d([c, c], 3 * c, k, fused=fused)
        self.spatial_gates = SummedConv2d([c, c], 3 * c, k, fused=fused)
        self.temporal_gates = SummedConv2d([c, c], 3 * c, k, fused=fused)
        self.output_gate = SummedConv2d([c, c, c, c], c, k, fused=fused)
        self.fuse = nn.Conv2d(4 * c, c, kernel_size=1)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> PrecipLSTMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        return PrecipLSTMState(zeros, zeros, zeros, zeros, zeros)

    def forward(
        self,
        x: Tensor,
        state: PrecipLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        if memory is None:
            raise ValueError(f"{type(self).__name__} needs the zigzag memory M, got None")
        attended = x + self.attention_out(self.attention(x))
        fused = self.fused
        ifg, o = self.gates(attended, state.h).split([3 * self.channels, self.channels], dim=1)
        c, _ = lstm_update(ifg, state.c, fused=fused)
        m, _ = lstm_update(self.memory_gates(attended, memory), memory, fused=fused)
        m_s, _ = lstm_update(self.spatial_gates(attended, state.m_s), state.m_s, fused=fused)
        drive = x - state.x_prev
        m_t, _ = lstm_update(self.temporal_gates(drive, state.m_t), state.m_t, fused=fused)
        memories = (c, m_s, m_t, m)
        z = conv2d_of_concatenation(self.fuse, memories, fused=fused)
        h = stlstm_output(o, self.output_gate(*memories), z, fused=fused)
        return CellOutput(h, PrecipLSTMState(h, c, m_s, m_t, x), m)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, window={self.attention.window}"

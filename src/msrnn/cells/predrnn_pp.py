"""Causal LSTM and Gradient Highway Unit, the cells of PredRNN++ (Wang et al., 2018)."""

from __future__ import annotations

from functools import partial
from typing import Literal, NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.lstm_pointwise import lstm_update

HighwayMode = Literal["active", "dormant", "none"]


class CausalLSTMState(NamedTuple):
    """Hidden ``h``, cell ``c`` and, in the highway layer, the highway state ``z``."""

    h: Tensor
    c: Tensor
    z: Tensor | None


class GradientHighwayUnit(nn.Module):
    r"""Gradient Highway Unit.

    .. math::
        [p, s] &= \mathrm{split}_2(W_{px} * X_t + W_{pz} * Z_{t-1}) \\
        Z_t &= \sigma(s) \odot \tanh(p) + (1 - \sigma(s)) \odot Z_{t-1}

    Two ``C -> 2C`` ``k x k`` convolutions with bias (73,856 parameters each for ``C = 64``).
    """

    def __init__(self, channels: int, kernel_size: int, *, fused: bool = False) -> None:
        super().__init__()
        self.gates = SummedConv2d([channels, channels], 2 * channels, kernel_size, fused=fused)

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        p, s = self.gates(x, z).chunk(2, dim=1)
        switch = torch.sigmoid(s)
        return switch * torch.tanh(p) + (1 - switch) * z


class CausalLSTMCell(RecurrentCell):
    r"""Causal LSTM, optionally preceded by a Gradient Highway Unit.

    "PredRNN++: Towards A Resolution of the Deep-in-Time Dilemma in Spatiotemporal Predictive
    Learning", Wang et al., ICML 2018, https://arxiv.org/abs/1804.06300.

    With ``highway="active"`` the GHU is fused into this layer (as the MS-RNN paper does for the
    second layer): the input first passes through the GHU, :math:`X_t \leftarrow Z_t`. Then

    .. math::
        [i, f, g] &= \mathrm{split}_3(W_c * [X_t, H_{t-1}, C_{t-1}]) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        [i_m, f_m, g_m] &= \mathrm{split}_3(W_m * [X_t, C_t, M]) \\
        M_t &= \sigma(f_m) \odot \tanh(W_{mm} * M) + \sigma(i_m) \odot \tanh(g_m) \\
        o &= \tanh(W_o * [X_t, C_t, M_t]) \\
        H_t &= o \odot \tanh(W_1 * [C_t, M_t])

    Convolutions: :math:`W_c, W_m: 3C \to 3C` and :math:`W_o: 3C \to C` (``k x k``);
    :math:`W_{mm}: C \to C` and :math:`W_1: 2C \to C` (1x1); all with bias. 787,008 parameters
    for ``C = 64, k = 3``, plus 147,712 for the GHU.

    Args:
        channels: input, hidden and memory channels ``C``.
        kernel_size: odd kernel size ``k``.
        highway: ``"active"`` runs a GHU in front of the cell; ``"dormant"`` allocates the GHU's
            parameters but never runs them (the official code does this in every layer but the
            second, and the paper counts them); ``"none"`` has no GHU.
        fused: evaluate the GHU's sum of two convolutions as one convolution, the
            convolutions over concatenations through
            :func:`~msrnn.layers.gates.conv2d_of_concatenation` (which keeps the tensors it
            concatenates, held by the recurrence anyway, for backward instead of four new
            concatenations of eleven maps in all: in a stack about ten saved maps less per
            step) and the two LSTM updates through
            :func:`~msrnn.layers.lstm_pointwise.lstm_update`; the same result. The attribute
            ``fused`` holds the switch.

    Shape:
        ``x``, ``memory``, state tensors, ``hidden``: ``(B, C, h, w)``.

    Deviations from the reference code: none. The output gate uses ``tanh`` and does not see
    :math:`H_{t-1}`, exactly as the official MS-RNN and PredRNN++ code.
    """

    uses_memory = True

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        highway: HighwayMode = "none",
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        if highway not in ("active", "dormant", "none"):
            raise ValueError(f"highway must be 'active', 'dormant' or 'none', got {highway!r}")
        c, k = channels, kernel_size
        self.highway = highway
        self.cell_gates = nn.Conv2d(3 * c, 3 * c, k, padding=k // 2)
        self.memory_gates = nn.Conv2d(3 * c, 3 * c, k, padding=k // 2)
        self.memory_transform = nn.Conv2d(c, c, kernel_size=1)
        self.output_gate = nn.Conv2d(3 * c, c, k, padding=k // 2)
        self.fuse = nn.Conv2d(2 * c, c, kernel_size=1)
        self.ghu = GradientHighwayUnit(c, k, fused=fused) if highway != "none" else None

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> CausalLSTMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        return CausalLSTMState(zeros, zeros, zeros if self.highway == "active" else None)

    def forward(
        self,
        x: Tensor,
        state: CausalLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        if memory is None:
            raise ValueError(f"{type(self).__name__} needs the zigzag memory M, got None")
        z = state.z
        if self.highway == "active":
            z = self.ghu(x, z)
            x = z
        conv = partial(conv2d_of_concatenation, fused=self.fused)
        c, _ = lstm_update(conv(self.cell_gates, (x, state.h, state.c)), state.c, fused=self.fused)
        transformed = torch.tanh(self.memory_transform(memory))
        m, _ = lstm_update(conv(self.memory_gates, (x, c, memory)), transformed, fused=self.fused)
        o = torch.tanh(conv(self.output_gate, (x, c, m)))
        h = o * torch.tanh(conv(self.fuse, (c, m)))
        return CellOutput(h, CausalLSTMState(h, c, z), m)

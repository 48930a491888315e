"""Memory In Memory (MIM): an ST-LSTM whose forget path is replaced by two cascaded memories."""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.predrnn import STLSTMCell
from msrnn.layers import SummedConv2d
from msrnn.layers.fusable import Fusable
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.lstm_pointwise import lstm_update, stlstm_output

BlocksMode = Literal["active", "dormant", "none"]


class MIMState(NamedTuple):
    """Hidden ``h``, cell ``c`` and, when the MIM blocks run, their memories ``n`` and ``s``."""

    h: Tensor
    c: Tensor
    n: Tensor | None
    s: Tensor | None


class MIMStep(NamedTuple):
    r"""One MIM step: the new state, the zigzag memory after the layer and the output gate ``o``.

    The output gate is exposed for MotionRNN's motion highway, :math:`(1 - o) \odot X_t`.
    """

    state: MIMState
    memory: Tensor
    gate: Tensor


class NonStationaryBlock(Fusable):
    r"""MIM-N: an LSTM on the temporal difference :math:`\Delta` of the layer below.

    .. math::
        [i, f, g] &= \mathrm{split}_3(W_{dn} * \Delta + W_{nn} * N_{t-1}) \\
        N_t &= \sigma(f) \odot N_{t-1} + \sigma(i) \odot \tanh(g) \\
        D_t &= \sigma(W_{do} * \Delta + W_{no} * N_t) \odot \tanh(N_t)

    Returns :math:`(D_t, N_t)`. 295,424 parameters for ``C = 64, k = 3``.
    """

    def __init__(self, channels: int, kernel_size: int, *, fused: bool = False) -> None:
        super().__init__(fused=fused)
        c, k = channels, kernel_size
        self.gates = SummedConv2d([c, c], 3 * c, k, fused=fused)
        self.output_gate = SummedConv2d([c, c], c, k, fused=fused)

    def forward(self, delta: Tensor, n: Tensor) -> tuple[Tensor, Tensor]:
        n = lstm_update(self.gates(delta, n), n, fused=self.fused)[0]
        return torch.sigmoid(self.output_gate(delta, n)) * torch.tanh(n), n


class StationaryBlock(Fusable):
    r"""MIM-S: an LSTM driven by MIM-N's output :math:`D_t` and the previous cell state.

    .. math::
        [i, f, g, o] &= \mathrm{split}_4(W_{ds} * D_t + W_{cs} * C_{t-1}) \\
        S_t &= \sigma(f) \odot S_{t-1} + \sigma(i) \odot \tanh(g) \\
        T_t &= \sigma(o + W_{so} * S_t) \odot \tanh(S_t)

    Returns :math:`(T_t, S_t)`. 332,352 parameters for ``C = 64, k = 3``.
    """

    def __init__(self, channels: int, kernel_size: int, *, fused: bool = False) -> None:
        super().__init__(fused=fused)
        c, k = channels, kernel_size
        self.gates = SummedConv2d([c, c], 4 * c, k, fused=fused)
        self.output_gate = nn.Conv2d(c, c, k, padding=k // 2)

    def forward(self, d: Tensor, c: Tensor, s: Tensor) -> tuple[Tensor, Tensor]:
        ifg, o = self.gates(d, c).split([3 * s.shape[1], s.shape[1]], dim=1)
        fused = self.fused
        s = lstm_update(ifg, s, fused=fused)[0]
        return stlstm_output(o, self.output_gate(s), s, fused=fused), s


class MIMCell(RecurrentCell):
    r"""Memory In Memory cell with the zigzag memory :math:`M` and the diagonal input.

    "Memory In Memory: A Predictive Neural Network for Learning Higher-Order Non-Stationarity from
    Spatiotemporal Dynamics", Wang et al., CVPR 2019, https://arxiv.org/abs/1811.07490.

    With ``blocks="active"`` (layers ``l >= 1``), :math:`\Delta = X_t - H_{t-1}^{l-1}` (the
    ``diagonal``, zeros when ``None``) feeds the :class:`NonStationaryBlock` and its output
    :math:`D_t` the :class:`StationaryBlock`, whose :math:`T_t` replaces the forget path:

    .. math::
        [i, f, g, o'] &= \mathrm{split}_4(W_x * X_t + W_h * H_{t-1}) \\
        C_t &= T_t + \sigma(i) \odot \tanh(g)
            \quad (\text{ST-LSTM: } \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g)) \\
        [i_m, f_m, g_m] &= \mathrm{split}_3(W_{xm} * X_t + W_m * M) \\
        M_t &= \sigma(f_m) \odot M + \sigma(i_m) \odot \tanh(g_m) \\
        o &= \sigma(o' + W_{co} * C_t + W_{mo} * M_t) \\
        H_t &= o \odot \tanh(W_1 * [C_t, M_t])

    With ``blocks="dormant"`` or ``"none"`` the cell is exactly an ST-LSTM (the bracketed
    :math:`C_t`), as the official code's first layer. The ST-LSTM convolutions are those of a
    composed :class:`~msrnn.cells.predrnn.STLSTMCell` (599,104 parameters for ``C = 64, k = 3``);
    the two blocks add 627,776, so a cell has 1,226,880 unless ``blocks="none"``.

    Args:
        channels: input, hidden and memory channels ``C``.
        kernel_size: odd kernel size ``k``.
        blocks: ``"active"`` runs MIM-N and MIM-S; ``"dormant"`` allocates their parameters but
            never runs them (the official code does this in the first layer, and the paper counts
            them); ``"none"`` has no blocks.
        fused: evaluate each sum of two convolutions, and :math:`W_1 * [C_t, M_t]`, as one
            convolution and the LSTM updates of :math:`M`, :math:`N` and :math:`S` and MIM-S's
            output through :mod:`msrnn.layers.lstm_pointwise`: the same result, fewer
            temporaries, two saved maps less per step. ``lstm.fused`` holds the switch.

    Raises:
        ValueError: for an unknown ``blocks`` mode, or when ``forward`` gets no memory.

    Shape:
        ``x``, ``memory``, ``diagonal``, state tensors, ``hidden``: ``(B, C, h, w)``; ``n``, ``s``
        are ``None`` unless ``blocks="active"``.

    With active blocks the forget pre-activation :math:`f` is computed but unused, so the
    :math:`f` rows of :math:`W_x, W_h` get no gradient; they are kept because the reference code
    allocates them and the paper counts them.

    Deviations from the reference code: the dormant blocks of the first layer are not evaluated
    (the reference computes and discards them; the output is the same).
    """

    uses_memory = True
    uses_diagonal = True

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        blocks: BlocksMode = "active",
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        if blocks not in ("active", "dormant", "none"):
            raise ValueError(f"blocks must be 'active', 'dormant' or 'none', got {blocks!r}")
        self.blocks = blocks
        self.lstm = STLSTMCell(channels, kernel_size, fused=fused)
        self.non_stationary: NonStationaryBlock | None = None
        self.stationary: StationaryBlock | None = None
        if blocks != "none":
            self.non_stationary = NonStationaryBlock(channels, kernel_size, fused=fused)
            self.stationary = StationaryBlock(channels, kernel_size, fused=fused)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> MIMState:
        zeros = self.zeros(batch, height, width, device=device, dtype=dtype)
        blocks = zeros if self.blocks == "active" else None
        return MIMState(zeros, zeros, blocks, blocks)

    def step(
        self, x: Tensor, state: MIMState, *, memory: Tensor | None, diagonal: Tensor | None
    ) -> MIMStep:
        """One update, also returning the output gate :math:`o` (see :class:`MIMStep`)."""
        if memory is None:
            raise ValueError(f"{type(self).__name__} needs the zigzag memory M, got None")
        i, f, g, o = self.lstm.gates(x, state.h).chunk(4, dim=1)
        n, s = state.n, state.s
        if self.blocks == "active":
            delta = x if diagonal is None else x - diagonal
            d, n = self.non_stationary(delta, n)
            forget, s = self.stationary(d, state.c, s)
        else:
            forget = torch.sigmoid(f) * state.c
        c = forget + torch.sigmoid(i) * torch.tanh(g)
        h, m, o = _memory_and_output(self.lstm, x, c, memory, o)
        return MIMStep(MIMState(h, c, n, s), m, o)

    def forward(
        self,
        x: Tensor,
        state: MIMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        out = self.step(x, state, memory=memory, diagonal=diagonal)
        return CellOutput(out.state.h, out.state, out.memory)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, blocks={self.blocks!r}"


def _memory_and_output(
    lstm: STLSTMCell, x: Tensor, c: Tensor, memory: Tensor, o: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """The ST-LSTM's zigzag-memory update and output given :math:`C_t` and :math:`o'`.

    Fused, :math:`W_1 * [C_t, M_t]` goes through
    :func:`~msrnn.layers.gates.conv2d_of_concatenation`, which keeps :math:`C_t` and :math:`M_t`
    for backward instead of their concatenation.

    Returns :math:`(H_t, M_t, o)`.
    """
    fused = lstm.fused
    m = lstm_update(lstm.memory_gates(x, memory), memory, fused=fused)[0]
    o = torch.sigmoid(o + lstm.output_gate(c, m))
    z = conv2d_of_concatenation(lstm.fuse, (c, m), fused=fused)
    return o * torch.tanh(z), m, o

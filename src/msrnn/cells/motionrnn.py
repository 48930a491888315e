"""MotionRNN: a MIM cell followed by a MotionGRU and the motion highway (Wu et al., 2021)."""

from __future__ import annotations

from functools import partial
from typing import Literal, NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.mim import BlocksMode, MIMCell, MIMState
from msrnn.layers.fusable import Fusable
from msrnn.layers.gates import conv2d_of_concatenation
from msrnn.layers.warp import multi_warp

MotionMode = Literal["active", "dormant", "none"]


class MotionRNNState(NamedTuple):
    """The MIM state ``h, c, n, s`` plus the MotionGRU's transient flow ``f`` and trend ``d``.

    ``h`` is the post-highway output. ``f`` and ``d`` live on half the layer's grid and are
    ``None`` unless the MotionGRU runs; ``n`` and ``s`` as in :class:`~msrnn.cells.mim.MIMState`.
    """

    h: Tensor
    c: Tensor
    n: Tensor | None
    s: Tensor | None
    f: Tensor | None
    d: Tensor | None


class MotionGRU(Fusable):
    r"""MotionGRU: per-pixel motion filters learnt as :math:`K = k^2` flow fields.

    "MotionRNN: A Flexible Model for Video Prediction with Spacetime-Varying Motions", Wu et al.,
    CVPR 2021, https://arxiv.org/abs/2103.02243. With :math:`E = \mathrm{Enc}(H)`:

    .. math::
        u &= \sigma(W_u * [E, F_{t-1}]), \quad r = \sigma(W_r * [E, F_{t-1}]) \\
        z &= \tanh(W_z * [E, r \odot F_{t-1}]) \\
        D_t &= D_{t-1} + \alpha (F_{t-1} - D_{t-1}) \\
        F_t &= u \odot z + (1 - u) \odot F_{t-1} + D_t \\
        H'_j &= \sigma(W_{hm} * E)_j \odot \mathrm{warp}(E, F_t^{(j)}), \quad j = 1 \dots K \\
        \hat H &= \mathrm{Dec}_2(\mathrm{Dec}_1([H'_1, \dots, H'_K])) \\
        g &= \sigma(W_g * [\hat H, H]), \quad X = g \odot H + (1 - g) \odot \hat H

    Flow field :math:`F_t^{(j)}` of sample ``b`` is channels ``2j`` (x-displacement) and ``2j+1``
    (y-displacement), in pixels, of ``F_t[b]``; it warps sample ``b``'s own features with
    :func:`~msrnn.layers.warp.multi_warp` (bilinear, zero padding, zero flow = identity, flow not
    negated). Channel ``c`` of :math:`H'_j` is channel ``c * K + j`` of the decoder input, so each
    decoder input channel is one spatial map.

    Widths, for hidden width ``C`` and encoder width ``C_e = max(1, C // 4)``: ``Enc``
    ``C -> C_e`` (2x2, stride 2); :math:`W_u, W_r, W_z`: ``C_e + 2K -> 2K`` (1x1; :math:`W_u` and
    :math:`W_r` stored as one convolution); :math:`W_{hm}`: ``C_e -> K``; ``Dec1``:
    ``K C_e -> C_e`` (1x1); ``Dec2``: ``C_e -> C`` (transposed 4x4, stride 2, padding 1);
    :math:`W_g`: ``2C -> C`` (1x1); all with bias. 33,179 parameters for ``C = 64, k = 3``.

    Odd grids: the encoder drops the last row (column) of an odd ``h`` (``w``), and ``Dec2`` adds
    it back as its extra output row (``output_size``, i.e. ``output_padding = 1``), fed by the
    last encoded row and the bias, so :math:`\hat H` always lands on the exact ``h x w`` grid.

    Args:
        channels: hidden width ``C``.
        motion_kernel: ``k``, giving ``K = k**2`` flow fields.
        alpha: trend update rate :math:`\alpha`.
        fused: evaluate the 1x1 convolutions over concatenations through
            :func:`~msrnn.layers.gates.conv2d_of_concatenation` (the same result; backward
            keeps the concatenated tensors, not their concatenation).

    Shape:
        ``h``: ``(B, C, h, w)`` with ``h, w >= 2``; ``flow``, ``trend``:
        ``(B, 2K, h // 2, w // 2)``; returns ``X`` on the grid of ``h`` and the new flow and trend.
    """

    def __init__(
        self, channels: int, *, motion_kernel: int = 3, alpha: float = 0.5, fused: bool = False
    ) -> None:
        super().__init__(fused=fused)
        if motion_kernel < 1:
            raise ValueError(f"motion_kernel must be a positive integer, got {motion_kernel}")
        width = max(1, channels // 4)
        self.fields = motion_kernel**2
        self.flow_channels = 2 * self.fields
        self.alpha = alpha
        self.encoder = nn.Conv2d(channels, width, kernel_size=2, stride=2)
        self.update_reset = nn.Conv2d(width + self.flow_channels, 2 * self.flow_channels, 1)
        self.candidate = nn.Conv2d(width + self.flow_channels, self.flow_channels, 1)
        self.mask = nn.Conv2d(width, self.fields, 1)
        self.decoder_mix = nn.Conv2d(self.fields * width, width, 1)
        self.decoder_up = nn.ConvTranspose2d(width, channels, kernel_size=4, stride=2, padding=1)
        self.gate = nn.Conv2d(2 * channels, channels, 1)

    def forward(self, h: Tensor, flow: Tensor, trend: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        conv = partial(conv2d_of_concatenation, fused=self.fused)
        e = self.encoder(h)
        u, r = torch.sigmoid(conv(self.update_reset, (e, flow))).chunk(2, dim=1)
        z = torch.tanh(conv(self.candidate, (e, r * flow)))
        trend = trend + self.alpha * (flow - trend)
        flow = u * z + (1 - u) * flow + trend
        decoded = self.decoder_up(self.decoder_mix(self._warp(e, flow)), output_size=h.shape[-2:])
        g = torch.sigmoid(conv(self.gate, (decoded, h)))
        return g * h + (1 - g) * decoded, flow, trend

    def _warp(self, e: Tensor, flow: Tensor) -> Tensor:
        """Masked warps of ``e`` by its own sample's fields, flattened to ``(B, C_e K, h, w)``."""
        batch, width, height, breadth = e.shape
        fields = flow.reshape(batch, self.fields, 2, height, breadth)
        warped = multi_warp(e, fields).transpose(1, 2)  # (B, C_e, K, h, w): a free view
        masked = warped * torch.sigmoid(self.mask(e)).unsqueeze(1)
        return masked.view(batch, width * self.fields, height, breadth)

    def extra_repr(self) -> str:
        return f"fields={self.fields}, alpha={self.alpha}"


class MotionRNNCell(RecurrentCell):
    r"""MotionRNN layer: a MIM cell, then a MotionGRU and the motion highway.

    As in the MS-RNN paper, each :class:`MotionGRU` is fused with the
    :class:`~msrnn.cells.mim.MIMCell` below it into one layer.

    With :math:`H^{mim}_t` and :math:`o` the MIM cell's output and output gate, :math:`X_t` this
    layer's input and ``motion="active"``:

    .. math::
        X, F_t, D_t &= \mathrm{MotionGRU}(H^{mim}_t, F_{t-1}, D_{t-1}) \\
        H_t &= X + (1 - o) \odot X_t

    With ``motion="dormant"`` or ``"none"`` (the top layer), :math:`H_t = H^{mim}_t`. The stored
    :math:`H_t` (horizontal state, and the next layer's diagonal) is the post-highway value.
    1,260,059 parameters for ``C = 64, k = 3`` (1,226,880 MIM + 33,179 MotionGRU) unless a part
    is ``"none"``.

    Args:
        channels: input, hidden and memory channels ``C``.
        kernel_size: odd kernel size ``k`` of the MIM convolutions.
        blocks: the MIM blocks' mode (see :class:`~msrnn.cells.mim.MIMCell`).
        motion: ``"active"`` runs the MotionGRU and the highway; ``"dormant"`` allocates the
            MotionGRU but never runs it (the official code's top layer, counted by the paper);
            ``"none"`` has no MotionGRU.
        motion_kernel: ``k`` of the MotionGRU (``k**2`` flow fields).
        alpha: the MotionGRU's trend update rate.
        fused: the fused gate code of the MIM cell and the MotionGRU (same result).

    Raises:
        ValueError: for an unknown mode, a grid smaller than 2x2 with an active MotionGRU, or when
            ``forward`` gets no memory.

    Shape:
        ``x``, ``memory``, ``diagonal``, ``h``, ``c``, ``n``, ``s``: ``(B, C, h, w)``, any
        ``h, w >= 2``; ``f``, ``d``: ``(B, 2 k^2, h // 2, w // 2)``.

    Deviations from the reference code: each sample warps with its own flow fields and the warped
    features keep their spatial layout (the reference reshapes mix samples and scramble pixels);
    a zero flow is the identity; odd grids work; dormant parts are not
    evaluated (the reference computes and discards them).
    """

    uses_memory = True
    uses_diagonal = True
    min_grid = 2  # the MotionGRU works at half the layer's grid

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        blocks: BlocksMode = "active",
        motion: MotionMode = "active",
        motion_kernel: int = 3,
        alpha: float = 0.5,
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        if motion not in ("active", "dormant", "none"):
            raise ValueError(f"motion must be 'active', 'dormant' or 'none', got {motion!r}")
        self.motion = motion
        self.mim = MIMCell(channels, kernel_size, blocks=blocks, fused=fused)
        self.motion_gru: MotionGRU | None = None
        if motion != "none":
            self.motion_gru = MotionGRU(
                channels, motion_kernel=motion_kernel, alpha=alpha, fused=fused
            )

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> MotionRNNState:
        mim = self.mim.init_state(batch, height, width, device=device, dtype=dtype)
        if self.motion != "active":
            return MotionRNNState(*mim, None, None)
        if height < 2 or width < 2:
            raise ValueError(
                f"MotionRNN layers need grids of at least 2x2 (the MotionGRU halves them), "
                f"got {height}x{width}; use larger frames or fewer pyramid levels"
            )
        half = (batch, self.motion_gru.flow_channels, height // 2, width // 2)
        zeros = torch.zeros(half, device=device, dtype=dtype)
        return MotionRNNState(*mim, zeros, zeros)

    def forward(
        self,
        x: Tensor,
        state: MotionRNNState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        mim_state = MIMState(state.h, state.c, state.n, state.s)
        step = self.mim.step(x, mim_state, memory=memory, diagonal=diagonal)
        h, f, d = step.state.h, state.f, state.d
        if self.motion == "active":
            h, f, d = self.motion_gru(h, f, d)
            h = h + (1 - step.gate) * x
        new = MotionRNNState(h, step.state.c, step.state.n, step.state.s, f, d)
        return CellOutput(h, new, step.memory)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, motion={self.motion!r}"

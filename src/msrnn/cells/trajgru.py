"""TrajGRU: a convolutional GRU whose recurrent connections follow learned flow fields."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.layers import SummedConv2d
from msrnn.layers.warp import multi_warp

_SLOPE = 0.2  # LeakyReLU negative slope of the flow network and of the candidate state


class TrajGRUState(NamedTuple):
    """Hidden state ``h``, ``(B, C, h, w)``."""

    h: Tensor


class TrajGRUCell(RecurrentCell):
    r"""Trajectory GRU: the previous state is read along ``L`` learned trajectories (links).

    "Deep Learning for Precipitation Nowcasting: A Benchmark and A New Model", Shi et al.,
    NeurIPS 2017, https://arxiv.org/abs/1706.03458.

    A flow network predicts ``L`` displacement fields :math:`F_l = (u_l, v_l)` from the input and
    the previous state; the state is warped along each of them (:func:`msrnn.layers.warp.warp`,
    called with :math:`-F_l` as in the MS-RNN code) and the warped maps drive a GRU:

    .. math::
        [F_1, \dots, F_L] &= W_f * \mathrm{LReLU}(W_{fx} * X_t + W_{fh} * H_{t-1}) \\
        \tilde H_l &= \mathrm{warp}(H_{t-1}, -F_l), \quad l = 1 \dots L \\
        [z_x, r_x, h_x] &= \mathrm{split}_3(W_{xh} * X_t) \\
        [z_h, r_h, h_h] &= \mathrm{split}_3(P * [\tilde H_1, \dots, \tilde H_L]) \\
        z = \sigma(z_x + z_h), &\quad r = \sigma(r_x + r_h) \\
        H' &= \mathrm{LReLU}(h_x + r \odot h_h) \\
        H_t &= (1 - z) \odot H' + z \odot H_{t-1}

    with :math:`\mathrm{LReLU}` the leaky ReLU of slope 0.2 and :math:`F_l` the flow channels
    ``[2l, 2l+1]`` (x- then y-displacement, in pixels). Convolutions (all with bias):
    :math:`W_{fx}, W_{fh}: C \to F` and :math:`W_f: F \to 2L` (``k_f x k_f``),
    :math:`W_{xh}: C \to 3C` (``k x k``), :math:`P: LC \to 3C` (1x1). The defaults are the flow
    network of the MS-RNN code's first release, which gives the paper's parameter count
    (``F = 32, k_f = 5, L = 10``: 352,340 parameters for ``C = 64, k = 3``; 2,114,233 for the
    six-layer model). The later code uses ``flow_channels=64, flow_kernel_size=3`` (319,252).

    The ``L`` warps run as one call that samples :math:`H_{t-1}` at all links' positions
    (:func:`msrnn.layers.warp.multi_warp`), so autograd keeps :math:`H_{t-1}` once, not ``L``
    copies of it, and :math:`P` reads its channel-major result without a copy.

    Args:
        channels: input and hidden channels ``C``.
        kernel_size: odd kernel size ``k`` of the input-to-state convolution.
        links: number of links ``L``.
        flow_channels: hidden width ``F`` of the flow network.
        flow_kernel_size: odd kernel size ``k_f`` of the flow network.
        fused: evaluate :math:`W_{fx} * X_t + W_{fh} * H_{t-1}` as one convolution (same result).

    Raises:
        ValueError: for a non-positive ``links`` or ``flow_channels`` or an even or non-positive
            ``flow_kernel_size``.

    Shape:
        ``x``, ``state.h``, ``hidden``: ``(B, C, h, w)``, any ``h, w``.

    Deviations from the reference code:

    * The warp uses one coordinate convention, so a zero flow is exactly the identity; the
      official code normalises with the ``align_corners=True`` formula but samples with
      ``align_corners=False``, which slightly magnifies the state and dims its borders.
    * Gate order ``[z, r, h]`` in both projections (the first release uses ``[r, z, h]``): a
      permutation of output channels, the same family of functions.
    * :math:`P` reads the warped maps channel-major (input channel ``c L + l``, the layout
      :func:`~msrnn.layers.warp.multi_warp` produces) where the reference concatenates them
      link-major (``l C + c``): a permutation of input channels, the same family of functions.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        links: int = 10,
        flow_channels: int = 32,
        flow_kernel_size: int = 5,
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        if links < 1:
            raise ValueError(f"links must be at least 1, got {links}")
        if flow_channels < 1:
            raise ValueError(f"flow_channels must be positive, got {flow_channels}")
        if flow_kernel_size < 1 or flow_kernel_size % 2 == 0:
            raise ValueError(
                f"flow_kernel_size must be a positive odd number, got {flow_kernel_size}"
            )
        c = channels
        self.links = links
        self.flow_hidden = SummedConv2d([c, c], flow_channels, flow_kernel_size, fused=fused)
        self.flow_out = nn.Conv2d(
            flow_channels, 2 * links, flow_kernel_size, padding=flow_kernel_size // 2
        )
        self.input_gates = nn.Conv2d(c, 3 * c, kernel_size, padding=kernel_size // 2)
        self.state_gates = nn.Conv2d(links * c, 3 * c, kernel_size=1)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> TrajGRUState:
        return TrajGRUState(self.zeros(batch, height, width, device=device, dtype=dtype))

    def flows(self, x: Tensor, h: Tensor) -> Tensor:
        """The ``L`` flow fields :math:`F_l`, ``(B, L, 2, h, w)``, channel 0 = x-displacement."""
        hidden = F.leaky_relu(self.flow_hidden(x, h), _SLOPE)
        return self.flow_out(hidden).unflatten(1, (self.links, 2))

    def forward(
        self,
        x: Tensor,
        state: TrajGRUState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        h = state.h
        warped = multi_warp(h, -self.flows(x, h))  # (B, L, C, h, w)
        z_x, r_x, h_x = self.input_gates(x).chunk(3, dim=1)
        # channel-major (B, C L, h, w): a free view of multi_warp's result
        z_h, r_h, h_h = self.state_gates(warped.transpose(1, 2).flatten(1, 2)).chunk(3, dim=1)
        z = torch.sigmoid(z_x + z_h)
        r = torch.sigmoid(r_x + r_h)
        candidate = F.leaky_relu(h_x + r * h_h, _SLOPE)
        h_new = (1 - z) * candidate + z * h
        return CellOutput(h_new, TrajGRUState(h_new))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, links={self.links}"

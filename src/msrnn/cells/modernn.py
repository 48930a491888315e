"""MoDeRNN (Chai et al., 2022): a detail context block in front of a ConvLSTM.

The context block (alternating mutual gating of the input and the hidden state) is also the
"Context Embedding" block of CMS-LSTM (:mod:`msrnn.cells.cmslstm`), with a single kernel size.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from msrnn.cells.base import CellOutput, RecurrentCell
from msrnn.cells.convlstm import ConvLSTMCell, ConvLSTMState


class MultiKernelConv2d(nn.Module):
    r"""Mean of ``C -> C`` convolutions with different kernel sizes over the same input.

    .. math::
        y = \frac{1}{|K|} \sum_{k \in K} (W_k * x + b_k)

    Each :math:`W_k` is a ``k x k`` convolution with bias and "same" padding ``k // 2``.

    Args:
        channels: input and output channels ``C``.
        kernel_sizes: the odd kernel sizes ``K``.

    Raises:
        ValueError: if ``kernel_sizes`` is empty or holds an even or non-positive size.

    Shape:
        ``(B, C, h, w) -> (B, C, h, w)``.
    """

    def __init__(self, channels: int, kernel_sizes: Sequence[int]) -> None:
        super().__init__()
        kernel_sizes = tuple(kernel_sizes)
        if not kernel_sizes or any(k < 1 or k % 2 == 0 for k in kernel_sizes):
            raise ValueError(
                f"kernel_sizes must be a non-empty list of positive odd sizes, got {kernel_sizes}"
            )
        self.convs = nn.ModuleList(
            nn.Conv2d(channels, channels, k, padding=k // 2) for k in kernel_sizes
        )

    def forward(self, x: Tensor) -> Tensor:
        total = sum(conv(x) for conv in self.convs)
        return total / len(self.convs)


class ContextBlock(nn.Module):
    r"""Alternating mutual gating of the input and the hidden state.

    For :math:`i = 1, \dots, n` (``iterations``), starting with the input:

    .. math::
        X &\leftarrow 2\,\sigma(\bar W_H * H) \odot X \quad (i \text{ odd}) \\
        H &\leftarrow 2\,\sigma(\bar W_X * X) \odot H \quad (i \text{ even})

    where :math:`\bar W_H, \bar W_X` are :class:`MultiKernelConv2d` means (MoDeRNN's detail
    context block uses kernels 3, 5, 7; CMS-LSTM's context embedding block a single ``k x k``
    convolution each). The same two operators are reused at every iteration; with ``n = 5`` the
    input is gated three times and the hidden state twice.

    Args:
        channels: channels ``C`` of the input and the hidden state.
        kernel_sizes: kernel sizes averaged in each operator.
        iterations: number ``n`` of alternating updates.

    Raises:
        ValueError: if ``iterations < 1`` or the kernel sizes are invalid.

    Shape:
        ``forward(x, h)`` with both ``(B, C, h, w)`` returns the updated ``(x, h)``.
    """

    def __init__(self, channels: int, kernel_sizes: Sequence[int], *, iterations: int) -> None:
        super().__init__()
        if iterations < 1:
            raise ValueError(f"iterations must be at least 1, got {iterations}")
        self.iterations = iterations
        self.from_hidden = MultiKernelConv2d(channels, kernel_sizes)
        self.from_input = MultiKernelConv2d(channels, kernel_sizes)

    def forward(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        for i in range(1, self.iterations + 1):
            if i % 2 == 1:
                x = 2 * torch.sigmoid(self.from_hidden(h)) * x
            else:
                h = 2 * torch.sigmoid(self.from_input(x)) * h
        return x, h

    def extra_repr(self) -> str:
        return f"iterations={self.iterations}"


class MoDeRNNCell(RecurrentCell):
    r"""MoDeRNN cell: detail context block, then a ConvLSTM on the gated input and hidden state.

    "MoDeRNN: Towards Fine-grained Motion Details for Spatiotemporal Predictive Learning",
    Chai et al., ICASSP 2022, https://arxiv.org/abs/2110.12978.

    With :math:`\bar W_H, \bar W_X` the means of the ``3x3``, ``5x5`` and ``7x7`` ``C -> C``
    convolutions (:class:`ContextBlock`, five alternating updates):

    .. math::
        (\tilde X, \tilde H) &= \mathrm{DCB}(X_t, H_{t-1}) \\
        [i, f, g, o] &= \mathrm{split}_4(W_x * \tilde X + W_h * \tilde H) \\
        C_t &= \sigma(f) \odot C_{t-1} + \sigma(i) \odot \tanh(g) \\
        H_t &= \sigma(o) \odot \tanh(C_t)

    The gated :math:`\tilde H` only feeds the gates; the stored state is :math:`(H_t, C_t)`.
    Parameters: six detail convolutions (680,320 for ``C = 64``) plus the ConvLSTM's
    (295,424 for ``C = 64, k = 3``): 975,744. No zigzag memory.

    Args:
        channels: input and hidden channels ``C``.
        kernel_size: odd kernel size ``k`` of the ConvLSTM gates.
        detail_kernel_sizes: kernel sizes averaged in the detail context block.
        iterations: alternating updates of the detail context block.
        fused: evaluate the ConvLSTM's :math:`W_x * X + W_h * H` as one convolution.

    Shape:
        ``x``, state tensors, ``hidden``: ``(B, C, h, w)``.

    Deviations from the reference code: none. ``fused`` only affects the ConvLSTM gates.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int = 3,
        *,
        detail_kernel_sizes: Sequence[int] = (3, 5, 7),
        iterations: int = 5,
        fused: bool = False,
    ) -> None:
        super().__init__(channels, kernel_size, fused=fused)
        self.context = ContextBlock(channels, detail_kernel_sizes, iterations=iterations)
        self.lstm = ConvLSTMCell(channels, kernel_size, fused=fused)

    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> ConvLSTMState:
        return self.lstm.init_state(batch, height, width, device=device, dtype=dtype)

    def forward(
        self,
        x: Tensor,
        state: ConvLSTMState,
        *,
        memory: Tensor | None = None,
        diagonal: Tensor | None = None,
    ) -> CellOutput:
        x, h = self.context(x, state.h)
        return self.lstm(x, ConvLSTMState(h, state.c))

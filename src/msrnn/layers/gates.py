"""Gate convolutions: a sum of convolutions over several inputs, optionally run as one call."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SummedConv2d(nn.Module):
    r"""Sum of same-shaped 2-D convolutions, one per input: :math:`y = \sum_i (W_i * x_i + b_i)`.

    Recurrent cells compute gate pre-activations such as :math:`W_x * X_t + W_h * H_{t-1}`, where
    each convolution carries its own bias (as in the reference implementations, so parameter counts
    match the papers). The kernels :math:`W_i` are stored side by side along the input-channel axis
    of one ``weight`` tensor and the biases as the rows of ``bias``; the parameter count is exactly
    that of the separate convolutions, and each block is initialised like its own ``nn.Conv2d``.

    With ``fused=True`` the forward pass is one convolution over the channel-concatenated inputs
    with the summed bias, the same linear map in one call (and no per-call copy of the weights);
    with ``fused=False`` it runs one convolution per input on a view of its block (the oracle the
    fused path is tested against).

    Args:
        in_channels: channels of each input, in call order.
        out_channels: channels of the (summed) output.
        kernel_size: odd square kernel size; padding keeps the spatial size ("same").
        fused: run the convolutions as one call or one call per input (default).

    Raises:
        ValueError: if ``kernel_size`` is even or ``in_channels`` is empty.

    Shape:
        ``forward(x_0, x_1, ...)`` with ``x_i`` of shape ``(B, in_channels[i], H, W)`` returns
        ``(B, out_channels, H, W)``.
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int,
        kernel_size: int,
        *,
        fused: bool = False,
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd to keep the frame size, got {kernel_size}")
        if not in_channels:
            raise ValueError("in_channels must name at least one input")
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.padding = kernel_size // 2
        self.fused = fused
        total = sum(self.in_channels)
        self.weight = nn.Parameter(torch.empty(out_channels, total, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(len(self.in_channels), out_channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise each block as ``nn.Conv2d`` would initialise its own convolution."""
        start = 0
        with torch.no_grad():
            for i, channels in enumerate(self.in_channels):
                block = self.weight[:, start : start + channels]
                nn.init.kaiming_uniform_(block, a=math.sqrt(5))
                bound = 1 / math.sqrt(channels * self.kernel_size**2)
                nn.init.uniform_(self.bias[i], -bound, bound)
                start += channels

    def forward(self, *inputs: Tensor) -> Tensor:
        if len(inputs) != len(self.in_channels):
            raise ValueError(f"expected {len(self.in_channels)} inputs, got {len(inputs)}")
        if self.fused:
            x = inputs[0] if len(inputs) == 1 else torch.cat(inputs, dim=1)
            return F.conv2d(x, self.weight, self.bias.sum(0), padding=self.padding)
        out = None
        start = 0
        for i, x in enumerate(inputs):
            block = self.weight[:, start : start + self.in_channels[i]]
            term = F.conv2d(x, block, self.bias[i], padding=self.padding)
            out = term if out is None else out + term
            start += self.in_channels[i]
        return out

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
            f"kernel_size={self.kernel_size}, fused={self.fused}"
        )

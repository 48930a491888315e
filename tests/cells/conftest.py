"""Reference evaluation of the cells' equations, written independently of the cells' code."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from msrnn.layers import SummedConv2d


def summed(conv: SummedConv2d, *inputs: torch.Tensor) -> torch.Tensor:
    """sum_i (W_i * x_i + b_i), one convolution per block."""
    out, start = 0, 0
    for i, x in enumerate(inputs):
        width = x.shape[1]
        weight = conv.weight[:, start : start + width]
        out = out + F.conv2d(x, weight, conv.bias[i], padding=conv.padding)
        start += width
    return out


def conv(module: torch.nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    return F.conv2d(x, module.weight, module.bias, padding=module.padding)


def random_state(*shape: int, seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=generator) for _ in range(6)]

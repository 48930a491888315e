"""Parameter-free resampling between the grids of a scale pyramid.

Level ``k`` of a frame of size ``(H, W)`` is the grid ``(H // 2**k, W // 2**k)`` (repeated floor
halving, which equals one floor division by ``2**k``). Going down uses max pooling with kernel and
stride ``2**(k_to - k_from)``; going up uses bilinear interpolation (``align_corners=False``) to the
*exact* size of the target grid, so odd and non-square frames work (a 2x upsampling of a 15x15
grid lands on 30x30 or 31x31 as the target demands).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable


def level_size(size: tuple[int, int], level: int) -> tuple[int, int]:
    """Grid ``(H // 2**level, W // 2**level)`` of pyramid level ``level`` for a frame ``size``."""
    factor = 2**level
    return size[0] // factor, size[1] // factor


def resample(x: Tensor, from_level: int, to_level: int, size: tuple[int, int]) -> Tensor:
    """Move ``x`` from pyramid level ``from_level`` to ``to_level`` of a frame of ``size``.

    Args:
        x: tensor on the grid of ``from_level``.
        from_level: level of ``x``.
        to_level: level wanted.
        size: full-resolution frame size ``(H, W)`` that defines the pyramid.

    Returns:
        ``x`` itself when the levels are equal, ``maxpool_{2**d}(x)`` when going down ``d`` levels,
        bilinear interpolation to the exact target grid when going up.

    Shape:
        ``(B, C, H_from, W_from) -> (B, C, H_to, W_to)``.
    """
    if to_level == from_level:
        return x
    if to_level > from_level:
        factor = 2 ** (to_level - from_level)
        return max_pool(x, factor)
    return F.interpolate(x, size=level_size(size, to_level), mode="bilinear", align_corners=False)


class _MaxPool(torch.autograd.Function):
    """Max pooling that saves its input (alive anyway: a layer's output) instead of indices."""

    @staticmethod
    def forward(ctx, x: Tensor, factor: int) -> Tensor:
        ctx.save_for_backward(x)
        ctx.factor = factor
        return F.max_pool2d(x, kernel_size=factor, stride=factor)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        factor = ctx.factor
        _, indices = F.max_pool2d(x, kernel_size=factor, stride=factor, return_indices=True)
        grad_x = F.max_unpool2d(
            grad.contiguous(), indices, kernel_size=factor, stride=factor,
            output_size=x.shape[-2:],
        )  # fmt: skip
        return grad_x, None


def max_pool(x: Tensor, factor: int) -> Tensor:
    r"""``F.max_pool2d(x, factor, factor)`` whose backward recomputes the arg-max positions.

    Autograd's max pooling keeps an int64 index per output value (two float maps' worth) for
    backward; here backward pools ``x`` again to find them, so only ``x`` is kept, a tensor that
    the pyramid's layers hold for their own backward anyway. Same values and gradients (the
    gradient of each window goes to its first maximum).

    Shape:
        ``(B, C, H, W) -> (B, C, H // factor, W // factor)``.
    """
    if not torch.is_grad_enabled() or not x.requires_grad:
        return F.max_pool2d(x, kernel_size=factor, stride=factor)
    return _MaxPool.apply(x, factor)

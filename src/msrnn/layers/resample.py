"""Parameter-free resampling between the grids of a scale pyramid.

Level ``k`` of a frame of size ``(H, W)`` is the grid ``(H // 2**k, W // 2**k)`` (repeated floor
halving, which equals one floor division by ``2**k``). Going down uses max pooling with kernel and
stride ``2**(k_to - k_from)``; going up uses bilinear interpolation (``align_corners=False``) to the
*exact* size of the target grid, so odd and non-square frames work (a 2x upsampling of a 15x15
grid lands on 30x30 or 31x31 as the target demands).
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


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
        return F.max_pool2d(x, kernel_size=factor, stride=factor)
    return F.interpolate(x, size=level_size(size, to_level), mode="bilinear", align_corners=False)

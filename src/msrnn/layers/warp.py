"""Backward warping of feature maps by dense flow fields: bilinear, zero outside, memory-light."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def warp(image: Tensor, flow: Tensor) -> Tensor:
    r"""Sample ``image`` at the pixel positions displaced by ``flow`` (bilinear, zero outside).

    With pixel coordinates :math:`x = 0 \dots W-1` (columns) and :math:`y = 0 \dots H-1` (rows),
    flow channel 0 the x-displacement :math:`u` and channel 1 the y-displacement :math:`v`, in
    pixels:

    .. math::
        \mathrm{out}[b, :, y, x] = \sum_{(i, j)} \max(0, 1 - |x + u - i|)\,
            \max(0, 1 - |y + v - j|)\, \mathrm{image}[b, :, j, i]

    over the (up to four) pixel centres :math:`(i, j)` inside the image: neighbours outside
    contribute zero. The positions go to :func:`torch.nn.functional.grid_sample` (``bilinear``,
    ``zeros``, ``align_corners=False``) as :math:`g = (2 (x + u) + 1) / W - 1`, which it maps
    back to :math:`x + u`. Where a side is a power of two that round trip is exact for integer
    positions, so a zero flow returns ``image`` bit for bit and an integer flow shifts it exactly;
    on other sides the positions carry a rounding error of a few units in the last place (about
    :math:`10^{-6}` of a pixel at 64 pixels in float32).

    The MS-RNN code normalises with the ``align_corners=True`` formula but samples with
    ``align_corners=False``, so its zero flow slightly magnifies the image and dims the borders;
    this function uses one consistent convention instead.

    Autograd keeps ``image`` and the sampling grid (as many numbers as ``flow``). The gradient is
    that of the formula above almost everywhere; at integer positions (where it is not
    differentiable) it is the one-sided derivative towards larger coordinates. A NaN position
    gives NaN at its pixel only; a position far outside gives zeros.

    Args:
        image: the feature maps to sample from.
        flow: displacement ``(u, v)`` in pixels, any floating dtype (positions are computed in at
            least single precision).

    Returns:
        The warped image, same dtype as ``image``.

    Raises:
        ValueError: if the shapes do not match.
        TypeError: if a tensor is not floating point.

    Shape:
        ``image``: ``(B, C, H, W)``; ``flow``: ``(B, 2, H, W)``; output: ``(B, C, H, W)``.
    """
    _check_image(image)
    expected = (image.shape[0], 2, *image.shape[2:])
    if flow.dim() != 4 or tuple(flow.shape) != expected:
        raise ValueError(f"flow must have shape (B, 2, H, W) = {expected}, got {tuple(flow.shape)}")
    _check_float(flow, "flow")
    return _sample(image, flow.unsqueeze(1))[:, :, 0]


def multi_warp(image: Tensor, flows: Tensor) -> Tensor:
    r"""Warp one image by ``K`` flow fields at once: ``out[:, k] = warp(image, flows[:, k])``.

    One :func:`~torch.nn.functional.grid_sample` call samples the image at all ``K`` grids,
    stacked along the rows of one tall grid, so the image is never copied per field and autograd
    keeps one ``image`` and one grid however many fields there are (TrajGRU warps its hidden
    state along ``L`` links).

    Args:
        image: the feature maps to sample from.
        flows: ``K`` displacement fields ``(u, v)`` in pixels.

    Returns:
        The ``K`` warped images, same dtype as ``image``: a view of a channel-major
        ``(B, C, K, H, W)`` tensor, so ``out.transpose(1, 2)`` (fields inside channels) is
        contiguous and free while ``out.flatten(1, 2)`` copies.

    Raises:
        ValueError: if the shapes do not match.
        TypeError: if a tensor is not floating point.

    Shape:
        ``image``: ``(B, C, H, W)``; ``flows``: ``(B, K, 2, H, W)``; output: ``(B, K, C, H, W)``.
    """
    _check_image(image)
    batch, _, height, width = image.shape
    if flows.dim() != 5 or flows.shape[0] != batch or tuple(flows.shape[2:]) != (2, height, width):
        raise ValueError(
            f"flows must have shape (B, K, 2, H, W) with (B, H, W) = {(batch, height, width)}, "
            f"got {tuple(flows.shape)}"
        )
    _check_float(flows, "flows")
    return _sample(image, flows).transpose(1, 2)


def _check_image(image: Tensor) -> None:
    _check_float(image, "image")
    if image.dim() != 4:
        raise ValueError(f"image must be (B, C, H, W), got shape {tuple(image.shape)}")


def _check_float(tensor: Tensor, name: str) -> None:
    if not isinstance(tensor, Tensor) or not tensor.is_floating_point():
        kind = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"{name} must be a floating-point tensor, got {kind}")


def _sample(image: Tensor, flows: Tensor) -> Tensor:
    """``image (B, C, H, W)`` sampled at ``K`` displaced grids ``flows (B, K, 2, H, W)``.

    Returns ``(B, C, K, H, W)`` in ``image``'s dtype; the sampling runs in at least single
    precision.
    """
    batch, channels, height, width = image.shape
    links = flows.shape[1]
    dtype = torch.promote_types(torch.promote_types(image.dtype, flows.dtype), torch.float32)
    flows = flows.to(dtype)
    # Normalised centres (2p + 1) / size - 1; with a power-of-two size every step is exact for
    # integer positions, so grid_sample's ((g + 1) size - 1) / 2 recovers them bit for bit.
    columns = torch.arange(width, device=image.device, dtype=dtype) + 0.5
    rows = torch.arange(height, device=image.device, dtype=dtype).unsqueeze(1) + 0.5
    grid_x = (flows[:, :, 0] + columns) * (2 / width) - 1
    grid_y = (flows[:, :, 1] + rows) * (2 / height) - 1
    grid = torch.stack([grid_x, grid_y], dim=-1).view(batch, links * height, width, 2)
    out = F.grid_sample(
        image.to(dtype), grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    return out.view(batch, channels, links, height, width).to(image.dtype)

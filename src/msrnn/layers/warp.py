"""Backward warping of feature maps by dense flow fields: exact, differentiable, memory-light."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable


def warp(image: Tensor, flow: Tensor) -> Tensor:
    r"""Sample ``image`` at the pixel positions displaced by ``flow`` (bilinear, zero outside).

    With pixel coordinates :math:`x = 0 \dots W-1` (columns) and :math:`y = 0 \dots H-1` (rows),
    flow channel 0 the x-displacement :math:`u` and channel 1 the y-displacement :math:`v`, in
    pixels:

    .. math::
        \mathrm{out}[b, :, y, x] = \sum_{(i, j)} \max(0, 1 - |x + u - i|)\,
            \max(0, 1 - |y + v - j|)\, \mathrm{image}[b, :, j, i]

    over the (up to four) pixel centres :math:`(i, j)` inside the image: neighbours outside
    contribute zero. This is ``grid_sample(..., mode="bilinear", padding_mode="zeros",
    align_corners=True)`` with the grid :math:`2 (x + u) / (W - 1) - 1`, but computed directly in
    pixels, so a zero flow returns ``image`` bit for bit and an integer flow shifts it exactly.

    The MS-RNN code normalises with the ``align_corners=True`` formula but samples with
    ``align_corners=False``, so its zero flow slightly magnifies the image and dims the borders
    (MODEL_SPEC §4.2, §10.6); this function uses one consistent convention instead.

    Autograd keeps only ``image`` and ``flow``; the backward pass recomputes the bilinear stencil
    (see :func:`multi_warp`). The gradient is that of the formula above almost everywhere; at
    integer positions (where it is not differentiable) it is the one-sided derivative towards
    larger coordinates, as in ``grid_sample``. Double backward is not supported.

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
    return _Warp.apply(image, flow.unsqueeze(1)).squeeze(1)


def multi_warp(image: Tensor, flows: Tensor) -> Tensor:
    r"""Warp one image by ``K`` flow fields at once: ``out[:, k] = warp(image, flows[:, k])``.

    The image is broadcast over the flows, never copied, so autograd keeps one ``image`` and the
    flows however many fields there are (TrajGRU warps its hidden state along ``L`` links). The
    backward pass recomputes each corner's index and weights and forms

    .. math::
        \frac{\partial \mathcal L}{\partial\,\mathrm{image}[:, j, i]} = \sum_{k, y, x}
            w_{ij}(k, y, x)\, G[k, :, y, x], \qquad
        \frac{\partial \mathcal L}{\partial u[k, y, x]} = \sum_{(i, j)}
            \frac{\partial w_{ij}}{\partial x}\, \sum_c G[k, c, y, x]\, \mathrm{image}[c, j, i]

    (and likewise for :math:`v`), where :math:`G` is the output gradient and :math:`w_{ij}` the
    bilinear weight of corner :math:`(i, j)`.

    Args:
        image: the feature maps to sample from.
        flows: ``K`` displacement fields ``(u, v)`` in pixels.

    Returns:
        The ``K`` warped images, same dtype as ``image``.

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
    return _Warp.apply(image, flows)


def _check_image(image: Tensor) -> None:
    _check_float(image, "image")
    if image.dim() != 4:
        raise ValueError(f"image must be (B, C, H, W), got shape {tuple(image.shape)}")


def _check_float(tensor: Tensor, name: str) -> None:
    if not isinstance(tensor, Tensor) or not tensor.is_floating_point():
        kind = tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise TypeError(f"{name} must be a floating-point tensor, got {kind}")


class _Corner(NamedTuple):
    """One of the four bilinear neighbours, for every output pixel of every flow field.

    ``index`` is the row ``b * H * W + j * W + i`` of the channels-last image (clamped into the
    image where the neighbour is outside), ``wx`` and ``wy`` the 1-D weights and ``sx`` and
    ``sy`` their slopes (-1 or +1). ``wx`` and ``sx`` are 0 where the neighbour's column is
    outside, ``wy`` and ``sy`` where its row is, so that the weight ``wx * wy`` and its
    derivatives ``sx * wy`` (in x) and ``sy * wx`` (in y) vanish for every neighbour outside.
    Weights and slopes are ``(B, K, H * W)``.
    """

    index: Tensor
    wx: Tensor
    wy: Tensor
    sx: Tensor
    sy: Tensor

    @property
    def weight(self) -> Tensor:
        """The bilinear weight ``wx * wy``, shaped ``(B, K, H * W, 1)`` to scale channel rows."""
        return (self.wx * self.wy).unsqueeze(3)


def _neighbours(position: Tensor, size: int) -> list[tuple[Tensor, Tensor, Tensor]]:
    """``(index, weight, slope)`` of the lower and upper neighbour along one axis."""
    lower = position.floor()
    upper_weight = position - lower
    result = []
    for offset, weight, sign in ((0, 1 - upper_weight, -1.0), (1, upper_weight, 1.0)):
        at = lower + offset
        inside = ((at >= 0) & (at <= size - 1)).to(position.dtype)
        # NaN or huge positions must not reach the integer index (their weight stays NaN or 0).
        index = at.nan_to_num(0.0).clamp_(0, size - 1).long()
        result.append((index, weight * inside, inside * sign))
    return result


def _corners(flows: Tensor, height: int, width: int, dtype: torch.dtype) -> list[_Corner]:
    """The four corners of the bilinear stencil of ``flows (B, K, 2, H, W)``."""
    coord = torch.promote_types(flows.dtype, torch.float32)
    device = flows.device
    px = flows[:, :, 0].to(coord) + torch.arange(width, device=device, dtype=coord)
    py = flows[:, :, 1].to(coord) + torch.arange(height, device=device, dtype=coord).unsqueeze(1)
    first_row = torch.arange(flows.shape[0], device=device).view(-1, 1, 1, 1) * (height * width)
    corners = []
    for row, wy, sy in _neighbours(py, height):
        row = first_row + row * width
        for column, wx, sx in _neighbours(px, width):
            flat = [t.flatten(2).to(dtype) for t in (wx, wy, sx, sy)]
            corners.append(_Corner((row + column).reshape(-1), *flat))
    return corners


def _rows(image: Tensor) -> Tensor:
    """``image (B, C, H, W)`` as a ``(B * H * W, C)`` table: one row per pixel, fast to index."""
    # For B = 1 or C = 1, reshape would return a strided view, not a copy; index_select needs
    # contiguous rows to copy them as blocks.
    return image.permute(0, 2, 3, 1).contiguous().view(-1, image.shape[1])


class _Warp(torch.autograd.Function):
    """``image (B, C, H, W)``, ``flows (B, K, 2, H, W)`` -> ``(B, K, C, H, W)``.

    Works on channels-last rows: selecting whole pixel rows is several times faster than gathering
    single values along a channels-first axis. Each pass allocates two output-sized tensors, one
    of them a scratch buffer reused by the four corners.
    """

    @staticmethod
    def forward(ctx: Any, image: Tensor, flows: Tensor) -> Tensor:
        ctx.save_for_backward(image, flows)
        batch, channels, height, width = image.shape
        shape = (batch, flows.shape[1], height * width, channels)
        rows = _rows(image)
        first, *others = _corners(flows, height, width, image.dtype)
        out = rows.index_select(0, first.index).view(shape).mul_(first.weight)
        buffer = torch.empty_like(out)
        for corner in others:
            torch.index_select(rows, 0, corner.index, out=buffer.view(-1, channels))
            # The first corner has weight 1 for integer flows; adding exact zeros keeps it exact.
            out.addcmul_(buffer, corner.weight)
        result = buffer.view(*shape[:2], channels, height * width).copy_(out.transpose(2, 3))
        return result.view(*shape[:2], channels, height, width)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        image, flows = ctx.saved_tensors
        batch, channels, height, width = image.shape
        links = flows.shape[1]
        grad = grad.reshape(batch, links, channels, height * width).transpose(2, 3).contiguous()
        buffer = torch.empty_like(grad)
        corners = _corners(flows, height, width, image.dtype)
        grad_image = grad_flows = None
        if ctx.needs_input_grad[0]:
            grad_image = _image_grad(grad, corners, buffer, batch * height * width)
            grad_image = grad_image.view(batch, height, width, channels).permute(0, 3, 1, 2)
            grad_image = grad_image.contiguous()
        if ctx.needs_input_grad[1]:
            grad_flows = _flow_grad(grad, _rows(image), corners, buffer).to(flows.dtype)
            grad_flows = grad_flows.view(batch, links, 2, height, width)
        return grad_image, grad_flows


def _image_grad(grad: Tensor, corners: list[_Corner], buffer: Tensor, pixels: int) -> Tensor:
    """Add each corner's weighted output gradient to its source row: ``(B * H * W, C)``."""
    channels = grad.shape[-1]
    total = grad.new_zeros(pixels, channels)
    for corner in corners:
        torch.mul(grad, corner.weight, out=buffer)
        total.index_add_(0, corner.index, buffer.view(-1, channels))
    return total


def _flow_grad(grad: Tensor, rows: Tensor, corners: list[_Corner], buffer: Tensor) -> Tensor:
    """Weight slopes times the channel-summed corner values: ``(B, K, 2, H * W)``."""
    grad_x = grad_y = None
    for corner in corners:
        torch.index_select(rows, 0, corner.index, out=buffer.view(-1, rows.shape[1]))
        along = buffer.mul_(grad).sum(3)
        dx, dy = corner.sx * corner.wy * along, corner.sy * corner.wx * along
        grad_x = dx if grad_x is None else grad_x.add_(dx)
        grad_y = dy if grad_y is None else grad_y.add_(dy)
    return torch.stack([grad_x, grad_y], dim=2)

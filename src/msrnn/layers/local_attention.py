"""Local (windowed) dot-product attention with a memory-light backward pass (PrecipLSTM's LA)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

Window = int | tuple[int, int]


def window_pair(window: Window) -> tuple[int, int]:
    """``(K_H, K_W)`` from an int ``K`` or a pair, validated.

    Raises:
        TypeError: if ``window`` is neither an int nor a pair of ints.
        ValueError: if a side is smaller than 1.
    """
    pair = (window, window) if isinstance(window, int) else window
    is_pair = isinstance(pair, tuple | list) and len(pair) == 2
    if not is_pair or not all(isinstance(side, int) for side in pair):
        raise TypeError(f"window must be an int K or a pair (K_H, K_W) of ints, got {window!r}")
    if min(pair) < 1:
        raise ValueError(f"window sides must be at least 1, got {window!r}")
    return tuple(pair)


def _padded_rows(x: Tensor, window: tuple[int, int]) -> Tensor:
    """``x`` zero-padded for the window's offsets, as rows: ``(B, H + K_H - 1, C, W + K_W - 1)``.

    Entry ``[b, h + a, c, w + j]`` is ``x[b, c, h + a - r_H, w + j - r_W]`` (0 outside the image).
    """
    kh, kw = window
    padded = F.pad(x, (kw // 2, kw - 1 - kw // 2, kh // 2, kh - 1 - kh // 2))
    return padded.permute(0, 2, 1, 3).contiguous()


def _crop_rows(rows: Tensor, window: tuple[int, int], size: tuple[int, int]) -> Tensor:
    """Inverse of :func:`_padded_rows`'s layout: the image part as ``(B, C, H, W)``."""
    top, left = window[0] // 2, window[1] // 2
    return rows[:, top : top + size[0], :, left : left + size[1]].permute(0, 2, 1, 3)


def _band(full: Tensor, width: int) -> Tensor:
    """View ``[b, h, w, j] -> full[b, h, w, w + j]`` of a contiguous ``(B, H, W, W_pad)`` tensor."""
    b, h, w, padded = full.shape
    strides = (h * w * padded, w * padded, padded + 1, 1)
    return full.as_strided((b, h, w, width), strides, full.storage_offset())


def _scores(x: Tensor, rows: Tensor, window: tuple[int, int]) -> Tensor:
    """``s[b, h, w, a, j] = sum_c x[b, h, w, c] * rows[b, h + a, c, w + j]``.

    One window row at a time: a batched ``(W x C) @ (C x W_pad)`` product per image row, of which
    the band ``w <= w' < w + K_W`` is kept. ``x`` is ``(B, H, W, C)``.
    """
    x = x.contiguous()
    b, h, w, _ = x.shape
    out = x.new_empty(b, h, w, *window)
    for a in range(window[0]):
        out[..., a, :] = _band(torch.matmul(x, rows[:, a : a + h]).contiguous(), window[1])
    return out


def _gather(weights: Tensor, rows: Tensor) -> Tensor:
    """``out[b, h, c, w] = sum_{a, j} weights[b, h, w, a, j] * rows[b, h + a, c, w + j]``."""
    b, h, w, kh, kw = weights.shape
    # The band sits at the same place for every window row: zero the matrix once, rewrite the band.
    full = weights.new_zeros(b, h, w, rows.shape[-1])
    band = _band(full, kw)
    out = None
    for a in range(kh):
        band.copy_(weights[..., a, :])
        term = torch.matmul(rows[:, a : a + h], full.transpose(-1, -2))
        out = term if out is None else out + term
    return out


def _scatter(weights: Tensor, x: Tensor, padded_size: tuple[int, int]) -> Tensor:
    """Adjoint of :func:`_gather` in ``rows``: ``g[b, h + a, c, w + j] += weights * x[b, h, c, w]``.

    ``x`` is ``(B, H, C, W)``; the result has the padded rows layout ``(B, H_pad, C, W_pad)``.
    """
    x = x.contiguous()
    b, h, w, kh, kw = weights.shape
    grad = x.new_zeros(b, padded_size[0], x.shape[2], padded_size[1])
    full = weights.new_zeros(b, h, w, padded_size[1])
    band = _band(full, kw)
    for a in range(kh):
        band.copy_(weights[..., a, :])
        grad[:, a : a + h] += torch.matmul(x, full)
    return grad


class _LocalAttentionFunction(torch.autograd.Function):
    """Saves ``q, k, v`` and the weights; rebuilds shifted views of ``k`` and ``v`` in backward."""

    @staticmethod
    def forward(ctx: Any, q: Tensor, k: Tensor, v: Tensor, window: tuple[int, int]) -> Tensor:
        scores = _scores(q.permute(0, 2, 3, 1), _padded_rows(k, window), window)
        alpha = torch.softmax(scores.flatten(3), dim=-1).view_as(scores)
        out = _gather(alpha, _padded_rows(v, window))
        ctx.save_for_backward(q, k, v, alpha)
        ctx.window = window
        return out.permute(0, 2, 1, 3).contiguous()

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor, Tensor, Tensor, None]:
        q, k, v, alpha = ctx.saved_tensors
        window, size = ctx.window, q.shape[-2:]
        padded = (size[0] + window[0] - 1, size[1] + window[1] - 1)
        grad_alpha = _scores(grad_out.permute(0, 2, 3, 1), _padded_rows(v, window), window)
        grad_v = _scatter(alpha, grad_out.permute(0, 2, 1, 3), padded)
        # Softmax backward over the K_H * K_W neighbours of each pixel.
        dot = (alpha * grad_alpha).sum(dim=(-2, -1), keepdim=True)
        grad_scores = alpha * (grad_alpha - dot)
        grad_q = _gather(grad_scores, _padded_rows(k, window)).permute(0, 2, 1, 3)
        grad_k = _scatter(grad_scores, q.permute(0, 2, 1, 3), padded)
        return grad_q, _crop_rows(grad_k, window, size), _crop_rows(grad_v, window, size), None


def local_attention(q: Tensor, k: Tensor, v: Tensor, window: Window) -> Tensor:
    r"""Dot-product attention of every pixel over a ``K_H x K_W`` window of neighbours.

    With :math:`r_H = \lfloor K_H / 2 \rfloor`, :math:`r_W = \lfloor K_W / 2 \rfloor` and the
    neighbour :math:`n = (a, b)`, :math:`0 \le a < K_H`, :math:`0 \le b < K_W`, at offset
    :math:`\delta_n = (a - r_H, b - r_W)` (an even window is asymmetric: ``K = 30`` spans offsets
    -15 to +14):

    .. math::
        s_{p,n} &= \sum_c q_{c,p}\, k_{c,p+\delta_n} \\
        \alpha_{p,n} &= \mathrm{softmax}_n(s_{p,n}) \\
        \mathrm{out}_{c,p} &= \sum_n \alpha_{p,n}\, v_{c,p+\delta_n}

    where :math:`k` and :math:`v` are zero outside the image: a neighbour outside has logit 0
    (not :math:`-\infty`, it still takes part in the softmax) and contributes nothing to the
    output. There is no :math:`1/\sqrt{C}` scaling. These are the semantics of the CUDA extension
    used by PrecipLSTM's reference code.

    Memory: autograd keeps only ``q``, ``k``, ``v`` and the weights :math:`\alpha`
    (``B x H x W x K_H K_W``); shifted views are rebuilt in the backward pass, one window row at
    a time, so no ``C x K_H K_W x H x W`` tensor is ever stored. Double backward is not supported.

    Args:
        q: queries.
        k: keys.
        v: values.
        window: window size ``K`` or ``(K_H, K_W)``; it may exceed the image.

    Returns:
        The attended values, same shape as ``v``.

    Raises:
        ValueError: if ``q``, ``k``, ``v`` are not 4-D tensors of one shape and dtype, or a window
            side is below 1.
        TypeError: if ``window`` is neither an int nor a pair of ints.

    Shape:
        ``q``, ``k``, ``v`` and the output: ``(B, C, H, W)``.

    Example:
        >>> q = torch.zeros(1, 2, 3, 3)
        >>> v = torch.arange(9.0).view(1, 1, 3, 3).expand(1, 2, 3, 3)
        >>> local_attention(q, q, v, 1).equal(v)  # a 1x1 window attends to the pixel itself
        True
    """
    if q.dim() != 4 or q.shape != k.shape or q.shape != v.shape:
        shapes = tuple(tuple(t.shape) for t in (q, k, v))
        raise ValueError(f"q, k and v must be (B, C, H, W) of one shape, got shapes {shapes}")
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise ValueError(f"q, k and v must share one dtype, got {(q.dtype, k.dtype, v.dtype)}")
    pair = window_pair(window)
    # The op computes in the inputs' dtype; autocast would mix dtypes between its matmuls.
    # Devices without autocast (meta, for dry runs) need no guard.
    device = q.device.type
    no_autocast = (
        torch.autocast(device, enabled=False)
        if torch.amp.is_autocast_available(device)
        else nullcontext()
    )
    with no_autocast:
        return _LocalAttentionFunction.apply(q, k, v, pair)


class LocalAttention(nn.Module):
    r"""PrecipLSTM's local attention: 1x1 projections followed by :func:`local_attention`.

    .. math::
        \mathrm{LA}(x) = \mathrm{local\_attention}(P_q x, P_k x, P_v x)

    with :math:`P_q, P_k, P_v: C \to C` 1x1 convolutions without bias, stored as one ``C -> 3C``
    convolution (:math:`3C^2` parameters, 12,288 for ``C = 64``).

    Args:
        channels: input and output channels ``C``.
        window: window size ``K`` or ``(K_H, K_W)`` (30 in PrecipLSTM).

    Raises:
        ValueError, TypeError: for an invalid window (see :func:`window_pair`).

    Shape:
        ``x`` and the output: ``(B, C, H, W)``.
    """

    def __init__(self, channels: int, window: Window = 30) -> None:
        super().__init__()
        self.window = window_pair(window)
        self.projection = nn.Conv2d(channels, 3 * channels, kernel_size=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self.projection(x).chunk(3, dim=1)
        return local_attention(q, k, v, self.window)

    def extra_repr(self) -> str:
        return f"window={self.window}"

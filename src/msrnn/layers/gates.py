"""Gate convolutions: a sum of convolutions over several inputs, optionally run as one call."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from msrnn.layers.fusable import Fusable


def summed_conv2d(
    inputs: Sequence[Tensor], weight: Tensor, bias: Tensor, *, padding: int
) -> Tensor:
    r"""One convolution over the channel-concatenated inputs, saving only the inputs for backward.

    .. math::
        y = W * [x_0, x_1, \dots] + \sum_r b_r = \sum_i W_i * x_i + \sum_r b_r

    Autograd keeps ``inputs`` themselves (tensors the recurrence holds anyway) instead of their
    concatenation, a new tensor per call; the backward pass concatenates them again, only to form
    the weight gradient, and splits the input gradient into one gradient per input. Every bias row
    receives the output gradient summed over batch and space. Under autocast the convolution runs
    in the autocast dtype, as ``F.conv2d`` would, and the gradients come back in the dtypes of the
    inputs and parameters. Double backward is not supported.

    Args:
        inputs: the tensors convolved together, in the order of the weight's channel blocks.
        weight: kernels of all blocks side by side along the input-channel axis.
        bias: bias rows, summed into one bias.
        padding: zero padding on each side.

    Returns:
        The convolution's output.

    Shape:
        ``inputs[i]``: ``(B, C_i, H, W)``; ``weight``: ``(C_out, sum_i C_i, k, k)``;
        ``bias``: ``(R, C_out)``; output: ``(B, C_out, H', W')``.
    """
    return _SummedConv.apply(weight, _cast_once(weight), bias, padding, *inputs)


def conv2d_of_concatenation(
    conv: nn.Conv2d, inputs: Sequence[Tensor], *, fused: bool = True
) -> Tensor:
    r"""``conv(torch.cat(inputs, dim=1))``, fused through :func:`summed_conv2d`.

    Fused, the result is the same, but autograd keeps the ``inputs`` (tensors a recurrence holds
    anyway) instead of a new concatenation; ``conv`` must then be an ungrouped, stride-1,
    undilated convolution with a bias and symmetric zero padding (the cells' gate
    convolutions). ``fused=False`` evaluates the expression as written (the test oracle).

    Raises:
        ValueError: for any other convolution when fused.
    """
    if not fused:
        return conv(torch.cat(tuple(inputs), dim=1))
    padding = conv.padding
    plain = conv.stride == (1, 1) and conv.dilation == (1, 1) and conv.groups == 1
    plain = plain and conv.bias is not None and conv.padding_mode == "zeros"
    if not plain or isinstance(padding, str) or padding[0] != padding[1]:
        raise ValueError(f"conv2d_of_concatenation needs a plain biased convolution, got {conv}")
    return summed_conv2d(inputs, conv.weight, conv.bias.unsqueeze(0), padding=padding[0])


def _compute_dtype(tensor: Tensor) -> torch.dtype:
    """The dtype autocast would run a convolution of ``tensor`` in (its own without autocast)."""
    device_type = tensor.device.type
    eligible = tensor.is_floating_point() and tensor.dtype != torch.float64
    eligible = eligible and torch.amp.is_autocast_available(device_type)
    if eligible and torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return tensor.dtype


def _concatenated(inputs: Sequence[Tensor], dtype: torch.dtype) -> Tensor:
    x = inputs[0] if len(inputs) == 1 else torch.cat(inputs, dim=1)
    return x.to(dtype)


# (weight, its version, its cast) by (id(weight), dtype): see shared_weight_casts.
_SHARED_CASTS: ContextVar[dict | None] = ContextVar("msrnn_shared_weight_casts", default=None)


@contextlib.contextmanager
def shared_weight_casts() -> Iterator[None]:
    """Within the block, :func:`summed_conv2d` casts each weight to autocast's dtype only once.

    A recurrence applies the same gate convolution at every time step; under autocast each call
    would cast the weight twice (forward, and again for backward). Inside this block the first
    call casts it and later calls reuse that copy, much as autocast's own cache does for
    ``F.conv2d`` within an autocast region. Each call still returns its weight gradient in the
    weight's dtype, so gradients add up exactly as before: the results are bit-identical, the
    copies fewer (on a 16x16 grid they were a tenth of a bf16 training step). A weight changed in
    place (its version moves) is cast again. Outside the block each call casts once and its
    backward reuses that cast; without autocast there is nothing to cast.
    """
    token = _SHARED_CASTS.set({})
    try:
        yield
    finally:
        _SHARED_CASTS.reset(token)


def _cast_once(weight: Tensor) -> Tensor:
    """``weight`` in the compute dtype (itself if it has it), cast once per
    :func:`shared_weight_casts` block; a cast is detached (gradients go to ``weight``)."""
    dtype = _compute_dtype(weight)
    if dtype == weight.dtype:
        return weight
    casts = _SHARED_CASTS.get()
    if casts is None:
        return weight.detach().to(dtype)
    key = (id(weight), dtype)
    held = casts.get(key)
    if held is None or held[0] is not weight or held[1] != weight._version:
        held = casts[key] = (weight, weight._version, weight.detach().to(dtype))
    return held[2]


class _SummedConv(torch.autograd.Function):
    """``weight, cast, bias (R, C_out), padding, *inputs`` -> the convolution over the
    concatenation. ``cast`` (``weight`` in the compute dtype, or ``weight`` itself) is what the
    convolutions use; the gradient goes to ``weight`` in its own dtype."""

    @staticmethod
    def forward(
        ctx: Any, weight: Tensor, cast: Tensor, bias: Tensor, padding: int, *inputs: Tensor
    ) -> Tensor:
        ctx.save_for_backward(cast, *inputs)
        ctx.padding, ctx.weight_dtype, ctx.bias_dtype = padding, weight.dtype, bias.dtype
        ctx.rows, ctx.channels = bias.shape[0], [x.shape[1] for x in inputs]
        x = _concatenated(inputs, cast.dtype)
        return F.conv2d(x, cast, bias.sum(0).to(cast.dtype), padding=padding)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        cast, *inputs = ctx.saved_tensors
        needs_weight, _, needs_bias, _, *needs_inputs = ctx.needs_input_grad
        grad_x, grad_weight, _ = torch.ops.aten.convolution_backward(
            grad,
            _concatenated(inputs, cast.dtype),
            cast,
            None,
            [1, 1],
            [ctx.padding, ctx.padding],
            [1, 1],
            False,
            [0, 0],
            1,
            [any(needs_inputs), needs_weight, False],
        )
        grad_bias = None
        if needs_bias:
            grad_bias = grad.sum((0, 2, 3), dtype=ctx.bias_dtype).expand(ctx.rows, -1)
        if grad_weight is not None:
            grad_weight = grad_weight.to(ctx.weight_dtype)
        grad_inputs = [None] * len(inputs)
        if grad_x is not None:
            pieces = grad_x.split(ctx.channels, dim=1)
            grad_inputs = [
                piece.to(x.dtype) if needed else None
                for piece, x, needed in zip(pieces, inputs, needs_inputs, strict=True)
            ]
        return grad_weight, None, grad_bias, None, *grad_inputs


class SummedConv2d(Fusable):
    r"""Sum of same-shaped 2-D convolutions, one per input: :math:`y = \sum_i (W_i * x_i + b_i)`.

    Recurrent cells compute gate pre-activations such as :math:`W_x * X_t + W_h * H_{t-1}`, where
    each convolution carries its own bias (as in the reference implementations, so parameter counts
    match the papers). The kernels :math:`W_i` are stored side by side along the input-channel axis
    of one ``weight`` tensor and the biases as the rows of ``bias``; the parameter count is exactly
    that of the separate convolutions, and each block is initialised like its own ``nn.Conv2d``.

    With ``fused=True`` the forward pass is one convolution over the channel-concatenated inputs
    with the summed bias (:func:`summed_conv2d`): the same linear map in one call, with no per-call
    copy of the weights, and autograd keeps the inputs themselves rather than their concatenation,
    so fusing saves no more for backward than the separate convolutions do. With ``fused=False``
    it runs one convolution per input on a view of its block (the oracle the fused path is tested
    against).

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
        super().__init__(fused=fused)
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd to keep the frame size, got {kernel_size}")
        if not in_channels:
            raise ValueError("in_channels must name at least one input")
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.padding = kernel_size // 2
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
            return summed_conv2d(inputs, self.weight, self.bias, padding=self.padding)
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

"""Floating-point operation counts (``torch.utils.flop_counter``) and the machine's conv ceiling."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import (
    FlopCounterMode,
    sdpa_backward_flop_count,
    sdpa_flop_count,
)

from msrnn.profiling.step import autocast, check_precision
from msrnn.profiling.timing import Timing, time_calls


def _cpu_attention_flops(query, key, value, *args, out_shape=None, **kwargs) -> int:
    """``QK^T`` and ``PV``: ``4 L_q L_k C`` per item and head."""
    return sdpa_flop_count(query, key, value)


def _cpu_attention_backward_flops(grad_out, query, key, value, *args, out_shape=None, **kwargs):
    """The scores recomputed, then the gradients of ``P``, ``V``, ``Q`` and ``K``: 2.5x forward."""
    return sdpa_backward_flop_count(grad_out, query, key, value)


# PyTorch's counter knows the CUDA attention kernels but not the CPU one (torch 2.4-2.13).
_CPU_ATTENTION = {
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _cpu_attention_flops,
    torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward: (
        _cpu_attention_backward_flops
    ),
}


def count_flops(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn`` and count the floating-point operations of its matrix products.

    :class:`torch.utils.flop_counter.FlopCounterMode` counts convolutions (forward and
    backward), matrix products and attention (also PyTorch's CPU attention kernel, which the
    counter does not know), two FLOPs per multiply-accumulate; element-wise
    operations (gate non-linearities, pooling, sums) are not counted. They are a few percent of a
    ConvRNN's arithmetic.

    Args:
        fn: the work to count, e.g. a whole training step (backward included).

    Returns:
        ``(fn's result, FLOPs)``; MACs are half the FLOPs.

    Example:
        >>> x, w = torch.ones(2, 3), torch.ones(3, 4)
        >>> count_flops(lambda: x @ w)[1]  # 2 * 3 * 4 multiply-accumulates
        48
    """
    with FlopCounterMode(display=False, custom_mapping=_CPU_ATTENTION) as counter:
        result = fn()
    return result, counter.get_total_flops()


@dataclass(frozen=True)
class ConvCeiling:
    """Throughput of one large 3x3 convolution, forward and backward: the machine's ceiling.

    Attributes:
        flops: FLOPs of one forward + backward.
        timing: seconds of each timed call.
    """

    flops: int
    timing: Timing

    @property
    def gflops_per_second(self) -> float:
        return self.flops / self.timing.median / 1e9


def conv_ceiling(
    device: torch.device,
    *,
    batch: int = 4,
    in_channels: int = 64,
    out_channels: int = 256,
    size: int = 64,
    repeats: int = 5,
    warmup: int = 1,
    precision: str = "32",
    channels_last: bool = False,
) -> ConvCeiling:
    """Time a ``3x3`` convolution ``in_channels -> out_channels`` at ``size x size``, fwd + bwd.

    The default is one ConvLSTM gate convolution of the paper's setting (64 -> 4 * 64 channels,
    64x64, batch 4): the fastest a ConvRNN step's dominant operation can run on ``device``.
    Gradients of input and weight are both computed, as in training. ``precision="bf16-mixed"``
    runs it under bf16 autocast, ``channels_last`` in the NHWC memory format, as a model
    configured that way runs its convolutions: the ratio of two ceilings is the speed-up the
    convolutions alone allow.

    Returns:
        The :class:`ConvCeiling` (about 14.5 GFLOP per call with the defaults).
    """
    check_precision(precision, device)
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(batch, in_channels, size, size, generator=generator).to(device)
    weight = torch.rand(out_channels, in_channels, 3, 3, generator=generator).to(device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        weight = weight.contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    weight.requires_grad_()

    def call() -> None:
        x.grad = weight.grad = None
        with autocast(precision, device):
            out = F.conv2d(x, weight, padding=1)
        out.float().sum().backward()

    _, flops = count_flops(call)
    return ConvCeiling(flops, time_calls(call, repeats=repeats, warmup=warmup, device=device))

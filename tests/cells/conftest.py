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


def set_fused(cell: torch.nn.Module, fused: bool) -> None:
    """Switch every module of ``cell`` with a ``fused`` switch (gate convolutions, cells that
    hold their own) to ``fused``."""
    for module in cell.modules():
        if hasattr(module, "fused"):
            module.fused = fused


def assert_fused_equals_unfused(cell, run, tensors):
    """``run()``'s outputs and the gradients of a random weighting of them with respect to
    ``tensors`` and the cell's parameters agree to 1e-5 unfused and fused."""
    results = {}
    for fused in (False, True):
        set_fused(cell, fused)
        outputs = [t for t in run() if t is not None]
        weights = torch.Generator().manual_seed(1)
        loss = sum((t * torch.rand(t.shape, generator=weights)).sum() for t in outputs)
        inputs = [*tensors, *cell.parameters()]
        grads = torch.autograd.grad(loss, inputs, allow_unused=True)
        results[fused] = [*outputs, *(g for g in grads if g is not None)]
    assert len(results[True]) == len(results[False])
    for got, want in zip(results[True], results[False], strict=True):
        assert torch.allclose(got, want, atol=1e-5)


def saved_bytes_unfused_and_fused(cell, run):
    """Bytes ``run()`` saves for backward, unfused and fused: ``{fused: bytes}``."""
    from msrnn.profiling import saved_tensor_bytes

    saved = {}
    for fused in (False, True):
        set_fused(cell, fused)
        saved[fused] = saved_tensor_bytes(run)[1]
    return saved

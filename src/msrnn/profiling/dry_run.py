"""Dry runs on the ``meta`` device: what a step saves for backward, with no memory or arithmetic.

Autograd records the same graph, and saves the same tensors, whatever the device: the derivative
formulas do not depend on it. On ``meta`` tensors every operation only computes shapes, so a whole
training step at a frame size far beyond the machine's memory is traced in milliseconds, and the
saved-tensor count equals the one on CPU for every operation whose saved tensors do not depend on
the kernel chosen. The exception is fused attention (``scaled_dot_product_attention``), whose CPU
and CUDA kernels keep a log-sum-exp where the fallback that ``meta`` tensors take keeps the
attention matrix: :func:`meta_checks_pass` routes it to the CPU kernel's own op. Callers still
compare one dry run with one real run before trusting it (see
:func:`msrnn.profiling.max_size.training_memory_measure`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from msrnn.profiling.memory import saved_tensor_bytes

ActivationCounter = Callable[[Callable[[], Any]], tuple[Any, int]]


class _PassingScalarReads(TorchDispatchMode):
    """Answers every read of a meta tensor's value with ``True``.

    A dry run has no data, but the forecaster's input checks read values (all frames finite, the
    teacher-forcing mask's first column equal to 1); they are answered as passing. Reads of real
    tensors are untouched.
    """

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default and args[0].is_meta:
            return True
        return func(*args, **(kwargs or {}))


def _attention_arguments(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
) -> dict[str, Any]:
    """A ``scaled_dot_product_attention`` call's arguments by name (builtins have no signature)."""
    return locals()


class _CPUAttentionOnMeta(TorchFunctionMode):
    """Traces ``scaled_dot_product_attention`` on meta tensors as PyTorch's CPU kernel.

    On ``meta`` the function falls back to its reference path, whose autograd graph keeps the
    ``L x L`` attention matrix; the CPU (and CUDA) kernels keep a log-sum-exp instead. Calls
    without a mask or dropout go to the CPU kernel's own op, which has a meta implementation.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.scaled_dot_product_attention and args[0].is_meta:
            a = _attention_arguments(*args, **kwargs)
            if a["attn_mask"] is None and a["dropout_p"] == 0.0 and not a["enable_gqa"]:
                return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(
                    a["query"], a["key"], a["value"], 0.0, a["is_causal"], scale=a["scale"]
                )[0]
        return func(*args, **kwargs)


@contextmanager
def meta_checks_pass() -> Iterator[None]:
    """Within this context, value checks on meta tensors (``bool(t)``, ``t.item()``) pass, and
    attention on meta tensors is traced as the CPU kernel (:class:`_CPUAttentionOnMeta`).

    Raises:
        ValueError: if an operation inside cannot run on meta tensors (no meta kernel).
    """
    try:
        with _PassingScalarReads(), _CPUAttentionOnMeta():
            yield
    except RuntimeError as error:
        raise ValueError(
            f"this model cannot be traced on the meta device ({error}); measure it on a real "
            "device (--device cpu or cuda)"
        ) from error


def traced_saved_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Like :func:`~msrnn.profiling.memory.saved_tensor_bytes`, for tensors of any device.

    Meta storages have no address, so unique storages are told apart by identity (the tensors
    are kept alive by the graph meanwhile, so no identity is reused). Parameters and views of
    them are not counted.

    Args:
        fn: a closure that runs a forward pass with autograd enabled.

    Returns:
        ``(fn's result, bytes)``.

    Example:
        >>> w = torch.ones(4, requires_grad=True, device="meta")
        >>> traced_saved_bytes(lambda: (w * torch.ones(4, device="meta")).sum())[1]
        16
    """
    storages: dict[int, tuple[torch.UntypedStorage, int]] = {}
    parameters: set[int] = set()

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        base = tensor if tensor._base is None else tensor._base
        if base.is_leaf and base.requires_grad:
            parameters.add(id(storage))
        else:
            # the storage object itself is kept so that its identity stays unique
            storages[id(storage)] = (storage, storage.nbytes())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = fn()
    total = sum(nbytes for key, (_, nbytes) in storages.items() if key not in parameters)
    return result, total


def activation_counter(device: torch.device) -> ActivationCounter:
    """The saved-tensor counter for ``device``: by identity on ``meta``, by address elsewhere."""
    return traced_saved_bytes if device.type == "meta" else saved_tensor_bytes

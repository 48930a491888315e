"""Measured training activation memory: bytes of the tensors autograd saves for backward."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


def saved_tensor_bytes(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn`` and count the bytes of the unique storages saved for backward meanwhile.

    Every tensor that autograd packs for the backward pass goes through a
    :func:`torch.autograd.graph.saved_tensors_hooks` pack hook; storages are deduplicated by
    their data pointer, so a tensor saved by several operations (or views of one storage) is
    counted once, at the size of its whole storage. This is the activation memory that a training
    step holds at the end of its forward pass. Parameters (leaf tensors that require grad) and views
    of them are saved too; they are identified and not counted.

    Args:
        fn: a closure that runs a forward pass with autograd enabled.

    Returns:
        ``(fn's result, bytes)``.

    Example:
        >>> w = torch.ones(4, requires_grad=True)
        >>> _, nbytes = saved_tensor_bytes(lambda: (w * torch.ones(4)).sum())
        >>> nbytes  # the float32 operand ``torch.ones(4)`` saved to form the gradient of ``w``
        16
    """
    storages: dict[tuple[str, int], int] = {}
    parameter_ptrs: set[int] = set()
    # Keep every counted storage alive until the count ends: a storage freed meanwhile (part of
    # the graph dropped by the measured code) could otherwise hand its address to a new one.
    alive: list[torch.UntypedStorage] = []

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        base = tensor if tensor._base is None else tensor._base
        if base.is_leaf and base.requires_grad:  # a parameter or a view of one
            parameter_ptrs.add(storage.data_ptr())
            return tensor
        key = (str(tensor.device), storage.data_ptr())
        storages[key] = max(storages.get(key, 0), storage.nbytes())
        alive.append(storage)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = fn()
    total = sum(n for (_, ptr), n in storages.items() if ptr not in parameter_ptrs)
    return result, total

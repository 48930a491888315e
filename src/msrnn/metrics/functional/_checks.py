"""Input validation shared by the functional metrics: inputs are checked once, at the public
functions, and internal code trusts them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from torch import Tensor


def check_sequences(preds: Tensor, target: Tensor) -> None:
    """Raise unless ``preds`` and ``target`` are floating ``(B, T, C, H, W)`` of one shape."""
    for name, value in (("preds", preds), ("target", target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if not value.is_floating_point():
            raise TypeError(
                f"{name} must be a floating-point tensor with values in [0, 1], got {value.dtype}; "
                "divide integer frames by their maximum (e.g. 255) first"
            )
        if value.ndim != 5:
            raise ValueError(f"{name} must be (B, T, C, H, W), got shape {tuple(value.shape)}")
    if preds.shape != target.shape:
        raise ValueError(
            f"preds and target must have the same shape, got {tuple(preds.shape)} "
            f"and {tuple(target.shape)}"
        )


def check_thresholds(thresholds: Sequence[float], *, increasing: bool = False) -> tuple[float, ...]:
    """Validated thresholds as a tuple of floats (non-empty, finite, optionally increasing)."""
    values = tuple(float(t) for t in thresholds)
    if not values:
        raise ValueError("thresholds must contain at least one value")
    if not all(math.isfinite(t) for t in values):
        raise ValueError(f"thresholds must be finite, got {values}")
    if increasing and any(a >= b for a, b in pairwise(values)):
        raise ValueError(f"thresholds must be strictly increasing, got {values}")
    return values

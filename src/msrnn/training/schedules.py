"""Learning-rate schedules of the training system, as multipliers of the base rate per step."""

from __future__ import annotations

import math
from typing import Literal

LRSchedule = Literal["constant", "cosine"]
LR_SCHEDULES: tuple[str, ...] = ("constant", "cosine")


def lr_factor(step: int, *, total_steps: int, warmup_steps: int, schedule: LRSchedule) -> float:
    r"""Multiplier of the base learning rate at optimiser step ``step`` (0-based).

    A linear warm-up over the first ``warmup_steps`` steps, :math:`(s + 1) / w`, then

    * ``"constant"``: 1;
    * ``"cosine"``: :math:`\tfrac12 \left(1 + \cos \pi \tfrac{s - w}{S - w}\right)`, from 1 after
      the warm-up to 0 at ``total_steps`` :math:`S` (and 0 after it).

    Example:
        >>> [round(lr_factor(s, total_steps=5, warmup_steps=1, schedule="cosine"), 3)
        ...  for s in range(5)]
        [1.0, 1.0, 0.854, 0.5, 0.146]
    """
    if schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {schedule!r}")
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return 0.5 * (1.0 + math.cos(math.pi * progress))

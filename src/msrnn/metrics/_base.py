"""Shared machinery of the streaming metrics: input preparation and the per-lead-time mean."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import torch
from torch import Tensor
from torchmetrics import Metric

from msrnn.metrics.functional._checks import check_sequences


def check_lead_times(lead_times: int) -> int:
    """Validated number of scored frames per sequence."""
    if isinstance(lead_times, bool) or not isinstance(lead_times, int) or lead_times < 1:
        raise ValueError(f"lead_times must be a positive int, got {lead_times!r}")
    return lead_times


def prepare_inputs(preds: Tensor, target: Tensor, lead_times: int) -> tuple[Tensor, Tensor]:
    """Check a scored pair and clip ``preds`` to [0, 1], as the official evaluation does.

    Raises:
        TypeError: for non-tensor or non-floating inputs.
        ValueError: for shapes that are not ``(B, lead_times, C, H, W)`` or differ.
    """
    check_sequences(preds, target)
    if preds.shape[1] != lead_times:
        raise ValueError(
            f"expected {lead_times} lead times in dim 1 of (B, T, C, H, W), got shape "
            f"{tuple(preds.shape)}; select the scored frames with msrnn.metrics.select_frames "
            "or build the metric with the right lead_times"
        )
    return preds.clamp(0.0, 1.0), target


class LeadTimeMean(Metric):
    """Mean over sequences of a per-frame value, kept separately for each lead time.

    States are a float64 sum ``total`` of shape ``(lead_times,)`` and an int64 sequence
    ``count``, both reduced by summation, so streaming over batches and DDP synchronisation give
    exactly the one-pass result (up to float64 summation order). Subclasses define
    :meth:`per_frame`. ``compute()`` returns the ``(lead_times,)`` per-lead-time means; their
    ``.mean()`` is the mean over lead times (the headline number of a table). With
    ``lead_times=1`` torchmetrics squeezes the result to a 0-d tensor.

    Args:
        lead_times: scored frames per sequence (``T`` of the inputs).
        kwargs: passed to :class:`torchmetrics.Metric` (e.g. ``sync_on_compute``).

    Raises:
        ValueError: if ``lead_times`` is not a positive int.
    """

    is_differentiable = False
    full_state_update = False
    total: Tensor
    count: Tensor

    def __init__(self, *, lead_times: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lead_times = check_lead_times(lead_times)
        self.add_state("total", torch.zeros(lead_times, dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("count", torch.zeros((), dtype=torch.int64), dist_reduce_fx="sum")

    @abstractmethod
    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        """The ``(B, T)`` values of a batch (``preds`` already clipped)."""

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of ``(B, lead_times, C, H, W)`` predictions and targets in [0, 1]."""
        preds, target = prepare_inputs(preds, target, self.lead_times)
        values = self.per_frame(preds, target)
        self.total += values.sum(dim=0).to(self.total.dtype)
        self.count += values.shape[0]

    def compute(self) -> Tensor:
        """Per-lead-time mean over all sequences seen, ``(lead_times,)`` float64."""
        return self.total / self.count

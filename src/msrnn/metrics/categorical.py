r"""Streaming contingency table per lead time and threshold, with POD, FAR, CSI and HSS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torchmetrics import Metric

from msrnn.metrics._base import check_lead_times, prepare_inputs
from msrnn.metrics.functional._checks import check_thresholds
from msrnn.metrics.functional.categorical import (
    SCORE_NAMES,
    contingency_counts,
    contingency_scores,
)


class Contingency(Metric):
    r"""Hits, misses, false alarms and correct negatives per lead time and threshold; scores.

    Predictions are clipped to [0, 1]; a pixel is an event when it is **>=** the threshold. Counts
    are summed over every sequence and pixel seen (int64 state, summed across DDP ranks), and the
    scores of :mod:`msrnn.metrics.functional.categorical` are computed per lead time from the
    accumulated table (0/0 -> 0):

    .. math::
        \mathrm{POD} = \frac{h}{h+m}, \ \mathrm{FAR} = \frac{f}{h+f}, \
        \mathrm{CSI} = \frac{h}{h+m+f}, \
        \mathrm{HSS} = \frac{2 (h n - m f)}{(h+m)(m+n) + (h+f)(f+n)}.

    ``compute()`` returns ``{f"{score}_{label}": (lead_times,) float64}``, e.g. ``"csi_0.5"``; the
    official headline per threshold is the mean over lead times of these per-frame scores,
    ``value.mean()``. The raw table is the ``counts`` state ``(lead_times, K, 4)``.

    Args:
        lead_times: scored frames per sequence.
        thresholds: ``K`` pixel thresholds (e.g. :func:`msrnn.radar.rain_thresholds_to_pixels`).
        labels: ``K`` distinct names used in the result keys (e.g. the rain rates ``"0.5"``);
            default: the thresholds formatted with ``:g``.
        scores: score names, a subset of ``("pod", "far", "csi", "hss")``.
        kwargs: passed to :class:`torchmetrics.Metric`.

    Raises:
        ValueError: for empty/non-finite thresholds, labels of the wrong number or repeated, or
            an unknown score name.

    Example:
        >>> metric = Contingency(lead_times=2, thresholds=[0.5], labels=["x"], scores=["csi"])
        >>> preds = torch.tensor([[0.9, 0.9], [0.1, 0.1]]).expand(1, 2, 1, 2, 2)
        >>> target = torch.tensor([[0.9, 0.1], [0.9, 0.1]]).expand(1, 2, 1, 2, 2)
        >>> metric.update(preds, target)
        >>> metric.compute()
        {'csi_x': tensor([0.3333, 0.3333], dtype=torch.float64)}
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False
    counts: Tensor

    def __init__(
        self,
        *,
        lead_times: int,
        thresholds: Sequence[float],
        labels: Sequence[str] | None = None,
        scores: Sequence[str] = SCORE_NAMES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.lead_times = check_lead_times(lead_times)
        self.thresholds = check_thresholds(thresholds)
        self.labels = self._check_labels(labels, self.thresholds)
        contingency_scores(torch.zeros(4, dtype=torch.int64), scores)  # validates the names
        self.scores = tuple(scores)
        shape = (lead_times, len(self.thresholds), 4)
        self.add_state("counts", torch.zeros(shape, dtype=torch.int64), dist_reduce_fx="sum")

    @staticmethod
    def _check_labels(
        labels: Sequence[str] | None, thresholds: tuple[float, ...]
    ) -> tuple[str, ...]:
        names = tuple(f"{t:g}" for t in thresholds) if labels is None else tuple(labels)
        if len(names) != len(thresholds) or len(set(names)) != len(names):
            raise ValueError(
                f"labels must be {len(thresholds)} distinct names, one per threshold, got {names}"
            )
        return names

    def update(self, preds: Tensor, target: Tensor) -> None:
        """Add a batch of ``(B, lead_times, C, H, W)`` predictions and targets in [0, 1]."""
        preds, target = prepare_inputs(preds, target, self.lead_times)
        self.counts += contingency_counts(preds, target, self.thresholds)

    def compute(self) -> dict[str, Tensor]:
        """Per-lead-time scores ``{f"{score}_{label}": (lead_times,)}``."""
        table = contingency_scores(self.counts, self.scores)
        return {
            f"{score}_{label}": values[:, k]
            for score, values in table.items()
            for k, label in enumerate(self.labels)
        }

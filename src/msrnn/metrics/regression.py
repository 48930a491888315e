r"""Streaming per-lead-time error metrics: MSE/MAE (two reductions), B-MSE/B-MAE, PSNR, GDL.

All take ``(B, T, C, H, W)`` predictions and targets in [0, 1] with ``T = lead_times`` (the scored
frames, see :func:`msrnn.metrics.select_frames`), clip the predictions to [0, 1] first (as the
official evaluation), and return from ``compute()`` a ``(lead_times,)`` float64 tensor: the mean
over all sequences seen of a per-frame value. ``compute().mean()`` is the mean over lead times.

Two reductions of the squared/absolute error are offered under explicit names:

* ``FrameMSE``/``FrameMAE``: **sum over the C·H·W pixels of a frame**, then mean over sequences —
  the convention of the MS-RNN/PredRNN tables and of their training loss (e.g. MS-ConvLSTM's
  "MSE 58.3" on Moving MNIST);
* ``PixelMSE``/``PixelMAE``: **mean over pixels** (the textbook MSE), ``1/(C·H·W)`` times the
  former.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from msrnn.metrics._base import LeadTimeMean
from msrnn.metrics.functional.regression import (
    BALANCE_WEIGHTS,
    absolute_error,
    balanced_weights,
    gradient_difference,
    psnr,
    squared_error,
)


class FrameMSE(LeadTimeMean):
    r"""Per-frame **sum** of squared errors over pixels, mean over sequences, per lead time.

    .. math:: \mathrm{MSE}_t = \frac{1}{N} \sum_{b} \sum_{c,h,w} (\hat Y_{b,t} - Y_{b,t})^2

    Example:
        >>> metric = FrameMSE(lead_times=2)
        >>> preds = torch.full((3, 2, 1, 2, 2), 0.5)
        >>> metric.update(preds, torch.zeros_like(preds))
        >>> metric.compute()
        tensor([1., 1.], dtype=torch.float64)
    """

    higher_is_better = False

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return squared_error(preds, target, reduction="frame_sum")


class FrameMAE(LeadTimeMean):
    r"""Per-frame **sum** of absolute errors over pixels, mean over sequences, per lead time.

    .. math:: \mathrm{MAE}_t = \frac{1}{N} \sum_{b} \sum_{c,h,w} |\hat Y_{b,t} - Y_{b,t}|

    Example:
        >>> metric = FrameMAE(lead_times=2)
        >>> metric.update(torch.full((1, 2, 1, 2, 2), 0.5), torch.zeros(1, 2, 1, 2, 2))
        >>> metric.compute()
        tensor([2., 2.], dtype=torch.float64)
    """

    higher_is_better = False

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return absolute_error(preds, target, reduction="frame_sum")


class PixelMSE(LeadTimeMean):
    r"""Per-pixel **mean** squared error, per lead time (``FrameMSE / (C·H·W)``).

    .. math:: \mathrm{MSE}_t = \frac{1}{N C H W} \sum_{b,c,h,w} (\hat Y_{b,t} - Y_{b,t})^2

    Example:
        >>> metric = PixelMSE(lead_times=2)
        >>> metric.update(torch.full((1, 2, 1, 2, 2), 0.5), torch.zeros(1, 2, 1, 2, 2))
        >>> metric.compute()
        tensor([0.2500, 0.2500], dtype=torch.float64)
    """

    higher_is_better = False

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return squared_error(preds, target, reduction="pixel_mean")


class PixelMAE(LeadTimeMean):
    r"""Per-pixel **mean** absolute error, per lead time (``FrameMAE / (C·H·W)``).

    Example:
        >>> metric = PixelMAE(lead_times=2)
        >>> metric.update(torch.full((1, 2, 1, 2, 2), 0.5), torch.zeros(1, 2, 1, 2, 2))
        >>> metric.compute()
        tensor([0.5000, 0.5000], dtype=torch.float64)
    """

    higher_is_better = False

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return absolute_error(preds, target, reduction="pixel_mean")


class PSNR(LeadTimeMean):
    r"""Mean over sequences of the per-frame PSNR in dB (data range 1), per lead time.

    .. math:: \mathrm{PSNR}_t = \frac{1}{N} \sum_b 10 \log_{10}
        \frac{1}{\mathrm{PixelMSE}_{b,t} + \epsilon}, \quad \epsilon = 10^{-5}

    The official :math:`\epsilon` caps a perfect frame at 50 dB
    (:func:`~msrnn.metrics.functional.psnr`).

    Args:
        lead_times: scored frames per sequence.
        eps: guard added to the per-pixel MSE.
        kwargs: passed to :class:`torchmetrics.Metric`.

    Example:
        >>> metric = PSNR(lead_times=2)
        >>> metric.update(torch.zeros(3, 2, 1, 2, 2), torch.zeros(3, 2, 1, 2, 2))
        >>> metric.compute()
        tensor([50., 50.], dtype=torch.float64)
    """

    higher_is_better = True

    def __init__(self, *, lead_times: int, eps: float = 1e-5, **kwargs: Any) -> None:
        super().__init__(lead_times=lead_times, **kwargs)
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.eps = eps

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return psnr(preds, target, eps=self.eps)


class GDL(LeadTimeMean):
    r"""Per-frame gradient difference (sum over pixels), mean over sequences, per lead time.

    See :func:`~msrnn.metrics.functional.gradient_difference` for the formula.

    Example:
        >>> metric = GDL(lead_times=2)
        >>> preds = torch.tensor([[0.0, 1.0], [0.0, 1.0]]).expand(1, 2, 1, 2, 2)
        >>> metric.update(preds, torch.zeros_like(preds))
        >>> metric.compute()
        tensor([2., 2.], dtype=torch.float64)
    """

    higher_is_better = False

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return gradient_difference(preds, target)


class _BalancedError(LeadTimeMean):
    higher_is_better = False

    def __init__(
        self,
        *,
        lead_times: int,
        thresholds: Sequence[float],
        weights: Sequence[float] = BALANCE_WEIGHTS,
        **kwargs: Any,
    ) -> None:
        super().__init__(lead_times=lead_times, **kwargs)
        # Validates thresholds and weights now rather than at the first update.
        balanced_weights(torch.zeros(1), thresholds, weights)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.weights = tuple(float(w) for w in weights)

    def _weights(self, target: Tensor) -> Tensor:
        return balanced_weights(target, self.thresholds, self.weights)


class BalancedMSE(_BalancedError):
    r"""B-MSE: per-frame **sum** of intensity-weighted squared errors, per lead time.

    .. math:: \mathrm{B\text{-}MSE}_t = \frac{1}{N} \sum_b \sum_{c,h,w} w(Y) (\hat Y - Y)^2

    The weight of a pixel depends on the ground truth's class between pixel thresholds (``>=``;
    :func:`~msrnn.metrics.functional.balanced_weights`), by default 1, 1, 2, 5, 10, 30 for the
    pixel values of 0.5, 2, 5, 10, 30 mm/h (pass them, e.g. from
    :func:`msrnn.radar.rain_thresholds_to_pixels`).

    Args:
        lead_times: scored frames per sequence.
        thresholds: ``K`` strictly increasing pixel thresholds.
        weights: ``K + 1`` class weights.
        kwargs: passed to :class:`torchmetrics.Metric`.

    Example:
        >>> metric = BalancedMSE(lead_times=2, thresholds=[0.5], weights=[1.0, 3.0])
        >>> target = torch.tensor([[0.0, 0.0], [1.0, 1.0]]).expand(1, 2, 1, 2, 2)
        >>> metric.update(torch.full_like(target, 0.5), target)
        >>> metric.compute()
        tensor([2., 2.], dtype=torch.float64)
    """

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return squared_error(preds, target, weights=self._weights(target))


class BalancedMAE(_BalancedError):
    r"""B-MAE: per-frame **sum** of intensity-weighted absolute errors (see :class:`BalancedMSE`).

    .. math:: \mathrm{B\text{-}MAE}_t = \frac{1}{N} \sum_b \sum_{c,h,w} w(Y) |\hat Y - Y|

    Example:
        >>> metric = BalancedMAE(lead_times=2, thresholds=[0.5], weights=[1.0, 3.0])
        >>> target = torch.tensor([[0.0, 0.0], [1.0, 1.0]]).expand(1, 2, 1, 2, 2)
        >>> metric.update(torch.full_like(target, 0.5), target)
        >>> metric.compute()
        tensor([4., 4.], dtype=torch.float64)
    """

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return absolute_error(preds, target, weights=self._weights(target))

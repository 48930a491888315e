r"""Streaming per-lead-time SSIM (the MS-RNN evaluation's single-scale definition)."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from msrnn.metrics._base import LeadTimeMean
from msrnn.metrics.functional.ssim import gaussian_window, ssim


class SSIM(LeadTimeMean):
    r"""Mean over sequences of the per-frame SSIM, per lead time.

    .. math:: \mathrm{SSIM}_t = \frac{1}{N} \sum_b \mathrm{SSIM}(\hat Y_{b,t}, Y_{b,t})

    with the definition of :mod:`msrnn.metrics.functional.ssim`: 11×11 Gaussian window,
    :math:`\sigma = 1.5`, valid convolution, :math:`k_1 = 0.01`, :math:`k_2 = 0.03`, data range 1;
    the window shrinks to ``min(H, W)`` (σ scaled alike) for smaller frames; multichannel frames
    average the per-channel maps. Predictions are clipped to [0, 1] first.

    Args:
        lead_times: scored frames per sequence.
        window_size: Gaussian window side.
        sigma: Gaussian standard deviation for ``window_size``.
        k1: luminance stabiliser.
        k2: contrast stabiliser.
        kwargs: passed to :class:`torchmetrics.Metric`.

    Raises:
        ValueError: for invalid window parameters or ``lead_times``.

    Shape:
        ``update(preds, target)``: both ``(B, lead_times, C, H, W)``; ``compute()``:
        ``(lead_times,)``.

    Example:
        >>> import torch
        >>> metric = SSIM(lead_times=2)
        >>> frames = torch.rand(3, 2, 1, 16, 16)
        >>> metric.update(frames, frames)
        >>> torch.allclose(metric.compute(), torch.ones(2).double())
        True
    """

    higher_is_better = True

    def __init__(
        self,
        *,
        lead_times: int,
        window_size: int = 11,
        sigma: float = 1.5,
        k1: float = 0.01,
        k2: float = 0.03,
        **kwargs: Any,
    ) -> None:
        super().__init__(lead_times=lead_times, **kwargs)
        gaussian_window(window_size, sigma)  # validates the window now, not at the first update
        self.window_size, self.sigma, self.k1, self.k2 = window_size, sigma, k1, k2

    def per_frame(self, preds: Tensor, target: Tensor) -> Tensor:
        return ssim(
            preds, target, window_size=self.window_size, sigma=self.sigma, k1=self.k1, k2=self.k2
        )

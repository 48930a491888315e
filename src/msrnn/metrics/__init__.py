"""Streaming, DDP-correct evaluation metrics with a lead-time axis.

Every metric takes ``(B, T, C, H, W)`` predictions and targets in [0, 1] whose time axis holds the
scored lead times, clips the predictions to [0, 1] (as the official MS-RNN evaluation), keeps
summed float64/int64 states (streaming and DDP give the one-pass result), and returns
per-lead-time tensors from ``compute()``. :class:`MetricSuite` selects the scored frames by
protocol (``forecast`` or ``paper``) and bundles the metrics of a data set;
:func:`results_to_dict` turns results into JSON-able dicts. Pure functions live in
:mod:`msrnn.metrics.functional`.
"""

from msrnn.metrics._base import LeadTimeMean
from msrnn.metrics.categorical import Contingency
from msrnn.metrics.image import SSIM
from msrnn.metrics.protocol import (
    BASELINES,
    Protocol,
    blank_forecast,
    persistence_forecast,
    scored_lead_times,
    select_frames,
)
from msrnn.metrics.regression import (
    GDL,
    PSNR,
    BalancedMAE,
    BalancedMSE,
    FrameMAE,
    FrameMSE,
    PixelMAE,
    PixelMSE,
)
from msrnn.metrics.suite import RAIN_RATES, MetricSuite, build_metric_suite, results_to_dict

__all__ = [
    "BASELINES",
    "GDL",
    "PSNR",
    "RAIN_RATES",
    "SSIM",
    "BalancedMAE",
    "BalancedMSE",
    "Contingency",
    "FrameMAE",
    "FrameMSE",
    "LeadTimeMean",
    "MetricSuite",
    "PixelMAE",
    "PixelMSE",
    "Protocol",
    "blank_forecast",
    "build_metric_suite",
    "persistence_forecast",
    "results_to_dict",
    "scored_lead_times",
    "select_frames",
]

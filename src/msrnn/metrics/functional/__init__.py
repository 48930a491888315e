"""Pure-torch metric functions on ``(B, T, C, H, W)`` sequences in [0, 1].

Each returns per-sequence, per-lead-time values ``(B, T)`` (float64) or per-lead-time counts that
can be summed over batches; :mod:`msrnn.metrics` wraps them in streaming metrics.
"""

from msrnn.metrics.functional.categorical import (
    SCORE_NAMES,
    contingency_counts,
    contingency_scores,
)
from msrnn.metrics.functional.regression import (
    BALANCE_WEIGHTS,
    absolute_error,
    balanced_weights,
    gradient_difference,
    psnr,
    squared_error,
)
from msrnn.metrics.functional.ssim import gaussian_window, ssim

__all__ = [
    "BALANCE_WEIGHTS",
    "SCORE_NAMES",
    "absolute_error",
    "balanced_weights",
    "contingency_counts",
    "contingency_scores",
    "gaussian_window",
    "gradient_difference",
    "psnr",
    "squared_error",
    "ssim",
]

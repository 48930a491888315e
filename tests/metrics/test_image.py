"""Streaming SSIM: the mean over sequences of the functional per-frame values."""

from __future__ import annotations

import pytest
import torch

from msrnn.metrics import SSIM
from msrnn.metrics.functional import ssim


def test_mean_over_sequences_of_functional_values():
    generator = torch.Generator().manual_seed(2)
    preds = torch.rand(4, 2, 3, 12, 12, generator=generator)
    target = torch.rand(4, 2, 3, 12, 12, generator=generator)
    metric = SSIM(lead_times=2)
    metric.update(preds[:3], target[:3])
    metric.update(preds[3:], target[3:])
    torch.testing.assert_close(metric.compute(), ssim(preds, target).mean(dim=0))


def test_predictions_are_clipped_and_window_parameters_used():
    target = torch.full((1, 2, 1, 5, 5), 1.0)
    metric = SSIM(lead_times=2)
    metric.update(torch.full_like(target, 2.5), target)
    torch.testing.assert_close(metric.compute(), torch.ones(2, dtype=torch.float64))
    preds = torch.rand(1, 2, 1, 9, 9, generator=torch.Generator().manual_seed(4))
    custom = SSIM(lead_times=2, window_size=3, sigma=0.5, k1=0.05, k2=0.1)
    custom.update(preds, torch.zeros_like(preds) + 0.5)
    expected = ssim(preds, torch.zeros_like(preds) + 0.5, window_size=3, sigma=0.5, k1=0.05, k2=0.1)
    torch.testing.assert_close(custom.compute(), expected[0])


def test_validation():
    with pytest.raises(ValueError, match="window size must be >= 1"):
        SSIM(lead_times=1, window_size=0)
    with pytest.raises(ValueError, match="expected 1 lead times"):
        SSIM(lead_times=1).update(torch.zeros(1, 2, 1, 4, 4), torch.zeros(1, 2, 1, 4, 4))

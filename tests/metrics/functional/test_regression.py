"""Per-frame error measures on tensors small enough to check by hand."""

from __future__ import annotations

import math

import pytest
import torch

from msrnn.metrics.functional import (
    BALANCE_WEIGHTS,
    absolute_error,
    balanced_weights,
    gradient_difference,
    psnr,
    squared_error,
)


def _frame(values):
    """One sequence with one 1-channel frame, ``(1, 1, 1, H, W)``."""
    return torch.tensor(values, dtype=torch.float32)[None, None, None]


PRED = _frame([[0.2, 0.4], [0.6, 1.0]])
TRUE = _frame([[0.0, 0.4], [0.9, 0.5]])
# errors 0.2, 0, -0.3, 0.5 -> squares 0.04, 0, 0.09, 0.25; absolute 0.2, 0, 0.3, 0.5


def test_squared_and_absolute_error_by_hand():
    assert squared_error(PRED, TRUE).item() == pytest.approx(0.38)
    assert squared_error(PRED, TRUE, reduction="pixel_mean").item() == pytest.approx(0.095)
    assert absolute_error(PRED, TRUE).item() == pytest.approx(1.0)
    assert absolute_error(PRED, TRUE, reduction="pixel_mean").item() == pytest.approx(0.25)
    assert squared_error(PRED, TRUE).dtype == torch.float64


def test_frame_sum_is_chw_times_pixel_mean():
    generator = torch.Generator().manual_seed(0)
    preds = torch.rand(3, 4, 2, 5, 6, generator=generator)
    target = torch.rand(3, 4, 2, 5, 6, generator=generator)
    for error in (squared_error, absolute_error):
        frame_sum = error(preds, target)
        pixel_mean = error(preds, target, reduction="pixel_mean")
        assert frame_sum.shape == (3, 4)
        torch.testing.assert_close(frame_sum, 2 * 5 * 6 * pixel_mean)


def test_values_are_per_sequence_and_lead_time():
    preds = torch.zeros(2, 3, 1, 2, 2)
    target = torch.zeros(2, 3, 1, 2, 2)
    target[1, 2, 0, 0, 0] = 0.5
    expected = torch.zeros(2, 3, dtype=torch.float64)
    expected[1, 2] = 0.25
    torch.testing.assert_close(squared_error(preds, target), expected)


def test_balanced_weights_by_class_with_inclusive_thresholds():
    target = torch.tensor([0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.9])
    weights = balanced_weights(target, [0.1, 0.2, 0.3, 0.4, 0.5])
    assert weights.tolist() == [1, 1, 2, 2, 5, 5, 10, 10, 30, 30]
    assert BALANCE_WEIGHTS == (1.0, 1.0, 2.0, 5.0, 10.0, 30.0)


def test_balanced_squared_error_by_hand():
    # Ground truth classes with threshold 0.5: 0.0 and 0.4 -> weight 1; 0.9 and 0.5 -> 4.
    weights = balanced_weights(TRUE, [0.5], [1.0, 4.0])
    assert squared_error(PRED, TRUE, weights=weights).item() == pytest.approx(0.04 + 4 * 0.34)
    assert absolute_error(PRED, TRUE, weights=weights).item() == pytest.approx(0.2 + 4 * 0.8)


def test_psnr_by_hand():
    expected = 10 * math.log10(1 / (0.095 + 1e-5))
    assert psnr(PRED, TRUE).item() == pytest.approx(expected)
    assert psnr(PRED, PRED).item() == pytest.approx(50.0)


def test_gradient_difference_by_hand():
    preds = _frame([[0.0, 0.5, 0.5], [1.0, 0.5, 0.0], [0.0, 0.0, 0.0]])
    target = _frame([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    # vertical |dY|: preds rows (1, 0, .5), (1, .5, 0); target (.5, .5, .5), (.5, .5, .5)
    vertical = (0.5 + 0.5 + 0.0) + (0.5 + 0.0 + 0.5)
    # horizontal |dX|: preds (.5, 0), (.5, .5), (0, 0); target all 0
    horizontal = 0.5 + 0.0 + 0.5 + 0.5
    assert gradient_difference(preds, target).item() == pytest.approx(vertical + horizontal)
    assert gradient_difference(target, target).item() == 0.0


def test_input_validation():
    with pytest.raises(ValueError, match=r"preds must be \(B, T, C, H, W\), got shape \(2, 2\)"):
        squared_error(torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="same shape"):
        absolute_error(torch.zeros(1, 1, 1, 2, 2), torch.zeros(1, 2, 1, 2, 2))
    with pytest.raises(TypeError, match=r"floating-point .* divide integer frames"):
        squared_error(torch.zeros(1, 1, 1, 2, 2, dtype=torch.uint8), TRUE)
    with pytest.raises(TypeError, match=r"must be a torch.Tensor"):
        psnr([0.0], TRUE)
    with pytest.raises(ValueError, match="reduction must be 'frame_sum' or 'pixel_mean'"):
        squared_error(PRED, TRUE, reduction="mean")
    with pytest.raises(ValueError, match="weights must have the shape"):
        squared_error(PRED, TRUE, weights=torch.ones(2, 2))
    with pytest.raises(ValueError, match="eps must be > 0"):
        psnr(PRED, TRUE, eps=0.0)


def test_balanced_weight_validation():
    with pytest.raises(ValueError, match="strictly increasing"):
        balanced_weights(TRUE, [0.5, 0.3], [1, 2, 3])
    with pytest.raises(ValueError, match="len\\(thresholds\\) \\+ 1 = 3, got 2"):
        balanced_weights(TRUE, [0.3, 0.5], [1, 2])
    with pytest.raises(ValueError, match="at least one"):
        balanced_weights(TRUE, [], [1])

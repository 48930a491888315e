"""Streaming error metrics: hand values, clipping, streaming equals one pass, validation."""

from __future__ import annotations

import pytest
import torch

from msrnn.metrics import (
    GDL,
    PSNR,
    SSIM,
    BalancedMAE,
    BalancedMSE,
    FrameMAE,
    FrameMSE,
    PixelMAE,
    PixelMSE,
)

FACTORIES = {
    "frame_mse": lambda: FrameMSE(lead_times=3),
    "frame_mae": lambda: FrameMAE(lead_times=3),
    "pixel_mse": lambda: PixelMSE(lead_times=3),
    "pixel_mae": lambda: PixelMAE(lead_times=3),
    "psnr": lambda: PSNR(lead_times=3),
    "gdl": lambda: GDL(lead_times=3),
    "ssim": lambda: SSIM(lead_times=3),
    "b_mse": lambda: BalancedMSE(lead_times=3, thresholds=[0.3, 0.6], weights=[1, 2, 7]),
    "b_mae": lambda: BalancedMAE(lead_times=3, thresholds=[0.3, 0.6], weights=[1, 2, 7]),
}


def _data(batch: int = 7):
    generator = torch.Generator().manual_seed(3)
    target = torch.rand(batch, 3, 1, 6, 5, generator=generator)
    preds = target + 0.3 * torch.randn(batch, 3, 1, 6, 5, generator=generator)
    return preds, target


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_streaming_equals_one_pass(name):
    preds, target = _data()
    one_pass, streamed = FACTORIES[name](), FACTORIES[name]()
    one_pass.update(preds, target)
    for chunk in ((0, 1), (1, 4), (4, 7)):
        streamed.update(preds[slice(*chunk)], target[slice(*chunk)])
    expected = one_pass.compute()
    assert expected.shape == (3,) and expected.dtype == torch.float64
    torch.testing.assert_close(streamed.compute(), expected, rtol=1e-12, atol=1e-12)


def test_per_lead_time_means_over_sequences_by_hand():
    preds = torch.zeros(2, 2, 1, 2, 2)
    target = torch.zeros(2, 2, 1, 2, 2)
    target[0, 0] = 0.5  # sequence 0, lead 0: 4 pixels with error 0.5
    target[1, 1, 0, 0, 0] = 1.0  # sequence 1, lead 1: one pixel with error 1
    frame_mse, pixel_mse, frame_mae = (
        FrameMSE(lead_times=2),
        PixelMSE(lead_times=2),
        FrameMAE(lead_times=2),
    )
    for metric in (frame_mse, pixel_mse, frame_mae):
        metric.update(preds, target)
    assert frame_mse.compute().tolist() == [0.5, 0.5]  # (1.0 + 0) / 2 and (0 + 1) / 2
    assert pixel_mse.compute().tolist() == [0.125, 0.125]
    assert frame_mae.compute().tolist() == [1.0, 0.5]
    assert frame_mse.compute().mean().item() == 0.5


def test_frame_sum_is_chw_times_pixel_mean():
    preds, target = _data()
    frame, pixel = FrameMSE(lead_times=3), PixelMSE(lead_times=3)
    frame.update(preds, target)
    pixel.update(preds, target)
    torch.testing.assert_close(frame.compute(), 30 * pixel.compute())


def test_predictions_are_clipped_before_scoring():
    target = torch.ones(1, 1, 1, 2, 2)
    metric = FrameMSE(lead_times=1)
    metric.update(torch.full_like(target, 3.0), target)
    assert metric.compute().item() == 0.0
    metric = FrameMAE(lead_times=1)
    metric.update(torch.full_like(target, -1.0), torch.zeros_like(target))
    assert metric.compute().item() == 0.0


def test_balanced_mse_by_hand():
    target = torch.tensor([[0.0, 0.4], [0.7, 0.9]]).expand(1, 1, 1, 2, 2)
    metric = BalancedMSE(lead_times=1, thresholds=[0.3, 0.6], weights=[1, 2, 7])
    metric.update(torch.zeros_like(target), target)
    expected = 1 * 0.0 + 2 * 0.4**2 + 7 * 0.7**2 + 7 * 0.9**2
    assert metric.compute().item() == pytest.approx(expected)


def test_psnr_averages_db_values_over_sequences():
    target = torch.zeros(2, 1, 1, 1, 1)
    preds = torch.tensor([0.1, 0.0]).reshape(2, 1, 1, 1, 1)
    metric = PSNR(lead_times=1)
    metric.update(preds, target)
    expected = (10 * torch.log10(torch.tensor(1 / (0.01 + 1e-5))).item() + 50.0) / 2
    assert metric.compute().item() == pytest.approx(expected, rel=1e-6)


def test_reset_forgets_batches():
    preds, target = _data()
    metric = FrameMSE(lead_times=3)
    metric.update(preds, target)
    metric.reset()
    metric.update(target, target)
    assert metric.compute().tolist() == [0.0, 0.0, 0.0]


def test_validation_messages():
    preds, target = _data()
    with pytest.raises(ValueError, match=r"expected 2 lead times .*select_frames"):
        FrameMSE(lead_times=2).update(preds, target)
    with pytest.raises(ValueError, match="lead_times must be a positive int"):
        PixelMAE(lead_times=0)
    with pytest.raises(ValueError, match="eps must be > 0"):
        PSNR(lead_times=1, eps=-1.0)
    with pytest.raises(ValueError, match="len\\(thresholds\\) \\+ 1 = 6, got 3"):
        BalancedMAE(lead_times=1, thresholds=[0.1, 0.2, 0.3, 0.4, 0.5], weights=[1, 2, 3])
    with pytest.raises(ValueError, match="sigma must be > 0"):
        SSIM(lead_times=1, sigma=0.0)
    with pytest.raises(TypeError, match="floating-point"):
        GDL(lead_times=3).update(preds.to(torch.int64), target)

"""The metric suite: which metrics, protocols, flattening to JSON, the persistence baseline."""

from __future__ import annotations

import json

import pytest
import torch

from msrnn.metrics import (
    FrameMSE,
    MetricSuite,
    build_metric_suite,
    persistence_forecast,
    results_to_dict,
)
from msrnn.radar import rain_thresholds_to_pixels

IMAGE_KEYS = [
    "mse_frame_sum",
    "mae_frame_sum",
    "mse_per_pixel",
    "mae_per_pixel",
    "ssim",
    "psnr",
    "gdl_frame_sum",
]


def _frames(batch: int = 3, seq_len: int = 6):
    return torch.rand(batch, seq_len, 1, 8, 8, generator=torch.Generator().manual_seed(7))


def test_non_radar_suite_has_image_metrics_only():
    suite = build_metric_suite(seq_len=6, input_frames=4)
    frames = _frames()
    suite.update(persistence_forecast(frames, input_frames=4), frames)
    results = suite.compute()
    assert list(results) == IMAGE_KEYS
    assert all(value.shape == (2,) for value in results.values())


def test_radar_suite_keys_are_stable_and_json_able():
    suite = build_metric_suite(seq_len=6, input_frames=4, radar="hko-7", protocol="paper")
    frames = _frames()
    suite.update(persistence_forecast(frames, input_frames=4), frames)
    flat = suite.to_dict()
    rates = ["0.5", "2", "5", "10", "30"]
    scores = [f"{s}_{r}" for s in ("pod", "far", "csi", "hss") for r in rates]
    keys = [*IMAGE_KEYS, "b_mse_frame_sum", "b_mae_frame_sum", *scores]
    assert list(flat) == [k for key in keys for k in (key, f"{key}_mean")]
    assert len(flat["csi_0.5"]) == 5  # paper protocol: all T - 1 outputs
    assert flat["csi_0.5_mean"] == pytest.approx(sum(flat["csi_0.5"]) / 5)
    assert json.loads(json.dumps(flat)) == flat


def test_suite_matches_individual_metrics_on_the_selected_frames():
    frames = _frames()
    predictions = frames[:, 1:].flip(1)
    suite = MetricSuite(seq_len=6, input_frames=2, thresholds=[0.3, 0.6], balance_weights=[1, 2, 3])
    suite.update(predictions, frames)
    metric = FrameMSE(lead_times=4)
    metric.update(predictions[:, 1:], frames[:, 2:])
    torch.testing.assert_close(suite.compute()["mse_frame_sum"], metric.compute())
    assert "csi_0.3" in suite.compute()


def test_perfect_predictions_and_persistence():
    frames = _frames()
    suite = build_metric_suite(seq_len=6, input_frames=3, radar="dwd")
    suite.update(frames[:, 1:], frames)
    perfect = suite.to_dict()
    assert perfect["mse_frame_sum_mean"] == 0.0
    assert perfect["psnr_mean"] == pytest.approx(50.0)
    assert perfect["ssim_mean"] == pytest.approx(1.0)
    suite.reset()
    suite.update(persistence_forecast(frames, input_frames=3), frames)
    baseline = suite.to_dict()
    expected = ((frames[:, 3:] - frames[:, 2:3]) ** 2).sum(dim=(2, 3, 4)).mean(0).double()
    assert baseline["mse_frame_sum"] == pytest.approx(expected.tolist())


def test_radar_thresholds_come_from_the_convention():
    suite = build_metric_suite(
        seq_len=4, input_frames=2, radar="meteonet", rain_rates=[2, 30], balance_weights=[1, 2, 3]
    )
    contingency = suite.metrics["contingency"]
    assert contingency.thresholds == rain_thresholds_to_pixels([2, 30], "meteonet")
    assert contingency.labels == ("2", "30")


def test_results_to_dict_with_scalar_results():
    flat = results_to_dict({"psnr": torch.tensor(30.0)})
    assert flat == {"psnr": [30.0], "psnr_mean": 30.0}


def test_errors():
    suite = build_metric_suite(seq_len=6, input_frames=4)
    frames = _frames(seq_len=8)
    with pytest.raises(ValueError, match=r"scores 2 lead times.*seq_len=8"):
        suite.update(frames[:, 1:], frames)
    with pytest.raises(ValueError, match="len\\(thresholds\\) \\+ 1 = 3, got 6"):
        build_metric_suite(seq_len=6, input_frames=4, radar="hko", rain_rates=[0.5, 5])
    with pytest.raises(ValueError, match="unknown radar convention"):
        build_metric_suite(seq_len=6, input_frames=4, radar="sevir")
    with pytest.raises(ValueError, match="protocol must be one of"):
        MetricSuite(seq_len=6, input_frames=4, protocol="future")


def test_a_batch_with_nan_is_refused_before_any_metric_takes_it():
    suite = build_metric_suite(seq_len=6, input_frames=3, radar="hko-7")
    frames = _frames()
    suite.update(frames[:, 1:], frames)
    before = {k: v.clone() for k, v in suite.compute().items()}
    bad = frames[:, 1:].clone()
    bad[0, -1, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="must be finite to be scored"):
        suite.update(bad, frames)
    after = suite.compute()
    assert all(torch.equal(before[k], after[k]) for k in before)

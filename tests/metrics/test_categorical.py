"""Streaming contingency table: keys, streaming equals one pass, validation."""

from __future__ import annotations

import pytest
import torch

from msrnn.metrics import Contingency
from msrnn.metrics.functional import contingency_counts


def _data(batch: int = 6):
    generator = torch.Generator().manual_seed(5)
    target = torch.rand(batch, 2, 1, 4, 4, generator=generator)
    preds = target + 0.2 * torch.randn(batch, 2, 1, 4, 4, generator=generator)
    return preds, target


def test_streaming_counts_equal_one_pass():
    preds, target = _data()
    one_pass = Contingency(lead_times=2, thresholds=[0.2, 0.5, 0.8])
    streamed = Contingency(lead_times=2, thresholds=[0.2, 0.5, 0.8])
    one_pass.update(preds, target)
    for start in range(0, 6, 2):
        streamed.update(preds[start : start + 2], target[start : start + 2])
    assert torch.equal(streamed.counts, one_pass.counts)
    assert one_pass.counts.dtype == torch.int64
    assert one_pass.counts.sum().item() == 6 * 2 * 16 * 3
    for key, value in one_pass.compute().items():
        torch.testing.assert_close(streamed.compute()[key], value)


def test_keys_labels_and_per_lead_scores():
    preds, target = _data()
    metric = Contingency(lead_times=2, thresholds=[0.2, 0.5], labels=["0.5", "5"])
    metric.update(preds, target)
    results = metric.compute()
    expected_keys = [f"{s}_{r}" for s in ("pod", "far", "csi", "hss") for r in ("0.5", "5")]
    assert list(results) == expected_keys
    counts = contingency_counts(preds.clamp(0, 1), target, [0.5])[:, 0].double()
    h, m, f = counts[:, 0], counts[:, 1], counts[:, 2]
    torch.testing.assert_close(results["csi_5"], h / (h + m + f))


def test_default_labels_and_clipping():
    target = torch.ones(1, 2, 1, 2, 2)
    metric = Contingency(lead_times=2, thresholds=[1.0], scores=["pod"])
    metric.update(torch.full_like(target, 4.0), target)  # clipped to exactly 1.0 >= 1.0
    assert list(metric.compute()) == ["pod_1"]
    assert metric.compute()["pod_1"].tolist() == [1.0, 1.0]


def test_validation_messages():
    with pytest.raises(ValueError, match="labels must be 2 distinct names"):
        Contingency(lead_times=1, thresholds=[0.1, 0.2], labels=["a", "a"])
    with pytest.raises(ValueError, match="unknown score names"):
        Contingency(lead_times=1, thresholds=[0.1], scores=["bias"])
    with pytest.raises(ValueError, match="at least one"):
        Contingency(lead_times=1, thresholds=[])
    preds, target = _data()
    with pytest.raises(ValueError, match="expected 3 lead times"):
        Contingency(lead_times=3, thresholds=[0.5]).update(preds, target)


def test_thresholds_are_compared_in_float64_whatever_the_dtype():
    # 0.298828125 is a bf16 value just below the threshold 0.2995, which bf16 would round
    # down to 0.298828125 and so count as an event
    preds = torch.full((1, 1, 1, 1, 1), 0.298828125, dtype=torch.bfloat16)
    counts = contingency_counts(preds, torch.zeros_like(preds), [0.2995])
    assert counts.tolist() == [[[0, 0, 0, 1]]]  # a correct negative, not a false alarm

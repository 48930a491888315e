"""Frame selection by protocol and the persistence baseline."""

from __future__ import annotations

import pytest
import torch

from msrnn.metrics import persistence_forecast, scored_lead_times, select_frames


def _sequence(seq_len: int = 6):
    """Frame ``t`` holds the value ``t`` everywhere; predictions hold ``t + 1`` (perfect)."""
    frames = torch.arange(float(seq_len)).reshape(1, seq_len, 1, 1, 1).expand(2, -1, 1, 2, 3)
    return frames[:, 1:].clone(), frames


def _times(x):
    return x[0, :, 0, 0, 0].tolist()


def test_forecast_protocol_scores_only_future_frames():
    predictions, frames = _sequence()
    preds, target = select_frames(predictions, frames, input_frames=4)
    assert _times(target) == [4.0, 5.0]
    assert _times(preds) == [4.0, 5.0]  # outputs 3 and 4 predict frames 4 and 5
    assert preds.shape == target.shape == (2, 2, 1, 2, 3)


def test_paper_protocol_scores_all_outputs():
    predictions, frames = _sequence()
    preds, target = select_frames(predictions, frames, input_frames=4, protocol="paper")
    assert _times(target) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert torch.equal(preds, predictions)


def test_scored_lead_times():
    assert scored_lead_times(20, 10) == 10
    assert scored_lead_times(20, 10, "paper") == 19
    assert scored_lead_times(8, 4, "forecast") == 4


def test_persistence_repeats_the_last_seen_frame():
    _, frames = _sequence()
    baseline = persistence_forecast(frames, input_frames=4)
    assert baseline.shape == (2, 5, 1, 2, 3)
    assert _times(baseline) == [0.0, 1.0, 2.0, 3.0, 3.0]
    preds, target = select_frames(baseline, frames, input_frames=4)
    assert _times(preds) == [3.0, 3.0] and _times(target) == [4.0, 5.0]


def test_errors():
    predictions, frames = _sequence()
    with pytest.raises(ValueError, match="protocol must be one of \\('forecast', 'paper'\\)"):
        select_frames(predictions, frames, input_frames=4, protocol="all")
    with pytest.raises(ValueError, match="input_frames must be between 1 and seq_len-1=5, got 6"):
        select_frames(predictions, frames, input_frames=6)
    with pytest.raises(ValueError, match="predictions must be \\(B, T-1, C, H, W\\)"):
        select_frames(frames, frames, input_frames=4)
    with pytest.raises(ValueError, match="frames must be \\(B, T, C, H, W\\)"):
        select_frames(predictions, frames[0], input_frames=4)
    with pytest.raises(ValueError, match="input_frames must be between 1"):
        persistence_forecast(frames, input_frames=0)
    with pytest.raises(ValueError, match="frames must be"):
        persistence_forecast(frames[0], input_frames=2)

"""Contingency counts and scores on a table with known counts."""

from __future__ import annotations

import pytest
import torch

from msrnn.metrics.functional import SCORE_NAMES, contingency_counts, contingency_scores

HITS, MISSES, FALSE_ALARMS, NEGATIVES = 82, 38, 23, 222


def _known_table():
    """One 365-pixel frame laid out to give exactly the counts above at threshold 0.5."""
    preds = torch.cat([torch.full((HITS,), 0.9), torch.full((MISSES,), 0.1)])
    target = torch.cat([torch.full((HITS,), 0.7), torch.full((MISSES,), 0.5)])
    preds = torch.cat([preds, torch.full((FALSE_ALARMS,), 0.5), torch.full((NEGATIVES,), 0.0)])
    target = torch.cat([target, torch.full((FALSE_ALARMS,), 0.2), torch.full((NEGATIVES,), 0.3)])
    return preds.reshape(1, 1, 1, 5, 73), target.reshape(1, 1, 1, 5, 73)


def test_counts_of_the_known_table_with_inclusive_threshold():
    preds, target = _known_table()
    counts = contingency_counts(preds, target, [0.5])
    assert counts.dtype == torch.int64
    assert counts.tolist() == [[[HITS, MISSES, FALSE_ALARMS, NEGATIVES]]]


def test_scores_of_the_known_table():
    preds, target = _known_table()
    scores = contingency_scores(contingency_counts(preds, target, [0.5]))
    h, m, f, n = HITS, MISSES, FALSE_ALARMS, NEGATIVES
    expected = {
        "pod": 82 / 120,
        "far": 23 / 105,
        "csi": 82 / 143,
        "hss": 2 * (h * n - m * f) / ((h + m) * (m + n) + (h + f) * (f + n)),
    }
    assert list(scores) == list(SCORE_NAMES)
    for name, value in expected.items():
        assert scores[name].item() == pytest.approx(value, rel=1e-12)
    assert scores["hss"].item() == pytest.approx(34660 / 56925)


def test_counts_per_lead_time_and_threshold():
    preds = torch.tensor([0.1, 0.4, 0.6, 0.9]).reshape(1, 1, 1, 2, 2).repeat(2, 3, 1, 1, 1)
    target = torch.tensor([0.4, 0.4, 0.4, 0.4]).reshape(1, 1, 1, 2, 2).repeat(2, 3, 1, 1, 1)
    target[:, 2] = 0.0
    counts = contingency_counts(preds, target, [0.4, 0.8])
    assert counts.shape == (3, 2, 4)
    # threshold 0.4, lead 0: forecast events 0.4, 0.6, 0.9 all observed -> 3 hits, 1 miss (x2 seqs)
    assert counts[0, 0].tolist() == [6, 2, 0, 0]
    assert counts[0, 1].tolist() == [0, 0, 2, 6]
    assert counts[2, 0].tolist() == [0, 0, 6, 2]
    assert counts.sum(dim=-1).eq(8).all()


def test_undefined_scores_are_zero():
    scores = contingency_scores(torch.tensor([0, 0, 0, 10]))
    assert {name: value.item() for name, value in scores.items()} == {
        "pod": 0.0,
        "far": 0.0,
        "csi": 0.0,
        "hss": 0.0,
    }


def test_perfect_forecast():
    scores = contingency_scores(torch.tensor([[5, 0, 0, 7]]))
    assert [scores[name].item() for name in ("pod", "far", "csi", "hss")] == [1.0, 0.0, 1.0, 1.0]


def test_errors():
    preds, target = _known_table()
    with pytest.raises(ValueError, match="unknown score names \\['ets'\\]"):
        contingency_scores(torch.zeros(4, dtype=torch.int64), ["csi", "ets"])
    with pytest.raises(ValueError, match="end with an axis of 4"):
        contingency_scores(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="finite"):
        contingency_counts(preds, target, [float("nan")])
    preds[0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="found NaN or inf"):
        contingency_counts(preds, target, [0.5])

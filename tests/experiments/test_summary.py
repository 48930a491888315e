import pytest

from msrnn.experiments.summary import SeedStats, by_model, compare, ranking


def test_seed_stats_are_mean_sample_std_and_extremes():
    stats = SeedStats.of({0: 1.0, 1: 2.0, 2: 6.0})
    assert stats.mean == pytest.approx(3.0)
    assert stats.std == pytest.approx(((4 + 1 + 9) / 2) ** 0.5)
    assert (stats.low, stats.high, stats.seeds) == (1.0, 6.0, (0, 1, 2))
    assert SeedStats.of({3: 5.0}).std == 0.0
    with pytest.raises(ValueError, match="no values"):
        SeedStats.of({})


def test_comparison_is_paired_by_seed():
    records = [
        {"model": m, "seed": s, "test": {"mse": v}}
        for m, values in (("a", (1.0, 4.0, 2.0)), ("b", (2.0, 2.0, 2.0)))
        for s, v in enumerate(values)
    ]
    table = by_model(records, "mse")
    verdict = compare(table, "a", "b")
    assert (verdict.wins, verdict.seeds, verdict.held) == (1, 3, "mixed")
    assert verdict.mean_change == pytest.approx((-0.5 + 1.0 + 0.0) / 3)
    # sample standard deviation of the paired changes (-0.5, 1.0, 0.0) around their mean 1/6
    assert verdict.change_std == pytest.approx(((4 / 9 + 25 / 36 + 1 / 36) / 2) ** 0.5)
    assert compare(table, "b", "a").wins == 1  # ties count for nobody
    assert ranking(table, ["a", "b"]) == ["b", "a"]
    with pytest.raises(ValueError, match="share no seed"):
        compare({"a": {0: 1.0}, "b": {1: 1.0}}, "a", "b")

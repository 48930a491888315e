"""Statistics over seeds and the verdicts on the paper's claims, from the study's records."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SeedStats:
    """A metric over seeds: mean, sample standard deviation, extremes and the seeds used."""

    mean: float
    std: float
    low: float
    high: float
    seeds: tuple[int, ...]

    @classmethod
    def of(cls, values: Mapping[int, float]) -> SeedStats:
        """Statistics of ``{seed: value}`` (standard deviation 0 for a single seed)."""
        if not values:
            raise ValueError("no values: the study has no record for this model")
        data = list(values.values())
        std = statistics.stdev(data) if len(data) > 1 else 0.0
        return cls(statistics.fmean(data), std, min(data), max(data), tuple(sorted(values)))


def by_model(records: Iterable[Mapping[str, Any]], metric: str) -> dict[str, dict[int, float]]:
    """``{model: {seed: test metric}}`` from the study's records."""
    table: dict[str, dict[int, float]] = {}
    for record in records:
        table.setdefault(record["model"], {})[record["seed"]] = record["test"][metric]
    return table


@dataclass(frozen=True)
class PairVerdict:
    """Whether a challenger beat a reference on a lower-is-better metric, seed by seed.

    Attributes:
        challenger: the model claimed better (e.g. ``ms-convlstm``).
        reference: the model it is compared with.
        wins: seeds on which the challenger scored lower.
        seeds: seeds both models have.
        mean_change: mean over shared seeds of ``challenger / reference - 1``.
        change_std: sample standard deviation of that change over the seeds (0 for one seed).
    """

    challenger: str
    reference: str
    wins: int
    seeds: int
    mean_change: float
    change_std: float

    @property
    def held(self) -> str:
        """``"yes"`` (every seed), ``"no"`` (no seed) or ``"mixed"``."""
        if self.wins == self.seeds:
            return "yes"
        return "no" if self.wins == 0 else "mixed"


def compare(
    table: Mapping[str, Mapping[int, float]], challenger: str, reference: str
) -> PairVerdict:
    """Seed-paired comparison of two models of ``table`` (see :func:`by_model`)."""
    seeds = sorted(set(table[challenger]) & set(table[reference]))
    if not seeds:
        raise ValueError(f"{challenger} and {reference} share no seed")
    changes = [table[challenger][s] / table[reference][s] - 1 for s in seeds]
    wins = sum(table[challenger][s] < table[reference][s] for s in seeds)
    spread = statistics.stdev(changes) if len(changes) > 1 else 0.0
    return PairVerdict(challenger, reference, wins, len(seeds), statistics.fmean(changes), spread)


def ranking(table: Mapping[str, Mapping[int, float]], models: Sequence[str]) -> list[str]:
    """``models`` ordered by their mean (lowest first)."""
    return sorted(models, key=lambda name: statistics.fmean(table[name].values()))

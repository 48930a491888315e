r"""The train/validation/test splits: their names, the one check of a split, and fractions.

Every dataset takes ``split`` as one of :data:`SPLITS` (the file datasets of your own data also
``"all"``) and checks it with :func:`check_split`. :func:`split_bounds` cuts ``U`` units
(sequences or frames) by fractions: with cumulative fractions :math:`F_k`, split ``k`` is
``[round(F_{k-1} U), round(F_k U))``; explicit ``index_ranges`` override the fractions.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

Split = Literal["train", "val", "test"]
SplitOrAll = Literal["train", "val", "test", "all"]
SPLITS: tuple[str, ...] = ("train", "val", "test")
#: :data:`SPLITS` plus ``"all"``, for datasets of your own data.
SPLITS_OR_ALL: tuple[str, ...] = (*SPLITS, "all")
#: The fractions of train/validation/test when a dataset cuts its units by fractions.
FRACTIONS = (0.7, 0.1, 0.2)


def check_split(split: str, allowed: Sequence[str] = SPLITS) -> str:
    """``split`` if it is one of ``allowed``, else :class:`ValueError`.

    Example:
        >>> check_split("val")
        'val'
        >>> check_split("dev")
        Traceback (most recent call last):
        ...
        ValueError: split must be one of 'train', 'val', 'test', got 'dev'
    """
    if split not in allowed:
        names = ", ".join(repr(name) for name in allowed)
        raise ValueError(f"split must be one of {names}, got {split!r}")
    return split


def split_id(split: str) -> int:
    """The number of ``split`` in :data:`SPLITS` (0, 1, 2), for seeding generated data."""
    return SPLITS.index(check_split(split))


def split_bounds(
    units: int,
    split: str,
    *,
    fractions: Sequence[float] = FRACTIONS,
    index_ranges: Mapping[str, Sequence[int]] | None = None,
) -> tuple[int, int]:
    """``[lo, hi)`` of ``split`` (one of :data:`SPLITS_OR_ALL`) among ``units`` sequences or
    frames.

    Example:
        >>> split_bounds(10, "val"), split_bounds(10, "val", index_ranges={"val": (2, 4)})
        ((7, 8), (2, 4))
    """
    if check_split(split, SPLITS_OR_ALL) == "all":
        return 0, units
    if index_ranges is not None:
        return _explicit_range(units, split, index_ranges)
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(
            f"fractions must be 3 non-negative numbers (train, val, test) summing to 1, "
            f"got {tuple(fractions)}"
        )
    edges = np.rint(np.cumsum([0.0, *fractions]) * units).astype(int)
    k = SPLITS.index(split)
    return int(edges[k]), int(edges[k + 1])


def _explicit_range(
    units: int, split: str, index_ranges: Mapping[str, Sequence[int]]
) -> tuple[int, int]:
    unknown = set(index_ranges) - set(SPLITS)
    if unknown:
        raise ValueError(f"index_ranges keys must be train/val/test, got {sorted(unknown)}")
    if split not in index_ranges:
        raise ValueError(f"index_ranges has no entry for split {split!r}: {dict(index_ranges)}")
    ranges = {key: tuple(int(v) for v in value) for key, value in index_ranges.items()}
    for key, (lo, hi) in ranges.items():
        if not 0 <= lo < hi <= units:
            raise ValueError(
                f"index_ranges[{key!r}] = ({lo}, {hi}) must satisfy 0 <= lo < hi <= {units}"
            )
    ordered = sorted(ranges.items(), key=lambda item: item[1])
    for (key_a, (_, hi_a)), (key_b, (lo_b, _)) in itertools.pairwise(ordered):
        if lo_b < hi_a:
            raise ValueError(
                f"index_ranges for {key_a!r} and {key_b!r} overlap; make them disjoint"
            )
    return ranges[split]

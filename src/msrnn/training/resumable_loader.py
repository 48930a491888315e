"""Training orders that resume mid-epoch exactly where an interrupted run stopped.

The training order of epoch ``e`` is a function of ``e`` alone (:class:`EpochShuffleSampler`,
or the distributed sampler's seeded permutation), so a checkpoint needs only the epoch and the
number of samples already trained on in it. The data module saves them with every checkpoint
and hands them to :class:`ResumableSampler` on resume; the next pass over that epoch then skips
the samples already seen, and a run resumed at any step trains on the same batches in the same
order as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import torch
from torch.utils.data import Sampler


class EpochShuffleSampler(Sampler[int]):
    """A fresh permutation each epoch, drawn from a generator seeded with ``seed + epoch``.

    Lightning calls ``set_epoch`` before every epoch, so the order of an epoch never depends on
    what ran before it (a single seeded generator would restart its stream on resume).
    """

    def __init__(self, length: int, seed: int) -> None:
        self.length = length
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.length, generator=generator).tolist())

    def __len__(self) -> int:
        return self.length


class ResumableSampler(Sampler[int]):
    """``sampler`` (whose order depends only on its epoch) that can start an epoch part-way.

    After :meth:`resume_at` ``(epoch, skip)``, the next pass over ``epoch`` leaves out its first
    ``skip`` indices; every other pass is ``sampler``'s own.
    """

    def __init__(self, sampler: Sampler[int]) -> None:
        self.sampler = sampler
        self.epoch = 0
        self._resume: tuple[int, int] | None = None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.sampler.set_epoch(epoch)

    def resume_at(self, epoch: int, skip: int) -> None:
        self.set_epoch(epoch)
        self._resume = (epoch, skip)

    def __iter__(self) -> Iterator[int]:
        skip = 0
        if self._resume is not None and self._resume[0] == self.epoch:
            skip = self._resume[1]
        self._resume = None
        return islice(iter(self.sampler), skip, None)

    def __len__(self) -> int:
        return len(self.sampler)

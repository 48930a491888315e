"""Wall-clock timing of repeated calls: medians after warm-up, with device synchronisation."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Timing:
    """Seconds of each timed call.

    Attributes:
        seconds: one entry per timed call, in call order.
    """

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median of :attr:`seconds` (robust to a busy machine's outliers)."""
        return statistics.median(self.seconds)


def synchronize(device: torch.device) -> None:
    """Wait for the queued work of ``device`` (CUDA runs asynchronously; CPU needs nothing)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_calls(
    fn: Callable[[], Any], *, repeats: int, warmup: int = 0, device: torch.device
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``repeats`` times timed.

    Args:
        fn: the work to time.
        repeats: timed calls, at least 1.
        warmup: untimed calls first (allocator and kernel caches, lazy optimizer state).
        device: the device ``fn`` runs on, synchronised around each timed call.

    Returns:
        The :class:`Timing`.

    Raises:
        ValueError: if ``repeats < 1`` or ``warmup < 0``.

    Example:
        >>> timing = time_calls(lambda: None, repeats=3, device=torch.device("cpu"))
        >>> len(timing.seconds), timing.median >= 0
        (3, True)
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    if warmup < 0:
        raise ValueError(f"warmup must be non-negative, got {warmup}")
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return Timing(tuple(seconds))


def interleaved(
    calls: Mapping[str, Callable[[], Any]], *, repeats: int, device: torch.device
) -> dict[str, Timing]:
    """Time each call once per round, ``repeats`` rounds, in the order of ``calls`` (A B A B ...).

    A shared machine's load changes then hit every call alike, so ratios of the medians compare
    like with like.

    Example:
        >>> order = []
        >>> timings = interleaved({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
        ...                       repeats=2, device=torch.device("cpu"))
        >>> order, len(timings["a"].seconds)
        (['a', 'b', 'a', 'b'], 2)
    """
    seconds: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(repeats):
        for key, call in calls.items():
            seconds[key] += time_calls(call, repeats=1, device=device).seconds
    return {key: Timing(tuple(values)) for key, values in seconds.items()}

"""Training steps of several variants of one model, measured side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msrnn.profiling.dry_run import activation_counter
from msrnn.profiling.step import TrainingStep
from msrnn.profiling.timing import interleaved


def side_by_side(
    steps: Mapping[str, TrainingStep], *, repeats: int, warmup: int
) -> dict[str, dict[str, Any]]:
    """Run each variant's first step instrumented (its loss and the bytes it saves for backward),
    then ``warmup`` untimed steps of each, then ``repeats`` timed rounds, interleaved
    (A B A B ...) so that a shared machine's drift hits every variant alike.

    Returns:
        ``{"first_loss", "saved_bytes", "seconds", "median_seconds"}``, each keyed by variant.
    """
    first = {}
    for variant, step in steps.items():
        loss, saved = activation_counter(step.frames.device)(step.loss)
        step.update(loss)
        first[variant] = (loss.item(), saved)
    for _ in range(warmup):
        for step in steps.values():
            step()
    device = next(iter(steps.values())).frames.device
    timings = interleaved(steps, repeats=repeats, device=device)
    return {
        "first_loss": {variant: loss for variant, (loss, _) in first.items()},
        "saved_bytes": {variant: saved for variant, (_, saved) in first.items()},
        "seconds": {variant: list(timing.seconds) for variant, timing in timings.items()},
        "median_seconds": {variant: timing.median for variant, timing in timings.items()},
    }

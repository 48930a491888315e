"""Readable text for profiles and frame-size searches; byte amounts in both directions."""

from __future__ import annotations

import math
import re

from msrnn.precision import precision_note
from msrnn.profiling.max_size import MaxSizeReport
from msrnn.profiling.profile import Profile

_DECIMAL = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_BINARY = {"ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}


def parse_bytes(text: str) -> int:
    """A byte count from ``"40GiB"``, ``"512 MiB"``, ``"1.5GB"`` or ``"2e9"``.

    Raises:
        ValueError: for an unreadable or non-positive amount, or an unknown unit.

    Example:
        >>> parse_bytes("40GiB"), parse_bytes("1.5 GB"), parse_bytes("2e3")
        (42949672960, 1500000000, 2000)
    """
    match = re.fullmatch(r"\s*([0-9.]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).lower().removesuffix("b") if match else ""
    factor = _BINARY.get(unit) or _DECIMAL.get(unit)
    try:
        value = float(match.group(1)) if match else math.nan
    except ValueError:
        value = math.nan
    if factor is None or not math.isfinite(value) or value <= 0:
        raise ValueError(f"cannot read the memory amount {text!r}; write e.g. 40GiB, 512MiB or 2e9")
    return int(value * factor)


def format_bytes(nbytes: float) -> str:
    """``nbytes`` in binary units with three significant figures.

    Example:
        >>> format_bytes(1536), format_bytes(3 * 2**30), format_bytes(12)
        ('1.50 KiB', '3.00 GiB', '12 B')
    """
    if abs(nbytes) < 1024:
        return f"{nbytes:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        nbytes /= 1024
        if abs(nbytes) < 1024 or unit == "TiB":
            break
    digits = 2 if abs(nbytes) < 10 else 1 if abs(nbytes) < 100 else 0
    return f"{nbytes:.{digits}f} {unit}"


def format_count(value: float, unit: str) -> str:
    """``value`` with a decimal prefix and three significant figures.

    Example:
        >>> format_count(1.234e11, "FLOP"), format_count(5.5e6, "MAC"), format_count(12, "FLOP")
        ('123 GFLOP', '5.50 MMAC', '12.0 FLOP')
    """
    prefix = ""
    for step in ("k", "M", "G", "T"):
        if abs(value) < 1000:
            break
        value, prefix = value / 1000, step
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} {prefix}{unit}"


def _rows(rows: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _device_kind(device: str) -> str:
    return "cuda" if device.startswith("cuda") else "cpu"


def format_profile(profile: Profile) -> str:
    """A table of one :class:`~msrnn.profiling.profile.Profile`."""
    setup, law, state = profile.setup, profile.law, profile.state
    h, w = setup.size
    levels = ",".join(str(level) for level in profile.levels)
    rows = [
        (
            "input",
            f"batch {setup.batch}, {setup.frames} frames ({setup.frames - 1} steps), "
            f"{h}x{w}, precision {setup.precision}"
            + (", channels-last" if setup.channels_last else ""),
        ),
        ("runs with", profile.runtime),
        (
            "precision",
            precision_note(setup.precision, _device_kind(profile.device), flag="--precision"),
        ),
        ("parameters", f"{profile.params:,} ({profile.trained_params:,} receive gradients)"),
        (
            "FLOPs / step",
            f"{format_count(profile.flops, 'FLOP')} = {format_count(profile.flops / 2, 'MAC')} "
            "(forward + backward, convolutions and matrix products)",
        ),
        ("activations", f"{format_bytes(profile.activation_bytes)} measured (saved for backward)"),
        *_recomputed_row(profile),
        (
            "  paper law",
            f"{format_bytes(law.predicted_bytes)} (Eq. 3-5, U = {law.mean_units:.2f}"
            + (
                "; without recomputation)"
                if profile.recompute
                else f"; measured / law = {profile.law_ratio:.3f})"
            ),
        ),
        (
            "training total",
            f"{format_bytes(profile.total_bytes)} measured = parameters "
            f"{format_bytes(state.parameters)} + gradients {format_bytes(state.gradients)} + Adam "
            f"{format_bytes(state.optimizer)} + activations"
            + (" + recomputed segment" if profile.recomputed_bytes else ""),
        ),
        ("  paper Eq. 2", f"{format_bytes(profile.paper_total_bytes)} (4 M_par + 2 M_out)"),
    ]
    if profile.cuda_peak_allocated is not None:
        rows.append(
            (
                "CUDA peak",
                f"{format_bytes(profile.cuda_peak_allocated)} allocated, "
                f"{format_bytes(profile.cuda_peak_reserved)} reserved",
            )
        )
    if profile.timing is not None:
        seconds = profile.timing.seconds
        rows += [
            (
                "step time",
                f"{profile.step_seconds:.3f} s median of {len(seconds)} "
                f"(range {min(seconds):.3f}-{max(seconds):.3f} s)",
            ),
            (
                "throughput",
                f"{profile.sequences_per_second:.3f} sequences/s, "
                f"{profile.gflops_per_second:.1f} GFLOP/s",
            ),
        ]
    else:
        rows.append(("step time", "not timed (dry run on the meta device)"))
    title = f"{profile.model} on {profile.device}, levels {levels}"
    return f"{title}\n{_rows(rows)}"


def _recomputed_row(profile: Profile) -> list[tuple[str, str]]:
    """The segment that backward recomputes, for a model with the ``recompute`` option."""
    if not profile.recomputed_bytes:
        return []
    steps = min(profile.recompute, profile.setup.frames - 1)
    return [
        (
            "  recomputed",
            f"{format_bytes(profile.recomputed_bytes)} held by backward while it recomputes one "
            f"segment ({steps} step{'s' if steps > 1 else ''})",
        )
    ]


def format_max_size(report: MaxSizeReport, *, model: str, batch: int, frames: int) -> str:
    """A summary of a :class:`~msrnn.profiling.max_size.MaxSizeReport`."""
    result = report.result
    side = result.side
    how = "dry run on the meta device" if report.dry_run else "measured"
    fit = ", ".join(str(s) for s, _ in result.probes[:-1])
    rows = [
        (
            "largest frame",
            f"{side}x{side} within {format_bytes(result.budget)} (batch {batch}, {frames} frames)",
        ),
        ("at that size", f"{format_bytes(result.measured_bytes)} {report.metric} ({how})"),
        (
            "memory law",
            f"{format_bytes(result.law.intercept)} + "
            f"{format_bytes(result.law.slope)} x H x W (fitted on sides {fit})",
        ),
        ("paper Eq. 2", f"{report.paper_side}x{report.paper_side} (4 M_par + 2 M_out)"),
    ]
    return f"{model}\n{_rows(rows)}"

r"""The largest square frame a model can train on within a memory budget (the paper's Fig. 1).

Training memory is affine in the number of pixels: :math:`M(s) = a + b s^2` for an ``s x s``
frame (parameters, gradients and Adam moments do not depend on the frame; every activation is
proportional to :math:`h_l w_l`, and the grids of a plan scale exactly with ``s`` when ``s`` is a
multiple of :math:`p \, 2^{\max \mathrm{level}}` for patches of side :math:`p`).
:func:`largest_square_frame` measures a few sizes, fits the law, solves :math:`M(s) \le` budget
and confirms the answer with one more measurement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from msrnn.models import Forecaster
from msrnn.profiling import analytic
from msrnn.profiling.dry_run import activation_counter
from msrnn.profiling.profile import dry_run_context, random_frames, recomputed_segment_bytes
from msrnn.profiling.step import Precision, TrainingStep, check_precision
from msrnn.profiling.units import activation_law


@dataclass(frozen=True)
class LinearLaw:
    """``bytes = intercept + slope * H * W``."""

    intercept: float
    slope: float

    def bytes_at(self, side: int) -> float:
        return self.intercept + self.slope * side * side

    def largest_side(self, budget: float, granularity: int = 1) -> int:
        """The largest multiple of ``granularity`` whose square frame fits ``budget`` (may be 0)."""
        if budget <= self.intercept or self.slope <= 0:
            return 0
        side = math.isqrt(int((budget - self.intercept) / self.slope))
        return side // granularity * granularity


def fit_linear_law(sides: Sequence[int], values: Sequence[float]) -> LinearLaw:
    """Least-squares fit of ``values = a + b * side**2``.

    Raises:
        ValueError: with fewer than two distinct sides.

    Example:
        >>> fit_linear_law([1, 2, 3], [11, 14, 19])
        LinearLaw(intercept=10.0, slope=1.0)
    """
    areas = [s * s for s in sides]
    if len(set(areas)) < 2 or len(areas) != len(values):
        raise ValueError(f"need measurements at two or more distinct sizes, got sides {sides}")
    mean_x, mean_y = sum(areas) / len(areas), sum(values) / len(values)
    sxx = sum((x - mean_x) ** 2 for x in areas)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(areas, values, strict=True))
    slope = sxy / sxx
    return LinearLaw(mean_y - slope * mean_x, slope)


@dataclass(frozen=True)
class MaxSize:
    """Result of :func:`largest_square_frame`.

    Attributes:
        side: the largest confirmed side ``s`` (an ``s x s`` frame fits the budget).
        measured_bytes: the measurement at ``side``.
        budget: the budget in bytes.
        law: the fitted law.
        probes: ``(side, bytes)`` of every measurement, in order.
    """

    side: int
    measured_bytes: float
    budget: float
    law: LinearLaw
    probes: tuple[tuple[int, float], ...]


def largest_square_frame(
    measure: Callable[[int], float],
    budget: float,
    *,
    probe_sides: Sequence[int],
    granularity: int = 1,
    max_corrections: int = 8,
) -> MaxSize:
    """Fit the memory law on ``probe_sides``, solve it for ``budget`` and confirm.

    Args:
        measure: memory in bytes of a training step on an ``s x s`` frame.
        budget: bytes available.
        probe_sides: sizes to fit on (two or more distinct ones).
        granularity: answers are multiples of it (``p * 2**max(levels)`` keeps every grid exact).
        max_corrections: how many times the answer may be lowered by ``granularity`` when the
            confirmation exceeds the budget.

    Raises:
        ValueError: if even the smallest side does not fit, or the law keeps overestimating.
    """
    probes = [(side, float(measure(side))) for side in probe_sides]
    law = fit_linear_law([s for s, _ in probes], [b for _, b in probes])
    side = law.largest_side(budget, granularity)
    for _ in range(max_corrections + 1):
        if side < granularity:
            raise ValueError(
                f"the budget of {budget:,.0f} bytes does not fit a {granularity}x{granularity} "
                f"frame (the fitted law needs {law.bytes_at(granularity):,.0f}); raise --budget"
            )
        used = float(measure(side))
        probes.append((side, used))
        if used <= budget:
            return MaxSize(side, used, budget, law, tuple(probes))
        side -= granularity
    raise ValueError(f"the memory law kept overestimating the largest frame: probes {probes}")


def training_memory_measure(
    model: Forecaster, *, batch: int, frames: int, precision: Precision = "32"
) -> Callable[[int], float]:
    """A ``measure(side)`` for :func:`largest_square_frame` on the device of ``model``.

    On CUDA it is the allocator's peak reserved memory over a training step (after one step
    that creates the Adam state). Elsewhere it is the training total: parameters + gradients +
    Adam state + the unique storages saved for backward, plus, for a model with activation
    recomputation, the activations of the one segment that backward recomputes at a time; on
    ``meta`` (a dry run) no memory is used, so any size can be measured.

    Args:
        model: the forecaster (trained in place).
        batch: sequences per batch.
        frames: sequence length ``T``.
        precision: ``"32"`` or ``"bf16-mixed"``.
    """
    device = next(model.parameters()).device
    count = activation_counter(device)

    def step_for(side: int) -> TrainingStep:
        shape = (batch, frames, model.in_channels, side, side)
        return TrainingStep(model, random_frames(shape, device, 0), precision=precision)

    def measure(side: int) -> float:
        step = step_for(side)
        if device.type == "cuda":
            return _cuda_peak(step, device)
        with dry_run_context(device):
            loss, saved = count(step.loss)
            step.update(loss)
            total = step.state_bytes().total + saved
            total += recomputed_segment_bytes(
                model, (side, side), batch=batch, frames=frames, precision=precision
            )
        return float(total)

    return measure


def _cuda_peak(step: TrainingStep, device: torch.device) -> float:
    torch.cuda.empty_cache()
    try:
        step()  # creates Adam's state
        torch.cuda.reset_peak_memory_stats(device)
        step()
    except torch.cuda.OutOfMemoryError:
        return math.inf  # over the device's memory: the search steps down
    return float(torch.cuda.max_memory_reserved(device))


@dataclass(frozen=True)
class MaxSizeReport:
    """The largest square frame of a model, and how it was measured.

    Attributes:
        result: the search (:class:`MaxSize`).
        metric: what was measured (``"training total"`` or ``"CUDA peak reserved"``).
        dry_run: whether the measurements were traced on the meta device.
        paper_side: the largest side by the paper's Eq. 2, :math:`4 M_{par} + 2 M_{out}`, with
            :math:`M_{out}` from the law of :mod:`msrnn.profiling.units`.
    """

    result: MaxSize
    metric: str
    dry_run: bool
    paper_side: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


def find_max_size(
    build: Callable[[], Forecaster],
    budget: float,
    *,
    batch: int,
    frames: int,
    precision: Precision = "32",
    device: torch.device | str = "cpu",
) -> MaxSizeReport:
    """The largest square frame that a model can train on within ``budget`` bytes.

    On a CPU the step is traced on the meta device (a dry run: no memory is allocated, so budgets
    beyond the machine's memory work), after checking that the dry run counts the same bytes as a
    real CPU step at the smallest probe size. On CUDA real steps are measured.

    Args:
        build: returns a fresh model on the CPU.
        budget: bytes available.
        batch: sequences per batch.
        frames: sequence length ``T``.
        precision: ``"32"`` or ``"bf16-mixed"`` (CUDA only: the meta device has no autocast).
        device: ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"meta"``.

    Raises:
        ValueError: for bf16 on a CPU, a model whose saved tensors depend on the device, or a
            budget too small for any frame.
    """
    device = torch.device(device)
    dry_run = device.type != "cuda"
    if dry_run:
        check_precision(precision, torch.device("meta"))
    model = build().to("meta" if dry_run else device)
    granularity = model.frame_granularity()
    first = granularity * math.ceil(max(32, model.min_frame_size()) / granularity)
    probe_sides = (first, 2 * first, 3 * first)
    measure = training_memory_measure(model, batch=batch, frames=frames, precision=precision)
    if dry_run and device.type != "meta":
        _check_dry_run(build, model, first)
    result = largest_square_frame(measure, budget, probe_sides=probe_sides, granularity=granularity)
    metric = "training total" if dry_run else "CUDA peak reserved"
    law = activation_law(model, (first, first), batch=batch, frames=frames, precision=precision)
    paper = _paper_side(model, law.predicted_bytes / first**2, budget, granularity)
    return MaxSizeReport(result, metric, dry_run, paper)


def _check_dry_run(build: Callable[[], Forecaster], meta_model: Forecaster, side: int) -> None:
    # Saved tensors per step do not depend on the sequence length: three frames are enough.
    traced, real = _saved_bytes(meta_model, side), _saved_bytes(build(), side)
    if real != traced:
        raise ValueError(
            f"a dry run of this model counts {traced:,} saved bytes where a CPU step saves "
            f"{real:,} (some of its kernels save different tensors on each device); run "
            "--max-size on the target GPU with --device cuda"
        )


def _saved_bytes(model: Forecaster, side: int) -> int:
    device = next(model.parameters()).device
    frames = random_frames((1, 3, model.in_channels, side, side), device, 0)
    step = TrainingStep(model, frames)
    with dry_run_context(device):
        _, saved = activation_counter(device)(step.loss)
    return saved


def _paper_side(
    model: Forecaster, outputs_per_pixel: float, budget: float, granularity: int
) -> int:
    # Eq. 2, 4 M_par + 2 M_out, is affine in H * W too
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    paper = LinearLaw(analytic.training_bytes(param_bytes, 0), 2 * outputs_per_pixel)
    return paper.largest_side(budget, granularity)

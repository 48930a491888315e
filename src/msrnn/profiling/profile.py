"""Profile one training step of a forecaster: parameters, FLOPs, memory (measured and by the
paper's law) and speed."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor

from msrnn.models import Forecaster
from msrnn.profiling import analytic
from msrnn.profiling.dry_run import activation_counter, meta_checks_pass
from msrnn.profiling.flops import count_flops
from msrnn.profiling.step import Precision, StateBytes, TrainingStep
from msrnn.profiling.timing import Timing, time_calls
from msrnn.profiling.units import ActivationLaw, activation_law


@dataclass(frozen=True)
class RunSetup:
    """The input of a profiled step.

    Attributes:
        size: frame size ``(H, W)``.
        batch: sequences per batch.
        frames: sequence length ``T`` (``T - 1`` unrolled steps).
        precision: ``"32"`` or ``"bf16-mixed"``.
        channels_last: run the model in the ``torch.channels_last`` memory format
            (the forecaster's ``channels_last`` runtime option).
        repeats: timed steps (the median is reported).
        warmup: untimed steps before them, after the instrumented first step.
        seed: seed of the random frames.
    """

    size: tuple[int, int] = (64, 64)
    batch: int = 4
    frames: int = 20
    precision: Precision = "32"
    channels_last: bool = False
    repeats: int = 3
    warmup: int = 1
    seed: int = 0

    def check(self) -> None:
        """Raise ``ValueError`` naming the first bad setting."""
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"size must be two positive integers (H, W), got {self.size}")
        if self.batch < 1:
            raise ValueError(f"batch must be at least 1, got {self.batch}")
        if self.frames < 2:
            raise ValueError(
                f"frames must be at least 2 (one input, one target), got {self.frames}"
            )
        if self.repeats < 1 or self.warmup < 0:
            raise ValueError(
                f"repeats must be >= 1 and warmup >= 0, got {self.repeats} and {self.warmup}"
            )


@dataclass(frozen=True)
class Profile:
    """Everything measured for one model and setup (bytes, FLOPs and seconds).

    Attributes:
        model: model description.
        device: device the step ran on (``meta``: a dry run, no timing).
        levels: the scale plan.
        setup: the input.
        params: all parameters.
        trained_params: parameters that received a gradient.
        flops: FLOPs of one training step (forward and backward).
        activation_bytes: unique storages saved for backward during the forward pass.
        recompute: time steps per recomputed segment (0: no activation recomputation).
        recomputed_bytes: with recomputation, the activations of the one segment that backward
            recomputes and holds at a time (0 without).
        runtime: the model's runtime options in words
            (:meth:`msrnn.models.RuntimeOptions.describe`).
        state: parameter, gradient and Adam-state bytes.
        law: the paper's law (Eq. 3-5) for this model and input.
        timing: seconds of the timed steps (``None`` on ``meta``).
        cuda_peak_allocated: peak bytes allocated during the timed steps (CUDA only).
        cuda_peak_reserved: peak bytes reserved by the caching allocator (CUDA only).
    """

    model: str
    device: str
    levels: tuple[int, ...]
    setup: RunSetup
    params: int
    trained_params: int
    flops: int
    activation_bytes: int
    recompute: int
    runtime: str
    recomputed_bytes: int
    state: StateBytes
    law: ActivationLaw
    timing: Timing | None
    cuda_peak_allocated: int | None = None
    cuda_peak_reserved: int | None = None

    @property
    def total_bytes(self) -> int:
        """Measured training total: parameters + gradients + Adam moments + activations (plus,
        with recomputation, the one recomputed segment: the peak of the backward pass)."""
        return self.state.total + self.activation_bytes + self.recomputed_bytes

    @property
    def paper_total_bytes(self) -> float:
        """Eq. 2 with the law's outputs memory: :math:`4 M_{par} + 2 M_{out}`."""
        return analytic.training_bytes(self.state.parameters, self.law.predicted_bytes)

    @property
    def law_ratio(self) -> float:
        """Measured activation bytes over the law's prediction (the law has no recomputation)."""
        return self.activation_bytes / self.law.predicted_bytes

    @property
    def step_seconds(self) -> float | None:
        return None if self.timing is None else self.timing.median

    @property
    def sequences_per_second(self) -> float | None:
        seconds = self.step_seconds
        return None if seconds is None else self.setup.batch / seconds

    @property
    def gflops_per_second(self) -> float | None:
        seconds = self.step_seconds
        return None if seconds is None else self.flops / seconds / 1e9

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the raw figures and the derived ones."""
        raw = asdict(self)
        derived = (
            "total_bytes",
            "paper_total_bytes",
            "law_ratio",
            "step_seconds",
            "sequences_per_second",
            "gflops_per_second",
        )
        raw.update({key: getattr(self, key) for key in derived})
        raw["macs"] = self.flops // 2
        raw["law"]["mean_units"] = self.law.mean_units
        return raw


def random_frames(shape: tuple[int, ...], device: torch.device, seed: int) -> Tensor:
    """Uniform frames in [0, 1) drawn on the CPU with ``seed`` (empty on ``meta``)."""
    if device.type == "meta":
        return torch.empty(shape, device=device)
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=generator).to(device)


def dry_run_context(device: torch.device) -> contextlib.AbstractContextManager:
    """:func:`~msrnn.profiling.dry_run.meta_checks_pass` on ``meta``, nothing elsewhere."""
    return meta_checks_pass() if device.type == "meta" else contextlib.nullcontext()


def recomputed_segment_bytes(
    model: Forecaster,
    size: tuple[int, int],
    *,
    batch: int,
    frames: int,
    precision: Precision = "32",
) -> int:
    """Activations of the one segment that backward recomputes and holds at a time.

    With the runtime option ``recompute = k`` a training step keeps only each segment's inputs
    after its forward pass; backward then re-runs one segment of ``min(k, T - 1)`` time steps and
    holds its activations on top of them. They are counted as the saved bytes of a sequence of
    that many steps without recomputation (on ``meta``, inside
    :func:`~msrnn.profiling.dry_run.meta_checks_pass`). 0 for a model without recomputation.

    Args:
        model: the forecaster (its ``recompute`` option is restored afterwards).
        size: frame ``(H, W)``.
        batch: sequences per batch.
        frames: sequence length ``T`` of the checkpointed step.
        precision: ``"32"`` or ``"bf16-mixed"``.
    """
    segment = model.runtime.recompute
    if not segment:
        return 0
    device = next(model.parameters()).device
    steps = min(segment, frames - 1)
    shape = (batch, steps + 1, model.in_channels, *size)
    model.configure(recompute=0)
    try:
        step = TrainingStep(model, random_frames(shape, device, 0), precision=precision)
        _, saved = activation_counter(device)(step.loss)
    finally:
        model.configure(recompute=segment)
    return saved


def profile_training(
    model: Forecaster,
    setup: RunSetup,
    *,
    name: str | None = None,
    forward_kwargs: Mapping[str, Any] | None = None,
) -> Profile:
    """Measure one training step of ``model`` on the device of its parameters.

    The first step is instrumented: it counts FLOPs (``torch.utils.flop_counter``) and the
    unique storages saved for backward. Then ``setup.warmup`` untimed and ``setup.repeats`` timed
    steps run (none on ``meta``); on CUDA the allocator's peaks are read over them. The paper's law
    is evaluated for the same model, plan and input (:func:`~msrnn.profiling.units.activation_law`).

    Args:
        model: the forecaster; it is trained in place (its weights change) and switched to the
            memory format of ``setup.channels_last``.
        setup: frame size, batch, sequence length, precision, memory format, repeats.
        name: label of the model in reports (default: its class name).
        forward_kwargs: extra keyword arguments of the forward pass (see :class:`TrainingStep`).

    Returns:
        The :class:`Profile`.

    Raises:
        ValueError: for a bad setup, or a frame too small for the model's scale plan.
    """
    setup.check()
    device = next(model.parameters()).device
    shape = (setup.batch, setup.frames, model.in_channels, *setup.size)
    frames = random_frames(shape, device, setup.seed)
    model.configure(channels_last=setup.channels_last)
    model.train()
    step = TrainingStep(model, frames, precision=setup.precision, forward_kwargs=forward_kwargs)
    count = activation_counter(device)

    def instrumented() -> int:
        loss, saved = count(step.loss)
        step.update(loss)
        return saved

    with dry_run_context(device):
        saved, flops = count_flops(instrumented)
        recomputed = recomputed_segment_bytes(
            model, setup.size, batch=setup.batch, frames=setup.frames, precision=setup.precision
        )
        law = activation_law(
            model, setup.size, batch=setup.batch, frames=setup.frames, precision=setup.precision
        )
    params, trained = step.parameter_counts()
    timing, peaks = _timed_steps(step, setup, device)
    return Profile(
        model=name or type(model).__name__,
        device=str(device),
        levels=model.stack.levels,
        setup=setup,
        params=params,
        trained_params=trained,
        flops=flops,
        activation_bytes=saved,
        recompute=model.runtime.recompute,
        runtime=model.runtime.describe(),
        recomputed_bytes=recomputed,
        state=step.state_bytes(),
        law=law,
        timing=timing,
        cuda_peak_allocated=peaks[0],
        cuda_peak_reserved=peaks[1],
    )


def _timed_steps(
    step: TrainingStep, setup: RunSetup, device: torch.device
) -> tuple[Timing | None, tuple[int | None, int | None]]:
    if device.type == "meta":
        return None, (None, None)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    timing = time_calls(step, repeats=setup.repeats, warmup=setup.warmup, device=device)
    if device.type != "cuda":
        return timing, (None, None)
    peaks = torch.cuda.max_memory_allocated(device), torch.cuda.max_memory_reserved(device)
    return timing, peaks

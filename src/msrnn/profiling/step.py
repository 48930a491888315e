"""One training step exactly as training runs it, split so that each phase can be measured."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import torch
from torch import Tensor

from msrnn.losses import frame_sum_loss
from msrnn.models import Forecaster

Precision = Literal["32", "bf16-mixed"]
PRECISIONS: tuple[str, ...] = get_args(Precision)


@dataclass(frozen=True)
class StateBytes:
    """Bytes of the training state that lives outside the activations.

    Attributes:
        parameters: every parameter (dormant ones included).
        gradients: the ``.grad`` tensors present after backward (dormant parameters get none).
        optimizer: Adam's moment estimates and step counters.
    """

    parameters: int
    gradients: int
    optimizer: int

    @property
    def total(self) -> int:
        return self.parameters + self.gradients + self.optimizer


def check_precision(precision: str, device: torch.device) -> None:
    """Raise ``ValueError`` for an unknown precision or bf16 autocast on the meta device."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "bf16-mixed" and device.type == "meta":
        raise ValueError("bf16-mixed cannot be traced on the meta device; use --precision 32")


def autocast(precision: Precision, device: torch.device) -> contextlib.AbstractContextManager:
    """The autocast context of ``precision`` (``bf16-mixed`` as Lightning runs it) on ``device``."""
    if precision == "bf16-mixed":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


class TrainingStep:
    r"""Forward with teacher forcing, the paper's loss, backward and an Adam step.

    The loss is the L1+L2 per-frame-sum loss over all ``T-1`` next-frame predictions
    (:func:`msrnn.losses.frame_sum_loss`) plus ``decoupling_weight`` times PredRNN-V2's
    decoupling term, as :class:`msrnn.training.ForecastSystem` trains. Every step feeds the true
    frame at all ``T-1`` steps through a teacher-forcing mask, as training does at the start of
    scheduled sampling; the graph (and so memory and time) does not depend on the mask's values.
    Gradients are released before each forward, as Lightning does.

    Args:
        model: the forecaster, already on the device of ``frames``.
        frames: the training batch.
        lr: Adam learning rate.
        precision: ``"32"`` or ``"bf16-mixed"`` (autocast around forward and loss).
        decoupling_weight: weight of the decoupling term (models that have one).
        forward_kwargs: extra keyword arguments of ``model(frames, ...)`` (e.g. a future
            recompute switch); they override the teacher-forcing mask when they name it.

    Raises:
        ValueError: for an unknown precision.

    Shape:
        ``frames``: ``(B, T, C, H, W)``.
    """

    def __init__(
        self,
        model: Forecaster,
        frames: Tensor,
        *,
        lr: float = 3e-4,
        precision: Precision = "32",
        decoupling_weight: float = 0.01,
        forward_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        check_precision(precision, frames.device)
        self.model = model
        self.frames = frames
        self.precision = precision
        self.decoupling_weight = decoupling_weight
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        mask = torch.ones(frames.shape[0], frames.shape[1] - 1, device=frames.device)
        self.forward_kwargs = {"teacher_forcing": mask, **(forward_kwargs or {})}

    def loss(self) -> Tensor:
        """Release the gradients, then run forward and loss; returns the loss."""
        self.optimizer.zero_grad(set_to_none=True)
        with autocast(self.precision, self.frames.device):
            out = self.model(self.frames, **self.forward_kwargs)
            loss = frame_sum_loss(out.predictions, self.frames[:, 1:])
            if out.decoupling_loss is not None:
                loss = loss + self.decoupling_weight * out.decoupling_loss
        return loss

    def update(self, loss: Tensor) -> None:
        """Backward from ``loss`` and one Adam step."""
        loss.backward()
        self.optimizer.step()

    def __call__(self) -> Tensor:
        """One full training step; returns the detached loss."""
        loss = self.loss()
        self.update(loss)
        return loss.detach()

    def state_bytes(self) -> StateBytes:
        """Parameter, gradient and optimizer-state bytes now (call after a step)."""
        params = list(self.model.parameters())
        moments = [
            value
            for state in self.optimizer.state.values()
            for value in state.values()
            if isinstance(value, Tensor)
        ]
        return StateBytes(
            parameters=_nbytes(params),
            gradients=_nbytes(p.grad for p in params if p.grad is not None),
            optimizer=_nbytes(moments),
        )

    def parameter_counts(self) -> tuple[int, int]:
        """``(all, trained)`` parameter counts; trained ones received a gradient (after a step).

        The paper preset keeps parts that never run (PredRNN++'s dormant highway units, ...):
        they count in "all" and not in "trained".
        """
        params = list(self.model.parameters())
        trained = sum(p.numel() for p in params if p.grad is not None)
        return sum(p.numel() for p in params), trained


def _nbytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)

"""How a forecaster runs: the runtime options, set in one place (:meth:`Forecaster.configure`).

None of them changes the parameters, the state-dict keys or (up to float rounding) the results,
so each can be chosen after training, on a loaded model, and they compose with each other:

* ``fused``: the fast path of every :class:`~msrnn.layers.fusable.Fusable` layer and cell, or
  the plain autograd oracle.
* ``recompute``: activation recomputation over time. 0: off; ``k >= 1``: keep only the state
  at the start of each segment of ``k`` time steps and recompute the segment in the backward
  pass (less memory, every step runs forward twice). This is what PyTorch calls activation
  checkpointing; msrnn keeps the word "checkpoint" for the files a training run saves.
* ``channels_last``: the whole recurrence in the ``torch.channels_last`` memory format (NHWC
  convolutions).
* ``compile``: one time step compiled with :func:`torch.compile` (``True`` or a mapping of its
  options); the loop over time stays Python, so compilation cost does not grow with the length.
  Composes with ``recompute``: each recomputed segment runs the compiled step again.
* ``precision``: ``None`` runs in the precision of the caller (Lightning's
  ``--trainer.precision``, an enclosing :func:`torch.autocast`, or the weights' dtype);
  ``"bf16-mixed"`` or ``"16-mixed"`` run every forward pass under autocast to bfloat16 / float16.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import torch

#: Mixed precisions a forecaster can run itself in, and their autocast dtypes.
AUTOCAST_DTYPES = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


@dataclass(frozen=True)
class RuntimeOptions:
    """The runtime options of a forecaster (see the module docstring); validated on creation.

    Raises:
        ValueError: for a value outside an option's range, naming the option.
    """

    fused: bool = True
    recompute: int = 0
    channels_last: bool = False
    compile: bool | Mapping[str, Any] = field(default=False, compare=False)
    precision: str | None = None

    def __post_init__(self) -> None:
        for name in ("fused", "channels_last"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        object.__setattr__(self, "recompute", _steps_per_segment(self.recompute))
        if not isinstance(self.compile, bool | Mapping):
            raise ValueError(
                "compile must be True, False or a mapping of torch.compile options, got "
                f"{self.compile!r}"
            )
        if self.precision is not None and self.precision not in AUTOCAST_DTYPES:
            raise ValueError(
                f"precision must be None (the caller's) or one of {sorted(AUTOCAST_DTYPES)}, "
                f"got {self.precision!r}"
            )

    def describe(self) -> str:
        """The options in words, e.g. ``"fused gates, channels-last, recompute by 2 steps"``.

        Example:
            >>> RuntimeOptions(recompute=2, channels_last=True).describe()
            'fused gates, channels-last, recompute by 2 steps, eager step, precision of the caller'
        """
        recompute = {0: "no recomputation", 1: "recompute every step"}.get(
            self.recompute, f"recompute by {self.recompute} steps"
        )
        return ", ".join(
            (
                "fused gates" if self.fused else "plain autograd gates",
                "channels-last" if self.channels_last else "NCHW",
                recompute,
                "compiled step" if self.compile else "eager step",
                "precision of the caller" if self.precision is None else self.precision,
            )
        )

    def replace(self, **changes: Any) -> RuntimeOptions:
        """These options with ``changes`` applied (unknown names are refused)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown runtime option(s) {unknown}; known: {', '.join(known)}")
        return RuntimeOptions(**{**{name: getattr(self, name) for name in known}, **changes})


#: The runtime option names, in declaration order.
RUNTIME_OPTIONS: tuple[str, ...] = tuple(f.name for f in fields(RuntimeOptions))


def _steps_per_segment(value: bool | int) -> int:
    try:
        steps = operator.index(value)
    except TypeError:
        steps = -1
    if steps < 0:
        raise ValueError(
            "recompute must be False/True or a number of time steps per recomputed segment "
            f"(0, 1, 2, ...), got {value!r}"
        )
    return steps

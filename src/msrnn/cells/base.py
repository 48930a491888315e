"""The protocol every recurrent cell follows, so that one stack can route any of them."""

from __future__ import annotations

import abc
from typing import Any, ClassVar, NamedTuple

import torch
from torch import Tensor

from msrnn.layers.fusable import Fusable


class CellOutput(NamedTuple):
    """What one cell returns for one time step.

    Attributes:
        hidden: :math:`H_t^l`, handed up the stack (vertical path). Equals ``state.h``.
        state: the cell's horizontal state at time ``t`` (kept on the cell's own grid).
        memory: the zigzag spatiotemporal memory :math:`M` after this layer, or ``None`` for
            cells without one.
        aux: per-step auxiliary tensors for losses (e.g. PredRNN-V2's memory increments),
            or ``None``.
    """

    hidden: Tensor
    state: Any
    memory: Tensor | None = None
    aux: dict[str, Tensor] | None = None


class RecurrentCell(Fusable, abc.ABC):
    """Base class of the convolutional recurrent cells.

    A cell maps its input ``x`` (``(B, channels, h, w)``, the output of the layer below on this
    layer's grid) and its previous state to a new hidden state. It never reads global config and
    creates zero states on the device and dtype it is given. The class flags tell the stack what to
    route between layers:

    * ``uses_memory``: consumes and returns the zigzag memory :math:`M` (PredRNN family).
    * ``uses_diagonal``: consumes :math:`H_{t-1}^{l-1}` resampled to this layer's grid (MIM).
    * ``min_grid``: smallest grid side the cell accepts (the stack derives the smallest frame).

    Subclasses define ``init_state`` and ``forward(x, state, *, memory=None, diagonal=None)``.
    The state is a ``NamedTuple`` whose first field ``h`` is the hidden state. ``fused`` picks the
    fast path or the plain oracle of the cell's maths (:class:`~msrnn.layers.fusable.Fusable`).
    """

    uses_memory: ClassVar[bool] = False
    uses_diagonal: ClassVar[bool] = False
    min_grid: ClassVar[int] = 1

    def __init__(self, channels: int, kernel_size: int, *, fused: bool = False) -> None:
        super().__init__(fused=fused)
        if channels < 1:
            raise ValueError(f"channels must be positive, got {channels}")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be a positive odd number, got {kernel_size}")
        self.channels = channels
        self.kernel_size = kernel_size

    def zeros(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> Tensor:
        """A zero tensor ``(batch, channels, height, width)`` on ``device`` with ``dtype``."""
        return torch.zeros(batch, self.channels, height, width, device=device, dtype=dtype)

    @abc.abstractmethod
    def init_state(
        self, batch: int, height: int, width: int, *, device: torch.device, dtype: torch.dtype
    ) -> Any:
        """The all-zero state of this cell on a ``height x width`` grid."""

    def extra_repr(self) -> str:
        return f"channels={self.channels}, kernel_size={self.kernel_size}"

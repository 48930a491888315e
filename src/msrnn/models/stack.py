"""The MS-RNN framework: a stack of recurrent cells routed across a scale pyramid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from msrnn.cells.base import RecurrentCell
from msrnn.layers import level_size, resample
from msrnn.models.scale_plan import SkipPolicy, check_levels, skip_sources


class StackState(NamedTuple):
    """Recurrent state of the whole stack between two time steps.

    Attributes:
        layers: each layer's cell state, on that layer's own grid.
        memory: the zigzag memory :math:`M` left by the top layer (``None`` without one).
    """

    layers: tuple[Any, ...]
    memory: Tensor | None


class StepOutput(NamedTuple):
    """Result of one time step: top output at full resolution, new state, per-layer aux."""

    hidden: Tensor
    state: StackState
    aux: tuple[dict[str, Tensor] | None, ...]


class MultiScaleStack(nn.Module):
    r"""Stacked recurrent cells on a scale pyramid, with skip connections: one time step.

    Layer ``l`` runs on level ``levels[l]`` (grid ``H // 2**level x W // 2**level``). Between layers
    the tensors of the paper's unified framework (its Fig. 2) are routed and resampled
    (max pooling down, bilinear up to the exact target grid, see :func:`msrnn.layers.resample`):

    * vertical :math:`H_t^l`: the input of layer ``l`` is the sum of the resampled outputs of the
      layers chosen by the skip policy (always including layer ``l-1``);
    * zigzag :math:`M`: handed from layer ``l-1`` to ``l`` and from the top layer at ``t-1`` to
      layer 0 at ``t``, resampled like :math:`H` but never skipped;
    * diagonal :math:`H_{t-1}^{l-1}`: the previous step's hidden state of layer ``l-1``, resampled
      like :math:`H` without skips, for cells with ``uses_diagonal`` (``None`` for layer 0).

    Horizontal states never change scale. Resampling and sums have no parameters, so a stack has
    the same parameters for every plan: MS-X and X are this class with different ``levels``.

    Args:
        cells: one cell per layer, all of the same width; layer 0 receives the input.
        levels: pyramid level per layer (all zeros: the classic single-scale stack).
        skip: skip policy, see :mod:`msrnn.models.scale_plan`.

    Raises:
        ValueError: on an empty stack, mixed widths, mixed memory routing or a bad plan.

    Shape:
        ``x``: ``(B, C, H, W)`` at full resolution; returned ``hidden``: ``(B, C, H, W)``.
    """

    def __init__(
        self,
        cells: Sequence[RecurrentCell],
        *,
        levels: Sequence[int],
        skip: SkipPolicy = "unet",
    ) -> None:
        super().__init__()
        if not cells:
            raise ValueError("a stack needs at least one cell")
        widths = {cell.channels for cell in cells}
        if len(widths) != 1:
            raise ValueError(f"all cells must have the same number of channels, got {widths}")
        if len({cell.uses_memory for cell in cells}) != 1:
            raise ValueError("either every cell or no cell may use the zigzag memory")
        self.cells = nn.ModuleList(cells)
        self.channels = widths.pop()
        self.levels = check_levels(levels, len(cells))
        self.skip = skip
        self.sources = skip_sources(self.levels, skip)
        self.uses_memory = cells[0].uses_memory

    @property
    def num_layers(self) -> int:
        return len(self.cells)

    def init_state(
        self, batch: int, size: tuple[int, int], *, device: torch.device, dtype: torch.dtype
    ) -> StackState:
        """All-zero state for frames of ``size = (H, W)``."""
        layers = tuple(
            cell.init_state(batch, *level_size(size, level), device=device, dtype=dtype)
            for cell, level in zip(self.cells, self.levels, strict=True)
        )
        memory = None
        if self.uses_memory:
            grid = level_size(size, self.levels[-1])
            memory = self.cells[-1].zeros(batch, *grid, device=device, dtype=dtype)
        return StackState(layers, memory)

    def forward(self, x: Tensor, state: StackState) -> StepOutput:
        size = (x.shape[-2], x.shape[-1])
        levels = self.levels
        memory = state.memory
        if memory is not None:
            memory = resample(memory, levels[-1], levels[0], size)
        outputs: list[Tensor] = []
        new_layers: list[Any] = []
        aux: list[dict[str, Tensor] | None] = []
        for layer, cell in enumerate(self.cells):
            if layer == 0:
                inp = resample(x, 0, levels[0], size)
            else:
                inp = self._gather(outputs, layer, size)
                if memory is not None:
                    memory = resample(memory, levels[layer - 1], levels[layer], size)
            diagonal = None
            if cell.uses_diagonal and layer > 0:
                previous = state.layers[layer - 1].h
                diagonal = resample(previous, levels[layer - 1], levels[layer], size)
            out = cell(inp, state.layers[layer], memory=memory, diagonal=diagonal)
            memory = out.memory
            outputs.append(out.hidden)
            new_layers.append(out.state)
            aux.append(out.aux)
        top = resample(outputs[-1], levels[-1], 0, size)
        return StepOutput(top, StackState(tuple(new_layers), memory), tuple(aux))

    def _gather(self, outputs: list[Tensor], layer: int, size: tuple[int, int]) -> Tensor:
        """Sum of the source layers' outputs, each resampled to ``layer``'s grid."""
        target = self.levels[layer]
        total = None
        for source in self.sources[layer]:
            term = resample(outputs[source], self.levels[source], target, size)
            total = term if total is None else total + term
        return total

    def min_frame_size(self) -> int:
        """Smallest frame side that gives every layer a grid its cell accepts."""
        return max(
            cell.min_grid * 2**level for cell, level in zip(self.cells, self.levels, strict=True)
        )

    def extra_repr(self) -> str:
        return f"levels={self.levels}, skip={self.skip!r}"

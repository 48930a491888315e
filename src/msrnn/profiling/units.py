r"""The paper's :math:`U` (units per cell) of each layer, counted from what the cell saves.

The paper leaves :math:`U` ("basic units such as input gates, forget gates") informal. Here it is
defined so that Eq. 3-5 predict the measured activation memory: :math:`U_l` is the number of
32-bit maps of the layer's own grid, :math:`(b, c, h_l, w_l)`, that one time step of the cell of
layer ``l`` adds to the tensors saved for backward in the steady state of the recurrence,
**excluding its vertical inputs** (the input :math:`X`, the zigzag memory :math:`M` and the
diagonal :math:`H_{t-1}^{l-1}`), which are outputs of the layer below and counted there.

It is counted by running two consecutive steps of the cell on its grid with batch 1 (the second
fed with the state the first returned) and taking the second step's increment, in the precision
of the run (under bf16 autocast, :math:`U` is still expressed in 32-bit maps). A state tensor that
the first step already saved (ST-LSTM's :math:`C_t`, kept by its output gate and again by the next
step's forget gate) is therefore counted once, as in the unrolled model. For the plain autograd
ConvLSTM (``fused=False``) this gives :math:`U = 7`: :math:`H_{t-1}, C_{t-1}, \sigma(i),
\sigma(f), \tanh(g), \sigma(o), \tanh(C_t)`; the fused cell (the default) keeps the four
activated gates as one tensor and :math:`C_t` instead of :math:`\tanh(C_t)` (the next step's
:math:`C_{t-1}`), :math:`U = 6`.

What the law leaves out, and the measurement includes, is the framework's own tensors: the
embedded input frame, the resampled inputs of the multi-scale layers (a pooled or upsampled
:math:`H` or :math:`M` is a new tensor), the skip sums and the read-out. PredRNN-V2's
decoupling term is per layer and step: it counts in :math:`U`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from msrnn.cells.base import RecurrentCell
from msrnn.layers import level_size
from msrnn.models import Forecaster
from msrnn.profiling.analytic import BITS_PER_ELEMENT, output_bytes
from msrnn.profiling.dry_run import activation_counter
from msrnn.profiling.step import Precision, autocast


@dataclass(frozen=True)
class ActivationLaw:
    """The paper's outputs-memory law applied to one model, plan and input.

    Attributes:
        units: :math:`U_l` of each layer.
        grids: ``(h_l, w_l)`` of each layer.
        predicted_bytes: :math:`4 R b c \\sum_l U_l h_l w_l` (:func:`~.analytic.output_bytes`).
    """

    units: tuple[float, ...]
    grids: tuple[tuple[int, int], ...]
    predicted_bytes: float

    @property
    def mean_units(self) -> float:
        """The single :math:`U` of the paper's closed forms (mean over layers)."""
        return sum(self.units) / len(self.units)


def cell_units(
    cell: RecurrentCell,
    height: int,
    width: int,
    *,
    diagonal: bool,
    decoupling: nn.Module | None = None,
    precision: Precision = "32",
) -> float:
    """:math:`U` of one cell on a ``height x width`` grid (see the module docstring).

    Args:
        cell: the cell, with its parameters on the device to count on.
        height: grid height of the layer.
        width: grid width of the layer.
        diagonal: whether the stack hands this cell a diagonal input.
        decoupling: PredRNN-V2's decoupling loss, applied to the cell's increments (its saved
            tensors are per layer and step, so they count in the layer's units).
        precision: ``"32"`` or ``"bf16-mixed"``.

    Returns:
        Saved bytes added by one steady-state step, in 32-bit ``(1, C, height, width)`` maps.
    """
    device = next(cell.parameters()).device
    shape = (1, cell.channels, height, width)
    # the forecaster creates its state in the autocast dtype (and the layer below hands over
    # maps of that dtype)
    dtype = torch.bfloat16 if precision == "bf16-mixed" else torch.float32
    state = cell.init_state(1, height, width, device=device, dtype=dtype)
    state = type(state)(*(_produced(value) for value in state))

    def steps(count: int) -> list:
        # every output is returned, so that no saved tensor is freed (and its address reused)
        # while counting
        outputs, current = [], state
        for _ in range(count):
            kwargs = {}
            if cell.uses_memory:
                kwargs["memory"] = _vertical(shape, device, dtype)
            if diagonal:
                kwargs["diagonal"] = _vertical(shape, device, dtype)
            out = cell(_vertical(shape, device, dtype), current, **kwargs)
            outputs.append(out)
            if decoupling is not None:
                outputs.append(decoupling(out.aux["delta_c"], out.aux["delta_m"]))
            current = out.state
        return outputs

    count = activation_counter(device)
    with autocast(precision, device):
        _, first = count(lambda: steps(1))
        _, both = count(lambda: steps(2))
    return (both - first) * 8 / (BITS_PER_ELEMENT * cell.channels * height * width)


def _vertical(shape: tuple[int, ...], device: torch.device, dtype: torch.dtype) -> Tensor:
    # A leaf that requires grad: the counters skip it like a parameter (counted where produced).
    return torch.rand(shape, device=device, dtype=dtype, requires_grad=True)


def _produced(value: Tensor | None) -> Tensor | None:
    # A non-leaf that requires grad, like a state produced by the previous step: counted.
    if value is None:
        return None
    return torch.rand_like(value).requires_grad_().clone()


def activation_law(
    model: Forecaster,
    size: tuple[int, int],
    *,
    batch: int,
    frames: int,
    precision: Precision = "32",
) -> ActivationLaw:
    """Predict the activation bytes of a training step of ``model`` by the paper's law.

    Args:
        model: the forecaster (its device is the one counted on).
        size: frame size ``(H, W)``; with patching the layers' grids follow ``(H/p, W/p)``.
        batch: batch size :math:`b`.
        frames: sequence length ``T``; the model unrolls :math:`R = T - 1` steps.
        precision: ``"32"`` or ``"bf16-mixed"``.

    Returns:
        The :class:`ActivationLaw` with per-layer units and the prediction.
    """
    stack = model.stack
    grid = model.grid_size(*size)  # the patched grid the recurrence runs on
    grids = tuple(level_size(grid, level) for level in stack.levels)
    units = tuple(
        cell_units(
            cell,
            h,
            w,
            diagonal=cell.uses_diagonal and layer > 0,
            decoupling=model.decoupling,
            precision=precision,
        )
        for layer, (cell, (h, w)) in enumerate(zip(stack.cells, grids, strict=True))
    )
    predicted = output_bytes(
        units, grids, batch=batch, channels=stack.channels, recursions=frames - 1
    )
    return ActivationLaw(units, grids, predicted)

"""The stack routes H, M and the diagonal exactly as the MS-RNN code does for N = 6."""

from typing import NamedTuple

import pytest
import torch
import torch.nn.functional as F

from msrnn.cells import ConvLSTMCell, RecurrentCell, STLSTMCell
from msrnn.cells.base import CellOutput
from msrnn.models import MultiScaleStack


def down(x):
    return F.max_pool2d(x, 2)


def up(x, like):
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


def _cells(cls, n=6, channels=3):
    torch.manual_seed(0)
    return [cls(channels) for _ in range(n)]


@pytest.mark.parametrize("size", [(16, 16), (30, 30), (20, 12)])
def test_ms_convlstm_step_matches_paper_equations(size):
    cells = _cells(ConvLSTMCell)
    stack = MultiScaleStack(cells, levels=(0, 1, 2, 2, 1, 0), skip="unet")
    x = torch.rand(2, 3, *size)
    state = stack.init_state(2, size, device=x.device, dtype=x.dtype)
    step = stack(x, state)

    o = []
    inp = x
    for layer, cell in enumerate(cells):
        if layer in (1, 2):
            inp = down(o[-1])
        elif layer == 3:
            inp = o[2]
        elif layer == 4:
            inp = up(o[3], o[1]) + o[1]
        elif layer == 5:
            inp = up(o[4], o[0]) + o[0]
        o.append(cell(inp, state.layers[layer]).hidden)
    assert torch.allclose(step.hidden, o[5], atol=1e-6)
    grids = [s.h.shape[-2:] for s in step.state.layers]
    h, w = size
    assert grids == [
        (h, w),
        (h // 2, w // 2),
        (h // 4, w // 4),
        (h // 4, w // 4),
        (h // 2, w // 2),
        (h, w),
    ]


def test_ms_predrnn_routes_zigzag_memory_through_scales_and_time():
    cells = _cells(STLSTMCell)
    stack = MultiScaleStack(cells, levels=(0, 1, 2, 2, 1, 0), skip="unet")
    x = torch.rand(1, 3, 16, 16)
    state = stack.init_state(1, (16, 16), device=x.device, dtype=x.dtype)
    state = stack(torch.rand(1, 3, 16, 16), state).state  # non-zero memory from the top layer
    step = stack(x, state)

    m = state.memory
    o = []
    for layer, cell in enumerate(cells):
        if layer == 0:
            inp = x
        elif layer in (1, 2):
            inp, m = down(o[-1]), down(m)
        elif layer == 3:
            inp = o[2]
        else:
            mirror = o[5 - layer]
            inp, m = up(o[-1], mirror) + mirror, up(m, mirror)
        out = cell(inp, state.layers[layer], memory=m)
        o.append(out.hidden)
        m = out.memory
    assert torch.allclose(step.hidden, o[5], atol=1e-6)
    assert torch.allclose(step.state.memory, m, atol=1e-6)


class _State(NamedTuple):
    h: torch.Tensor


class _RecordDiagonal(RecurrentCell):
    """A stand-in cell that records the diagonal input it is given."""

    uses_diagonal = True

    def __init__(self, channels):
        super().__init__(channels, 1)
        self.seen = []

    def init_state(self, batch, height, width, *, device, dtype):
        return _State(self.zeros(batch, height, width, device=device, dtype=dtype))

    def forward(self, x, state, *, memory=None, diagonal=None):
        self.seen.append(diagonal)
        return CellOutput(x + 1, _State(x + 1))


def test_diagonal_is_previous_hidden_of_layer_below_resampled_without_skip():
    cells = [_RecordDiagonal(2) for _ in range(6)]
    stack = MultiScaleStack(cells, levels=(0, 1, 2, 2, 1, 0), skip="unet")
    x = torch.rand(1, 2, 8, 8)
    state = stack(x, stack.init_state(1, (8, 8), device=x.device, dtype=x.dtype)).state
    stack(x, state)
    previous = [s.h for s in state.layers]
    assert cells[0].seen[1] is None
    assert torch.equal(cells[1].seen[1], down(previous[0]))
    assert torch.equal(cells[2].seen[1], down(previous[1]))
    assert torch.equal(cells[3].seen[1], previous[2])
    assert torch.equal(cells[4].seen[1], up(previous[3], previous[1]))
    assert torch.equal(cells[5].seen[1], up(previous[4], previous[0]))
    # at t = 0 the diagonal is the zero initial state
    assert not cells[3].seen[0].any()


def test_stack_rejects_inconsistent_cells():
    with pytest.raises(ValueError, match="same number of channels"):
        MultiScaleStack([ConvLSTMCell(2), ConvLSTMCell(3)], levels=(0, 0))
    with pytest.raises(ValueError, match="zigzag memory"):
        MultiScaleStack([ConvLSTMCell(2), STLSTMCell(2)], levels=(0, 0))
    with pytest.raises(ValueError, match="at least one cell"):
        MultiScaleStack([], levels=())

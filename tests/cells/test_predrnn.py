import pytest
import torch

from msrnn.cells import STLSTMCell, STLSTMState
from tests.cells.conftest import conv, random_state, summed


def _reference(cell, x, h, c, m):
    i, f, g, o = summed(cell.gates, x, h).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    i_m, f_m, g_m = summed(cell.memory_gates, x, m).chunk(3, dim=1)
    m_new = torch.sigmoid(f_m) * m + torch.sigmoid(i_m) * torch.tanh(g_m)
    o = torch.sigmoid(o + summed(cell.output_gate, c_new, m_new))
    h_new = o * torch.tanh(conv(cell.fuse, torch.cat([c_new, m_new], dim=1)))
    increments = (torch.sigmoid(i) * torch.tanh(g), torch.sigmoid(i_m) * torch.tanh(g_m))
    return h_new, c_new, m_new, increments


def test_matches_equations_and_returns_increments():
    torch.manual_seed(0)
    cell = STLSTMCell(4, 3, return_increments=True)
    x, h, c, m, *_ = random_state(2, 4, 5, 6)
    out = cell(x, STLSTMState(h, c), memory=m)
    h_new, c_new, m_new, (delta_c, delta_m) = _reference(cell, x, h, c, m)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert torch.allclose(out.state.c, c_new, atol=1e-6)
    assert torch.allclose(out.memory, m_new, atol=1e-6)
    assert torch.allclose(out.aux["delta_c"], delta_c, atol=1e-6)
    assert torch.allclose(out.aux["delta_m"], delta_m, atol=1e-6)


def test_no_aux_without_increments_and_memory_required():
    cell = STLSTMCell(4)
    x, h, c, m, *_ = random_state(1, 4, 4, 4)
    assert cell(x, STLSTMState(h, c), memory=m).aux is None
    with pytest.raises(ValueError, match="zigzag memory"):
        cell(x, STLSTMState(h, c))


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in STLSTMCell(64, 3).parameters()) == 599_104


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = STLSTMCell(4, 3)
    x, h, c, m, *_ = random_state(1, 4, 7, 7)
    reference = cell(x, STLSTMState(h, c), memory=m)
    for module in (cell.gates, cell.memory_gates, cell.output_gate):
        module.fused = True
    out = cell(x, STLSTMState(h, c), memory=m)
    assert torch.allclose(out.hidden, reference.hidden, atol=1e-5)
    assert torch.allclose(out.memory, reference.memory, atol=1e-5)

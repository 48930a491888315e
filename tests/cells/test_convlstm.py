import pytest
import torch

from msrnn.cells import ConvLSTMCell, ConvLSTMState
from tests.cells.conftest import random_state, summed


def test_matches_equations():
    torch.manual_seed(0)
    cell = ConvLSTMCell(4, 3)
    x, h, c, *_ = random_state(2, 4, 6, 5)
    out = cell(x, ConvLSTMState(h, c))
    i, f, g, o = summed(cell.gates, x, h).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    assert torch.allclose(out.state.c, c_new, atol=1e-6)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert out.state.h is out.hidden
    assert out.memory is None and out.aux is None


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in ConvLSTMCell(64, 3).parameters()) == 295_424


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_zero_state_follows_requested_device_and_dtype(dtype):
    state = ConvLSTMCell(3).init_state(2, 5, 7, device=torch.device("cpu"), dtype=dtype)
    assert state.h.shape == state.c.shape == (2, 3, 5, 7)
    assert state.h.dtype == dtype and not state.h.any()


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = ConvLSTMCell(4, 5)
    x, h, c, *_ = random_state(1, 4, 8, 8)
    reference = cell(x, ConvLSTMState(h, c)).hidden
    cell.gates.fused = True
    assert torch.allclose(cell(x, ConvLSTMState(h, c)).hidden, reference, atol=1e-5)


def test_rejects_bad_hyper_parameters():
    with pytest.raises(ValueError, match="odd"):
        ConvLSTMCell(4, 4)
    with pytest.raises(ValueError, match="positive"):
        ConvLSTMCell(0)

import pytest
import torch

import msrnn
from msrnn.cells.mklstm import MKLSTMCell, MKLSTMState
from tests.cells.conftest import (
    assert_fused_equals_unfused,
    conv,
    random_state,
    saved_bytes_unfused_and_fused,
    summed,
)


def _reference(cell, x, h, c3, c5):
    i3, f3, g3, o3 = summed(cell.small_gates, x, h).chunk(4, dim=1)
    i5, f5, g5, o5 = summed(cell.large_gates, x, h).chunk(4, dim=1)
    c3 = torch.sigmoid(f3) * c3 + torch.sigmoid(i3) * torch.tanh(g3)
    c5 = torch.sigmoid(f5) * c5 + torch.sigmoid(i5) * torch.tanh(g5)
    o = torch.sigmoid(o3 + o5 + conv(cell.small_output, c3) + conv(cell.large_output, c5))
    return o * torch.tanh(conv(cell.fuse, torch.cat([c3, c5], dim=1))), c3, c5


@pytest.mark.parametrize("size", [(5, 6), (9, 9), (2, 3)])
def test_matches_equations(size):
    torch.manual_seed(0)
    cell = MKLSTMCell(4, 3)
    assert cell.small_gates.kernel_size == 3 and cell.large_gates.kernel_size == 5
    assert cell.large_output.kernel_size == (5, 5)
    x, h, c3, c5, *_ = random_state(2, 4, *size)
    out = cell(x, MKLSTMState(h, c3, c5))
    h_new, c3_new, c5_new = _reference(cell, x, h, c3, c5)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert torch.allclose(out.state.c_small, c3_new, atol=1e-6)
    assert torch.allclose(out.state.c_large, c5_new, atol=1e-6)
    assert out.state.h is out.hidden and out.memory is None


def test_state_holds_both_cell_states():
    state = MKLSTMCell(3).init_state(2, 4, 5, device=torch.device("cpu"), dtype=torch.float64)
    assert state._fields == ("h", "c_small", "c_large")
    assert all(t.shape == (2, 3, 4, 5) and t.dtype == torch.float64 for t in state)


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in MKLSTMCell(64, 3).parameters()) == 1_262_784


@pytest.mark.parametrize("name", ["mk-lstm", "ms-mk-lstm"])
def test_whole_model_parameter_count(name):
    for preset in ("paper", "clean"):
        model = msrnn.build_model(name, preset=preset)
        assert sum(p.numel() for p in model.parameters()) == 7_576_897


def test_fused_equals_unfused_with_gradients():
    torch.manual_seed(0)
    cell = MKLSTMCell(4, 3)
    tensors = [t.requires_grad_() for t in random_state(1, 4, 6, 6)[:4]]
    x, h, c3, c5 = tensors

    def run():
        out = cell(x, MKLSTMState(h, c3, c5))
        return out.hidden, *out.state

    assert_fused_equals_unfused(cell, run, tensors)
    saved = saved_bytes_unfused_and_fused(cell, run)
    assert saved[False] - saved[True] == 2 * (4 * 6 * 6 * 4)  # [C^s_t, C^l_t] of W_1


@pytest.mark.parametrize("large", [0, 4])
def test_rejects_bad_large_kernel(large):
    with pytest.raises(ValueError, match="large_kernel_size"):
        MKLSTMCell(4, large_kernel_size=large)

import pytest
import torch

from msrnn.cells import CausalLSTMCell, CausalLSTMState
from tests.cells.conftest import (
    assert_fused_equals_unfused,
    conv,
    random_state,
    saved_bytes_unfused_and_fused,
    summed,
)


def _reference(cell, x, h, c, m, z):
    if cell.highway == "active":
        p, s = summed(cell.ghu.gates, x, z).chunk(2, dim=1)
        z = torch.sigmoid(s) * torch.tanh(p) + (1 - torch.sigmoid(s)) * z
        x = z
    i, f, g = conv(cell.cell_gates, torch.cat([x, h, c], 1)).chunk(3, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    i_m, f_m, g_m = conv(cell.memory_gates, torch.cat([x, c_new, m], 1)).chunk(3, dim=1)
    m_new = torch.sigmoid(f_m) * torch.tanh(conv(cell.memory_transform, m))
    m_new = m_new + torch.sigmoid(i_m) * torch.tanh(g_m)
    o = torch.tanh(conv(cell.output_gate, torch.cat([x, c_new, m_new], 1)))
    h_new = o * torch.tanh(conv(cell.fuse, torch.cat([c_new, m_new], 1)))
    return h_new, c_new, m_new, z


@pytest.mark.parametrize("highway", ["active", "none", "dormant"])
def test_matches_equations(highway):
    torch.manual_seed(0)
    cell = CausalLSTMCell(4, 3, highway=highway)
    x, h, c, m, z, _ = random_state(2, 4, 5, 6)
    z = z if highway == "active" else None
    out = cell(x, CausalLSTMState(h, c, z), memory=m)
    h_new, c_new, m_new, z_new = _reference(cell, x, h, c, m, z)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert torch.allclose(out.state.c, c_new, atol=1e-6)
    assert torch.allclose(out.memory, m_new, atol=1e-6)
    if highway == "active":
        assert torch.allclose(out.state.z, z_new, atol=1e-6)
    else:
        assert out.state.z is None


def test_parameter_counts():
    count = lambda cell: sum(p.numel() for p in cell.parameters())  # noqa: E731
    assert count(CausalLSTMCell(64, 3, highway="active")) == 934_720
    assert count(CausalLSTMCell(64, 3, highway="dormant")) == 934_720
    assert count(CausalLSTMCell(64, 3, highway="none")) == 934_720 - 147_712


def test_highway_state_only_in_active_layer():
    device, dtype = torch.device("cpu"), torch.float32
    active = CausalLSTMCell(2, highway="active").init_state(1, 3, 3, device=device, dtype=dtype)
    dormant = CausalLSTMCell(2, highway="dormant").init_state(1, 3, 3, device=device, dtype=dtype)
    assert active.z.shape == (1, 2, 3, 3) and dormant.z is None


def test_rejects_unknown_highway_mode():
    with pytest.raises(ValueError, match="highway must be"):
        CausalLSTMCell(4, highway="sometimes")


@pytest.mark.parametrize("highway", ["active", "none"])
def test_fused_equals_unfused_with_gradients(highway):
    torch.manual_seed(0)
    cell = CausalLSTMCell(4, 3, highway=highway)
    tensors = [t.requires_grad_() for t in random_state(1, 4, 7, 7)]
    x, h, c, z, m, _ = tensors
    state = CausalLSTMState(h, c, z if highway == "active" else None)

    def run():
        out = cell(x, state, memory=m)
        return out.hidden, out.memory, *out.state

    assert_fused_equals_unfused(cell, run, tensors)


def test_fused_keeps_the_inputs_not_their_concatenations():
    torch.manual_seed(0)
    cell = CausalLSTMCell(4, 3)
    x, h, c, _, m, _ = random_state(2, 4, 8, 8)
    saved = saved_bytes_unfused_and_fused(
        cell, lambda: cell(x, CausalLSTMState(h, c, None), memory=m)
    )
    # Unfused: [X, H, C], [X, C_t, M], [X, C_t, M_t], [C_t, M_t], 11 maps; fused: X, H, C_t,
    # M_t themselves instead (C and M are saved by the other operations either way).
    assert saved[False] - saved[True] == (11 - 4) * (2 * 4 * 8 * 8 * 4)

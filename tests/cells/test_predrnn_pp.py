import pytest
import torch

from msrnn.cells import CausalLSTMCell, CausalLSTMState
from tests.cells.conftest import conv, random_state, summed


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

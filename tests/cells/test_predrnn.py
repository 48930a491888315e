import pytest
import torch

from msrnn.cells import STLSTMCell, STLSTMState
from msrnn.profiling.units import cell_units
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


def _outputs_and_grads(cell, fused, inputs):
    """``h, c, m`` (and the increments) and the gradients of every parameter and input."""
    for module in (cell.gates, cell.memory_gates, cell.output_gate):
        module.fused = fused
    x, h, c, m = (t.detach().requires_grad_() for t in inputs)
    out = cell(x, STLSTMState(h, c), memory=m)
    outputs = [out.hidden, out.state.c, out.memory, *(out.aux or {}).values()]
    weights = random_state(len(outputs), *out.hidden.shape, seed=5)[0]
    loss = sum((t * w).sum() for t, w in zip(outputs, weights, strict=True))
    return [*outputs, *torch.autograd.grad(loss, [*cell.parameters(), x, h, c, m])]


@pytest.mark.parametrize("increments", [False, True])
def test_fused_equals_unfused_with_gradients(increments):
    torch.manual_seed(0)
    cell = STLSTMCell(4, 3, return_increments=increments)
    inputs = random_state(2, 4, 7, 6)[:4]
    reference = _outputs_and_grads(cell, False, inputs)
    fused = _outputs_and_grads(cell, True, inputs)
    assert len(fused) == len(reference) == 3 + 2 * increments + 8 + 4
    for got, want in zip(fused, reference, strict=True):
        assert torch.allclose(got, want, atol=1e-5)


def test_fused_saves_two_maps_less_per_step():
    # no concatenation [C_t, M_t] for the 1x1 convolution
    cells = {fused: STLSTMCell(4, fused=fused) for fused in (False, True)}
    units = {fused: cell_units(cell, 6, 6, diagonal=False) for fused, cell in cells.items()}
    assert units == {False: 13.0, True: 11.0}


def test_fused_under_bf16_autocast_matches_unfused_dtypes_and_values():
    torch.manual_seed(0)
    cell = STLSTMCell(4, 3, return_increments=True)
    inputs = random_state(2, 4, 6, 6)[:4]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        reference = _outputs_and_grads(cell, False, inputs)
        fused = _outputs_and_grads(cell, True, inputs)
    for got, want in zip(fused, reference, strict=True):
        assert got.dtype == want.dtype
        assert torch.allclose(got.float(), want.float(), rtol=5e-2, atol=5e-2)

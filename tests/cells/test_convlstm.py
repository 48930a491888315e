import pytest
import torch

from msrnn.cells import ConvLSTMCell, ConvLSTMState
from msrnn.profiling.units import cell_units
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


def _outputs_and_grads(cell, fused, inputs):
    """``(h, c)`` and the gradients of every parameter and of ``x, h, c``."""
    cell.gates.fused = fused
    x, h, c = (t.detach().requires_grad_() for t in inputs)
    out = cell(x, ConvLSTMState(h, c))
    weights = random_state(*out.hidden.shape, seed=5)
    loss = (out.state.h * weights[0]).sum() + (out.state.c * weights[1]).sum()
    return [*out.state, *torch.autograd.grad(loss, [*cell.parameters(), x, h, c])]


def test_fused_equals_unfused_with_gradients():
    torch.manual_seed(0)
    cell = ConvLSTMCell(4, 5)
    inputs = random_state(2, 4, 8, 7)[:3]
    reference = _outputs_and_grads(cell, False, inputs)
    fused = _outputs_and_grads(cell, True, inputs)
    assert len(fused) == len(reference) == 2 + 2 + 3
    for got, want in zip(fused, reference, strict=True):
        assert torch.allclose(got, want, atol=1e-5)


def test_fused_saves_one_map_less_per_step():
    cells = {fused: ConvLSTMCell(4, fused=fused) for fused in (False, True)}
    units = {fused: cell_units(cell, 6, 6, diagonal=False) for fused, cell in cells.items()}
    assert units == {False: 7.0, True: 6.0}


def test_rejects_bad_hyper_parameters():
    with pytest.raises(ValueError, match="odd"):
        ConvLSTMCell(4, 4)
    with pytest.raises(ValueError, match="positive"):
        ConvLSTMCell(0)


def test_fused_under_bf16_autocast_matches_unfused_dtypes_and_values():
    torch.manual_seed(0)
    cell = ConvLSTMCell(4, 3)
    inputs = random_state(2, 4, 6, 6)[:3]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        reference = _outputs_and_grads(cell, False, inputs)
        fused = _outputs_and_grads(cell, True, inputs)
    for got, want in zip(fused, reference, strict=True):
        assert got.dtype == want.dtype
        assert torch.allclose(got.float(), want.float(), rtol=5e-2, atol=5e-2)

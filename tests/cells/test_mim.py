import pytest
import torch

import msrnn
from msrnn.cells.mim import MIMCell, MIMState
from msrnn.cells.predrnn import STLSTMCell, STLSTMState
from tests.cells.conftest import (
    assert_fused_equals_unfused,
    conv,
    random_state,
    saved_bytes_unfused_and_fused,
    summed,
)
from tests.conftest import parameter_count as _count

PAPER_MODEL = 7_361_473
DORMANT_BLOCKS = 627_776


def _lstm_part(cell, x, h, c, m, forget):
    i, f, g, o = summed(cell.lstm.gates, x, h).chunk(4, dim=1)
    c_new = (torch.sigmoid(f) * c if forget is None else forget) + torch.sigmoid(i) * torch.tanh(g)
    i_m, f_m, g_m = summed(cell.lstm.memory_gates, x, m).chunk(3, dim=1)
    m_new = torch.sigmoid(f_m) * m + torch.sigmoid(i_m) * torch.tanh(g_m)
    o = torch.sigmoid(o + summed(cell.lstm.output_gate, c_new, m_new))
    h_new = o * torch.tanh(conv(cell.lstm.fuse, torch.cat([c_new, m_new], dim=1)))
    return h_new, c_new, m_new, o


def _reference(cell, x, h, c, n, s, m, diag):
    """The MIM equations, written out term by term."""
    delta = x - diag
    i_n, f_n, g_n = summed(cell.non_stationary.gates, delta, n).chunk(3, dim=1)
    n_new = torch.sigmoid(f_n) * n + torch.sigmoid(i_n) * torch.tanh(g_n)
    d = torch.sigmoid(summed(cell.non_stationary.output_gate, delta, n_new)) * torch.tanh(n_new)
    i_s, f_s, g_s, o_s = summed(cell.stationary.gates, d, c).chunk(4, dim=1)
    s_new = torch.sigmoid(f_s) * s + torch.sigmoid(i_s) * torch.tanh(g_s)
    t = torch.sigmoid(o_s + conv(cell.stationary.output_gate, s_new)) * torch.tanh(s_new)
    return (*_lstm_part(cell, x, h, c, m, t), n_new, s_new)


def test_active_cell_matches_equations():
    torch.manual_seed(0)
    cell = MIMCell(4, 3)
    x, h, c, n, s, m = random_state(2, 4, 5, 6)
    diag = random_state(2, 4, 5, 6, seed=1)[0]
    step = cell.step(x, MIMState(h, c, n, s), memory=m, diagonal=diag)
    expected = _reference(cell, x, h, c, n, s, m, diag)
    got = (step.state.h, step.state.c, step.memory, step.gate, step.state.n, step.state.s)
    for value, reference in zip(got, expected, strict=True):
        assert torch.allclose(value, reference, atol=1e-6)
    out = cell(x, MIMState(h, c, n, s), memory=m, diagonal=diag)
    assert torch.equal(out.hidden, step.state.h) and torch.equal(out.state.h, out.hidden)


def test_missing_diagonal_means_zeros():
    torch.manual_seed(0)
    cell = MIMCell(4, 3)
    x, h, c, n, s, m = random_state(1, 4, 5, 5)
    without = cell(x, MIMState(h, c, n, s), memory=m)
    with_zeros = cell(x, MIMState(h, c, n, s), memory=m, diagonal=torch.zeros_like(x))
    assert torch.equal(without.hidden, with_zeros.hidden)
    assert torch.equal(without.state.n, with_zeros.state.n)


@pytest.mark.parametrize("blocks", ["dormant", "none"])
def test_first_layer_is_an_st_lstm_and_never_runs_dormant_blocks(blocks):
    torch.manual_seed(0)
    cell = MIMCell(4, 3, blocks=blocks)
    if blocks == "dormant":
        for p in [*cell.non_stationary.parameters(), *cell.stationary.parameters()]:
            p.data.fill_(float("nan"))
    st_lstm = STLSTMCell(4, 3)
    st_lstm.load_state_dict(cell.lstm.state_dict())
    x, h, c, m, diag, _ = random_state(2, 4, 6, 5)
    out = cell.step(x, MIMState(h, c, None, None), memory=m, diagonal=diag)
    expected = st_lstm(x, STLSTMState(h, c), memory=m)
    assert torch.equal(out.state.h, expected.hidden) and torch.equal(out.memory, expected.memory)
    assert torch.allclose(out.gate, _lstm_part(cell, x, h, c, m, None)[3], atol=1e-6)
    assert out.state.n is None and out.state.s is None


def test_state_fields_follow_the_mode():
    kwargs = {"device": torch.device("cpu"), "dtype": torch.float64}
    active = MIMCell(2).init_state(1, 3, 5, **kwargs)
    assert active.n.shape == active.s.shape == (1, 2, 3, 5) and active.n.dtype == torch.float64
    assert MIMCell(2, blocks="dormant").init_state(1, 3, 5, **kwargs).n is None


@pytest.mark.parametrize("blocks", ["active", "dormant"])
def test_fused_equals_unfused_with_gradients(blocks):
    torch.manual_seed(0)
    cell = MIMCell(4, 3, blocks=blocks)
    tensors = [t.requires_grad_() for t in random_state(1, 4, 7, 7)]
    x, h, c, n, s, m = tensors
    state = MIMState(h, c, n, s) if blocks == "active" else MIMState(h, c, None, None)

    def run():
        out = cell.step(x, state, memory=m, diagonal=h)
        return out.memory, out.gate, *out.state

    assert_fused_equals_unfused(cell, run, tensors)


def test_fused_does_not_save_the_concatenation_of_c_and_m():
    torch.manual_seed(0)
    cell = MIMCell(4, 3)
    x, h, c, n, s, m = random_state(2, 4, 8, 8)
    run = lambda: cell(x, MIMState(h, c, n, s), memory=m, diagonal=h)  # noqa: E731
    saved = saved_bytes_unfused_and_fused(cell, run)
    assert saved[False] - saved[True] == 2 * (2 * 4 * 8 * 8 * 4)  # [C_t, M_t] of W_1


def test_validation_errors():
    with pytest.raises(ValueError, match="blocks must be"):
        MIMCell(4, blocks="sleeping")
    cell = MIMCell(2)
    x, h, c, n, s, _ = random_state(1, 2, 3, 3)
    with pytest.raises(ValueError, match="zigzag memory"):
        cell(x, MIMState(h, c, n, s))


def test_parameter_counts():
    assert _count(MIMCell(64, 3)) == _count(MIMCell(64, 3, blocks="dormant")) == 1_226_880
    assert _count(MIMCell(64, 3, blocks="none")) == 1_226_880 - DORMANT_BLOCKS
    for name in ("mim", "ms-mim"):
        assert _count(msrnn.build_model(name)) == PAPER_MODEL
        clean = msrnn.build_model(name, preset="clean")
        assert _count(clean) == PAPER_MODEL - DORMANT_BLOCKS == 6_733_697


@pytest.mark.parametrize(("preset", "first"), [("paper", "dormant"), ("clean", "none")])
def test_only_layer_0_lacks_live_mim_blocks(preset, first):
    # Layer 0 has no diagonal input; the gradient check over these modes is in test_contract.
    model = msrnn.build_model("ms-mim", preset=preset, hidden_channels=4)
    assert [cell.blocks for cell in model.stack.cells] == [first] + ["active"] * 5

import pytest
import torch

from msrnn.cells.mim import MIMCell, MIMState
from msrnn.cells.predrnn import STLSTMCell, STLSTMState
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed

PAPER_MODEL = 7_361_473
DORMANT_BLOCKS = 627_776


def mim_cells(n, channels, kernel_size, *, preset, fused):
    """The family function proposed for ``models/zoo.py``."""
    first = "dormant" if preset == "paper" else "none"
    return [
        MIMCell(channels, kernel_size, blocks=first if i == 0 else "active", fused=fused)
        for i in range(n)
    ]


def _model(multiscale=False, preset="paper", hidden=4, seed=0, **kwargs):
    torch.manual_seed(seed)
    return build_forecaster(
        mim_cells, multiscale=multiscale, preset=preset, hidden_channels=hidden, **kwargs
    )


def _count(module):
    return sum(p.numel() for p in module.parameters())


def _lstm_part(cell, x, h, c, m, forget):
    i, f, g, o = summed(cell.lstm.gates, x, h).chunk(4, dim=1)
    c_new = (torch.sigmoid(f) * c if forget is None else forget) + torch.sigmoid(i) * torch.tanh(g)
    i_m, f_m, g_m = summed(cell.lstm.memory_gates, x, m).chunk(3, dim=1)
    m_new = torch.sigmoid(f_m) * m + torch.sigmoid(i_m) * torch.tanh(g_m)
    o = torch.sigmoid(o + summed(cell.lstm.output_gate, c_new, m_new))
    h_new = o * torch.tanh(conv(cell.lstm.fuse, torch.cat([c_new, m_new], dim=1)))
    return h_new, c_new, m_new, o


def _reference(cell, x, h, c, n, s, m, diag):
    """MODEL_SPEC section 4.5, written out term by term."""
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


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = MIMCell(4, 3)
    x, h, c, n, s, m = random_state(1, 4, 7, 7)
    reference = cell(x, MIMState(h, c, n, s), memory=m, diagonal=h)
    for module in cell.modules():
        if hasattr(module, "fused"):
            module.fused = True
    out = cell(x, MIMState(h, c, n, s), memory=m, diagonal=h)
    assert torch.allclose(out.hidden, reference.hidden, atol=1e-5)
    assert torch.allclose(out.state.s, reference.state.s, atol=1e-5)


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
    for multiscale in (False, True):
        assert _count(_model(multiscale, hidden=64)) == PAPER_MODEL
        clean = _model(multiscale, preset="clean", hidden=64)
        assert _count(clean) == PAPER_MODEL - DORMANT_BLOCKS == 6_733_697


@pytest.mark.parametrize("multiscale", [False, True])
@pytest.mark.parametrize("size", [(16, 16), (30, 30), (33, 35), (96, 64)])
def test_output_shape_at_any_frame_size(multiscale, size):
    model = _model(multiscale)
    with torch.no_grad():
        out = model(torch.rand(1, 3, 1, *size), input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    assert torch.isfinite(out.predictions).all()


def test_seeded_runs_are_identical():
    frames = torch.rand(2, 4, 1, 12, 12, generator=torch.Generator().manual_seed(0))
    first = _model(True, seed=3)(frames, input_frames=2).predictions
    second = _model(True, seed=3)(frames, input_frames=2).predictions
    assert torch.equal(first, second)


@pytest.mark.parametrize("preset", ["paper", "clean"])
def test_gradient_reaches_exactly_the_live_parameters(preset):
    model = _model(True, preset=preset)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    (model(frames, input_frames=2).predictions - frames[:, 1:]).square().sum().backward()
    without = {n for n, p in model.named_parameters() if p.grad is None}
    zero = [n for n, p in model.named_parameters() if p.grad is not None and not p.grad.any()]
    assert zero == []
    names = [n for n, _ in model.named_parameters()]
    dormant = {n for n in names if n.startswith("stack.cells.0.") and "stationary" in n}
    assert without == (dormant if preset == "paper" else set())
    assert len(dormant) == (8 if preset == "paper" else 0)


def test_one_adam_step_lowers_the_loss():
    model = _model(True, num_layers=4)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2):
        optimiser.zero_grad()
        loss = (model(frames, input_frames=2).predictions - frames[:, 1:]).square().sum()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[1] < losses[0]


def test_samples_do_not_interact():
    model = _model(True)
    frames = torch.rand(3, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    other = frames.clone()
    other[1:] = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        first = model(frames, input_frames=2).predictions[0]
        second = model(other, input_frames=2).predictions[0]
    assert torch.allclose(first, second, atol=1e-6)

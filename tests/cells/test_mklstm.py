import pytest
import torch

from msrnn.cells.mklstm import MKLSTMCell, MKLSTMState
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed


def _cells(n, channels, kernel_size, *, preset, fused):
    return [
        MKLSTMCell(channels, kernel_size, large_kernel_size=kernel_size + 2, fused=fused)
        for _ in range(n)
    ]


def _model(multiscale, *, preset="paper", seed=0, **overrides):
    torch.manual_seed(seed)
    return build_forecaster(_cells, multiscale=multiscale, preset=preset, **overrides)


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


@pytest.mark.parametrize("multiscale", [False, True])
def test_whole_model_parameter_count(multiscale):
    for preset in ("paper", "clean"):
        model = _model(multiscale, preset=preset)
        assert sum(p.numel() for p in model.parameters()) == 7_576_897


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = MKLSTMCell(4, 3)
    x, h, c3, c5, *_ = random_state(1, 4, 6, 6)
    reference = cell(x, MKLSTMState(h, c3, c5))
    cell.small_gates.fused = cell.large_gates.fused = True
    assert torch.allclose(cell(x, MKLSTMState(h, c3, c5)).hidden, reference.hidden, atol=1e-5)


@pytest.mark.parametrize("large", [0, 4])
def test_rejects_bad_large_kernel(large):
    with pytest.raises(ValueError, match="large_kernel_size"):
        MKLSTMCell(4, large_kernel_size=large)


@pytest.mark.parametrize("multiscale", [False, True])
@pytest.mark.parametrize("size", [(16, 16), (30, 30), (33, 35), (96, 64)])
def test_output_shape_at_any_frame_size(multiscale, size):
    model = _model(multiscale, hidden_channels=4)
    with torch.no_grad():
        out = model(torch.rand(1, 3, 1, *size), input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    assert torch.isfinite(out.predictions).all()


@pytest.mark.parametrize("multiscale", [False, True])
def test_seeded_runs_are_identical_and_samples_independent(multiscale):
    frames = torch.rand(3, 4, 1, 12, 10, generator=torch.Generator().manual_seed(1))
    other = frames.clone()
    other[1:] = torch.rand(2, 4, 1, 12, 10, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        first = _model(multiscale, hidden_channels=4)(frames, input_frames=2).predictions
        again = _model(multiscale, hidden_channels=4)(frames, input_frames=2).predictions
        mixed = _model(multiscale, hidden_channels=4)(other, input_frames=2).predictions
    assert torch.equal(first, again)
    assert torch.allclose(first[0], mixed[0], atol=1e-6)
    assert not torch.equal(first[1], mixed[1])


@pytest.mark.parametrize("multiscale", [False, True])
def test_gradient_reaches_every_parameter(multiscale):
    model = _model(multiscale, hidden_channels=4)
    frames = torch.rand(2, 3, 1, 12, 12)
    out = model(frames, input_frames=2)
    (out.predictions - frames[:, 1:]).square().sum().backward()
    assert [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()] == []


def test_one_optimiser_step_lowers_the_loss_on_a_fixed_batch():
    model = _model(True, hidden_channels=4, num_layers=4)
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

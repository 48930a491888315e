import pytest
import torch

from msrnn.cells.convlstm import ConvLSTMState
from msrnn.cells.modernn import ContextBlock, MoDeRNNCell, MultiKernelConv2d
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed


def _cells(n, channels, kernel_size, *, preset, fused):
    return [MoDeRNNCell(channels, kernel_size, fused=fused) for _ in range(n)]


def _model(multiscale, *, preset="paper", seed=0, **overrides):
    torch.manual_seed(seed)
    return build_forecaster(_cells, multiscale=multiscale, preset=preset, **overrides)


def _detail(multi, x):
    """(W_3 * x + W_5 * x + W_7 * x) / 3, written out."""
    w3, w5, w7 = multi.convs
    return (conv(w3, x) + conv(w5, x) + conv(w7, x)) / 3


def _reference(cell, x, h, c):
    ctx = cell.context
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    h = 2 * torch.sigmoid(_detail(ctx.from_input, x)) * h
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    h = 2 * torch.sigmoid(_detail(ctx.from_input, x)) * h
    x = 2 * torch.sigmoid(_detail(ctx.from_hidden, h)) * x
    i, f, g, o = summed(cell.lstm.gates, x, h).chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c_new), c_new


@pytest.mark.parametrize("size", [(5, 6), (9, 9), (2, 3)])
def test_matches_equations(size):
    torch.manual_seed(0)
    cell = MoDeRNNCell(4, 3)
    assert [m.kernel_size for m in cell.context.from_input.convs] == [(3, 3), (5, 5), (7, 7)]
    x, h, c, *_ = random_state(2, 4, *size)
    out = cell(x, ConvLSTMState(h, c))
    h_new, c_new = _reference(cell, x, h, c)
    assert torch.allclose(out.hidden, h_new, atol=1e-6)
    assert torch.allclose(out.state.c, c_new, atol=1e-6)
    assert out.state.h is out.hidden and out.memory is None


def test_context_block_alternates_starting_with_the_input():
    torch.manual_seed(0)
    block = ContextBlock(3, (3,), iterations=1)
    x, h, *_ = random_state(1, 3, 4, 4)
    new_x, new_h = block(x, h)
    assert new_h is h
    assert torch.allclose(new_x, 2 * torch.sigmoid(conv(block.from_hidden.convs[0], h)) * x)


def test_parameter_count_of_paper_cell():
    assert sum(p.numel() for p in MoDeRNNCell(64, 3).parameters()) == 975_744


@pytest.mark.parametrize("multiscale", [False, True])
def test_whole_model_parameter_count(multiscale):
    for preset in ("paper", "clean"):
        model = _model(multiscale, preset=preset)
        assert sum(p.numel() for p in model.parameters()) == 5_854_657


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = MoDeRNNCell(4, 3)
    x, h, c, *_ = random_state(1, 4, 6, 6)
    reference = cell(x, ConvLSTMState(h, c))
    cell.lstm.gates.fused = True
    assert torch.allclose(cell(x, ConvLSTMState(h, c)).hidden, reference.hidden, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"iterations": 0}, "iterations"),
        ({"detail_kernel_sizes": ()}, "kernel_sizes"),
        ({"detail_kernel_sizes": (3, 4)}, "kernel_sizes"),
    ],
)
def test_rejects_bad_hyper_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MoDeRNNCell(4, **kwargs)


def test_multi_kernel_conv_rejects_even_kernels():
    with pytest.raises(ValueError, match="odd"):
        MultiKernelConv2d(4, (2,))


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

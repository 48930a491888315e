import pytest
import torch
import torch.nn.functional as F

from msrnn.cells.preciplstm import PrecipLSTMCell, PrecipLSTMState
from msrnn.layers import resample
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed
from tests.layers.test_local_attention import unfold_attention

SIZES = [(16, 16), (30, 30), (33, 35), (96, 64)]


def preciplstm_cells(n, channels, kernel_size, *, preset, fused, window=30):
    return [PrecipLSTMCell(channels, kernel_size, window=window, fused=fused) for _ in range(n)]


def small_cells(n, channels, kernel_size, *, preset, fused):
    return preciplstm_cells(n, channels, kernel_size, preset=preset, fused=fused, window=3)


def _model(multiscale=False, preset="paper", seed=0, hidden=4, **overrides):
    torch.manual_seed(seed)
    return build_forecaster(
        small_cells, multiscale=multiscale, preset=preset, hidden_channels=hidden, **overrides
    )


def _frames(batch=2, steps=4, size=(16, 16), seed=0):
    return torch.rand(batch, steps, 1, *size, generator=torch.Generator().manual_seed(seed))


def _reference(cell, x, state, m):
    q, k, v = (F.conv2d(x, w) for w in cell.attention.projection.weight.chunk(3, dim=0))
    attended = x + conv(cell.attention_out, unfold_attention(q, k, v, cell.attention.window))

    def lstm_memory(module, drive, memory):
        i, f, g = summed(module, drive, memory).chunk(3, dim=1)
        return torch.sigmoid(f) * memory + torch.sigmoid(i) * torch.tanh(g)

    i, f, g, o = summed(cell.gates, attended, state.h).chunk(4, dim=1)
    c = torch.sigmoid(f) * state.c + torch.sigmoid(i) * torch.tanh(g)
    m = lstm_memory(cell.memory_gates, attended, m)
    m_s = lstm_memory(cell.spatial_gates, attended, state.m_s)
    m_t = lstm_memory(cell.temporal_gates, x - state.x_prev, state.m_t)
    o = torch.sigmoid(o + summed(cell.output_gate, c, m_s, m_t, m))
    h = o * torch.tanh(conv(cell.fuse, torch.cat([c, m_s, m_t, m], dim=1)))
    return h, c, m, m_s, m_t


@pytest.mark.parametrize("window", [3, 4])
def test_matches_equations(window):
    torch.manual_seed(0)
    cell = PrecipLSTMCell(4, 3, window=window)
    x, h, c, m, m_s, m_t = random_state(2, 4, 5, 6)
    x_prev = random_state(2, 4, 5, 6, seed=1)[0]
    out = cell(x, PrecipLSTMState(h, c, m_s, m_t, x_prev), memory=m)
    expected = _reference(cell, x, PrecipLSTMState(h, c, m_s, m_t, x_prev), m)
    got = (out.hidden, out.state.c, out.memory, out.state.m_s, out.state.m_t)
    for mine, theirs in zip(got, expected, strict=True):
        assert torch.allclose(mine, theirs, atol=1e-5)
    assert out.state.h is out.hidden and out.state.x_prev is x


def test_zero_state_and_memory_required():
    cell = PrecipLSTMCell(3, window=2)
    state = cell.init_state(2, 5, 4, device=torch.device("cpu"), dtype=torch.float64)
    assert state._fields == ("h", "c", "m_s", "m_t", "x_prev")
    assert all(t.shape == (2, 3, 5, 4) and t.dtype == torch.float64 and not t.any() for t in state)
    with pytest.raises(ValueError, match="zigzag memory"):
        cell(torch.zeros(2, 3, 5, 4, dtype=torch.float64), state)
    with pytest.raises(TypeError, match="window must be"):
        PrecipLSTMCell(3, window=(3, 3, 3))


def test_parameter_counts():
    count = lambda module: sum(p.numel() for p in module.parameters())  # noqa: E731
    assert count(PrecipLSTMCell(64, 3)) == 1_173_504
    assert count(PrecipLSTMCell(64, 3, window=5)) == 1_173_504
    for multiscale in (False, True):
        for preset in ("paper", "clean"):
            model = build_forecaster(preciplstm_cells, multiscale=multiscale, preset=preset)
            assert count(model) == 7_041_217


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = PrecipLSTMCell(4, 3, window=3)
    x, h, c, m, m_s, m_t = random_state(1, 4, 7, 7)
    state = PrecipLSTMState(h, c, m_s, m_t, m_t.flip(-1))
    reference = cell(x, state, memory=m)
    for module in cell.modules():
        if hasattr(module, "fused"):
            module.fused = True
    out = cell(x, state, memory=m)
    assert torch.allclose(out.hidden, reference.hidden, atol=1e-5)
    assert torch.allclose(out.memory, reference.memory, atol=1e-5)


@pytest.mark.parametrize("multiscale", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_output_shape_at_any_frame_size(multiscale, size):
    model = _model(multiscale)
    with torch.no_grad():
        out = model(_frames(1, 3, size), input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    assert torch.isfinite(out.predictions).all()


def test_seeded_runs_are_bit_identical():
    frames = _frames(size=(12, 10))
    first = _model(True, seed=3)(frames, input_frames=2).predictions
    second = _model(True, seed=3)(frames, input_frames=2).predictions
    assert torch.equal(first, second)


@pytest.mark.parametrize("preset", ["paper", "clean"])
def test_gradient_reaches_every_parameter(preset):
    model = _model(True, preset=preset)
    frames = _frames()
    (model(frames, input_frames=2).predictions - frames[:, 1:]).square().sum().backward()
    starved = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert starved == []


def test_one_adam_step_lowers_the_loss():
    model = _model(True, num_layers=4)
    frames = _frames()
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
    frames = _frames(batch=3)
    other = frames.clone()
    other[1:] = torch.rand_like(other[1:])
    with torch.no_grad():
        first = model(frames, input_frames=2).predictions[0]
        second = model(other, input_frames=2).predictions[0]
    assert torch.allclose(first, second, atol=1e-6)


def test_multiscale_previous_input_includes_the_skip_sum():
    # Layer 4 of MS-PrecipLSTM receives up(out_3) + out_1; it must keep exactly that as x_prev.
    model = _model(True)
    seen = []
    model.stack.cells[4].register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    stack, frames = model.stack, _frames(batch=1, size=(20, 20))
    state = stack.init_state(1, (20, 20), device=frames.device, dtype=frames.dtype)
    with torch.no_grad():
        step = stack(model.embed(frames[:, 0]), state)
    outputs = [layer.h for layer in step.state.layers]
    expected = resample(outputs[3], stack.levels[3], stack.levels[4], (20, 20)) + outputs[1]
    assert seen[0].shape == (1, 4, 10, 10)
    assert torch.equal(seen[0], expected)
    assert torch.equal(step.state.layers[4].x_prev, seen[0])

import pytest
import torch
import torch.nn.functional as F

import msrnn
from msrnn.cells.preciplstm import PrecipLSTMCell, PrecipLSTMState
from msrnn.layers import resample
from tests.cells.conftest import (
    assert_fused_equals_unfused,
    conv,
    random_state,
    saved_bytes_unfused_and_fused,
    summed,
)
from tests.conftest import parameter_count as count
from tests.layers.test_local_attention import unfold_attention


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
    assert count(PrecipLSTMCell(64, 3)) == 1_173_504
    assert count(PrecipLSTMCell(64, 3, window=5)) == 1_173_504
    for name in ("preciplstm", "ms-preciplstm"):
        for preset in ("paper", "clean"):
            model = msrnn.build_model(name, preset=preset)
            assert count(model) == 7_041_217


def test_fused_equals_unfused_with_gradients():
    torch.manual_seed(0)
    cell = PrecipLSTMCell(4, 3, window=3)
    tensors = [t.requires_grad_() for t in random_state(1, 4, 7, 7)]
    x, h, c, m, m_s, m_t = tensors
    state = PrecipLSTMState(h, c, m_s, m_t, m_t.flip(-1))

    def run():
        out = cell(x, state, memory=m)
        return out.hidden, out.memory, *out.state

    assert_fused_equals_unfused(cell, run, tensors)


def test_fused_does_not_save_the_concatenation_of_the_four_memories():
    torch.manual_seed(0)
    cell = PrecipLSTMCell(4, 3, window=3)
    x, h, c, m, m_s, m_t = random_state(2, 4, 8, 8)
    state = PrecipLSTMState(h, c, m_s, m_t, m_t.flip(-1))
    saved = saved_bytes_unfused_and_fused(cell, lambda: cell(x, state, memory=m))
    one_map = 2 * 4 * 8 * 8 * 4
    assert saved[False] - saved[True] == 4 * one_map  # [C, M^s, M^d, M] of W_1


def test_multiscale_previous_input_includes_the_skip_sum():
    # Layer 4 of MS-PrecipLSTM receives up(out_3) + out_1; it must keep exactly that as x_prev.
    torch.manual_seed(0)
    model = msrnn.build_model("ms-preciplstm", hidden_channels=4, cell_kwargs={"window": 3})
    seen = []
    model.stack.cells[4].register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    stack, frames = model.stack, torch.rand(1, 1, 1, 20, 20)
    state = stack.init_state(1, (20, 20), device=frames.device, dtype=frames.dtype)
    with torch.no_grad():
        step = stack(model.embed(frames[:, 0]), state)
    outputs = [layer.h for layer in step.state.layers]
    expected = resample(outputs[3], stack.levels[3], stack.levels[4], (20, 20)) + outputs[1]
    assert seen[0].shape == (1, 4, 10, 10)
    assert torch.equal(seen[0], expected)
    assert torch.equal(step.state.layers[4].x_prev, seen[0])

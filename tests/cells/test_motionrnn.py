import pytest
import torch
import torch.nn.functional as F

import msrnn
from msrnn.cells.mim import MIMState
from msrnn.cells.motionrnn import MotionGRU, MotionRNNCell, MotionRNNState
from tests.cells.conftest import (
    assert_fused_equals_unfused,
    conv,
    random_state,
    saved_bytes_unfused_and_fused,
)
from tests.conftest import parameter_count as _count

PAPER_MODEL = 7_560_547
MIM_BLOCKS, MOTION_GRU = 627_776, 33_179


def _shift(image, u, v):
    """Bilinear sample of ``image (C, h, w)`` at ``(x + u, y + v)``, zeros outside."""
    height, width = image.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    grid = torch.stack([2 * (xs + u) / (width - 1) - 1, 2 * (ys + v) / (height - 1) - 1], dim=-1)
    return F.grid_sample(image[None], grid[None], padding_mode="zeros", align_corners=True)[0]


def _reference_gru(gru, h, flow, trend):
    """The MotionRNN equations with the intended layout: one warp per (sample, field)."""
    e = F.conv2d(h, gru.encoder.weight, gru.encoder.bias, stride=2)
    half = gru.flow_channels
    gates = torch.sigmoid(conv(gru.update_reset, torch.cat([e, flow], dim=1)))
    u, r = gates[:, :half], gates[:, half:]
    z = torch.tanh(conv(gru.candidate, torch.cat([e, r * flow], dim=1)))
    trend = trend + 0.5 * (flow - trend)
    flow = u * z + (1 - u) * flow + trend
    masks = torch.sigmoid(conv(gru.mask, e))
    fields, width = gru.fields, e.shape[1]
    decoder_in = torch.zeros(e.shape[0], width * fields, *e.shape[2:])
    for b in range(e.shape[0]):
        for j in range(fields):
            warped = _shift(e[b], flow[b, 2 * j], flow[b, 2 * j + 1])
            for c in range(width):
                decoder_in[b, c * fields + j] = masks[b, j] * warped[c]
    up = gru.decoder_up
    padding = (h.shape[-2] % 2, h.shape[-1] % 2)
    mixed = conv(gru.decoder_mix, decoder_in)
    decoded = F.conv_transpose2d(mixed, up.weight, up.bias, 2, 1, output_padding=padding)
    g = torch.sigmoid(conv(gru.gate, torch.cat([decoded, h], dim=1)))
    return g * h + (1 - g) * decoded, flow, trend, decoder_in


def _inputs(batch, channels, height, width, seed=0):
    x, h, c, n, s, m = random_state(batch, channels, height, width, seed=seed)
    flows = random_state(batch, 18, height // 2, width // 2, seed=seed + 1)
    return x, MotionRNNState(h, c, n, s, 2 * flows[0], flows[1]), m


@pytest.mark.parametrize("size", [(8, 10), (7, 9)])
def test_active_cell_matches_per_flow_reference(size):
    torch.manual_seed(0)
    cell = MotionRNNCell(8, 3)
    x, state, m = _inputs(2, 8, *size)
    diag = torch.randn(2, 8, *size)
    captured = []
    cell.motion_gru.decoder_mix.register_forward_hook(lambda mod, args, out: captured.append(args))
    out = cell(x, state, memory=m, diagonal=diag)
    step = cell.mim.step(x, MIMState(*state[:4]), memory=m, diagonal=diag)
    fused, flow, trend, decoder_in = _reference_gru(cell.motion_gru, step.state.h, *state[4:])
    assert torch.allclose(captured[0][0], decoder_in, atol=1e-5)
    assert torch.allclose(out.hidden, fused + (1 - step.gate) * x, atol=1e-5)
    assert torch.equal(out.state.h, out.hidden) and torch.equal(out.memory, step.memory)
    assert torch.allclose(out.state.f, flow, atol=1e-6)
    assert torch.allclose(out.state.d, trend, atol=1e-6)
    assert torch.equal(out.state.s, step.state.s)


def test_each_sample_warps_with_its_own_flow():
    torch.manual_seed(0)
    gru = MotionGRU(8)
    h = torch.randn(2, 8, 8, 8)
    flow = torch.stack([torch.zeros(18, 4, 4), torch.full((18, 4, 4), 1.5)])
    trend = torch.zeros_like(flow)
    batched = gru(h, flow, trend)[0]
    for b in range(2):
        alone = gru(h[b : b + 1], flow[b : b + 1], trend[b : b + 1])[0]
        assert torch.allclose(batched[b : b + 1], alone, atol=1e-6)
    # The check above is sensitive: sample 0 with sample 1's flow gives another result.
    mixed = gru(h[:1], flow[1:], trend[1:])[0]
    assert not torch.allclose(mixed, batched[:1], atol=1e-3)


def test_motion_gru_gradients_match_finite_differences():
    torch.manual_seed(0)
    gru = MotionGRU(4).double()
    h = torch.randn(1, 4, 4, 6, dtype=torch.float64, requires_grad=True)
    flow = (0.7 * torch.randn(1, 18, 2, 3, dtype=torch.float64)).requires_grad_()
    trend = torch.randn(1, 18, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gru, (h, flow, trend), fast_mode=True)


@pytest.mark.parametrize("motion", ["dormant", "none"])
def test_top_layer_is_the_mim_cell_and_never_runs_the_motion_gru(motion):
    torch.manual_seed(0)
    cell = MotionRNNCell(4, 3, motion=motion)
    if motion == "dormant":
        for p in cell.motion_gru.parameters():
            p.data.fill_(float("nan"))
    x, h, c, n, s, m = random_state(2, 4, 5, 5)
    out = cell(x, MotionRNNState(h, c, n, s, None, None), memory=m, diagonal=h)
    expected = cell.mim(x, MIMState(h, c, n, s), memory=m, diagonal=h)
    assert torch.equal(out.hidden, expected.hidden) and torch.equal(out.memory, expected.memory)
    assert out.state.f is None and out.state.d is None


@pytest.mark.parametrize("size", [(15, 15), (7, 7), (33, 35), (2, 3)])
def test_odd_grids_keep_their_size(size):
    cell = MotionRNNCell(4)
    state = cell.init_state(1, *size, device=torch.device("cpu"), dtype=torch.float32)
    assert state.f.shape == (1, 18, size[0] // 2, size[1] // 2)
    out = cell(torch.randn(1, 4, *size), state, memory=torch.randn(1, 4, *size))
    assert out.hidden.shape == (1, 4, *size)


def test_encoder_width_scales_with_channels():
    assert MotionGRU(64).encoder.out_channels == 16
    assert MotionGRU(8).encoder.out_channels == 2 and MotionGRU(2).encoder.out_channels == 1
    assert MotionGRU(8, motion_kernel=2).mask.out_channels == 4


def test_validation_errors():
    with pytest.raises(ValueError, match="motion must be"):
        MotionRNNCell(4, motion="later")
    with pytest.raises(ValueError, match="motion_kernel"):
        MotionGRU(4, motion_kernel=0)
    with pytest.raises(ValueError, match="at least 2x2"):
        MotionRNNCell(4).init_state(1, 1, 4, device=torch.device("cpu"), dtype=torch.float32)
    with pytest.raises(ValueError, match="zigzag memory"):
        x, state, _ = _inputs(1, 4, 4, 4)
        MotionRNNCell(4)(x, state)


def test_parameter_counts():
    assert _count(MotionGRU(64)) == MOTION_GRU
    assert _count(MotionRNNCell(64, 3, blocks="dormant", motion="dormant")) == 1_260_059
    assert _count(MotionRNNCell(64, 3, motion="none")) == 1_260_059 - MOTION_GRU
    for name in ("motionrnn", "ms-motionrnn"):
        assert _count(msrnn.build_model(name)) == PAPER_MODEL
        clean = msrnn.build_model(name, preset="clean")
        assert _count(clean) == PAPER_MODEL - MIM_BLOCKS - MOTION_GRU == 6_899_592


@pytest.mark.parametrize(("preset", "unused"), [("paper", "dormant"), ("clean", "none")])
def test_layer_0_lacks_live_mim_blocks_and_the_top_layer_a_live_motion_gru(preset, unused):
    # The gradient check over these modes is in tests/models/test_contract.py.
    model = msrnn.build_model("ms-motionrnn", preset=preset, hidden_channels=4)
    assert [cell.mim.blocks for cell in model.stack.cells] == [unused] + ["active"] * 5
    assert [cell.motion for cell in model.stack.cells] == ["active"] * 5 + [unused]


def test_fused_equals_unfused_with_gradients():
    torch.manual_seed(0)
    cell = MotionRNNCell(4, 3)
    x, state, m = _inputs(2, 4, 8, 10)
    tensors = [x.requires_grad_(), m.requires_grad_(), *(t.requires_grad_() for t in state)]

    def run():
        out = cell(x, state, memory=m)
        return out.hidden, out.memory, *out.state

    assert_fused_equals_unfused(cell, run, tensors)


def test_fused_saves_fewer_maps():
    torch.manual_seed(0)
    cell = MotionRNNCell(4, 3)
    x, state, m = _inputs(2, 4, 8, 10)
    saved = saved_bytes_unfused_and_fused(cell, lambda: cell(x, state, memory=m))
    # Bytes per channel on the full and the half grid. Unfused: the concatenations [C_t, M_t]
    # (MIM's W_1, 4 + 4 channels), [decoded, H] (4 + 4) and [e, flow], [e, r * flow] (1 + 18
    # each, half grid). Fused keeps their parts, all saved by other operations anyway, except
    # r * flow (18 channels, half grid).
    full, half = 2 * 8 * 10 * 4, 2 * 4 * 5 * 4
    assert saved[False] - saved[True] == 16 * full + 2 * 19 * half - 18 * half

import pytest
import torch
import torch.nn.functional as F

from msrnn.cells.mim import MIMState
from msrnn.cells.motionrnn import MotionGRU, MotionRNNCell, MotionRNNState
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state

PAPER_MODEL = 7_560_547
MIM_BLOCKS, MOTION_GRU = 627_776, 33_179


def motionrnn_cells(n, channels, kernel_size, *, preset, fused):
    """The family function proposed for ``models/zoo.py``."""
    unused = "dormant" if preset == "paper" else "none"
    return [
        MotionRNNCell(
            channels,
            kernel_size,
            blocks=unused if i == 0 else "active",
            motion=unused if i == n - 1 else "active",
            fused=fused,
        )
        for i in range(n)
    ]


def _model(multiscale=False, preset="paper", hidden=4, seed=0, **kwargs):
    torch.manual_seed(seed)
    return build_forecaster(
        motionrnn_cells, multiscale=multiscale, preset=preset, hidden_channels=hidden, **kwargs
    )


def _count(module):
    return sum(p.numel() for p in module.parameters())


def _shift(image, u, v):
    """Bilinear sample of ``image (C, h, w)`` at ``(x + u, y + v)``, zeros outside."""
    height, width = image.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    grid = torch.stack([2 * (xs + u) / (width - 1) - 1, 2 * (ys + v) / (height - 1) - 1], dim=-1)
    return F.grid_sample(image[None], grid[None], padding_mode="zeros", align_corners=True)[0]


def _reference_gru(gru, h, flow, trend):
    """MODEL_SPEC section 4.6 with the intended layout: one warp per (sample, field)."""
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
    for multiscale in (False, True):
        assert _count(_model(multiscale, hidden=64)) == PAPER_MODEL
        clean = _model(multiscale, preset="clean", hidden=64)
        assert _count(clean) == PAPER_MODEL - MIM_BLOCKS - MOTION_GRU == 6_899_592


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
    blocks = {n for n in names if n.startswith("stack.cells.0.mim.") and "stationary" in n}
    top_gru = {n for n in names if n.startswith("stack.cells.5.motion_gru.")}
    assert without == (blocks | top_gru if preset == "paper" else set())
    assert (len(blocks), len(top_gru)) == ((8, 14) if preset == "paper" else (0, 0))


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

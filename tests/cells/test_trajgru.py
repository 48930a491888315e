import pytest
import torch
import torch.nn.functional as F

from msrnn.cells.trajgru import TrajGRUCell, TrajGRUState
from msrnn.models.zoo import build_forecaster
from tests.cells.conftest import conv, random_state, summed
from tests.conftest import parameter_count

SIZES = [(16, 16), (30, 30), (33, 35), (96, 64)]


def _trajgru_cells(n, channels, kernel_size, *, preset, fused):
    """The family function proposed for ``models/zoo.py`` (both presets build the same cells)."""
    return [TrajGRUCell(channels, kernel_size, fused=fused) for _ in range(n)]


def _model(multiscale=True, seed=0, **overrides):
    torch.manual_seed(seed)
    return build_forecaster(
        _trajgru_cells, multiscale=multiscale, **{"hidden_channels": 4, **overrides}
    )


def _warp(image, flow):
    """Bilinear sampling at (x + u, y + v), zero outside, through grid_sample."""
    _, _, height, width = image.shape
    gx = 2 * (torch.arange(width) + flow[:, 0]) / (width - 1) - 1
    gy = 2 * (torch.arange(height).unsqueeze(1) + flow[:, 1]) / (height - 1) - 1
    grid = torch.stack([gx, gy], dim=-1)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def _reference(cell, x, h):
    hidden = F.leaky_relu(summed(cell.flow_hidden, x, h), 0.2)
    flows = conv(cell.flow_out, hidden)
    warped = [_warp(h, -flows[:, 2 * link : 2 * link + 2]) for link in range(cell.links)]
    z_x, r_x, h_x = conv(cell.input_gates, x).chunk(3, dim=1)
    z_h, r_h, h_h = conv(cell.state_gates, torch.cat(warped, dim=1)).chunk(3, dim=1)
    z, r = torch.sigmoid(z_x + z_h), torch.sigmoid(r_x + r_h)
    candidate = F.leaky_relu(h_x + r * h_h, 0.2)
    return (1 - z) * candidate + z * h


def _loss(model, frames):
    return (model(frames, input_frames=2).predictions - frames[:, 1:]).square().sum()


@pytest.mark.parametrize("flow_kernel_size", [3, 5])
def test_matches_equations(flow_kernel_size):
    torch.manual_seed(0)
    cell = TrajGRUCell(4, 3, links=3, flow_channels=6, flow_kernel_size=flow_kernel_size)
    with torch.no_grad():
        cell.flow_out.weight.mul_(20)  # displacements of several pixels, some leaving the grid
    x, h, *_ = random_state(2, 4, 7, 9)
    assert cell.flows(x, h).abs().max() > 2
    out = cell(x, TrajGRUState(h))
    assert torch.allclose(out.hidden, _reference(cell, x, h), atol=1e-5)
    assert out.state.h is out.hidden
    assert out.memory is None and out.aux is None


def test_zero_flow_reads_the_unwarped_state():
    torch.manual_seed(0)
    cell = TrajGRUCell(3, links=2, flow_channels=4, flow_kernel_size=3)
    with torch.no_grad():
        cell.flow_out.weight.zero_()
        cell.flow_out.bias.zero_()
    x, h, *_ = random_state(1, 3, 5, 6)
    z_x, r_x, h_x = conv(cell.input_gates, x).chunk(3, dim=1)
    z_h, r_h, h_h = conv(cell.state_gates, torch.cat([h, h], dim=1)).chunk(3, dim=1)
    z, r = torch.sigmoid(z_x + z_h), torch.sigmoid(r_x + r_h)
    expected = (1 - z) * F.leaky_relu(h_x + r * h_h, 0.2) + z * h
    assert torch.allclose(cell(x, TrajGRUState(h)).hidden, expected, atol=1e-6)


def test_parameter_counts_of_paper_and_head_cells():
    assert parameter_count(TrajGRUCell(64, 3)) == 352_340
    assert parameter_count(TrajGRUCell(64, 3, flow_channels=64, flow_kernel_size=3)) == 319_252
    assert (
        parameter_count(TrajGRUCell(64, 3, flow_channels=64, flow_kernel_size=3, links=13))
        == (2_157_661 - 128 - 65) // 6
    )


@pytest.mark.parametrize("preset", ["paper", "clean"])
@pytest.mark.parametrize("multiscale", [False, True])
def test_whole_model_has_the_paper_parameter_count(preset, multiscale):
    model = _model(multiscale, preset=preset, hidden_channels=64)
    assert parameter_count(model) == 2_114_233


@pytest.mark.parametrize("multiscale", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_output_shape_at_any_frame_size(multiscale, size):
    model = _model(multiscale)
    with torch.no_grad():
        out = model(torch.rand(1, 3, 1, *size), input_frames=2)
    assert out.predictions.shape == (1, 2, 1, *size)
    assert torch.isfinite(out.predictions).all()


def test_seeded_runs_are_bit_for_bit_equal():
    frames = torch.rand(2, 4, 1, 15, 13, generator=torch.Generator().manual_seed(0))
    runs = [_model(seed=3)(frames, input_frames=2).predictions for _ in range(2)]
    assert torch.equal(runs[0], runs[1])


@pytest.mark.parametrize("preset", ["paper", "clean"])
@pytest.mark.parametrize("multiscale", [False, True])
def test_gradient_reaches_every_parameter(preset, multiscale):
    model = _model(multiscale, preset=preset)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    _loss(model, frames).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.any()]
    assert missing == []


def test_one_adam_step_lowers_the_loss_on_a_fixed_batch():
    model = _model(num_layers=4)
    frames = torch.rand(2, 4, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(2):
        optimiser.zero_grad()
        loss = _loss(model, frames)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[1] < losses[0]


def test_samples_of_a_batch_do_not_interact():
    model = _model()
    generator = torch.Generator().manual_seed(0)
    frames = torch.rand(3, 4, 1, 17, 18, generator=generator)
    other = frames.clone()
    other[1:] = torch.rand(2, 4, 1, 17, 18, generator=generator)
    with torch.no_grad():
        first = model(frames, input_frames=2).predictions[0]
        second = model(other, input_frames=2).predictions[0]
    assert torch.allclose(first, second, rtol=0, atol=1e-6)


def test_autograd_keeps_the_state_once_not_once_per_link():
    cell = TrajGRUCell(4, links=10, flow_channels=4, flow_kernel_size=3)
    x, h = (torch.randn(2, 4, 8, 8, requires_grad=True).clone() for _ in range(2))
    storages = {}

    def pack(tensor):  # the weights saved along are far smaller than L copies of the state
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        cell(x, TrajGRUState(h))
    link_fold = [n for n in storages.values() if n >= cell.links * h.nbytes]
    assert link_fold == [cell.links * h.nbytes]  # only the projection's input (B, L*C, h, w)


def test_fused_equals_unfused():
    torch.manual_seed(0)
    cell = TrajGRUCell(4, links=2, flow_channels=4)
    x, h, *_ = random_state(1, 4, 6, 6)
    reference = cell(x, TrajGRUState(h)).hidden
    cell.flow_hidden.fused = True
    assert torch.allclose(cell(x, TrajGRUState(h)).hidden, reference, atol=1e-5)


def test_zero_state_follows_requested_device_and_dtype():
    state = TrajGRUCell(3).init_state(2, 5, 7, device=torch.device("cpu"), dtype=torch.float64)
    assert state.h.shape == (2, 3, 5, 7) and state.h.dtype == torch.float64 and not state.h.any()


def test_rejects_bad_hyper_parameters():
    with pytest.raises(ValueError, match="links must be at least 1"):
        TrajGRUCell(4, links=0)
    with pytest.raises(ValueError, match="flow_channels must be positive"):
        TrajGRUCell(4, flow_channels=0)
    with pytest.raises(ValueError, match="flow_kernel_size must be a positive odd"):
        TrajGRUCell(4, flow_kernel_size=4)
    with pytest.raises(ValueError, match="kernel_size must be a positive odd"):
        TrajGRUCell(4, kernel_size=2)

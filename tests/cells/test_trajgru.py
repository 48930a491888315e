import pytest
import torch
import torch.nn.functional as F

import msrnn
from msrnn.cells.trajgru import TrajGRUCell, TrajGRUState
from tests.cells.conftest import conv, random_state, summed
from tests.conftest import parameter_count


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
    channel_major = torch.stack(warped, dim=2).flatten(1, 2)  # input channel c * L + l
    z_h, r_h, h_h = conv(cell.state_gates, channel_major).chunk(3, dim=1)
    z, r = torch.sigmoid(z_x + z_h), torch.sigmoid(r_x + r_h)
    candidate = F.leaky_relu(h_x + r * h_h, 0.2)
    return (1 - z) * candidate + z * h


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
    both_links = torch.stack([h, h], dim=2).flatten(1, 2)  # channel-major, as the cell reads
    z_h, r_h, h_h = conv(cell.state_gates, both_links).chunk(3, dim=1)
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
@pytest.mark.parametrize("name", ["trajgru", "ms-trajgru"])
def test_whole_model_has_the_paper_parameter_count(preset, name):
    assert parameter_count(msrnn.build_model(name, preset=preset)) == 2_114_233


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

import torch
import torch.nn.functional as F

from msrnn.cells import DecouplingLoss


def test_matches_absolute_cosine_over_space_summed_over_channels():
    torch.manual_seed(0)
    loss = DecouplingLoss(3)
    delta_c, delta_m = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    a_c = loss.adapter(delta_c).flatten(2)
    a_m = loss.adapter(delta_m).flatten(2)
    expected = F.cosine_similarity(a_c, a_m, dim=2).abs().sum(1)
    assert torch.allclose(loss(delta_c, delta_m), expected, atol=1e-6)


def test_identical_increments_give_one_per_channel_and_zero_maps_are_finite():
    loss = DecouplingLoss(4, bias=False)
    delta = torch.randn(1, 4, 3, 3)
    assert torch.allclose(loss(delta, delta), torch.tensor([4.0]), atol=1e-5)
    zero = torch.zeros(1, 4, 3, 3)
    assert torch.isfinite(loss(zero, zero)).all()


def test_adapter_parameters():
    assert sum(p.numel() for p in DecouplingLoss(64).parameters()) == 4_160
    assert sum(p.numel() for p in DecouplingLoss(64, bias=False).parameters()) == 4_096

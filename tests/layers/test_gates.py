import pytest
import torch
from torch import nn

from msrnn.layers import SummedConv2d


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_fused_equals_unfused(kernel_size):
    torch.manual_seed(0)
    conv = SummedConv2d([4, 6], 8, kernel_size)
    x, h = torch.rand(2, 4, 9, 7), torch.rand(2, 6, 9, 7)
    conv.fused = False
    reference = conv(x, h)
    conv.fused = True
    assert torch.allclose(conv(x, h), reference, atol=1e-5)


def test_equals_sum_of_separate_convolutions_with_own_biases():
    torch.manual_seed(0)
    conv = SummedConv2d([3, 5], 4, 3)
    first = nn.Conv2d(3, 4, 3, padding=1)
    second = nn.Conv2d(5, 4, 3, padding=1)
    with torch.no_grad():
        first.weight.copy_(conv.weight[:, :3])
        second.weight.copy_(conv.weight[:, 3:])
        first.bias.copy_(conv.bias[0])
        second.bias.copy_(conv.bias[1])
    x, h = torch.rand(1, 3, 6, 6), torch.rand(1, 5, 6, 6)
    for fused in (False, True):
        conv.fused = fused
        assert torch.allclose(conv(x, h), first(x) + second(h), atol=1e-5)


def test_parameter_count_equals_separate_convolutions():
    conv = SummedConv2d([64, 64], 256, 3)
    separate = 2 * sum(p.numel() for p in nn.Conv2d(64, 256, 3).parameters())
    assert sum(p.numel() for p in conv.parameters()) == separate == 295_424


def test_each_block_is_initialised_with_its_own_fan_in():
    torch.manual_seed(0)
    conv = SummedConv2d([2, 200], 16, 3)
    # kaiming_uniform(a=sqrt(5)) gives the bound 1/sqrt(fan_in) for weights and biases alike
    assert conv.weight[:, :2].abs().max() <= 1 / (2 * 9) ** 0.5
    assert conv.weight[:, :2].abs().max() > 1 / (200 * 9) ** 0.5
    assert conv.bias[1].abs().max() <= 1 / (200 * 9) ** 0.5


def test_rejects_even_kernel_and_wrong_input_count():
    with pytest.raises(ValueError, match="odd"):
        SummedConv2d([4], 4, 2)
    with pytest.raises(ValueError, match="at least one input"):
        SummedConv2d([], 4, 3)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        SummedConv2d([4, 4], 4, 3)(torch.rand(1, 4, 5, 5))

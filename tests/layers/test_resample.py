import pytest
import torch
import torch.nn.functional as F

from msrnn.layers import level_size, resample


@pytest.mark.parametrize(
    ("size", "level", "expected"),
    [
        ((64, 64), 2, (16, 16)),
        ((30, 30), 2, (7, 7)),
        ((96, 64), 1, (48, 32)),
        ((31, 17), 3, (3, 2)),
    ],
)
def test_level_size_is_floor_division(size, level, expected):
    assert level_size(size, level) == expected


def test_same_level_returns_input_itself():
    x = torch.rand(1, 2, 8, 8)
    assert resample(x, 1, 1, (16, 16)) is x


def test_down_two_levels_equals_two_poolings_for_odd_sizes():
    x = torch.rand(2, 3, 30, 31)
    twice = F.max_pool2d(F.max_pool2d(x, 2), 2)
    assert torch.equal(resample(x, 0, 2, (30, 31)), twice)


@pytest.mark.parametrize("size", [(30, 30), (31, 33), (96, 64), (124, 124)])
def test_up_lands_on_exact_target_grid(size):
    coarse = torch.rand(1, 2, *level_size(size, 2))
    assert resample(coarse, 2, 1, size).shape[-2:] == level_size(size, 1)
    assert resample(coarse, 2, 0, size).shape[-2:] == size


def test_up_by_two_matches_scale_factor_two_on_even_sizes():
    x = torch.rand(1, 2, 8, 8)
    expected = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert torch.allclose(resample(x, 1, 0, (16, 16)), expected, atol=1e-6)


def test_up_preserves_constants():
    x = torch.full((1, 1, 7, 7), 0.25)
    assert torch.allclose(resample(x, 1, 0, (15, 15)), torch.full((1, 1, 15, 15), 0.25))

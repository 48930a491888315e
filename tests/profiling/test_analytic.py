import math

import pytest

from msrnn.models import pyramid_levels
from msrnn.profiling import analytic

DEPTHS = range(3, 31)


def test_eq3_and_eq5_at_the_papers_depth():
    assert analytic.output_coefficient(6, multiscale=False) == 192
    assert analytic.output_coefficient(6, multiscale=True) == pytest.approx(84)


def test_theoretical_reduction_is_5625_percent_at_n6_and_25_percent_at_n3():
    assert analytic.reduction(6) == pytest.approx(0.5625)
    assert analytic.reduction(3) == pytest.approx(0.25)


@pytest.mark.parametrize("multiscale", [False, True])
def test_eq6_bounds_hold_for_every_depth_and_are_reached(multiscale):
    low, high = analytic.output_bounds(multiscale=multiscale)
    values = [analytic.output_coefficient(n, multiscale=multiscale) for n in DEPTHS]
    assert all(low <= v <= high for v in values)
    assert values[0] == pytest.approx(low)  # N = 3 attains the lower bound
    assert values == sorted(values)  # "monotonically increasing functions for N"
    if multiscale:
        assert high - values[-1] < 1e-6  # 256/3 is the supremum
    else:
        assert math.isinf(high)


def test_reduction_grows_with_depth():
    reductions = [analytic.reduction(n) for n in DEPTHS]
    assert reductions == sorted(reductions)
    assert all(0.25 <= r < 1 for r in reductions)


@pytest.mark.parametrize("depth", range(1, 13))
def test_per_plan_form_equals_the_closed_forms(depth):
    assert analytic.plan_coefficient(pyramid_levels(depth)) == pytest.approx(
        analytic.output_coefficient(depth, multiscale=True)
    )
    assert analytic.plan_coefficient((0,) * depth) == analytic.output_coefficient(
        depth, multiscale=False
    )


def test_output_bytes_is_eq3_in_bytes_for_a_single_scale_stack():
    # Eq. 3: 32 R N U b c h w bits, with R = 19, N = 6, U = 7, b = 4, c = 64, 64x64
    predicted = analytic.output_bytes([7] * 6, [(64, 64)] * 6, batch=4, channels=64, recursions=19)
    assert predicted == 32 * 19 * 6 * 7 * 4 * 64 * 64 * 64 / 8


def test_eq2_and_exact_eq7():
    assert analytic.training_bytes(10, 100) == 240
    # without parameters Eq. 7 is the approximate reduction
    assert analytic.exact_reduction(0, 192, 84) == pytest.approx(analytic.reduction(6))
    assert analytic.exact_reduction(50, 192, 84) < analytic.reduction(6)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_layers must be a positive integer"):
        analytic.output_coefficient(0, multiscale=True)
    with pytest.raises(ValueError, match="one unit count per layer"):
        analytic.output_bytes([7], [(4, 4), (2, 2)], batch=1, channels=1, recursions=1)

import pytest

from msrnn.models import pyramid_levels, skip_sources
from msrnn.models.scale_plan import check_levels

PAPER = (0, 1, 2, 2, 1, 0)


@pytest.mark.parametrize(
    ("n", "expected"),
    [(6, PAPER), (5, (0, 1, 2, 1, 0)), (4, (0, 1, 1, 0)), (3, (0, 1, 0)), (1, (0,))],
)
def test_pyramid_levels(n, expected):
    assert pyramid_levels(n) == expected


def test_pyramid_levels_cap():
    assert pyramid_levels(8, max_level=2) == (0, 1, 2, 2, 2, 2, 1, 0)


def test_paper_skip_policies_for_six_layers():
    # the official code's routing, written out by hand
    assert skip_sources(PAPER, "none") == ((), (0,), (1,), (2,), (3,), (4,))
    assert skip_sources(PAPER, "unet") == ((), (0,), (1,), (2,), (3, 1), (4, 0))
    assert skip_sources(PAPER, "unet3p") == ((), (0,), (1,), (2, 0, 1), (3, 0, 1), (4, 0, 3))
    assert skip_sources(PAPER, "full") == (
        (),
        (0,),
        (1, 0),
        (2, 0, 1),
        (3, 0, 1, 2),
        (4, 0, 1, 2, 3),
    )


def test_unet_generalises_to_other_depths():
    assert skip_sources((0, 1, 2, 1, 0), "unet") == ((), (0,), (1,), (2, 1), (3, 0))
    assert skip_sources((0, 1, 0), "unet") == ((), (0,), (1, 0))
    assert skip_sources((0, 1, 1, 0), "unet") == ((), (0,), (1,), (2, 0))


def test_all_zero_plan_has_no_unet_skip():
    assert skip_sources((0,) * 6, "unet") == skip_sources((0,) * 6, "none")


def test_bad_plans_and_policies_are_rejected():
    with pytest.raises(ValueError, match="one level per layer"):
        check_levels((0, 1), 3)
    with pytest.raises(ValueError, match="non-negative integers"):
        check_levels((0, -1, 0), 3)
    with pytest.raises(ValueError, match="skip policy"):
        skip_sources(PAPER, "dense")
    with pytest.raises(ValueError, match="num_layers"):
        pyramid_levels(0)

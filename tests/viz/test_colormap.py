"""The rain-rate palette maps known rates to the documented colours, pixel for pixel."""

from __future__ import annotations

import re

import numpy as np
import pytest

from msrnn.viz import colormap
from msrnn.viz.colormap import (
    RAIN_RATE_BOUNDS,
    RAIN_RATE_COLORS,
    grey_to_rgb,
    rain_rate_cmap_norm,
    rain_rate_to_rgb,
)

WHITE, PALE_BLUE, LIGHT_BLUE, BLUE = (
    (255, 255, 255),
    (166, 206, 240),
    (97, 160, 222),
    (35, 100, 200),
)
GREEN, YELLOW_GREEN, YELLOW = (30, 160, 70), (130, 205, 40), (250, 215, 35)
ORANGE, RED, MAGENTA = (245, 140, 25), (220, 30, 30), (160, 30, 160)

# Rate (mm/h) -> documented colour, including both sides of every class bound.
KNOWN = [
    (0.0, WHITE),
    (0.099, WHITE),
    (0.1, PALE_BLUE),
    (0.499, PALE_BLUE),
    (0.5, LIGHT_BLUE),
    (1.0, BLUE),
    (1.999, BLUE),
    (2.0, GREEN),
    (4.99, GREEN),
    (5.0, YELLOW_GREEN),
    (10.0, YELLOW),
    (19.9, YELLOW),
    (20.0, ORANGE),
    (30.0, RED),
    (49.99, RED),
    (50.0, MAGENTA),
    (517.0, MAGENTA),
]


@pytest.mark.parametrize(("rate", "color"), KNOWN)
def test_known_rates_get_documented_colours(rate, color):
    assert tuple(rain_rate_to_rgb(np.array([[rate]]))[0, 0]) == color


def test_whole_field_keeps_shape_and_dtype():
    rates = np.array([rate for rate, _ in KNOWN]).reshape(1, -1)
    rgb = rain_rate_to_rgb(rates)
    assert rgb.shape == (1, len(KNOWN), 3)
    assert rgb.dtype == np.uint8
    assert [tuple(c) for c in rgb[0]] == [color for _, color in KNOWN]


def test_module_table_matches_constants():
    rows = re.findall(r"^``(.+?)``\s+.+?\((\d+), (\d+), (\d+)\)$", colormap.__doc__, re.M)
    documented = [tuple(int(v) for v in row[1:]) for row in rows]
    assert documented == [colormap.NO_RAIN_COLOR, *RAIN_RATE_COLORS]
    assert len(RAIN_RATE_BOUNDS) == len(RAIN_RATE_COLORS) == 9


@pytest.mark.parametrize(("rate", "color"), KNOWN)
def test_matplotlib_cmap_norm_agree_with_table(rate, color):
    cmap, norm = rain_rate_cmap_norm()
    rgba = cmap(norm(rate))
    assert tuple(round(255 * c) for c in rgba[:3]) == color


def test_grey_levels():
    grey = grey_to_rgb(np.array([-0.5, 0.0, 0.25, 0.5, 1.0, 2.0]))
    assert grey[:, 0].tolist() == [0, 0, 64, 128, 255, 255]
    assert np.array_equal(grey[:, 0], grey[:, 2])
    assert grey_to_rgb(np.array([5.0]), vmin=0.0, vmax=10.0)[0, 0] == 128


def test_non_finite_and_bad_range_rejected():
    with pytest.raises(ValueError, match="rates must be finite"):
        rain_rate_to_rgb(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="values must be finite"):
        grey_to_rgb(np.array([np.inf]))
    with pytest.raises(ValueError, match="vmax must exceed vmin"):
        grey_to_rgb(np.zeros(2), vmin=1.0, vmax=1.0)

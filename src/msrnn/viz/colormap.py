"""Colour maps: a discrete rain-rate palette (mm/h) for radar data and grey for everything else.

The rain-rate palette is a table of lower bounds (mm/h) and colours. A rain rate ``r`` gets the
colour of the largest bound ``b`` with ``r >= b`` (lower bounds inclusive, like the categorical
thresholds); rates below the first bound (0.1 mm/h, i.e. no rain) are white.

======================  ===============  =================
rain rate (mm/h)        colour           RGB
======================  ===============  =================
``r < 0.1``             white            (255, 255, 255)
``0.1 <= r < 0.5``      pale blue        (166, 206, 240)
``0.5 <= r < 1``        light blue       (97, 160, 222)
``1 <= r < 2``          blue             (35, 100, 200)
``2 <= r < 5``          green            (30, 160, 70)
``5 <= r < 10``         yellow-green     (130, 205, 40)
``10 <= r < 20``        yellow           (250, 215, 35)
``20 <= r < 30``        orange           (245, 140, 25)
``30 <= r < 50``        red              (220, 30, 30)
``r >= 50``             magenta          (160, 30, 160)
======================  ===============  =================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.colors import BoundaryNorm, ListedColormap

RAIN_RATE_BOUNDS: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0)
"""Lower bounds (mm/h, inclusive) of the palette's classes."""

RAIN_RATE_COLORS: tuple[tuple[int, int, int], ...] = (
    (166, 206, 240),
    (97, 160, 222),
    (35, 100, 200),
    (30, 160, 70),
    (130, 205, 40),
    (250, 215, 35),
    (245, 140, 25),
    (220, 30, 30),
    (160, 30, 160),
)
"""RGB colour of each class, ``RAIN_RATE_COLORS[i]`` for ``RAIN_RATE_BOUNDS[i] <= r``."""

NO_RAIN_COLOR: tuple[int, int, int] = (255, 255, 255)
"""RGB colour of rain rates below ``RAIN_RATE_BOUNDS[0]``."""


def _check_finite(values: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} must be finite, got NaN or inf; mask or fill them before plotting"
        )
    return values


def rain_rate_to_rgb(rates: np.ndarray) -> np.ndarray:
    """Map rain rates (mm/h) to the palette's colours, exactly as the module table says.

    Args:
        rates: rain rates in mm/h, any shape.

    Returns:
        ``uint8`` array of shape ``rates.shape + (3,)``.

    Raises:
        ValueError: if ``rates`` holds NaN or inf.

    Example:
        >>> rain_rate_to_rgb(np.array([0.0, 0.1, 7.0, 120.0])).tolist()
        [[255, 255, 255], [166, 206, 240], [130, 205, 40], [160, 30, 160]]
    """
    rates = _check_finite(rates, "rates")
    table = np.array((NO_RAIN_COLOR, *RAIN_RATE_COLORS), dtype=np.uint8)
    return table[np.searchsorted(np.asarray(RAIN_RATE_BOUNDS), rates, side="right")]


def grey_to_rgb(values: np.ndarray, *, vmin: float = 0.0, vmax: float = 1.0) -> np.ndarray:
    """Map values linearly to grey levels, ``vmin`` black and ``vmax`` white, clipped outside.

    .. math::
        g = \\operatorname{round}\\left(255 \\cdot \\operatorname{clip}
        \\left(\\frac{v - v_{\\min}}{v_{\\max} - v_{\\min}}, 0, 1\\right)\\right)

    Args:
        values: any shape.
        vmin: value drawn black.
        vmax: value drawn white; must exceed ``vmin``.

    Returns:
        ``uint8`` array of shape ``values.shape + (3,)``.

    Raises:
        ValueError: if ``vmax <= vmin`` or ``values`` holds NaN or inf.

    Example:
        >>> grey_to_rgb(np.array([-1.0, 0.5, 1.0]))[:, 0].tolist()
        [0, 128, 255]
    """
    if not vmax > vmin:
        raise ValueError(f"vmax must exceed vmin, got vmin={vmin}, vmax={vmax}")
    values = _check_finite(values, "values")
    grey = np.rint(255.0 * np.clip((values - vmin) / (vmax - vmin), 0.0, 1.0)).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def rain_rate_cmap_norm() -> tuple[ListedColormap, BoundaryNorm]:
    """A matplotlib colour map and norm equal to the palette, for colour bars in mm/h.

    Rates below the first bound map to the colour map's "under" colour (white), rates at or above
    the last bound to its "over" colour (magenta); draw colour bars with ``extend="max"``.

    Example:
        >>> cmap, norm = rain_rate_cmap_norm()
        >>> [round(255 * c) for c in cmap(norm(3.0))[:3]]
        [30, 160, 70]
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    colors = np.asarray(RAIN_RATE_COLORS, dtype=np.float64) / 255.0
    cmap = ListedColormap(colors[:-1], name="msrnn_rain_rate")
    cmap = cmap.with_extremes(under=np.asarray(NO_RAIN_COLOR) / 255.0, over=colors[-1])
    return cmap, BoundaryNorm(RAIN_RATE_BOUNDS, ncolors=cmap.N)

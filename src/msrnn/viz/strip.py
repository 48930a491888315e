"""Prediction strips: inputs, ground truth, prediction and absolute error as rows of frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from msrnn.viz import _frames
from msrnn.viz._frames import RainRate
from msrnn.viz._render import FONT_SIZE, SMALL_FONT_SIZE, fixed_style, new_figure, render
from msrnn.viz.colormap import RAIN_RATE_BOUNDS, rain_rate_cmap_norm

# Layout, in pixels.
_PAD, _LABEL_W, _TITLE_H, _COL_LABEL_H = 8, 84, 22, 15
_GAP, _ROW_GAP, _CBAR_GAP, _CBAR_W, _CBAR_TEXT = 2, 4, 10, 12, 58


@dataclass(frozen=True)
class _Row:
    label: str
    tiles: np.ndarray  # uint8 (T, h, w, 3), already magnified
    column_labels: tuple[str, ...] | None  # drawn above the row when given
    is_error: bool = False


@dataclass(frozen=True)
class _ColorBar:
    mappable: ScalarMappable
    label: str
    extend: str = "neither"
    ticks: tuple[float, ...] | None = None
    is_error: bool = False  # spans the error row instead of the value rows


def prediction_strip(
    inputs: np.ndarray,
    truth: np.ndarray | None,
    prediction: np.ndarray,
    *,
    rain_rate: RainRate | None = None,
    title: str | None = None,
    scale: int | None = None,
    stride: int | None = None,
    error_max: float | None = None,
) -> Image.Image:
    """Draw one sample as rows of frames: inputs, ground truth, prediction, absolute error.

    Columns are labelled ``t-k ... t`` for the inputs and ``t+1 ... t+n`` for the forecast. With
    ``rain_rate`` the frames are converted to mm/h and drawn with the rain-rate palette
    (:mod:`msrnn.viz.colormap`) next to a colour bar in mm/h, and the error is in mm/h; otherwise
    single-channel frames are grey (0 black, 1 white) and three-channel frames are shown as RGB
    (values clipped to [0, 1]). The error row, ``|truth - prediction|`` (mean over RGB channels),
    has its own colour bar from 0 to ``error_max``. Frames are drawn pixel for pixel (subsampled
    by an integer ``stride``, then magnified by an integer ``scale``), so colours are exact; the
    result depends only on the arguments.

    Args:
        inputs: observed frames, ``(T_in, C, H, W)`` or ``(T_in, H, W)``, values in [0, 1].
        truth: the true future, ``(T_out, C, H, W)`` or ``(T_out, H, W)``, or None when unknown
            (then the truth and error rows are left out).
        prediction: the forecast, same shape as ``truth``.
        rain_rate: converts pixel values to rain rates in mm/h (radar data, ``C = 1`` only),
            e.g. a dataset's Z-R relation; must return an array of its argument's shape.
        title: text above the strip.
        scale: integer magnification of every frame; by default the smallest that makes frames
            at least 64 pixels wide.
        stride: draw every ``stride``-th pixel along H and W (nearest-neighbour subsampling of
            large frames); by default the smallest that keeps frames at most 256 pixels wide.
        error_max: error drawn in the darkest colour; default the largest error in the strip.

    Returns:
        An RGB image.

    Raises:
        ValueError: on a bad shape, channel count, frame count mismatch between ``truth`` and
            ``prediction``, NaN/inf values, ``rain_rate`` with RGB frames, ``scale`` or ``stride``
            not a positive integer, or ``error_max <= 0``.

    Shape:
        - inputs: :math:`(T_{in}, C, H, W)` or :math:`(T_{in}, H, W)`, :math:`C \\in \\{1, 3\\}`
        - truth, prediction: :math:`(T_{out}, C, H, W)` or :math:`(T_{out}, H, W)`
    """
    seqs = _frames.prepare(
        {"inputs": inputs, "truth": truth, "prediction": prediction},
        rain_rate,
        same_length=("truth", "prediction"),
    )
    factors = _frames.display_factors(scale, stride, seqs["prediction"].shape[1:3], min_px=64)
    if error_max is not None and not error_max > 0:
        raise ValueError(f"error_max must be positive, got {error_max}")
    rows, bars = _rows(seqs, rain=rain_rate is not None, factors=factors, error_max=error_max)
    with fixed_style():
        fig = _draw(rows, bars, title)
    return render(fig)


def _rows(
    seqs: dict[str, np.ndarray | None],
    *,
    rain: bool,
    factors: tuple[int, int],
    error_max: float | None,
) -> tuple[list[_Row], list[_ColorBar]]:
    """The rows to draw and their colour bars (one for the values, one for the error)."""
    t_in = seqs["inputs"].shape[0]
    past = tuple(f"t-{t_in - 1 - i}" if i < t_in - 1 else "t" for i in range(t_in))
    future = tuple(f"t+{i + 1}" for i in range(seqs["prediction"].shape[0]))

    def tiles(frames: np.ndarray) -> np.ndarray:
        return _frames.magnify(_frames.value_tiles(frames, rain=rain), *factors)

    rows = [_Row("inputs", tiles(seqs["inputs"]), past)]
    bars = [_value_bar(rain)] if rain or seqs["inputs"].ndim == 3 else []
    if seqs["truth"] is None:
        return [*rows, _Row("prediction", tiles(seqs["prediction"]), future)], bars
    error = _frames.absolute_error(seqs["truth"], seqs["prediction"])
    vmax = error_max or (float(error.max()) if error.max() > 0 else 1.0)
    error_rgb = _frames.magnify(_frames.error_tiles(error, vmax), *factors)
    rows += [
        _Row("ground truth", tiles(seqs["truth"]), future),
        _Row("prediction", tiles(seqs["prediction"]), None),
        _Row("|error|", error_rgb, None, is_error=True),
    ]
    error_bar = _ColorBar(
        ScalarMappable(Normalize(0.0, vmax), _frames.ERROR_CMAP),
        "mm/h" if rain else "",
        extend="max" if error_max else "neither",
        is_error=True,
    )
    return rows, [*bars, error_bar]


def _value_bar(rain: bool) -> _ColorBar:
    if rain:
        cmap, norm = rain_rate_cmap_norm()
        return _ColorBar(ScalarMappable(norm, cmap), "rain rate (mm/h)", "max", RAIN_RATE_BOUNDS)
    return _ColorBar(ScalarMappable(Normalize(0.0, 1.0), "gray"), "pixel value", ticks=(0, 0.5, 1))


def _draw(rows: list[_Row], bars: list[_ColorBar], title: str | None) -> Figure:
    """Place tiles with ``figimage`` (no resampling), then labels and colour bars."""
    tile_h, tile_w = rows[0].tiles.shape[1:3]
    columns = max(row.tiles.shape[0] for row in rows)
    tops, y = [], _PAD + (_TITLE_H if title else 0)
    for row in rows:
        y += _COL_LABEL_H if row.column_labels else 0
        tops.append(y)
        y += tile_h + _ROW_GAP
    fig_h = y - _ROW_GAP + _PAD
    grid_w = columns * tile_w + (columns - 1) * _GAP
    fig_w = 2 * _PAD + _LABEL_W + grid_w + (_CBAR_GAP + _CBAR_W + _CBAR_TEXT if bars else 0)
    fig = new_figure(fig_w, fig_h)
    left = _PAD + _LABEL_W

    def text(x: float, y: float, s: str, **kwargs) -> None:
        fig.text(x / fig_w, 1.0 - y / fig_h, s, **kwargs)

    if title:
        text(_PAD, _PAD + _TITLE_H / 2, title, fontsize=FONT_SIZE + 1, va="center", weight="bold")
    for row, top in zip(rows, tops, strict=True):
        text(left - 6, top + tile_h / 2, row.label, fontsize=FONT_SIZE, ha="right", va="center")
        for col, tile in enumerate(row.tiles):
            x = left + col * (tile_w + _GAP)
            fig.figimage(tile, xo=x, yo=fig_h - top - tile_h, origin="upper")
            if row.column_labels:
                text(
                    x + tile_w / 2,
                    top - 3,
                    row.column_labels[col],
                    fontsize=SMALL_FONT_SIZE,
                    ha="center",
                    va="bottom",
                )
    bar_x = left + grid_w + _CBAR_GAP
    for bar in bars:
        span = [top for row, top in zip(rows, tops, strict=True) if row.is_error == bar.is_error]
        _colorbar(fig, bar, x=bar_x, top=span[0], bottom=span[-1] + tile_h, size=(fig_w, fig_h))
    return fig


def _colorbar(
    fig: Figure, bar: _ColorBar, *, x: int, top: int, bottom: int, size: tuple[int, int]
) -> None:
    fig_w, fig_h = size
    cax = fig.add_axes((x / fig_w, 1.0 - bottom / fig_h, _CBAR_W / fig_w, (bottom - top) / fig_h))
    cbar = fig.colorbar(bar.mappable, cax=cax, extend=bar.extend, ticks=bar.ticks)
    cbar.set_label(bar.label, fontsize=SMALL_FONT_SIZE)
    cax.tick_params(labelsize=SMALL_FONT_SIZE - 1)
    if bar.ticks is None:
        cax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    else:
        cbar.set_ticklabels([f"{t:g}" for t in bar.ticks])

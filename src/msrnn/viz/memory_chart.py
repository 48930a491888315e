"""The paper's Fig. 1: training memory against error, one point per model, X -> MS-X arrows."""

from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from msrnn.models.registry import find_entry, ms_variant_of
from msrnn.viz._render import SMALL_FONT_SIZE, fixed_style, new_figure

CHART_SIZE_PX = (560, 420)
_LABEL_ROOM = 0.15
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def memory_error_chart(
    points: Mapping[str, tuple[float, float]],
    *,
    memory_method: str,
    error_label: str,
    title: str | None = None,
) -> Figure:
    """Plot each model's training memory (x) against its error (y), as in the paper's Fig. 1.

    A model named ``ms-X`` is the multi-scale variant of ``X``: when both are present, an arrow
    goes from ``X`` to ``ms-X`` and both share a colour (names compared case-insensitively, with
    ``_`` read as ``-``). Base models are circles, multi-scale variants stars; every point is
    labelled with its name. Memory is shown in the largest binary unit (KiB, MiB, GiB, ...) that
    keeps the biggest value at least 1.

    Args:
        points: model name -> ``(training memory in bytes, error)``.
        memory_method: how memory was measured, printed under the x label (e.g. "bytes saved for
            backward, CPU, batch 4, 64x64").
        error_label: y label, with the error's name and convention (e.g. "MSE per frame").
        title: axis title.

    Returns:
        A 560 x 420 pixel figure; save it with :func:`msrnn.viz.save_png`.

    Raises:
        ValueError: if ``points`` is empty, a memory value is not positive and finite, an error
            is not finite, or ``memory_method`` is empty.
    """
    _check_points(points)
    if not memory_method.strip():
        raise ValueError("memory_method must say how memory was measured, got an empty string")
    divisor, unit = memory_unit(max(memory for memory, _ in points.values()))
    scaled = {name: (memory / divisor, error) for name, (memory, error) in points.items()}
    pairs = _base_to_ms(list(points))
    with fixed_style():
        fig = new_figure(*CHART_SIZE_PX)
        fig.set_layout_engine("constrained")
        ax = fig.add_subplot()
        colors = _colors(list(points), pairs)
        _draw_points(ax, scaled, pairs, colors)
        for base, ms in pairs.items():
            arrow = {"arrowstyle": "-|>", "color": colors[base], "lw": 1.2, "shrinkA": 6}
            ax.annotate("", xy=scaled[ms], xytext=scaled[base], arrowprops={**arrow, "shrinkB": 8})
        ax.margins(x=0.12, y=0.15)
        low, high = ax.get_xlim()
        ax.set_xlim(low, high + _LABEL_ROOM * (high - low))  # room for the names on the right
        ax.set_xlabel(f"training memory ({unit})\n{memory_method}")
        ax.set_ylabel(error_label)
        ax.grid(alpha=0.3)
        if title:
            ax.set_title(title)
    return fig


def _draw_points(
    ax: Axes,
    scaled: dict[str, tuple[float, float]],
    pairs: dict[str, str],
    colors: dict[str, str],
) -> None:
    """Circles for base models, stars for MS variants, each named away from its partner."""
    partners = {**pairs, **{ms: base for base, ms in pairs.items()}}
    for name, (memory, error) in scaled.items():
        star = (entry := find_entry(name)) is not None and entry.multiscale
        size = 90 if star else 45
        ax.scatter(memory, error, s=size, marker="*" if star else "o", zorder=3, color=colors[name])
        partner = scaled[partners[name]] if name in partners else (memory, error - 1.0)
        _label(ax, name, (memory, error), away_from=partner)


def _label(ax: Axes, name: str, xy: tuple[float, float], *, away_from: tuple[float, float]) -> None:
    """Write ``name`` right of ``xy``, above or below it, away from its partner (and the arrow)."""
    up = xy[1] >= away_from[1]
    ax.annotate(
        name,
        xy,
        xytext=(6, 4 if up else -4),
        textcoords="offset points",
        va="bottom" if up else "top",
        fontsize=SMALL_FONT_SIZE,
    )


def _check_points(points: Mapping[str, tuple[float, float]]) -> None:
    if not points:
        raise ValueError("points must hold at least one model, got an empty mapping")
    for name, (memory, error) in points.items():
        if not (math.isfinite(memory) and memory > 0):
            raise ValueError(f"memory of {name!r} must be positive bytes, got {memory}")
        if not math.isfinite(error):
            raise ValueError(f"error of {name!r} must be finite, got {error}")


def memory_unit(largest: float) -> tuple[float, str]:
    """``(bytes per unit, unit name)``: the largest binary unit not exceeding ``largest`` bytes.

    Example:
        >>> memory_unit(3 * 1024**3)
        (1073741824.0, 'GiB')
    """
    power = 0
    while power < len(_UNITS) - 1 and largest >= 1024.0 ** (power + 1):
        power += 1
    return 1024.0**power, _UNITS[power]


def _base_to_ms(names: list[str]) -> dict[str, str]:
    """Base name -> multi-scale name, for each model and its registered MS variant both present
    in ``names`` (names that are not registered models are drawn unpaired)."""
    present = {entry.name: name for name in names if (entry := find_entry(name)) is not None}
    return {
        name: present[ms]
        for canonical, name in present.items()
        if (ms := ms_variant_of(canonical)) in present
    }


def _colors(names: list[str], pairs: dict[str, str]) -> dict[str, str]:
    """One colour per family: ``ms-X`` takes the colour of ``X``."""
    colors: dict[str, str] = {}
    ms_of = {ms: base for base, ms in pairs.items()}
    for name in names:
        if name in ms_of:
            continue
        colors[name] = f"C{len(colors) % 10}"
    for ms, base in ms_of.items():
        colors[ms] = colors[base]
    return colors

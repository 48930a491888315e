"""Metric versus lead time: one axis per metric, one line per run, baselines dashed."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from msrnn.viz._render import fixed_style, new_figure

Curves = Mapping[str, Sequence[float]]
_BASELINE_STYLES = ("--", ":", "-.")
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
_KNOWN_UNITS = {"psnr": "dB"}
PLOT_SIZE_PX = (560, 380)
PANEL_SIZE_PX = (340, 260)
_LEGEND_PX = 40
_MAX_TICKS = 10


def lead_time_plot(
    curves: Curves,
    *,
    metric: str,
    unit: str | None = None,
    frame_interval: str | None = None,
    baselines: Curves | None = None,
    title: str | None = None,
) -> Figure:
    """Plot one metric against lead time for several runs on one axis.

    Lead time ``k = 1 .. n`` is the ``k``-th forecast frame; with ``frame_interval`` (e.g.
    ``"6 min"``) the x axis shows ``k`` times the interval in its unit instead. Runs are solid
    lines with markers; baselines (e.g. persistence) are dashed grey lines.

    Args:
        curves: run label -> metric value per lead time (runs may have different lengths).
        metric: the metric's name, used as y label.
        unit: the metric's unit, shown in the y label; default ``"dB"`` for PSNR, else none.
        frame_interval: time between frames, ``"<number> <unit>"``.
        baselines: baseline label -> value per lead time.
        title: axis title.

    Returns:
        A 560 x 380 pixel figure; save it with :func:`msrnn.viz.save_png`.

    Raises:
        ValueError: if ``curves`` is empty, a curve is not a non-empty 1-D sequence, or
            ``frame_interval`` cannot be parsed.
    """
    lines = _check_curves(curves, "curves")
    reference = _check_curves(baselines or {}, "baselines", allow_empty=True)
    interval = _parse_interval(frame_interval)
    with fixed_style():
        fig = new_figure(*PLOT_SIZE_PX)
        fig.set_layout_engine("constrained")
        ax = fig.add_subplot()
        _draw_axis(ax, lines, reference, metric=metric, unit=unit, interval=interval)
        ax.legend(frameon=False)
        if title:
            ax.set_title(title)
    return fig


def lead_time_grid(
    panels: Mapping[str, Curves],
    *,
    baselines: Mapping[str, Curves] | None = None,
    units: Mapping[str, str] | None = None,
    frame_interval: str | None = None,
    columns: int = 3,
    title: str | None = None,
) -> Figure:
    """Several metrics against lead time in one figure: one panel per metric, one shared legend.

    Args:
        panels: metric name -> (run label -> value per lead time).
        baselines: metric name -> (baseline label -> value per lead time); metrics may be missing.
        units: metric name -> unit; default ``"dB"`` for PSNR, else none.
        frame_interval: time between frames, ``"<number> <unit>"``.
        columns: panels per row.
        title: figure title.

    Returns:
        A figure of ``columns`` x ``rows`` panels of 340 x 260 pixels plus 40 pixels for the
        legend below them (fewer columns when there are fewer metrics).

    Raises:
        ValueError: if ``panels`` is empty, a curve is malformed, ``columns < 1`` or
            ``frame_interval`` cannot be parsed.
    """
    if not panels:
        raise ValueError("panels must hold at least one metric, got an empty mapping")
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"columns must be a positive integer, got {columns!r}")
    checked = {metric: _check_curves(c, f"panels[{metric!r}]") for metric, c in panels.items()}
    baselines = baselines or {}
    interval = _parse_interval(frame_interval)
    ncols = min(columns, len(checked))
    nrows = math.ceil(len(checked) / ncols)
    with fixed_style():
        fig = new_figure(ncols * PANEL_SIZE_PX[0], nrows * PANEL_SIZE_PX[1] + _LEGEND_PX)
        fig.set_layout_engine("constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, (metric, lines) in zip(axes, checked.items(), strict=False):
            reference = _check_curves(
                baselines.get(metric, {}), f"baselines[{metric!r}]", allow_empty=True
            )
            unit = (units or {}).get(metric)
            _draw_axis(ax, lines, reference, metric=metric, unit=unit, interval=interval)
        for ax in axes[len(checked) :]:
            ax.set_axis_off()
        _shared_legend(fig, axes)
        if title:
            fig.suptitle(title)
    return fig


def _check_curves(curves: Curves, name: str, *, allow_empty: bool = False) -> dict[str, np.ndarray]:
    if not curves and not allow_empty:
        raise ValueError(f"{name} must hold at least one run, got an empty mapping")
    checked = {}
    for label, values in curves.items():
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(
                f"{name}[{label!r}] must be a non-empty 1-D sequence (one value per lead time), "
                f"got shape {array.shape}"
            )
        checked[str(label)] = array
    return checked


def _parse_interval(frame_interval: str | None) -> tuple[float, str] | None:
    """``"6 min"`` -> ``(6.0, "min")``."""
    if frame_interval is None:
        return None
    match = _INTERVAL.match(frame_interval)
    if match is None:
        raise ValueError(
            f"frame_interval must be '<number> <unit>' such as '6 min', got {frame_interval!r}"
        )
    return float(match.group(1)), match.group(2)


def _draw_axis(
    ax: Axes,
    lines: dict[str, np.ndarray],
    baselines: dict[str, np.ndarray],
    *,
    metric: str,
    unit: str | None,
    interval: tuple[float, str] | None,
) -> None:
    step = 1.0 if interval is None else interval[0]
    for i, (label, values) in enumerate(lines.items()):
        x = step * np.arange(1, values.size + 1)
        ax.plot(x, values, color=f"C{i % 10}", marker="o", markersize=3, linewidth=1.5, label=label)
    for i, (label, values) in enumerate(baselines.items()):
        x = step * np.arange(1, values.size + 1)
        style = _BASELINE_STYLES[i % len(_BASELINE_STYLES)]
        ax.plot(x, values, color="0.35", linestyle=style, linewidth=1.3, label=label)
    unit = unit if unit is not None else _KNOWN_UNITS.get(metric.split("_")[0].lower())
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    ax.set_xlabel("lead time (frames)" if interval is None else f"lead time ({interval[1]})")
    steps = max(values.size for values in (*lines.values(), *baselines.values()))
    stride = math.ceil(steps / _MAX_TICKS)
    ax.set_xticks(step * np.arange(stride, steps + 1, stride))
    ax.xaxis.set_major_formatter("{x:g}")
    ax.grid(alpha=0.3)


def _shared_legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """One legend below the panels with each label once, in first-seen order."""
    handles = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="outside lower center",
        ncols=min(len(handles), 5),
        frameon=False,
    )

"""Figures and reports: prediction strips, animations, lead-time plots, the memory/error chart.

Everything here renders from arrays and plain dicts, deterministically (the same input gives the
same bytes), with matplotlib's Agg canvas and Pillow; nothing touches pyplot's global state.
"""

from msrnn.viz._render import save_png
from msrnn.viz.animation import truth_vs_prediction_gif
from msrnn.viz.colormap import (
    RAIN_RATE_BOUNDS,
    RAIN_RATE_COLORS,
    grey_to_rgb,
    rain_rate_cmap_norm,
    rain_rate_to_rgb,
)
from msrnn.viz.lead_time import lead_time_grid, lead_time_plot
from msrnn.viz.memory_chart import memory_error_chart
from msrnn.viz.report import lead_time_panels, write_report
from msrnn.viz.strip import prediction_strip

__all__ = [
    "RAIN_RATE_BOUNDS",
    "RAIN_RATE_COLORS",
    "grey_to_rgb",
    "lead_time_grid",
    "lead_time_panels",
    "lead_time_plot",
    "memory_error_chart",
    "prediction_strip",
    "rain_rate_cmap_norm",
    "rain_rate_to_rgb",
    "save_png",
    "truth_vs_prediction_gif",
    "write_report",
]

"""Metric-versus-lead-time figures: sizes, axes, baselines, shared legend, determinism, checks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from msrnn.viz import lead_time_grid, lead_time_plot, save_png
from msrnn.viz._render import png_bytes, render

LEAD = np.arange(1, 11)
CURVES = {"convlstm": 60 + 8 * LEAD, "ms-convlstm": 55 + 7 * LEAD}
PERSISTENCE = {"persistence": 90 + 15 * LEAD}


def test_plot_is_written_at_its_size_and_deterministic(tmp_path):
    fig = lead_time_plot(CURVES, metric="mse_frame_sum", baselines=PERSISTENCE)
    path = save_png(fig, tmp_path / "lead.png")
    with Image.open(path) as image:
        assert image.size == (560, 380)
    again = lead_time_plot(CURVES, metric="mse_frame_sum", baselines=PERSISTENCE)
    assert png_bytes(render(again)) == path.read_bytes()


def test_axes_labels_runs_and_dashed_baseline():
    fig = lead_time_plot(CURVES, metric="psnr", baselines=PERSISTENCE, frame_interval="6 min")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "lead time (min)"
    assert ax.get_ylabel() == "psnr (dB)"
    assert list(ax.get_xticks()) == list(6.0 * LEAD)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"convlstm", "ms-convlstm", "persistence"}
    assert lines["persistence"].get_linestyle() == "--"
    assert lines["convlstm"].get_linestyle() == "-"
    assert list(lines["ms-convlstm"].get_ydata()) == list(CURVES["ms-convlstm"])
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["convlstm", "ms-convlstm", "persistence"]


def test_frames_axis_and_explicit_unit():
    fig = lead_time_plot({"a": [0.5, 0.4, 0.3]}, metric="csi_0.5", unit="-")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "lead time (frames)"
    assert ax.get_ylabel() == "csi_0.5 (-)"
    assert list(ax.get_xticks()) == [1.0, 2.0, 3.0]


def test_grid_panels_and_shared_legend(tmp_path):
    panels = {
        "mse": CURVES,
        "mae": CURVES,
        "ssim": {"convlstm": [0.9, 0.8]},
        "psnr": CURVES,
        "csi_20": CURVES,
    }
    fig = lead_time_grid(panels, baselines={"mse": PERSISTENCE}, units={"mse": "px²"})
    path = save_png(fig, tmp_path / "grid.png")
    with Image.open(path) as image:
        assert image.size == (3 * 340, 2 * 260 + 40)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_ylabel() for ax in visible] == [
        "mse (px²)",
        "mae",
        "ssim",
        "psnr (dB)",
        "csi_20",
    ]
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["convlstm", "ms-convlstm", "persistence"]


def test_grid_with_few_metrics_uses_few_columns():
    fig = lead_time_grid({"mse": CURVES, "mae": CURVES}, columns=3)
    assert render(fig).size == (2 * 340, 260 + 40)


@pytest.mark.parametrize(
    ("curves", "kwargs", "match"),
    [
        ({}, {}, "at least one run"),
        ({"a": [[1.0, 2.0]]}, {}, "non-empty 1-D sequence"),
        ({"a": []}, {}, "non-empty 1-D sequence"),
        (CURVES, {"baselines": {"p": [[1.0]]}}, r"baselines\['p'\]"),
        (CURVES, {"frame_interval": "six minutes"}, "'<number> <unit>'"),
    ],
)
def test_plot_rejects_bad_input(curves, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lead_time_plot(curves, metric="mse", **kwargs)


def test_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one metric"):
        lead_time_grid({})
    with pytest.raises(ValueError, match="columns must be a positive integer"):
        lead_time_grid({"mse": CURVES}, columns=0)
    with pytest.raises(ValueError, match=r"panels\['mse'\]"):
        lead_time_grid({"mse": {}})

"""The memory/error chart (paper Fig. 1): points, X -> MS-X arrows, units, labels, checks."""

from __future__ import annotations

import math

import pytest
from matplotlib.text import Annotation
from PIL import Image

from msrnn.viz import memory_error_chart, save_png
from msrnn.viz._render import png_bytes, render
from msrnn.viz.memory_chart import memory_unit

GIB = 1024**3
POINTS = {
    "convlstm": (5.5 * GIB, 82.0),
    "MS_ConvLSTM": (2.9 * GIB, 61.2),
    "predrnn++": (15.2 * GIB, 61.3),
    "ms-predrnn++": (7.6 * GIB, 56.1),
    "mim": (16.0 * GIB, 60.0),
    "ms-motionrnn": (10.5 * GIB, 51.6),
}
METHOD = "CUDA peak, batch 16, 64x64"


def chart():
    return memory_error_chart(POINTS, memory_method=METHOD, error_label="MSE per frame")


def test_written_at_its_size_and_deterministic(tmp_path):
    path = save_png(chart(), tmp_path / "memory.png")
    with Image.open(path) as image:
        assert image.size == (560, 420)
    assert png_bytes(render(chart())) == path.read_bytes()


def test_arrows_go_from_each_base_model_to_its_ms_variant():
    (ax,) = chart().axes
    annotations = [c for c in ax.get_children() if isinstance(c, Annotation)]
    arrows = {(a.xyann, a.xy) for a in annotations if a.arrow_patch is not None}
    gib = {name: (memory / GIB, error) for name, (memory, error) in POINTS.items()}
    assert arrows == {
        (gib["convlstm"], gib["MS_ConvLSTM"]),
        (gib["predrnn++"], gib["ms-predrnn++"]),
    }  # no arrow for mim (no MS variant) nor ms-motionrnn (no base)
    names = {a.get_text() for a in annotations if a.arrow_patch is None}
    assert names == set(POINTS)


def test_axis_labels_say_unit_and_method():
    (ax,) = chart().axes
    assert ax.get_xlabel() == f"training memory (GiB)\n{METHOD}"
    assert ax.get_ylabel() == "MSE per frame"


@pytest.mark.parametrize(
    ("nbytes", "expected"),
    [
        (512, (1.0, "B")),
        (1024, (1024.0, "KiB")),
        (1024**2 * 3, (1024.0**2, "MiB")),
        (GIB, (GIB, "GiB")),
    ],
)
def test_memory_unit(nbytes, expected):
    assert memory_unit(nbytes) == expected


@pytest.mark.parametrize(
    ("points", "method", "match"),
    [
        ({}, METHOD, "at least one model"),
        ({"a": (0.0, 1.0)}, METHOD, "memory of 'a' must be positive"),
        ({"a": (1.0, math.nan)}, METHOD, "error of 'a' must be finite"),
        ({"a": (1.0, 1.0)}, "  ", "how memory was measured"),
    ],
)
def test_bad_input_rejected(points, method, match):
    with pytest.raises(ValueError, match=match):
        memory_error_chart(points, memory_method=method, error_label="MSE")

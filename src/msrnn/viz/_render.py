"""Shared rendering machinery: figures without pyplot, a fixed style, PNG bytes without metadata.

Figures are ``matplotlib.figure.Figure`` objects drawn by an Agg canvas attached to each figure,
so no pyplot state or interactive backend is involved. Drawing happens inside a style context that
starts from matplotlib's defaults, so a user's ``matplotlibrc`` cannot change the output: the
same arrays always give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from msrnn.atomic import write_bytes_atomically

FONT_SIZE = 9.0
SMALL_FONT_SIZE = 8.0
_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": SMALL_FONT_SIZE,
    "ytick.labelsize": SMALL_FONT_SIZE,
    "legend.fontsize": SMALL_FONT_SIZE,
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@contextmanager
def fixed_style() -> Iterator[None]:
    """matplotlib's default style plus the package's fonts, restored on exit."""
    with matplotlib.style.context(["default", _STYLE]):
        yield


def new_figure(width_px: int, height_px: int, *, dpi: int = 100) -> Figure:
    """A white figure of exactly ``width_px`` x ``height_px`` pixels with its own Agg canvas."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def render(fig: Figure) -> Image.Image:
    """Draw ``fig`` with the fixed style and return it as an RGB image."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with fixed_style():
        canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return Image.fromarray(np.ascontiguousarray(rgba[..., :3]), mode="RGB")


def png_bytes(image: Image.Image) -> bytes:
    """PNG encoding of ``image`` without metadata (deterministic)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_new(path: str | Path, data: bytes, *, overwrite: bool) -> Path:
    """Write ``data`` to ``path`` whole or not at all (:mod:`msrnn.atomic`); an existing file
    is replaced only when ``overwrite`` is true.

    Raises:
        FileExistsError: if ``path`` exists and ``overwrite`` is false.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder {path.parent} does not exist; create it first")
    try:
        write_bytes_atomically(path, data, overwrite=overwrite)
    except FileExistsError:
        raise FileExistsError(
            f"{path} already exists; pass overwrite=True to replace it or choose another path"
        ) from None
    return path


def save_png(image: Image.Image | Figure, path: str | Path, *, overwrite: bool = False) -> Path:
    """Save an image (or a figure, rendered first) as a PNG file without metadata.

    Args:
        image: a PIL image, or a matplotlib figure made by :mod:`msrnn.viz`.
        path: destination file; its folder must exist.
        overwrite: replace an existing file instead of refusing.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        FileExistsError: if ``path`` exists and ``overwrite`` is false.
        TypeError: if ``image`` is neither a PIL image nor a matplotlib figure.
    """
    if isinstance(image, Figure):
        image = render(image)
    if not isinstance(image, Image.Image):
        raise TypeError(
            f"image must be a PIL.Image.Image or a matplotlib Figure, got {type(image).__name__}"
        )
    return write_new(path, png_bytes(image), overwrite=overwrite)

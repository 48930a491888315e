"""Animated GIFs: ground truth beside prediction, one GIF frame per lead time."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from msrnn.viz import _frames
from msrnn.viz._frames import RainRate
from msrnn.viz._render import write_new

_PAD, _GAP, _LINE_H, _FONT_PX = 6, 6, 16, 11


def truth_vs_prediction_gif(
    truth: np.ndarray | None,
    prediction: np.ndarray,
    path: str | Path,
    *,
    fps: float = 2.0,
    rain_rate: RainRate | None = None,
    title: str | None = None,
    scale: int | None = None,
    stride: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Write an endlessly looping GIF of the ground truth beside the prediction.

    Each GIF frame shows one lead time ``t+k``: a header line with ``title`` and ``t+k``, then
    the panels "ground truth" and "prediction" with their frames, coloured as in
    :func:`~msrnn.viz.strip.prediction_strip` (rain-rate palette with ``rain_rate``, else grey
    or RGB). All frames share one palette, exact when the frames use at most 256 colours (grey
    and radar data) and a median-cut quantisation otherwise, so the bytes depend only on the
    arguments.

    Args:
        truth: ``(T, C, H, W)`` or ``(T, H, W)`` in [0, 1], or None for a prediction-only GIF.
        prediction: same shape as ``truth``.
        path: the ``.gif`` file to write; its folder must exist.
        fps: frames per second (GIF stores durations in 10 ms steps).
        rain_rate: pixel -> mm/h conversion for radar data (``C = 1``).
        title: text in the header line.
        scale: integer magnification; by default frames become at least 128 pixels wide.
        stride: draw every ``stride``-th pixel along H and W; by default the smallest that keeps
            frames at most 256 pixels wide.
        overwrite: replace an existing file instead of refusing.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: on bad shapes, different frame counts, NaN/inf, ``fps <= 0``, or ``scale``
            or ``stride`` not a positive integer.
        FileExistsError: if ``path`` exists and ``overwrite`` is false.

    Shape:
        - truth, prediction: :math:`(T, C, H, W)` or :math:`(T, H, W)`, :math:`C \\in \\{1, 3\\}`
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    seqs = _frames.prepare(
        {"truth": truth, "prediction": prediction}, rain_rate, same_length=("truth", "prediction")
    )
    factors = _frames.display_factors(scale, stride, seqs["prediction"].shape[1:3], min_px=128)
    panels = {
        name: _frames.magnify(_frames.value_tiles(frames, rain=rain_rate is not None), *factors)
        for name, frames in (("ground truth", seqs["truth"]), ("prediction", seqs["prediction"]))
        if frames is not None
    }
    frames = _compose(panels, title)
    return write_new(path, _encode(frames, fps), overwrite=overwrite)


def _font() -> ImageFont.FreeTypeFont:
    """matplotlib's bundled DejaVu Sans, so the GIFs match the PNG figures on every machine."""
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(ttf), _FONT_PX)


def _compose(panels: dict[str, np.ndarray], title: str | None) -> list[np.ndarray]:
    """One ``uint8 (H, W, 3)`` picture per lead time: header line, panel names, tiles."""
    font = _font()
    count, tile_h, tile_w = next(iter(panels.values())).shape[:3]
    width = 2 * _PAD + len(panels) * tile_w + (len(panels) - 1) * _GAP
    top = _PAD + 2 * _LINE_H
    pictures = []
    for t in range(count):
        canvas = Image.new("RGB", (width, top + tile_h + _PAD), "white")
        draw = ImageDraw.Draw(canvas)
        header = f"{title}   t+{t + 1}" if title else f"t+{t + 1}"
        draw.text((_PAD, _PAD), header, fill="black", font=font)
        for i, (name, tiles) in enumerate(panels.items()):
            x = _PAD + i * (tile_w + _GAP)
            draw.text((x + tile_w / 2, top - 2), name, fill="black", font=font, anchor="ms")
            canvas.paste(Image.fromarray(tiles[t]), (x, top))
        pictures.append(np.asarray(canvas))
    return pictures


def _encode(pictures: list[np.ndarray], fps: float) -> bytes:
    """GIF bytes of RGB pictures under one shared palette, looping forever."""
    frames = _shared_palette(pictures)
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=max(10, round(1000.0 / fps)),
        loop=0,
    )
    return buffer.getvalue()


def _shared_palette(pictures: list[np.ndarray]) -> list[Image.Image]:
    """Palette images: the exact colours when there are at most 256, else a median cut."""
    stacked = np.concatenate(pictures, axis=0)
    packed = (stacked.astype(np.uint32) << np.array([16, 8, 0], dtype=np.uint32)).sum(axis=-1)
    codes, index = np.unique(packed, return_inverse=True)
    if len(codes) > 256:
        reference = Image.fromarray(stacked).quantize(256, method=Image.Quantize.MEDIANCUT)
        return [
            Image.fromarray(p).quantize(palette=reference, dither=Image.Dither.NONE)
            for p in pictures
        ]
    palette = ((codes[:, None] >> np.array([16, 8, 0], dtype=np.uint32)) & 255).ravel().tolist()
    frames = []
    for chunk in np.split(index.reshape(stacked.shape[:2]).astype(np.uint8), len(pictures)):
        frame = Image.fromarray(chunk)  # mode "L"; putpalette turns it into "P"
        frame.putpalette(palette)
        frames.append(frame)
    return frames

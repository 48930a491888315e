"""Fixture writers for KTH: frame folders in both PNG layouts and sequence-list files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tests.data.fixtures import write_png_frames


def frame_value(number: int, offset: int = 0) -> int:
    """Grey level of frame ``number`` (1-based) of a fixture clip: the order can be read back."""
    return (offset + 5 * number) % 256


def write_kth_clip(
    root: Path,
    name: str,
    num_frames: int,
    *,
    layout: str = "msrnn",
    size: tuple[int, int] = (16, 16),
    offset: int = 0,
) -> Path:
    """``num_frames`` 3-channel grey frames of clip ``name`` (``personPP_<action>_dS``).

    ``layout="msrnn"``: ``root/<action>/<name>/1.png, 2.png, …``; ``layout="predrnn"``:
    ``root/<action>/<name>_uncomp/image_0001.png, …``. Frame ``n`` is the constant
    :func:`frame_value` ``(n, offset)``; ``size`` is ``(H, W)``.
    """
    action = name.split("_")[1]
    values = np.array([frame_value(n, offset) for n in range(1, num_frames + 1)], dtype=np.uint8)
    frames = np.broadcast_to(values[:, None, None, None], (num_frames, *size, 3)).copy()
    if layout == "msrnn":
        folder, names = root / action / name, None
    else:
        folder = root / action / f"{name}_uncomp"
        names = [f"image_{n:04d}.png" for n in range(1, num_frames + 1)]
    write_png_frames(folder, frames, names)
    return folder


def write_kth_list(path: Path, entries: Sequence[tuple[str, int, int]]) -> Path:
    """An MCnet-style list ``personPP_<action>_dS <first> <last>``; the first line ends in a
    space and the file has no final newline, as the real lists (both pin the parser)."""
    lines = [f"{name} {first} {last}" for name, first, last in entries]
    lines[0] += " "
    path.write_text("\n".join(lines))
    return path


def write_sequences_txt(path: Path, entries: dict[str, Sequence[tuple[int, int]]]) -> Path:
    """The release's ``00sequences.txt``: free-text header, then tab-separated lines
    ``personPP_<action>_dS\\t\\tframes\\t1-95, 96-185`` with blank lines in between."""
    header = ["KTH sequences", "", "Each line: sequence name, then the frame ranges.", ""]
    lines = [
        f"{name}\t\tframes\t{', '.join(f'{a}-{b}' for a, b in spans)}\n"
        for name, spans in entries.items()
    ]
    path.write_text("\n".join(header) + "\n" + "\n".join(lines))
    return path

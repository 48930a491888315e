"""Converting KTH's ``.avi`` videos once into the PNG frame folders that :class:`msrnn.data.KTH`
reads without OpenCV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from msrnn.data.kth.files import ACTIONS, find_clips
from msrnn.data.kth.video import decode_frames


def extract_kth_frames(
    avi_root: str | Path, png_root: str | Path, *, actions: Sequence[str] = ACTIONS
) -> int:
    """Write every video under ``avi_root`` as ``png_root/<action>/<clip>/1.png, 2.png, …``.

    Frames keep their native size (160x120) and the first colour channel; the result is the
    MS-RNN PNG layout that :class:`msrnn.data.KTH` reads. Existing clip folders are refused,
    never overwritten.

    Returns:
        The number of clips written.

    Raises:
        ImportError: OpenCV is not installed.
        FileExistsError: a clip folder exists already in ``png_root``.
    """
    from PIL import Image

    clips = find_clips(avi_root, persons=range(1, 100), actions=actions)
    videos = [clip for clip in clips if clip.frames is None]
    for clip in videos:
        folder = Path(png_root) / clip.action / clip.name
        if folder.exists():
            raise FileExistsError(f"{folder} exists; remove it or choose another png_root")
        folder.mkdir(parents=True)
        for number, frame in enumerate(decode_frames(clip.path), start=1):
            Image.fromarray(frame).save(folder / f"{number}.png")
    return len(videos)

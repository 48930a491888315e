"""KTH's raw ``.avi`` videos, decoded with OpenCV (optional: ``opencv-python-headless``).

The release's videos are 160x120, 25 fps, grey content stored as three equal colour channels; the
first channel is kept (as the official MS-RNN preprocessing). Decoding is sequential (seeking is
not reliable for every codec), so reading a late window decodes the frames before it: for
training, convert the videos once with :func:`extract_kth_frames` and read the PNG frames.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from msrnn.data._kth_files import ACTIONS, find_clips

INSTALL_HINT = (
    "reading KTH .avi videos needs OpenCV: pip install opencv-python-headless, or convert the "
    "videos to PNG frames <root>/<action>/personPP_<action>_dS/<n>.png with any other tool"
)


def _cv2() -> Any:
    if importlib.util.find_spec("cv2") is None:
        raise ImportError(INSTALL_HINT)
    import cv2

    return cv2


def _open(path: Path) -> Any:
    cv2 = _cv2()
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ValueError(f"{path}: OpenCV cannot open this video (corrupt file or no FFmpeg)")
    return capture


def _gray(frame: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(frame[..., 0] if frame.ndim == 3 else frame, dtype=np.uint8)


def _decode(path: Path) -> Iterator[np.ndarray]:
    capture = _open(path)
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield _gray(frame)
    finally:
        capture.release()


def avi_frame_count(path: Path) -> int:
    """Frames of a video according to its header.

    Raises:
        ImportError: OpenCV is not installed.
        ValueError: the video cannot be opened or its header has no frame count.
    """
    cv2 = _cv2()
    capture = _open(path)
    try:
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()
    if count < 1:
        raise ValueError(f"{path}: the video header gives no frame count; convert it to PNG frames")
    return count


def read_avi(path: Path, start: int, stop: int) -> np.ndarray:
    """Frames ``start … stop-1`` (0-based) of a video, ``(stop - start, H, W)`` uint8.

    Raises:
        ValueError: the video ends before ``stop``.
    """
    frames = []
    for index, frame in enumerate(_decode(path)):
        if index >= start:
            frames.append(frame)
        if index + 1 == stop:
            return np.stack(frames)
    raise ValueError(
        f"{path} ended before frame {stop} although its header counts more frames; convert the "
        "videos with msrnn.data.kth.extract_kth_frames and read the PNG frames"
    )


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
        for number, frame in enumerate(_decode(clip.path), start=1):
            Image.fromarray(frame).save(folder / f"{number}.png")
    return len(videos)

"""KTH's raw ``.avi`` videos, decoded with OpenCV (optional: ``opencv-python-headless``).

The release's videos are 160x120, 25 fps, grey content stored as three equal colour channels; the
first channel is kept (as the official MS-RNN preprocessing). Decoding is sequential (seeking is
not reliable for every codec), so reading a late window decodes the frames before it: for
training, convert the videos once with :func:`msrnn.data.kth.extract_kth_frames` and read the
PNG frames.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

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


def decode_frames(path: Path) -> Iterator[np.ndarray]:
    """The grey frames of a video, in order."""
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
    for index, frame in enumerate(decode_frames(path)):
        if index >= start:
            frames.append(frame)
        if index + 1 == stop:
            return np.stack(frames)
    raise ValueError(
        f"{path} ended before frame {stop} although its header counts more frames; convert the "
        "videos with msrnn.data.kth.extract_kth_frames and read the PNG frames"
    )

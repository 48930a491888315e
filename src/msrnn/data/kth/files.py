"""Finding KTH clips on disk (see :mod:`msrnn.data.kth`).

A clip is one recording ``personPP_<action>_dS`` (person ``PP`` = 01…25, scenario ``S`` = 1…4).
It is found as

* a raw video ``personPP_<action>_dS_uncomp.avi``, directly in ``root`` (the release's zips
  unpacked flat) or in ``root/<action>/`` (the official MS-RNN layout);
* a frame folder ``root/<action>/personPP_<action>_dS/`` of ``1.png, 2.png, …`` (MS-RNN,
  1-based, no zero padding);
* a frame folder ``root/<action>/personPP_<action>_dS_uncomp/`` of ``image_0001.png, …``
  (PredRNN / OpenSTL; ``.jpg`` accepted).

Clips directly in ``root`` (without the action folder) are found too.

Frames are numbered from 1 without gaps; sequence lists (:mod:`.sequence_lists`) refer to these
numbers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from msrnn.data.kth.video import avi_frame_count

ACTIONS = ("boxing", "handclapping", "handwaving", "jogging", "running", "walking")
LAYOUTS = (
    "<root>/[<action>/]personPP_<action>_dS_uncomp.avi, "
    "<root>/[<action>/]personPP_<action>_dS/<n>.png or "
    "<root>/[<action>/]personPP_<action>_dS_uncomp/image_<nnnn>.png"
)

_CLIP = re.compile(r"^person(\d{2})_([a-z]+)_d(\d)$")
_FRAME = re.compile(r"^(?:image_)?(\d+)\.(?:png|jpe?g)$", re.IGNORECASE)


@dataclass(frozen=True)
class KTHClip:
    """One recording on disk.

    Attributes:
        name: ``personPP_<action>_dS``.
        person: ``PP``.
        action: one of :data:`ACTIONS`.
        path: the ``.avi`` file or the frame folder.
        frames: the frame files in order (frame ``n`` is ``frames[n - 1]``); ``None`` for a video.
        num_frames: frames in the clip (for a video: the count in its header).
    """

    name: str
    person: int
    action: str
    path: Path
    frames: tuple[Path, ...] | None
    num_frames: int


def parse_clip_name(name: str) -> tuple[int, str, int] | None:
    """``(person, action, scenario)`` of ``personPP_<action>_dS``, or ``None`` if not a KTH name.

    Example:
        >>> parse_clip_name("person07_running_d3"), parse_clip_name("person07_diving_d3")
        ((7, 'running', 3), None)
    """
    match = _CLIP.match(name)
    if match is None or match[2] not in ACTIONS:
        return None
    return int(match[1]), match[2], int(match[3])


def find_clips(
    root: str | Path, *, persons: Collection[int], actions: Sequence[str]
) -> list[KTHClip]:
    """The clips of ``persons`` and ``actions`` under ``root``, sorted by person, action, scenario.

    Raises:
        FileNotFoundError: ``root`` is not a folder, or no clip matches.
        ValueError: a clip found twice, or a frame folder without frames or with a gap.
        ImportError: a clip is a video and OpenCV is not installed.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"KTH folder not found: {root}; expected {LAYOUTS}")
    found: dict[str, KTHClip] = {}
    for folder in (root, *(root / action for action in actions)):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            clip = _clip_at(entry, persons, actions)
            if clip is None:
                continue
            if clip.name in found:
                raise ValueError(
                    f"KTH clip {clip.name} found twice, {found[clip.name].path} and {entry}; "
                    "keep one copy (one layout) per clip"
                )
            found[clip.name] = clip
    if not found:
        raise FileNotFoundError(
            f"no KTH clip of persons {sorted(persons)} and actions {list(actions)} under {root}; "
            f"expected {LAYOUTS}"
        )
    return sorted(found.values(), key=lambda c: (c.person, ACTIONS.index(c.action), c.name))


def _clip_at(entry: Path, persons: Collection[int], actions: Sequence[str]) -> KTHClip | None:
    is_video = entry.is_file() and entry.suffix.lower() == ".avi"
    if not (is_video or entry.is_dir()):
        return None
    name = entry.stem if is_video else entry.name
    name = name.removesuffix("_uncomp")
    parsed = parse_clip_name(name)
    if parsed is None or parsed[0] not in persons or parsed[1] not in actions:
        return None
    if is_video:
        return KTHClip(name, parsed[0], parsed[1], entry, None, avi_frame_count(entry))
    frames = frame_files(entry)
    return KTHClip(name, parsed[0], parsed[1], entry, frames, len(frames))


def frame_files(folder: Path) -> tuple[Path, ...]:
    """The frames ``1..N`` of a clip folder (``<n>.png`` or ``image_<nnnn>.png``), in order.

    Raises:
        ValueError: no frame files, a number used twice, or a missing number.
    """
    numbered: dict[int, Path] = {}
    for path in folder.iterdir():
        match = _FRAME.match(path.name)
        if match is None:
            continue
        number = int(match[1])
        if number in numbered:
            raise ValueError(
                f"{folder}: frame {number} exists twice ({numbered[number].name}, {path.name})"
            )
        numbered[number] = path
    if not numbered:
        raise ValueError(f"{folder}: no frames named <n>.png or image_<nnnn>.png")
    missing = sorted(set(range(1, len(numbered) + 1)) - set(numbered))
    if missing:
        raise ValueError(
            f"{folder}: frame {missing[0]} is missing; frames must be numbered 1..N without gaps"
        )
    return tuple(numbered[n] for n in range(1, len(numbered) + 1))

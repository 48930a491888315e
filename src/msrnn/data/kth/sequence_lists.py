"""KTH sequence lists: the sub-sequences ``personPP_<action>_dS <first> <last>`` of the MCnet /
MS-RNN ``*_data_list*.txt`` files and of the release's ``00sequences.txt``."""

from __future__ import annotations

import re
from pathlib import Path

from msrnn.data.kth.files import ACTIONS, parse_clip_name

_LIST_LINE = re.compile(r"^(\S+?)(?:_uncomp)?\s+(\d+)\s+(\d+)$")
_SEQUENCES_LINE = re.compile(r"^(\S+)\s+frames\s+(.*)$")
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")


def read_sequence_list(path: str | Path) -> list[tuple[str, int, int]]:
    """The sub-sequences ``(clip name, first, last)`` (1-based, inclusive) listed in ``path``.

    Two formats are read: MCnet/MS-RNN lists, one line ``personPP_<action>_dS <first> <last>``
    per sub-sequence (trailing spaces and a missing final newline are fine), and the release's
    ``00sequences.txt``, ``personPP_<action>_dS  frames  1-95, 96-185, …`` (lines that do not
    start with ``person``, such as its header, are skipped).

    Raises:
        FileNotFoundError: ``path`` is not a file.
        ValueError: a ``person…`` line that cannot be parsed, an unknown action, ``last < first``
            or ``first < 1``, or no entry at all.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"KTH sequence list not found: {path}; expected a text file of lines "
            "'personPP_<action>_dS <first> <last>' (or the release's 00sequences.txt)"
        )
    entries = []
    for number, raw in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        line = raw.strip()
        if line.lower().startswith("person"):
            entries.extend(_parse_line(line, f"{path}:{number}"))
    if not entries:
        raise ValueError(f"{path} lists no sub-sequence 'personPP_<action>_dS <first> <last>'")
    return entries


def _parse_line(line: str, where: str) -> list[tuple[str, int, int]]:
    match = _LIST_LINE.match(line)
    if match is not None:
        name, spans = match[1], [(match[2], match[3])]
    elif (match := _SEQUENCES_LINE.match(line)) is not None:
        name, spans = match[1], _RANGE.findall(match[2])
    else:
        name, spans = line, []
    if not spans or parse_clip_name(name) is None:
        raise ValueError(
            f"{where}: cannot read {line!r}; expected 'personPP_<action>_dS <first> <last>' with "
            f"an action of {ACTIONS}"
        )
    entries = [(name, int(first), int(last)) for first, last in spans]
    for _, first, last in entries:
        if not 1 <= first <= last:
            raise ValueError(f"{where}: frame range {first}-{last} must satisfy 1 <= first <= last")
    return entries

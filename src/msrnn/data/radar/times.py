"""Frame times of the radar archives: seconds since 1970-01-01 (naive datetimes read as UTC),
parsed from strings and from the timestamps in frame file names."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_STEM_FORMATS = (
    (re.compile(r"RAD(\d{12})"), "%y%m%d%H%M%S"),  # HKO-7: RADyymmddHHMMSS
    (re.compile(r"\d{14}"), "%Y%m%d%H%M%S"),
    (re.compile(r"\d{12}"), "%Y%m%d%H%M"),  # MS-RNN's integer stems, e.g. 201501010006
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"), "%Y-%m-%d %H:%M:%S"),  # MeteoNet
)


def epoch_seconds(moment: datetime) -> int:
    """Seconds since 1970-01-01 of a naive datetime read as UTC."""
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def to_datetime(seconds: int) -> datetime:
    """Inverse of :func:`epoch_seconds` (naive)."""
    return datetime.fromtimestamp(int(seconds), timezone.utc).replace(tzinfo=None)


def parse_time(text: str, fmt: str) -> int | None:
    """:func:`epoch_seconds` of ``text`` in ``strptime`` format ``fmt``, ``None`` if it fails."""
    try:
        return epoch_seconds(datetime.strptime(text, fmt))
    except ValueError:
        return None


def stem_time(stem: str) -> int | None:
    """Seconds since 1970 of a timestamped frame name, ``None`` if the name has no timestamp.

    Example:
        >>> stem_time("RAD150101000600") == stem_time("201501010006") == 1420070760
        True
    """
    for pattern, fmt in _STEM_FORMATS:
        match = pattern.fullmatch(stem)
        if match:
            return parse_time(match.group(match.lastindex or 0), fmt)
    return None

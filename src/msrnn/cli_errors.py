"""How the ``msrnn`` command reports a failure: one line that names the problem and the fix.

Errors of the user's making (bad arguments, files, checkpoints, a busy run folder) print as
``msrnn: error: <message>`` and exit with status 2; anything else prints one line naming the
exception and exits with status 1. Setting ``MSRNN_DEBUG=1`` shows the full traceback instead.
Messages are phrased for the command line: an :class:`~msrnn.errors.ArgumentError` names its
flag (``--data.predict_value_range``), and jsonargparse's report of a class that refused its
arguments ("Does not validate against any of the Union subtypes", a list of errors, then a dump
of the arguments) is reduced to the refusal itself.
"""

from __future__ import annotations

import os
import re

from msrnn.errors import ArgumentError

DEBUG_VARIABLE = "MSRNN_DEBUG"
USAGE_STATUS = 2
FAILURE_STATUS = 1
#: Exceptions that are the user's to fix (plus Lightning's MisconfigurationException by name).
USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, IsADirectoryError,
               PermissionError, NotADirectoryError)  # fmt: skip
_UNION = "Does not validate against any of the Union subtypes"


def debugging() -> bool:
    """Whether ``MSRNN_DEBUG`` asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def one_line(error: BaseException) -> tuple[str, int]:
    """The line ``msrnn`` prints for ``error`` (without the ``msrnn: error:`` prefix) and the
    exit status."""
    if isinstance(error, ArgumentError):
        return error.phrased(), USAGE_STATUS
    text = str(error)
    if "Original Traceback" in text:  # re-raised from a DataLoader worker: its last line is it
        last = [line for line in text.splitlines() if line.strip()][-1]
        text = last.split(": ", 1)[1] if re.match(r"\w+(Error|Exception): ", last) else last
    if _UNION in text:
        return _refusal(text), USAGE_STATUS
    if isinstance(error, MemoryError) or "not enough memory" in text or "out of memory" in text:
        return (
            f"out of memory ({_joined(text)}): use a smaller --data.batch_size or frame, "
            "--model.model_kwargs '{patch_size: 4}' or '{recompute: true}'; msrnn profile "
            "--max-size --budget <bytes> finds the largest frame that fits",
            USAGE_STATUS,
        )
    if _is_misconfiguration(error):  # Lightning's Trainer names its arguments in backticks
        return re.sub(r"`([a-z_]+)`", r"--trainer.\1", _joined(text)), USAGE_STATUS
    if isinstance(error, USER_ERRORS) or _is_parse_error(error):
        return _joined(text), USAGE_STATUS
    hint = f" (set {DEBUG_VARIABLE}=1 for the traceback)"
    return f"{type(error).__name__}: {_joined(text)}{hint}", FAILURE_STATUS


def _joined(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines) or "failed without a message"


def _refusal(text: str) -> str:
    """The first real error of a jsonargparse union report, with its argument as a flag."""
    errors = [line.strip()[2:] for line in text.splitlines() if line.strip().startswith("- ")]
    errors = [e for e in errors if not e.startswith("Expected a <class 'NoneType'>")] or errors
    first = errors[0] if errors else _joined(text.split("Given value")[0])
    group = _group(text)
    if group:  # a hint phrased for Python ("pass value_range=(lo, hi)") names the group's flag
        first = re.sub(r"\b(pass|with|set) ([a-z_]+)= ?", rf"\1 --{group}.\2 ", first)
    named = re.match(r"([a-z_][a-z0-9_]*) ", first)
    if group and named and f"{named.group(1)}=" in text:
        return f"--{group}.{first}"
    return f"--{group}: {first}" if group else first


def _group(text: str) -> str | None:
    match = re.search(r"Parser key \"?(\w+)\"?", text)
    if match:
        return match.group(1)
    if "DataModule" in text:
        return "data"
    if "ForecastSystem" in text:
        return "model"
    return None


def _is_misconfiguration(error: BaseException) -> bool:
    return type(error).__name__ == "MisconfigurationException"


def _is_parse_error(error: BaseException) -> bool:
    return type(error).__name__ == "ArgumentError"

"""Files written whole or not at all: a temporary file in the target's own folder, flushed to
disk, then renamed over the target (a rename within one file system is atomic), so a reader
sees either the previous file or the new one, never a part."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(
    path: str | Path, write: Callable[[Path], object], *, overwrite: bool = True
) -> Path:
    """Call ``write(temporary)`` on a file beside ``path``, then make it ``path``.

    The temporary file is ``.<name>.partial`` in the same folder (created if missing), synced to
    disk before it becomes ``path`` and removed if ``write`` fails; the result is readable by all.
    With ``overwrite=False`` an existing ``path`` is never replaced, not even by a writer that
    races this one (the file is hard-linked into place, which fails if the name is taken).

    Raises:
        FileExistsError: ``overwrite`` is false and ``path`` exists.

    Returns ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        write(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        temporary.chmod(0o644)
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # make the rename itself durable
    finally:
        os.close(folder)
    return path


def write_text_atomically(path: str | Path, text: str, *, overwrite: bool = True) -> Path:
    """:func:`write_atomically` for a text file (UTF-8)."""
    return write_atomically(
        path, lambda temporary: temporary.write_text(text, encoding="utf-8"), overwrite=overwrite
    )


def write_bytes_atomically(path: str | Path, data: bytes, *, overwrite: bool = True) -> Path:
    """:func:`write_atomically` for bytes."""
    return write_atomically(
        path, lambda temporary: temporary.write_bytes(data), overwrite=overwrite
    )

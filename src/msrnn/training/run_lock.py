"""One ``msrnn fit`` per run folder at a time.

``fit`` holds an exclusive lock on ``<run>/.msrnn-fit.lock`` (``fcntl.flock``) from before it
looks at the folder until it ends, and writes who holds it into the file. A second ``fit`` into
the same folder is refused with the holder's process, host and start time, instead of mixing
its checkpoints with the first's. The operating system drops the lock when the holder exits,
however it exits (kill -9 included), so a stale lock file never blocks a later run.

Only the launching process locks: DDP workers that Lightning starts for the same command, and
the processes of other nodes (``RANK``, ``LOCAL_RANK``, ``NODE_RANK`` or ``SLURM_PROCID`` not 0),
share the launcher's run.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path

LOCK_NAME = ".msrnn-fit.lock"
#: Environment variables that name a process's rank in a multi-process launch.
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID")


class RunFolderBusy(RuntimeError):
    """Another ``msrnn fit`` is training into the run folder."""


def is_launching_process() -> bool:
    """Whether this process is rank 0 of its launch (or not part of a multi-process launch)."""
    return all(os.environ.get(name, "0") == "0" for name in RANK_VARIABLES)


class RunLock:
    """The exclusive training lock of a run folder (taken on creation, see :meth:`release`).

    Raises:
        RunFolderBusy: another process holds it; the message names that process.
    """

    def __init__(self, run: str | Path) -> None:
        self.path = Path(run) / LOCK_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = self.path.open("a+")
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            holder = self._handle.read().strip() or "another process"
            self._handle.close()
            raise RunFolderBusy(
                f"run folder {run} is in use by msrnn fit ({holder}): wait for it to end, or "
                "train into another folder with --trainer.default_root_dir <new folder>"
            ) from None
        self._handle.seek(0)
        self._handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        self._handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n")
        self._handle.flush()

    def release(self) -> None:
        """Drop the lock (the file stays; an unlocked file blocks nothing)."""
        if not self._handle.closed:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()

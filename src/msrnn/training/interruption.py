"""A run stopped by SIGTERM (cluster preemption, ``kill``) or Ctrl-C saves where it stopped.

Lightning finishes the current training batch after a SIGTERM and then raises
``SIGTERMException`` (a ``SystemExit`` with status 0); Ctrl-C raises ``KeyboardInterrupt``. Both
reach the callbacks' ``on_exception``, where :class:`CheckpointOnInterrupt` writes
``last.ckpt``: the weights, optimiser, schedule and sampler states and the position in the
epoch after the last finished batch, so ``--ckpt_path last`` continues exactly from there. The
``msrnn`` command then exits with status :data:`SIGTERM_EXIT_STATUS` (128 + SIGTERM, what a
shell reports for a process ended by that signal, so schedulers see a job that did not finish).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import lightning as L
from lightning.pytorch.utilities.exceptions import SIGTERMException

SIGTERM_EXIT_STATUS = 128 + signal.SIGTERM


class CheckpointOnInterrupt(L.Callback):
    """Write ``path`` (the run's ``last.ckpt``) when training is stopped by a signal."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def on_exception(self, trainer: L.Trainer, pl_module: L.LightningModule, exception) -> None:
        if not isinstance(exception, (SIGTERMException, KeyboardInterrupt)):
            return
        if trainer.state.fn != "fit" or trainer.global_step == 0:
            return
        trainer.save_checkpoint(self.path)
        if trainer.is_global_zero:
            cause = "SIGTERM" if isinstance(exception, SIGTERMException) else "Ctrl-C"
            print(
                f"msrnn fit: stopped by {cause} after step {trainer.global_step}; saved "
                f"{self.path}: resume with the same command and --ckpt_path last",
                file=sys.stderr,
            )

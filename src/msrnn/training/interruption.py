"""A run stopped by SIGTERM (cluster preemption, ``kill``) or Ctrl-C saves where it stopped,
and a run may save ``last.ckpt`` every few steps so that even ``kill -9`` loses little.

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

from msrnn.training.run_dir import checkpoint_dir

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
        trainer.save_checkpoint(self.path, weights_only=False)  # the full state, to resume
        if trainer.is_global_zero:
            cause = "SIGTERM" if isinstance(exception, SIGTERMException) else "Ctrl-C"
            print(
                f"msrnn fit: stopped by {cause} after step {trainer.global_step}; saved "
                f"{self.path}: resume with the same command and --ckpt_path last",
                file=sys.stderr,
            )


class PeriodicLastCheckpoint(L.Callback):
    """Write ``last.ckpt`` of the run folder every ``every_n_steps`` optimiser steps.

    For long runs on machines that may die without a signal (a session limit, ``kill -9``):
    ``--ckpt_path last`` then resumes exactly after the last multiple of ``every_n_steps``.
    ``msrnn fit`` adds it with ``--trainer.callbacks+=msrnn.training.PeriodicLastCheckpoint
    --trainer.callbacks.every_n_steps 200``.

    Raises:
        ValueError: ``every_n_steps`` is not a positive integer.
    """

    def __init__(self, every_n_steps: int) -> None:
        if (
            isinstance(every_n_steps, bool)
            or not isinstance(every_n_steps, int)
            or every_n_steps < 1
        ):
            raise ValueError(f"every_n_steps must be a positive integer, got {every_n_steps!r}")
        self.every_n_steps = every_n_steps
        self._saved_at: int | None = None

    def on_train_batch_end(self, trainer: L.Trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        if step % self.every_n_steps or step == self._saved_at:  # accumulation repeats a step
            return
        self._saved_at = step
        last = checkpoint_dir(trainer.default_root_dir) / "last.ckpt"
        trainer.save_checkpoint(last, weights_only=False)  # the full state, to resume

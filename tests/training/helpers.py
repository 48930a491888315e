"""Tiny command lines for end-to-end runs through ``msrnn`` on 2 CPU cores."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from lightning.pytorch import Callback

TINY_MNIST = [
    "--model.model",
    "ms-convlstm",
    "--model.model_kwargs",
    "{hidden_channels: 4, num_layers: 2}",
    "--data",
    "msrnn.training.MovingMNISTDataModule",
    "--data.train_sequences",
    "4",
    "--data.val_sequences",
    "2",
    "--data.test_sequences",
    "6",
    "--data.size",
    "32",
    "--data.input_frames",
    "3",
    "--data.output_frames",
    "2",
    "--data.batch_size",
    "2",
    "--trainer.enable_progress_bar",
    "false",
    "--trainer.enable_model_summary",
    "false",
    "--trainer.logger",
    "false",
]


def tiny_args(run: Path, *extra: str) -> list[str]:
    return [*TINY_MNIST, "--trainer.default_root_dir", str(run), *extra]


TINY_RUN = [
    "--model.model_kwargs", "{hidden_channels: 4, num_layers: 2}",
    "--data.init_args.batch_size", "2",
    "--data.init_args.num_workers", "0",
    "--trainer.max_epochs", "1",
    "--trainer.limit_train_batches", "2",
    "--trainer.limit_val_batches", "1",
    "--trainer.enable_progress_bar", "false",
    "--trainer.enable_model_summary", "false",
    "--trainer.logger", "false",
]  # fmt: skip


def config_args(config: Path, run: Path, *data: str) -> list[str]:
    """A shipped dataset config shrunk to a tiny model and two training batches."""
    return ["--config", str(config), "--trainer.default_root_dir", str(run), *TINY_RUN, *data]


class SigtermAfterStep(Callback):
    """Sends this process SIGTERM once training step ``step`` has finished (a preemption)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGTERM)


class CrashAfterStep(Callback):
    """Raises once training step ``step`` has finished: a run that dies without a signal."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_end(self, trainer, *args) -> None:
        if trainer.global_step == self.step:
            raise RuntimeError(f"crash after step {self.step}")

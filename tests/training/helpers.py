"""Tiny command lines for end-to-end runs through ``msrnn`` on 2 CPU cores."""

from __future__ import annotations

from pathlib import Path

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

"""One training run of an experiment: ``msrnn fit`` then ``msrnn test --ckpt_path last`` in the
run's own folder, summarised as a JSON-ready record (used by the seeded study and the zoo).

A fit saves ``last.ckpt`` every :data:`CHECKPOINT_EVERY` steps, and a run whose folder holds one
resumes from it (exactly: the same weights as an uninterrupted run), so a run longer than a
working session is spread over several; its ``fit_seconds`` are the training time of the steps
kept, summed over the attempts (:class:`msrnn.training.FitClock`)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msrnn.training.cli import run_cli
from msrnn.training.fit_clock import FitClock
from msrnn.training.run_dir import checkpoint_dir

#: Optimiser steps between the periodic ``last.ckpt`` of a fit (what an unsignalled death loses).
CHECKPOINT_EVERY = 100
#: Test metrics kept in a record (means over the forecast frames).
RECORD_METRICS = ("mse_frame_sum", "mae_frame_sum", "ssim", "psnr")


@dataclass(frozen=True)
class TrainingRun:
    """One (model, seed) of an experiment.

    Attributes:
        model: registered model name.
        seed: seed of the weights (``seed_everything``), the sampling masks and the shuffle.
    """

    model: str
    seed: int

    @property
    def label(self) -> str:
        return f"{self.model}-seed{self.seed}"

    def arguments(self, config: Path, run_dir: Path) -> list[str]:
        """The ``msrnn`` arguments shared by ``fit`` and ``test`` for this run."""
        return [
            "--config", str(config),
            "--model.model", self.model,
            "--seed_everything", str(self.seed),
            "--model.seed", str(self.seed),
            "--data.init_args.seed", str(self.seed),
            "--trainer.default_root_dir", str(run_dir),
        ]  # fmt: skip


def host_label() -> str:
    """``"AMD EPYC (family 25, model 17), 2 cores, torch 2.13.0+cpu"``: where a run trained."""
    import torch

    from msrnn.profiling.machine import cpu_info, cpu_label

    return f"{cpu_label(cpu_info())}, {os.cpu_count()} cores, torch {torch.__version__}"


def train_and_test(
    run: TrainingRun, config: Path, runs_root: Path, extra: Sequence[str]
) -> tuple[dict[str, Any], Any]:
    """``msrnn fit`` then ``msrnn test --ckpt_path last`` for ``run`` in ``runs_root/<label>``;
    a fit left unfinished there (its ``last.ckpt`` exists) is resumed, a finished one only tested.

    Returns:
        The record (steps, batch size, precision, host, fit time, losses, test scores and
        per-lead-time MSE of the model and of every baseline of :data:`msrnn.metrics.BASELINES`)
        and the test command's CLI object (its ``model`` holds the tested weights).
    """
    from msrnn.metrics import BASELINES

    run_dir = runs_root / run.label
    arguments = run.arguments(config, run_dir) + list(extra)
    periodic = ("--trainer.callbacks+=msrnn.training.PeriodicLastCheckpoint",
                f"--trainer.callbacks.every_n_steps={CHECKPOINT_EVERY}")  # fmt: skip
    resume = ("--ckpt_path", "last") if (checkpoint_dir(run_dir) / "last.ckpt").is_file() else ()
    fitted = run_cli(["fit", *arguments, *periodic, *resume])
    (clock,) = [c for c in fitted.trainer.callbacks if isinstance(c, FitClock)]
    fit_seconds = clock.seconds
    val_loss = fitted.trainer.callback_metrics.get("val/loss")
    tested = run_cli(["test", *arguments, "--ckpt_path", "last"])
    metrics = json.loads((tested.model.test_dir / "metrics.json").read_text())
    record = {
        "model": run.model,
        "seed": run.seed,
        "steps": int(fitted.trainer.global_step),
        "batch_size": fitted.datamodule.batch_size,
        "precision": str(fitted.trainer.precision),
        "host": host_label(),
        "fit_seconds": round(fit_seconds, 1),
        "train_loss_mean": _train_loss_mean(Path(fitted.trainer.log_dir)),
        "val_loss": None if val_loss is None else float(val_loss),
        "test_sequences": len(tested.datamodule.dataset("test")),
        "test": {name: metrics[f"{name}_mean"] for name in RECORD_METRICS},
        "test_mse_per_lead_time": metrics["mse_frame_sum"],
    }
    for name in BASELINES:
        scores = metrics[name]
        record[name] = {key: scores[f"{key}_mean"] for key in RECORD_METRICS}
        record[name]["mse_per_lead_time"] = scores["mse_frame_sum"]
    return record, tested


def _train_loss_mean(log_dir: Path) -> float | None:
    """The training loss averaged over the whole (one-epoch) run, from the fit's CSV log."""
    path = log_dir / "metrics.csv"
    if not path.exists():
        return None
    with path.open() as handle:
        values = [
            float(row["train/loss_epoch"])
            for row in csv.DictReader(handle)
            if row.get("train/loss_epoch")
        ]
    return values[-1] if values else None

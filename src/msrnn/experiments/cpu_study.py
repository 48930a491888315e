"""The CPU-scale study: base vs MS models and skip ablations trained for the same number of
optimiser steps, several seeds each, on the embedded Moving MNIST.

Every run is ``msrnn fit`` then ``msrnn test --ckpt_path last`` with the study config
(``configs/studies/cpu_moving_mnist.yaml``), the model name and the seed. A run leaves one JSON
record in the results folder; records already there are kept and their runs skipped, so an
interrupted study resumes where it stopped.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from msrnn.training.cli import run_cli
from msrnn.training.quickstart import free_run_dir

#: Models of the study: the two base/MS pairs and the skip ablations of MS-ConvLSTM
#: (``ms-convlstm`` is the UNet skip of the paper, shared by the pair and the ablation).
STUDY_MODELS = (
    "convlstm",
    "ms-convlstm",
    "predrnn",
    "ms-predrnn",
    "ms-convlstm-noskip",
    "ms-convlstm-unet3p",
    "ms-convlstm-full",
)
STUDY_SEEDS = (0, 1, 2)
#: Test metrics kept in a record (means over the forecast frames).
RECORD_METRICS = ("mse_frame_sum", "mae_frame_sum", "ssim", "psnr")


def study_config() -> Path:
    """Path of the packaged ``configs/studies/cpu_moving_mnist.yaml``."""
    return Path(str(resources.files("msrnn") / "configs" / "studies" / "cpu_moving_mnist.yaml"))


@dataclass(frozen=True)
class StudyRun:
    """One training run of the study.

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


def record_path(results: Path, run: StudyRun) -> Path:
    return results / f"{run.label}.json"


def run_study(
    results: str | Path,
    *,
    runs_root: str | Path = "runs/cpu_study",
    models: Sequence[str] = STUDY_MODELS,
    seeds: Sequence[int] = STUDY_SEEDS,
    config: str | Path | None = None,
    extra: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Train and test every (model, seed) that has no record yet; return all records.

    Args:
        results: folder of the JSON records (one per run; created if missing).
        runs_root: parent of the run folders (checkpoints, logs, test figures); a taken folder is
            never reused.
        models: registered model names.
        seeds: seeds; each run uses one for weights, sampling masks and shuffle order.
        config: the study config (default: the packaged one).
        extra: further ``msrnn`` arguments for every fit and test (e.g. a shorter run in tests).
    """
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    config = Path(config) if config is not None else study_config()
    blank = results / "blank.json"
    if not blank.exists():
        blank.write_text(json.dumps(blank_forecast(config), indent=1) + "\n")
    records = []
    for seed in seeds:
        for model in models:
            run = StudyRun(model, seed)
            target = record_path(results, run)
            if not target.exists():
                record, _ = train_and_test(run, config, Path(runs_root), extra)
                target.write_text(json.dumps(record, indent=1) + "\n")
                print(f"[cpu_study] {run.label}: test MSE {record['test']['mse_frame_sum']:.2f}")
            records.append(json.loads(target.read_text()))
    return records


def train_and_test(
    run: StudyRun, config: Path, runs_root: Path, extra: Sequence[str]
) -> tuple[dict[str, Any], Any]:
    """``msrnn fit`` then ``msrnn test --ckpt_path last`` for ``run`` in a fresh run folder.

    Returns:
        The record (steps, batch size, fit time, losses, test scores with every baseline of
        :data:`msrnn.metrics.BASELINES`) and the test command's CLI object (its ``model`` holds
        the tested weights).
    """
    from msrnn.metrics import BASELINES

    run_dir = free_run_dir(runs_root / run.label)
    arguments = run.arguments(config, run_dir) + list(extra)
    start = time.perf_counter()
    fitted = run_cli(["fit", *arguments])
    fit_seconds = time.perf_counter() - start
    val_loss = fitted.trainer.callback_metrics.get("val/loss")
    tested = run_cli(["test", *arguments, "--ckpt_path", "last"])
    metrics = json.loads((tested.model.test_dir / "metrics.json").read_text())
    record = {
        "model": run.model,
        "seed": run.seed,
        "steps": int(fitted.trainer.global_step),
        "batch_size": fitted.datamodule.batch_size,
        "fit_seconds": round(fit_seconds, 1),
        "train_loss_mean": _train_loss_mean(Path(fitted.trainer.log_dir)),
        "val_loss": None if val_loss is None else float(val_loss),
        "test_sequences": len(tested.datamodule.dataset("test")),
        "test": {name: metrics[f"{name}_mean"] for name in RECORD_METRICS},
        "test_mse_per_lead_time": metrics["mse_frame_sum"],
    }
    for name in BASELINES:
        record[name] = {key: metrics[name][f"{key}_mean"] for key in RECORD_METRICS}
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


def blank_forecast(config: str | Path | None = None) -> dict[str, Any]:
    """Test scores of an all-zero forecast on the study's test split (the floor a model that
    has learnt nothing but "background" reaches): MSE and MAE summed over pixels, per lead time
    and averaged over the forecast frames."""
    import torch
    import yaml

    from msrnn.data import MovingMNIST

    content = yaml.safe_load(Path(config or study_config()).read_text())
    data = content["data"]["init_args"]
    dataset = MovingMNIST(
        "test",
        num_sequences=data["test_sequences"],
        seq_len=data["input_frames"] + data["output_frames"],
        size=data.get("size", 64),
        num_digits=data.get("num_digits", 2),
        seed=data.get("data_seed", 0),
    )
    frames = torch.stack([torch.as_tensor(dataset[i]) for i in range(len(dataset))]).double()
    future = frames[:, data["input_frames"] :]
    mse = future.square().sum(dim=(2, 3, 4)).mean(dim=0)
    mae = future.abs().sum(dim=(2, 3, 4)).mean(dim=0)
    return {
        "mse_frame_sum": mse.mean().item(),
        "mae_frame_sum": mae.mean().item(),
        "mse_per_lead_time": mse.tolist(),
    }

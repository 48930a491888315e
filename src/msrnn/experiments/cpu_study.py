"""The seeded CPU study: base vs MS models and the skip ablations of MS-ConvLSTM, trained with
the quickstart's fast recipe (``configs/quickstart.yaml``) for the same number of optimiser steps,
several seeds each, on the embedded Moving MNIST.

Every run is ``msrnn fit`` then ``msrnn test --ckpt_path last``
(:func:`msrnn.experiments.runs.train_and_test`) with the recipe, the model name and the seed, at
one precision for the whole study. A run leaves one JSON record in the results folder as soon as
it is tested; recorded runs are skipped and an unfinished run resumes from its last checkpoint,
so an interrupted study continues where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from msrnn.atomic import write_text_atomically
from msrnn.experiments.runs import TrainingRun, train_and_test
from msrnn.models import list_models, ms_variant_of
from msrnn.training.quickstart import quickstart_config

#: Models of the study: the ConvLSTM and PredRNN base/MS pairs and the skip ablations of
#: MS-ConvLSTM (``ms-convlstm`` is the paper's UNet skip, shared by the pair and the ablation).
STUDY_MODELS = (
    *(name for base in ("convlstm", "predrnn") for name in (base, ms_variant_of(base))),
    *list_models(tag="skip-ablation"),
)
STUDY_SEEDS = (0, 1, 2)
#: The study's training recipe: the quickstart's, so both are one set of facts.
study_config = quickstart_config
#: Arguments added to every run of the study (the recipe's file is the quickstart's own).
STUDY_ARGUMENTS = ("--trainer.enable_progress_bar", "false")


def record_path(results: Path, run: TrainingRun) -> Path:
    return results / f"{run.label}.json"


def run_study(
    results: str | Path,
    *,
    runs_root: str | Path = "runs/cpu_study",
    models: Sequence[str] = STUDY_MODELS,
    seeds: Sequence[int] = STUDY_SEEDS,
    precision: str = "auto",
    config: str | Path | None = None,
    extra: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Train and test every (model, seed) that has no record yet, seed by seed (so each seed's
    comparisons complete together); return all records.

    Args:
        results: folder of the JSON records (one per run; created if missing).
        runs_root: parent of the run folders (checkpoints, logs, test figures); a taken folder is
            never reused.
        models: registered model names.
        seeds: seeds; each run uses one for weights, sampling masks and shuffle order.
        precision: ``"auto"`` (:func:`msrnn.precision.preferred_precision`) or a trainer
            precision, the same for every run.
        config: the training recipe (default: :func:`study_config`).
        extra: further ``msrnn`` arguments for every fit and test (e.g. a shorter run in tests).
    """
    from msrnn.precision import resolve_precision

    results = Path(results)
    config = Path(config) if config is not None else study_config()
    arguments = [
        *STUDY_ARGUMENTS,
        "--trainer.precision",
        resolve_precision(precision).precision,
        *extra,
    ]
    records = []
    for seed in seeds:
        for model in models:
            run = TrainingRun(model, seed)
            target = record_path(results, run)
            if not target.exists():
                record, _ = train_and_test(run, config, Path(runs_root), arguments)
                write_text_atomically(target, json.dumps(record, indent=1) + "\n")
                print(f"[cpu_study] {run.label}: test MSE {record['test']['mse_frame_sum']:.2f}")
            records.append(json.loads(target.read_text()))
    return records

r"""The paper-scale runs of Tables I-V as commands, with their expected memory and time.

Every model of a table is trained with its dataset's config and its name
(``--config configs/<dataset>.yaml --model.model <model>``: 6 layers of 64 channels, Adam 3e-4,
L1+L2, scheduled sampling, the config's epochs) at the paper's global batch of 4, split over
``devices x nodes`` GPUs by Lightning DDP, then tested on its best validation checkpoint with the
paper's protocol (metrics over all ``T-1`` outputs).

Expected memory per GPU follows from the measured records of
:mod:`msrnn.experiments.memory_params` (batch 1): activations grow linearly with the batch, the
parameter, gradient and Adam bytes do not,

.. math:: M_{gpu}(b) = M_{state} + b \, M_{act}(1), \qquad b = 4 / (\text{devices} \cdot
    \text{nodes}).

Expected time is the measured FLOPs of a training step (batch 1, x4 for the global batch) over an
assumed sustained GPU throughput; it is an estimate, not a measurement.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from msrnn.data.moving_mnist import PAPER_NUM_SEQUENCES
from msrnn.experiments.memory_params import HKO7, MOVING_MNIST, TAXIBJ

GLOBAL_BATCH = 4


def dataset_config(dataset: str) -> Path:
    """The packaged ``configs/<dataset>.yaml``."""
    return Path(str(resources.files("msrnn") / "configs" / f"{dataset}.yaml"))


@dataclass(frozen=True)
class PaperTable:
    """One table of the paper as runs.

    Attributes:
        key: ``"1"``...``"5"``, the table's number.
        title: what the table shows.
        dataset: name of the dataset's config (``configs/<dataset>.yaml``).
        setting: key of the memory records (:data:`msrnn.experiments.memory_params.SETTINGS`).
        models: registered names, in the table's order.
        train_sequences: training sequences per epoch (``None``: depends on the user's copy).
    """

    key: str
    title: str
    dataset: str
    setting: str
    models: tuple[str, ...]
    train_sequences: int | None

    @property
    def epochs(self) -> int:
        """Training epochs: the ``trainer.max_epochs`` of the dataset's config."""
        return yaml.safe_load(dataset_config(self.dataset).read_text())["trainer"]["max_epochs"]

    def steps(self, sequences: int | None = None) -> int | None:
        """Optimiser steps of a run at the global batch of 4."""
        count = sequences or self.train_sequences
        return None if count is None else self.epochs * math.ceil(count / GLOBAL_BATCH)


_MNIST_TRAIN = PAPER_NUM_SEQUENCES["train"]
PAPER_TABLES = {
    table.key: table
    for table in (
        PaperTable("1", "Moving MNIST", "moving_mnist", "moving_mnist", tuple(MOVING_MNIST.paper),
                   _MNIST_TRAIN),
        PaperTable("2", "TaxiBJ", "taxibj", "taxibj", tuple(TAXIBJ.paper), None),
        PaperTable("3", "HKO-7", "hko7", "hko7", tuple(HKO7.paper), None),
        PaperTable("4", "skip ablation (Moving MNIST)", "moving_mnist", "moving_mnist",
                   ("convlstm", "ms-convlstm-noskip", "ms-convlstm"), _MNIST_TRAIN),
        PaperTable("5", "skip styles (Moving MNIST)", "moving_mnist", "moving_mnist",
                   ("ms-convlstm-full", "ms-convlstm-unet3p", "ms-convlstm"), _MNIST_TRAIN),
    )
}  # fmt: skip


def gpu_share(devices: int, nodes: int = 1) -> int:
    """The per-GPU batch that keeps the paper's global batch of 4."""
    gpus = devices * nodes
    if gpus < 1 or GLOBAL_BATCH % gpus:
        raise ValueError(
            f"the paper's global batch of {GLOBAL_BATCH} cannot be split over {gpus} GPUs; "
            "use 1, 2 or 4 GPUs in all"
        )
    return GLOBAL_BATCH // gpus


def run_commands(
    table: PaperTable, model: str, *, devices: int = 1, nodes: int = 1, root: str = "runs/paper"
) -> list[list[str]]:
    """``msrnn fit`` and ``msrnn test`` argument lists for one model of ``table``."""
    batch = gpu_share(devices, nodes)
    common = [
        "--config", f"configs/{table.dataset}.yaml",
        "--model.model", model,
        "--trainer.default_root_dir", f"{root}/{table.dataset}/{model}",
        "--data.init_args.batch_size", str(batch),
    ]  # fmt: skip
    parallel = ["--trainer.accelerator", "gpu", "--trainer.devices", str(devices)]
    if devices * nodes > 1:
        parallel += ["--trainer.num_nodes", str(nodes), "--trainer.strategy", "ddp"]
    fit = ["msrnn", "fit", *common, *parallel]
    test = ["msrnn", "test", *common, *parallel, "--ckpt_path", "best", "--model.protocol", "paper"]
    return [fit, test]


def as_shell(arguments: list[str]) -> str:
    return shlex.join(arguments)


def expected(
    record: Mapping[str, Any], table: PaperTable, *, devices: int, nodes: int, tflops: float
) -> dict[str, float | None]:
    """Expected GPU memory (bytes) and run time (hours) of one model from its memory record.

    Args:
        record: a record of :func:`msrnn.experiments.memory_params.measure_model` (batch 1).
        table: the table the model is trained for.
        devices: GPUs per node.
        nodes: nodes.
        tflops: assumed sustained throughput of one GPU in TFLOP/s.
    """
    if record["batch"] != 1:
        raise ValueError(f"expected a batch-1 memory record, got batch {record['batch']}")
    share = gpu_share(devices, nodes)
    state = record["total_bytes"] - record["activation_bytes"]
    step_flops = GLOBAL_BATCH * record["flops"]
    seconds_per_step = step_flops / (devices * nodes * tflops * 1e12)
    steps = table.steps()
    per_10k = table.epochs * math.ceil(10_000 / GLOBAL_BATCH) * seconds_per_step / 3600
    return {
        "gpu_bytes": state + share * record["activation_bytes"],
        "hours": None if steps is None else steps * seconds_per_step / 3600,
        "hours_per_10k_sequences": per_10k,
        "step_tflop": step_flops / 1e12,
    }

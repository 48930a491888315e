"""The model zoo: train, test and ship each entry's weights, one model at a time.

Every entry is ``msrnn fit`` then ``msrnn test --ckpt_path last`` with the zoo config
(``configs/zoo/moving_mnist.yaml``), a model name and seed 0, at the precision chosen for the
host. Its weights are then written as ``msrnn/pretrained/weights/moving-mnist/<model>.safetensors``
in half precision, re-scored in fp32 on the first :data:`RESCORE_SEQUENCES` test sequences, and
described by ``<model>.json`` beside them. An entry whose ``.json`` exists is skipped, and an
entry stopped mid-training resumes from its last checkpoint (:mod:`msrnn.experiments.runs`), so
an interrupted zoo continues where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from msrnn.atomic import write_atomically, write_text_atomically
from msrnn.experiments.runs import TrainingRun, train_and_test
from msrnn.metrics import BASELINES
from msrnn.models import Forecaster, build_model, ms_variant_of
from msrnn.pretrained import PretrainedEntry, load_pretrained, weights_root

#: Entries in training order: the MS/base pairs of the paper's two main families, MS first.
ZOO_MODELS = tuple(name for base in ("convlstm", "predrnn") for name in (ms_variant_of(base), base))
ZOO_SEED = 0
#: The ``weights=`` name of entries trained with the zoo config.
DATASET = "moving-mnist"
#: Test sequences re-scored from the shipped file (by ``experiments/zoo.py`` and the tests).
RESCORE_SEQUENCES = 32
#: Storage type of shipped weights: half the bytes of fp32, scores within noise (see records).
SHIPPED_DTYPE = torch.float16


def zoo_config() -> Path:
    """Path of the packaged ``configs/zoo/moving_mnist.yaml``."""
    return Path(str(resources.files("msrnn") / "configs" / "zoo" / "moving_mnist.yaml"))


def reproduce_command(model: str) -> str:
    """The command that retrains, tests and re-exports ``model``'s entry."""
    return f"python experiments/zoo.py --models {model}"


def rescore(net: Forecaster, config: str | Path | None = None) -> dict[str, float]:
    """fp32 test scores of ``net`` on the first :data:`RESCORE_SEQUENCES` test sequences of the
    zoo config (:func:`msrnn.training.scoring.score`)."""
    from msrnn.training.scoring import first_test_sequences, score

    frames, input_frames = first_test_sequences(config or zoo_config(), RESCORE_SEQUENCES)
    return score(net, frames, input_frames)


def export_weights(net: Forecaster, path: Path, dtype: torch.dtype = SHIPPED_DTYPE) -> str:
    """Write ``net``'s parameters and buffers to ``path`` (safetensors, ``dtype``); return the
    file's SHA-256. Written to a temporary file in the same folder, then renamed."""
    from safetensors.torch import save_file

    tensors = {
        key: value.detach().to(dtype if value.is_floating_point() else value.dtype).contiguous()
        for key, value in net.state_dict().items()
    }
    write_atomically(path, lambda temporary: save_file(tensors, str(temporary)))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_entry(
    model: str,
    *,
    precision: str,
    runs_root: Path,
    out_root: Path,
    config: Path,
    extra: Sequence[str] = (),
    note: str | None = None,
) -> dict[str, Any]:
    """Train, test, export and re-score one entry; write and return its record (``note``: a
    remark on how it was measured, e.g. a shared machine)."""
    run = TrainingRun(model, ZOO_SEED)
    arguments = [*extra, "--trainer.precision", precision]
    start = time.perf_counter()
    result, tested = train_and_test(run, config, runs_root, arguments)
    net = tested.model.net.float().configure(channels_last=False)
    hparams = tested.model.hparams
    build = {
        "preset": hparams.preset,
        "in_channels": hparams.in_channels,
        "input_frames": hparams.input_frames,
        **(hparams.model_kwargs or {}),
    }
    target = out_root / DATASET / f"{model}.safetensors"
    sha256 = export_weights(net, target)
    shipped = build_model(model, **build)
    record = {"model": model, "build": build, "sha256": sha256, "dtype": str(SHIPPED_DTYPE)}
    load_pretrained(shipped, PretrainedEntry(model, DATASET, target, record))
    record |= {
        "params": sum(p.numel() for p in net.parameters()),
        "bytes": target.stat().st_size,
        "training": {
            "config": f"configs/zoo/{config.name}",
            "seed": ZOO_SEED,
            "steps": result["steps"],
            "batch_size": result["batch_size"],
            "precision": precision,
            "fit_seconds": result["fit_seconds"],
            "val_loss": result["val_loss"],
            "host": result["host"],
            **({"note": note} if note else {}),
        },
        "test": {"model": result["test"], **{name: result[name] for name in BASELINES}},
        "test_sequences": result["test_sequences"],
        "test_mse_per_lead_time": result["test_mse_per_lead_time"],
        "rescore": {
            "sequences": RESCORE_SEQUENCES,
            "fp32_weights": rescore(net, config),
            "shipped": rescore(shipped, config),
        },
        "reproduce": reproduce_command(model),
        "seconds_total": round(time.perf_counter() - start, 1),
    }
    write_text_atomically(target.with_suffix(".json"), json.dumps(record, indent=1) + "\n")
    return record


def run_zoo(
    models: Sequence[str] = ZOO_MODELS,
    *,
    precision: str = "auto",
    runs_root: str | Path = "runs/zoo",
    out_root: str | Path | None = None,
    config: str | Path | None = None,
    extra: Sequence[str] = (),
    note: str | None = None,
) -> list[dict[str, Any]]:
    """Train every entry of ``models`` that has no record yet; return all their records.

    Args:
        models: registered model names, trained in this order.
        precision: ``"auto"`` (:func:`msrnn.precision.preferred_precision`) or a trainer precision.
        runs_root: parent of the run folders (checkpoints, logs, test figures).
        out_root: where the weights and records go (default: the package's weights folder).
        config: the zoo config (default: the packaged one).
        extra: further ``msrnn`` arguments for fit and test (e.g. a shorter run in tests).
        note: a remark stored with each new record (e.g. that the machine was shared).
    """
    from msrnn.precision import resolve_precision

    precision = resolve_precision(precision).precision
    out_root = Path(out_root) if out_root is not None else weights_root()
    config = Path(config) if config is not None else zoo_config()
    records = []
    for model in models:
        path = out_root / DATASET / f"{model}.json"
        if not path.exists():
            record = train_entry(
                model,
                precision=precision,
                runs_root=Path(runs_root),
                out_root=out_root,
                config=config,
                extra=extra,
                note=note,
            )
            print(f"[zoo] {model}: test MSE {record['test']['model']['mse_frame_sum']:.2f}")
        records.append(json.loads(path.read_text()))
    return records

"""Run folders: checkpoints, logs and results of one experiment, never wiped.

Layout of ``<run>/``::

    checkpoints/   last.ckpt and the best checkpoints (selected on the validation loss)
    logs/          CSV (and TensorBoard when installed) logs, one version per launch
    config.yaml    the full configuration of the first launch (resumes add config-N.yaml)
    test/          metrics.json, metrics_per_frame.csv, figures (test-2/, ... for later tests)
    predict/       forecasts .npy and strips (predict-2/, ... for later predictions)
"""

from __future__ import annotations

from pathlib import Path

from msrnn.training.checkpoints import read_checkpoint

CHECKPOINTS = "checkpoints"
#: The folder of the run folders that are not given with ``--trainer.default_root_dir``.
RUNS = "runs"


def default_run_dir(data: str, model: str) -> str:
    """``runs/<data>/<model>``: the run folder when ``--trainer.default_root_dir`` is not given.

    Example:
        >>> default_run_dir("kth", "ms-predrnn")
        'runs/kth/ms-predrnn'
    """
    return f"{RUNS}/{data}/{model}"


def checkpoint_dir(run: str | Path) -> Path:
    return Path(run) / CHECKPOINTS


def fresh_subdir(run: str | Path, name: str) -> Path:
    """``run/name``, or ``run/name-2``, ``run/name-3``... if taken; created, never reused."""
    run = Path(run)
    candidate, index = run / name, 1
    while candidate.exists():
        index += 1
        candidate = run / f"{name}-{index}"
    candidate.mkdir(parents=True)
    return candidate


def check_fresh_or_resumed(run: str | Path, ckpt_path: str | None) -> None:
    """Refuse to train into a run folder that already holds checkpoints unless resuming.

    Raises:
        FileExistsError: if ``run/checkpoints`` holds checkpoints and ``ckpt_path`` is None.
    """
    folder = checkpoint_dir(run)
    existing = sorted(folder.glob("*.ckpt")) if folder.is_dir() else []
    if existing and ckpt_path is None:
        raise FileExistsError(
            f"run folder {run} already holds checkpoints ({existing[0].name}, ...): resume it with "
            "--ckpt_path last, or start a new run with --trainer.default_root_dir <new folder>"
        )


def resolve_checkpoint(run: str | Path, ckpt_path: str | Path) -> Path:
    """The file meant by ``--ckpt_path``: ``best`` or ``last`` of the run folder, else the path.

    Raises:
        FileNotFoundError: the run has no such checkpoint, or the path does not exist.
    """
    if str(ckpt_path) == "best":
        return best_checkpoint(run)
    if str(ckpt_path) == "last":
        last = checkpoint_dir(run) / "last.ckpt"
        if not last.is_file():
            raise FileNotFoundError(f"--ckpt_path last: no {last} in run folder {run}")
        return last
    path = Path(ckpt_path)
    if not path.exists():
        raise FileNotFoundError(f"--ckpt_path {path}: no such file")
    return path


def best_checkpoint(run: str | Path) -> Path:
    """The best checkpoint of a finished run, as recorded by its ``last.ckpt``.

    The record holds the absolute path the run was saved under; the file is looked up by name in
    ``run/checkpoints``, so a copied or moved run folder uses its own checkpoint, never the
    original folder's.

    Raises:
        FileNotFoundError: if the run has no ``last.ckpt`` or the recorded best file is gone.
        CheckpointError: if ``last.ckpt`` cannot be read (:func:`read_checkpoint`).
    """
    folder = checkpoint_dir(run)
    last = folder / "last.ckpt"
    if not last.is_file():
        raise FileNotFoundError(f"--ckpt_path best: no {last} in run folder {run}")
    state = read_checkpoint(last)
    for key, value in state.get("callbacks", {}).items():
        if key.startswith("ModelCheckpoint") and value.get("best_model_path"):
            best = folder / Path(value["best_model_path"]).name
            if best.is_file():
                return best
            raise FileNotFoundError(f"the best checkpoint recorded in {last} is missing: {best}")
    return last

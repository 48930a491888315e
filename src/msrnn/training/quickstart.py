"""``msrnn quickstart``: train, test and forecast a small MS-ConvLSTM on embedded Moving MNIST."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from msrnn.training.cli import run_cli


def quickstart_config() -> Path:
    """Path of the packaged ``configs/quickstart.yaml``."""
    return Path(str(resources.files("msrnn") / "configs" / "quickstart.yaml"))


def free_run_dir(base: str | Path) -> Path:
    """``base`` if it does not exist yet, else ``base-2``, ``base-3``, ... (never reused)."""
    base = Path(base)
    candidate, index = base, 1
    while candidate.exists():
        index += 1
        candidate = base.with_name(f"{base.name}-{index}")
    return candidate


def run_quickstart(
    run_dir: str | Path = "runs/quickstart",
    *,
    extra: list[str] | None = None,
) -> dict[str, Path]:
    """Fit on the training split (checkpoints chosen on validation), test, forecast, summarise.

    Args:
        run_dir: where to put the run; a taken folder is never reused (``-2``, ``-3``, ... ).
        extra: extra LightningCLI arguments for every stage (e.g. a shorter run in tests).

    Returns:
        Paths of the run folder, the test results folder and the forecasts folder.
    """
    run = free_run_dir(run_dir)
    common = ["--config", str(quickstart_config()), "--trainer.default_root_dir", str(run)]
    common += list(extra or [])
    run_cli(["fit", *common])
    tested = run_cli(["test", *common, "--ckpt_path", "best"])
    predicted = run_cli(
        ["predict", *common, "--ckpt_path", "best", "--trainer.limit_predict_batches", "1"]
    )
    test_dir = tested.model.test_dir
    predict_dir = next(
        c.output_dir for c in predicted.trainer.callbacks if hasattr(c, "output_dir")
    )
    _summary(run, test_dir, predict_dir)
    return {"run": run, "test": test_dir, "predict": predict_dir}


def _summary(run: Path, test_dir: Path, predict_dir: Path) -> None:
    metrics = json.loads((test_dir / "metrics.json").read_text())
    model = metrics["mse_frame_sum_mean"]
    baseline = metrics["persistence"]["mse_frame_sum_mean"]
    print(
        "\n== msrnn quickstart finished ==\n"
        f"test MSE (per-frame sum, mean over the 10 forecast frames): {model:.2f} "
        f"vs persistence {baseline:.2f} ({100 * (1 - model / baseline):.1f}% lower)\n"
        f"run folder:        {run}\n"
        f"metrics:           {test_dir / 'metrics.json'} (per frame: metrics_per_frame.csv)\n"
        f"test strip / GIF:  {test_dir / 'strip.png'}, {test_dir / 'truth_vs_prediction.gif'}\n"
        f"lead-time plots:   {test_dir / 'lead_time.png'}\n"
        f"forecasts:         {predict_dir / 'forecast.npy'} and strips in {predict_dir}"
    )

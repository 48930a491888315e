"""``msrnn quickstart``: train, test and forecast a small MS-ConvLSTM on embedded Moving MNIST."""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

from msrnn.metrics import BASELINES
from msrnn.precision import resolve_precision
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
    precision: str = "auto",
    extra: list[str] | None = None,
) -> dict[str, Path]:
    """Fit on the training split (checkpoints chosen on validation), test, forecast, summarise.

    Args:
        run_dir: where to put the run; a taken folder is never reused (``-2``, ``-3``, ... ).
        precision: ``"auto"`` (the faster one for this CPU,
            :func:`msrnn.precision.preferred_precision`), ``"32-true"`` or ``"bf16-mixed"``.
        extra: extra LightningCLI arguments for every stage (e.g. a shorter run in tests).

    Returns:
        Paths of the run folder, the test results folder and the forecasts folder.
    """
    start = time.perf_counter()
    choice = resolve_precision(precision)
    if precision == "auto":
        print(f"precision: {choice.precision} ({choice.reason}); override with --precision")
    precision = choice.precision
    run = free_run_dir(run_dir)
    common = ["--config", str(quickstart_config()), "--trainer.default_root_dir", str(run)]
    common += ["--trainer.precision", precision]
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
    zoo = zoo_forecast(test_dir, quickstart_config())
    _summary(run, test_dir, predict_dir, time.perf_counter() - start, zoo)
    paths = {"run": run, "test": test_dir, "predict": predict_dir}
    return paths | ({"zoo_strip": zoo["strip"]} if zoo else {})


def zoo_forecast(test_dir: Path, config: Path) -> dict | None:
    """Score the best shipped Moving MNIST entry on the config's test sequences and draw its
    forecast of the first one (the sequence of the quickstart's own strip) as ``zoo_strip.png``.

    Returns:
        ``{"entry", "scores", "strip"}``, or ``None`` when no Moving MNIST weights are shipped.
    """
    import torch
    import yaml

    from msrnn.experiments.zoo import DATASET
    from msrnn.models import build_model
    from msrnn.pretrained import list_pretrained
    from msrnn.training.scoring import first_test_sequences, score
    from msrnn.viz import prediction_strip, save_png

    entries = [entry for entry in list_pretrained() if entry.dataset == DATASET]
    if not entries:
        return None
    entry = min(entries, key=lambda e: e.record["test"]["model"]["mse_frame_sum"])
    net = build_model(entry.model, weights=entry.dataset)
    sequences = yaml.safe_load(config.read_text())["data"]["init_args"]["test_sequences"]
    frames, observed = first_test_sequences(config, sequences)
    scores = score(net, frames, observed)
    with torch.no_grad():
        forecast = net.forecast(frames[:1, :observed], frames.shape[1] - observed)
    minutes = entry.record["training"]["fit_seconds"] / 60
    strip = prediction_strip(
        frames[0, :observed].numpy(),
        frames[0, observed:].numpy(),
        forecast[0].clamp(0, 1).numpy(),
        title=f"{entry.model} from the zoo (trained {minutes:.0f} min on CPU)",
    )
    return {"entry": entry, "scores": scores, "strip": save_png(strip, test_dir / "zoo_strip.png")}


def _summary(
    run: Path, test_dir: Path, predict_dir: Path, seconds: float, zoo: dict | None
) -> None:
    metrics = json.loads((test_dir / "metrics.json").read_text())
    lead_times = len(metrics["mse_frame_sum"])
    lines = [
        f"\n== msrnn quickstart finished in {seconds / 60:.1f} min ==",
        f"test, mean over the {lead_times} forecast frames (ratio: model / baseline):",
    ]
    for key, label in (("mse_frame_sum", "MSE"), ("mae_frame_sum", "MAE")):
        model = metrics[f"{key}_mean"]
        parts = []
        for name in BASELINES:
            base = metrics[name][f"{key}_mean"]
            parts.append(f"{name} {base:.1f} ({model / base:.2f}x)")
        lines.append(f"  {label} (per-frame sum) {model:.1f} vs " + ", ".join(parts))
    if zoo is not None:
        entry, scores = zoo["entry"], zoo["scores"]
        minutes = entry.record["training"]["fit_seconds"] / 60
        lines.append(
            f"  the zoo's {entry.model} (trained {minutes:.0f} min, `msrnn zoo`) on the same "
            f"sequences: MSE {scores['mse_frame_sum']:.1f}, MAE {scores['mae_frame_sum']:.1f}"
        )
    lines += [
        f"run folder:        {run}",
        f"metrics:           {test_dir / 'metrics.json'} (per frame: metrics_per_frame.csv)",
        f"test strip / GIF:  {test_dir / 'strip.png'}, {test_dir / 'truth_vs_prediction.gif'}",
        f"lead-time plots:   {test_dir / 'lead_time.png'}",
        *([f"zoo forecast:      {zoo['strip']}"] if zoo else []),
        f"forecasts:         {predict_dir / 'forecast.npy'} and strips in {predict_dir}",
    ]
    print("\n".join(lines))

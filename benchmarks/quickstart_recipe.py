"""The fast CPU training recipe: candidate recipes trained and tested like the quickstart.

Each recipe is the quickstart configuration (``configs/quickstart.yaml``: embedded Moving MNIST,
10 -> 10 frames at 64x64, checkpoint chosen on 128 validation sequences, test on 256) with some
settings changed on the command line. A recipe runs as the quickstart does, in fresh processes:
``msrnn fit`` (timed), then ``msrnn test --ckpt_path best`` (timed). Each finished recipe appends
one JSON line to the results file (its settings, training steps, fit and test seconds, the test
MSE / MAE / SSIM / PSNR with the persistence and blank baselines, MSE per lead time, the machine),
so an interrupted study resumes with the recipes not yet measured; a recipe already in the file
is skipped. Never run anything else on the machine meanwhile: the fit time is part of the result
(a record may carry a ``note``, shown under the table, where a measurement is known to be off).

Examples::

    python benchmarks/quickstart_recipe.py --list
    python benchmarks/quickstart_recipe.py --only c64-b16-cos
    python benchmarks/quickstart_recipe.py            # every recipe not yet in the file
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from msrnn.profiling.machine import cpu_label, describe_machine
from msrnn.training.quickstart import quickstart_config

RESULTS = Path(__file__).parent / "results" / "quickstart_recipe.jsonl"
METRICS = ("mse_frame_sum", "mae_frame_sum", "ssim", "psnr")


def _model(channels: int, layers: int = 4, patch: int = 4, kernel: int = 3, name="ms-convlstm"):
    kwargs = f"{{hidden_channels: {channels}, num_layers: {layers}, patch_size: {patch}"
    kwargs += f", kernel_size: {kernel}}}" if kernel != 3 else "}"
    return ["--model.model", name, "--model.model_kwargs", kwargs]


def _run(steps: int, batch: int, lr: float, *, schedule="cosine", warmup=20, sampling=0.6):
    # one epoch of fresh sequences is the whole run
    return [
        "--data.train_sequences",
        str(steps * batch),
        "--trainer.max_steps",
        str(steps),
        "--trainer.val_check_interval",
        str(steps),
        "--data.batch_size",
        str(batch),
        "--model.lr",
        str(lr),
        "--model.lr_schedule",
        schedule,
        "--model.warmup_steps",
        str(warmup),
        "--model.sampling_steps",
        str(max(1, round(sampling * steps))),
    ]


BF16 = ["--trainer.precision", "bf16-mixed", "--model.channels_last", "true"]


def _l1(weight: float) -> list[str]:
    return ["--model.loss", "l1+l2", "--model.l1_weight", str(weight)]


#: name -> (what it tries, msrnn fit arguments on top of the quickstart config).
RECIPES: dict[str, tuple[str, list[str]]] = {
    "c64-b16-cos": (
        "4x64, batch 16, Adam 2e-3, 20-step warm-up then cosine decay to 0, L2",
        [*_model(64), *_run(420, 16, 2e-3), *BF16],
    ),
    "c32-b16-cos": (
        "4x32 (a quarter of the convolution work of 4x64), batch 16, Adam 3e-3 cosine, L2",
        [*_model(32), *_run(900, 16, 3e-3), *BF16],
    ),
    "c32-b16-l1w0.2": (
        "4x32, batch 16, Adam 3e-3 cosine, L2 + 0.2 L1 (the L1 term fights the faint haze)",
        [*_model(32), *_run(900, 16, 3e-3), *BF16, *_l1(0.2)],
    ),
    "c32-b16-l1w0.5": (
        "4x32, batch 16, Adam 3e-3 cosine, L2 + 0.5 L1",
        [*_model(32), *_run(900, 16, 3e-3), *BF16, *_l1(0.5)],
    ),
    "c32-b8-cos": (
        "4x32, batch 8 (about 1.7x the optimiser steps in the same time), Adam 2e-3 cosine, L2",
        [*_model(32), *_run(1500, 8, 2e-3), *BF16],
    ),
    "c32-b16-l1w0.2-free": (
        "4x32, batch 16, Adam 3e-3 cosine, L2 + 0.2 L1, no teacher forcing: the model is fed "
        "its own forecasts from the first step",
        [*_model(32), *_run(900, 16, 3e-3, sampling=0), *BF16, *_l1(0.2)],
    ),
    "c32-b16-l1w0.2-ss0.9": (
        "4x32, batch 16, Adam 3e-3 cosine, L2 + 0.2 L1, scheduled sampling over 90% of the steps",
        [*_model(32), *_run(900, 16, 3e-3, sampling=0.9), *BF16, *_l1(0.2)],
    ),
    "c32-b16-l1w0.2-ss0.9-1100": (
        "4x32, batch 16, Adam 3e-3 cosine, L2 + 0.2 L1, scheduled sampling over 90%, 1100 steps",
        [*_model(32), *_run(1100, 16, 3e-3, sampling=0.9), *BF16, *_l1(0.2)],
    ),
    "c32-b16-l1w0.2-ss0.9-1100-lr5e-3": (
        "4x32, batch 16, Adam 5e-3 cosine, L2 + 0.2 L1, scheduled sampling over 90%, 1100 steps",
        [*_model(32), *_run(1100, 16, 5e-3, sampling=0.9), *BF16, *_l1(0.2)],
    ),
}


def recipe_args(name: str, root: Path) -> list[str]:
    """The ``msrnn fit`` arguments of recipe ``name`` with its run folder under ``root``."""
    return ["--config", str(quickstart_config()), "--trainer.default_root_dir", str(root / name)]


def _msrnn(args: list[str]) -> float:
    """Run ``msrnn ARGS`` in a fresh process; its wall-clock seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "msrnn.cli", *args], check=True)
    return time.perf_counter() - start


def measure(name: str, root: Path) -> dict[str, Any]:
    """Fit and test recipe ``name``; the record written to the results file."""
    what, extra = RECIPES[name]
    common = recipe_args(name, root)
    fit_seconds = _msrnn(["fit", *common, *extra])
    test_seconds = _msrnn(["test", *common, *extra, "--ckpt_path", "best"])
    metrics = json.loads((root / name / "test" / "metrics.json").read_text())
    steps = int(extra[extra.index("--trainer.max_steps") + 1])
    return {
        "recipe": name,
        "what": what,
        "arguments": extra,
        "steps": steps,
        "fit_seconds": round(fit_seconds, 1),
        "test_seconds": round(test_seconds, 1),
        "model": {key: metrics[f"{key}_mean"] for key in METRICS},
        "persistence": {key: metrics["persistence"][f"{key}_mean"] for key in METRICS},
        "blank": {key: metrics["blank"][f"{key}_mean"] for key in METRICS},
        "mse_per_lead_time": metrics["mse_frame_sum"],
        "machine": describe_machine(),
    }


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of ``path`` in the order they were measured (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def front_markdown(records: list[dict[str, Any]]) -> str:
    """The measured front as a ``docs/benchmarks.md`` section: one row per recipe."""
    hosts = sorted({cpu_label(r["machine"]["cpu"]) for r in records})
    lines = [
        "### The fast CPU recipe: what was tried (quickstart protocol)",
        "",
        "Generated by `python benchmarks/quickstart_recipe.py --markdown ...` from "
        "`benchmarks/results/quickstart_recipe.jsonl`. Each recipe runs on top of "
        "`configs/quickstart.yaml` with its own width, batch, learning rate, loss, steps and "
        "sampling (MS-ConvLSTM, 4 layers, 4x4 patches, embedded Moving MNIST 10 -> 10 at 64x64, "
        "fresh sequences every step, bf16-mixed + channels-last, scheduled sampling over 60% of "
        "the steps unless stated); fit and test each in a fresh `msrnn` process on an otherwise "
        "idle machine; test on 256 sequences, forecast frames only, MSE and MAE summed over a "
        f"frame's pixels. Host: {', '.join(hosts)}. Ratios are to the blank (all-zero) forecast; "
        "the targets are MSE <= 0.70x and MAE <= 1.10x.",
        "",
        "| recipe | settings | steps | fit (s) | MSE | MAE | SSIM | MSE / blank | "
        "MAE / blank | MSE t+1 / t+10 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = [r for r in records if r.get("note")]
    for r in records:
        model, blank, lead = r["model"], r["blank"], r["mse_per_lead_time"]
        mark = f" [{notes.index(r) + 1}]" if r in notes else ""
        lines.append(
            f"| {r['recipe']} | {r['what']} | {r['steps']} | {r['fit_seconds']:.0f}{mark} | "
            f"{model['mse_frame_sum']:.1f} | {model['mae_frame_sum']:.1f} | {model['ssim']:.3f} | "
            f"{model['mse_frame_sum'] / blank['mse_frame_sum']:.2f} | "
            f"{model['mae_frame_sum'] / blank['mae_frame_sum']:.2f} | "
            f"{lead[0]:.0f} / {lead[-1]:.0f} |"
        )
    first = records[0] if records else None
    if first is not None:
        blank, persistence = first["blank"], first["persistence"]
        lines += [
            "",
            f"Baselines on the same 256 test sequences: blank MSE {blank['mse_frame_sum']:.1f}, "
            f"MAE {blank['mae_frame_sum']:.1f}, SSIM {blank['ssim']:.3f}; persistence MSE "
            f"{persistence['mse_frame_sum']:.1f}, MAE {persistence['mae_frame_sum']:.1f}, SSIM "
            f"{persistence['ssim']:.3f}.",
        ]
    lines += ["", *(f"[{i}] {r['note']}" for i, r in enumerate(notes, 1))] if notes else []
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(RECIPES), help="these recipes only")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON-lines results file")
    parser.add_argument("--list", action="store_true", help="list the recipes and stop")
    parser.add_argument(
        "--markdown",
        type=Path,
        help="write the results file's front as a docs section (JSON with 'markdown') and stop",
    )
    parser.add_argument(
        "--runs", type=Path, help="keep the run folders here (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, (what, _) in RECIPES.items():
            print(f"{name:20s} {what}")
        return 0
    if args.markdown is not None:
        text = front_markdown(read_records(args.results))
        args.markdown.write_text(json.dumps({"markdown": text}, indent=2) + "\n")
        print(text)
        return 0
    finished = {record["recipe"] for record in read_records(args.results)}
    todo = [name for name in args.only or RECIPES if name not in finished]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="msrnn-recipe-") as tmp:
        root = args.runs or Path(tmp)
        for name in todo:
            if (root / name).exists():
                raise FileExistsError(f"{root / name} exists; choose another --runs folder")
            record = measure(name, root)
            with args.results.open("a") as handle:
                handle.write(json.dumps(record) + "\n")
            model, blank = record["model"], record["blank"]
            print(
                f"{name}: MSE {model['mse_frame_sum']:.1f} (blank {blank['mse_frame_sum']:.1f}), "
                f"MAE {model['mae_frame_sum']:.1f} (blank {blank['mae_frame_sum']:.1f}), "
                f"fit {record['fit_seconds']:.0f} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Speed of bf16-mixed and channels-last training steps against fp32 NCHW, and their loss.

Issue 8's claim: with ``precision="bf16-mixed"`` and channels-last, a training step of ConvLSTM and
PredRNN at the paper configuration is at least 3x faster than fp32 on a CPU with AVX512-BF16, and
200 quickstart steps end within 2% of the fp32 training loss. This script measures both.

* Speed: for each model, one training step (:class:`msrnn.profiling.step.TrainingStep`: forward
  with teacher forcing, L1+L2 loss, backward, Adam) in four variants, fp32 NCHW, fp32
  channels-last, bf16-mixed NCHW and bf16-mixed channels-last, timed interleaved (A B C D A B C D
  ...) so that a shared machine's load changes hit every variant alike; the same for the 3x3
  convolution ceiling (64 -> 256 channels, 64x64, batch 4, forward + backward). Medians and
  speed-ups against fp32 NCHW are printed.
* ``--loss-check``: the quickstart configuration (``configs/quickstart.yaml``) trained through
  ``msrnn fit`` for ``--loss-steps`` steps in each of ``--loss-variants``, once per seed of
  ``--loss-seeds`` (a seed fixes the weights, masks and data of all its variants); the mean
  training loss over the last ``--loss-window`` steps, averaged over seeds, its spread over seeds
  and its difference to fp32, overall and seed by seed.

Examples::

    python benchmarks/precision.py --json precision.json
    python benchmarks/precision.py --models convlstm,predrnn --repeats 5
    python benchmarks/precision.py --loss-check --models none
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from msrnn.allocator import retain_freed_memory
from msrnn.models import build_model, list_models
from msrnn.profiling.flops import count_flops
from msrnn.profiling.machine import describe_machine, measured_on
from msrnn.profiling.profile import random_frames
from msrnn.profiling.step import Precision, TrainingStep, autocast
from msrnn.profiling.timing import Timing, interleaved

PAPER_MODELS = tuple(list_models(tag="paper"))


@dataclass(frozen=True)
class Variant:
    """A numeric precision and a memory format."""

    name: str
    precision: Precision
    channels_last: bool

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format


VARIANTS = {
    v.name: v
    for v in (
        Variant("fp32", "32", False),
        Variant("fp32-cl", "32", True),
        Variant("bf16", "bf16-mixed", False),
        Variant("bf16-cl", "bf16-mixed", True),
    )
}
BASELINE = "fp32"
CEILING_SHAPE = (4, 64, 256, 64)  # batch, in, out, size: a ConvLSTM gate convolution of the paper


def _conv_call(variant: Variant, device: torch.device, shape: tuple[int, int, int, int]):
    batch, in_channels, out_channels, size = shape
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(batch, in_channels, size, size, generator=generator)
    weight = torch.rand(out_channels, in_channels, 3, 3, generator=generator)
    x, weight = (
        t.to(device, memory_format=variant.memory_format).requires_grad_() for t in (x, weight)
    )

    def call() -> None:
        x.grad = weight.grad = None
        with autocast(variant.precision, device):
            out = F.conv2d(x, weight, padding=1)
        out.sum().backward()

    return call


def conv_ceiling(
    variants: Sequence[Variant],
    *,
    device: torch.device,
    shape: tuple[int, int, int, int] = CEILING_SHAPE,
    repeats: int = 5,
) -> dict[str, dict[str, Any]]:
    """GFLOP/s of a 3x3 convolution ``(batch, in, out, size)`` forward + backward per variant."""
    calls = {v.name: _conv_call(v, device, shape) for v in variants}
    _, flops = count_flops(next(iter(calls.values())))
    for call in calls.values():
        call()  # warm-up: oneDNN primitives, allocator
    timings = interleaved(calls, repeats=repeats, device=device)
    return {
        name: {**_timing(timing), "gflops_per_second": flops / timing.median / 1e9}
        for name, timing in timings.items()
    }


def time_model(
    name: str,
    variants: Sequence[Variant],
    *,
    device: torch.device,
    batch: int = 4,
    frames: int = 20,
    size: int = 64,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """Interleaved training-step timings of one model (paper preset) in each variant.

    Every variant starts from the same weights and frames. The first, untimed step of each
    variant is the warm-up (Adam state, oneDNN primitives); a variant that fails there is reported
    with its error instead of a timing. FLOPs are counted during the first variant's warm-up.
    """
    torch.manual_seed(seed)
    reference = build_model(name).to(device)
    shape = (batch, frames, reference.in_channels, size, size)
    inputs = random_frames(shape, device, seed)
    steps, errors, flops = {}, {}, None
    for variant in variants:
        model = copy.deepcopy(reference).configure(channels_last=variant.channels_last)
        try:
            step = TrainingStep(model, inputs, precision=variant.precision)
            if flops is None:
                _, flops = count_flops(step)
            else:
                step()
        except (RuntimeError, ValueError) as error:
            errors[variant.name] = f"{type(error).__name__}: {error}"
            continue
        steps[variant.name] = step
    timings = interleaved(steps, repeats=repeats, device=device)
    results = {key: _timing(timing) for key, timing in timings.items()}
    results.update({key: {"error": message} for key, message in errors.items()})
    return {"flops": flops, "variants": results}


def _timing(timing: Timing) -> dict[str, Any]:
    return {"seconds": list(timing.seconds), "median": timing.median}


def speedups(variants: Mapping[str, Mapping[str, Any]]) -> dict[str, float | None]:
    """Median-time speed-up of each variant over fp32 NCHW (``None`` where either failed)."""
    base = variants.get(BASELINE, {}).get("median")
    return {
        key: base / value["median"] if base and "median" in value else None
        for key, value in variants.items()
    }


def training_losses(run: Path) -> list[float]:
    """Per-step training losses that ``msrnn fit`` logged to ``run``'s CSV log, in step order."""
    logs = sorted(run.glob("logs/csv/version_*/metrics.csv"))
    if not logs:
        raise FileNotFoundError(f"no CSV training log under {run}/logs/csv")
    with logs[-1].open(newline="") as file:
        rows = [row for row in csv.DictReader(file) if row.get("train/loss_step")]
    return [float(row["train/loss_step"]) for row in sorted(rows, key=lambda r: int(r["step"]))]


def _fit_args(variant: Variant, run: Path, steps: int, seed: int) -> list[str]:
    from msrnn.training.quickstart import quickstart_config

    return [
        "fit",
        *("--config", str(quickstart_config()), "--trainer.default_root_dir", str(run)),
        *("--seed_everything", str(seed)),
        *("--trainer.max_steps", str(steps), "--trainer.precision", variant.precision),
        *("--model.channels_last", str(variant.channels_last).lower()),
        *("--trainer.log_every_n_steps", "1", "--trainer.limit_val_batches", "0"),
        *("--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"),
        *("--data.init_args.num_workers", "0"),
    ]


def loss_check(
    variants: Sequence[Variant],
    *,
    root: Path,
    steps: int = 200,
    window: int = 20,
    seeds: Sequence[int] = (2022,),
    extra: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """Train the quickstart configuration through ``msrnn fit`` in each variant, once per seed.

    For one seed all variants share the initial weights, the sampling masks and the data order,
    so they differ only by their arithmetic; a single run's late losses still drift apart (the
    trajectories are chaotic), hence several seeds. Runs go seed by seed, all variants of a seed
    together. ``extra`` are more ``msrnn fit`` arguments (e.g. a smaller model for a quick check).

    Returns:
        Per variant: ``runs`` (per seed: the logged ``losses``, ``mean_last``, the mean of the
        last ``window`` of them, and the wall-clock ``seconds``), ``mean_last`` (the mean of the
        runs' ``mean_last``), ``spread`` (their standard deviation over seeds relative to that
        mean; 0 for one seed), ``relative_difference`` (``mean_last`` against fp32's) and
        ``paired_differences`` (per seed, the run's ``mean_last`` against fp32's run of the same
        seed); the last two are ``None`` without an fp32 run.
    """
    from msrnn.training.cli import run_cli

    if not 1 <= window <= steps:
        raise ValueError(f"the loss window must be between 1 and {steps} steps, got {window}")
    if not seeds:
        raise ValueError("the loss check needs at least one seed")
    runs: dict[str, dict[str, dict[str, Any]]] = {variant.name: {} for variant in variants}
    for seed in seeds:
        for variant in variants:
            run = root / f"{variant.name}-seed{seed}"
            start = time.perf_counter()
            run_cli([*_fit_args(variant, run, steps, seed), *extra])
            losses = training_losses(run)
            runs[variant.name][str(seed)] = {
                "losses": losses,
                "mean_last": statistics.fmean(losses[-window:]),
                "seconds": time.perf_counter() - start,
            }
    return {name: _loss_summary(per_seed, runs.get(BASELINE)) for name, per_seed in runs.items()}


def _loss_summary(
    per_seed: Mapping[str, Mapping[str, Any]], baseline: Mapping[str, Mapping[str, Any]] | None
) -> dict[str, Any]:
    values = [run["mean_last"] for run in per_seed.values()]
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) / mean if len(values) > 1 else 0.0
    summary: dict[str, Any] = {"runs": dict(per_seed), "mean_last": mean, "spread": spread}
    summary["relative_difference"] = summary["paired_differences"] = None
    if baseline:
        base = statistics.fmean(run["mean_last"] for run in baseline.values())
        summary["relative_difference"] = (mean - base) / base
        summary["paired_differences"] = {
            seed: (run["mean_last"] - baseline[seed]["mean_last"]) / baseline[seed]["mean_last"]
            for seed, run in per_seed.items()
        }
    return summary


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def render(report: Mapping[str, Any], variants: Sequence[str]) -> list[str]:
    """Markdown tables of the ceiling, the models and the loss check found in ``report``."""
    if not report["models"]:  # a loss check alone
        return _render_losses(report.get("loss_check"))
    batch, inputs, outputs, size = report["ceiling_shape"]
    lines = [f"Ceiling: 3x3 conv {inputs}->{outputs}, {size}x{size}, batch {batch}, fwd+bwd", ""]
    lines += ["| variant | median (s) | GFLOP/s | speed-up |", "|---|---:|---:|---:|"]
    ceiling = report["ceiling"]
    for name, ratio in speedups(ceiling).items():
        row = ceiling[name]
        lines.append(
            f"| {name} | {row['median']:.4f} | {row['gflops_per_second']:.1f} | {_ratio(ratio)} |"
        )
    if report["models"]:
        lines += ["", "Training step, median seconds (speed-up over fp32 NCHW)", ""]
        lines += ["| model | GFLOP/step | " + " | ".join(variants) + " |"]
        lines += ["|---|---:|" + "---:|" * len(variants)]
    for name, result in report["models"].items():
        ratios = speedups(result["variants"])
        cells = [name, f"{result['flops'] / 1e9:.1f}" if result["flops"] else "n/a"]
        for key in variants:
            value = result["variants"][key]
            cells.append(
                f"{value['median']:.2f} ({_ratio(ratios[key])})" if "median" in value else "error"
            )
        lines.append("| " + " | ".join(cells) + " |")
    errors = [
        f"- {name} {key}: {value['error']}"
        for name, result in report["models"].items()
        for key, value in result["variants"].items()
        if "error" in value
    ]
    lines += ["", *errors] if errors else []
    return lines + _render_losses(report.get("loss_check"))


def _render_losses(results: Mapping[str, Any] | None) -> list[str]:
    if not results:
        return []
    lines = ["", "Loss check (quickstart config)", ""]
    lines += [
        "| variant | seeds | mean of last steps | seed spread | vs fp32 | per seed vs fp32 "
        "| run (s) |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name, result in results.items():
        difference = result["relative_difference"]
        change = "n/a" if difference is None else f"{100 * difference:+.2f}%"
        paired = result["paired_differences"]
        per_seed = (
            "n/a" if paired is None else ", ".join(f"{100 * v:+.1f}%" for v in paired.values())
        )
        seconds = statistics.median(run["seconds"] for run in result["runs"].values())
        lines.append(
            f"| {name} | {len(result['runs'])} | {result['mean_last']:.4f} "
            f"| {100 * result['spread']:.1f}% | {change} | {per_seed} | {seconds:.0f} |"
        )
    return lines


def _choose(text: str, default: Sequence[str], known: Sequence[str], what: str) -> list[str]:
    """``default`` for "all", nothing for "none", else the comma list, each name in ``known``."""
    names = list(default) if text == "all" else [] if text == "none" else text.split(",")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown {what}(s) {unknown}; choose from {', '.join(known)}")
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default="all", help="comma list, 'all' (16 paper models) or 'none'"
    )
    parser.add_argument("--variants", default="all", help=f"comma list of {', '.join(VARIANTS)}")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per model")
    parser.add_argument("--ceiling-repeats", type=int, default=5)
    parser.add_argument(
        "--ceiling-shape",
        type=int,
        nargs=4,
        default=CEILING_SHAPE,
        metavar=("BATCH", "IN", "OUT", "SIZE"),
        help="the reference convolution (default: one paper ConvLSTM gate convolution)",
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch intra-op threads")
    parser.add_argument("--json", type=Path, help="also write every figure to this new file")
    parser.add_argument("--loss-check", action="store_true", help="train the quickstart config")
    parser.add_argument("--loss-steps", type=int, default=200)
    parser.add_argument("--loss-window", type=int, default=20, help="last steps averaged")
    parser.add_argument("--loss-variants", default="fp32,bf16-cl")
    parser.add_argument(
        "--loss-seeds", default="2022,0,1", help="comma list of seeds, each a run per variant"
    )
    parser.add_argument(
        "--loss-args", default="", help="extra `msrnn fit` arguments, one string (quick checks)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.json is not None and args.json.exists():
        raise FileExistsError(f"{args.json} exists; choose another --json path")
    device = torch.device(args.device)
    variants = [
        VARIANTS[n] for n in _choose(args.variants, list(VARIANTS), list(VARIANTS), "variant")
    ]
    models = _choose(args.models, PAPER_MODELS, list_models(), "model")
    loss_variants = _choose(args.loss_variants, list(VARIANTS), list(VARIANTS), "variant")
    setup = {"batch": args.batch, "frames": args.frames, "size": args.size, "repeats": args.repeats}
    report: dict[str, Any] = {"machine": describe_machine(), "setup": setup, "models": {}}
    print(json.dumps(report["machine"]), flush=True)
    if args.loss_check:  # first: a bad --loss-args fails before the long timings
        with tempfile.TemporaryDirectory() as root:
            report["loss_check"] = loss_check(
                [VARIANTS[name] for name in loss_variants],
                root=Path(root),
                steps=args.loss_steps,
                window=args.loss_window,
                seeds=[int(seed) for seed in args.loss_seeds.split(",")],
                extra=shlex.split(args.loss_args),
            )
    if models:
        shape = report["ceiling_shape"] = tuple(args.ceiling_shape)
        report["ceiling"] = conv_ceiling(
            variants, device=device, shape=shape, repeats=args.ceiling_repeats
        )
    for name in models:
        start = time.perf_counter()
        report["models"][name] = time_model(name, variants, device=device, **setup)
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    command = "python benchmarks/precision.py " + shlex.join(
        sys.argv[1:] if argv is None else list(argv)
    )
    report["markdown"] = (
        "\n".join(
            [
                f"### Precision and memory layout (batch {args.batch}, {args.frames} frames, "
                f"{args.size}x{args.size})"
                if models
                else "### Training loss in bf16-mixed against fp32 (quickstart config)",
                "",
                f"Generated by `{command}` ({measured_on()})"
                + (
                    ": the variants alternate on each model (medians)."
                    if models
                    else f": {args.loss_steps} steps of each variant per seed (within a seed the "
                    f"same initial weights, sampling masks and data); the mean training loss over "
                    f"the last {args.loss_window} steps, averaged over the seeds; the spread is "
                    f"the standard deviation over seeds relative to the mean."
                ),
                "",
                *render(report, [v.name for v in variants]),
            ]
        )
        + "\n"
    )
    print(report["markdown"])
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does; not in main(), which tests call
    sys.exit(main())

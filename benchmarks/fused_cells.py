"""Fused versus unfused gate code: one training step of each model, timed side by side.

For every model, two copies with the same weights are built, one with ``fused=False`` (one
convolution per input and the gate arithmetic through autograd) and one with ``fused=True``
(:func:`msrnn.layers.gates.summed_conv2d` and :mod:`msrnn.layers.lstm_pointwise`). Each runs one
real training step (teacher-forced forward over ``T - 1`` steps, the L1+L2 loss, backward, Adam;
:class:`msrnn.profiling.step.TrainingStep`). The first step of each is instrumented: it counts
the bytes saved for backward and checks that both copies give the same loss. Then both run
``--warmup`` untimed steps and ``--repeats`` timed steps, interleaved (unfused, fused, unfused,
...), so that a shared machine's drift affects both alike; medians are reported.

Usage (the paper configuration, 6 layers x 64 channels, 64x64, batch 4, 20 frames)::

    python benchmarks/fused_cells.py --json fused_cells.json

The cells of every family side by side, each model cut to two layers of the paper's width::

    python benchmarks/fused_cells.py --num-layers 2 --models convlstm,trajgru,predrnn,...

A quick check of the script itself::

    python benchmarks/fused_cells.py --size 16 --batch 1 --frames 4 --repeats 2

The JSON holds the setup, the machine, per model the timings, medians, speed-up and saved bytes,
and a ``markdown`` table (``benchmarks/table1.py --extra`` adds it to its page).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
from pathlib import Path

import torch

from msrnn.allocator import heap_setting, retain_freed_memory
from msrnn.models import build_model
from msrnn.profiling.dry_run import activation_counter
from msrnn.profiling.profile import random_frames
from msrnn.profiling.report import format_bytes
from msrnn.profiling.step import PRECISIONS, TrainingStep
from msrnn.profiling.timing import time_calls

MODELS = ("convlstm", "ms-convlstm", "predrnn", "ms-predrnn")
VARIANTS = ("unfused", "fused")


def pair_of_steps(name: str, args: argparse.Namespace) -> dict[str, TrainingStep]:
    """Training steps of the unfused and the fused copy of ``name`` (same weights, same data)."""
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    overrides = {} if args.num_layers is None else {"num_layers": args.num_layers}
    unfused = build_model(name, fused=False, **overrides).to(device)
    fused = build_model(name, fused=True, **overrides).to(device)
    fused.load_state_dict(unfused.state_dict())
    shape = (args.batch, args.frames, unfused.in_channels, args.size, args.size)
    frames = random_frames(shape, device, args.seed)
    return {
        variant: TrainingStep(model.train(), frames, precision=args.precision)
        for variant, model in zip(VARIANTS, (unfused, fused), strict=True)
    }


def instrumented_step(step: TrainingStep) -> tuple[float, int]:
    """One training step that also counts the saved bytes; returns ``(loss, bytes)``."""
    loss, saved = activation_counter(step.frames.device)(step.loss)
    step.update(loss)
    return loss.item(), saved


def measure(name: str, args: argparse.Namespace) -> dict:
    """Saved bytes, loss agreement and interleaved timings of both variants of ``name``."""
    steps = pair_of_steps(name, args)
    device = steps["fused"].frames.device
    first = {variant: instrumented_step(step) for variant, step in steps.items()}
    for _ in range(args.warmup):
        for step in steps.values():
            step()
    seconds = {variant: [] for variant in VARIANTS}
    for _ in range(args.repeats):
        for variant, step in steps.items():
            seconds[variant] += time_calls(step, repeats=1, device=device).seconds
    medians = {variant: statistics.median(s) for variant, s in seconds.items()}
    losses = {variant: loss for variant, (loss, _) in first.items()}
    saved = {variant: nbytes for variant, (_, nbytes) in first.items()}
    return {
        "model": name,
        "seconds": seconds,
        "median_seconds": medians,
        "speedup": medians["unfused"] / medians["fused"],
        "saved_bytes": saved,
        "saved_ratio": saved["fused"] / saved["unfused"],
        "first_loss": losses,
        "loss_relative_difference": abs(losses["fused"] - losses["unfused"])
        / abs(losses["unfused"]),
    }


def machine() -> dict:
    """Where the figures were taken."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or "unknown",
        "cpu_count": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch": torch.__version__,
        "load_average": os.getloadavg(),
        "heap": heap_setting(),
    }


def markdown(records: list[dict], args: argparse.Namespace, command: str) -> str:
    """The results as a markdown section; ``command`` is the command line that measured them."""
    depth = "paper depth" if args.num_layers is None else f"{args.num_layers} layers"
    lines = [
        f"### Fused gate code: {args.size}x{args.size}, batch {args.batch}, {args.frames} "
        f"frames, {depth}, precision {args.precision}, {args.device}",
        "",
        f"Generated by `{command}`: median of interleaved training steps (forward + backward + "
        f"Adam), {args.repeats} each after {args.warmup} warm-up steps; saved bytes of the "
        "first step.",
        "",
        "| model | unfused (s) | fused (s) | speed-up | saved unfused | saved fused | "
        "saved ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        t, b = r["median_seconds"], r["saved_bytes"]
        lines.append(
            f"| {r['model']} | {t['unfused']:.3f} | {t['fused']:.3f} | {r['speedup']:.2f}x | "
            f"{format_bytes(b['unfused'])} | {format_bytes(b['fused'])} | "
            f"{r['saved_ratio']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma list of model names")
    parser.add_argument(
        "--num-layers", type=int, help="layers of every model (default: its paper depth)"
    )
    parser.add_argument("--size", type=int, default=64, help="square frame side")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--frames", type=int, default=20, help="sequence length T")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps of each variant")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps of each variant")
    parser.add_argument("--precision", choices=PRECISIONS, default="32")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f"--repeats must be >= 1 and --warmup >= 0, got {args.repeats}, {args.warmup}")
    if args.frames < 2 or args.batch < 1 or args.size < 1:
        parser.error("--frames must be >= 2, --batch and --size >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    records = []
    for name in args.models.split(","):
        record = measure(name, args)
        records.append(record)
        t = record["median_seconds"]
        print(
            f"{name}: unfused {t['unfused']:.3f} s, fused {t['fused']:.3f} s, "
            f"speed-up {record['speedup']:.2f}x; saved "
            f"{format_bytes(record['saved_bytes']['unfused'])} -> "
            f"{format_bytes(record['saved_bytes']['fused'])} "
            f"({record['saved_ratio']:.3f}); loss difference "
            f"{record['loss_relative_difference']:.1e}",
            flush=True,
        )
    words = sys.argv[1:] if argv is None else argv
    table = markdown(records, args, "python benchmarks/fused_cells.py " + shlex.join(words))
    print(table)
    if args.json:
        result = {"setup": vars(args), "machine": machine(), "models": records, "markdown": table}
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does; not in main(), which tests call
    sys.exit(main())

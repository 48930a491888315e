"""``msrnn profile``: memory, FLOPs and speed of a training step; the largest frame for a budget."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch

from msrnn.atomic import write_text_atomically
from msrnn.models import SKIP_POLICIES
from msrnn.profiling.max_size import find_max_size
from msrnn.profiling.profile import RunSetup, profile_training
from msrnn.profiling.report import format_max_size, format_profile, parse_bytes
from msrnn.profiling.spec import ConfigDefaults, ModelSpec, read_config
from msrnn.profiling.step import PRECISIONS

PAPER = RunSetup()  # batch 4, 20 frames, 64x64: the paper's Moving MNIST setting
# command-line flag -> build_model override
_OVERRIDES = (
    "hidden_channels",
    "num_layers",
    "kernel_size",
    "in_channels",
    "levels",
    "skip",
    "patch_size",
)


def add_profile_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``profile`` command to ``subparsers`` (from ``parser.add_subparsers()``)."""
    parser = subparsers.add_parser(
        "profile",
        help="parameters, FLOPs, training memory (measured and by the paper's law) and speed "
        "of one training step; --max-size: the largest frame within a memory budget",
        description="Profile one training step (forward with teacher forcing, L1+L2 loss, "
        "backward, Adam) of a registered model or of the model of a training config.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--model", help="registered model name (see `msrnn models`)")
    what.add_argument("--config", help="a `msrnn fit` YAML config: its model and data settings")
    parser.add_argument("--preset", choices=("paper", "clean"), help="default: paper")
    parser.add_argument("--hidden-channels", type=int)
    parser.add_argument("--num-layers", type=int)
    parser.add_argument("--kernel-size", type=int)
    parser.add_argument("--in-channels", type=int)
    parser.add_argument("--levels", type=int, nargs="+", help="scale plan, one level per layer")
    parser.add_argument("--skip", choices=SKIP_POLICIES)
    parser.add_argument(
        "--patch-size",
        type=int,
        metavar="P",
        help="fold P x P patches into channels: the stack runs on an H/P x W/P grid (default: 1)",
    )
    parser.add_argument(
        "--size", type=int, nargs="+", metavar="N", help="frame size: H, or H W (default: 64)"
    )
    parser.add_argument("--batch", type=int, help=f"default: {PAPER.batch}")
    parser.add_argument("--frames", type=int, help=f"sequence length T (default: {PAPER.frames})")
    parser.add_argument("--input-frames", type=int, help="observed frames (model default: 10)")
    parser.add_argument("--precision", choices=PRECISIONS, default="32")
    parser.add_argument(
        "--channels-last",
        action="store_true",
        help="run the model in the channels-last (NHWC) memory format",
    )
    parser.add_argument(
        "--recompute",
        nargs="?",
        const=True,
        type=int,
        metavar="K",
        help="activation recomputation: recompute each time step in backward (or segments of K "
        "steps: only the state at each segment's start is kept)",
    )
    parser.add_argument(
        "--unfused",
        action="store_true",
        help="the plain autograd gate formulation instead of the fused default",
    )
    parser.add_argument("--repeats", type=int, default=PAPER.repeats, help="timed steps")
    parser.add_argument("--warmup", type=int, default=PAPER.warmup, help="untimed steps")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or meta (dry run)")
    parser.add_argument("--json", help="also write the figures to this new JSON file")
    parser.add_argument(
        "--max-size", action="store_true", help="find the largest square frame within --budget"
    )
    parser.add_argument("--budget", default="40GiB", help="memory budget (default: 40GiB)")
    return parser


def _model_spec(args: argparse.Namespace) -> tuple[ModelSpec, ConfigDefaults]:
    if args.config:
        spec, defaults = read_config(args.config)
    else:
        spec, defaults = ModelSpec(args.model), ConfigDefaults()
    overrides = dict(spec.overrides)
    for key in _OVERRIDES:
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    if args.input_frames is not None:
        overrides["input_frames"] = args.input_frames
    if args.recompute is not None:
        overrides["recompute"] = args.recompute
    if args.unfused:
        overrides["fused"] = False
    return ModelSpec(spec.name, args.preset or spec.preset, overrides), defaults


def _setup(args: argparse.Namespace, defaults: ConfigDefaults) -> RunSetup:
    size = tuple(args.size) if args.size else defaults.size or PAPER.size
    if len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2:
        raise ValueError(f"--size takes H or H W, got {len(size)} numbers")
    return RunSetup(
        size=size,
        batch=_first(args.batch, defaults.batch, PAPER.batch),
        frames=_first(args.frames, defaults.frames, PAPER.frames),
        precision=args.precision,
        channels_last=args.channels_last,
        repeats=args.repeats,
        warmup=args.warmup,
    )


def _first(*values: int | None) -> int:
    return next(value for value in values if value is not None)


def _device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ValueError(f"unknown --device {name!r}; use cpu, cuda, cuda:N or meta") from error
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA is not available here; use --device cpu (or meta for a dry run)")
    return device


def _json_target(path: str | None) -> Path | None:
    # checked before the (possibly long) measurement; results are never written over a file
    if path is None:
        return None
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; choose another --json path or remove it first")
    return target


def run_profile(args: argparse.Namespace) -> int:
    """Run ``msrnn profile`` with parsed ``args``; print the table and return 0.

    Raises:
        ValueError: for a bad setting (unknown model or device, bad size, budget too small).
        FileNotFoundError: for a missing ``--config``.
        FileExistsError: if the ``--json`` file exists.
    """
    spec, defaults = _model_spec(args)
    setup = _setup(args, defaults)
    setup.check()
    device = _device(args.device)
    target = _json_target(args.json)
    if args.max_size:
        if args.size:
            print("note: --max-size searches square frames; --size is ignored")
        report = find_max_size(
            lambda: spec.build().configure(channels_last=setup.channels_last),
            parse_bytes(args.budget),
            batch=setup.batch,
            frames=setup.frames,
            precision=setup.precision,
            device=device,
        )
        print(
            format_max_size(report, model=spec.describe(), batch=setup.batch, frames=setup.frames)
        )
        payload = {"model": spec.describe(), "batch": setup.batch, "frames": setup.frames}
        payload.update(report.to_dict())
    else:
        profile = profile_training(spec.build().to(device), setup, name=spec.describe())
        print(format_profile(profile))
        payload = profile.to_dict()
    if target is not None:
        write_text_atomically(target, json.dumps(payload, indent=2) + "\n", overwrite=False)
    return 0

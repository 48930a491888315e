"""msrnn's default training step against a plain-autograd reference of the same network.

The reference, written here, is the formulation a paper's code uses: every gate convolution is
one ``nn.Conv2d`` over the channel concatenation ``[x, h]`` (so autograd saves the
concatenation), the gate arithmetic is plain autograd, the pyramid resamples with
``F.max_pool2d`` and ``F.interpolate``. It is built from an msrnn model and takes its weights
(a block of ``SummedConv2d`` weights side by side is the concatenated convolution's weight, the
summed bias rows its bias), so both compute the same function and start from the same state.

For each model (ConvLSTM, MS-ConvLSTM, PredRNN, MS-PredRNN by default), grid (64x64 frames, and
64x64 frames on 4x4 patches: a 16x16 grid) and precision (fp32, bf16-mixed), one real training
step of each (teacher-forced forward over ``T - 1`` steps, the L1+L2 loss, backward, Adam;
:class:`msrnn.profiling.step.TrainingStep`) is timed ``--repeats`` times, interleaved
(reference, msrnn, reference, ...), after ``--warmup`` untimed steps; the first step of each
counts the bytes saved for backward and checks that the losses agree. Reported: medians, the
ratio msrnn / reference, saved bytes, and the spread of msrnn's steps (slowest over median).
When both precisions run, one ConvLSTM gate convolution of the run's width and grid is timed in
fp32 and in bf16-mixed + channels-last first, so that the models' bf16 speed-ups can be read as a
share of what the convolutions alone gain. A table of the speed targets (``*_TARGET`` below)
closes the report: fp32 msrnn / reference, the slowest step, MS-X / X on the full and on the
patched grid, and that share.

    python benchmarks/plain_reference.py --json benchmarks/results/plain_reference.json
    python benchmarks/plain_reference.py --size 16 --batch 1 --frames 4 --repeats 2  # quick check
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from msrnn.allocator import retain_freed_memory
from msrnn.cells.convlstm import ConvLSTMCell
from msrnn.cells.predrnn import STLSTMCell
from msrnn.layers import SummedConv2d, level_size
from msrnn.models import Forecaster, ForecastOutput, base_of, build_model
from msrnn.profiling.flops import conv_ceiling
from msrnn.profiling.machine import describe_machine, measured_on
from msrnn.profiling.profile import random_frames
from msrnn.profiling.report import format_bytes
from msrnn.profiling.side_by_side import side_by_side
from msrnn.profiling.step import TrainingStep

MODELS = ("convlstm", "ms-convlstm", "predrnn", "ms-predrnn")
PATCHES = (1, 4)
PRECISIONS = ("32", "bf16-mixed")
VARIANTS = ("reference", "msrnn")
# The speed targets this benchmark checks (docs/benchmarks.md): msrnn's fp32 step against the
# reference, its slowest step against its median, MS-X against X on the full and on a patched
# grid, and bf16-mixed's speed-up as a share of what the convolutions alone gain.
FP32_RATIO_TARGET = 0.9
SPREAD_TARGET = 1.15
MS_RATIO_TARGET = {"full grid": 0.6, "patched grid": 0.72}
BF16_SHARE_TARGET = 0.9


def _concatenated_conv(summed: SummedConv2d) -> nn.Conv2d:
    """The one convolution over the concatenated inputs that equals ``summed``."""
    conv = nn.Conv2d(
        sum(summed.in_channels),
        summed.out_channels,
        summed.kernel_size,
        padding=summed.padding,
    )
    with torch.no_grad():
        conv.weight.copy_(summed.weight)
        conv.bias.copy_(summed.bias.sum(0))
    return conv


def _copy_conv(conv: nn.Conv2d) -> nn.Conv2d:
    copy = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding)
    copy.load_state_dict(conv.state_dict())
    return copy


class PlainConvLSTMCell(nn.Module):
    """``[i, f, g, o] = W * [x, h] + b``; ``c = σ(f) c + σ(i) tanh(g)``; ``h = σ(o) tanh(c)``."""

    uses_memory = False

    def __init__(self, cell: ConvLSTMCell) -> None:
        super().__init__()
        self.gates = _concatenated_conv(cell.gates)

    def forward(self, x, state, memory):
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], 1)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c), None


class PlainSTLSTMCell(nn.Module):
    """PredRNN's ST-LSTM: gates of ``[x, h]`` and ``[x, m]``, the output gate of ``[c, m]``,
    ``h = σ(o + o_cm) tanh(W_1 * [c, m])``."""

    uses_memory = True

    def __init__(self, cell: STLSTMCell) -> None:
        super().__init__()
        self.gates = _concatenated_conv(cell.gates)
        self.memory_gates = _concatenated_conv(cell.memory_gates)
        self.output_gate = _concatenated_conv(cell.output_gate)
        self.fuse = _copy_conv(cell.fuse)

    def forward(self, x, state, memory):
        h, c = state
        i, f, g, o = self.gates(torch.cat([x, h], 1)).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        i_m, f_m, g_m = self.memory_gates(torch.cat([x, memory], 1)).chunk(3, 1)
        memory = torch.sigmoid(f_m) * memory + torch.sigmoid(i_m) * torch.tanh(g_m)
        both = torch.cat([c, memory], 1)
        h = torch.sigmoid(o + self.output_gate(both)) * torch.tanh(self.fuse(both))
        return h, (h, c), memory


PLAIN_CELLS = {ConvLSTMCell: PlainConvLSTMCell, STLSTMCell: PlainSTLSTMCell}


def _resample(x: Tensor, source: int, target: int, size: tuple[int, int]) -> Tensor:
    if source == target:
        return x
    if target > source:
        return F.max_pool2d(x, 2 ** (target - source))
    return F.interpolate(x, size=level_size(size, target), mode="bilinear", align_corners=False)


class PlainForecaster(nn.Module):
    """The reference network of an msrnn :class:`~msrnn.models.Forecaster` (ConvLSTM or
    ST-LSTM cells, any scale plan and skip policy, patching), with its weights."""

    def __init__(self, model: Forecaster) -> None:
        super().__init__()
        self.patch = model.patch_size
        self.embed, self.readout = _copy_conv(model.embed), _copy_conv(model.readout)
        self.cells = nn.ModuleList(PLAIN_CELLS[type(cell)](cell) for cell in model.stack.cells)
        self.levels, self.sources = model.stack.levels, model.stack.sources
        self.channels = model.stack.channels

    def forward(self, frames: Tensor, *, teacher_forcing: Tensor) -> ForecastOutput:
        batch, length = frames.shape[:2]
        if self.patch > 1:
            frames = F.pixel_unshuffle(frames.flatten(0, 1), self.patch).unflatten(0, (batch, -1))
        size = frames.shape[-2:]
        zeros = [
            frames.new_zeros(batch, self.channels, *level_size(size, lv)) for lv in self.levels
        ]
        states = [(z, z) for z in zeros]
        memory = zeros[-1] if self.cells[0].uses_memory else None
        predictions, prediction = [], None
        for t in range(length - 1):
            m = teacher_forcing[:, t].view(-1, 1, 1, 1)
            x = frames[:, t] if prediction is None else m * frames[:, t] + (1 - m) * prediction
            outputs = []
            if memory is not None:
                memory = _resample(memory, self.levels[-1], self.levels[0], size)
            for layer, cell in enumerate(self.cells):
                if layer == 0:
                    inp = _resample(self.embed(x), 0, self.levels[0], size)
                else:
                    inp = sum(
                        _resample(outputs[s], self.levels[s], self.levels[layer], size)
                        for s in self.sources[layer]
                    )
                    if memory is not None:
                        memory = _resample(memory, self.levels[layer - 1], self.levels[layer], size)
                h, states[layer], memory = cell(inp, states[layer], memory)
                outputs.append(h)
            prediction = self.readout(_resample(outputs[-1], self.levels[-1], 0, size))
            predictions.append(prediction)
        stacked = torch.stack(predictions, 1)
        if self.patch > 1:
            stacked = F.pixel_shuffle(stacked.flatten(0, 1), self.patch).unflatten(0, (batch, -1))
        return ForecastOutput(stacked)


def pair_of_steps(name: str, patch: int, precision: str, args: argparse.Namespace) -> dict:
    """Training steps of the reference and of msrnn's default model (same weights and data)."""
    torch.manual_seed(args.seed)
    overrides = {} if args.num_layers is None else {"num_layers": args.num_layers}
    ours = build_model(name, patch_size=patch, hidden_channels=args.channels, **overrides)
    if precision == "bf16-mixed":
        ours.configure(channels_last=True)  # the fast bf16 path
    reference = PlainForecaster(ours)
    shape = (args.batch, args.frames, ours.in_channels, args.size, args.size)
    frames = random_frames(shape, torch.device("cpu"), args.seed)
    return {
        "reference": TrainingStep(reference.train(), frames, precision=precision),
        "msrnn": TrainingStep(ours.train(), frames, precision=precision),
    }


def measure(name: str, patch: int, precision: str, args: argparse.Namespace) -> dict:
    steps = pair_of_steps(name, patch, precision, args)
    measured = side_by_side(steps, repeats=args.repeats, warmup=args.warmup)
    medians, losses = measured["median_seconds"], measured["first_loss"]
    return {
        "model": name,
        "patch_size": patch,
        "grid": args.size // patch,
        "precision": precision,
        "seconds": measured["seconds"],
        "median_seconds": medians,
        "ratio": medians["msrnn"] / medians["reference"],
        "msrnn_slowest_over_median": max(measured["seconds"]["msrnn"]) / medians["msrnn"],
        "saved_bytes": measured["saved_bytes"],
        "loss_relative_difference": abs(losses["msrnn"] - losses["reference"])
        / abs(losses["reference"]),
    }


def gate_conv_speedup(patch: int, args: argparse.Namespace, rounds: int = 3) -> dict:
    """bf16-mixed + channels-last over fp32 for one ConvLSTM gate convolution of this run's width
    and grid (``2C -> 4C``, 3x3, forward + backward), the two precisions alternating."""
    shape = {"batch": args.batch, "in_channels": 2 * args.channels,
             "out_channels": 4 * args.channels, "size": args.size // patch}  # fmt: skip
    cpu = torch.device("cpu")
    seconds = {"32": [], "bf16-mixed": []}
    for _ in range(rounds):
        for precision, times in seconds.items():
            ceiling = conv_ceiling(cpu, **shape, precision=precision,
                                   channels_last=precision == "bf16-mixed", repeats=3)  # fmt: skip
            times.append(ceiling.timing.median)
    medians = {precision: statistics.median(times) for precision, times in seconds.items()}
    return {"shape": shape, "median_seconds": medians,
            "speedup": medians["32"] / medians["bf16-mixed"]}  # fmt: skip


def _verdict(value: float, target: float, *, at_most: bool = True) -> str:
    met = value <= target if at_most else value >= target
    return "met" if met else "**unmet**"


def target_rows(records: list[dict], ceilings: dict[int, dict]) -> list[str]:
    """One markdown row per target this run can check."""
    rows = []
    for r in records:
        if r["precision"] == "32":
            grid = f"{r['grid']}x{r['grid']}"
            verdict = _verdict(r["ratio"], FP32_RATIO_TARGET)
            rows.append(f"| fp32 msrnn / reference, {r['model']} {grid} | {r['ratio']:.2f} | "
                        f"<= {FP32_RATIO_TARGET} | {verdict} |")  # fmt: skip
    worst = max(records, key=lambda r: r["msrnn_slowest_over_median"])
    spread = worst["msrnn_slowest_over_median"]
    rows.append(f"| slowest / median msrnn step, worst of the run ({worst['model']} "
                f"{worst['grid']}x{worst['grid']} {worst['precision']}) | {spread:.2f} | "
                f"<= {SPREAD_TARGET} | {_verdict(spread, SPREAD_TARGET)} |")  # fmt: skip
    by_key = {(r["model"], r["patch_size"], r["precision"]): r for r in records}
    for (name, patch, precision), r in by_key.items():
        base = by_key.get((base_of(name), patch, precision))
        if base is None:
            continue
        ratio = r["median_seconds"]["msrnn"] / base["median_seconds"]["msrnn"]
        kind = "full grid" if patch == 1 else "patched grid"
        target = MS_RATIO_TARGET[kind]
        rows.append(f"| {name} / {base['model']}, {r['grid']}x{r['grid']} ({kind}) {precision} | "
                    f"{ratio:.2f} | <= {target} | {_verdict(ratio, target)} |")  # fmt: skip
    for (name, patch, precision), r in by_key.items():
        fp32 = by_key.get((name, patch, "32"))
        if precision != "bf16-mixed" or fp32 is None or patch not in ceilings:
            continue
        speedup = fp32["median_seconds"]["msrnn"] / r["median_seconds"]["msrnn"]
        share = speedup / ceilings[patch]["speedup"]
        verdict = _verdict(share, BF16_SHARE_TARGET, at_most=False)
        rows.append(f"| bf16-mixed speed-up, {name} {r['grid']}x{r['grid']}: {speedup:.2f}x of "
                    f"the gate convolution's {ceilings[patch]['speedup']:.2f}x | {share:.2f} | "
                    f">= {BF16_SHARE_TARGET} | {verdict} |")  # fmt: skip
    return rows


def markdown(
    records: list[dict], ceilings: dict[int, dict], args: argparse.Namespace, command: str
) -> str:
    depth = "paper depth" if args.num_layers is None else f"{args.num_layers} layers"
    lines = [
        f"### msrnn against a plain-autograd reference: {args.size}x{args.size} frames, batch "
        f"{args.batch}, {args.frames} frames, {depth}, {args.channels} channels",
        "",
        f"Generated by `{command}` ({measured_on()}): medians of interleaved training steps "
        f"(forward + backward + Adam), {args.repeats} each after {args.warmup} warm-up; msrnn "
        "runs its defaults (fused gates; channels-last under bf16), the reference the plain "
        "formulation with the same weights; saved bytes of the first step.",
        "",
        "| model | grid | precision | reference (s) | msrnn (s) | msrnn / reference | "
        "slowest / median | saved reference | saved msrnn |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        t, b, g = r["median_seconds"], r["saved_bytes"], r["grid"]
        lines.append(
            f"| {r['model']} | {g}x{g} | {r['precision']} | {t['reference']:.3f} | "
            f"{t['msrnn']:.3f} | {r['ratio']:.2f} | {r['msrnn_slowest_over_median']:.2f} | "
            f"{format_bytes(b['reference'])} | {format_bytes(b['msrnn'])} |"
        )
    lines += ["", "Targets checked by this run:", "", "| target | value | target | verdict |",
              "|---|---:|---:|---|", *target_rows(records, ceilings)]  # fmt: skip
    return "\n".join(lines) + "\n"


def _choices(text: str, allowed: tuple, kind: type = str) -> list:
    values = [kind(value) for value in text.split(",")]
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise SystemExit(f"unknown value(s) {unknown}; choose from {', '.join(map(str, allowed))}")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--patches", default=",".join(map(str, PATCHES)), help="e.g. 1,4")
    parser.add_argument("--precisions", default=",".join(PRECISIONS))
    parser.add_argument("--num-layers", type=int, help="layers (default: the paper's 6)")
    parser.add_argument("--channels", type=int, default=64, help="hidden channels")
    parser.add_argument("--size", type=int, default=64, help="square frame side")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--frames", type=int, default=20, help="sequence length T")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps of each variant")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps of each variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f"--repeats must be >= 1 and --warmup >= 0, got {args.repeats}, {args.warmup}")
    args.model_list = args.models.split(",")
    args.patch_list = _choices(args.patches, (*PATCHES, 2, 8), int)
    args.precision_list = _choices(args.precisions, PRECISIONS)
    bad = [p for p in args.patch_list if args.size % p]
    if bad:
        parser.error(f"--size {args.size} is not a multiple of patch size(s) {bad}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ceilings = {}
    if set(PRECISIONS) <= set(args.precision_list):
        for patch in args.patch_list:
            ceilings[patch] = gate_conv_speedup(patch, args)
            print(f"gate convolution, patch {patch}: bf16-mixed + channels-last "
                  f"{ceilings[patch]['speedup']:.2f}x fp32", flush=True)  # fmt: skip
    records = []
    for precision in args.precision_list:
        for patch in args.patch_list:
            for name in args.model_list:
                record = measure(name, patch, precision, args)
                records.append(record)
                t = record["median_seconds"]
                print(
                    f"{name} patch {patch} {precision}: reference {t['reference']:.3f} s, msrnn "
                    f"{t['msrnn']:.3f} s ({record['ratio']:.2f}); loss difference "
                    f"{record['loss_relative_difference']:.1e}",
                    flush=True,
                )
    words = sys.argv[1:] if argv is None else argv
    command = "python benchmarks/plain_reference.py " + shlex.join(words)
    table = markdown(records, ceilings, args, command)
    print(table)
    if args.json:
        setup = {k: v for k, v in vars(args).items() if not k.endswith("_list")}
        result = {"setup": setup, "machine": describe_machine(), "models": records,
                  "gate_convolution": ceilings, "markdown": table}  # fmt: skip
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does; not in main(), which tests call
    sys.exit(main())

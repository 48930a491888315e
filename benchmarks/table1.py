"""The paper's Table I columns (Params, Memory, Δ%) for every base/MS pair, plus speed.

Writes ``docs/benchmarks.md``: the machine, the ceiling of one large 3x3 convolution measured in the
same run (before each model, since shared machines drift; the median is used),
and per model the parameters, the measured activation memory next to the paper's law, the
training total and its reduction, the median step time and the achieved GFLOP/s. Also the paper's
Fig. 1 question: the largest square frame each model can train on within a memory budget.

Usage (the full paper configuration; hours on a CPU)::

    python benchmarks/table1.py --cache benchmarks.jsonl

A reduced run (what ``docs/benchmarks.md`` holds when generated on a small CPU)::

    python benchmarks/table1.py --section 4 convlstm,predrnn --section 1 all --cache run.jsonl

With ``--cache`` every measurement is appended to a JSON-lines file as soon as it is taken and
reused by the next invocation, so an interrupted run resumes and the page can be rewritten
without measuring again (the paper's law is always evaluated anew: it is cheap).
"""

from __future__ import annotations

import argparse
import gc
import json
import shlex
import statistics
import sys
import time
from pathlib import Path

import torch

from msrnn.allocator import retain_freed_memory
from msrnn.models import build_model, list_models, ms_variant_of
from msrnn.profiling.flops import conv_ceiling
from msrnn.profiling.machine import cpu_label, describe_machine, measured_on
from msrnn.profiling.max_size import find_max_size
from msrnn.profiling.profile import RunSetup, profile_training
from msrnn.profiling.report import format_bytes, parse_bytes
from msrnn.profiling.units import ActivationLaw, activation_law

# Paper, Table I (Moving MNIST, memory per GPU) and Fig. 1 (largest frame within 40 GB).
PAPER_REDUCTION = {
    "convlstm": -29.8,
    "predrnn": -41.3,
    "predrnn++": -46.2,
    "mim": -48.8,
    "motionrnn": -49.2,
}
PAPER_MAX_SIDE = {"convlstm": 220, "motionrnn": 80}
GiB = 2**30


def base_models() -> list[str]:
    """Registered single-scale models that have an MS variant."""
    return sorted(name for name in list_models(multiscale=False) if ms_variant_of(name))


def machine() -> list[str]:
    """A description of the machine, for the report."""
    facts = describe_machine()
    cpu = facts["cpu"]
    lines = [
        f"CPU: {cpu_label(cpu)}, {facts['cpu_count']} logical cores, "
        f"ISA: {', '.join(cpu['isa']) or 'n/a'}",
        f"memory: {format_bytes(facts['memory_bytes'])}; OS: {facts['platform']}",
        f"torch {facts['torch']}, {facts['threads']} intra-op threads, "
        f"CPU capability {facts['cpu_capability']}",
        "load average at start (1, 5, 15 min): "
        + ", ".join(f"{x:.1f}" for x in facts["load_average"]),
        f"heap: {facts['heap']}",
    ]
    if "gpu" in facts:
        lines.append(f"GPU: {facts['gpu']}")
    return lines


class Cache:
    """Measurements stored one JSON object a line, so that an interrupted run resumes."""

    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self.records: dict[str, dict] = {}
        if self.path is not None and self.path.exists():
            for line in self.path.read_text().splitlines():
                record = json.loads(line)
                self.records[record["key"]] = record

    def get(self, key: str, measure) -> dict:
        if key not in self.records:
            record = {"key": key, **measure()}
            self.records[key] = record
            if self.path is not None:
                with self.path.open("a") as file:
                    file.write(json.dumps(record) + "\n")
        return self.records[key]


def profile_model(name: str, setup: RunSetup, device: torch.device) -> dict:
    """The profile of one model, with the conv ceiling measured just before it."""
    ceiling = conv_ceiling(device).gflops_per_second
    torch.manual_seed(0)
    model = build_model(name).to(device)
    profile = profile_training(model, setup, name=name).to_dict()
    del model
    gc.collect()
    return {"ceiling": ceiling, "profile": profile, "measured_on": measured_on()}


def _pct(new: float, old: float) -> str:
    return f"{100 * (new - old) / old:+.1f}%"


def law_of(profile: dict) -> ActivationLaw:
    """The paper's law for a measured profile (cheap: one cell step per layer, batch 1)."""
    setup = profile["setup"]
    model = build_model(profile["model"])
    return activation_law(model, tuple(setup["size"]), batch=setup["batch"], frames=setup["frames"])


def pair_rows(pair: tuple[dict, dict], base: str, ceiling: float) -> list[str]:
    rows = []
    first = pair[0]["profile"]
    for record in pair:
        p, ms = record["profile"], record is pair[1]
        law = law_of(p)
        paper = f"{PAPER_REDUCTION[base]:+.1f}%" if ms and base in PAPER_REDUCTION else ""
        cells = [
            p["model"],
            f"{p['params'] / 1e6:.2f}M",
            f"{p['activation_bytes'] / GiB:.3f}",
            f"{law.predicted_bytes / GiB:.3f}",
            f"{p['activation_bytes'] / law.predicted_bytes:.2f}",
            f"{law.mean_units:.1f}",
            f"{p['total_bytes'] / GiB:.3f}",
            _pct(p["total_bytes"], first["total_bytes"]) if ms else "",
            _pct(p["activation_bytes"], first["activation_bytes"]) if ms else "",
            paper,
            f"{p['step_seconds']:.2f}",
            f"{p['flops'] / 1e9:.1f}",
            f"{p['gflops_per_second']:.1f}",
            f"{100 * p['gflops_per_second'] / ceiling:.0f}%",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


TABLE_HEADER = [
    "| model | Params | activations (GiB) | paper law (GiB) | meas./law | U | training total "
    "(GiB) | Δ total | Δ activations | paper Δ (Table I) | step (s) | GFLOP/step | GFLOP/s "
    "| of ceiling |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def measure_section(batch: int, bases: list[str], args, cache: Cache) -> list[tuple]:
    """The ``(base, (base record, MS record))`` pairs of one table, measured or from the cache."""
    setup = RunSetup(
        size=(args.size, args.size),
        batch=batch,
        frames=args.frames,
        repeats=args.repeats,
        warmup=args.warmup,
    )
    device = torch.device(args.device)
    pairs = []
    for base in bases:
        start = time.perf_counter()
        pair = tuple(
            cache.get(
                f"profile {name} b{batch} {args.size} T{args.frames} r{args.repeats} "
                f"w{args.warmup} {args.device}",
                lambda n=name: profile_model(n, setup, device),
            )
            for name in (base, ms_variant_of(base))
        )
        pairs.append((base, pair))
        print(f"batch {batch} {base}: {time.perf_counter() - start:.0f} s", flush=True)
    return pairs


def render_section(batch: int, pairs: list[tuple], args, ceiling: float) -> list[str]:
    hosts = sorted({record.get("measured_on", "") for _, pair in pairs for record in pair})
    where = "; ".join(host or "before hosts were recorded" for host in hosts)
    lines = [
        f"### Batch {batch}, {args.frames} frames, {args.size}x{args.size}, fp32",
        "",
        f"Measured {where} (see *Which host measured what*).",
        "",
        *TABLE_HEADER,
    ]
    for base, pair in pairs:
        lines += pair_rows(pair, base, ceiling)
    return [*lines, ""]


def max_side(name: str, budget: int, frames: int) -> dict:
    try:
        report = find_max_size(lambda: build_model(name), budget, batch=1, frames=frames)
    except ValueError as error:
        return {"error": str(error)}
    return {"side": report.result.side, "paper_side": report.paper_side}


def max_size_section(bases: list[str], args, cache: Cache) -> list[str]:
    budget = parse_bytes(args.budget)
    lines = [
        f"### Largest square frame within {args.budget} (batch 1, {args.frames} frames)",
        "",
        "| model | base | MS | MS / base pixels | paper Eq. 2 (base / MS) | paper Fig. 1 (base) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for base in bases:
        sides = [
            cache.get(
                f"max-size {name} {budget} T{args.frames}",
                lambda n=name: max_side(n, budget, args.frames),
            )
            for name in (base, ms_variant_of(base))
        ]
        if any("error" in s for s in sides):
            print(f"max size {base}: {sides[0].get('error') or sides[1]['error']}", flush=True)
            lines.append(f"| {base} | n/a | n/a | | | (not traceable on meta: measure on a GPU) |")
            continue
        a, b = sides[0]["side"], sides[1]["side"]
        lines.append(
            f"| {base} | {a}x{a} | {b}x{b} | {b * b / (a * a):.2f} | "
            f"{sides[0]['paper_side']} / {sides[1]['paper_side']} | "
            f"{PAPER_MAX_SIDE.get(base, '')} |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--section",
        nargs=2,
        action="append",
        metavar=("BATCH", "MODELS"),
        help="a table at BATCH for MODELS (comma list of base names or 'all'); "
        "repeatable (default: 4 all)",
    )
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--warmup", type=int, default=0, help="untimed steps after the instrumented first step"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, help="torch intra-op threads")
    parser.add_argument("--budget", default="40GiB", help="budget of the largest-frame table")
    parser.add_argument(
        "--max-size-models", default="all", help="comma list of base names or 'all' or 'none'"
    )
    parser.add_argument("--output", default="docs/benchmarks.md")
    parser.add_argument(
        "--cache", help="JSON-lines file of measurements, reused and extended (resumable runs)"
    )
    parser.add_argument(
        "--extra",
        nargs="*",
        default=[],
        metavar="JSON",
        help="result files of the other benchmark scripts; their markdown sections are added",
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    everything = base_models()

    def names(text: str) -> list[str]:
        return everything if text == "all" else [] if text == "none" else text.split(",")

    command = "python benchmarks/table1.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` on {time.strftime('%Y-%m-%d')}.",
        "",
        "## Machine that wrote this page",
        "",
        *[f"- {line}" for line in machine()],
        "",
    ]
    cache = Cache(args.cache)
    sections = [
        (int(batch), measure_section(int(batch), names(models), args, cache))
        for batch, models in args.section or [("4", "all")]
    ]
    # Each row carries the ceiling measured just before it, so a page rewritten from the cache
    # shows the figures of the run that measured the rows.
    ceilings = [r["ceiling"] for _, pairs in sections for _, pair in pairs for r in pair]
    ceilings = ceilings or [conv_ceiling(device).gflops_per_second]
    ceiling = statistics.median(ceilings)
    body = []
    for batch, pairs in sections:
        body += render_section(batch, pairs, args, ceiling)
    if names(args.max_size_models):
        body += max_size_section(names(args.max_size_models), args, cache)
    for path in args.extra:
        body += [json.loads(Path(path).read_text())["markdown"]]
    ceiling_text = [
        "## Ceiling",
        "",
        "One 3x3 convolution 64 -> 256 channels, 64x64, batch 4, forward + backward (14.5 GFLOP), "
        f"measured {len(ceilings)} times (before each model): median "
        f"{ceiling:.1f} GFLOP/s (range {min(ceilings):.1f}-{max(ceilings):.1f}; the machine is "
        'shared). "of ceiling" divides a model\'s GFLOP/s by this median.',
        "",
        "## Results",
        "",
    ]
    notes = Path(__file__).with_name("benchmarks_notes.md").read_text()
    text = "\n".join([*header, *ceiling_text, *body]) + "\n" + notes
    Path(args.output).write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does; not in main(), which tests call
    sys.exit(main())

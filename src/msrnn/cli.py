"""The ``msrnn`` command line.

* ``msrnn fit | validate | test | predict --config ...``: LightningCLI (:mod:`msrnn.training.cli`).
* ``msrnn quickstart``: the main job: train, test and forecast on embedded Moving MNIST.
* ``msrnn models``: the registered models and their parameter counts.
* ``msrnn zoo``: the shipped trained weights with their test scores and reproduce commands.
* ``msrnn report RUN [RUN ...] --out DIR``: compare tested runs.
* ``msrnn profile --model NAME``: parameters, FLOPs, measured and analytic training memory, speed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from msrnn.models import build_model, list_aliases, list_models
from msrnn.precision import PRECISION_CHOICES

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")


def _count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def models_table(pattern: str = "*") -> str:
    """A text table of the registered models with their parameter counts in both presets, then
    the aliases of the listed models."""
    header = ("model", "params (paper)", "params (clean)", "levels", "skip edges (from>to)")
    rows = [header]
    for name in list_models(pattern):
        paper = build_model(name, preset="paper")
        clean = build_model(name, preset="clean")
        levels = ",".join(str(level) for level in paper.stack.levels)
        edges = [
            f"{source}>{layer}"
            for layer, sources in enumerate(paper.stack.sources)
            for source in sources[1:]
        ]
        skips = " ".join(edges) if edges else "-"
        rows.append((name, f"{_count(paper):,}", f"{_count(clean):,}", levels, skips))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i in (0, 3, 4) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    listed = set(list_models(pattern))
    aliases = [f"{alias} = {name}" for alias, name in list_aliases().items() if name in listed]
    if aliases:
        lines += ["", "aliases: " + ", ".join(aliases)]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msrnn",
        description="Multi-scale recurrent networks for spatiotemporal predictive learning. "
        "Training and evaluation: msrnn {fit,validate,test,predict} --config CONFIG "
        "(see msrnn fit --help).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    models = commands.add_parser(
        "models", help="list the registered models and their parameter counts"
    )
    models.add_argument(
        "pattern", nargs="?", default="*", help="shell-style name filter, e.g. 'ms-*'"
    )
    zoo = commands.add_parser(
        "zoo",
        help="list the shipped trained weights (load with build_model(name, weights=...) or "
        "--model.weights) with their test scores, size and the command that reproduces them",
    )
    zoo.add_argument("pattern", nargs="?", default="*", help="shell-style model filter")
    zoo.add_argument("--markdown", action="store_true", help="print a Markdown table")
    quick = commands.add_parser(
        "quickstart",
        help="train a small MS-ConvLSTM on embedded Moving MNIST (a few minutes on a CPU), "
        "test it against persistence and write metrics, strips and forecasts",
    )
    quick.add_argument("--run-dir", default="runs/quickstart", help="run folder (never reused)")
    quick.add_argument(
        "--precision",
        choices=PRECISION_CHOICES,
        default="auto",
        help="auto (default): bf16-mixed on CPUs with bf16 instructions (AVX512-BF16, AMX), "
        "else 32-true",
    )
    report = commands.add_parser(
        "report",
        help="compare tested runs: metric table with persistence, lead-time curves, and the "
        "memory-vs-error chart for runs profiled with `msrnn profile --json RUN/profile.json`",
    )
    report.add_argument("runs", nargs="+", help="run folders (each with test*/metrics.json)")
    report.add_argument("--out", required=True, help="folder of the report")
    report.add_argument("--html", action="store_true", help="also write report.html")
    report.add_argument("--overwrite", action="store_true", help="replace an existing report")
    from msrnn.profiling.cli import add_profile_parser

    add_profile_parser(commands)
    return parser


def _guarded(action: Callable[[], object]) -> int:
    """Run ``action``; a failure becomes one line on stderr (:mod:`msrnn.cli_errors`: status 2
    for the user's errors, 1 otherwise; ``MSRNN_DEBUG=1`` shows the traceback), and a run
    stopped by SIGTERM exits with :data:`msrnn.training.interruption.SIGTERM_EXIT_STATUS`."""
    from msrnn.cli_errors import debugging, one_line
    from msrnn.training.run_lock import RunFolderBusy

    try:
        action()
    except SystemExit as stop:
        from lightning.pytorch.utilities.exceptions import SIGTERMException

        from msrnn.training.interruption import SIGTERM_EXIT_STATUS

        if isinstance(stop, SIGTERMException):  # Lightning's exit after a SIGTERM: status 0
            return SIGTERM_EXIT_STATUS
        raise
    except RunFolderBusy as busy:
        print(f"msrnn: error: {busy}", file=sys.stderr)
        return 2
    except Exception as error:
        if debugging():
            raise
        message, status = one_line(error)
        print(f"msrnn: error: {message}", file=sys.stderr)
        return status
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``msrnn`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LIGHTNING_COMMANDS:
        from msrnn.training.cli import run_cli

        return _guarded(lambda: run_cli(argv))
    args = _parser().parse_args(argv)
    if args.command == "models":
        print(models_table(args.pattern))
        return 0
    if args.command == "zoo":
        from msrnn.pretrained import list_pretrained
        from msrnn.pretrained.table import zoo_table

        print(zoo_table(list_pretrained(args.pattern), markdown=args.markdown))
        return 0
    if args.command == "profile":
        from msrnn.profiling.cli import run_profile

        return _guarded(lambda: run_profile(args))
    if args.command == "report":
        return _guarded(lambda: _print_paths(_report(args)))
    from msrnn.training.quickstart import run_quickstart

    return _guarded(lambda: run_quickstart(args.run_dir, precision=args.precision))


def _report(args: argparse.Namespace) -> dict:
    from msrnn.training.compare import write_comparison

    try:
        return write_comparison(args.runs, args.out, html=args.html, overwrite=args.overwrite)
    except FileExistsError as error:  # the library's hint names its Python argument
        raise FileExistsError(
            str(error).replace("pass overwrite=True", "add --overwrite")
        ) from None


def _print_paths(paths: dict) -> None:
    for path in paths.values():
        print(path)


def entry() -> int:
    """The ``msrnn`` console script: :func:`main` in a process that keeps its freed memory.

    :func:`msrnn.allocator.retain_freed_memory` spares training steps the page faults of
    re-mapping their large tensors (TrajGRU at batch 4 runs 1.6x faster). It changes the
    whole process, so only the console script calls it, not :func:`main`, which tests and
    library users call in their own processes.
    """
    from msrnn.allocator import retain_freed_memory

    retain_freed_memory()
    return main()


if __name__ == "__main__":
    sys.exit(entry())

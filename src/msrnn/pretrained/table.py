"""The zoo table: each shipped entry's scores, size, training and reproduce command.

``msrnn zoo`` prints it as text; ``experiments/make_results.py`` writes it as Markdown into
README.md and docs/zoo.md. Both come from the entries' records, never from hand-kept numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from msrnn.metrics import BASELINES
from msrnn.pretrained import PretrainedEntry

#: Columns of words (left-aligned); the others hold numbers.
TEXT_COLUMNS = ("model", "weights", "host", "reproduce")
COLUMNS = (
    "model",
    "weights",
    "params",
    "MB",
    "test MSE",
    "test MAE",
    "SSIM",
    "PSNR",
    *(f"{name} MSE" for name in BASELINES),
    "test seqs",
    "steps",
    "train min",
    "host",
    "reproduce",
)


def entry_row(entry: PretrainedEntry) -> tuple[str, ...]:
    """The table cells of one entry (scores: means over the forecast frames of the test split)."""
    record = entry.record
    test, training = record["test"], record["training"]
    model = test["model"]
    return (
        entry.model,
        entry.dataset,
        f"{record['params']:,}",
        f"{record['bytes'] / 1e6:.1f}",
        f"{model['mse_frame_sum']:.1f}",
        f"{model['mae_frame_sum']:.1f}",
        f"{model['ssim']:.3f}",
        f"{model['psnr']:.2f}",
        *(f"{test[name]['mse_frame_sum']:.1f}" for name in BASELINES),
        f"{record['test_sequences']:,}",
        f"{training['steps']:,}",
        f"{training['fit_seconds'] / 60:.0f}",
        training["host"],
        record["reproduce"],
    )


def zoo_table(entries: Sequence[PretrainedEntry], *, markdown: bool = False) -> str:
    """The entries as a Markdown table (``markdown=True``) or an aligned text table."""
    rows = [COLUMNS, *(entry_row(entry) for entry in entries)]
    if markdown:
        rows[1:] = [(*row[:-1], f"`{row[-1]}`") for row in rows[1:]]
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        rule = ("---" if name in TEXT_COLUMNS else "---:" for name in COLUMNS)
        lines.insert(1, "|" + "|".join(rule) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)

"""Run comparison reports: a metric table, lead-time curves and the memory/error chart.

A *run* is a plain dict::

    {
        "name": "ms-convlstm",                    # row label, legend label, chart label
        "metrics": {                              # as loaded from a run's metrics.json
            "mse_frame_sum_mean": 61.2,           # numbers -> table columns
            "mse_frame_sum": [40.1, 52.3, ...],   # lists of numbers -> lead-time curves
            "persistence": {...},                 # baselines: nested dicts, same layout
            "blank": {...},
        },
        "memory": {"bytes": 3.1e9, "method": "CUDA peak, batch 16"},   # optional
    }

Every mapping inside ``metrics`` is a baseline, named by its key (``persistence``, ``blank``).
Other entries of ``metrics`` (strings such as a protocol name) are not plotted or tabulated.
"""

from __future__ import annotations

import html as html_lib
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from msrnn.viz._render import png_bytes, render, write_new
from msrnn.viz.lead_time import Curves, lead_time_plot
from msrnn.viz.memory_chart import memory_error_chart, memory_unit

MEMORY_CHART = "memory_vs_error.png"


@dataclass(frozen=True)
class _Table:
    header: list[str]
    rows: list[list[str]]
    notes: list[str]


def write_report(
    runs: Sequence[Mapping],
    out_dir: str | Path,
    *,
    html: bool = False,
    overwrite: bool = False,
    error_metric: str = "mse_frame_sum_mean",
    precision: int = 5,
    frame_interval: str | None = None,
) -> dict[str, Path]:
    """Write ``report.md`` (and ``report.html``) comparing runs, with its figures beside it.

    The report holds a table with one row per run plus one per baseline (persistence, blank; one row
    per run if the runs' baselines differ), numbers printed with ``precision`` significant digits; a
    lead-time figure ``lead_time_<metric>.png`` per list-valued metric (all runs on one axis,
    baselines dashed); and ``memory_vs_error.png``, the paper's Fig. 1, when runs carry memory
    information and the scalar ``error_metric``. Nothing is written if any target file exists and
    ``overwrite`` is false.

    Args:
        runs: run dicts as described in the module docstring.
        out_dir: folder of the report; created if missing.
        html: also write ``report.html``, embedding the figures by relative links.
        overwrite: replace existing report files instead of refusing.
        error_metric: scalar metric on the y axis of the memory chart.
        precision: significant digits of the numbers in the table.
        frame_interval: time between frames for the lead-time axes (e.g. ``"6 min"``).

    Returns:
        File name -> path of every file written.

    Raises:
        ValueError: if ``runs`` is empty, a run lacks ``name`` or ``metrics``, two runs share a
            name, memory information is malformed or ``precision < 1``.
        FileExistsError: if a target file exists and ``overwrite`` is false.
    """
    _check_runs(runs)
    if not isinstance(precision, int) or precision < 1:
        raise ValueError(f"precision must be a positive integer, got {precision!r}")
    figures = _figures(runs, error_metric=error_metric, frame_interval=frame_interval)
    table = _table(runs, precision)
    documents = {"report.md": _markdown(table, figures)}
    if html:
        documents["report.html"] = _html(table, figures)
    out_dir = Path(out_dir)
    targets = [out_dir / name for name in (*documents, *figures)]
    existing = [str(path) for path in targets if path.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"report files already exist: {existing}; pass overwrite=True")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, image in figures.items():
        written[name] = write_new(out_dir / name, png_bytes(render(image)), overwrite=overwrite)
    for name, text in documents.items():
        written[name] = write_new(out_dir / name, text.encode("utf-8"), overwrite=overwrite)
    return written


def lead_time_panels(runs: Sequence[Mapping]) -> tuple[dict[str, Curves], dict[str, Curves]]:
    """Per-lead metrics of runs as ``(panels, baselines)`` for :func:`~msrnn.viz.lead_time_grid`.

    Returns:
        ``panels``: metric -> (run name -> values), for every list-valued metric;
        ``baselines``: metric -> (baseline label -> values) from the runs' baseline entries.
    """
    _check_runs(runs)
    panels: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        for key, values in _curves(run["metrics"]).items():
            panels.setdefault(key, {})[run["name"]] = values
    baselines: dict[str, dict[str, list[float]]] = {}
    for label, metrics in _baselines(runs).items():
        for key, values in _curves(metrics).items():
            baselines.setdefault(key, {})[label] = values
    return panels, baselines


def _check_runs(runs: Sequence[Mapping]) -> None:
    if not runs:
        raise ValueError("runs must hold at least one run, got an empty sequence")
    for i, run in enumerate(runs):
        if not isinstance(run.get("name"), str) or not isinstance(run.get("metrics"), Mapping):
            raise ValueError(f"runs[{i}] must have a str 'name' and a dict 'metrics', got {run!r}")
        memory = run.get("memory")
        if memory is not None and not _valid_memory(memory):
            raise ValueError(
                f"runs[{i}]['memory'] must be {{'bytes': positive number, 'method': str}}, "
                f"got {memory!r}"
            )
    names = [run["name"] for run in runs]
    if len(set(names)) != len(names):
        raise ValueError(f"run names must be unique, got {names}")


def _valid_memory(memory: object) -> bool:
    return (
        isinstance(memory, Mapping)
        and _is_number(memory.get("bytes"))
        and memory["bytes"] > 0
        and isinstance(memory.get("method"), str)
    )


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _scalars(metrics: Mapping) -> dict[str, float]:
    return {key: value for key, value in metrics.items() if _is_number(value)}


def _curves(metrics: Mapping) -> dict[str, list[float]]:
    return {
        key: list(value)
        for key, value in metrics.items()
        if isinstance(value, list | tuple) and value and all(_is_number(v) for v in value)
    }


def _baselines(runs: Sequence[Mapping]) -> dict[str, Mapping]:
    """Distinct baselines by name: ``persistence``, ``blank``, ... (the mappings in ``metrics``).

    A baseline that differs between runs (other test data) gets one entry per run,
    ``"persistence (run name)"``.
    """
    found: dict[str, list[tuple[str, Mapping]]] = {}
    for run in runs:
        for key, metrics in run["metrics"].items():
            if not isinstance(metrics, Mapping):
                continue
            seen = found.setdefault(key, [])
            if all(metrics != other for _, other in seen):
                seen.append((run["name"], metrics))
    labelled: dict[str, Mapping] = {}
    for key, seen in found.items():
        if len(seen) == 1:
            labelled[key] = seen[0][1]
        else:
            labelled.update({f"{key} ({name})": metrics for name, metrics in seen})
    return labelled


def _format(value: float | None, precision: int) -> str:
    if value is None:
        return "–"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return f"{value:.{precision}g}"


def _table(runs: Sequence[Mapping], precision: int) -> _Table:
    rows_in = [(run["name"], run["metrics"], run.get("memory")) for run in runs]
    rows_in += [(label, metrics, None) for label, metrics in _baselines(runs).items()]
    columns = list(dict.fromkeys(key for _, metrics, _ in rows_in for key in _scalars(metrics)))
    memories = [memory["bytes"] for _, _, memory in rows_in if memory]
    header, notes = ["run", *columns], []
    if memories:
        divisor, unit = memory_unit(max(memories))
        header.append(f"training memory ({unit})")
        methods = dict.fromkeys(memory["method"] for _, _, memory in rows_in if memory)
        notes.append("Training memory measured as: " + "; ".join(methods) + ".")
    rows = []
    for label, metrics, memory in rows_in:
        scalars = _scalars(metrics)
        row = [label, *(_format(scalars.get(key), precision) for key in columns)]
        if memories:
            row.append(_format(memory["bytes"] / divisor if memory else None, precision))
        rows.append(row)
    return _Table(header, rows, notes)


def _figures(
    runs: Sequence[Mapping], *, error_metric: str, frame_interval: str | None
) -> dict[str, Figure]:
    """File name -> figure: one lead-time plot per list-valued metric, then the memory chart."""
    panels, baselines = lead_time_panels(runs)
    figures: dict[str, Figure] = {
        f"lead_time_{_file_stem(metric)}.png": lead_time_plot(
            curves, metric=metric, baselines=baselines.get(metric), frame_interval=frame_interval
        )
        for metric, curves in panels.items()
    }
    points = {
        run["name"]: (run["memory"]["bytes"], _scalars(run["metrics"])[error_metric])
        for run in runs
        if run.get("memory") and error_metric in _scalars(run["metrics"])
    }
    if points:
        methods = dict.fromkeys(run["memory"]["method"] for run in runs if run.get("memory"))
        figures[MEMORY_CHART] = memory_error_chart(
            points, memory_method="; ".join(methods), error_label=error_metric
        )
    return figures


def _file_stem(metric: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", metric)


def _markdown(table: _Table, figures: Mapping[str, Figure]) -> str:
    numeric = ["---:"] * (len(table.header) - 1)
    lines = ["# msrnn report", "", "## Metrics", ""]
    rows = [table.header, ["---", *numeric], *table.rows]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines += ["", *table.notes] if table.notes else []
    for heading, names in _figure_sections(figures):
        lines += ["", f"## {heading}", ""]
        lines += [f"![{name[:-4]}]({name})" for name in names]
    return "\n".join(lines) + "\n"


def _html(table: _Table, figures: Mapping[str, Figure]) -> str:
    esc = html_lib.escape
    head = "".join(f"<th>{esc(cell)}</th>" for cell in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>msrnn report</title>',
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:3px 8px}td{text-align:right}"
        "td:first-child{text-align:left}</style></head><body>",
        f"<h1>msrnn report</h1><h2>Metrics</h2><table><tr>{head}</tr>{body}</table>",
        *(f"<p>{esc(note)}</p>" for note in table.notes),
    ]
    for heading, names in _figure_sections(figures):
        parts.append(f"<h2>{esc(heading)}</h2>")
        parts += [f'<img src="{esc(name)}" alt="{esc(name[:-4])}">' for name in names]
    return "\n".join([*parts, "</body></html>"]) + "\n"


def _figure_sections(figures: Mapping[str, Figure]) -> list[tuple[str, list[str]]]:
    lead = [name for name in figures if name != MEMORY_CHART]
    sections = [("Metrics by lead time", lead)] if lead else []
    return sections + ([("Memory and error", [MEMORY_CHART])] if MEMORY_CHART in figures else [])

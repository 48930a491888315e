"""What ``msrnn test`` and ``msrnn predict`` write into a run folder, and the printed table."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from msrnn.atomic import write_text_atomically
from msrnn.radar import RadarConvention

#: Metrics shown in the printed table and drawn per lead time (when present).
HEADLINE = (
    "mse_frame_sum",
    "mae_frame_sum",
    "mse_per_pixel",
    "ssim",
    "psnr",
    "csi_0.5",
    "csi_5",
    "csi_30",
    "hss_0.5",
    "hss_5",
    "hss_30",
)
UNITS = {"psnr": "dB"}


def rain_rate_fn(radar: RadarConvention | None) -> Callable[[np.ndarray], np.ndarray] | None:
    """Pixel -> mm/h for radar strips, ``None`` for other data."""
    if radar is None:
        return None

    def convert(pixels: np.ndarray) -> np.ndarray:
        return radar.pixel_to_rain(torch.as_tensor(np.asarray(pixels))).numpy()

    return convert


def per_lead_keys(results: Mapping[str, Any]) -> list[str]:
    return [key for key, value in results.items() if isinstance(value, list)]


def format_table(results: Mapping[str, Any], baselines: Mapping[str, Mapping[str, Any]]) -> str:
    """Model vs each baseline (persistence, blank), mean over lead times, for the headline metrics.

    Columns: the model, each baseline, and the model's ratio to each baseline.
    """
    names = list(baselines)
    rows = [("metric", "model", *names, *(f"model / {name}" for name in names))]
    for key in HEADLINE:
        mean = f"{key}_mean"
        if mean not in results:
            continue
        model = results[mean]
        bases = [baselines[name].get(mean, float("nan")) for name in names]
        ratios = [model / base if base else float("nan") for base in bases]
        rows.append(
            (key, f"{model:.5g}", *(f"{b:.5g}" for b in bases), *(f"{r:.3f}" for r in ratios))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_metrics(
    out_dir: Path,
    results: dict[str, Any],
    baselines: Mapping[str, dict[str, Any]],
    meta: dict[str, Any],
) -> dict[str, Path]:
    """``metrics.json`` (model, one entry per baseline, run facts) and ``metrics_per_frame.csv``.

    The CSV has a column per metric for the model and, prefixed by the baseline's name
    (``persistence_mse_frame_sum``, ``blank_mse_frame_sum``, ...), for each baseline.
    """
    payload = {**meta, **results, **baselines}
    paths = {"metrics": out_dir / "metrics.json", "per_frame": out_dir / "metrics_per_frame.csv"}
    write_text_atomically(paths["metrics"], json.dumps(payload, indent=2) + "\n")
    keys = per_lead_keys(results)
    lead_times = len(results[keys[0]]) if keys else 0
    columns = [(None, k) for k in keys] + [(name, k) for name in baselines for k in keys]
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(["lead_time", *(k if b is None else f"{b}_{k}" for b, k in columns)])
    for lead in range(lead_times):
        row = [(results if b is None else baselines[b])[k][lead] for b, k in columns]
        writer.writerow([lead + 1, *(f"{v:.8g}" for v in row)])
    write_text_atomically(paths["per_frame"], table.getvalue())
    return paths


def write_figures(
    out_dir: Path,
    results: dict[str, Any],
    baselines: Mapping[str, dict[str, Any]],
    *,
    sample: dict[str, np.ndarray] | None,
    radar: RadarConvention | None,
    title: str,
) -> dict[str, Path]:
    """Lead-time plots of the headline metrics, and a strip and a GIF of one test sample."""
    from msrnn.viz import lead_time_grid, prediction_strip, save_png, truth_vs_prediction_gif

    paths: dict[str, Path] = {}
    panels = {k: {title: results[k]} for k in HEADLINE if k in results}
    if panels:
        lines = {k: {name: base[k] for name, base in baselines.items()} for k in panels}
        figure = lead_time_grid(panels, baselines=lines, units=UNITS, title=title)
        paths["lead_time"] = save_png(figure, out_dir / "lead_time.png")
    if sample is not None:
        rain = rain_rate_fn(radar)
        strip = prediction_strip(
            sample["inputs"], sample["truth"], sample["prediction"], rain_rate=rain, title=title
        )
        paths["strip"] = save_png(strip, out_dir / "strip.png")
        paths["gif"] = truth_vs_prediction_gif(
            sample["truth"],
            sample["prediction"],
            out_dir / "truth_vs_prediction.gif",
            rain_rate=rain,
            title=title,
        )
    return paths

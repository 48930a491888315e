"""``msrnn report RUN_DIR [RUN_DIR ...]``: compare finished runs in one report."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: written by ``msrnn profile --json <run>/profile.json``: training memory of the run's model
PROFILE_FILE = "profile.json"


def latest_test_metrics(run: Path) -> Path:
    """The ``metrics.json`` of the run's most recent test (``test``, ``test-2``, ...).

    Raises:
        FileNotFoundError: if the run was never tested.
    """
    candidates = [p for p in run.glob("test*/metrics.json") if p.parent.name.startswith("test")]
    if not candidates:
        raise FileNotFoundError(
            f"{run} has no test results (test*/metrics.json); run `msrnn test` on it first"
        )
    return max(candidates, key=lambda p: (p.stat().st_mtime, p.parent.name))


def load_run(run: str | Path) -> dict[str, Any]:
    """The run dict of :func:`msrnn.viz.write_report`: name, metrics and, if profiled, memory."""
    run = Path(run)
    if not run.is_dir():
        raise FileNotFoundError(f"run folder not found: {run}")
    metrics = _read_json(latest_test_metrics(run), "re-run msrnn test on the run to rewrite it")
    entry: dict[str, Any] = {"name": metrics.get("model", run.name), "metrics": metrics}
    profile = run / PROFILE_FILE
    if profile.is_file():
        entry["memory"] = profile_memory(_read_json(profile, "re-run msrnn profile --json"))
    return entry


def _read_json(path: Path, remedy: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error}): {remedy}") from None


def profile_memory(profile: dict[str, Any]) -> dict[str, Any]:
    """Training memory of a ``msrnn profile --json`` result, labelled with how it was measured.

    The CUDA peak when the step ran on a GPU; otherwise the measured training total (parameters,
    gradients, Adam moments and the unique storages saved for backward).
    """
    setup = profile["setup"]
    where = f"batch {setup['batch']}, {setup['size'][0]}x{setup['size'][1]}, T={setup['frames']}"
    if profile.get("cuda_peak_allocated"):
        return {
            "bytes": profile["cuda_peak_allocated"],
            "method": f"CUDA peak allocated in a training step ({where})",
        }
    return {
        "bytes": profile["total_bytes"],
        "method": f"params + grads + Adam + saved activations, measured ({where})",
    }


def write_comparison(
    runs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    html: bool = False,
    overwrite: bool = False,
) -> dict[str, Path]:
    """Load each run and write the report (metric table with persistence, lead-time curves,
    memory-vs-error chart when the runs were profiled) into ``out_dir`` (existing report files
    are replaced only with ``overwrite``)."""
    from msrnn.viz import write_report

    entries = [load_run(run) for run in runs]
    names = [entry["name"] for entry in entries]
    if len(set(names)) != len(names):
        for entry, run in zip(entries, runs, strict=True):
            entry["name"] = f"{entry['name']} ({Path(run).name})"
    return write_report(entries, out_dir, html=html, overwrite=overwrite)

"""A 2-process DDP test run on CPU (gloo) gives the metrics of a 1-process run on the same data."""

import json

import pytest

from msrnn.cli import main
from tests.training.helpers import tiny_args


def test_two_process_test_metrics_equal_one_process(tmp_path):
    run = tmp_path / "run"
    assert main(["fit", *tiny_args(run, "--trainer.max_epochs", "1")]) == 0
    assert main(["test", *tiny_args(run, "--ckpt_path", "last")]) == 0
    ddp = [
        "--trainer.accelerator",
        "cpu",
        "--trainer.devices",
        "2",
        "--trainer.strategy",
        "ddp_spawn",
    ]
    assert main(["test", *tiny_args(run, "--ckpt_path", "last", *ddp)]) == 0
    single = json.loads((run / "test" / "metrics.json").read_text())
    double = json.loads((run / "test-2" / "metrics.json").read_text())
    # Summed float64 states make the reduction exact; what remains is float32 rounding of the
    # forward pass itself, which depends on how samples are grouped into batches (~1e-9 relative).
    for scores in ("model", "persistence"):
        one = single if scores == "model" else single["persistence"]
        two = double if scores == "model" else double["persistence"]
        numbers = {k: v for k, v in one.items() if isinstance(v, (float, list))}
        assert numbers, scores
        for key, value in numbers.items():
            assert two[key] == pytest.approx(value, rel=1e-6, abs=1e-9), (scores, key)

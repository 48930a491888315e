"""``msrnn profile --channels-last`` and the functions of ``benchmarks/precision.py``."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

from msrnn.profiling import RunSetup, profile_training
from msrnn.profiling.timing import interleaved
from tests.conftest import tiny_model
from tests.profiling.test_cli import TINY, _run

CPU = torch.device("cpu")
TINY_FIT = (
    "--model.model_kwargs '{hidden_channels: 4, num_layers: 2}' --data.init_args.size 32 "
    "--data.init_args.batch_size 2 --data.init_args.input_frames 2 "
    "--data.init_args.output_frames 1 --data.init_args.train_sequences 8"
)


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).parents[2] / "benchmarks" / "precision.py"
    spec = importlib.util.spec_from_file_location("precision_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_profile_cli_flag_runs_the_model_channels_last(tmp_path, capsys):
    out = tmp_path / "p.json"
    argv = ["--model", "convlstm", *TINY, "--size", "8", "--repeats", "1", "--warmup", "0"]
    assert _run([*argv, "--channels-last", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["setup"]["channels_last"] is True
    model = tiny_model("convlstm", num_layers=1)
    profile_training(model, RunSetup(size=(8, 8), batch=1, frames=3, channels_last=True))
    assert model.memory_format is torch.channels_last
    assert model.stack.cells[0].gates.weight.is_contiguous(memory_format=torch.channels_last)


def test_interleaved_timing_alternates_the_calls():
    order = []
    calls = {"a": lambda: order.append("a"), "b": lambda: order.append("b")}
    timings = interleaved(calls, repeats=3, device=CPU)
    assert order == ["a", "b"] * 3
    assert all(len(t.seconds) == 3 for t in timings.values())


def test_speedups_are_against_fp32_nchw_and_skip_failures(bench):
    variants = {"fp32": {"median": 3.0}, "bf16-cl": {"median": 1.0}, "fp32-cl": {"error": "x"}}
    assert bench.speedups(variants) == {"fp32": 1.0, "bf16-cl": 3.0, "fp32-cl": None}
    assert bench.speedups({"bf16": {"median": 1.0}}) == {"bf16": None}


def test_conv_ceiling_and_model_timing_on_tiny_settings(bench):
    variants = list(bench.VARIANTS.values())
    ceiling = bench.conv_ceiling(variants, device=CPU, shape=(1, 4, 8, 8), repeats=1)
    assert set(ceiling) == set(bench.VARIANTS)
    assert all(row["gflops_per_second"] > 0 for row in ceiling.values())
    bad = bench.Variant("fp16", "16-mixed", False)
    result = bench.time_model(
        "convlstm", [*variants, bad], device=CPU, batch=1, frames=3, size=8, repeats=1
    )
    assert result["flops"] > 0
    assert all(len(result["variants"][v.name]["seconds"]) == 1 for v in variants)
    assert "precision must be one of" in result["variants"]["fp16"]["error"]


def test_training_losses_are_read_in_step_order(bench, tmp_path):
    log = tmp_path / "logs" / "csv" / "version_0" / "metrics.csv"
    log.parent.mkdir(parents=True)
    log.write_text(
        "epoch,step,train/loss_epoch,train/loss_step\n0,1,,2.5\n0,0,,3.5\n0,1,3.0,\n0,2,,1.5\n"
    )
    assert bench.training_losses(tmp_path) == [3.5, 2.5, 1.5]
    with pytest.raises(FileNotFoundError, match="no CSV training log"):
        bench.training_losses(tmp_path / "missing")


def test_main_times_models_and_checks_the_loss_on_tiny_settings(bench, tmp_path, capsys):
    out = tmp_path / "precision.json"
    argv = ["--models", "ms-convlstm", "--variants", "fp32,bf16-cl", "--size", "8"]
    argv += ["--batch", "1", "--frames", "3", "--repeats", "1", "--ceiling-repeats", "1"]
    argv += ["--ceiling-shape", "1", "4", "8", "8", "--json", str(out), "--loss-check"]
    argv += ["--loss-steps", "2", "--loss-window", "1", "--loss-seeds", "3,4"]
    argv += ["--loss-args", TINY_FIT]
    assert bench.main(argv) == 0
    report = json.loads(out.read_text())
    assert set(report["models"]["ms-convlstm"]["variants"]) == {"fp32", "bf16-cl"}
    losses = report["loss_check"]
    fp32, bf16 = losses["fp32"], losses["bf16-cl"]
    assert set(fp32["runs"]) == {"3", "4"} and fp32["relative_difference"] == 0
    assert all(len(run["losses"]) == 2 for run in fp32["runs"].values())
    first = [run["mean_last"] for run in fp32["runs"].values()]
    assert fp32["mean_last"] == pytest.approx(sum(first) / 2)
    assert first[0] != first[1] and fp32["spread"] > 0  # the seeds change the runs
    assert fp32["paired_differences"] == {"3": 0.0, "4": 0.0}
    assert abs(bf16["relative_difference"]) < 0.05
    assert all(abs(value) < 0.05 for value in bf16["paired_differences"].values())
    assert "| ms-convlstm |" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown model"):
        bench.main(["--models", "convlstm,nope"])
    with pytest.raises(ValueError, match="loss window"):
        bench.loss_check([], root=tmp_path, steps=2, window=3)
    with pytest.raises(ValueError, match="at least one seed"):
        bench.loss_check([], root=tmp_path, steps=2, window=1, seeds=())

"""fit -> test -> predict through the ``msrnn`` command line on a tiny Moving MNIST."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from msrnn.cli import main
from msrnn.data import MovingMNIST
from tests.training.helpers import tiny_args


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    run = tmp_path_factory.mktemp("e2e") / "run"
    assert main(["fit", *tiny_args(run, "--trainer.max_epochs", "2")]) == 0
    return run


def test_fit_writes_checkpoints_selected_on_validation(fitted):
    checkpoints = sorted(p.name for p in (fitted / "checkpoints").glob("*.ckpt"))
    assert "last.ckpt" in checkpoints
    assert any("val_loss" in name for name in checkpoints)
    assert (fitted / "config.yaml").is_file()


def test_test_writes_metrics_with_persistence_and_figures(fitted):
    assert main(["test", *tiny_args(fitted, "--ckpt_path", "best")]) == 0
    out = fitted / "test"
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["mse_frame_sum"]) == 2  # forecast protocol: the 2 future frames
    assert metrics["persistence"]["mse_frame_sum_mean"] > 0
    # the blank baseline: an all-zero forecast scores the truth's own sums
    blank = metrics["blank"]
    truth = torch.stack(list(MovingMNIST(split="test", num_sequences=6, seq_len=5, size=32)))[:, 3:]
    expected = truth.double().square().sum(dim=(2, 3, 4)).mean(dim=0)
    assert blank["mse_frame_sum"] == pytest.approx(expected.tolist())
    assert blank["mae_frame_sum_mean"] == pytest.approx(truth.double().sum().item() / 12)
    assert metrics["protocol"] == "forecast" and metrics["checkpoint"].endswith(".ckpt")
    rows = (out / "metrics_per_frame.csv").read_text().splitlines()
    assert rows[0].startswith("lead_time,mse_frame_sum") and len(rows) == 3
    header = rows[0].split(",")
    assert "persistence_mse_frame_sum" in header and "blank_mse_frame_sum" in header
    values = dict(zip(header, rows[1].split(","), strict=True))
    assert float(values["blank_mse_frame_sum"]) == pytest.approx(blank["mse_frame_sum"][0])
    for name in ("strip.png", "lead_time.png", "truth_vs_prediction.gif"):
        assert Image.open(out / name).size[0] > 100


def test_second_test_does_not_overwrite_the_first(fitted):
    assert main(["test", *tiny_args(fitted, "--ckpt_path", "last")]) == 0
    assert (fitted / "test").is_dir() and (fitted / "test-2" / "metrics.json").is_file()


def test_predict_on_a_users_array_writes_npy_and_strips(fitted, tmp_path):
    inputs = (np.random.default_rng(0).random((3, 3, 32, 32)) * 255).astype(np.uint8)
    np.save(tmp_path / "mine.npy", inputs)
    args = tiny_args(
        fitted, "--ckpt_path", "last", "--data.predict_path", str(tmp_path / "mine.npy")
    )
    assert main(["predict", *args]) == 0
    out = fitted / "predict"
    forecast = np.load(out / "forecast.npy")
    assert forecast.shape == (3, 2, 1, 32, 32) and forecast.dtype == np.float32
    assert np.allclose(np.load(out / "context.npy")[:, :, 0], inputs / 255, atol=1e-6)
    assert Image.open(out / "strip_0.png").size[0] > 100


def test_refuses_to_train_into_a_run_that_has_checkpoints(fitted, capsys):
    assert main(["fit", *tiny_args(fitted)]) == 2
    assert "already holds checkpoints" in capsys.readouterr().err


def test_mismatched_channels_and_missing_files_are_one_line_errors(fitted, tmp_path, capsys):
    np.save(tmp_path / "rgb.npy", np.zeros((2, 3, 3, 32, 32), dtype=np.uint8))
    args = tiny_args(
        fitted, "--ckpt_path", "last", "--data.predict_path", str(tmp_path / "rgb.npy")
    )
    assert main(["predict", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("msrnn: error:") and "channel" in err and len(err.splitlines()) == 1
    args = tiny_args(
        fitted, "--ckpt_path", "last", "--data.predict_path", str(tmp_path / "missing.npy")
    )
    assert main(["predict", *args]) == 2
    assert "missing.npy" in capsys.readouterr().err


def test_report_compares_runs_and_its_table_equals_metrics_json(fitted, tmp_path, capsys):
    assert main(["report", str(fitted), "--out", str(tmp_path / "report"), "--html"]) == 0
    text = (tmp_path / "report" / "report.md").read_text()
    metrics = json.loads(sorted(fitted.glob("test*/metrics.json"))[-1].read_text())
    assert "ms-convlstm" in text and "| persistence |" in text and "| blank |" in text
    assert f"{metrics['blank']['mse_frame_sum_mean']:.5g}" in text
    assert f"{metrics['mse_frame_sum_mean']:.5g}" in text
    assert (tmp_path / "report" / "report.html").is_file()
    assert main(["report", str(fitted), "--out", str(tmp_path / "report")]) == 2
    assert "report files already exist" in capsys.readouterr().err.replace("\n", " ")
    again = ["report", str(fitted), "--out", str(tmp_path / "report"), "--overwrite"]
    assert main(again) == 0


def test_report_on_an_untested_run_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "r")]) == 2
    assert "no test results" in capsys.readouterr().err


def test_report_draws_the_memory_chart_from_a_profile(fitted, tmp_path):
    profile = fitted / "profile.json"
    args = [
        "profile",
        "--model",
        "ms-convlstm",
        "--hidden-channels",
        "4",
        "--num-layers",
        "2",
        "--size",
        "16",
        "--frames",
        "4",
        "--batch",
        "1",
        "--repeats",
        "1",
        "--warmup",
        "0",
        "--json",
        str(profile),
    ]
    if not profile.exists():
        assert main(args) == 0
    out = tmp_path / "with_memory"
    assert main(["report", str(fitted), "--out", str(out)]) == 0
    assert Image.open(out / "memory_vs_error.png").size[0] > 100
    assert "measured" in (out / "report.md").read_text()


def test_fit_prints_how_the_model_runs_and_why_its_precision(tmp_path, capsys):
    kwargs = "{hidden_channels: 4, num_layers: 2, recompute: 2}"
    flags = ("--model.channels_last", "true", "--model.model_kwargs", kwargs)
    flags = (*flags, "--trainer.max_steps", "1")
    assert main(["fit", *tiny_args(tmp_path / "run", *flags)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("msrnn: ")]
    assert len(lines) == 1
    assert lines[0].startswith(
        "msrnn: ms-convlstm runs with fused gates, channels-last, recompute by 2 steps, eager step"
    )
    assert "; precision 32-true" in lines[0] and "this CPU has" in lines[0]

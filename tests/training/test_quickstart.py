"""The main job's path, shrunk: fit, test against persistence, forecast, summary."""

import json

from msrnn.training.quickstart import free_run_dir, quickstart_config, run_quickstart

SHRINK = [
    "--model.model_kwargs",
    "{hidden_channels: 4, num_layers: 2}",
    "--data.train_sequences",
    "4",
    "--data.val_sequences",
    "2",
    "--data.test_sequences",
    "2",
    "--data.size",
    "32",
    "--data.batch_size",
    "2",
    "--data.num_workers",
    "0",
    "--trainer.max_steps",
    "2",
    "--trainer.val_check_interval",
    "2",
    "--trainer.enable_progress_bar",
    "false",
]


def test_quickstart_config_is_packaged():
    assert quickstart_config().is_file()
    assert "ms-convlstm" in quickstart_config().read_text()


def test_quickstart_runs_end_to_end_and_never_reuses_a_folder(tmp_path, capsys):
    first = run_quickstart(tmp_path / "quick", extra=SHRINK)
    assert first["run"] == tmp_path / "quick"
    metrics = json.loads((first["test"] / "metrics.json").read_text())
    assert "mse_frame_sum_mean" in metrics and "persistence" in metrics
    assert (first["test"] / "strip.png").is_file()
    assert (first["predict"] / "forecast.npy").is_file()
    assert first["zoo_strip"] == first["test"] / "zoo_strip.png" and first["zoo_strip"].is_file()
    out = capsys.readouterr().out
    from msrnn.pretrained import list_pretrained

    best = min(list_pretrained(), key=lambda e: e.record["test"]["model"]["mse_frame_sum"])
    assert "msrnn quickstart finished" in out and f"the zoo's {best.model}" in out
    assert free_run_dir(tmp_path / "quick") == tmp_path / "quick-2"

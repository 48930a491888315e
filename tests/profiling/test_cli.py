import argparse
import json

import pytest

from msrnn.profiling.cli import add_profile_parser, run_profile

TINY = ["--hidden-channels", "4", "--num-layers", "2", "--batch", "1", "--frames", "3"]


def _run(argv):
    parser = argparse.ArgumentParser(prog="msrnn")
    add_profile_parser(parser.add_subparsers(dest="command", required=True))
    return run_profile(parser.parse_args(["profile", *argv]))


def test_profile_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "profile.json"
    argv = ["--model", "ms-convlstm", *TINY, "--size", "16", "12", "--repeats", "1"]
    assert _run([*argv, "--warmup", "0", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "ms-convlstm(hidden_channels=4, num_layers=2) on cpu" in text
    assert "step time" in text
    data = json.loads(out.read_text())
    assert data["setup"]["size"] == [16, 12] and data["levels"] == [0, 0]
    assert data["activation_bytes"] > 0 and data["step_seconds"] > 0
    with pytest.raises(FileExistsError, match="choose another --json path"):
        _run([*argv, "--json", str(out)])


def test_profile_reads_a_training_config(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(
        "model:\n  model: predrnn\n  preset: clean\n  model_kwargs:\n    hidden_channels: 4\n"
        "    num_layers: 2\ndata:\n  class_path: any.DataModule\n  init_args:\n"
        "    batch_size: 1\n    input_frames: 2\n    output_frames: 1\n    size: 8\n"
    )
    out = tmp_path / "p.json"
    assert _run(["--config", str(config), "--device", "meta", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["model"] == "predrnn(preset=clean, hidden_channels=4, num_layers=2)"
    assert data["setup"]["batch"] == 1 and data["setup"]["frames"] == 3
    assert data["setup"]["size"] == [8, 8] and data["timing"] is None
    # the command line wins over the config
    assert _run(["--config", str(config), "--device", "meta", "--batch", "2"]) == 0
    assert "batch 2, 3 frames" in capsys.readouterr().out


def test_max_size_command(capsys):
    argv = ["--model", "ms-convlstm", *TINY, "--device", "meta", "--max-size", "--budget", "8MiB"]
    assert _run(argv) == 0
    text = capsys.readouterr().out
    assert "largest frame" in text and "within 8.00 MiB" in text and "paper Eq. 2" in text


def test_recompute_and_unfused_flags_reach_the_model(tmp_path):
    def saved(*flags):
        out = tmp_path / f"p{len(list(tmp_path.iterdir()))}.json"
        argv = ["--model", "convlstm", *TINY, "--frames", "6", "--size", "8", "--device", "meta"]
        assert _run([*argv, *flags, "--json", str(out)]) == 0
        data = json.loads(out.read_text())
        return data["model"], data["activation_bytes"]

    (name, fused), (_, unfused), (checkpointed_name, checkpointed), (by_twos_name, by_twos) = (
        saved(),
        saved("--unfused"),
        saved("--recompute"),
        saved("--recompute", "2"),
    )
    assert "recompute=True" in checkpointed_name and "recompute" not in name
    assert "recompute=2" in by_twos_name
    assert unfused > fused  # the plain formulation keeps one more map per step
    assert checkpointed * 2 < fused  # only the checkpoint inputs are kept
    assert by_twos < checkpointed  # only every other step's state


@pytest.mark.parametrize(
    ("argv", "error", "message"),
    [
        (["--size", "8", "8", "8"], ValueError, "--size takes H or H W"),
        (["--device", "tpu-ish"], ValueError, "unknown --device"),
        (["--max-size", "--budget", "lots"], ValueError, "cannot read the memory amount"),
        (["--frames", "1"], ValueError, "frames must be at least 2"),
    ],
)
def test_bad_arguments(argv, error, message):
    with pytest.raises(error, match=message):
        _run(["--model", "convlstm", *argv])


def test_missing_config():
    with pytest.raises(FileNotFoundError, match="not found"):
        _run(["--config", "no/such/file.yaml"])

import subprocess
import sys

from msrnn.cli import main, models_table


def test_models_table_lists_names_counts_and_skips():
    table = models_table()
    lines = table.splitlines()
    assert lines[0].split()[0] == "model"
    row = next(line for line in lines if line.startswith("ms-predrnn++ "))
    assert "5,608,513" in row and "4,869,953" in row and "0,1,2,2,1,0" in row and "1>4 0>5" in row
    assert "1,772,737" in next(line for line in lines if line.startswith("convlstm "))
    assert lines[-1] == "aliases: ms-lstm = ms-mk-lstm"
    assert not any(line.startswith("ms-lstm ") for line in lines)
    assert "aliases" not in models_table("convlstm")


def test_models_command_filters(capsys):
    assert main(["models", "ms-convlstm*"]) == 0
    out = capsys.readouterr().out
    assert "ms-convlstm-unet3p" in out and "predrnn" not in out


def test_console_entry_point_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "msrnn.cli", "models", "convlstm"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1,772,737" in result.stdout

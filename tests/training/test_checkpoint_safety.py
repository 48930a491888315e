"""Checkpoints are read without running code, written atomically, looked up in their own run
folder, and only used by a command whose settings agree with them."""

import os
import random
import re
import shutil

import pytest
import torch

from msrnn.cli import main
from msrnn.training import ForecastSystem
from msrnn.training.checkpoints import CheckpointError, SafeCheckpointIO, read_checkpoint
from tests.training.helpers import tiny_args


class _Payload:
    """Unpickling this runs ``touch <marker>``: what a crafted checkpoint would do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    run = tmp_path_factory.mktemp("fitted") / "run"
    assert main(["fit", *tiny_args(run, "--trainer.max_epochs", "1")]) == 0
    return run


def _copy(run, tmp_path, name="copy"):
    target = tmp_path / name
    shutil.copytree(run, target)
    return target


def _craft(path, marker):
    state = torch.load(path, map_location="cpu", weights_only=True)
    state["hyper_parameters"]["note"] = _Payload(marker)
    torch.save(state, path)


@pytest.mark.parametrize("ckpt_path", ["best", "last", "explicit"])
@pytest.mark.parametrize("command", ["test", "predict", "validate"])
def test_a_crafted_checkpoint_runs_nothing(fitted, tmp_path, capsys, command, ckpt_path):
    run, marker = _copy(fitted, tmp_path), tmp_path / "pwned"
    _craft(run / "checkpoints" / "last.ckpt", marker)
    for best in (run / "checkpoints").glob("epoch*.ckpt"):
        _craft(best, marker)
    given = str(run / "checkpoints" / "last.ckpt") if ckpt_path == "explicit" else ckpt_path
    assert main([command, *tiny_args(run, "--ckpt_path", given)]) == 2
    error = capsys.readouterr().err
    assert not marker.exists()
    assert "holds a Python object (posix.system)" in error and "last.ckpt" in error
    assert error.count("\n") == 1  # one line


def test_a_crafted_checkpoint_runs_nothing_through_the_python_api(fitted, tmp_path):
    run, marker = _copy(fitted, tmp_path), tmp_path / "pwned"
    _craft(run / "checkpoints" / "last.ckpt", marker)
    with pytest.raises(Exception, match=r"posix\.system"):
        ForecastSystem.load_from_checkpoint(run / "checkpoints" / "last.ckpt")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        *(
            (random.Random(seed).randbytes(4096), "is not a checkpoint file")
            for seed in range(40)  # seeds 2, 14 and 20 fail inside the unpickler
        ),
        ("truncated", "is truncated or not a checkpoint file"),
        ("not-msrnn", "is not an msrnn checkpoint (it has no state_dict or hyper_parameters)"),
    ],
)
def test_broken_checkpoints_are_named_with_the_problem(fitted, tmp_path, content, message):
    path = tmp_path / "broken.ckpt"
    if content == "truncated":
        content = (fitted / "checkpoints" / "last.ckpt").read_bytes()[:5000]
    if content == "not-msrnn":
        torch.save({"weights": torch.ones(2)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=re.escape(message)) as raised:
        read_checkpoint(path)
    assert str(path) in str(raised.value)


def test_a_folder_given_as_checkpoint_says_what_to_give(fitted, capsys):
    folder = fitted / "checkpoints"
    assert main(["test", *tiny_args(fitted, "--ckpt_path", str(folder))]) == 2
    assert "is a folder: give a .ckpt file inside it" in capsys.readouterr().err


def test_a_failed_checkpoint_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "last.ckpt"
    SafeCheckpointIO().save_checkpoint({"state_dict": {}, "hyper_parameters": {"a": 1}}, path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        SafeCheckpointIO().save_checkpoint({"state_dict": {}, "hyper_parameters": {}}, path)
    assert read_checkpoint(path)["hyper_parameters"] == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]


def test_a_copied_run_folder_tests_its_own_best_checkpoint(fitted, tmp_path):
    copy = _copy(fitted, tmp_path)
    for original in (fitted / "checkpoints").glob("epoch*.ckpt"):
        # the original's best file is gone: the copy must not need it
        moved = tmp_path / "away" / original.name
        moved.parent.mkdir(exist_ok=True)
        shutil.move(original, moved)
    try:
        assert main(["test", *tiny_args(copy, "--ckpt_path", "best")]) == 0
    finally:
        for moved in (tmp_path / "away").glob("*.ckpt"):
            shutil.move(moved, fitted / "checkpoints" / moved.name)


def test_testing_without_weights_is_refused(tmp_path, capsys):
    assert main(["test", *tiny_args(tmp_path / "new")]) == 2
    error = capsys.readouterr().err
    assert "msrnn test needs trained weights: give --ckpt_path best" in error
    assert not (tmp_path / "new" / "test").exists()


def test_a_checkpoint_of_another_model_is_refused_with_both_names(fitted, capsys):
    arguments = tiny_args(fitted, "--ckpt_path", "last", "--model.model", "predrnn")
    assert main(["test", *arguments]) == 2
    error = capsys.readouterr().err
    assert "--model.model 'predrnn' contradicts checkpoint" in error
    assert "trained with 'ms-convlstm'" in error


def test_the_checkpoint_model_is_used_when_none_is_asked_for(fitted):
    # tiny_args names ms-convlstm; without it the default applies, and the checkpoint wins
    arguments = tiny_args(fitted, "--ckpt_path", "last")
    index = arguments.index("--model.model")
    del arguments[index : index + 2]
    index = arguments.index("--model.model_kwargs")
    del arguments[index : index + 2]
    assert main(["test", *arguments]) == 0


def test_resuming_with_a_changed_learning_rate_is_refused(fitted, tmp_path, capsys):
    run = _copy(fitted, tmp_path)
    arguments = tiny_args(run, "--trainer.max_epochs", "2", "--ckpt_path", "last")
    assert main(["fit", *arguments, "--model.lr", "0.1"]) == 2
    error = capsys.readouterr().err
    assert "--model.lr 0.1 contradicts checkpoint" in error and "trained with 0.0003" in error
    assert "start a new run with --trainer.default_root_dir" in error


def test_fit_without_checkpointing_writes_no_checkpoint(tmp_path):
    run = tmp_path / "run"
    arguments = tiny_args(
        run, "--trainer.max_epochs", "1", "--trainer.enable_checkpointing", "false"
    )
    assert main(["fit", *arguments]) == 0
    assert not (run / "checkpoints").exists()

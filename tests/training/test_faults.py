"""Faults from outside: a second fit into a busy run folder, and kill -9 of a holder or writer."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from msrnn.cli import main
from msrnn.training.checkpoints import SafeCheckpointIO, read_checkpoint
from msrnn.training.run_lock import LOCK_NAME, RunLock
from tests.training.helpers import tiny_args


def test_a_second_fit_into_a_busy_run_folder_is_refused_naming_the_holder(tmp_path, capsys):
    run = tmp_path / "run"
    lock = RunLock(run)
    try:
        assert main(["fit", *tiny_args(run, "--trainer.max_epochs", "1")]) == 2
    finally:
        lock.release()
    error = capsys.readouterr().err
    assert f"run folder {run} is in use by msrnn fit (pid {os.getpid()} on" in error
    assert not (run / "checkpoints").exists()  # the refused fit wrote nothing
    # once the holder is gone, the same command trains
    assert main(["fit", *tiny_args(run, "--trainer.max_epochs", "1")]) == 0


def _child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE)


def test_a_lock_left_by_a_killed_fit_blocks_nothing(tmp_path):
    run = tmp_path / "run"
    holder = _child(f"""
        from msrnn.training.run_lock import RunLock
        lock = RunLock({str(run)!r})
        print("locked", flush=True)
        import time; time.sleep(60)
    """)
    assert holder.stdout.readline().strip() == b"locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (run / LOCK_NAME).exists()
    RunLock(run).release()  # the operating system dropped the dead process's lock


def test_kill_9_during_a_checkpoint_write_keeps_the_previous_checkpoint(tmp_path):
    path = tmp_path / "last.ckpt"
    writer = _child(f"""
        import time, torch
        from msrnn.training.checkpoints import SafeCheckpointIO
        io = SafeCheckpointIO()
        io.save_checkpoint({{"state_dict": {{}}, "hyper_parameters": {{"step": 1}}}}, {str(path)!r})
        def slow_save(state, target):
            with open(target, "wb") as handle:
                handle.write(b"PK" * 1000)
                handle.flush()
                print("writing", flush=True)
                time.sleep(60)
        torch.save = slow_save
        io.save_checkpoint({{"state_dict": {{}}, "hyper_parameters": {{"step": 2}}}}, {str(path)!r})
    """)
    assert writer.stdout.readline().strip() == b"writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert read_checkpoint(path)["hyper_parameters"] == {"step": 1}
    # the next save of the same file replaces the orphaned partial file
    SafeCheckpointIO().save_checkpoint({"state_dict": {}, "hyper_parameters": {"step": 3}}, path)
    assert read_checkpoint(path)["hyper_parameters"] == {"step": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.ckpt"]


def test_an_evaluation_split_smaller_than_the_process_count_is_refused():
    from types import SimpleNamespace

    from msrnn.training import MovingMNISTDataModule

    data = MovingMNISTDataModule(train_sequences=4, val_sequences=2, test_sequences=2)
    data.trainer = SimpleNamespace(world_size=3, global_rank=0)
    with pytest.raises(ValueError, match=r"the val split has 2 sequence\(s\) but 3 processes"):
        data.val_dataloader()

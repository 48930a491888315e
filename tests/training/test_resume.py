"""Resuming continues the step count, the sampling schedule and the optimiser state exactly."""

import signal

import torch

from msrnn.cli import main
from tests.training.helpers import tiny_args


def _state(run):
    return torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)


def test_resumed_run_equals_an_uninterrupted_one(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main(["fit", *tiny_args(straight, "--trainer.max_epochs", "2")]) == 0
    assert main(["fit", *tiny_args(resumed, "--trainer.max_epochs", "1")]) == 0
    halfway = _state(resumed)
    assert halfway["global_step"] == 2 and "msrnn_sampler" in halfway
    assert (
        main(["fit", *tiny_args(resumed, "--trainer.max_epochs", "2", "--ckpt_path", "last")]) == 0
    )

    a, b = _state(straight), _state(resumed)
    assert a["global_step"] == b["global_step"] == 4
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key
    moments_a = a["optimizer_states"][0]["state"]
    moments_b = b["optimizer_states"][0]["state"]
    assert all(torch.equal(moments_a[k]["exp_avg"], moments_b[k]["exp_avg"]) for k in moments_a)
    assert a["msrnn_sampler"]["generators"]["cpu"].equal(b["msrnn_sampler"]["generators"]["cpu"])
    # both wrote their configuration; the resume did not overwrite the first one
    assert (resumed / "config.yaml").is_file() and (resumed / "config-2.yaml").is_file()


def test_resume_without_a_last_checkpoint_is_refused(tmp_path, capsys):
    assert main(["fit", *tiny_args(tmp_path / "new", "--ckpt_path", "last")]) == 2
    assert "no " in capsys.readouterr().err


def test_a_run_stopped_by_sigterm_mid_epoch_resumes_exactly(tmp_path, capsys):
    # 8 training sequences at batch 2: 4 steps per epoch. SIGTERM after step 3 (mid-epoch, no
    # validation there); resume to step 6 (mid-way through the second epoch)
    common = ("--data.train_sequences", "8", "--trainer.max_steps", "6",
              "--trainer.max_epochs", "3", "--trainer.val_check_interval", "2")  # fmt: skip
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    assert main(["fit", *tiny_args(straight, *common)]) == 0
    preempt = ("--trainer.callbacks+=tests.training.helpers.SigtermAfterStep",
               "--trainer.callbacks.step=3")  # fmt: skip
    assert main(["fit", *tiny_args(stopped, *common, *preempt)]) == 128 + signal.SIGTERM
    assert "stopped by SIGTERM after step 3; saved" in capsys.readouterr().err
    assert _state(stopped)["global_step"] == 3
    assert main(["fit", *tiny_args(stopped, *common, "--ckpt_path", "last")]) == 0
    a, b = _state(straight), _state(stopped)
    assert a["global_step"] == b["global_step"] == 6
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key


def _clock_seconds(state):
    (seconds,) = [v["seconds"] for k, v in state["callbacks"].items() if k.startswith("FitClock")]
    return seconds


def test_a_run_that_dies_resumes_exactly_from_its_periodic_checkpoint(tmp_path):
    """A crash (no signal, so nothing is saved on the way out) after step 5 of 6 leaves the
    periodic ``last.ckpt`` of step 4; resuming from it gives the uninterrupted weights, and the
    training time counts the steps kept in the checkpoint, not the lost step."""
    common = ("--data.train_sequences", "8", "--trainer.max_steps", "6",
              "--trainer.max_epochs", "3", "--trainer.val_check_interval", "3",
              "--trainer.callbacks+=msrnn.training.PeriodicLastCheckpoint",
              "--trainer.callbacks.every_n_steps=2")  # fmt: skip
    straight, crashed = tmp_path / "straight", tmp_path / "crashed"
    assert main(["fit", *tiny_args(straight, *common)]) == 0
    crash = ("--trainer.callbacks+=tests.training.helpers.CrashAfterStep",
             "--trainer.callbacks.step=5")  # fmt: skip
    assert main(["fit", *tiny_args(crashed, *common, *crash)]) == 1
    saved = _state(crashed)
    assert saved["global_step"] == 4
    assert _clock_seconds(saved) > 0
    assert main(["fit", *tiny_args(crashed, *common, "--ckpt_path", "last")]) == 0
    a, b = _state(straight), _state(crashed)
    assert a["global_step"] == b["global_step"] == 6
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key
    assert _clock_seconds(b) > _clock_seconds(saved)


def test_periodic_checkpoints_need_a_positive_step_count():
    import pytest

    from msrnn.training import PeriodicLastCheckpoint

    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="every_n_steps must be a positive integer"):
            PeriodicLastCheckpoint(bad)

"""Bad input, as a user would type it: one line naming the problem and the fix, exit status 2,
no traceback (docs/reliability.md lists these cases)."""

import logging
import os

import lightning.pytorch  # noqa: F401  (configures its loggers at import; before caplog)
import numpy as np
import pytest
import torch

from msrnn import build_model
from msrnn.cli import main
from msrnn.data import ArrayDataset

SMALL = ["--trainer.max_steps", "0", "--trainer.enable_progress_bar", "false"]


def _files(folder):
    """Broken and awkward input files."""
    good = np.zeros((2, 5, 16, 16), np.uint8)
    np.save(folder / "good.npy", good)
    data = (folder / "good.npy").read_bytes()
    (folder / "truncated.npy").write_bytes(data[:200])
    (folder / "empty.npy").write_bytes(b"")
    (folder / "random.npy").write_bytes(os.urandom(500))
    np.save(folder / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.savez(folder / "two.npz", a=good, b=good)
    (folder / "random.h5").write_bytes(os.urandom(500))
    np.save(folder / "float.npy", good.astype(np.float32))
    np.save(folder / "rgb_last.npy", np.zeros((2, 5, 16, 16, 3), np.uint8))
    np.save(folder / "short.npy", np.zeros((2, 2, 64, 64), np.uint8))
    (folder / "empty.yaml").write_text("")
    (folder / "list.yaml").write_text("- a\n- b\n")
    (folder / "broken-run" / "test").mkdir(parents=True)
    (folder / "broken-run" / "test" / "metrics.json").write_text("{bad")


CLI_CASES = [
    # (command line after "msrnn", expected part of the message)
    (["fit", "--trainer.max_epochs", "-5"], "--trainer.max_epochs must be a non-negative integer"),
    (["fit", "--trainer.accelerator", "gpu"] if not torch.cuda.is_available() else None,
     "--trainer.accelerator gpu: this machine has no usable CUDA GPU"),
    (["fit", "--data.batch_size", "0"], "--data.batch_size must be at least 1, got 0"),
    (["fit", "--model.model", "nosuch"], "unknown model 'nosuch'; available:"),
    (["fit", "--model.model_kwargs", '{"hidden_channels": "wide"}'],
     "hidden_channels must be a positive integer, got 'wide'"),
    (["fit", "--model.model_kwargs", '{"hidden_channels": 2.5}'],
     "hidden_channels must be a positive integer, got 2.5"),
    (["fit", "--model.lr", "-1"], "lr must be positive, got -1"),
    (["fit", "--nonsense", "3"], "unrecognized arguments: --nonsense 3"),
    (["fit", "--config", "{tmp}/empty.yaml"], "--config {tmp}/empty.yaml is empty"),
    (["fit", "--config", "{tmp}/list.yaml"], "is a list, not a mapping"),
    (["fit", "--config", "{tmp}/missing.yaml"], "--config {tmp}/missing.yaml: no such file"),
    (["fit", "--ckpt_path", "best"], "msrnn fit resumes from --ckpt_path last"),
    (["fit", "--ckpt_path", "last"], "--ckpt_path last: no "),
    (["test"], "msrnn test needs trained weights: give --ckpt_path best"),
    (["predict", "--ckpt_path", "{tmp}/missing.ckpt"], "--ckpt_path {tmp}/missing.ckpt: no such"),
    (["test", "--ckpt_path", "{tmp}/good.npy"], "is not a checkpoint file"),
    (["predict", "--model.weights", "moving-mnist", "--model.model", "ms-convlstm",
      "--data.predict_path", "{tmp}/float.npy"],
     "float.npy holds float32 values; pass --data.predict_value_range (lo, hi)"),
    (["predict", "--model.weights", "moving-mnist", "--model.model", "ms-convlstm",
      "--data.predict_path", "{tmp}/two.npz"],
     "two.npz holds 2 arrays; pass --data.predict_key one of ['a', 'b']"),
    (["predict", "--model.weights", "moving-mnist", "--model.model", "ms-convlstm",
      "--data.predict_path", "{tmp}/rgb_last.npy"],
     "looks like (N, T, H, W, C) with 3 channel(s) last; pass --data.predict_channels_last True"),
    (["predict", "--model.weights", "moving-mnist", "--model.model", "ms-convlstm",
      "--data.predict_path", "{tmp}/short.npy"],
     "holds sequences of 2 frames, fewer than the 10 observed frames"),
    (["predict", "--model.weights", "moving-mnist", "--model.model", "ms-convlstm",
      "--data.predict_path", "{tmp}/truncated.npy"], "truncated.npy is truncated or not a .npy"),
    (["report", "{tmp}/no-run", "--out", "{tmp}/report"], "run folder not found"),
    (["report", "{tmp}/broken-run", "--out", "{tmp}/report"],
     "broken-run/test/metrics.json is not valid JSON"),
    (["fit", "--data", "msrnn.training.ArrayDataModule", "--data.path", "{tmp}/float.npy"],
     "float.npy holds float32 values; pass --data.value_range (lo, hi)"),
    (["fit", "--data", "msrnn.training.ArrayDataModule", "--data.path", "{tmp}/rgb_last.npy"],
     "pass --data.channels_last True to read it so"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "message"), [c for c in CLI_CASES if c[0] is not None])
def test_a_bad_command_line_gets_one_clear_line(
    tmp_path, capsys, caplog, monkeypatch, argv, message
):
    for name in ("lightning.fabric", "lightning.pytorch"):  # their info lines are not msrnn's
        caplog.set_level(logging.WARNING, logger=name)
    _files(tmp_path)
    monkeypatch.chdir(tmp_path)  # run folders land in the test's own folder
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    extra = [*SMALL, "--trainer.default_root_dir", str(tmp_path / "run")]
    status = main(argv if argv[0] == "report" else argv + extra)
    lines = capsys.readouterr().err.splitlines()
    assert status == 2, lines
    assert len(lines) == 1 and lines[0].startswith("msrnn: error: "), lines
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]


def test_msrnn_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("MSRNN_DEBUG", "1")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        main(["fit", "--data.batch_size", "0", *SMALL, "--trainer.default_root_dir", str(tmp_path)])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated.npy", "truncated.npy is truncated or not a .npy array file"),
        ("empty.npy", "empty.npy is truncated or not a .npy array file"),
        ("random.npy", "random.npy holds pickled Python objects (or is not an array file)"),
        ("objects.npy", "objects.npy holds pickled Python objects"),
        ("random.h5", "random.h5 is truncated or not a .h5 array file"),
        ("float.npy", "float.npy holds float32 values; pass value_range=(lo, hi)"),
        ("two.npz", "two.npz holds 2 arrays; pass key= one of ['a', 'b']"),
        ("rgb_last.npy", "pass channels_last=True to read it so"),
    ],
)
def test_a_bad_array_file_is_named_with_its_problem(tmp_path, name, message):
    _files(tmp_path)
    with pytest.raises(ValueError) as raised:
        ArrayDataset(tmp_path / name)
    assert message in str(raised.value)


def test_a_channels_last_file_is_read_when_declared(tmp_path):
    frames = np.random.default_rng(0).integers(0, 255, (2, 5, 8, 6, 3), dtype=np.uint8)
    np.save(tmp_path / "rgb.npy", frames)
    clip = ArrayDataset(tmp_path / "rgb.npy", channels_last=True)[1]
    assert clip.shape == (5, 3, 8, 6)
    np.testing.assert_allclose(clip.numpy(), frames[1].transpose(0, 3, 1, 2) / 255, atol=1e-6)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: build_model(None), ValueError, "model name must be a string"),
        (lambda: build_model("convlstm", hidden_channels=2.5), ValueError, "positive integer"),
        (lambda: build_model("convlstm", num_layers="4"), ValueError, "positive integer"),
        (lambda: build_model("convlstm", adapter_bias=True), ValueError, "does not have: drop it"),
        (
            lambda: build_model("convlstm", hidden_channels=4, num_layers=2).forecast(
                torch.rand(1, 3, 1, 16, 16, dtype=torch.float64), 2
            ),
            TypeError,
            "frames are torch.float64 but the model's weights are torch.float32",
        ),
        (
            lambda: build_model("convlstm", hidden_channels=4, num_layers=2).forecast(
                torch.rand(1, 3, 1, 16, 16), 2.5
            ),
            ValueError,
            "horizon must be a whole number of frames, at least 1, got 2.5",
        ),
        (
            lambda: build_model("convlstm", hidden_channels=4, num_layers=2)(
                torch.rand(1, 3, 1, 16, 16), teacher_forcing=torch.tensor([[1.0, float("nan")]])
            ),
            ValueError,
            "teacher_forcing must hold probabilities in [0, 1]",
        ),
    ],
)
def test_bad_python_arguments_are_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_a_worker_traceback_is_reduced_to_its_message():
    from msrnn.cli_errors import one_line

    worker = ValueError(
        "Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent "
        'call last):\n  File "x.py", line 1, in read\nValueError: f/0003.png cannot be decoded'
    )
    assert one_line(worker) == ("f/0003.png cannot be decoded", 2)
    memory = one_line(RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate"))
    assert memory[1] == 2 and "use a smaller --data.batch_size" in memory[0]
    assert one_line(RuntimeError("boom")) == (
        "RuntimeError: boom (set MSRNN_DEBUG=1 for the traceback)",
        1,
    )

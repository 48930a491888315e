"""bf16-mixed training on the CPU: the model, one training step, and ``msrnn fit`` end to end."""

import math

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from msrnn.profiling.step import TrainingStep
from msrnn.training import ForecastSystem
from msrnn.training.cli import run_cli
from tests.conftest import tiny_model
from tests.training.helpers import tiny_args

ELEMENTWISE = {"mul", "add", "sub", "sigmoid", "tanh"}


class _ElementwiseDtypes(TorchDispatchMode):
    """Records the float input dtypes of every element-wise op that runs inside it."""

    def __init__(self):
        super().__init__()
        self.dtypes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        dtypes = {a.dtype for a in args if isinstance(a, torch.Tensor) and a.is_floating_point()}
        if func.overloadpacket.__name__ in ELEMENTWISE and dtypes:
            self.dtypes.append(dtypes)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("name", ["convlstm", "predrnn"])
def test_gate_arithmetic_runs_in_bf16_under_autocast(name):
    model = tiny_model(name, num_layers=2)
    frames = torch.rand(1, 3, 1, 8, 8)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16), _ElementwiseDtypes() as spy:
        predictions = model(frames, input_frames=3).predictions
    assert predictions.dtype == torch.bfloat16
    assert len(spy.dtypes) > 10
    assert all(dtypes == {torch.bfloat16} for dtypes in spy.dtypes), spy.dtypes


@pytest.mark.parametrize(
    ("name", "channels_last"), [("convlstm", True), ("ms-predrnn-v2", False), ("mim", True)]
)
def test_bf16_mixed_step_has_finite_loss_and_gradients(name, channels_last):
    model = tiny_model(name, num_layers=2, channels_last=channels_last)
    frames = torch.rand(2, 4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    step = TrainingStep(model, frames, precision="bf16-mixed")
    loss = step.loss()
    step.update(loss)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert grads and all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_fit_in_bf16_mixed_and_channels_last_through_the_cli(tmp_path):
    run = tmp_path / "run"
    extra = ["--trainer.precision", "bf16-mixed", "--model.channels_last", "true"]
    cli = run_cli(["fit", *tiny_args(run, "--trainer.max_epochs", "1", *extra)])
    assert cli.model.net.memory_format is torch.channels_last
    for key in ("train/loss", "val/loss", "val/mse_frame_sum", "val/ssim"):
        value = cli.trainer.callback_metrics[key]
        assert value.dtype == torch.float32 and math.isfinite(value.item()), key
    restored = ForecastSystem.load_from_checkpoint(run / "checkpoints" / "last.ckpt")
    assert restored.hparams.channels_last and restored.net.memory_format is torch.channels_last

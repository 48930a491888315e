"""The training progress bar counts to max_steps, not to the end of a long epoch."""

import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from msrnn.training import ForecastSystem
from msrnn.training.cli import MSRNNCLI
from msrnn.training.progress import RunProgressBar
from tests.training.helpers import TINY_MNIST


def _fit(bar: RunProgressBar, *, max_steps: int, batches: int, accumulate: int = 1) -> list:
    totals = []

    class Record(L.Callback):
        def on_train_batch_end(self, trainer, *args):
            totals.append(bar.train_progress_bar.total)

    system = ForecastSystem(
        model="convlstm",
        model_kwargs={"hidden_channels": 2, "num_layers": 1},
        input_frames=2,
        output_frames=1,
    )
    data = DataLoader(TensorDataset(torch.rand(batches, 3, 1, 8, 8)), batch_size=1)
    trainer = L.Trainer(
        max_steps=max_steps, max_epochs=3, accelerator="cpu", logger=False,
        enable_checkpointing=False, enable_model_summary=False, limit_val_batches=0,
        accumulate_grad_batches=accumulate, callbacks=[bar, Record()],
    )  # fmt: skip
    trainer.fit(system, data)
    return totals


def test_the_bar_stops_at_max_steps_within_an_epoch():
    assert set(_fit(RunProgressBar(), max_steps=3, batches=20)) == {3}


def test_the_bar_counts_the_last_epoch_to_max_steps():
    # 5 batches per epoch, 7 steps: the first epoch shows 5, the second the 2 left
    assert _fit(RunProgressBar(), max_steps=7, batches=5) == [5] * 5 + [2] * 2


def test_the_bar_counts_accumulated_batches():
    assert set(_fit(RunProgressBar(), max_steps=2, batches=20, accumulate=3)) == {6}


def test_the_cli_uses_it_unless_the_bar_is_off(tmp_path):
    def bars(*extra):
        args = [*TINY_MNIST, "--trainer.default_root_dir", str(tmp_path), *extra]
        cli = MSRNNCLI(args, run=False)
        return [c for c in cli.trainer.callbacks if isinstance(c, RunProgressBar)]

    assert len(bars("--trainer.enable_progress_bar", "true")) == 1
    assert bars() == []  # the tiny arguments switch the bar off

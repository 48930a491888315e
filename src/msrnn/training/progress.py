"""A training progress bar that counts to the end of the run, not to the end of the epoch."""

from __future__ import annotations

from lightning.pytorch.callbacks import TQDMProgressBar


class RunProgressBar(TQDMProgressBar):
    """Lightning's bar whose training total stops at ``max_steps``.

    Lightning caps the bar at ``max_steps`` only when ``max_epochs == -1``; otherwise a 300-step
    run over an epoch of 1 500 batches shows ``27/1500`` and an hour's ETA. Here an epoch's total
    is the batches left before the run's last optimiser step, whenever ``max_steps`` is set:
    :math:`\\min(\\text{batches per epoch}, (\\text{max\\_steps} - \\text{step}) \\cdot a)` with
    ``a`` batches accumulated per optimiser step.
    """

    @property
    def total_train_batches(self) -> int | float:
        trainer = self.trainer
        batches = trainer.num_training_batches
        if trainer.max_steps is None or trainer.max_steps < 0:
            return batches
        left = (trainer.max_steps - trainer.global_step) * trainer.accumulate_grad_batches
        return min(batches, left)

"""The line ``msrnn fit`` prints as training starts: how the model runs, and why that precision."""

from __future__ import annotations

from lightning.pytorch import Callback, LightningModule, Trainer

from msrnn.precision import precision_note


def run_settings_line(module: LightningModule, trainer: Trainer) -> str:
    """``msrnn: <model> runs with <runtime options>; precision <note>``."""
    device = trainer.strategy.root_device.type
    return (
        f"msrnn: {module.hparams.model} runs with {module.net.runtime.describe()}; precision "
        f"{precision_note(str(trainer.precision), 'cuda' if device == 'cuda' else 'cpu')}"
    )


class RunSettingsLine(Callback):
    """Prints :func:`run_settings_line` once, from the first process, when fitting starts."""

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.is_global_zero:
            print(run_settings_line(pl_module, trainer), flush=True)

"""Writes ``msrnn predict`` results: the forecasts as ``.npy`` and a PNG strip per shown sample."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import BasePredictionWriter

from msrnn.atomic import write_atomically
from msrnn.training.reporting import rain_rate_fn
from msrnn.training.run_dir import fresh_subdir


class ForecastWriter(BasePredictionWriter):
    """Collects ``predict_step`` outputs and writes them into ``<run>/predict[-N]/`` on rank 0.

    Files: ``forecast.npy`` (``(N, horizon, C, H, W)`` float32, clipped to [0, 1], in the order of
    the input), ``context.npy`` (the observed frames used), ``strip_<i>.png`` for the first
    ``strips`` samples, and a GIF of the first sample's forecast.

    Args:
        strips: number of samples drawn as PNG strips.
    """

    def __init__(self, strips: int = 4) -> None:
        super().__init__(write_interval="epoch")
        self.strips = strips
        self.output_dir: Path | None = None

    def write_on_epoch_end(
        self, trainer, pl_module, predictions: list[Any], batch_indices: Any
    ) -> None:
        if not predictions:
            return
        forecast = torch.cat([p["forecast"] for p in predictions]).clamp(0, 1).float()
        context = torch.cat([p["context"] for p in predictions]).float()
        if trainer.world_size > 1:
            raise ValueError("msrnn predict runs on one process; set --trainer.devices 1")
        out_dir = fresh_subdir(trainer.default_root_dir, "predict")
        for name, array in (("forecast.npy", forecast), ("context.npy", context)):
            write_atomically(out_dir / name, partial(_save_npy, array.cpu().numpy()))
        self._draw(out_dir, context.cpu().numpy(), forecast.cpu().numpy(), trainer, pl_module)
        self.output_dir = out_dir
        print(f"forecasts: {out_dir / 'forecast.npy'} {tuple(forecast.shape)}; strips in {out_dir}")

    def _draw(
        self, out_dir: Path, context: np.ndarray, forecast: np.ndarray, trainer, pl_module
    ) -> None:
        from msrnn.viz import prediction_strip, save_png, truth_vs_prediction_gif

        radar = getattr(getattr(trainer, "datamodule", None), "radar", None)
        rain = rain_rate_fn(radar)
        title = f"{pl_module.hparams.model} forecast"
        for index in range(min(self.strips, len(forecast))):
            strip = prediction_strip(
                context[index],
                None,
                forecast[index],
                rain_rate=rain,
                title=f"{title}, sample {index}",
            )
            save_png(strip, out_dir / f"strip_{index}.png")
        truth_vs_prediction_gif(
            None, forecast[0], out_dir / "forecast.gif", rain_rate=rain, title=title
        )


def _save_npy(array: np.ndarray, path: Path) -> None:
    with path.open("wb") as handle:  # a file object: np.save would append ".npy" to the name
        np.save(handle, array)

"""The Lightning system: one training/evaluation loop for every model and dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import lightning as L
import torch
from lightning.pytorch.utilities import rank_zero_info
from torch import Tensor

from msrnn.losses import LOSSES, LossName, frame_sum_loss
from msrnn.metrics import BASELINES, MetricSuite, build_metric_suite
from msrnn.metrics.protocol import Protocol
from msrnn.models import (
    ReverseScheduledSampling,
    ScheduledSampling,
    build_model,
    reverse_sampling_etas,
    scheduled_sampling_eta,
)
from msrnn.training.reporting import format_table, write_figures, write_metrics
from msrnn.training.run_dir import fresh_subdir
from msrnn.training.schedules import LR_SCHEDULES, LRSchedule, lr_factor

Sampling = Literal["auto", "scheduled", "reverse", "none"]


class ForecastSystem(L.LightningModule):
    """Trains and evaluates a registered forecaster the way the MS-RNN paper does.

    Defaults reproduce the paper: Adam with a constant learning rate of 3e-4, the L1+L2
    per-frame-sum loss over all ``T-1`` next-frame predictions (plus ``decoupling_weight`` times
    PredRNN-V2's decoupling term), scheduled sampling decaying linearly over the whole run (reverse
    scheduled sampling for PredRNN-V2). Validation and test feed the first ``input_frames`` true
    frames and the model's own predictions afterwards.

    The network is built from plain values through :func:`msrnn.build_model`, so
    ``ForecastSystem.load_from_checkpoint(path)`` rebuilds everything.

    Args:
        model: registered model name (see ``msrnn models``).
        preset: ``"paper"`` or ``"clean"``.
        model_kwargs: overrides for :func:`msrnn.build_model` (e.g. ``hidden_channels``).
        weights: start from shipped trained weights, e.g. ``"moving-mnist"`` (``msrnn zoo``
            lists them): the network is built as they were trained and loaded with them, for
            ``predict``/``test`` without a checkpoint or to fine-tune with ``fit``.
        in_channels: image channels of the data.
        input_frames: observed frames per sequence.
        output_frames: frames forecast per sequence (the horizon of ``predict``).
        lr: Adam learning rate (the peak rate of a schedule).
        lr_schedule: ``"constant"`` (paper) or ``"cosine"``: decay to 0 over the run
            (``trainer.estimated_stepping_batches``), see
            :func:`msrnn.training.schedules.lr_factor`.
        warmup_steps: optimiser steps of a linear learning-rate warm-up (0: none).
        loss: ``"l1+l2"`` (paper), ``"l2"`` or ``"l1"``.
        l1_weight: weight of the L1 term in ``"l1+l2"`` (paper: 1; see
            :func:`msrnn.losses.frame_sum_loss` for what a smaller one does).
        decoupling_weight: weight of PredRNN-V2's decoupling term.
        sampling: ``"auto"`` (reverse for models with a decoupling loss, else scheduled),
            ``"scheduled"``, ``"reverse"`` or ``"none"`` (always feed true frames while training).
        sampling_steps: optimiser steps over which scheduled sampling decays to 0 (default: the
            whole run, ``trainer.estimated_stepping_batches``).
        seed: seed of the sampling masks (each DDP rank adds its rank).
        protocol: frames scored by the validation/test metrics: ``"forecast"`` (future frames
            only) or ``"paper"`` (all ``T-1`` outputs, as the official code).
        compile: compile the forecaster's time step with ``torch.compile`` (opt-in).
        channels_last: run the forecaster in the ``torch.channels_last`` memory format
            (NHWC convolutions, same results). Both are runtime options of the forecaster
            (:meth:`msrnn.Forecaster.configure`), as is ``recompute``, given in ``model_kwargs``.

    Mixed precision is the trainer's ``precision`` (e.g. ``"bf16-mixed"``): under autocast the
    forecaster keeps its recurrent state in bf16, so the gates run in bf16; metrics always score
    predictions cast back to the data's dtype.
    """

    def __init__(
        self,
        *,
        model: str = "ms-convlstm",
        preset: str = "paper",
        model_kwargs: dict[str, Any] | None = None,
        weights: str | None = None,
        in_channels: int = 1,
        input_frames: int = 10,
        output_frames: int = 10,
        lr: float = 3e-4,
        lr_schedule: LRSchedule = "constant",
        warmup_steps: int = 0,
        loss: LossName = "l1+l2",
        l1_weight: float = 1.0,
        decoupling_weight: float = 0.01,
        sampling: Sampling = "auto",
        sampling_steps: int | None = None,
        seed: int = 0,
        protocol: Protocol = "forecast",
        compile: bool = False,
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        if sampling not in ("auto", "scheduled", "reverse", "none"):
            raise ValueError(
                f"sampling must be 'auto', 'scheduled', 'reverse' or 'none', got {sampling!r}"
            )
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}")
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        if not l1_weight >= 0:
            raise ValueError(f"l1_weight must be 0 or more, got {l1_weight!r}")
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be 0 or more, got {warmup_steps}")
        self.save_hyperparameters()
        self.net = build_model(
            model,
            preset=preset,
            weights=weights,
            in_channels=in_channels,
            input_frames=input_frames,
            **(model_kwargs or {}),
        )
        if channels_last:
            self.net.configure(channels_last=True)
        self.input_frames = input_frames
        self.output_frames = output_frames
        self.loss_kind = loss
        self.decoupling_weight = decoupling_weight
        if sampling == "auto":
            sampling = "reverse" if self.net.decoupling is not None else "scheduled"
        self.sampling = sampling
        self._sampler: ScheduledSampling | ReverseScheduledSampling | None = None
        self._pending_sampler_state: dict[str, Any] | None = None
        self.protocol = protocol
        self._suites: dict[str, MetricSuite] = {}

        self._sample: dict[str, Any] | None = None

    def setup(self, stage: str) -> None:
        if self.hparams.compile and not self.net.runtime.compile:
            self.net.configure(compile=True)

    # ----------------------------------------------------------------- training
    def configure_optimizers(self) -> dict[str, Any]:
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: lr_factor(
                step,
                total_steps=total,
                warmup_steps=self.hparams.warmup_steps,
                schedule=self.hparams.lr_schedule,
            ),
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def training_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        frames = _frames(batch)
        mask, eta = self._teacher_forcing(frames)
        out = self.net(frames, teacher_forcing=mask)
        loss = self._criterion(out, frames, stage="train")
        self.log("train/eta", eta, on_step=True, on_epoch=False, batch_size=frames.shape[0])
        return loss

    def validation_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        frames = _frames(batch)
        out = self.net(frames, input_frames=self.input_frames)
        self._suite("val", frames).update(_scored(out.predictions.detach(), frames), frames)
        return self._criterion(out, frames, stage="val")

    def on_validation_epoch_end(self) -> None:
        suite = self._suites.pop("val", None)
        if suite is None:
            return
        results = suite.compute()
        for key in ("mse_frame_sum", "mae_frame_sum", "ssim"):
            self.log(f"val/{key}", results[key].mean().float(), sync_dist=False)

    # ----------------------------------------------------------------- test
    def test_step(self, batch: Tensor, batch_idx: int) -> Tensor:
        frames = _frames(batch)
        out = self.net(frames, input_frames=self.input_frames)
        self._suite("test", frames).update(_scored(out.predictions, frames), frames)
        for name, forecast in BASELINES.items():
            baseline = forecast(frames, input_frames=self.input_frames)
            self._suite(name, frames).update(baseline, frames)
        if self._sample is None:
            self._sample = {
                "inputs": frames[0, : self.input_frames].float().cpu().numpy(),
                "truth": frames[0, self.input_frames :].float().cpu().numpy(),
                "prediction": out.predictions[0, self.input_frames - 1 :]
                .clamp(0, 1)
                .float()
                .cpu()
                .numpy(),
            }
        return self._criterion(out, frames, stage="test")

    def on_test_epoch_end(self) -> None:
        results = self._suites.pop("test").to_dict()
        baselines = {name: self._suites.pop(name).to_dict() for name in BASELINES}
        sample, self._sample = self._sample, None
        for key in ("mse_frame_sum", "mae_frame_sum", "ssim"):
            self.log(f"test/{key}", results[f"{key}_mean"], sync_dist=False)
        if not self.trainer.is_global_zero:
            return
        out_dir = fresh_subdir(self.trainer.default_root_dir, "test")
        meta = {
            "model": self.hparams.model,
            "protocol": self.protocol,
            "input_frames": self.input_frames,
            "checkpoint": str(self.trainer.ckpt_path) if self.trainer.ckpt_path else None,
        }
        write_metrics(out_dir, results, baselines, meta)
        title = f"{self.hparams.model} ({self.protocol} protocol)"
        write_figures(out_dir, results, baselines, sample=sample, radar=self._radar(), title=title)
        rank_zero_info(f"\n{format_table(results, baselines)}\n\ntest results: {out_dir}")
        self.test_dir = Path(out_dir)

    def _suite(self, name: str, frames: Tensor) -> MetricSuite:
        if name not in self._suites:
            suite = build_metric_suite(
                seq_len=frames.shape[1],
                input_frames=self.input_frames,
                protocol=self.protocol,
                radar=self._radar(),
            )
            self._suites[name] = suite.to(frames.device)
        return self._suites[name]

    def _radar(self):
        datamodule = getattr(self.trainer, "datamodule", None)
        return getattr(datamodule, "radar", None)

    def predict_step(self, batch: Tensor, batch_idx: int) -> dict[str, Tensor]:
        """Forecast ``output_frames`` frames after the first ``input_frames`` of each clip."""
        frames = _frames(batch)
        context = frames[:, : self.input_frames]
        return {"context": context, "forecast": self.net.forecast(context, self.output_frames)}

    def forward(self, frames: Tensor) -> Tensor:
        """Next-frame predictions ``(B, T-1, C, H, W)`` with ``input_frames`` observed frames."""
        return self.net(frames, input_frames=self.input_frames).predictions

    def _criterion(self, out, frames: Tensor, *, stage: str) -> Tensor:
        batch = frames.shape[0]
        loss = frame_sum_loss(
            out.predictions, frames[:, 1:], self.loss_kind, l1_weight=self.hparams.l1_weight
        )
        if out.decoupling_loss is not None:
            self.log(f"{stage}/decoupling", out.decoupling_loss, batch_size=batch, sync_dist=True)
            loss = loss + self.decoupling_weight * out.decoupling_loss
        on_step = stage == "train"
        self.log(
            f"{stage}/loss",
            loss,
            batch_size=batch,
            prog_bar=True,
            on_step=on_step,
            on_epoch=True,
            sync_dist=not on_step,
        )
        return loss

    # ----------------------------------------------------------------- sampling
    def _teacher_forcing(self, frames: Tensor) -> tuple[Tensor | None, float]:
        batch, length = frames.shape[:2]
        if self.sampling == "none" or length - 1 <= self.input_frames:
            return torch.ones(batch, length - 1, device=frames.device), 1.0
        sampler = self._get_sampler()
        if isinstance(sampler, ReverseScheduledSampling):
            epoch = self.current_epoch + 1
            mask = sampler.mask(batch, length, self.input_frames, epoch=epoch, device=frames.device)
            return mask, reverse_sampling_etas(epoch, sampler.num_epochs)[1]
        step = self.global_step
        mask = sampler.mask(batch, length, self.input_frames, step=step, device=frames.device)
        return mask, scheduled_sampling_eta(step, sampler.total_steps)

    def _get_sampler(self) -> ScheduledSampling | ReverseScheduledSampling:
        if self._sampler is None:
            seed = self.hparams.seed + self.global_rank
            if self.sampling == "reverse":
                epochs = self.trainer.max_epochs
                if epochs is None or epochs < 1:
                    raise ValueError("reverse scheduled sampling needs trainer.max_epochs >= 1")
                self._sampler = ReverseScheduledSampling(epochs, seed=seed)
            else:
                total = self.hparams.sampling_steps or self.trainer.estimated_stepping_batches
                self._sampler = ScheduledSampling(max(1, int(total)), seed=seed)
            if self._pending_sampler_state is not None:
                self._sampler.load_state_dict(self._pending_sampler_state)
                self._pending_sampler_state = None
        return self._sampler

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self._sampler is not None:
            checkpoint["msrnn_sampler"] = self._sampler.state_dict()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self._pending_sampler_state = checkpoint.get("msrnn_sampler")
        self._sampler = None


def _scored(predictions: Tensor, frames: Tensor) -> Tensor:
    """Predictions in the data's dtype: under bf16 autocast the model returns bf16."""
    return predictions.to(frames.dtype)


def _frames(batch: Tensor | dict | list | tuple) -> Tensor:
    """The ``(B, T, C, H, W)`` frames of a batch (a tensor, a mapping with "frames", or a pair)."""
    if isinstance(batch, Tensor):
        return batch
    if isinstance(batch, dict):
        return batch["frames"]
    return batch[0]

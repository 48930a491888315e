"""``msrnn fit | validate | test | predict``: LightningCLI over :class:`ForecastSystem`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import ModelCheckpoint, ProgressBar
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback
from lightning.pytorch.loggers import CSVLogger, Logger

from msrnn.models import canonical_name
from msrnn.training.checkpoint_settings import settings_with_checkpoint
from msrnn.training.checkpoints import CheckpointError, SafeCheckpointIO, read_checkpoint
from msrnn.training.cli_args import with_default_data
from msrnn.training.datamodule import SequenceDataModule
from msrnn.training.fit_clock import FitClock
from msrnn.training.interruption import CheckpointOnInterrupt
from msrnn.training.prediction_writer import ForecastWriter
from msrnn.training.progress import RunProgressBar
from msrnn.training.run_dir import (
    check_fresh_or_resumed,
    checkpoint_dir,
    default_run_dir,
    resolve_checkpoint,
)
from msrnn.training.run_lock import RunLock, is_launching_process
from msrnn.training.run_settings import RunSettingsLine
from msrnn.training.system import ForecastSystem


class RunConfigSaver(SaveConfigCallback):
    """Saves ``config.yaml`` in the run folder; a resumed run adds ``config-2.yaml``, ... ."""

    def setup(self, trainer, pl_module, stage: str) -> None:
        if self.already_saved:
            return
        if trainer.is_global_zero:
            root = Path(trainer.default_root_dir)
            root.mkdir(parents=True, exist_ok=True)
            path, index = root / "config.yaml", 1
            while path.exists():
                index += 1
                path = root / f"config-{index}.yaml"
            self.parser.save(self.config, str(path), skip_none=False, multifile=self.multifile)
        self.already_saved = True


def _loggers(root: Path) -> list[Logger]:
    loggers: list[Logger] = [CSVLogger(root / "logs", name="csv")]
    try:
        import tensorboard  # noqa: F401
        from lightning.pytorch.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(root / "logs", name="tensorboard"))
    except ImportError:
        pass
    return loggers


def _checkpointing(root: Path) -> ModelCheckpoint:
    # NOTE: checkpoints are selected on the validation loss, never on the test split.
    return ModelCheckpoint(
        dirpath=checkpoint_dir(root),
        filename="epoch{epoch:03d}-val_loss{val/loss:.4f}",
        auto_insert_metric_name=False,
        monitor="val/loss",
        mode="min",
        save_last=True,
        save_top_k=1,
    )


def _check_accelerator(accelerator: Any) -> None:
    """Refuse a GPU accelerator on a machine without one, naming the way out."""
    import torch

    if accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"--trainer.accelerator {accelerator}: this machine has no usable CUDA GPU; use "
            "--trainer.accelerator cpu (or auto)"
        )


class MSRNNCLI(LightningCLI):
    """LightningCLI with msrnn's run-folder conventions.

    * ``--trainer.default_root_dir`` is the run folder, by default ``runs/<data>/<model>``: the
      data module's ``name`` (``moving_mnist``, ``kth``, ...) and the canonical model name, so
      ``msrnn fit --config configs/kth.yaml --model.model ms-predrnn`` trains into
      ``runs/kth/ms-predrnn``; logs go to ``<run>/logs`` (CSV, plus TensorBoard when installed),
      checkpoints to ``<run>/checkpoints``.
    * ``fit`` refuses a run folder that already holds checkpoints unless ``--ckpt_path last``
      (resume) is given; nothing is ever deleted.
    * ``validate``/``test``/``predict`` need trained weights: ``--ckpt_path best`` or ``last``
      (looked up in the run folder, so a copied or moved folder finds its own files), a
      ``.ckpt`` file, or ``--model.weights`` (a shipped entry).
    * A checkpoint's architecture, and when resuming its training settings, are used; an
      explicit ``--model.*`` that contradicts them is refused
      (:mod:`msrnn.training.checkpoint_settings`).
    * Checkpoints are read without running code and written atomically
      (:mod:`msrnn.training.checkpoints`); ``fit`` holds the run folder's lock
      (:mod:`msrnn.training.run_lock`) and saves ``last.ckpt`` when stopped by SIGTERM or Ctrl-C
      (:mod:`msrnn.training.interruption`).
    * The training progress bar counts to ``max_steps`` when it is set (:class:`RunProgressBar`),
      and ``fit`` prints how the model runs and why its precision (:mod:`.run_settings`) and
      counts its training time across resumes in the checkpoints (:class:`.fit_clock.FitClock`).
    * The model's ``in_channels``, ``input_frames`` and ``output_frames`` come from the data module;
      without ``--data`` (or a config naming one) it is the embedded Moving MNIST, so
      ``msrnn predict --model.weights moving-mnist --data.predict_path x.npy`` needs nothing else.
    """

    def __init__(self, args: Sequence[str] | None = None, run: bool = True) -> None:
        self._run_lock: RunLock | None = None
        self._trained_channels: int | None = None  # of the checkpoint given, if any
        try:
            super().__init__(
                ForecastSystem,
                SequenceDataModule,
                subclass_mode_data=True,
                save_config_callback=RunConfigSaver,
                trainer_defaults={"max_epochs": 20},
                seed_everything_default=2022,
                auto_configure_optimizers=False,
                parser_kwargs={"exit_on_error": False},  # msrnn.cli prints the error in one line
                args=args,
                run=run,
            )
        finally:
            if self._run_lock is not None:
                self._run_lock.release()

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        """Parse with the default data module named when nothing chooses one
        (:mod:`msrnn.training.cli_args`), then fill in the default run folder."""
        if args is None or isinstance(args, Sequence):
            args = with_default_data(sys.argv[1:] if args is None else args)
        super().parse_arguments(parser, args)
        subcommand = self.config.get("subcommand")
        config = self.config[subcommand] if subcommand else self.config
        if config["trainer"].get("default_root_dir") is None:
            model = canonical_name(config["model"]["model"])
            config["trainer"]["default_root_dir"] = default_run_dir(_data_name(config), model)

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        for source, target in (
            ("channels", "in_channels"),
            ("input_frames", "input_frames"),
            ("output_frames", "output_frames"),
        ):
            parser.link_arguments(
                "data", f"model.{target}", compute_fn=attrgetter(source), apply_on="instantiate"
            )

    def instantiate_trainer(self, **kwargs: Any):
        config = self._get(self.config_init, "trainer", default={})
        root = Path(config["default_root_dir"])
        if config.get("logger") in (None, True):
            kwargs["logger"] = _loggers(root)
        _check_accelerator(config.get("accelerator"))
        callbacks = list(config.get("callbacks") or [])
        saving = config.get("enable_checkpointing") is not False
        if saving and not any(isinstance(c, ModelCheckpoint) for c in callbacks):
            callbacks.append(_checkpointing(root))
        wants_bar = config.get("enable_progress_bar") in (None, True)
        if wants_bar and not any(isinstance(c, ProgressBar) for c in callbacks):
            callbacks.append(RunProgressBar())
        if self.subcommand == "predict":
            callbacks.append(ForecastWriter())
        # NOTE: every command has the clock: its state is in each checkpoint, and Lightning warns
        # about checkpoint callbacks that a command loading the checkpoint lacks.
        callbacks.append(FitClock())
        if self.subcommand == "fit":
            callbacks.append(RunSettingsLine())
        if self.subcommand == "fit" and saving:
            callbacks.append(CheckpointOnInterrupt(checkpoint_dir(root) / "last.ckpt"))
        kwargs["callbacks"] = callbacks
        plugins = list(config.get("plugins") or [])
        kwargs["plugins"] = [*plugins, SafeCheckpointIO()]
        return super().instantiate_trainer(**kwargs)

    def _parse_ckpt_path(self) -> None:
        """Resolve ``--ckpt_path`` to a file of the run folder, check that the command may use
        it, and take the checkpoint's settings (replaces LightningCLI's own, which reads the
        checkpoint before ``best``/``last`` are resolved and lets its values override
        explicit ones silently)."""
        subcommand = self.config.get("subcommand")
        if not subcommand:
            return
        config = self.config[subcommand]
        ckpt_path = config.get("ckpt_path")
        root = config["trainer"]["default_root_dir"]
        if subcommand == "fit" and ckpt_path == "best":
            raise ValueError(
                "msrnn fit resumes from --ckpt_path last (or a .ckpt file); best is for "
                "validate, test and predict"
            )
        if subcommand == "fit":
            if is_launching_process():
                self._run_lock = RunLock(root)
            check_fresh_or_resumed(root, ckpt_path)
        if ckpt_path is None:
            if subcommand != "fit" and not config["model"].get("weights"):
                raise CheckpointError(
                    f"msrnn {subcommand} needs trained weights: give --ckpt_path best (or last, "
                    "or a .ckpt file) with the run folder as --trainer.default_root_dir, or "
                    "--model.weights NAME (msrnn zoo lists the shipped ones)"
                )
            return
        path = resolve_checkpoint(root, ckpt_path)
        config["ckpt_path"] = str(path)
        saved = read_checkpoint(path)["hyper_parameters"]
        given = dict(vars(config["model"]))
        for key, value in settings_with_checkpoint(subcommand, given, saved, str(path)).items():
            config["model"][key] = value
        self._trained_channels = saved.get("in_channels")

    def _check_channels(self) -> None:
        trained = self._trained_channels
        if trained is not None and trained != self.model.hparams.in_channels:
            raise CheckpointError(
                f"the data have {self.model.hparams.in_channels} channel(s) but checkpoint "
                f"{self.config_init[self.subcommand]['ckpt_path']} was trained on {trained}: "
                "give data with that many channels, or another checkpoint"
            )

    def before_fit(self) -> None:
        self._check_channels()

    def before_validate(self) -> None:
        self._check_channels()

    def before_test(self) -> None:
        self._check_channels()

    def before_predict(self) -> None:
        self._check_channels()


def _data_name(config: Any) -> str:
    """The ``name`` of the data module class a parsed config chooses (else its class name)."""
    module, _, name = config["data"]["class_path"].rpartition(".")
    data_class = getattr(importlib.import_module(module), name)
    return getattr(data_class, "name", None) or data_class.__name__


def run_cli(args: Sequence[str]) -> MSRNNCLI:
    """Run ``msrnn <subcommand> ...`` (the arguments after ``msrnn``)."""
    # LightningCLI warns when it is given ``args`` while the process has command-line arguments
    # of its own (``msrnn quickstart``); the arguments given here are the whole command.
    saved = sys.argv
    sys.argv = saved[:1]
    try:
        return MSRNNCLI(args=list(args))
    finally:
        sys.argv = saved

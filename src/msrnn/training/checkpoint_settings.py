"""What a checkpoint's saved settings mean for the command that loads it.

A checkpoint stores the :class:`~msrnn.training.ForecastSystem` arguments it was trained with.
A command given a checkpoint uses the checkpoint's *architecture* (the weights fit nothing else)
and, when ``fit`` resumes, its *training* settings (the optimiser and schedule states were made
with them). A setting the command asks for explicitly (anything but the argument's default) that
contradicts the checkpoint is refused with both values named, never silently dropped. Runtime
settings (the test protocol, compile, channels-last, the fused/recompute
switches of ``model_kwargs``) are the command's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from msrnn.pretrained import RUNTIME_OVERRIDES
from msrnn.training.checkpoints import CheckpointError
from msrnn.training.system import ForecastSystem

#: Settings that decide which network the weights belong to.
ARCHITECTURE = ("model", "preset", "model_kwargs")
#: Settings a resumed ``fit`` must keep: its optimiser, schedule and sampler states depend on them.
TRAINING = ("lr", "lr_schedule", "warmup_steps", "loss", "l1_weight", "decoupling_weight",
            "sampling", "sampling_steps", "seed")  # fmt: skip


def system_defaults() -> dict[str, Any]:
    """The default of every :class:`ForecastSystem` argument."""
    parameters = inspect.signature(ForecastSystem.__init__).parameters
    return {name: p.default for name, p in parameters.items() if name != "self"}


def _architecture_kwargs(model_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (model_kwargs or {}).items() if k not in RUNTIME_OVERRIDES}


def settings_with_checkpoint(
    subcommand: str, given: Mapping[str, Any], saved: Mapping[str, Any], checkpoint: str
) -> dict[str, Any]:
    """The model settings for ``msrnn <subcommand>`` given a checkpoint.

    Args:
        subcommand: ``fit`` (a resume), ``validate``, ``test`` or ``predict``.
        given: the command's model settings (``--model.*``, config files and defaults).
        saved: the checkpoint's ``hyper_parameters``.
        checkpoint: the checkpoint's path, for messages.

    Returns:
        ``given`` with the checkpoint's architecture (and, for ``fit``, training) settings.

    Raises:
        CheckpointError: an explicitly given setting contradicts the checkpoint's.
    """
    defaults = system_defaults()
    kept = ARCHITECTURE + (TRAINING if subcommand == "fit" else ())
    settings = dict(given)
    for key in kept:
        if key not in saved:
            continue
        asked, trained = given.get(key, defaults.get(key)), saved[key]
        if key == "model_kwargs":
            asked_arch, trained_arch = _architecture_kwargs(asked), _architecture_kwargs(trained)
            runtime = {k: v for k, v in (asked or {}).items() if k in RUNTIME_OVERRIDES}
            if asked_arch and asked_arch != trained_arch:
                raise _conflict(subcommand, key, asked_arch, trained_arch, checkpoint)
            settings[key] = {**(trained or {}), **runtime} or None
            continue
        if asked != defaults.get(key) and asked != trained:
            raise _conflict(subcommand, key, asked, trained, checkpoint)
        settings[key] = trained
    return settings


def _conflict(subcommand: str, key: str, asked: Any, trained: Any, checkpoint: str):
    if key in ARCHITECTURE:
        why = "its weights fit only the network it was trained as"
        way_out = f"drop --model.{key} (the checkpoint's is used) or give another checkpoint"
    else:
        why = "a resumed run keeps the settings its optimiser and schedule states were made with"
        way_out = (
            f"drop --model.{key}, or start a new run with --trainer.default_root_dir <new folder>"
        )
    return CheckpointError(
        f"msrnn {subcommand}: --model.{key} {asked!r} contradicts checkpoint {checkpoint}, "
        f"trained with {trained!r} ({why}): {way_out}"
    )

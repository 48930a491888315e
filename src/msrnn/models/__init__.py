"""Forecasters: the multi-scale stack, the autoregressive loop, sampling schedules, registry."""

from __future__ import annotations

from msrnn.models import zoo
from msrnn.models.forecaster import Forecaster, ForecastOutput
from msrnn.models.registry import (
    ModelEntry,
    base_of,
    canonical_name,
    find_entry,
    list_aliases,
    list_models,
    model_entry,
    ms_variant_of,
    register_model,
)
from msrnn.models.runtime import RUNTIME_OPTIONS, RuntimeOptions
from msrnn.models.sampling import (
    ReverseScheduledSampling,
    ScheduledSampling,
    reverse_sampling_etas,
    scheduled_sampling_eta,
)
from msrnn.models.scale_plan import SKIP_POLICIES, pyramid_levels, skip_sources
from msrnn.models.stack import MultiScaleStack, StackState

#: Build arguments that fix the architecture (what trained weights depend on).
ARCHITECTURE_OVERRIDES: tuple[str, ...] = (
    "hidden_channels",
    "num_layers",
    "kernel_size",
    "in_channels",
    "levels",
    "skip",
    "adapter_bias",
    "cell_kwargs",
    "patch_size",
)
#: Everything ``build_model`` accepts: the architecture, the default number of observed frames
#: and the runtime options (:mod:`msrnn.models.runtime`).
OVERRIDES: tuple[str, ...] = (*ARCHITECTURE_OVERRIDES, "input_frames", *RUNTIME_OPTIONS)


#: Overrides that count something and must be positive integers.
COUNTS = ("hidden_channels", "num_layers", "kernel_size", "in_channels", "input_frames",
          "patch_size")  # fmt: skip


def build_model(
    name: str, preset: str = "paper", *, weights: str | None = None, **overrides
) -> Forecaster:
    """Build a registered forecaster, untrained or with shipped trained weights.

    Args:
        name: model name, e.g. ``"ms-predrnn++"`` (case-insensitive; ``_`` for ``-`` and ``pp``
            for ``++`` are accepted). See :func:`list_models`.
        preset: ``"paper"`` (the paper's parameter counts, never-trained parameters included) or
            ``"clean"`` (without them).
        weights: the name of shipped trained weights, e.g. ``"moving-mnist"`` (see
            ``msrnn zoo`` or :func:`msrnn.list_pretrained`): the model is built the way those
            weights were trained and loaded with them. Overrides may then only change how it
            runs (the runtime options and ``input_frames``) or repeat trained values.
        **overrides: any of ``hidden_channels``, ``num_layers``, ``kernel_size``,
            ``in_channels``, ``levels`` (scale plan), ``skip`` (``none | unet | unet3p | full``),
            ``input_frames``, ``adapter_bias`` (PredRNN-V2 only), ``cell_kwargs`` (extra
            arguments of the cells, e.g. ``{"window": 9}`` for PrecipLSTM), ``patch_size``
            (fold ``p x p`` patches into channels: the stack runs on an ``H/p x W/p`` grid), and
            the runtime options ``fused``, ``recompute``, ``channels_last``, ``compile``,
            ``precision`` (:mod:`msrnn.models.runtime`; later changes go through
            :meth:`Forecaster.configure`).

    Returns:
        The :class:`Forecaster`.

    Raises:
        ValueError: for an unknown name, preset or override; for weights that do not exist for
            ``name``, are corrupt, or do not fit the overrides.

    Example:
        >>> model = build_model("ms-convlstm", hidden_channels=8, num_layers=4)
        >>> model.stack.levels
        (0, 1, 1, 0)
        >>> sum(p.numel() for p in build_model("convlstm").parameters())
        1772737
    """
    if not isinstance(name, str):
        raise ValueError(f"model name must be a string such as 'ms-convlstm', got {name!r}")
    unknown = sorted(set(overrides) - set(OVERRIDES))
    if "checkpointing" in unknown:
        raise ValueError(
            "checkpointing was renamed recompute (activation recomputation over time; msrnn "
            "keeps 'checkpoint' for saved files): use recompute=True or recompute=K"
        )
    if unknown:
        raise ValueError(f"unknown override(s) {unknown}; allowed: {', '.join(OVERRIDES)}")
    for key in COUNTS:
        value = overrides.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(f"{key} must be a positive integer, got {value!r}")
    if weights is None:
        return model_entry(name).builder(preset=preset, **overrides)
    from msrnn.pretrained import architecture, load_pretrained, pretrained_entry

    entry = pretrained_entry(name, weights)
    build = architecture(entry, {"preset": preset, **overrides})
    return load_pretrained(model_entry(name).builder(**build), entry)


__all__ = [
    "ARCHITECTURE_OVERRIDES",
    "OVERRIDES",
    "RUNTIME_OPTIONS",
    "SKIP_POLICIES",
    "ForecastOutput",
    "Forecaster",
    "ModelEntry",
    "MultiScaleStack",
    "ReverseScheduledSampling",
    "RuntimeOptions",
    "ScheduledSampling",
    "StackState",
    "base_of",
    "build_model",
    "canonical_name",
    "find_entry",
    "list_aliases",
    "list_models",
    "model_entry",
    "ms_variant_of",
    "pyramid_levels",
    "register_model",
    "reverse_sampling_etas",
    "scheduled_sampling_eta",
    "skip_sources",
    "zoo",
]

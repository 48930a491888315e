"""Parameters and training memory of the paper's 16 models, measured by the profiler beside the
paper's figures (Tables I-III: Moving MNIST, TaxiBJ, HKO-7).

Each row is one training step profiled by :func:`msrnn.profiling.profile_training`: all
parameters, the unique storages saved for backward (activations) and the training total
(parameters + gradients + Adam moments + activations), at the paper's configuration (6 layers of
64 channels) with a batch of 1, the per-GPU batch of the paper's 4-GPU runs (global batch 4).
The step is traced on the meta device (the autograd graph of a CPU step without its arithmetic;
the profiler's tests check that it saves the same bytes as a CPU step), or run on the CPU for
models whose kernels have no meta implementation (PrecipLSTM's local attention).
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from msrnn.data import hko, moving_mnist, taxibj
from msrnn.models import build_model, list_models, ms_variant_of
from msrnn.profiling import Profile, RunSetup, profile_training

#: The eight base models the paper wraps (its Sec. IV), in the paper's order.
PAPER_FAMILIES = tuple(list_models(tag="paper", multiscale=False))


@dataclass(frozen=True)
class Setting:
    """A dataset setting of the paper's tables.

    Attributes:
        name: key of the setting in the result file.
        title: heading in the results page.
        size: frame size.
        frames: sequence length ``T``.
        input_frames: observed frames.
        paper: the paper's ``(params, memory GB)`` per model, where the table has the model.
    """

    name: str
    title: str
    size: tuple[int, int]
    frames: int
    input_frames: int
    paper: dict[str, tuple[str, float]]


def _setting(
    name: str,
    dataset: str,
    table: str,
    side: int,
    input_frames: int,
    output_frames: int,
    paper: dict[str, tuple[str, float]],
) -> Setting:
    """A setting of square frames, titled ``"<dataset> (<table>: HxW, in -> out frames)"``."""
    title = f"{dataset} ({table}: {side}x{side}, {input_frames} -> {output_frames} frames)"
    return Setting(name, title, (side, side), input_frames + output_frames, input_frames, paper)


MOVING_MNIST = _setting(
    "moving_mnist",
    "Moving MNIST",
    "Table I",
    moving_mnist.PAPER_SIZE,
    moving_mnist.PAPER_INPUT_FRAMES,
    moving_mnist.PAPER_OUTPUT_FRAMES,
    {
        "convlstm": ("1.77M", 5.50),
        "ms-convlstm": ("1.77M", 3.86),
        "predrnn": ("3.59M", 10.44),
        "ms-predrnn": ("3.59M", 6.13),
        "predrnn++": ("5.61M", 15.20),
        "ms-predrnn++": ("5.61M", 8.18),
        "mim": ("7.36M", 19.69),
        "ms-mim": ("7.36M", 10.09),
        "motionrnn": ("7.56M", 20.65),
        "ms-motionrnn": ("7.56M", 10.48),
    },
)
TAXIBJ = _setting(
    "taxibj",
    "TaxiBJ",
    "Table II",
    32,  # the grid of the DeepST files
    taxibj.PAPER_INPUT_FRAMES,
    taxibj.PAPER_OUTPUT_FRAMES,
    {
        "convlstm": ("1.77M", 2.71),
        "ms-convlstm": ("1.77M", 2.54),
        "trajgru": ("2.11M", 3.51),
        "ms-trajgru": ("2.11M", 2.92),
        "predrnn": ("3.59M", 3.24),
        "ms-predrnn": ("3.59M", 2.82),
        "predrnn++": ("5.61M", 3.99),
        "ms-predrnn++": ("5.61M", 3.07),
        "mim": ("7.36M", 4.16),
        "ms-mim": ("7.36M", 3.24),
        "motionrnn": ("7.56M", 4.29),
        "ms-motionrnn": ("7.56M", 3.28),
    },
)
HKO7 = _setting(
    "hko7",
    "HKO-7",
    "Table III",
    hko.PAPER_SIZE,
    hko.PAPER_INPUT_FRAMES,
    hko.PAPER_OUTPUT_FRAMES,
    {
        "convlstm": ("1.77M", 8.18),
        "ms-convlstm": ("1.77M", 5.23),
        "predrnn": ("3.59M", 18.05),
        "ms-predrnn": ("3.59M", 9.64),
        "predrnn++": ("5.61M", 26.50),
        "ms-predrnn++": ("5.61M", 13.25),
        "mim": ("7.36M", 35.04),
        "ms-mim": ("7.36M", 16.84),
        "motionrnn": ("7.56M", 37.53),
        "ms-motionrnn": ("7.56M", 17.68),
    },
)
SETTINGS = {setting.name: setting for setting in (MOVING_MNIST, TAXIBJ, HKO7)}


def paper_models(families: Sequence[str] = PAPER_FAMILIES) -> list[str]:
    """Each base model followed by its MS variant."""
    return [name for family in families for name in (family, ms_variant_of(family))]


#: MS-ConvLSTM's skip ablations (Tables IV-V), measured on Moving MNIST only.
SKIP_ABLATIONS = tuple(list_models(tag="skip-ablation"))


def models_for(setting: Setting) -> list[str]:
    """The models measured in ``setting``: on Moving MNIST the 16 paper models and the skip
    ablations; elsewhere the models of the paper's table for that dataset."""
    if setting.name == MOVING_MNIST.name:
        return [*paper_models(), *SKIP_ABLATIONS]
    return [name for name in paper_models() if name in setting.paper]


def _profile(name: str, setting: Setting, setup: RunSetup, device: str) -> Profile:
    torch.manual_seed(0)
    model = build_model(name, input_frames=setting.input_frames).to(device)
    profile = profile_training(model, setup, name=name)
    del model
    gc.collect()
    return profile


def measure_model(name: str, setting: Setting, *, batch: int = 1) -> dict[str, Any]:
    """Profile one training step of ``name`` (paper preset) in ``setting`` (meta, else CPU)."""
    setup = RunSetup(size=setting.size, batch=batch, frames=setting.frames, repeats=1, warmup=0)
    try:
        profile = _profile(name, setting, setup, "meta")
    except ValueError as error:  # the dry run refuses kernels without a meta version
        if "meta device" not in str(error):
            raise
        profile = _profile(name, setting, setup, "cpu")
    return {
        "model": name,
        "device": profile.device,
        "setting": setting.name,
        "batch": batch,
        "frames": setting.frames,
        "size": list(setting.size),
        "params": profile.params,
        "trained_params": profile.trained_params,
        "activation_bytes": profile.activation_bytes,
        "total_bytes": profile.total_bytes,
        "law_bytes": profile.law.predicted_bytes,
        "flops": profile.flops,
    }

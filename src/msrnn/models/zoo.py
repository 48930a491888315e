"""Registered models: every base ConvRNN and its MS variant, one :class:`ModelEntry` each.

Each family is a function that builds the list of cells for a stack; each entry of
:data:`MODELS` fixes the family, the scale plan and the skip policy. Two presets:

* ``"paper"``: the MS-RNN code's architecture, including parameters that it allocates but never
  trains, so the parameter counts equal the paper's Params column: PredRNN++ allocates a Gradient
  Highway Unit in every layer and runs only the second layer's; MIM and MotionRNN allocate MIM
  blocks in layer 0, which runs as an ST-LSTM; MotionRNN allocates a MotionGRU in the top layer,
  which has no motion highway.
* ``"clean"``: the same maths without never-trained parameters.

Both presets compute the same function for the same trained weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Literal

from msrnn.cells.base import RecurrentCell
from msrnn.cells.cmslstm import CMSLSTMCell
from msrnn.cells.convlstm import ConvLSTMCell
from msrnn.cells.mim import MIMCell
from msrnn.cells.mklstm import MKLSTMCell
from msrnn.cells.modernn import MoDeRNNCell
from msrnn.cells.motionrnn import MotionRNNCell
from msrnn.cells.preciplstm import PrecipLSTMCell
from msrnn.cells.predrnn import STLSTMCell
from msrnn.cells.predrnn_pp import CausalLSTMCell
from msrnn.cells.predrnn_v2 import DecouplingLoss
from msrnn.cells.trajgru import TrajGRUCell
from msrnn.models.forecaster import Forecaster
from msrnn.models.registry import ModelEntry, add_entry
from msrnn.models.scale_plan import SkipPolicy, pyramid_levels
from msrnn.models.stack import MultiScaleStack

Preset = Literal["paper", "clean"]
PRESETS: tuple[str, ...] = ("paper", "clean")
CellsFn = Callable[..., list[RecurrentCell]]
# A family function: (num_layers, channels, kernel_size, *, preset, **cell_kwargs) -> cells


def _convlstm_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    return [ConvLSTMCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def _predrnn_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    return [STLSTMCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def _predrnn_v2_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    return [
        STLSTMCell(channels, kernel_size, return_increments=True, **cell_kwargs) for _ in range(n)
    ]


def _predrnn_pp_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # The GHU sits between layers 0 and 1 and is fused into layer 1 (paper, Sec. III-A).
    unused = "dormant" if preset == "paper" else "none"
    return [
        CausalLSTMCell(
            channels,
            kernel_size,
            highway="active" if i == 1 else unused,
            **cell_kwargs,
        )
        for i in range(n)
    ]


def _trajgru_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # Both presets: the first release's flow network (32 channels, 5x5, L = 10) gives the
    # paper's 2.11M and has no dead parameters.
    return [TrajGRUCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def _mim_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # Layer 0 has no diagonal input: it runs as an ST-LSTM.
    first = "dormant" if preset == "paper" else "none"
    return [
        MIMCell(channels, kernel_size, blocks=first if i == 0 else "active", **cell_kwargs)
        for i in range(n)
    ]


def _motionrnn_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # MIM as above; every layer but the top one has a MotionGRU and the motion highway.
    unused = "dormant" if preset == "paper" else "none"
    return [
        MotionRNNCell(
            channels,
            kernel_size,
            blocks=unused if i == 0 else "active",
            motion=unused if i == n - 1 else "active",
            **cell_kwargs,
        )
        for i in range(n)
    ]


def _cmslstm_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    return [CMSLSTMCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def _modernn_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    return [MoDeRNNCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def _mklstm_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # Branch kernels 3 and 5 in the paper setting (k and k + 2).
    return [
        MKLSTMCell(channels, kernel_size, large_kernel_size=kernel_size + 2, **cell_kwargs)
        for _ in range(n)
    ]


def _preciplstm_cells(n: int, channels: int, kernel_size: int, *, preset: Preset, **cell_kwargs):
    # Every parameter is trained: "paper" and "clean" are the same architecture. The local
    # attention window defaults to 30 (cell_kwargs={"window": K} changes it).
    return [PrecipLSTMCell(channels, kernel_size, **cell_kwargs) for _ in range(n)]


def build_forecaster(
    cells_fn: CellsFn,
    *,
    multiscale: bool,
    skip: SkipPolicy = "unet",
    preset: Preset = "paper",
    hidden_channels: int = 64,
    num_layers: int | None = None,
    kernel_size: int = 3,
    in_channels: int = 1,
    levels: Sequence[int] | None = None,
    input_frames: int = 10,
    decoupling: bool = False,
    adapter_bias: bool | None = None,
    cell_kwargs: dict | None = None,
    patch_size: int = 1,
    **runtime: Any,
) -> Forecaster:
    """Assemble a forecaster from a cell family and the framework's hyper-parameters.

    Args:
        cells_fn: family function ``(n, channels, kernel_size, *, preset, **cell_kwargs) -> cells``.
        multiscale: default plan: the mirror pyramid (True) or all zeros (False).
        skip: skip policy (see :mod:`msrnn.models.scale_plan`).
        preset: ``"paper"`` or ``"clean"`` (see the module docstring).
        hidden_channels: width ``C`` of every layer.
        num_layers: depth ``N`` (default: ``len(levels)`` if given, else 6).
        kernel_size: odd kernel size of the cells' convolutions.
        in_channels: image channels.
        levels: explicit scale plan, one level per layer (overrides ``multiscale``).
        input_frames: default number of observed frames.
        decoupling: add PredRNN-V2's decoupling loss with one shared adapter.
        adapter_bias: give that adapter a bias (default yes, as the MS-RNN code does); only
            models with the decoupling loss have the adapter.
        cell_kwargs: extra keyword arguments of the family's cells (e.g. ``{"window": 9}`` for
            PrecipLSTM's local attention, ``{"links": 13}`` for TrajGRU).
        patch_size: fold ``p x p`` patches of each frame into channels, so the stack runs on a
            grid ``p`` times smaller per side (see :class:`Forecaster`); 1: no patching.
        **runtime: runtime options (:mod:`msrnn.models.runtime`), applied with
            :meth:`Forecaster.configure`; ``fused`` defaults to on (the fast path).

    Raises:
        ValueError: for an unknown preset or inconsistent depth and plan.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {PRESETS}, got {preset!r}")
    if adapter_bias is not None and not decoupling:
        raise ValueError(
            "adapter_bias sets the bias of PredRNN-V2's decoupling adapter, which this model "
            "does not have: drop it"
        )
    if num_layers is None:
        num_layers = len(levels) if levels is not None else 6
    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1, got {num_layers}")
    if levels is None:
        levels = pyramid_levels(num_layers) if multiscale else (0,) * num_layers
    cells = cells_fn(num_layers, hidden_channels, kernel_size, preset=preset, **(cell_kwargs or {}))
    stack = MultiScaleStack(cells, levels=levels, skip=skip)
    loss = DecouplingLoss(hidden_channels, bias=adapter_bias is not False) if decoupling else None
    return Forecaster(
        stack,
        in_channels=in_channels,
        input_frames=input_frames,
        decoupling=loss,
        patch_size=patch_size,
    ).configure(**{"fused": True, **runtime})


def _entries(
    base: str,
    multiscale: str,
    cells_fn: CellsFn,
    *,
    title: str,
    tags: tuple[str, ...] = (),
    ms_aliases: tuple[str, ...] = (),
    **fixed,
) -> tuple[ModelEntry, ModelEntry]:
    """The single-scale model ``base`` and its mirror-pyramid variant ``multiscale`` (UNet
    skips) of one cell family; ``fixed`` are build arguments of both (e.g. the decoupling loss)."""
    return (
        ModelEntry(
            base,
            partial(build_forecaster, cells_fn, multiscale=False, **fixed),
            family=base,
            tags=frozenset(tags),
            summary=f"{title}: the single-scale stack (every level 0)",
        ),
        ModelEntry(
            multiscale,
            partial(build_forecaster, cells_fn, multiscale=True, skip="unet", **fixed),
            family=base,
            multiscale=True,
            skip="unet",
            tags=frozenset(tags),
            aliases=ms_aliases,
            summary=f"MS-{title}: the mirror-pyramid stack with UNet skips",
        ),
    )


def _skip_ablation(name: str, policy: SkipPolicy, label: str) -> ModelEntry:
    return ModelEntry(
        name,
        partial(build_forecaster, _convlstm_cells, multiscale=True, skip=policy),
        family="convlstm",
        multiscale=True,
        skip=policy,
        tags=frozenset({"skip-ablation"}),
        summary=f"MS-ConvLSTM with {label} (the paper's skip ablations, Tables IV and V)",
    )


PAPER = ("paper",)
#: Every registered model: the eight families the MS-RNN paper wraps, three later MS-RNN-code
#: families, and MS-ConvLSTM's skip ablations.
MODELS: tuple[ModelEntry, ...] = (
    *_entries("convlstm", "ms-convlstm", _convlstm_cells, title="ConvLSTM", tags=PAPER),
    *_entries("trajgru", "ms-trajgru", _trajgru_cells, title="TrajGRU", tags=PAPER),
    *_entries("predrnn", "ms-predrnn", _predrnn_cells, title="PredRNN", tags=PAPER),
    *_entries("predrnn++", "ms-predrnn++", _predrnn_pp_cells, title="PredRNN++", tags=PAPER),
    *_entries("mim", "ms-mim", _mim_cells, title="MIM", tags=PAPER),
    *_entries("motionrnn", "ms-motionrnn", _motionrnn_cells, title="MotionRNN", tags=PAPER),
    *_entries("predrnn-v2", "ms-predrnn-v2", _predrnn_v2_cells, title="PredRNN-V2", tags=PAPER,
              decoupling=True),
    *_entries("preciplstm", "ms-preciplstm", _preciplstm_cells, title="PrecipLSTM",
              tags=PAPER),
    *_entries("cms-lstm", "ms-cms-lstm", _cmslstm_cells, title="CMS-LSTM"),
    *_entries("modernn", "ms-modernn", _modernn_cells, title="MoDeRNN"),
    # "MS-LSTM" is the MS-LSTM paper's name for the same model
    *_entries("mk-lstm", "ms-mk-lstm", _mklstm_cells, title="MK-LSTM", ms_aliases=("ms-lstm",)),
    _skip_ablation("ms-convlstm-noskip", "none", "no skips"),
    _skip_ablation("ms-convlstm-unet3p", "unet3p", "UNet3+ skips"),
    _skip_ablation("ms-convlstm-full", "full", "full skips"),
)  # fmt: skip
for _entry in MODELS:
    add_entry(_entry)

"""The ``fused`` switch shared by every layer and cell that has a fused fast path."""

from __future__ import annotations

from torch import nn


class Fusable(nn.Module):
    """A module computing its maths in one of two ways, chosen by :attr:`fused`.

    ``fused=True`` runs the fast path: gate convolutions over several inputs as one call and
    hand-differentiated pointwise gate arithmetic (fewer temporaries, less saved for backward).
    ``fused=False`` runs the plain autograd formulation of the same maths, the oracle the fast
    path is tested against. The switch changes neither parameters nor state-dict keys, so it can
    be flipped on a trained model: :meth:`msrnn.Forecaster.configure` sets it on every
    :class:`Fusable` of a model at once.
    """

    def __init__(self, *, fused: bool = False) -> None:
        super().__init__()
        self.fused = fused


def set_fused(module: nn.Module, fused: bool) -> None:
    """Set :attr:`Fusable.fused` on ``module`` and every :class:`Fusable` inside it."""
    for child in module.modules():
        if isinstance(child, Fusable):
            child.fused = fused


def is_fused(module: nn.Module) -> bool:
    """Whether every :class:`Fusable` inside ``module`` runs its fused path (True if none)."""
    return all(child.fused for child in module.modules() if isinstance(child, Fusable))

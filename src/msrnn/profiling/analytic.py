r"""The paper's analytic memory model (MS-RNN, Sec. IV-B, Eq. 2-7), and its per-plan form.

The paper counts, for ``R`` recursions of an ``N``-layer stack whose cells each keep ``U`` basic
units (gates, states) of shape ``(b, c, h, w)`` in 32-bit floats, the *forward outputs memory*

.. math::
    \mathcal M_{out}^0 &= 32 R N U bchw \text{ bit} && \text{(Eq. 3, single scale)} \\
    \mathcal M_{out}^1 &= \tfrac{256}{3}\left(1 - 4^{-N/2}\right) R U bchw
        && \text{(Eq. 5, mirror pyramid, } N \text{ even)} \\
    \mathcal M_{out}^1 &= \left(\tfrac{256}{3}\left(1 - 4^{-(N-1)/2}\right)
        + 32 \cdot 4^{-(N-1)/2}\right) R U bchw && \text{(Eq. 4, } N \text{ odd)}

and the training total :math:`\mathcal M_{all} = 4\mathcal M_{par} + 2\mathcal M_{out}` (Eq. 2:
parameters, gradients and two Adam moments; outputs and their gradients). Both pyramid forms are
:math:`32 R U bc \sum_l h_l w_l` with :math:`h_l w_l = hw / 4^{\mathrm{level}(l)}`, which is the
form used here for any scale plan, exact grid sizes and a per-layer ``U`` (:func:`output_bytes`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BITS_PER_ELEMENT = 32  # the paper's assumption: 32-bit floating point outputs


def _check_layers(num_layers: int) -> None:
    if not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")


def output_coefficient(num_layers: int, *, multiscale: bool) -> float:
    r"""Forward outputs memory per :math:`R U bchw`, in bits: Eq. 3 or Eq. 4/5.

    Args:
        num_layers: stack depth ``N``.
        multiscale: the paper's mirror pyramid (Eq. 4/5) or the single-scale stack (Eq. 3).

    Raises:
        ValueError: if ``num_layers`` is not a positive integer.

    Example:
        >>> output_coefficient(6, multiscale=False), output_coefficient(6, multiscale=True)
        (192, 84.0)
    """
    _check_layers(num_layers)
    if not multiscale:
        return BITS_PER_ELEMENT * num_layers
    if num_layers % 2 == 0:
        return 256 / 3 * (1 - 4 ** -(num_layers // 2))
    tail = 4 ** -((num_layers - 1) // 2)
    return 256 / 3 * (1 - tail) + BITS_PER_ELEMENT * tail


def plan_coefficient(levels: Sequence[int]) -> float:
    r"""Outputs memory per :math:`R U bchw` in bits for any plan: :math:`32 \sum_l 4^{-k_l}`.

    Equals :func:`output_coefficient` for the all-zero and the mirror-pyramid plans.

    Example:
        >>> plan_coefficient((0, 1, 2, 2, 1, 0))
        84.0
    """
    return BITS_PER_ELEMENT * sum(4.0**-level for level in levels)


def output_bounds(*, multiscale: bool) -> tuple[float, float]:
    r"""The range of the Eq. 3-5 coefficients over all depths :math:`N \ge 3` (Eq. 6).

    Returns:
        ``(96, inf)`` for the single-scale stack, ``(72, 256/3)`` for the mirror pyramid.
    """
    if multiscale:
        return 72.0, 256 / 3
    return 96.0, math.inf


def reduction(num_layers: int) -> float:
    r"""Theoretical memory reduction of the mirror pyramid when outputs dominate (Eq. 7, (1)).

    .. math::
        \frac{\mathcal M_{out}^0 - \mathcal M_{out}^1}{\mathcal M_{out}^0}

    Example:
        >>> reduction(6), reduction(3)
        (0.5625, 0.25)
    """
    single = output_coefficient(num_layers, multiscale=False)
    return (single - output_coefficient(num_layers, multiscale=True)) / single


def exact_reduction(param_bytes: float, single_bytes: float, multiscale_bytes: float) -> float:
    r"""Eq. 7 without approximation: :math:`(M^0_{out} - M^1_{out}) / (2 M_{par} + M^0_{out})`."""
    return (single_bytes - multiscale_bytes) / (2 * param_bytes + single_bytes)


def training_bytes(param_bytes: float, output_bytes: float) -> float:
    r"""Eq. 2: :math:`\mathcal M_{all} = 4\mathcal M_{par} + 2\mathcal M_{out}`."""
    return 4 * param_bytes + 2 * output_bytes


def output_bytes(
    units: Sequence[float],
    grids: Sequence[tuple[int, int]],
    *,
    batch: int,
    channels: int,
    recursions: int,
) -> float:
    r"""Forward outputs memory of a stack, in bytes: :math:`4 R b c \sum_l U_l h_l w_l`.

    The per-plan form of Eq. 3-5 (they are the special cases :math:`U_l = U` and
    :math:`h_l w_l = hw / 4^{\mathrm{level}(l)}`), with 32-bit units as in the paper.

    Args:
        units: :math:`U_l`, the units kept per time step by the cell of each layer.
        grids: ``(h_l, w_l)`` of each layer.
        batch: :math:`b`.
        channels: hidden channels :math:`c`.
        recursions: :math:`R`, the number of time steps unrolled.

    Raises:
        ValueError: if ``units`` and ``grids`` differ in length.

    Example:
        >>> output_bytes([7, 7], [(4, 4), (2, 2)], batch=1, channels=1, recursions=2)
        1120.0
    """
    if len(units) != len(grids):
        raise ValueError(f"need one unit count per layer: {len(units)} units, {len(grids)} grids")
    area = sum(u * h * w for u, (h, w) in zip(units, grids, strict=True))
    return BITS_PER_ELEMENT / 8 * recursions * batch * channels * area

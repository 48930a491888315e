r"""Per-frame error measures: MSE/MAE (two reductions), balanced weights, PSNR and GDL.

Every function takes ``preds`` and ``target`` of shape ``(B, T, C, H, W)`` with values in [0, 1]
(time axis ``T`` = lead time) and returns one value per sequence and lead time, shape ``(B, T)``,
in float64. The per-lead-time score of a data set is the mean of these values over all its
sequences (the stateful metrics of :mod:`msrnn.metrics` accumulate exactly that). The
definitions are those of the MS-RNN evaluation code; nothing is clipped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import Tensor

from msrnn.metrics.functional._checks import check_sequences, check_thresholds

Reduction = Literal["frame_sum", "pixel_mean"]

#: Weights of the balanced errors for ground truth below 0.5, in [0.5, 2), [2, 5), [5, 10),
#: [10, 30) and at or above 30 mm/h (HKO-7 benchmark, MS-RNN).
BALANCE_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 2.0, 5.0, 10.0, 30.0)


def _reduce(values: Tensor, reduction: Reduction) -> Tensor:
    if reduction == "frame_sum":
        return values.sum(dim=(2, 3, 4))
    if reduction == "pixel_mean":
        return values.mean(dim=(2, 3, 4))
    raise ValueError(f"reduction must be 'frame_sum' or 'pixel_mean', got {reduction!r}")


def _pointwise_error(
    preds: Tensor, target: Tensor, reduction: Reduction, weights: Tensor | None, power: int
) -> Tensor:
    check_sequences(preds, target)
    error = (preds.double() - target.double()).abs().pow(power)
    if weights is not None:
        if weights.shape != preds.shape:
            raise ValueError(
                f"weights must have the shape of preds {tuple(preds.shape)}, "
                f"got {tuple(weights.shape)}"
            )
        error = error * weights.double()
    return _reduce(error, reduction)


def squared_error(
    preds: Tensor,
    target: Tensor,
    *,
    reduction: Reduction = "frame_sum",
    weights: Tensor | None = None,
) -> Tensor:
    r"""Squared error of each frame, summed (``frame_sum``) or averaged (``pixel_mean``) over C·H·W.

    .. math::
        \mathrm{frame\_sum}_{b,t} = \sum_{c,h,w} w \, (\hat Y - Y)^2, \qquad
        \mathrm{pixel\_mean}_{b,t} = \frac{1}{CHW} \sum_{c,h,w} w \, (\hat Y - Y)^2

    ``frame_sum`` is the field's "MSE" (MS-RNN, PredRNN tables; equal to the training loss's L2
    term) and is ``C·H·W`` times ``pixel_mean``. With ``weights`` from :func:`balanced_weights` it
    is the balanced B-MSE.

    Args:
        preds: predicted frames in [0, 1].
        target: true frames in [0, 1].
        reduction: ``"frame_sum"`` or ``"pixel_mean"`` over ``C, H, W``.
        weights: optional per-pixel weights of the shape of ``preds``.

    Returns:
        ``(B, T)`` float64.

    Raises:
        TypeError: for non-tensor or non-floating inputs.
        ValueError: for mismatched shapes or an unknown reduction.

    Example:
        >>> preds = torch.tensor([0.0, 0.5, 1.0, 1.0]).reshape(1, 1, 1, 2, 2)
        >>> target = torch.tensor([0.0, 0.0, 1.0, 0.5]).reshape(1, 1, 1, 2, 2)
        >>> squared_error(preds, target), squared_error(preds, target, reduction="pixel_mean")
        (tensor([[0.5000]], dtype=torch.float64), tensor([[0.1250]], dtype=torch.float64))
    """
    return _pointwise_error(preds, target, reduction, weights, power=2)


def absolute_error(
    preds: Tensor,
    target: Tensor,
    *,
    reduction: Reduction = "frame_sum",
    weights: Tensor | None = None,
) -> Tensor:
    r"""Absolute error of each frame, summed or averaged over pixels (see :func:`squared_error`).

    .. math::
        \mathrm{frame\_sum}_{b,t} = \sum_{c,h,w} w \, |\hat Y - Y|

    Example:
        >>> preds = torch.tensor([0.0, 0.5, 1.0, 1.0]).reshape(1, 1, 1, 2, 2)
        >>> target = torch.tensor([0.0, 0.0, 1.0, 0.5]).reshape(1, 1, 1, 2, 2)
        >>> absolute_error(preds, target), absolute_error(preds, target, reduction="pixel_mean")
        (tensor([[1.]], dtype=torch.float64), tensor([[0.2500]], dtype=torch.float64))
    """
    return _pointwise_error(preds, target, reduction, weights, power=1)


def balanced_weights(
    target: Tensor, thresholds: Sequence[float], weights: Sequence[float] = BALANCE_WEIGHTS
) -> Tensor:
    r"""Per-pixel weights of the balanced errors, from the ground truth's intensity class.

    With increasing pixel thresholds :math:`\tau_1 < \dots < \tau_K` and weights
    :math:`w_0, \dots, w_K`, a pixel with :math:`\tau_k \le Y < \tau_{k+1}` gets :math:`w_k`
    (``>=`` comparisons, :math:`\tau_0 = -\infty`, :math:`\tau_{K+1} = \infty`). MS-RNN uses the
    pixel values of 0.5, 2, 5, 10 and 30 mm/h (see :func:`msrnn.radar.rain_thresholds_to_pixels`)
    with :data:`BALANCE_WEIGHTS`.

    Args:
        target: true frames, any shape.
        thresholds: ``K`` strictly increasing pixel thresholds.
        weights: ``K + 1`` weights, from the lowest class up.

    Returns:
        float64 weights of the shape of ``target``.

    Raises:
        ValueError: if the thresholds are not increasing or ``len(weights) != K + 1``.

    Example:
        >>> balanced_weights(torch.tensor([0.1, 0.3, 0.5, 0.9]), [0.3, 0.5], [1.0, 2.0, 5.0])
        tensor([1., 2., 5., 5.], dtype=torch.float64)
    """
    taus = check_thresholds(thresholds, increasing=True)
    if len(weights) != len(taus) + 1:
        raise ValueError(
            f"weights needs one value per intensity class, len(thresholds) + 1 = {len(taus) + 1}, "
            f"got {len(weights)}"
        )
    result = torch.full(target.shape, float(weights[0]), dtype=torch.float64, device=target.device)
    exact = target.double()  # compared in float64: a bf16 comparison would round the thresholds
    for tau, below, above in zip(taus, weights[:-1], weights[1:], strict=True):
        result += (exact >= tau).double() * (float(above) - float(below))
    return result


def psnr(preds: Tensor, target: Tensor, *, eps: float = 1e-5) -> Tensor:
    r"""Peak signal-to-noise ratio of each frame for data range 1, in dB.

    .. math::
        \mathrm{PSNR}_{b,t} = 10 \log_{10} \frac{1}{\frac{1}{CHW} \sum_{c,h,w}
        (\hat Y - Y)^2 + \epsilon}

    The official code adds :math:`\epsilon = 10^{-5}` to the per-pixel MSE, so identical frames
    score 50 dB instead of infinity; the mean over sequences is taken of the dB values.

    Args:
        preds: predicted frames in [0, 1].
        target: true frames in [0, 1].
        eps: the guard added to the per-pixel MSE, > 0.

    Returns:
        ``(B, T)`` float64, in dB.

    Raises:
        ValueError: if ``eps`` is not positive, or as :func:`squared_error`.

    Example:
        >>> frames = torch.zeros(1, 2, 1, 2, 2)
        >>> psnr(frames, frames)
        tensor([[50., 50.]], dtype=torch.float64)
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    mse = squared_error(preds, target, reduction="pixel_mean")
    return -10.0 * torch.log10(mse + eps)


def gradient_difference(preds: Tensor, target: Tensor) -> Tensor:
    r"""Gradient difference (GDL) of each frame: mismatch of absolute forward differences.

    .. math::
        \mathrm{GDL}_{b,t} = \sum_{c,h,w} \Big|\, |\hat Y_{h+1,w} - \hat Y_{h,w}|
        - |Y_{h+1,w} - Y_{h,w}| \,\Big| + \Big|\, |\hat Y_{h,w+1} - \hat Y_{h,w}|
        - |Y_{h,w+1} - Y_{h,w}| \,\Big|

    summed over the ``(H-1)·W`` vertical and ``H·(W-1)`` horizontal pairs.

    Returns:
        ``(B, T)`` float64.

    Example:
        >>> preds = torch.tensor([0.0, 1.0, 0.0, 1.0]).reshape(1, 1, 1, 2, 2)
        >>> gradient_difference(preds, torch.zeros_like(preds))
        tensor([[2.]], dtype=torch.float64)
    """
    check_sequences(preds, target)
    p, y = preds.double(), target.double()
    vertical = (p.diff(dim=3).abs() - y.diff(dim=3).abs()).abs().sum(dim=(2, 3, 4))
    horizontal = (p.diff(dim=4).abs() - y.diff(dim=4).abs()).abs().sum(dim=(2, 3, 4))
    return vertical + horizontal

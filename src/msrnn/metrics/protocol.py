r"""Which frames are scored, and the baseline forecasts (persistence, blank) in the model's layout.

A forecaster fed a sequence ``frames`` of ``T`` frames returns ``T - 1`` next-frame predictions
(:meth:`msrnn.Forecaster.forward`): ``predictions[:, t]`` predicts ``frames[:, t + 1]``; the first
``input_frames - 1`` of them are made while the model still reads observed frames ("warm-up").
Two evaluation protocols are declared:

* ``forecast`` (default, the usual convention): only the future frames,
  ``predictions[:, input_frames - 1:]`` against ``frames[:, input_frames:]`` —
  ``T - input_frames`` lead times;
* ``paper`` (the official MS-RNN code): all outputs, ``predictions`` against
  ``frames[:, 1:]`` — ``T - 1`` lead times, the warm-up frames included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

import torch
from torch import Tensor

Protocol = Literal["forecast", "paper"]


def _check_protocol(protocol: str) -> None:
    if protocol not in get_args(Protocol):
        raise ValueError(f"protocol must be one of {get_args(Protocol)}, got {protocol!r}")


def _check_input_frames(seq_len: int, input_frames: int) -> None:
    if not 1 <= input_frames < seq_len:
        raise ValueError(
            f"input_frames must be between 1 and seq_len-1={seq_len - 1}, got {input_frames}"
        )


def scored_lead_times(seq_len: int, input_frames: int, protocol: Protocol = "forecast") -> int:
    """Number of frames per sequence that ``protocol`` scores.

    Args:
        seq_len: frames per sequence, observed and future (``T``).
        input_frames: observed frames.
        protocol: ``"forecast"`` or ``"paper"``.

    Raises:
        ValueError: for an unknown protocol or ``input_frames`` outside ``[1, T-1]``.

    Example:
        >>> scored_lead_times(20, 10, "forecast"), scored_lead_times(20, 10, "paper")
        (10, 19)
    """
    _check_protocol(protocol)
    _check_input_frames(seq_len, input_frames)
    return seq_len - input_frames if protocol == "forecast" else seq_len - 1


def select_frames(
    predictions: Tensor, frames: Tensor, *, input_frames: int, protocol: Protocol = "forecast"
) -> tuple[Tensor, Tensor]:
    """The ``(preds, target)`` pair that ``protocol`` scores (module docstring).

    Args:
        predictions: the model's ``T - 1`` next-frame predictions.
        frames: the whole sequence, observed and future.
        input_frames: observed frames.
        protocol: ``"forecast"`` or ``"paper"``.

    Returns:
        Views ``(preds, target)`` of equal shape ``(B, L, C, H, W)``, ``L`` from
        :func:`scored_lead_times`.

    Raises:
        ValueError: if the shapes do not match ``(B, T-1, C, H, W)`` / ``(B, T, C, H, W)``, or as
            :func:`scored_lead_times`.

    Shape:
        ``predictions``: ``(B, T-1, C, H, W)``; ``frames``: ``(B, T, C, H, W)``.

    Example:
        >>> frames = torch.arange(5.0).reshape(1, 5, 1, 1, 1)
        >>> preds, target = select_frames(frames[:, 1:], frames, input_frames=3)
        >>> preds.flatten().tolist(), target.flatten().tolist()
        ([3.0, 4.0], [3.0, 4.0])
    """
    if frames.ndim != 5:
        raise ValueError(f"frames must be (B, T, C, H, W), got shape {tuple(frames.shape)}")
    expected = (frames.shape[0], frames.shape[1] - 1, *frames.shape[2:])
    if tuple(predictions.shape) != expected:
        raise ValueError(
            f"predictions must be (B, T-1, C, H, W) = {expected} for frames of shape "
            f"{tuple(frames.shape)}, got {tuple(predictions.shape)}"
        )
    scored = scored_lead_times(frames.shape[1], input_frames, protocol)
    return predictions[:, -scored:], frames[:, -scored:]


def persistence_forecast(frames: Tensor, *, input_frames: int) -> Tensor:
    r"""Persistence baseline in the layout of a forecaster's output: repeat the last seen frame.

    .. math::
        \hat X_{t+1} = X_{\min(t,\ \mathrm{input\_frames} - 1)}, \qquad t = 0, \dots, T-2,

    i.e. during warm-up the prediction of the next frame is the current one, and every future
    frame is predicted as the last observed frame. Score it exactly like a model, e.g.
    ``suite.update(persistence_forecast(frames, input_frames=10), frames)``.

    Args:
        frames: the whole sequence ``(B, T, C, H, W)``.
        input_frames: observed frames, in ``[1, T-1]``.

    Returns:
        ``(B, T-1, C, H, W)`` predictions (a gathered copy of ``frames``).

    Raises:
        ValueError: for a non-5-D ``frames`` or ``input_frames`` outside ``[1, T-1]``.

    Example:
        >>> frames = torch.arange(5.0).reshape(1, 5, 1, 1, 1)
        >>> persistence_forecast(frames, input_frames=3).flatten().tolist()
        [0.0, 1.0, 2.0, 2.0]
    """
    if frames.ndim != 5:
        raise ValueError(f"frames must be (B, T, C, H, W), got shape {tuple(frames.shape)}")
    _check_input_frames(frames.shape[1], input_frames)
    source = torch.arange(frames.shape[1] - 1, device=frames.device).clamp(max=input_frames - 1)
    return frames[:, source]


def blank_forecast(frames: Tensor, *, input_frames: int) -> Tensor:
    r"""Blank baseline in the layout of a forecaster's output: predict nothing, :math:`\hat X = 0`.

    On sparse data (Moving MNIST, radar) most pixels are 0, so an empty frame is a strong
    baseline for MSE and SSIM: a model that does not beat it has learnt nothing to show.

    Args:
        frames: the whole sequence ``(B, T, C, H, W)``.
        input_frames: observed frames, in ``[1, T-1]`` (checked like the other baselines).

    Returns:
        ``(B, T-1, C, H, W)`` zeros of the frames' dtype and device.

    Example:
        >>> blank_forecast(torch.ones(2, 5, 1, 3, 3), input_frames=3).shape
        torch.Size([2, 4, 1, 3, 3])
    """
    if frames.ndim != 5:
        raise ValueError(f"frames must be (B, T, C, H, W), got shape {tuple(frames.shape)}")
    _check_input_frames(frames.shape[1], input_frames)
    batch, length = frames.shape[:2]
    return frames.new_zeros((batch, length - 1, *frames.shape[2:]))


#: The baselines scored beside every model, by the name they carry in results and plots.
BASELINES: dict[str, Callable[..., Tensor]] = {
    "persistence": persistence_forecast,
    "blank": blank_forecast,
}

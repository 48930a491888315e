r"""The set of metrics of a data set and protocol, and their flattening into a JSON-able dict.

:class:`MetricSuite` takes the model's raw output (all ``T - 1`` next-frame predictions) and the
whole sequence, selects the scored frames by protocol (:mod:`msrnn.metrics.protocol`) and updates
every metric. Result keys, each a per-lead-time ``(L,)`` tensor (``L`` scored lead times):

==========================  =====================================================================
key                         meaning
==========================  =====================================================================
``mse_frame_sum``           squared error summed over the C·H·W pixels of a frame (the field's MSE)
``mae_frame_sum``           absolute error summed over pixels (the field's MAE)
``mse_per_pixel``           squared error averaged over pixels (``mse_frame_sum / (C·H·W)``)
``mae_per_pixel``           absolute error averaged over pixels
``ssim``                    SSIM (11×11 Gaussian, valid)
``psnr``                    PSNR in dB, ``1e-5`` guard (≤ 50 dB)
``gdl_frame_sum``           gradient difference summed over pixels
``b_mse_frame_sum``         balanced MSE, frame sum (radar only)
``b_mae_frame_sum``         balanced MAE, frame sum (radar only)
``{pod,far,csi,hss}_<r>``   scores at threshold label ``r`` (radar only), e.g. ``csi_0.5``
==========================  =====================================================================

All are means over sequences per lead time; :func:`results_to_dict` adds ``<key>_mean``, the mean
over lead times (the official headline, e.g. ``csi_30_mean``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn
from torchmetrics import Metric

from msrnn.metrics.categorical import Contingency
from msrnn.metrics.functional.regression import BALANCE_WEIGHTS
from msrnn.metrics.image import SSIM
from msrnn.metrics.protocol import Protocol, scored_lead_times, select_frames
from msrnn.metrics.regression import (
    GDL,
    PSNR,
    BalancedMAE,
    BalancedMSE,
    FrameMAE,
    FrameMSE,
    PixelMAE,
    PixelMSE,
)
from msrnn.radar import RadarConvention, rain_thresholds_to_pixels

#: Rain-rate thresholds (mm/h) of the MS-RNN evaluation.
RAIN_RATES: tuple[float, ...] = (0.5, 2.0, 5.0, 10.0, 30.0)


class MetricSuite(nn.Module):
    """Every metric of one evaluation, fed with the model's output and the whole sequence.

    Args:
        seq_len: frames per sequence ``T`` (observed and future).
        input_frames: observed frames.
        protocol: ``"forecast"`` (future frames only) or ``"paper"`` (all ``T - 1`` outputs).
        thresholds: pixel thresholds for the radar metrics (B-MSE/B-MAE, contingency scores);
            ``None`` for non-radar data (image metrics only).
        labels: names of the thresholds in the result keys (default ``:g`` of the thresholds).
        balance_weights: ``len(thresholds) + 1`` class weights of B-MSE/B-MAE.

    Raises:
        ValueError: for an unknown protocol, ``input_frames`` outside ``[1, T-1]``, or invalid
            thresholds, labels or weights.

    Example:
        >>> import torch
        >>> suite = MetricSuite(seq_len=4, input_frames=2)
        >>> frames = torch.rand(2, 4, 1, 8, 8)
        >>> suite.update(frames[:, 1:], frames)  # a perfect model
        >>> results = suite.to_dict()
        >>> results["mse_frame_sum"], results["psnr_mean"]
        ([0.0, 0.0], 50.0)
    """

    def __init__(
        self,
        *,
        seq_len: int,
        input_frames: int,
        protocol: Protocol = "forecast",
        thresholds: Sequence[float] | None = None,
        labels: Sequence[str] | None = None,
        balance_weights: Sequence[float] = BALANCE_WEIGHTS,
    ) -> None:
        super().__init__()
        self.input_frames, self.protocol = input_frames, protocol
        self.lead_times = lead = scored_lead_times(seq_len, input_frames, protocol)
        metrics: dict[str, Metric] = {
            "mse_frame_sum": FrameMSE(lead_times=lead),
            "mae_frame_sum": FrameMAE(lead_times=lead),
            "mse_per_pixel": PixelMSE(lead_times=lead),
            "mae_per_pixel": PixelMAE(lead_times=lead),
            "ssim": SSIM(lead_times=lead),
            "psnr": PSNR(lead_times=lead),
            "gdl_frame_sum": GDL(lead_times=lead),
        }
        if thresholds is not None:
            balanced = {"thresholds": thresholds, "weights": balance_weights}
            metrics["b_mse_frame_sum"] = BalancedMSE(lead_times=lead, **balanced)
            metrics["b_mae_frame_sum"] = BalancedMAE(lead_times=lead, **balanced)
            metrics["contingency"] = Contingency(
                lead_times=lead, thresholds=thresholds, labels=labels
            )
        self.metrics = nn.ModuleDict(metrics)

    def update(self, predictions: Tensor, frames: Tensor) -> None:
        """Score a batch: ``predictions`` ``(B, T-1, C, H, W)`` for ``frames`` ``(B, T, C, H, W)``.

        Raises:
            ValueError: if the shapes do not match, ``T`` differs from ``seq_len``, or a value is
                NaN or infinite (then no metric has taken the batch).
        """
        preds, target = select_frames(
            predictions, frames, input_frames=self.input_frames, protocol=self.protocol
        )
        if preds.shape[1] != self.lead_times:
            raise ValueError(
                f"this suite scores {self.lead_times} lead times, but frames of shape "
                f"{tuple(frames.shape)} give {preds.shape[1]}; "
                f"build it with seq_len={frames.shape[1]}"
            )
        if not bool(torch.isfinite(preds).all() and torch.isfinite(target).all()):
            # checked before any metric takes the batch, so a refused batch changes no state
            raise ValueError("predictions and frames must be finite to be scored; found NaN/inf")
        for metric in self.metrics.values():
            metric.update(preds, target)

    def compute(self) -> dict[str, Tensor]:
        """Per-lead-time results ``{key: (lead_times,) float64}`` (keys in the module table)."""
        results: dict[str, Tensor] = {}
        for name, metric in self.metrics.items():
            value = metric.compute()
            results.update(value if isinstance(value, dict) else {name: value})
        return {name: value.reshape(-1) for name, value in results.items()}

    def reset(self) -> None:
        """Forget every batch seen."""
        for metric in self.metrics.values():
            metric.reset()

    def to_dict(self) -> dict[str, list[float] | float]:
        """:func:`results_to_dict` of :meth:`compute`."""
        return results_to_dict(self.compute())


def build_metric_suite(
    *,
    seq_len: int,
    input_frames: int,
    protocol: Protocol = "forecast",
    radar: str | RadarConvention | None = None,
    rain_rates: Sequence[float] = RAIN_RATES,
    balance_weights: Sequence[float] = BALANCE_WEIGHTS,
) -> MetricSuite:
    """The suite of a data set: image metrics, plus the radar metrics when ``radar`` is given.

    Args:
        seq_len: frames per sequence ``T``.
        input_frames: observed frames.
        protocol: ``"forecast"`` or ``"paper"``.
        radar: the data set's radar convention (a :func:`msrnn.radar.radar_convention` name such
            as ``"hko-7"``, or an object), ``None`` for non-radar data. The official code scores
            Moving MNIST/KTH/TaxiBJ with ``"hko-7"`` thresholds; pass it to reproduce that.
        rain_rates: thresholds in mm/h, converted to pixels by ``radar``; labels are ``:g`` of
            the rates (``csi_0.5``, ``csi_30``).
        balance_weights: ``len(rain_rates) + 1`` class weights of B-MSE/B-MAE.

    Raises:
        ValueError: as :class:`MetricSuite` and :func:`msrnn.radar.rain_thresholds_to_pixels`.

    Example:
        >>> suite = build_metric_suite(seq_len=20, input_frames=10, radar="hko-7")
        >>> suite.lead_times, sorted(suite.metrics)[:3]
        (10, ['b_mae_frame_sum', 'b_mse_frame_sum', 'contingency'])
    """
    if radar is None:
        return MetricSuite(seq_len=seq_len, input_frames=input_frames, protocol=protocol)
    return MetricSuite(
        seq_len=seq_len,
        input_frames=input_frames,
        protocol=protocol,
        thresholds=rain_thresholds_to_pixels(rain_rates, radar),
        labels=[f"{float(rate):g}" for rate in rain_rates],
        balance_weights=balance_weights,
    )


def results_to_dict(results: Mapping[str, Tensor]) -> dict[str, list[float] | float]:
    """Flatten per-lead-time results into plain Python: ``key`` -> list, ``key_mean`` -> float.

    ``key_mean`` is the mean over lead times of the per-lead-time values. Insertion order follows
    ``results``, so the output is stable for a given suite.

    Args:
        results: ``{key: per-lead-time tensor}``, e.g. :meth:`MetricSuite.compute`.

    Example:
        >>> import torch
        >>> results_to_dict({"csi_0.5": torch.tensor([0.5, 0.25])})
        {'csi_0.5': [0.5, 0.25], 'csi_0.5_mean': 0.375}
    """
    flat: dict[str, list[float] | float] = {}
    for name, value in results.items():
        per_lead = value.detach().reshape(-1).double().cpu()
        flat[name] = per_lead.tolist()
        flat[f"{name}_mean"] = per_lead.mean().item()
    return flat

r"""Contingency table and categorical scores (POD, FAR, CSI, HSS) at intensity thresholds.

A pixel is an event when its value is **at or above** the threshold (``>=``, as HKO-7, MS-RNN and
torchmetrics; pysteps uses ``>``). With :math:`P = \hat Y \ge \tau` and :math:`O = Y \ge \tau`,
the counts are hits :math:`h = |P \wedge O|`, misses :math:`m = |\neg P \wedge O|`, false alarms
:math:`f = |P \wedge \neg O|` and correct negatives :math:`n = |\neg P \wedge \neg O|`, summed over
the batch and all ``C·H·W`` pixels of a lead time. The scores are

.. math::
    \mathrm{POD} = \frac{h}{h + m}, \quad \mathrm{FAR} = \frac{f}{h + f}, \quad
    \mathrm{CSI} = \frac{h}{h + m + f}, \quad
    \mathrm{HSS} = \frac{2 (h n - m f)}{(h + m)(m + n) + (h + f)(f + n)}.

An undefined score (0/0, e.g. CSI when neither forecast nor truth has an event) is reported as 0,
as the official code does.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from msrnn.metrics.functional._checks import check_sequences, check_thresholds

#: Score names accepted by :func:`contingency_scores`, in their default order.
SCORE_NAMES: tuple[str, ...] = ("pod", "far", "csi", "hss")


def contingency_counts(preds: Tensor, target: Tensor, thresholds: Sequence[float]) -> Tensor:
    """Hits, misses, false alarms and correct negatives per lead time and threshold.

    Comparisons are made in float64, whatever the inputs' dtype. Counts can be summed over
    batches (and ranks) before :func:`contingency_scores`: that is how a data set's table is
    accumulated.

    Args:
        preds: predicted frames in [0, 1].
        target: true frames in [0, 1].
        thresholds: ``K`` pixel thresholds (see :func:`msrnn.radar.rain_thresholds_to_pixels`).

    Returns:
        int64 counts ``(T, K, 4)``, last axis ``(hits, misses, false_alarms,
        correct_negatives)``, summed over ``B`` and ``C, H, W``.

    Raises:
        TypeError: for non-tensor or non-floating inputs.
        ValueError: for mismatched shapes, empty or non-finite thresholds, or non-finite
            inputs (a NaN would silently count as "no event").

    Shape:
        ``preds``, ``target``: ``(B, T, C, H, W)``; output ``(T, K, 4)``.

    Example:
        >>> preds = torch.tensor([0.9, 0.9, 0.1, 0.1]).reshape(1, 1, 1, 2, 2)
        >>> target = torch.tensor([0.9, 0.1, 0.9, 0.1]).reshape(1, 1, 1, 2, 2)
        >>> contingency_counts(preds, target, [0.5]).tolist()
        [[[1, 1, 1, 1]]]
    """
    check_sequences(preds, target)
    taus = check_thresholds(thresholds)
    if not bool(torch.isfinite(preds).all() and torch.isfinite(target).all()):
        raise ValueError("preds and target must be finite to be thresholded; found NaN or inf")
    pixels = preds.shape[0] * preds[0, 0].numel()
    # compared in float64: in bf16 a threshold would be rounded (30 mm/h to about 29.4 mm/h)
    preds, target = preds.double(), target.double()
    per_threshold = []
    for tau in taus:
        forecast, observed = preds >= tau, target >= tau
        hits = (forecast & observed).sum(dim=(0, 2, 3, 4), dtype=torch.int64)
        misses = (~forecast & observed).sum(dim=(0, 2, 3, 4), dtype=torch.int64)
        false_alarms = (forecast & ~observed).sum(dim=(0, 2, 3, 4), dtype=torch.int64)
        negatives = pixels - hits - misses - false_alarms
        per_threshold.append(torch.stack([hits, misses, false_alarms, negatives], dim=-1))
    return torch.stack(per_threshold, dim=1)


def contingency_scores(counts: Tensor, scores: Sequence[str] = SCORE_NAMES) -> dict[str, Tensor]:
    """POD, FAR, CSI and HSS (module docstring) of contingency counts, in float64, 0/0 -> 0.

    Args:
        counts: ``(..., 4)`` counts ``(hits, misses, false_alarms, correct_negatives)``, e.g. the
            ``(T, K, 4)`` output of :func:`contingency_counts`.
        scores: names to compute, a subset of :data:`SCORE_NAMES`.

    Returns:
        ``{name: (...) float64 tensor}`` in the order of ``scores``.

    Raises:
        ValueError: if ``counts`` does not end with an axis of 4 or a score name is unknown.

    Example:
        >>> table = contingency_scores(torch.tensor([82, 38, 23, 222]))
        >>> {name: round(value.item(), 4) for name, value in table.items()}
        {'pod': 0.6833, 'far': 0.219, 'csi': 0.5734, 'hss': 0.6089}
    """
    if counts.ndim == 0 or counts.shape[-1] != 4:
        raise ValueError(
            "counts must end with an axis of 4 (hits, misses, false_alarms, correct_negatives), "
            f"got shape {tuple(counts.shape)}"
        )
    unknown = [name for name in scores if name not in SCORE_NAMES]
    if unknown:
        raise ValueError(f"unknown score names {unknown}; available: {', '.join(SCORE_NAMES)}")
    h, m, f, n = counts.double().unbind(dim=-1)
    formulas = {
        "pod": lambda: h / (h + m),
        "far": lambda: f / (h + f),
        "csi": lambda: h / (h + m + f),
        "hss": lambda: 2.0 * (h * n - m * f) / ((h + m) * (m + n) + (h + f) * (f + n)),
    }
    return {name: torch.nan_to_num(formulas[name](), nan=0.0) for name in scores}

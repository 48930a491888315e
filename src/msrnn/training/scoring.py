"""Score a forecaster outside Lightning: fp32, on the first test sequences of a config.

The zoo re-scores shipped weights this way (and its tests re-check them), and the quickstart
scores the best zoo entry on its own test sequences; both use the metric suite of ``msrnn test``
with the forecast protocol, so the numbers compare with ``metrics.json``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import yaml
from torch import Tensor

from msrnn.models import Forecaster

#: The scores kept: means over the forecast frames.
SCORES = ("mse_frame_sum", "mae_frame_sum", "ssim", "psnr")


def first_test_sequences(config: str | Path, sequences: int) -> tuple[Tensor, int]:
    """The first ``sequences`` test clips of a Moving MNIST config, ``(N, T, C, H, W)`` float32,
    and its number of observed frames."""
    from msrnn.training.datamodules import MovingMNISTDataModule

    init_args = yaml.safe_load(Path(config).read_text())["data"]["init_args"]
    data = MovingMNISTDataModule(**{**init_args, "test_sequences": sequences})
    test = data.dataset("test")
    frames = torch.stack([torch.as_tensor(test[i]) for i in range(len(test))])
    return frames, data.input_frames


@torch.no_grad()
def score(net: Forecaster, frames: Tensor, input_frames: int) -> dict[str, float]:
    """:data:`SCORES` of ``net`` (put in eval mode) forecasting ``frames`` after their first
    ``input_frames``."""
    from msrnn.metrics import build_metric_suite

    suite = build_metric_suite(seq_len=frames.shape[1], input_frames=input_frames)
    suite.update(net.eval()(frames, input_frames=input_frames).predictions, frames)
    scores = suite.to_dict()
    return {name: scores[f"{name}_mean"] for name in SCORES}

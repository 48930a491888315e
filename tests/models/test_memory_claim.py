"""The paper's central claim, measured: MS-X saves about half the activations of X."""

import pytest
import torch

from msrnn.models import build_model, ms_variant_of
from msrnn.profiling import saved_tensor_bytes


def _activation_bytes(name: str) -> int:
    torch.manual_seed(0)
    model = build_model(name)  # paper configuration: 6 layers, 64 channels, kernel 3
    frames = torch.rand(1, 4, 1, 64, 64)
    _, nbytes = saved_tensor_bytes(lambda: model(frames, input_frames=2))
    return nbytes


@pytest.mark.parametrize(
    "name", ["convlstm", "trajgru", "predrnn", "predrnn++", "mim", "motionrnn", "predrnn-v2"]
)
def test_ms_variant_saves_at_most_055_of_the_base_activations(name):
    base, multiscale = _activation_bytes(name), _activation_bytes(ms_variant_of(name))
    assert multiscale <= 0.55 * base, f"MS/base = {multiscale / base:.3f}"

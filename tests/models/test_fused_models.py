"""The fused gate code (``build_model``'s default) equals the unfused oracle for every model."""

import pytest
import torch

import msrnn
from tests.conftest import tiny_model


def _outputs_and_gradients(name: str, fused: bool) -> list[torch.Tensor | None]:
    model = tiny_model(name, seed=1, hidden_channels=4, num_layers=4, fused=fused)
    frames = torch.rand(2, 4, 1, 12, 10, generator=torch.Generator().manual_seed(2))
    out = model(frames, input_frames=2)
    loss = out.predictions.square().sum()
    if out.decoupling_loss is not None:
        loss = loss + out.decoupling_loss
    loss.backward()
    return [out.predictions, *(p.grad for p in model.parameters())]


@pytest.mark.parametrize("name", msrnn.list_models())
def test_fused_model_equals_unfused_model_with_gradients(name):
    fused, unfused = (_outputs_and_gradients(name, flag) for flag in (True, False))
    assert len(fused) == len(unfused)
    for got, want in zip(fused, unfused, strict=True):
        assert (got is None) == (want is None)  # the same parameters are trained
        if got is not None:
            assert torch.allclose(got, want, atol=1e-5)
